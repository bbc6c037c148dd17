//! Hostile review, logs (issue 15 item 8), against the real binary: no log level prints
//! request or response bodies, and every access line, refusals included, names the client
//! IP and the key id when it is known.

use serde_json::{Value, json};

use crate::binary::{lines_where, start, start_sandbox};
use crate::helpers::initialize_request;

const KEY: &str = "a-long-enough-default-key";

#[tokio::test]
async fn the_most_verbose_logs_carry_no_tool_arguments_or_results() {
    let s = start_sandbox(&[("MCP_VERY_VERBOSE", "true"), ("MCP_API_KEY", KEY)]);
    let session = s.session(Some(KEY)).await.expect("session");
    let (_, issue) = s
        .rpc(
            Some(KEY),
            &session,
            2,
            "tools/call",
            json!({"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-1"}}),
        )
        .await;
    let text = issue["result"]["content"][0]["text"]
        .as_str()
        .expect("a tool result");
    let summary = serde_json::from_str::<Value>(text).expect("json")["summary"]
        .as_str()
        .expect("summary")
        .to_owned();
    assert!(summary.len() >= 8, "a distinctive summary: {summary}");
    let marker = "zq-hostile-marker-4711";
    let (_, search) = s
        .rpc(
            Some(KEY),
            &session,
            3,
            "tools/call",
            json!({"name": "jira_search", "arguments": {"jql": format!("summary ~ \"{marker}\"")}}),
        )
        .await;
    assert!(search["result"].is_object(), "{search}");
    s.wait_log("the access line of the search", |v| {
        v["mcp.tool"] == "jira_search" && v["http.status_code"] == 200
    })
    .await;
    let log = s.log();
    assert!(
        log.iter().any(|l| l.contains("\"level\":\"DEBUG\"")),
        "the log really is at debug level"
    );
    for line in &log {
        assert!(
            !line.contains(marker),
            "a tool argument reached the log: {line}"
        );
        assert!(
            !line.contains(&summary),
            "a tool result reached the log: {line}"
        );
        assert!(!line.contains(KEY), "the API key reached the log: {line}");
    }
}

#[tokio::test]
async fn every_access_line_names_the_client_ip_and_the_key_id_refusals_included() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keys.toml");
    let now = time::OffsetDateTime::now_utc();
    let revoked =
        mcp_atlassian::security::admin::create(&path, "gone", true, None, now).expect("created");
    mcp_atlassian::security::admin::revoke(&path, "gone").expect("revoked");
    let s = start(&[
        ("MCP_API_KEY", KEY),
        ("MCP_API_KEYS_FILE", path.to_str().expect("utf-8")),
        ("MCP_RATE_LIMIT_PER_MINUTE", "1"),
        ("MCP_RATE_LIMIT_IP_PER_MINUTE", "0"),
    ]);
    let forbidden = s
        .post(None, None, &initialize_request(1))
        .send()
        .await
        .expect("sent");
    assert_eq!(forbidden.status(), 403);
    let foreign = s
        .post(Some(KEY), None, &initialize_request(1))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(foreign.status(), 403);
    assert!(s.session(Some(KEY)).await.is_ok());
    let limited = s
        .post(Some(KEY), None, &initialize_request(1))
        .send()
        .await
        .expect("sent");
    assert_eq!(limited.status(), 429);
    let refused_key = s
        .post(Some(&revoked), None, &initialize_request(1))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused_key.status(), 403);
    let line = s
        .wait_log("the revoked key's access line", |v| {
            v["message"] == "access" && v["api_key.id"] == "gone"
        })
        .await;
    assert_eq!(
        line["http.status_code"], 403,
        "a known key id is named on its refusal"
    );
    let access = lines_where(&s.log(), |v| v["message"] == "access");
    assert!(access.len() >= 6, "{access:?}");
    for line in &access {
        assert_eq!(line["client.ip"], "127.0.0.1", "{line}");
    }
    let keyed: Vec<&Value> = access
        .iter()
        .filter(|v| v["http.status_code"] == 429 || v["http.status_code"] == 200)
        .collect();
    assert!(!keyed.is_empty());
    for line in keyed {
        assert_eq!(line["api_key.id"], "default", "{line}");
    }
}
