//! The proxy between a real client (reqwest) and a real upstream (a tiny axum app with a
//! counter): for each fault, what the client sees and what the upstream did.

mod support;

use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{json, Value};
use support::{client, post_count, send, Seen, Upstream};
use trove_faultproxy::{Action, Exchange, FaultProxy, Rule};

const INJECTED: &str = r#"{"error":{"code":"internal","message":"injected fault"}}"#;

/// One `POST /count` through a proxy with `rule`; checks what the client saw, the upstream's
/// counter afterwards, and the log's record (times forwarded, upstream status, client status).
fn check(rule: Rule, seen: Seen, count: u64, forwarded: u32, upstream_status: Option<u16>) {
    let upstream = Upstream::start();
    let proxy = FaultProxy::start(upstream.addr);
    let action = rule.action().clone();
    proxy.add_rule(rule);

    assert_eq!(
        post_count(&client(), &proxy),
        seen,
        "{action:?}: what the client saw"
    );
    assert_eq!(
        upstream.count(),
        count,
        "{action:?}: the upstream's counter"
    );
    let status = match seen {
        Seen::Answer(status, _) => Some(status),
        Seen::Error => None,
    };
    let record = Exchange {
        connection: 1,
        method: "POST".into(),
        path: "/count".into(),
        query: None,
        action: Some(action),
        forwarded,
        upstream_status,
        upstream_error: None,
        status,
    };
    assert_eq!(proxy.log(), [record]);
}

#[test]
fn each_action_as_the_client_and_the_upstream_see_it() {
    let answer = |status: u16, body: &str| Seen::Answer(status, body.to_owned());
    check(Rule::any(Action::DropRequest), Seen::Error, 0, 0, None);
    check(
        Rule::any(Action::DropResponse),
        Seen::Error,
        1,
        1,
        Some(200),
    );
    check(
        Rule::any(Action::Status(500)),
        answer(500, INJECTED),
        0,
        0,
        None,
    );
    check(
        Rule::any(Action::StatusAfterForward(503)),
        answer(503, INJECTED),
        1,
        1,
        Some(200),
    );
    check(
        Rule::any(Action::Duplicate),
        answer(200, "2"),
        2,
        2,
        Some(200),
    );
    check(
        Rule::any(Action::Delay(Duration::from_millis(10))),
        answer(200, "1"),
        1,
        1,
        Some(200),
    );
}

#[test]
fn without_rules_requests_pass_untouched() {
    let upstream = Upstream::start();
    let proxy = FaultProxy::start(upstream.addr);
    let client = client();
    assert_eq!(post_count(&client, &proxy), Seen::Answer(200, "1".into()));
    let read = send(
        &client,
        reqwest::Method::GET,
        format!("{}/count", proxy.url()),
    );
    assert_eq!(read, Seen::Answer(200, "1".into()));
    let log = proxy.log();
    assert_eq!(log.len(), 2);
    assert!(log
        .iter()
        .all(|e| e.action.is_none() && e.forwarded == 1 && e.status == Some(200)));
}

#[test]
fn status_500_after_two_of_three_is_not_forwarded() {
    let upstream = Upstream::start();
    let proxy = FaultProxy::start(upstream.addr);
    proxy.add_rule(
        Rule::on("POST", "/count", Action::Status(500))
            .after(2)
            .times(1),
    );
    let client = client();

    let get = |client: &Client| {
        send(
            client,
            reqwest::Method::GET,
            format!("{}/count", proxy.url()),
        )
    };
    assert_eq!(post_count(&client, &proxy), Seen::Answer(200, "1".into()));
    assert_eq!(
        get(&client),
        Seen::Answer(200, "1".into()),
        "a GET does not match the rule"
    );
    assert_eq!(post_count(&client, &proxy), Seen::Answer(200, "2".into()));
    assert_eq!(
        post_count(&client, &proxy),
        Seen::Answer(500, INJECTED.into())
    );
    assert_eq!(upstream.count(), 2, "the injected 500 was not forwarded");
    assert_eq!(
        post_count(&client, &proxy),
        Seen::Answer(200, "3".into()),
        "the rule is spent"
    );

    let actions: Vec<_> = proxy
        .log()
        .into_iter()
        .map(|e| (e.method, e.action, e.forwarded))
        .collect();
    let plain = |method: &str| (method.to_owned(), None, 1);
    let expected = [
        plain("POST"),
        plain("GET"),
        plain("POST"),
        ("POST".into(), Some(Action::Status(500)), 0),
        plain("POST"),
    ];
    assert_eq!(actions, expected);
}

#[test]
fn delay_takes_at_least_the_delay() {
    let upstream = Upstream::start();
    let proxy = FaultProxy::start(upstream.addr);
    proxy.add_rule(Rule::any(Action::Delay(Duration::from_millis(400))));
    let started = Instant::now();
    assert_eq!(post_count(&client(), &proxy), Seen::Answer(200, "1".into()));
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_delayed_request_still_reaches_the_server_after_the_client_gave_up() {
    let upstream = Upstream::start();
    let proxy = FaultProxy::start(upstream.addr);
    proxy.add_rule(Rule::any(Action::Delay(Duration::from_millis(600))));
    let impatient = Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let error = impatient
        .post(format!("{}/count", proxy.url()))
        .send()
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    upstream.wait_for_count(1);
    let deadline = Instant::now() + Duration::from_secs(20);
    while proxy.log().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(proxy.log()[0].upstream_status, Some(200));
}

#[test]
fn offline_drops_everything_until_back_online() {
    let upstream = Upstream::start();
    let proxy = FaultProxy::start(upstream.addr);
    // A rule that would fire on the first request; while offline it neither fires nor counts.
    proxy.add_rule(Rule::any(Action::Status(503)));
    let client = client();
    assert_eq!(
        post_count(&client, &proxy),
        Seen::Answer(503, INJECTED.into())
    );
    proxy.add_rule(Rule::any(Action::Status(500)));

    proxy.set_offline(true);
    assert_eq!(post_count(&client, &proxy), Seen::Error);
    assert_eq!(
        send(
            &client,
            reqwest::Method::GET,
            format!("{}/count", proxy.url())
        ),
        Seen::Error
    );
    assert_eq!(upstream.count(), 0);

    proxy.set_offline(false);
    assert_eq!(
        post_count(&client, &proxy),
        Seen::Answer(500, INJECTED.into())
    );
    assert_eq!(post_count(&client, &proxy), Seen::Answer(200, "1".into()));
    let offline: Vec<_> = proxy.log()[1..3]
        .iter()
        .map(|e| (e.action.clone(), e.forwarded))
        .collect();
    assert_eq!(
        offline,
        [
            (Some(Action::DropRequest), 0),
            (Some(Action::DropRequest), 0)
        ]
    );
}

#[test]
fn a_kept_alive_connection_is_closed_by_a_drop_and_the_next_request_gets_a_new_one() {
    for fault in [Action::DropResponse, Action::DropRequest] {
        let upstream = Upstream::start();
        let proxy = FaultProxy::start(upstream.addr);
        let client = client();
        assert_eq!(post_count(&client, &proxy), Seen::Answer(200, "1".into()));
        assert_eq!(post_count(&client, &proxy), Seen::Answer(200, "2".into()));
        proxy.add_rule(Rule::any(fault.clone()));
        assert_eq!(post_count(&client, &proxy), Seen::Error, "{fault:?}");
        let after = if fault == Action::DropResponse {
            "4"
        } else {
            "3"
        };
        assert_eq!(
            post_count(&client, &proxy),
            Seen::Answer(200, after.into()),
            "{fault:?}"
        );

        let connections: Vec<u64> = proxy.log().iter().map(|e| e.connection).collect();
        assert_eq!(
            connections,
            [1, 1, 1, 2],
            "{fault:?}: reuse, then a new connection after the drop"
        );
    }
}

#[test]
fn method_path_query_headers_and_body_pass_both_ways() {
    let upstream = Upstream::start();
    let proxy = FaultProxy::start(upstream.addr);
    let response = client()
        .put(format!("{}/echo?since=5&limit=2", proxy.url()))
        .header("x-trove-client", "c-1")
        .header("authorization", "Bearer t0ken")
        .json(&json!({ "note": "hello" }))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(response.headers()["x-upstream"], "echo");
    let described: Value = response.json().unwrap();
    let expected = json!({
        "method": "PUT",
        "path": "/echo",
        "query": { "since": "5", "limit": "2" },
        "client": "c-1",
        "authorization": "Bearer t0ken",
        "content_type": "application/json",
        "body": r#"{"note":"hello"}"#,
    });
    assert_eq!(described, expected);
    let record = &proxy.log()[0];
    assert_eq!(
        (record.path.as_str(), record.query.as_deref()),
        ("/echo", Some("since=5&limit=2"))
    );
}

#[test]
fn bodies_of_several_megabytes_pass_whole() {
    let upstream = Upstream::start();
    let proxy = FaultProxy::start(upstream.addr);
    proxy.add_rule(Rule::any(Action::Duplicate));
    let body: Vec<u8> = (0..6 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let response = client()
        .post(format!("{}/mirror", proxy.url()))
        .body(body.clone())
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert!(
        response.bytes().unwrap() == body,
        "the body came back changed"
    );
    assert_eq!(proxy.log()[0].forwarded, 2);
}

#[test]
fn an_injected_status_can_carry_retry_after() {
    let upstream = Upstream::start();
    let proxy = FaultProxy::start(upstream.addr);
    proxy.add_rule(Rule::any(Action::Status(503)).retry_after(2));
    let response = client()
        .get(format!("{}/count", proxy.url()))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "2");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().unwrap(), INJECTED);
}

#[test]
fn clear_rules_restores_plain_forwarding() {
    let upstream = Upstream::start();
    let proxy = FaultProxy::start(upstream.addr);
    proxy.add_rule(Rule::any(Action::DropRequest).always());
    let client = client();
    assert_eq!(post_count(&client, &proxy), Seen::Error);
    assert_eq!(post_count(&client, &proxy), Seen::Error);
    proxy.clear_rules();
    assert_eq!(post_count(&client, &proxy), Seen::Answer(200, "1".into()));
    proxy.clear_log();
    assert!(proxy.log().is_empty());
}

#[test]
fn an_unreachable_upstream_is_a_502_with_the_cause_in_the_log() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let proxy = FaultProxy::start(closed);
    let Seen::Answer(status, body) = post_count(&client(), &proxy) else {
        panic!("no answer")
    };
    assert_eq!(status, 502);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["code"], "internal");
    let record = &proxy.log()[0];
    assert_eq!(
        (record.forwarded, record.upstream_status, record.status),
        (1, None, Some(502))
    );
    let cause = record.upstream_error.as_deref().unwrap();
    assert!(
        cause.starts_with(&format!("cannot connect to upstream {closed}")),
        "{cause}"
    );
}

#[test]
#[should_panic(expected = "injected status 42 is not a final HTTP status; expected 200 to 599")]
fn a_status_that_is_not_http_is_refused_when_added() {
    let proxy = FaultProxy::start("127.0.0.1:9".parse().unwrap());
    proxy.add_rule(Rule::any(Action::Status(42)));
}

/// The same handle from an async test, with reqwest's async client; dropping it there is fine.
#[tokio::test]
async fn works_from_a_tokio_test() {
    let upstream = Upstream::start();
    let proxy = FaultProxy::start(upstream.addr);
    proxy.add_rule(Rule::on("POST", "/count", Action::DropResponse));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let url = format!("{}/count", proxy.url());

    let lost = client.post(&url).send().await.unwrap_err();
    assert!(!lost.is_timeout(), "{lost}");
    assert_eq!(
        client.get(&url).send().await.unwrap().text().await.unwrap(),
        "1"
    );
    assert_eq!(
        client
            .post(&url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "2"
    );
    drop(proxy);
}
