//! Clients that mean harm, against the real binary on 127.0.0.1 (and the router where the
//! order of checks is the point): slow headers (slowloris), many connections, slow bodies,
//! oversized and allocation-heavy pushes, floods of bad tokens, and revoked tokens.
//!
//! Each test has its own data directory and server; timeouts are shortened with `serve`'s
//! hidden flags so the tests are quick, and one test holds the defaults to their promise.

mod common;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use common::process::{cli, run, Server};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use trove_server::listener::Connections;
use trove_server::Limits;

struct Setup {
    root: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let s = Setup { root: tempfile::tempdir().unwrap() };
        cli(&s.data(), &["user", "add", "alice"]);
        s
    }
    fn data(&self) -> std::path::PathBuf {
        self.root.path().join("data")
    }
    fn token(&self, user: &str) -> String {
        cli(&self.data(), &["token", "create", "--user", user])
    }
    fn start(&self, args: &[&str]) -> Server {
        Server::start_with(&self.data(), &self.root.path().join("server.log"), args)
    }
}

/// Opens a connection and sends the start of a request header, never its end.
fn partial_header(addr: &str) -> TcpStream {
    let mut c = TcpStream::connect(addr).unwrap();
    c.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").unwrap();
    c
}

/// Waits until the server closes `c` (end of file or a reset), up to `limit`; returns when.
fn closed_within(c: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    c.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut buf = [0u8; 512];
    while start.elapsed() < limit {
        match c.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return Some(start.elapsed()),
        }
    }
    None
}

/// `GET /api/v1/health` on a fresh connection; returns the status and how long it took.
fn health(s: &Server) -> (u16, Duration) {
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let start = Instant::now();
    let status = http.get(format!("{}/api/v1/health", s.url)).send().map(|r| r.status().as_u16()).unwrap_or(0);
    (status, start.elapsed())
}

/// The tests that time the server under load run one at a time, so that one's 300 slow
/// connections or four big pushes do not slow another's health check on a two-core machine.
static UNDER_LOAD: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    UNDER_LOAD.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn the_default_timeouts_and_bounds_are_sane() {
    let c = Connections::default();
    assert!((Duration::from_secs(5)..=Duration::from_secs(30)).contains(&c.header_read_timeout), "{c:?}");
    assert!((256..=4096).contains(&c.max), "{c:?}");
    let l = Limits::default();
    assert!((Duration::from_secs(10)..=Duration::from_secs(60)).contains(&l.request_timeout), "{l:?}");
    // A handful of desktop apps behind one address, each at its full per-token rate.
    assert!(l.per_address_second >= 4 * l.per_second, "{l:?}");
    assert!((1..=8).contains(&l.push_uploads), "{l:?}");
}

/// Finding 2: 300 connections that each send part of a header. Health answers meanwhile, and
/// the server closes every one of them at the header-read timeout.
#[test]
fn slow_headers_are_cut_off_and_health_still_answers() {
    let _serial = one_at_a_time();
    let setup = Setup::new();
    let s = setup.start(&["--header-read-timeout-ms", "2000"]);
    let opened = Instant::now();
    let mut slow: Vec<TcpStream> = (0..300).map(|_| partial_header(&s.addr())).collect();
    let (status, took) = health(&s);
    assert_eq!(status, 200, "health while 300 slow connections are open; log:\n{}", s.log());
    assert!(took < Duration::from_secs(1), "health took {took:?} while 300 slow connections were open");
    let mut last = Duration::ZERO;
    for c in &mut slow {
        closed_within(c, Duration::from_secs(30)).expect("the server never closed a connection that sent half a header");
        last = last.max(opened.elapsed());
    }
    assert!(last >= Duration::from_millis(1500), "closed after {last:?}, before the timeout");
    assert!(last < Duration::from_secs(10), "the last slow connection was closed after {last:?}");
    eprintln!("slowloris: health answered in {took:?} with 300 slow connections open; all closed {last:?} after opening");
    let (status, _) = health(&s);
    assert_eq!(status, 200);
}

/// The defaults, on the real binary: a connection that sends half a header is closed within a
/// minute (at 20 s), not before 5 s.
#[test]
fn with_the_defaults_a_slow_header_is_closed_within_a_minute() {
    let setup = Setup::new();
    let s = Server::start_with(&setup.data(), &setup.root.path().join("server.log"), &[]);
    let opened = Instant::now();
    let mut slow: Vec<TcpStream> = (0..10).map(|_| partial_header(&s.addr())).collect();
    // An idle keep-alive connection is closed the same way.
    let mut idle = TcpStream::connect(s.addr()).unwrap();
    idle.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    for c in slow.iter_mut().chain([&mut idle]) {
        closed_within(c, Duration::from_secs(60)).expect("a slow or idle connection was still open after a minute");
        let at = opened.elapsed();
        assert!(at >= Duration::from_secs(5), "closed after {at:?}: too eager for slow networks");
        assert!(at < Duration::from_secs(60), "closed after {at:?}");
    }
    eprintln!("defaults: 10 slow headers and an idle keep-alive connection were closed {:?} after opening", opened.elapsed());
}

/// The connection bound: beyond it, connections are closed at once, the ones inside it are
/// served, and the server takes new ones again as soon as some end.
#[test]
fn connections_beyond_the_bound_are_closed_and_the_server_recovers() {
    let setup = Setup::new();
    let s = setup.start(&["--max-connections", "20", "--header-read-timeout-ms", "3000"]);
    let mut held: Vec<TcpStream> = (0..20).map(|_| partial_header(&s.addr())).collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut extra: Vec<TcpStream> = (0..20).map(|_| partial_header(&s.addr())).collect();
    for c in &mut extra {
        let at = closed_within(c, Duration::from_secs(2)).expect("a connection beyond the bound was kept");
        assert!(at < Duration::from_secs(2));
    }
    for c in &mut held {
        closed_within(c, Duration::from_secs(30)).expect("a slow connection was never closed");
    }
    let (status, _) = health(&s);
    assert_eq!(status, 200, "after the slow connections were closed; log:\n{}", s.log());
    assert!(s.log().contains("20 connections are open"), "the bound is logged:\n{}", s.log());
}

/// A request whose body never finishes is answered 408, in the error shape, at the request
/// timeout.
#[test]
fn a_body_that_never_ends_is_answered_408() {
    let setup = Setup::new();
    let token = setup.token("alice");
    let s = setup.start(&["--request-timeout-ms", "1500"]);
    let mut c = TcpStream::connect(s.addr()).unwrap();
    let head = format!(
        "POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"client_id\":"
    );
    c.write_all(head.as_bytes()).unwrap();
    let start = Instant::now();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut answer = Vec::new();
    let _ = c.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#"{"error":{"code":"internal","message":"the request took longer than 1.5 s"#), "{answer}");
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
}

/// `{"client_id":"c","mutations":[{"id":1,"mutation":{"name":"add_items","args":{"collection":"x","items":["a","a",…],<tail>}}}]}`
/// with `n` one-character items: the most allocation per byte a push can ask for.
fn push_of_tiny_strings(n: usize, tail: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(n * 4 + 200);
    body.extend_from_slice(br#"{"client_id":"c","mutations":[{"id":1,"mutation":{"name":"add_items","args":{"collection":"x","items":["#);
    for k in 0..n {
        body.extend_from_slice(if k == 0 { br#""a""# } else { br#","a""# });
    }
    body.extend_from_slice(format!("],{tail}}}}}}}]}}").as_bytes());
    body
}

/// Finding 3: four big pushes at once (one over the body limit, one over the value limit, two
/// just under both that are parsed whole before they are refused), four times over, so memory
/// a parse freed must not stay with the thread that parsed it. The server's peak memory stays
/// under 200 MB, health keeps answering within a second, and a normal push still works after.
#[test]
fn big_pushes_keep_memory_bounded_and_health_answering() {
    let _serial = one_at_a_time();
    let setup = Setup::new();
    let token = setup.token("alice");
    let s = Arc::new(setup.start(&[]));
    let before = s.memory_kb("VmRSS");
    let bodies: Vec<(Arc<Vec<u8>>, &[u16])> = vec![
        // 12 MiB: over the body limit (413; or the connection is reset while the client still sends).
        (Arc::new(push_of_tiny_strings(3_100_000, r#""positions":[]"#)), &[413, 0]),
        // 7.6 MiB, 2M values: over the value limit.
        (Arc::new(push_of_tiny_strings(2_000_000, r#""positions":[]"#)), &[413]),
        // 3.8 MiB, 950k strings, parsed to the end, then refused for `positions`.
        (Arc::new(push_of_tiny_strings(950_000, r#""positions":7"#)), &[400]),
        (Arc::new(push_of_tiny_strings(950_000, r#""positions":7"#)), &[400]),
    ];
    assert!(bodies[0].0.len() > 12_000_000 && bodies[1].0.len() < 8 * 1024 * 1024);
    let done = Arc::new(AtomicBool::new(false));
    let worst_health = Arc::new(Mutex::new((Duration::ZERO, 200u16)));
    let peak_rss = Arc::new(AtomicU64::new(0));
    let watcher = {
        let (s, done, worst, peak) = (s.clone(), done.clone(), worst_health.clone(), peak_rss.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                peak.fetch_max(s.memory_kb("VmRSS"), Ordering::SeqCst);
                let (status, took) = health(&s);
                let mut w = worst.lock().unwrap();
                if took > w.0 || status != 200 {
                    *w = (took.max(w.0), if status != 200 { status } else { w.1 });
                }
                drop(w);
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let started = Instant::now();
    for round in 0..4 {
        let pushes: Vec<_> = bodies
            .iter()
            .map(|(body, want)| {
                let (s, body, token, want) = (s.clone(), body.clone(), token.clone(), want.to_vec());
                std::thread::spawn(move || {
                    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(120)).build().unwrap();
                    let res = http
                        .post(format!("{}/api/v1/sync/push", s.url))
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body.as_ref().clone())
                        .send();
                    let (status, text) = match res {
                        Ok(r) => (r.status().as_u16(), r.text().unwrap_or_default()),
                        Err(e) => (0, e.to_string()),
                    };
                    assert!(want.contains(&status), "round {round}: a push of {} bytes answered {status}: {text}", body.len());
                    if status != 0 {
                        let v: Value = serde_json::from_str(&text).unwrap();
                        assert!(v["error"]["message"].as_str().is_some_and(|m| m.len() < 300), "{text}");
                    }
                    status
                })
            })
            .collect();
        let statuses: Vec<u16> = pushes.into_iter().map(|p| p.join().unwrap()).collect();
        eprintln!("round {round}: statuses {statuses:?}");
    }
    let took = started.elapsed();
    done.store(true, Ordering::SeqCst);
    watcher.join().unwrap();
    let hwm = s.memory_kb("VmHWM");
    let (worst, bad_status) = *worst_health.lock().unwrap();
    eprintln!(
        "big pushes: RSS {before} kB before, sampled peak {} kB, VmHWM {hwm} kB; worst health latency {worst:?}; 8 pushes took {took:?}",
        peak_rss.load(Ordering::SeqCst)
    );
    assert!(hwm < 200 * 1024, "the server's memory peaked at {hwm} kB");
    assert_eq!(bad_status, 200, "health failed while big pushes ran");
    assert!(worst < Duration::from_secs(1), "health took {worst:?} while big pushes ran");
    // A normal push still goes through.
    let (status, body) = s.call(
        reqwest::Method::POST,
        "/api/v1/sync/push",
        Some(&token),
        Some(serde_json::json!({"client_id": "c-normal", "mutations": []})),
    );
    assert_eq!(status, 200, "{body}");
}

/// A push just over the body limit is refused with the limit named; one of 1,001 mutations
/// is refused too.
#[test]
fn push_limits_are_named_in_the_refusal() {
    let setup = Setup::new();
    let token = setup.token("alice");
    let s = setup.start(&[]);
    let http = reqwest::blocking::Client::new();
    // Chunked (no Content-Length), so the server reads up to the limit before refusing.
    let big = push_of_tiny_strings(2_200_000, r#""positions":[]"#);
    assert!(big.len() > 8 * 1024 * 1024);
    let res = http
        .post(format!("{}/api/v1/sync/push", s.url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(reqwest::blocking::Body::new(std::io::Cursor::new(big.clone())))
        .send();
    if let Ok(r) = res {
        assert_eq!(r.status().as_u16(), 413);
        let v: Value = r.json().unwrap();
        assert_eq!(v["error"]["code"], "too_large", "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("larger than 8388608 bytes"), "{v}");
    }
    let mutations: Vec<Value> = (1..=1001)
        .map(|k| serde_json::json!({"id": k, "mutation": {"name": "delete_collection", "args": {"collection": "x"}}}))
        .collect();
    let (status, v) = s.call(reqwest::Method::POST, "/api/v1/sync/push", Some(&token), Some(serde_json::json!({"client_id": "c", "mutations": mutations})));
    assert_eq!(status.as_u16(), 413, "{v}");
    assert_eq!(v["error"]["message"], "1001 mutations in one push; at most 1000 are allowed");
    // Not JSON, or not said to be: the same answers as before.
    let r = http.post(format!("{}/api/v1/sync/push", s.url)).bearer_auth(&token).body("{}").send().unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let r = http.post(format!("{}/api/v1/sync/push", s.url)).bearer_auth(&token).header("content-type", "application/json").body("{\"client_id\":").send().unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().unwrap();
    assert!(v["error"]["message"].as_str().unwrap().starts_with("the request body is not valid JSON"), "{v}");
}

/// One request through the router, from `peer`.
async fn from(app: &axum::Router, peer: IpAddr, path: &str, token: &str) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut req = Request::builder().method(Method::GET).uri(path).header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap();
    req.extensions_mut().insert(ConnectInfo(SocketAddr::new(peer, 40000)));
    let res = app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Finding 12, at the router: 2,000 requests with a bad token from one address are limited
/// by address, and once over the limit they are refused before the token is looked up.
#[tokio::test]
async fn bad_token_floods_are_limited_by_address_before_the_database() {
    // One a second: the flooder must still be over its limit after the table is renamed below,
    // however slowly a loaded machine runs that write (at 10 a second a token came back first).
    let server = common::Server::with_limits(Limits { per_address_second: 1, ..Limits::default() });
    let app = trove_server::app(server.state.clone());
    let flooder: IpAddr = "203.0.113.7".parse().unwrap();
    let bad = format!("trove_{}", "0123456789".repeat(4));
    let (mut unauthorized, mut limited) = (0, 0);
    for _ in 0..2000 {
        let (status, headers, body) = from(&app, flooder, "/api/v1/projects", &bad).await;
        match status {
            StatusCode::UNAUTHORIZED => unauthorized += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                limited += 1;
                let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
                assert!((1..=2).contains(&wait), "Retry-After {wait}");
                assert_eq!(body["error"]["code"], "rate_limited", "{body}");
                assert_eq!(body["error"]["message"], format!("too many requests from 203.0.113.7; retry in {wait} s"));
            }
            other => panic!("{other}: {body}"),
        }
    }
    // A burst of 2, then 1 a second for however long the loop took.
    assert!(limited >= 1900, "{unauthorized} answered 401, {limited} 429");
    // No database work once over the limit: with the tokens table gone, a lookup would fail
    // (500), but the flooder is still answered 429; another address does reach the lookup.
    server.state.db.write(|tx| tx.execute_batch("ALTER TABLE tokens RENAME TO tokens_away")).unwrap();
    let (status, _, body) = from(&app, flooder, "/api/v1/projects", &bad).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (status, _, _) = from(&app, "198.51.100.2".parse().unwrap(), "/api/v1/projects", &bad).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "the probe: a request within its address's limit looks the token up");
    server.state.db.write(|tx| tx.execute_batch("ALTER TABLE tokens_away RENAME TO tokens")).unwrap();
    // Health is limited like every route; other addresses, and the same /64, are judged apart.
    let (status, _, _) = from(&app, flooder, "/api/v1/health", "").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _, body) = from(&app, "198.51.100.3".parse().unwrap(), "/api/v1/me", &server.alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A string that cannot be a token is refused without a lookup (the table is there again).
    let (status, _, body) = from(&app, "198.51.100.4".parse().unwrap(), "/api/v1/me", "not-a-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

/// Finding 12, end to end: the flag sets the per-address rate, and a flood from 127.0.0.1 is
/// answered 429 with `Retry-After`.
#[test]
fn a_flood_from_one_address_gets_429_on_the_real_binary() {
    let _serial = one_at_a_time();
    let setup = Setup::new();
    let s = Arc::new(setup.start(&["--ip-rate-limit", "20"]));
    let bad = format!("trove_{}", "ab".repeat(20));
    let counts = Arc::new(Mutex::new((0u32, 0u32, 0u32)));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (s, bad, counts) = (s.clone(), bad.clone(), counts.clone());
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::new();
                for _ in 0..250 {
                    let r = http.get(format!("{}/api/v1/projects", s.url)).bearer_auth(&bad).send().unwrap();
                    let mut c = counts.lock().unwrap();
                    match r.status().as_u16() {
                        401 => c.0 += 1,
                        429 => {
                            assert!(r.headers().contains_key("retry-after"));
                            c.1 += 1
                        }
                        _ => c.2 += 1,
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let (unauthorized, limited, other) = *counts.lock().unwrap();
    eprintln!("2,000 bad-token requests at --ip-rate-limit 20: {unauthorized} × 401, {limited} × 429");
    assert_eq!(other, 0);
    assert!(limited > 1000, "{unauthorized} × 401, {limited} × 429");
}

/// Tokens: `token list` shows ids and dates, never a secret; `token revoke` takes effect on
/// the very next request, while the server runs.
#[test]
fn a_revoked_token_is_refused_at_once() {
    let setup = Setup::new();
    let first = setup.token("alice");
    let second = setup.token("alice");
    let listed = cli(&setup.data(), &["token", "list", "--user", "alice"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(!listed.contains(&first[6..]) && !listed.contains(&second[6..]) && !listed.contains("trove_"), "{listed}");
    assert!(lines.iter().all(|l| l.contains("\tcreated 20") && l.ends_with(" UTC")), "{listed}");
    let ids: Vec<&str> = lines.iter().map(|l| l.split('\t').next().unwrap()).collect();
    let s = setup.start(&[]);
    assert_eq!(s.call(reqwest::Method::GET, "/api/v1/me", Some(&first), None).0, 200);
    assert_eq!(cli(&setup.data(), &["token", "revoke", ids[0]]), format!("revoked token {} of alice", ids[0]));
    let (status, body) = s.call(reqwest::Method::GET, "/api/v1/me", Some(&first), None);
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["message"], "the API token is not valid on this server");
    assert_eq!(s.call(reqwest::Method::GET, "/api/v1/me", Some(&second), None).0, 200);
    assert_eq!(cli(&setup.data(), &["token", "list", "--user", "alice"]).lines().count(), 1);
    let (ok, _, stderr) = run(&setup.data(), &["token", "revoke", ids[0]]);
    assert!(!ok && stderr.contains(&format!("token {} does not exist", ids[0])), "{stderr}");
    let (ok, _, stderr) = run(&setup.data(), &["token", "list", "--user", "nobody"]);
    assert!(!ok && stderr.contains("user \"nobody\" does not exist"), "{stderr}");
}
