//! For the test suites: which database a test server uses. With `TROVE_TEST_DATABASE_URL`
//! (a PostgreSQL database whose role may create databases, such as `scripts/pg-cluster`'s),
//! each call makes a fresh database beside it and returns its URL, so every test runs on
//! PostgreSQL alone; without it, `None`: SQLite under the test's own directory.

/// The environment variable naming the PostgreSQL database tests run against.
pub const ENV: &str = "TROVE_TEST_DATABASE_URL";

/// A fresh PostgreSQL database's URL when the suite runs on PostgreSQL; `None` for SQLite.
pub fn database_url() -> Option<String> {
    let base = std::env::var(ENV).ok().filter(|u| !u.is_empty())?;
    // The server's errors (a statement PostgreSQL refused) shown with the failing test.
    let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("error").try_init();
    let name = format!("trove_test_{}", uuid::Uuid::new_v4().simple());
    let create = base.clone();
    let made = std::thread::scope(|s| {
        // Off any async runtime: the synchronous client runs its own.
        s.spawn(|| -> Result<(), postgres::Error> {
            let mut client = postgres::Client::connect(&create, postgres::NoTls)?;
            client.batch_execute(&format!("CREATE DATABASE {name}"))
        })
        .join()
    });
    match made {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("could not create a test database at {base}: {e}"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
    let (head, _) = base.rsplit_once('/').unwrap_or((&base, ""));
    Some(format!("{head}/{name}"))
}

/// Whether the suite runs on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(ENV).is_ok_and(|u| !u.is_empty())
}

/// The database of a test's data directory when the suite runs on PostgreSQL: made on first
/// use and remembered in the directory (`test-database-url`), so every `trove-server` command
/// a test runs on that directory (serve, the CLI, a restart) uses the same database.
pub fn database_url_for(data: &std::path::Path) -> Option<String> {
    if !on_postgres() {
        return None;
    }
    let file = data.join("test-database-url");
    if let Ok(url) = std::fs::read_to_string(&file) {
        return Some(url);
    }
    let url = database_url()?;
    std::fs::create_dir_all(data).expect("the test's data directory");
    std::fs::write(&file, &url).expect("remember the test database");
    Some(url)
}

/// `BIN --data DATA`, the way the suites run `trove-server` on a test's data directory: its
/// own database when the suite runs on PostgreSQL ([`database_url_for`]), nothing from the
/// caller's `TROVE_DATA`.
pub fn command(bin: &std::path::Path, data: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(bin);
    c.arg("--data").arg(data).env_remove("TROVE_DATA");
    if let Some(url) = database_url_for(data) {
        c.env("TROVE_DATABASE_URL", url);
    }
    c
}

/// nginx from Debian (`nginx-light`) as the load balancer in front of several instances: round
/// robin, HTTP/1.1 with keep-alive to the instances, bodies streamed, an instance that refuses
/// connections skipped for a second. Stopped when dropped.
pub struct Nginx {
    child: std::process::Child,
    pub addr: std::net::SocketAddr,
    _dir: tempfile::TempDir,
}

impl Nginx {
    pub fn start(upstreams: &[std::net::SocketAddr]) -> std::io::Result<Nginx> {
        let dir = tempfile::Builder::new().prefix("trove-nginx-").tempdir()?;
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
            probe.local_addr()?.port()
        };
        let servers: String = upstreams.iter().map(|a| format!("        server {a} max_fails=1 fail_timeout=1s;\n")).collect();
        let root = dir.path().display();
        let conf = NGINX_CONF.replace("{root}", &root.to_string()).replace("{servers}", &servers).replace("{port}", &port.to_string());
        std::fs::write(dir.path().join("nginx.conf"), conf)?;
        // Debian's nginx is in /usr/sbin, which a user's PATH may lack.
        let bin = if std::path::Path::new("/usr/sbin/nginx").exists() { "/usr/sbin/nginx" } else { "nginx" };
        let mut child = std::process::Command::new(bin)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .spawn()?;
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(addr).is_err() {
            if let Some(status) = child.try_wait()? {
                let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
                return Err(std::io::Error::other(format!("nginx exited ({status}): {log}")));
            }
            if std::time::Instant::now() > deadline {
                return Err(std::io::Error::other("nginx did not listen within 20 s"));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Ok(Nginx { child, addr, _dir: dir })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The configuration `Nginx` runs with; README.md has the same `upstream` and `location` for a
/// deployment.
const NGINX_CONF: &str = "daemon off;
master_process off;
worker_processes 1;
user root;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream trove {
{servers}        keepalive 64;
    }
    server {
        listen 127.0.0.1:{port};
        client_max_body_size 70m;
        location / {
            proxy_pass http://trove;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_read_timeout 120s;
            proxy_next_upstream error timeout;
        }
    }
}
";
