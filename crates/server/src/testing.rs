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
