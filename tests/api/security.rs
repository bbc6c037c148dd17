//! API keys over real HTTP: 403 without WWW-Authenticate, scopes, rotation, live reload,
//! sessions bound to their key and address, trusted proxies.

use std::path::Path;
use std::time::Duration;

use mcp_atlassian::security::admin;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::helpers::{TestApp, eventually, initialize_request, spawn_app_with};

const KEY: &str = "a-long-enough-default-key";

fn keys_file(dir: &Path) -> (String, String, String) {
    let path = dir.join("keys.toml");
    let now = OffsetDateTime::now_utc();
    let writer = admin::create(&path, "writer", true, None, now).expect("writer");
    let reader = admin::create(&path, "reader", false, None, now).expect("reader");
    (path.display().to_string(), writer, reader)
}

async fn post_init(app: &TestApp, key: Option<&str>) -> reqwest::Response {
    let mut req = app.post_mcp(&initialize_request(1), None);
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    req.send().await.expect("sent")
}

async fn forbidden_reason(resp: reqwest::Response) -> String {
    assert_eq!(resp.status(), 403);
    assert!(
        resp.headers().get("www-authenticate").is_none(),
        "a 401-style challenge would start OAuth in clients"
    );
    let body: Value = resp.json().await.expect("json");
    assert_eq!(
        body["jsonrpc"], "2.0",
        "a JSON-RPC error every SDK can show: {body}"
    );
    assert_eq!(body["error"]["data"]["kind"], "forbidden");
    let reason = body["reason"].as_str().expect("reason");
    assert_eq!(
        body["error"]["message"],
        format!("forbidden: {reason}"),
        "the JSON-RPC message carries the reason"
    );
    body["reason"].as_str().expect("reason").to_owned()
}

#[tokio::test]
async fn missing_wrong_and_url_keys_get_403_json_while_health_stays_open() {
    let app = spawn_app_with(&[("MCP_API_KEY", KEY)]).await;
    assert!(
        forbidden_reason(post_init(&app, None).await)
            .await
            .contains("X-API-Key")
    );
    assert_eq!(
        forbidden_reason(post_init(&app, Some("wrong-key-wrong-key")).await).await,
        "unknown API key"
    );
    let sse = app.client.get(app.url("/sse")).send().await.expect("sent");
    assert!(forbidden_reason(sse).await.contains("missing API key"));
    let in_url = app
        .client
        .get(app.url(&format!("/sse?api_key={KEY}")))
        .send()
        .await
        .expect("sent");
    assert!(forbidden_reason(in_url).await.contains("not in the URL"));
    assert_eq!(post_init(&app, Some(KEY)).await.status(), 200);
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("sent")
            .status(),
        200
    );
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .expect("sent")
            .status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn a_read_key_can_neither_see_nor_call_a_write_tool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, writer, reader) = keys_file(dir.path());
    let app = spawn_app_with(&[("MCP_API_KEYS_FILE", &path)]).await;
    for (key, sees_write) in [(&reader, false), (&writer, true)] {
        let resp = post_init(&app, Some(key)).await;
        assert_eq!(resp.status(), 200);
        let session = resp.headers()["mcp-session-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let call = |id: i64, method: &str, params: Value| {
            app.post_mcp(
                &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
                Some(&session),
            )
            .header("x-api-key", key.as_str())
        };
        let list = crate::helpers::read_rpc_response(
            call(2, "tools/list", json!({})).send().await.expect("sent"),
            2,
        )
        .await;
        let names: Vec<&str> = list["result"]["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .map(|t| t["name"].as_str().expect("name"))
            .collect();
        assert_eq!(names.contains(&"test_write"), sees_write, "{names:?}");
        let resp = crate::helpers::read_rpc_response(
            call(
                3,
                "tools/call",
                json!({"name": "test_write", "arguments": {}}),
            )
            .send()
            .await
            .expect("sent"),
            3,
        )
        .await;
        if sees_write {
            assert_eq!(resp["result"]["content"][0]["text"], "written");
        } else {
            assert_eq!(resp["error"]["code"], -32602, "{resp}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn expired_revoked_and_rotated_keys_behave_as_documented() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keys.toml");
    let now = OffsetDateTime::now_utc();
    let past = now - time::Duration::hours(2);
    let expired =
        admin::create(&path, "old", true, Some(Duration::from_secs(3600)), past).expect("created");
    let revoked = admin::create(&path, "gone", true, None, now).expect("created");
    admin::revoke(&path, "gone").expect("revoked");
    let first = admin::create(&path, "bot", true, None, now).expect("created");
    let second = admin::rotate(&path, "bot", Duration::from_secs(3600), now).expect("rotated");
    let app = spawn_app_with(&[("MCP_API_KEYS_FILE", path.to_str().expect("utf-8"))]).await;
    assert!(
        forbidden_reason(post_init(&app, Some(&expired)).await)
            .await
            .starts_with("expired API key")
    );
    assert_eq!(
        forbidden_reason(post_init(&app, Some(&revoked)).await).await,
        "revoked API key"
    );
    assert_eq!(
        post_init(&app, Some(&first)).await.status(),
        200,
        "the old key works during the grace period"
    );
    assert_eq!(post_init(&app, Some(&second)).await.status(), 200);
    // End the grace period: only the new key remains.
    let third = admin::rotate(&path, "bot", Duration::ZERO, now).expect("rotated");
    let keys = app.handle.keys.clone();
    eventually("the keys file is reloaded", || {
        keys.snapshot()
            .verify(&third, OffsetDateTime::now_utc())
            .is_ok()
    })
    .await;
    assert_eq!(
        forbidden_reason(post_init(&app, Some(&second)).await).await,
        "unknown API key"
    );
    assert_eq!(post_init(&app, Some(&third)).await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn editing_the_keys_file_takes_effect_without_dropping_an_open_sse_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, writer, _) = keys_file(dir.path());
    let app = spawn_app_with(&[("MCP_API_KEYS_FILE", &path)]).await;
    let resp = app
        .client
        .get(app.url("/sse"))
        .header("x-api-key", &writer)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let mut reader = crate::helpers::SseReader::new(resp);
    let endpoint = reader.next_event().await.expect("endpoint");
    let mut session = crate::helpers::SseSession {
        reader,
        post_url: app.url(&endpoint.data),
    };
    assert_eq!(
        forbidden_reason(
            post_init(
                &app,
                Some("mcpk_later_0000000000000000000000000000000000000000000")
            )
            .await
        )
        .await,
        "unknown API key"
    );
    let added = admin::create(
        Path::new(&path),
        "later",
        true,
        None,
        OffsetDateTime::now_utc(),
    )
    .expect("created");
    let keys = app.handle.keys.clone();
    eventually("the new key is loaded", || {
        keys.snapshot()
            .verify(&added, OffsetDateTime::now_utc())
            .is_ok()
    })
    .await;
    assert_eq!(post_init(&app, Some(&added)).await.status(), 200);
    // A broken edit keeps the previous keys.
    std::fs::write(&path, "this is not toml [[[").expect("write");
    assert_eq!(post_init(&app, Some(&added)).await.status(), 200);
    // The SSE session opened before the reload still works, without a key on its POSTs.
    assert_eq!(app.sse_post(&session, &initialize_request(1)).await, 202);
    assert_eq!(
        session.response(1).await["result"]["serverInfo"]["name"],
        "mcp-atlassian"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_session_used_with_another_key_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, writer, reader) = keys_file(dir.path());
    let app = spawn_app_with(&[("MCP_API_KEYS_FILE", &path)]).await;
    let resp = post_init(&app, Some(&writer)).await;
    let session = resp.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    let other = app
        .post_mcp(&ping, Some(&session))
        .header("x-api-key", &reader)
        .send()
        .await
        .expect("sent");
    assert!(forbidden_reason(other).await.contains("another API key"));
    let same = app
        .post_mcp(&ping, Some(&session))
        .header("x-api-key", &writer)
        .send()
        .await
        .expect("sent");
    assert_eq!(same.status(), 200);
    // Legacy SSE: the same rule on /messages/.
    let resp = app
        .client
        .get(app.url("/sse"))
        .header("x-api-key", &writer)
        .send()
        .await
        .expect("sent");
    let mut r = crate::helpers::SseReader::new(resp);
    let post_url = app.url(&r.next_event().await.expect("endpoint").data);
    let wrong = app
        .client
        .post(&post_url)
        .header("content-type", "application/json")
        .header("x-api-key", &reader)
        .body(ping.to_string())
        .send()
        .await
        .expect("sent");
    assert!(forbidden_reason(wrong).await.contains("another API key"));
    app.stop().await;
}

/// Opens an SSE session claiming to come from 1.2.3.4 and returns a POST to it from `xff`.
async fn sse_from_forwarded(app: &TestApp) -> (crate::helpers::SseReader, String) {
    let resp = app
        .client
        .get(app.url("/sse"))
        .header("x-api-key", KEY)
        .header("x-forwarded-for", "1.2.3.4")
        .send()
        .await
        .expect("sent");
    let mut r = crate::helpers::SseReader::new(resp);
    let post_url = app.url(&r.next_event().await.expect("endpoint").data);
    (r, post_url)
}

async fn post_from(app: &TestApp, post_url: &str, xff: &str) -> reqwest::Response {
    app.client
        .post(post_url)
        .header("content-type", "application/json")
        .header("x-forwarded-for", xff)
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // Untrusted peer: X-Forwarded-For is ignored, so a changing header does not matter.
    let app = spawn_app_with(&[("MCP_API_KEY", KEY)]).await;
    let (_stream, post_url) = sse_from_forwarded(&app).await;
    assert_eq!(
        post_from(&app, &post_url, "5.6.7.8").await.status(),
        202,
        "a spoofed header from a direct client is ignored"
    );
    app.stop().await;
    // Trusted peer (loopback): the forwarded address is the client, and the session is bound to it.
    let app = spawn_app_with(&[
        ("MCP_API_KEY", KEY),
        ("MCP_TRUSTED_PROXIES", "127.0.0.1/32"),
    ])
    .await;
    let (_stream, post_url) = sse_from_forwarded(&app).await;
    assert!(
        forbidden_reason(post_from(&app, &post_url, "5.6.7.8").await)
            .await
            .contains("another address")
    );
    assert_eq!(post_from(&app, &post_url, "1.2.3.4").await.status(), 202);
    app.stop().await;
}

#[test]
fn binding_a_public_address_without_a_key_is_refused_at_start() {
    let err =
        mcp_atlassian::config::Config::from_pairs([("TRANSPORT", "sse"), ("HOST", "0.0.0.0")])
            .expect_err("refused");
    assert!(err.to_string().contains("MCP_API_KEY"), "{err}");
    assert!(
        mcp_atlassian::config::Config::from_pairs([
            ("TRANSPORT", "sse"),
            ("HOST", "0.0.0.0"),
            ("PUBLIC_BASE_URL", "https://mcp.example.com"),
            ("MCP_ALLOW_UNAUTHENTICATED", "true")
        ])
        .is_ok()
    );
    assert!(
        mcp_atlassian::config::Config::from_pairs([
            ("TRANSPORT", "sse"),
            ("HOST", "0.0.0.0"),
            ("PUBLIC_BASE_URL", "https://mcp.example.com"),
            ("MCP_API_KEY", KEY)
        ])
        .is_ok()
    );
}

#[tokio::test]
async fn the_sixty_first_message_in_a_minute_from_one_key_gets_429_with_retry_after() {
    let app = spawn_app_with(&[
        ("MCP_API_KEY", KEY),
        ("MCP_RATE_LIMIT_PER_MINUTE", "60"),
        ("MCP_RATE_LIMIT_IP_PER_MINUTE", "0"),
    ])
    .await;
    // GCRA refills one request per second, so on a slow machine a few more than 60 may
    // pass; the bound allows exactly the refills the elapsed time earned.
    let started = std::time::Instant::now();
    let mut passed = 0u64;
    let over = loop {
        let resp = post_init(&app, Some(KEY)).await;
        if resp.status() != 200 {
            break resp;
        }
        passed += 1;
        assert!(
            passed <= 60 + started.elapsed().as_secs() + 1,
            "no limit after {passed} requests"
        );
    };
    assert!(
        passed >= 60,
        "the whole burst of 60 passes first, got {passed}"
    );
    assert_eq!(over.status(), 429);
    let retry: u64 = over.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        over.headers()["ratelimit-policy"],
        "\"key_per_minute\";q=60;w=60"
    );
    assert!(
        over.headers()["ratelimit"]
            .to_str()
            .expect("ascii")
            .starts_with("\"key_per_minute\";r=0;t=")
    );
    let body: Value = over.json().await.expect("json");
    assert_eq!(body["error"]["data"]["kind"], "rate_limited");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .starts_with("rate limited: retry in "),
        "{body}"
    );
    assert_eq!(body["limit"], "key_per_minute");
    // Health checks are not MCP messages and are never limited.
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("sent")
            .status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn per_ip_limits_apply_without_keys_and_spent_failures_block_even_a_correct_key() {
    let app = spawn_app_with(&[("MCP_RATE_LIMIT_IP_PER_MINUTE", "3")]).await;
    for _ in 0..3 {
        assert_eq!(post_init(&app, None).await.status(), 200);
    }
    let over = post_init(&app, None).await;
    assert_eq!(over.status(), 429);
    assert_eq!(
        over.json::<Value>().await.expect("json")["limit"],
        "ip_per_minute"
    );
    app.stop().await;

    let app = spawn_app_with(&[("MCP_API_KEY", KEY), ("MCP_AUTH_FAILURES_PER_MINUTE", "2")]).await;
    for _ in 0..2 {
        assert_eq!(
            post_init(&app, Some("wrong-key-wrong-key")).await.status(),
            403
        );
    }
    let blocked = post_init(&app, Some(KEY)).await;
    assert_eq!(
        blocked.status(),
        429,
        "past the failure budget even the right key waits"
    );
    assert_eq!(
        blocked.json::<Value>().await.expect("json")["limit"],
        "auth_failures_per_minute"
    );
    app.stop().await;
}

#[tokio::test]
async fn every_write_tool_call_leaves_an_audit_line_and_reads_leave_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit.jsonl");
    let app = spawn_app_with(&[
        ("MCP_API_KEY", KEY),
        ("MCP_AUDIT_LOG_FILE", audit.to_str().expect("utf-8")),
    ])
    .await;
    let resp = post_init(&app, Some(KEY)).await;
    let session = resp.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    for (id, tool, args) in [
        (2, "test_echo", json!({"text": "hi"})),
        (3, "test_write", json!({"issue_key": "DEMO-7"})),
        (4, "test_write", json!({})),
    ] {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": args}});
        let resp = app
            .post_mcp(&body, Some(&session))
            .header("x-api-key", KEY)
            .send()
            .await
            .expect("sent");
        crate::helpers::read_rpc_response(resp, id).await;
    }
    let path = audit.clone();
    eventually("two audit lines are written", || {
        std::fs::read_to_string(&path).is_ok_and(|t| t.lines().count() == 2)
    })
    .await;
    app.stop().await;
    let text = std::fs::read_to_string(&audit).expect("audit file");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2, "only the write calls: {text}");
    assert_eq!(lines[0]["tool"], "test_write");
    assert_eq!(lines[0]["api_key_id"], "default");
    assert_eq!(lines[0]["client_ip"], "127.0.0.1");
    assert_eq!(lines[0]["target"], "DEMO-7");
    assert_eq!(lines[0]["outcome"], "ok");
    assert!(lines[0]["time"].as_str().expect("time").ends_with('Z'));
    assert!(lines[1].get("target").is_none());
    assert!(!text.contains(KEY), "the key itself is never written");
}

#[tokio::test]
async fn a_header_supplied_atlassian_url_is_checked_before_any_request() {
    let sb = crate::helpers::spawn_with_sandbox(
        "server",
        &[
            ("MCP_ALLOWED_URL_DOMAINS", "example.com"),
            ("JIRA_URL", "http://127.0.0.1:9"),
        ],
    )
    .await;
    let site = format!("http://{}", sb.sandbox);
    let args = json!({"issue_key": "DEMO-1"});
    let refused = sb
        .call_with_headers(
            "jira_get_issue",
            args.clone(),
            &[
                ("x-atlassian-jira-url", &site),
                ("authorization", "Token sandbox-pat"),
            ],
        )
        .await;
    assert!(
        refused.is_error
            && refused
                .text
                .contains("127.0.0.1 is not in MCP_ALLOWED_URL_DOMAINS"),
        "{}",
        refused.text
    );
    let no_token = sb
        .call_with_headers(
            "jira_get_issue",
            args.clone(),
            &[("x-atlassian-jira-url", &site)],
        )
        .await;
    assert!(
        no_token.is_error && no_token.text.contains("your own credentials"),
        "the server's own token never goes to a caller's URL: {}",
        no_token.text
    );
    sb.stop().await;

    // Listing the address explicitly allows it: the header then wins over JIRA_URL.
    let sb = crate::helpers::spawn_with_sandbox(
        "server",
        &[
            ("MCP_ALLOWED_URL_DOMAINS", "127.0.0.1"),
            ("JIRA_URL", "http://127.0.0.1:9"),
        ],
    )
    .await;
    let site = format!("http://{}", sb.sandbox);
    let ok = sb
        .call_with_headers(
            "jira_get_issue",
            args.clone(),
            &[
                ("x-atlassian-jira-url", &site),
                ("authorization", "Token sandbox-pat"),
            ],
        )
        .await
        .json();
    assert_eq!(ok["key"], "DEMO-1");
    sb.stop().await;

    let sb = crate::helpers::spawn_with_sandbox("server", &[]).await;
    let site = format!("http://{}", sb.sandbox);
    let off = sb
        .call_with_headers(
            "jira_get_issue",
            args,
            &[
                ("x-atlassian-jira-url", &site),
                ("authorization", "Token sandbox-pat"),
            ],
        )
        .await;
    assert!(
        off.is_error && off.text.contains("disabled"),
        "{}",
        off.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn a_key_with_its_own_limit_in_the_keys_file_is_held_to_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keys.toml");
    let now = OffsetDateTime::now_utc();
    let limited = admin::create(&path, "batch-job", true, None, now).expect("created");
    let free = admin::create(&path, "human", true, None, now).expect("created");
    let mut records = mcp_atlassian::security::keyfile::load(&path).expect("load");
    records
        .iter_mut()
        .find(|r| r.id == "batch-job")
        .expect("record")
        .per_minute = Some(2);
    mcp_atlassian::security::keyfile::save(&path, &records).expect("save");
    assert!(
        std::fs::read_to_string(&path)
            .expect("file")
            .contains("rate_limit_per_minute = 2")
    );
    // The global budgets are off in the test harness: only the key's own applies.
    let app = spawn_app_with(&[("MCP_API_KEYS_FILE", path.to_str().expect("utf-8"))]).await;
    for _ in 0..2 {
        assert_eq!(post_init(&app, Some(&limited)).await.status(), 200);
    }
    let over = post_init(&app, Some(&limited)).await;
    assert_eq!(over.status(), 429);
    assert_eq!(
        over.headers()["ratelimit-policy"],
        "\"key_per_minute\";q=2;w=60"
    );
    for _ in 0..5 {
        assert_eq!(
            post_init(&app, Some(&free)).await.status(),
            200,
            "other keys are not affected"
        );
    }
    app.stop().await;
}
