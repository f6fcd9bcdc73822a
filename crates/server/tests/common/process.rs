//! The real `trove-server` binary for end-to-end tests: run a command to completion, or serve
//! on a free port of 127.0.0.1 (read from the line the binary prints) until dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::{Method, StatusCode};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_trove-server");

/// Runs `trove-server --data DIR ARGS...` to completion; returns (success, stdout, stderr).
pub fn run(data: &Path, args: &[&str]) -> (bool, String, String) {
    let out = trove_server::testing::command(BIN.as_ref(), data)
        .args(args)
        .output()
        .expect("run trove-server");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Runs a command that must succeed and returns its stdout, trimmed.
pub fn cli(data: &Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = run(data, args);
    assert!(ok, "trove-server {args:?} failed:\nstdout: {stdout}\nstderr: {stderr}");
    stdout.trim().to_string()
}

/// A running `trove-server serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    log: PathBuf,
    http: Client,
}

impl Server {
    /// Starts the server on a free port of 127.0.0.1 and waits for the line that names it.
    /// Rate limits are set out of reach (tests send bursts from one address and one token).
    pub fn start(data: &Path, log: &Path) -> Server {
        Self::start_with(data, log, &[])
    }

    /// [`Server::start`] with more `serve` arguments (a rate limit given here replaces the default).
    pub fn start_with(data: &Path, log: &Path, args: &[&str]) -> Server {
        let log_file = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("server log");
        let mut child = trove_server::testing::command(BIN.as_ref(), data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--rate-limit", "--ip-rate-limit"].into_iter().filter(|flag| !args.contains(flag)).flat_map(|flag| [flag, "100000"]))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("spawn trove-server serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        // Read the address, then keep draining stdout so the server never writes to a closed pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("trove-server listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().ok();
                panic!("the server did not say where it listens (exit: {status:?}); its log:\n{}", std::fs::read_to_string(log).unwrap_or_default());
            }
        };
        assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "listening on {url}");
        let http = Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        Server { child, url, log: log.to_path_buf(), http }
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::blocking::RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req
    }

    /// Sends a request (with a JSON body when given) and returns the status and the JSON body.
    pub fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let what = format!("{method} {path}");
        let mut req = self.request(method, path, token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().unwrap_or_else(|e| panic!("{what}: {e}; server log:\n{}", self.log()));
        let status = res.status();
        let text = res.text().unwrap();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) })
    }

    /// A call that must answer `want`; returns the body.
    pub fn expect(&self, want: u16, method: Method, path: &str, token: &str, body: Option<Value>) -> Value {
        let what = format!("{method} {path}");
        let (status, body) = self.call(method, path, Some(token), body);
        assert_eq!(status.as_u16(), want, "{what}: {body}");
        body
    }

    /// A call that must be refused with `status` and error `code`.
    pub fn refused(&self, status: u16, code: &str, method: Method, path: &str, token: &str, body: Option<Value>) {
        let what = format!("{method} {path}");
        let (got, body) = self.call(method, path, Some(token), body);
        assert_eq!(got.as_u16(), status, "{what}: {body}");
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
    }

    /// `127.0.0.1:PORT`, for raw TCP connections.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_string()
    }

    /// A line of `/proc/<pid>/status` in kB (`VmRSS`, `VmHWM`).
    pub fn memory_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':')?.trim().strip_suffix("kB")?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/{}/status", self.child.id()))
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

