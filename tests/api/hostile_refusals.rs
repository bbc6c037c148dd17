//! Refusals a client can show (issue 16 item 5), against the real binary: 403, 429, 413 and
//! 503 answer with a JSON-RPC error whose message carries the reason, the descriptive fields
//! beside it. (tests/python/test_refusals.py shows the official Python SDK printing them.)

use serde_json::{Value, json};

use crate::binary::start;
use crate::helpers::initialize_request;

const KEY: &str = "a-long-enough-default-key";

/// The body of a refusal, checked for the JSON-RPC shape every SDK parses.
async fn refusal(resp: reqwest::Response, status: u16) -> Value {
    assert_eq!(resp.status(), status);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    assert!(resp.headers().get("www-authenticate").is_none());
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["jsonrpc"], "2.0", "{body}");
    assert!(body["error"]["code"].is_i64(), "{body}");
    assert!(body.get("id").is_some(), "{body}");
    body
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().expect("message")
}

#[tokio::test]
async fn refusals_are_json_rpc_errors_that_say_why_and_keep_their_fields() {
    let s = start(&[
        ("MCP_API_KEY", KEY),
        ("MCP_RATE_LIMIT_PER_MINUTE", "2"),
        ("MCP_RATE_LIMIT_IP_PER_MINUTE", "0"),
        ("MCP_MAX_BODY_BYTES", "2048"),
        ("MCP_MAX_SESSIONS", "1"),
    ]);
    let missing = refusal(
        s.post(None, None, &initialize_request(1))
            .send()
            .await
            .expect("sent"),
        403,
    )
    .await;
    assert_eq!(
        message(&missing),
        "forbidden: missing API key: send your key in the X-API-Key header"
    );
    assert_eq!(
        missing["reason"],
        "missing API key: send your key in the X-API-Key header"
    );
    let wrong = refusal(
        s.post(Some("wrong-key-wrong-key"), None, &initialize_request(1))
            .send()
            .await
            .expect("sent"),
        403,
    )
    .await;
    assert_eq!(message(&wrong), "forbidden: unknown API key");

    // The session spends 1 of 2; the refused stream the other (a new session is work).
    let session = s.session(Some(KEY)).await.expect("the one session");
    let full = refusal(s.open_sse(Some(KEY)).await, 503).await;
    assert!(message(&full).contains("MCP_MAX_SESSIONS"), "{full}");
    assert_eq!(full["limit"], "sessions_total");

    let call = json!({"jsonrpc": "2.0", "id": 41, "method": "tools/call", "params": {"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-1"}}});
    let limited = refusal(
        s.post(Some(KEY), Some(&session), &call)
            .send()
            .await
            .expect("sent"),
        429,
    )
    .await;
    assert!(
        message(&limited).starts_with("rate limited: retry in "),
        "{limited}"
    );
    assert_eq!(limited["id"], 41);
    assert_eq!(limited["limit"], "key_per_minute");
    assert!(limited["retry_after_secs"].as_u64().is_some_and(|s| s >= 1));
    assert_eq!(limited["error"]["data"]["limit"], "key_per_minute");

    let big =
        json!({"jsonrpc": "2.0", "id": 5, "method": "ping", "params": {"pad": "x".repeat(4096)}});
    let too_large = refusal(
        s.post(Some(KEY), Some(&session), &big)
            .send()
            .await
            .expect("sent"),
        413,
    )
    .await;
    assert!(
        message(&too_large).contains("MCP_MAX_BODY_BYTES"),
        "{too_large}"
    );
}
