//! SSE priming events (an `id`/`retry` event with empty data) reach only clients that
//! negotiated 2025-11-25 or later; older clients get the same stream without them.

use futures::StreamExt;
use serde_json::{Value, json};

use crate::helpers::{DEADLINE, TestApp, spawn_app};

/// The raw SSE bytes of a POST's answer, read until the event answering `id` arrived.
async fn raw_sse(resp: reqwest::Response, id: i64) -> String {
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/event-stream"),
        "stateful answers are SSE"
    );
    let marker = format!("\"id\":{id}");
    let mut stream = resp.bytes_stream();
    let mut text = String::new();
    while !(text.contains(&marker) && text.ends_with("\n\n")) {
        let chunk = tokio::time::timeout(DEADLINE, stream.next())
            .await
            .expect("SSE bytes within the deadline")
            .expect("the stream holds the answer")
            .expect("readable chunk");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text
}

/// Whether the stream holds an event without data but with `retry:` (a priming event).
fn has_priming(raw: &str) -> bool {
    raw.split("\n\n").any(|event| {
        let lines: Vec<&str> = event.lines().collect();
        lines.iter().any(|l| l.starts_with("retry:"))
            && lines
                .iter()
                .filter_map(|l| l.strip_prefix("data:"))
                .all(|d| d.trim().is_empty())
    })
}

/// Initializes asking for `version`; returns the session id and the raw SSE answer.
async fn initialize_raw(app: &TestApp, version: &str) -> (String, String) {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {},
        "clientInfo": {"name": "priming-test", "version": "1"}}});
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_string())
        .send()
        .await
        .expect("initialize sent");
    let session = resp.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    (session, raw_sse(resp, 1).await)
}

async fn post_raw(app: &TestApp, session: &str, version: &str, body: &Value, id: i64) -> String {
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", version)
        .body(body.to_string())
        .send()
        .await
        .expect("request sent");
    raw_sse(resp, id).await
}

#[tokio::test]
async fn a_2025_06_18_client_sees_no_priming_event_on_any_answer() {
    let app = spawn_app().await;
    let (session, init) = initialize_raw(&app, "2025-06-18").await;
    assert!(!has_priming(&init), "initialize answer: {init}");
    assert!(
        init.contains("\"protocolVersion\":\"2025-06-18\""),
        "{init}"
    );
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "test_echo", "arguments": {"text": "hi"}}});
    let raw = post_raw(&app, &session, "2025-06-18", &call, 2).await;
    assert!(!has_priming(&raw), "tools/call answer: {raw}");
    assert!(raw.contains("echo: hi"), "{raw}");
    // Every event left is a JSON-RPC message (what a pre-1.23 TS SDK insists on).
    for event in raw.split("\n\n").filter(|e| !e.trim().is_empty()) {
        let data: String = event
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .collect();
        serde_json::from_str::<Value>(data.trim()).expect("each event's data is JSON");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_2025_11_25_client_gets_priming_events() {
    let app = spawn_app().await;
    let (session, init) = initialize_raw(&app, "2025-11-25").await;
    assert!(has_priming(&init), "initialize answer: {init}");
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "test_echo", "arguments": {"text": "hi"}}});
    let raw = post_raw(&app, &session, "2025-11-25", &call, 2).await;
    assert!(has_priming(&raw), "tools/call answer: {raw}");
    assert!(raw.contains("echo: hi"), "{raw}");
    app.stop().await;
}

/// The first event of a session's standalone GET stream: a priming event, or (once priming is
/// stripped) the keep-alive comment that follows it within a second.
async fn first_get_stream_event(app: &TestApp, session: &str, version: &str) -> String {
    let resp = app
        .client
        .get(app.url("/mcp"))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", version)
        .send()
        .await
        .expect("GET stream opened");
    assert_eq!(resp.status(), 200);
    let mut stream = resp.bytes_stream();
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(DEADLINE, stream.next())
            .await
            .expect("a GET stream event within the deadline")
            .expect("the stream stays open")
            .expect("readable chunk");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text
}

#[tokio::test]
async fn the_standalone_get_stream_primes_only_new_clients() {
    let app = crate::helpers::spawn_app_with(&[("MCP_SSE_KEEPALIVE_SECS", "1")]).await;
    let (old, _) = initialize_raw(&app, "2025-06-18").await;
    let first = first_get_stream_event(&app, &old, "2025-06-18").await;
    assert!(!has_priming(&first), "{first}");
    assert!(
        first.starts_with(':'),
        "a keep-alive comment comes first: {first}"
    );
    let (new, _) = initialize_raw(&app, "2025-11-25").await;
    let first = first_get_stream_event(&app, &new, "2025-11-25").await;
    assert!(has_priming(&first), "{first}");
    app.stop().await;
}
