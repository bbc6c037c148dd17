//! `X-MCP-Toolsets`: a client that cannot follow `notifications/tools/list_changed` narrows
//! the toolsets per request (issue 19 item 2). It is a subset of what the server exposes,
//! never more, and a tool it leaves out cannot be called in that request.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, read_rpc_response, spawn_with_sandbox};

async fn list_with(sb: &SandboxApp, header: Option<&str>) -> Value {
    let (session, _) = sb.app.initialize().await;
    let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}});
    let mut req = sb.app.post_mcp(&body, session.as_deref());
    if let Some(h) = header {
        req = req.header("X-MCP-Toolsets", h);
    }
    let resp = req.send().await.expect("tools/list sent");
    assert_eq!(resp.status(), 200);
    read_rpc_response(resp, 2).await
}

fn names(answer: &Value) -> Vec<String> {
    answer["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("tools: {answer}"))
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_header_narrows_tools_list_to_the_named_toolsets_and_never_widens_it() {
    // The server exposes the default toolsets: jira_agile is not among them.
    let sb = spawn_with_sandbox("cloud", &[("TOOLSETS", "default")]).await;
    let all = names(&list_with(&sb, None).await);
    let transitions = names(&list_with(&sb, Some("jira_transitions")).await);
    assert_eq!(
        transitions,
        ["jira_get_transitions", "jira_transition_issue"],
        "{transitions:?}"
    );
    let two = names(
        &list_with(
            &sb,
            Some("jira_transitions, confluence_comments, jira_agile"),
        )
        .await,
    );
    assert!(two.iter().all(|n| all.contains(n)), "never more: {two:?}");
    assert!(two.iter().any(|n| n.starts_with("confluence_")), "{two:?}");
    assert!(
        !two.iter()
            .any(|n| n.contains("board") || n.contains("sprint")),
        "{two:?}"
    );
    assert_eq!(names(&list_with(&sb, Some("all")).await), all);

    let unknown = list_with(&sb, Some("jira_isues")).await;
    let message = unknown["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("jira_isues") && message.contains("valid names are"),
        "{unknown}"
    );
    sb.stop().await;
}

#[tokio::test]
async fn a_tool_outside_the_requested_toolsets_cannot_be_called_in_that_request() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let (session, _) = sb.app.initialize().await;
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-1"}}});
    let resp = sb
        .app
        .post_mcp(&call, session.as_deref())
        .header("X-MCP-Toolsets", "confluence_pages")
        .send()
        .await
        .expect("tools/call sent");
    let refused = read_rpc_response(resp, 2).await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown tool")),
        "{refused}"
    );
    let allowed = sb
        .call_with_headers(
            "jira_get_issue",
            json!({"issue_key": "DEMO-1"}),
            &[("X-MCP-Toolsets", "jira_issues")],
        )
        .await;
    assert!(!allowed.is_error, "{}", allowed.text);
    assert_eq!(allowed.json()["key"], "DEMO-1");
    sb.stop().await;
}

async fn names_in(sb: &SandboxApp, session: Option<&str>, id: i64) -> Vec<String> {
    names(&sb.app.rpc(session, id, "tools/list", json!({})).await)
}

#[tokio::test]
async fn a_dynamic_session_enables_toolsets_within_read_only_mode_and_enabled_tools() {
    let sb = spawn_with_sandbox(
        "cloud",
        &[
            ("TOOLSETS", "dynamic"),
            ("READ_ONLY_MODE", "true"),
            (
                "ENABLED_TOOLS",
                "jira_get_issue,jira_create_issue,jira_search",
            ),
        ],
    )
    .await;
    let (session, init) = sb.app.initialize().await;
    assert_eq!(init["result"]["capabilities"]["tools"]["listChanged"], true);
    let s = session.as_deref();
    assert_eq!(
        names_in(&sb, s, 2).await,
        ["list_toolsets", "enable_toolset", "disable_toolset"]
    );
    let listed = sb
        .app
        .rpc(
            s,
            3,
            "tools/call",
            json!({"name": "list_toolsets", "arguments": {}}),
        )
        .await;
    let text = listed["result"]["content"][0]["text"]
        .as_str()
        .expect("text");
    let toolsets: Value = serde_json::from_str(text).expect("json");
    assert_eq!(
        toolsets["toolsets"],
        json!([{"name": "jira_issues", "summary": mcp_atlassian::tools::toolsets::summary("jira_issues"),
                "tools": 2, "enabled": false}]),
        "only what ENABLED_TOOLS and read-only leave"
    );
    let enable = json!({"name": "enable_toolset", "arguments": {"toolset": "jira_issues"}});
    let on = sb.app.rpc(s, 4, "tools/call", enable).await;
    assert_eq!(on["result"]["isError"], false, "{on}");
    let now = names_in(&sb, s, 5).await;
    assert_eq!(
        now,
        [
            "list_toolsets",
            "enable_toolset",
            "disable_toolset",
            "jira_get_issue",
            "jira_search"
        ],
        "jira_create_issue stays hidden in read-only mode"
    );
    // The header narrows a dynamic session further, never widens it.
    let body = json!({"jsonrpc": "2.0", "id": 6, "method": "tools/list", "params": {}});
    let resp = sb
        .app
        .post_mcp(&body, s)
        .header("X-MCP-Toolsets", "confluence_pages")
        .send()
        .await
        .expect("tools/list sent");
    assert_eq!(
        names(&read_rpc_response(resp, 6).await),
        ["list_toolsets", "enable_toolset", "disable_toolset"]
    );
    // Another session starts with nothing enabled.
    let (other, _) = sb.app.initialize().await;
    assert_eq!(names_in(&sb, other.as_deref(), 7).await.len(), 3);
    sb.stop().await;
}
