//! Hostile review, resource limits (issue 15 items 6-7, issue 16 item 6), against the real
//! binary: no body is read before the key passed, slow and idle connections are closed,
//! sessions and streams are capped per key and in total, a session's binding dies with it,
//! a session with an open stream stays alive, and budgets count work rather than chatter.

use std::path::Path;
use std::time::Duration;

use mcp_atlassian::security::admin;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::binary::{Binary, start, start_sandbox};
use crate::helpers::{DEADLINE, PROTOCOL, SseReader};

const KEY: &str = "a-long-enough-default-key";

/// Reads from `tcp` until the server closes it; panics if it is still open at the deadline.
async fn closed_by_server(tcp: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    tokio::time::timeout(DEADLINE, async {
        let mut buf = [0u8; 4096];
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server closes the connection");
    seen
}

/// A GET stream on a Streamable HTTP session.
async fn get_stream(s: &Binary, key: &str, session: &str) -> reqwest::Response {
    s.client
        .get(s.url("/mcp"))
        .header("accept", "text/event-stream")
        .header("x-api-key", key)
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", PROTOCOL)
        .send()
        .await
        .expect("GET stream")
}

async fn ping(s: &Binary, key: &str, session: &str) -> u16 {
    s.rpc(Some(key), session, 9, "ping", json!({})).await.0
}

/// Waits (on the metrics, since any request would count as activity) until the server has
/// closed `n` sessions for `reason`, then checks that `session` is gone.
async fn expires(s: &Binary, key: &str, session: &str, reason: &str, n: f64) {
    let series = format!("mcp_atlassian_sessions_closed_total{{reason=\"{reason}\"}}");
    let started = tokio::time::Instant::now();
    while s.metric(&series).await < n {
        assert!(
            started.elapsed() < DEADLINE,
            "no session expired ({reason})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The entry goes when the session's transport drops, right after it is closed.
    while ping(s, key, session).await != 404 {
        assert!(
            started.elapsed() < DEADLINE,
            "the closed session still answers"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn an_unauthenticated_post_is_refused_before_its_body_is_read() {
    let s = start(&[("MCP_API_KEY", KEY)]);
    let mut tcp = TcpStream::connect(s.addr()).await.expect("connect");
    // Declares 4,000,000 bytes (under MCP_MAX_BODY_BYTES) and sends one.
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 4000000\r\n\r\n{{",
        s.addr()
    );
    tcp.write_all(head.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .expect("answered without waiting for the body")
        .expect("read");
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("X-API-Key"), "{answer}");
}

#[tokio::test]
async fn a_connection_that_trickles_its_request_head_is_closed() {
    let s = start(&[("MCP_HEADER_READ_TIMEOUT_SECS", "1")]);
    let mut tcp = TcpStream::connect(s.addr()).await.expect("connect");
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    // One byte at a time, never finishing the head: the whole head has a deadline, not each read.
    let trickle = async {
        for b in b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if tcp.write_all(&[*b]).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    };
    let cut_off = tokio::time::timeout(DEADLINE, trickle)
        .await
        .expect("within the deadline");
    if !cut_off {
        closed_by_server(&mut tcp).await;
    }
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_but_a_quiet_sse_stream_is_not() {
    let s = start(&[
        ("MCP_HEADER_READ_TIMEOUT_SECS", "60"),
        ("MCP_IDLE_CONNECTION_TIMEOUT_SECS", "2"),
        ("MCP_SSE_KEEPALIVE_SECS", "1"),
    ]);
    let mut idle = TcpStream::connect(s.addr()).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("write");
    let seen = closed_by_server(&mut idle).await;
    assert!(
        String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200"),
        "the request was answered, then the idle connection closed"
    );
    // An SSE stream with no events but keep-alives lives past the idle timeout.
    let mut sse = TcpStream::connect(s.addr()).await.expect("connect");
    sse.write_all(b"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .await
        .expect("write");
    let mut text = String::new();
    tokio::time::timeout(DEADLINE, async {
        let mut buf = [0u8; 1024];
        while text.matches("keep-alive").count() < 4 {
            let n = sse.read(&mut buf).await.expect("read");
            assert!(n > 0, "the stream was closed: {text}");
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    })
    .await
    .expect("four keep-alives, more than the idle timeout apart from the start");
}

fn keys(dir: &Path, ids: &[&str]) -> (String, Vec<String>) {
    let path = dir.join("keys.toml");
    let now = OffsetDateTime::now_utc();
    let keys = ids
        .iter()
        .map(|id| admin::create(&path, id, true, None, now).expect("created"))
        .collect();
    (path.display().to_string(), keys)
}

async fn refusal(resp: reqwest::Response, status: u16, limit: &str) {
    assert_eq!(resp.status(), status);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["limit"], limit, "{body}");
    assert_eq!(body["jsonrpc"], "2.0", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(if status == 429 {
                "_PER_KEY"
            } else {
                "MCP_MAX_"
            })),
        "the message names the setting: {body}"
    );
}

#[tokio::test]
async fn sessions_and_streams_are_capped_per_key_and_in_total_with_a_clear_refusal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, k) = keys(dir.path(), &["a", "b", "c"]);
    let s = start(&[
        ("MCP_API_KEYS_FILE", &path),
        ("MCP_MAX_SESSIONS_PER_KEY", "2"),
        ("MCP_MAX_SESSIONS", "3"),
        ("MCP_MAX_STREAMS_PER_KEY", "1"),
        ("MCP_MAX_STREAMS", "2"),
        // A dropped stream is noticed at its next keep-alive.
        ("MCP_SSE_KEEPALIVE_SECS", "1"),
    ]);
    let a1 = s.session(Some(&k[0])).await.expect("a: first");
    let _a2 = s.session(Some(&k[0])).await.expect("a: second");
    refusal(
        s.session(Some(&k[0])).await.expect_err("a: third"),
        429,
        "sessions_per_key",
    )
    .await;
    let b1 = s.session(Some(&k[1])).await.expect("b: first");
    refusal(
        s.session(Some(&k[2])).await.expect_err("c: over the total"),
        503,
        "sessions_total",
    )
    .await;
    refusal(s.open_sse(Some(&k[2])).await, 503, "sessions_total").await;

    let b_stream = get_stream(&s, &k[1], &b1).await;
    assert_eq!(b_stream.status(), 200);
    refusal(get_stream(&s, &k[1], &b1).await, 429, "streams_per_key").await;
    let a_stream = get_stream(&s, &k[0], &a1).await;
    assert_eq!(a_stream.status(), 200);

    // Closing a session gives its slot back.
    let del = s
        .client
        .delete(s.url("/mcp"))
        .header("x-api-key", &k[0])
        .header("mcp-session-id", &a1)
        .header("mcp-protocol-version", PROTOCOL)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(del.status(), 204);
    drop(a_stream);
    let c1 = s.session(Some(&k[2])).await.expect("c: a slot was freed");
    drop(b_stream);
    let started = tokio::time::Instant::now();
    let c_stream = loop {
        let r = get_stream(&s, &k[2], &c1).await;
        if r.status() == 200 {
            break r;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "closed streams free their slots"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    drop(c_stream);
    for (cap, n) in [
        ("sessions_per_key", 1.0),
        ("sessions_total", 2.0),
        ("streams_per_key", 1.0),
    ] {
        assert_eq!(
            s.metric(&format!(
                "mcp_atlassian_capacity_refused_total{{cap=\"{cap}\"}}"
            ))
            .await,
            n,
            "{cap}"
        );
    }
}

#[tokio::test]
async fn a_session_and_its_binding_die_together_when_it_expires() {
    let s = start(&[
        ("MCP_API_KEY", KEY),
        ("MCP_MAX_SESSIONS_PER_KEY", "1"),
        ("MCP_SESSION_IDLE_SECS", "1"),
    ]);
    let first = s.session(Some(KEY)).await.expect("first");
    refusal(
        s.session(Some(KEY)).await.expect_err("one at a time"),
        429,
        "sessions_per_key",
    )
    .await;
    expires(&s, KEY, &first, "idle", 1.0).await;
    let second = s
        .session(Some(KEY))
        .await
        .expect("the expired session's slot and binding are gone");
    assert_eq!(ping(&s, KEY, &second).await, 200);
}

#[tokio::test]
async fn a_session_with_an_open_stream_outlives_the_idle_timeout() {
    let s = start(&[
        ("MCP_API_KEY", KEY),
        ("MCP_SESSION_IDLE_SECS", "1"),
        ("MCP_SSE_KEEPALIVE_SECS", "1"),
    ]);
    let listening = s.session(Some(KEY)).await.expect("session");
    let stream = get_stream(&s, KEY, &listening).await;
    assert_eq!(stream.status(), 200);
    let quiet = s.session(Some(KEY)).await.expect("session");
    // The quiet session was used after the listening one, so it cannot outlive it by age.
    expires(&s, KEY, &quiet, "idle", 1.0).await;
    assert_eq!(
        ping(&s, KEY, &listening).await,
        200,
        "the open stream kept its session alive"
    );
    drop(stream);
    expires(&s, KEY, &listening, "idle", 2.0).await;
}

#[tokio::test]
async fn sessions_without_client_messages_close_after_the_stream_idle_timeout() {
    let s = start(&[
        ("MCP_API_KEY", KEY),
        ("MCP_STREAM_IDLE_SECS", "1"),
        ("MCP_SSE_KEEPALIVE_SECS", "1"),
        ("MCP_IDLE_CONNECTION_TIMEOUT_SECS", "30"),
    ]);
    let resp = s.open_sse(Some(KEY)).await;
    assert_eq!(resp.status(), 200);
    let mut sse = SseReader::new(resp);
    assert_eq!(sse.next_event().await.expect("endpoint").event, "endpoint");
    tokio::time::timeout(DEADLINE, async {
        while sse.next_event().await.is_some() {}
    })
    .await
    .expect("the legacy SSE stream closes although keep-alives flow");
    let session = s.session(Some(KEY)).await.expect("session");
    let _stream = get_stream(&s, KEY, &session).await;
    expires(&s, KEY, &session, "stream_idle", 2.0).await;
}

#[tokio::test]
async fn only_tool_calls_and_new_sessions_spend_the_budget() {
    let s = start_sandbox(&[
        ("MCP_API_KEY", KEY),
        ("MCP_RATE_LIMIT_PER_MINUTE", "3"),
        ("MCP_RATE_LIMIT_IP_PER_MINUTE", "3"),
    ]);
    let session = s.session(Some(KEY)).await.expect("1 of 3: the session");
    for i in 0..10 {
        for method in ["tools/list", "ping"] {
            let (status, _) = s.rpc(Some(KEY), &session, 10 + i, method, json!({})).await;
            assert_eq!(status, 200, "{method} is protocol chatter, not work");
        }
        let note = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 999}});
        let st = s
            .post(Some(KEY), Some(&session), &note)
            .send()
            .await
            .expect("sent");
        assert_eq!(st.status(), 202);
    }
    let stream = get_stream(&s, KEY, &session).await;
    assert_eq!(stream.status(), 200, "opening a stream is free");
    drop(stream);
    let call = json!({"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-1"}});
    for n in [2, 3] {
        let (status, _) = s
            .rpc(Some(KEY), &session, n, "tools/call", call.clone())
            .await;
        assert_eq!(status, 200, "tool call {n} of 3");
    }
    let (status, body) = s.rpc(Some(KEY), &session, 4, "tools/call", call).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["id"], 4, "the refusal answers the request it refuses");
    let (status, _) = s.rpc(Some(KEY), &session, 5, "tools/list", json!({})).await;
    assert_eq!(status, 200, "listing tools still works over budget");
    let del = s
        .client
        .delete(s.url("/mcp"))
        .header("x-api-key", KEY)
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", PROTOCOL)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(del.status(), 204, "closing a session is free");
    assert_eq!(
        s.session(Some(KEY))
            .await
            .err()
            .map(|r| r.status().as_u16()),
        Some(429),
        "a new session is work"
    );
}
