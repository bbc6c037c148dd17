//! What context costs (issue 19 item 4): the bytes each tool result and each `tools/list`
//! answer put into an agent's context, as the operator's dashboard reads them.

use serde_json::{Value, json};

use super::harness::{is_error, keys_file, promtool_check, start};
use crate::helpers::read_rpc_response;

async fn tools_list_bytes(s: &super::harness::Running, key: &str) -> (usize, usize) {
    let session = s.session(key).await;
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": {}});
    let resp = s
        .post(Some(key), Some(&session), &body)
        .send()
        .await
        .expect("tools/list");
    let answer = read_rpc_response(resp, 7).await;
    let tools = answer["result"]["tools"].as_array().expect("tools").clone();
    let len = tools.len();
    (
        serde_json::to_string(&Value::Array(tools))
            .expect("json")
            .len(),
        len,
    )
}

#[tokio::test]
async fn result_bytes_per_tool_and_tools_list_bytes_per_mode_are_exact_in_the_scrape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (writer, reader, _, _) = keys_file(dir.path());
    let s = start(&dir.path().join("keys.toml"));

    let session = s.session(&writer).await;
    let mut texts = 0;
    for key in ["DEMO-1", "DEMO-2"] {
        let (_, answer) = s
            .call(
                &writer,
                &session,
                "jira_get_issue",
                json!({"issue_key": key}),
            )
            .await;
        assert!(!is_error(&answer), "{answer}");
        texts += answer["result"]["content"][0]["text"]
            .as_str()
            .expect("text")
            .len();
    }
    let (full, full_count) = tools_list_bytes(&s, &writer).await;
    let (read_only, read_count) = tools_list_bytes(&s, &reader).await;
    assert!(read_count < full_count && read_only < full);

    let m = s
        .scrape_until("both tools/list answers are recorded", |m| {
            m.value(
                "mcp_atlassian_tools_list_bytes_count",
                &[("mode", "static_read_only")],
            ) == Some(1.0)
        })
        .await;
    let tool = [("tool", "jira_get_issue")];
    assert_eq!(
        m.expect("mcp_atlassian_tool_result_bytes_count", &tool),
        2.0
    );
    assert_eq!(
        m.expect("mcp_atlassian_tool_result_bytes_sum", &tool),
        texts as f64,
        "the bytes of the two results' text"
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_tool_result_bytes_bucket",
            &[("tool", "jira_get_issue"), ("le", "+Inf")]
        ),
        2.0
    );
    assert!(
        m.text
            .contains("mcp_atlassian_tool_result_bytes_bucket{tool=\"jira_get_issue\",le=\"256\"}"),
        "explicit byte buckets"
    );
    for (mode, bytes) in [("static", full), ("static_read_only", read_only)] {
        assert_eq!(
            m.expect("mcp_atlassian_tools_list_bytes_sum", &[("mode", mode)]),
            bytes as f64,
            "{mode}: the compact tools array the client received"
        );
    }
    for labels in m.label_names("mcp_atlassian_tool_result_bytes_count") {
        assert_eq!(labels, ["tool"]);
    }
    promtool_check(&m.text);
}
