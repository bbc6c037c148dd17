//! Hostile review, keys (issue 15 items 1-3), against the real binary: a configured keys file
//! never degrades to anonymous access, a revoked key loses its open sessions, and every SSE
//! message is authorised and charged as the key that owns its session.

use std::path::Path;
use std::time::Duration;

use mcp_atlassian::security::admin;
use serde_json::{Value, json};

/// Reads the stream until the answers to all of `ids` arrived (in any order).
async fn answers(reader: &mut SseReader, ids: &[i64]) -> Vec<Value> {
    let mut got: Vec<Option<Value>> = vec![None; ids.len()];
    while got.iter().any(Option::is_none) {
        let ev = reader
            .next_event()
            .await
            .expect("an answer before the stream ended");
        let v: Value = serde_json::from_str(&ev.data).expect("json");
        if let Some(i) = ids.iter().position(|id| v["id"] == json!(id)) {
            got[i] = Some(v);
        }
    }
    got.into_iter().flatten().collect()
}
use time::OffsetDateTime;

use crate::binary::{Binary, lines_where, run_to_exit, start, start_sandbox};
use crate::helpers::{DEADLINE, SseReader, initialize_request};

fn keys_path(dir: &Path) -> String {
    dir.join("keys.toml").display().to_string()
}

/// Opens `GET /sse` with `key`; the stream and the message path from its endpoint event.
async fn sse_session(s: &Binary, key: &str) -> (SseReader, String) {
    let resp = s.open_sse(Some(key)).await;
    assert_eq!(resp.status(), 200);
    let mut reader = SseReader::new(resp);
    let endpoint = reader.next_event().await.expect("endpoint event");
    assert_eq!(endpoint.event, "endpoint");
    (reader, endpoint.data)
}

/// Reads the stream until it ends; panics if it is still open at the deadline.
async fn ends(reader: &mut SseReader) {
    tokio::time::timeout(DEADLINE, async {
        while reader.next_event().await.is_some() {}
    })
    .await
    .expect("the stream is closed by the server");
}

#[test]
fn a_missing_blank_or_broken_keys_file_stops_the_start_and_check_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = keys_path(dir.path());
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[[keys]]\nid = 'x'\nhash = 'nope'\n").expect("write");
    let blank = dir.path().join("blank.toml");
    std::fs::write(&blank, "\n").expect("write");
    for (file, says) in [
        (path.as_str(), "No such file"),
        (broken.to_str().expect("utf-8"), "sha256:<64 hex digits>"),
        (blank.to_str().expect("utf-8"), "keys = []"),
    ] {
        for args in [&[][..], &["check-config"][..]] {
            let (code, _, err) = run_to_exit(args, &[("MCP_API_KEYS_FILE", file)]);
            assert_eq!(code, Some(2), "{args:?} with {file}: {err}");
            assert!(
                err.contains("MCP_API_KEYS_FILE") && err.contains(says),
                "{args:?} with {file} says what to fix: {err}"
            );
        }
    }
}

#[test]
fn check_config_says_where_keys_come_from_and_whether_anyone_gets_in_without_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = keys_path(dir.path());
    let now = OffsetDateTime::now_utc();
    admin::create(Path::new(&path), "alice", true, None, now).expect("created");
    let (code, out, err) = run_to_exit(&["check-config"], &[("MCP_API_KEYS_FILE", &path)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("1 listed, 1 usable"), "{out}");
    assert!(out.contains("anonymous access is off"), "{out}");
    admin::revoke(Path::new(&path), "alice").expect("revoked");
    let (_, out, _) = run_to_exit(&["check-config"], &[("MCP_API_KEYS_FILE", &path)]);
    assert!(out.contains("every MCP request is refused"), "{out}");
    let (_, out, _) = run_to_exit(&["check-config"], &[]);
    assert!(
        out.contains("anonymous access, allowed because HOST is loopback"),
        "{out}"
    );
    let (_, out, _) = run_to_exit(
        &["check-config"],
        &[
            ("HOST", "0.0.0.0"),
            ("MCP_ALLOW_UNAUTHENTICATED", "true"),
            // A public bind needs its public name (the Host check), keys or not.
            ("PUBLIC_BASE_URL", "https://mcp.example.com"),
        ],
    );
    assert!(
        out.contains("allowed by MCP_ALLOW_UNAUTHENTICATED=true"),
        "{out}"
    );
}

#[tokio::test]
async fn an_intentionally_empty_key_list_refuses_every_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = keys_path(dir.path());
    std::fs::write(&path, "keys = []\n").expect("write");
    let s = start(&[("MCP_API_KEYS_FILE", &path)]);
    for key in [
        None,
        Some("mcpk_any_0123456789012345678901234567890123456789012"),
    ] {
        let resp = s
            .post(key, None, &initialize_request(1))
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 403, "key {key:?} is refused");
    }
    assert_eq!(s.open_sse(None).await.status(), 403);
}

#[tokio::test]
async fn a_keys_file_removed_emptied_or_broken_while_running_keeps_the_last_good_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = keys_path(dir.path());
    let key = admin::create(
        Path::new(&path),
        "alice",
        true,
        None,
        OffsetDateTime::now_utc(),
    )
    .expect("created");
    let s = start(&[("MCP_API_KEYS_FILE", &path)]);
    assert!(s.session(Some(&key)).await.is_ok());
    let errors = |s: &Binary| {
        lines_where(&s.log(), |v| {
            v["level"] == "ERROR"
                && v["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("keeping the previous keys"))
        })
        .len()
    };
    // None: remove the file; Some(text): write it.
    let changes = [
        ("removed", None),
        ("emptied", Some("")),
        ("broken", Some("[[keys]] = ???")),
    ];
    for (n, (what, change)) in changes.iter().enumerate() {
        match change {
            None => std::fs::remove_file(&path).expect("rm"),
            Some(text) => std::fs::write(&path, text).expect("write"),
        }
        s.wait_log(&format!("the {what} file is reported"), |_| errors(&s) > n)
            .await;
        for _ in 0..2 {
            let anon = s
                .post(None, None, &initialize_request(1))
                .send()
                .await
                .expect("sent");
            assert_eq!(anon.status(), 403, "{what}: no anonymous access");
            assert!(
                s.session(Some(&key)).await.is_ok(),
                "{what}: the last good key still works"
            );
        }
    }
    assert_eq!(
        errors(&s),
        3,
        "one error per change, not per request or poll"
    );
}

#[tokio::test]
async fn a_revoked_key_is_refused_on_its_next_sse_message_and_its_streams_close() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = keys_path(dir.path());
    let now = OffsetDateTime::now_utc();
    let doomed = admin::create(Path::new(&path), "doomed", true, None, now).expect("created");
    let s = start(&[
        ("MCP_API_KEYS_FILE", &path),
        ("MCP_SSE_KEEPALIVE_SECS", "1"),
    ]);
    let (mut sse, post_path) = sse_session(&s, &doomed).await;
    assert_eq!(s.sse_post(&post_path, &initialize_request(1)).await, 202);
    // A Streamable HTTP session with its GET stream open.
    let session = s.session(Some(&doomed)).await.expect("session");
    let get = s
        .client
        .get(s.url("/mcp"))
        .header("accept", "text/event-stream")
        .header("x-api-key", &doomed)
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", crate::helpers::PROTOCOL)
        .send()
        .await
        .expect("GET stream");
    assert_eq!(get.status(), 200);
    let mut stream = SseReader::new(get);

    admin::revoke(Path::new(&path), "doomed").expect("revoked");
    ends(&mut sse).await;
    ends(&mut stream).await;
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    assert!(
        [403, 404].contains(&s.sse_post(&post_path, &ping).await),
        "a key-less message on the closed session is refused"
    );
    let (status, _) = s.rpc(Some(&doomed), &session, 3, "ping", json!({})).await;
    assert_eq!(status, 403, "the revoked key itself is refused");
}

#[tokio::test]
async fn a_key_rotated_past_its_grace_loses_its_sse_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = keys_path(dir.path());
    let now = OffsetDateTime::now_utc();
    let old = admin::create(Path::new(&path), "bot", true, None, now).expect("created");
    let s = start(&[("MCP_API_KEYS_FILE", &path)]);
    let (mut sse, post_path) = sse_session(&s, &old).await;
    assert_eq!(s.sse_post(&post_path, &initialize_request(1)).await, 202);
    // Rotated with no grace: the key that opened the session is dead at once, though the
    // key id lives on with its new secret.
    let new = admin::rotate(Path::new(&path), "bot", Duration::ZERO, now).expect("rotated");
    ends(&mut sse).await;
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    assert!([403, 404].contains(&s.sse_post(&post_path, &ping).await));
    let (_fresh, fresh_path) = sse_session(&s, &new).await;
    assert_eq!(
        s.sse_post(&fresh_path, &initialize_request(1)).await,
        202,
        "the new secret opens sessions as before"
    );
}

#[tokio::test]
async fn every_sse_message_is_charged_to_the_key_that_owns_its_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = keys_path(dir.path());
    let key = admin::create(
        Path::new(&path),
        "agent",
        true,
        None,
        OffsetDateTime::now_utc(),
    )
    .expect("created");
    // Only the key's budget: the per-IP one is off, so nothing else can refuse.
    let s = start_sandbox(&[
        ("MCP_API_KEYS_FILE", &path),
        ("MCP_RATE_LIMIT_PER_MINUTE", "3"),
        ("MCP_RATE_LIMIT_IP_PER_MINUTE", "0"),
        ("MCP_RATE_LIMIT_IP_PER_HOUR", "0"),
    ]);
    let (mut sse, post_path) = sse_session(&s, &key).await; // the session: 1 of 3
    assert_eq!(s.sse_post(&post_path, &initialize_request(1)).await, 202);
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(s.sse_post(&post_path, &initialized).await, 202);
    let call = |id: i64| json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-1"}}});
    assert_eq!(s.sse_post(&post_path, &call(2)).await, 202, "2 of 3");
    assert_eq!(s.sse_post(&post_path, &call(3)).await, 202, "3 of 3");
    // Over the budget: the refusal is the request's answer on the stream (SSE clients read
    // answers there; a non-2xx POST stops the Python SDK from sending at all).
    assert_eq!(s.sse_post(&post_path, &call(4)).await, 202);
    let got = answers(&mut sse, &[2, 3, 4]).await;
    for ok in &got[..2] {
        assert!(ok["result"].is_object(), "{ok}");
    }
    let refused = &got[2];
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("rate limited: retry in ")),
        "the key-less message spent the session key's budget: {refused}"
    );
    assert_eq!(refused["error"]["data"]["limit"], "key_per_minute");
    let other = s.session(Some(&key)).await;
    assert_eq!(
        other.err().map(|r| r.status().as_u16()),
        Some(429),
        "the same budget on Streamable HTTP"
    );
}
