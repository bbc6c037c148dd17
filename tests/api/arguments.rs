//! Tool arguments as clients really send them: numbers as floats or strings and booleans as
//! strings are taken; what does not fit is a tool error (`isError: true`) naming the parameter
//! and what it takes, so the model can retry (SEP-1303); unknown names are ignored with a
//! note; JSON-RPC errors stay for unknown tools.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};

/// The whole JSON-RPC answer of one `tools/call` in a fresh session.
async fn call_raw(sb: &SandboxApp, name: &str, arguments: Value) -> Value {
    let (session, _) = sb.app.initialize().await;
    sb.app
        .rpc(
            session.as_deref(),
            2,
            "tools/call",
            json!({"name": name, "arguments": arguments}),
        )
        .await
}

fn texts(resp: &Value) -> Vec<String> {
    resp["result"]["content"]
        .as_array()
        .unwrap_or_else(|| panic!("a tool result: {resp}"))
        .iter()
        .map(|c| c["text"].as_str().expect("text content").to_owned())
        .collect()
}

fn issues_in(resp: &Value) -> usize {
    assert_eq!(resp["result"]["isError"], false, "{resp}");
    let page: Value = serde_json::from_str(&texts(resp)[0]).expect("json page");
    page["issues"].as_array().expect("issues").len()
}

#[tokio::test]
async fn integers_sent_as_floats_or_strings_and_booleans_as_strings_are_taken() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let jql = "project = DEMO ORDER BY key ASC";
    let floats = call_raw(
        &sb,
        "jira_search",
        json!({"jql": jql, "limit": 3.0, "use_display_names": "true"}),
    )
    .await;
    assert_eq!(issues_in(&floats), 3, "{floats}");
    let strings = call_raw(
        &sb,
        "jira_search",
        json!({"jql": jql, "limit": "2", "use_display_names": "false"}),
    )
    .await;
    assert_eq!(issues_in(&strings), 2, "{strings}");
    // An issue key sent as a number is a string parameter's value all the same.
    let by_number = call_raw(&sb, "jira_get_issue", json!({"issue_key": 5})).await;
    assert_eq!(by_number["result"]["isError"], true, "{by_number}");
    assert!(
        !texts(&by_number)[0].contains("invalid arguments"),
        "the number reached the tool: {by_number}"
    );
    sb.stop().await;
}

#[tokio::test]
async fn a_missing_or_ill_typed_argument_is_a_tool_error_naming_the_parameter() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let missing = call_raw(&sb, "jira_get_issue", json!({})).await;
    assert!(missing.get("error").is_none(), "{missing}");
    assert_eq!(missing["result"]["isError"], true, "{missing}");
    let text = &texts(&missing)[0];
    assert!(
        text.contains("`issue_key` is required: it takes a string"),
        "{text}"
    );
    assert!(text.contains("jira_get_issue"), "{text}");

    for bad in [json!("many"), json!(2.5), json!(true)] {
        let typed = call_raw(
            &sb,
            "jira_search",
            json!({"jql": "project = DEMO", "limit": bad}),
        )
        .await;
        assert_eq!(typed["result"]["isError"], true, "{typed}");
        let text = &texts(&typed)[0];
        assert!(
            text.contains("`limit` takes an integer from 1 to 100"),
            "{text}"
        );
    }
    let boolean = call_raw(
        &sb,
        "jira_search",
        json!({"jql": "project = DEMO", "use_display_names": "maybe"}),
    )
    .await;
    assert!(
        texts(&boolean)[0].contains("`use_display_names` takes true or false"),
        "{boolean}"
    );
    sb.stop().await;
}

#[tokio::test]
async fn unknown_arguments_are_ignored_with_a_note_and_unknown_tools_stay_json_rpc_errors() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let resp = call_raw(
        &sb,
        "jira_get_issue",
        json!({"issue_key": "DEMO-1", "issueKey": "DEMO-2", "verbose": true}),
    )
    .await;
    assert_eq!(resp["result"]["isError"], false, "{resp}");
    let texts = texts(&resp);
    let issue: Value = serde_json::from_str(&texts[0]).expect("issue json");
    assert_eq!(issue["key"], "DEMO-1", "{issue}");
    assert_eq!(texts.len(), 2, "{resp}");
    assert!(
        texts[1].contains("does not take `issueKey`, `verbose`, so they were ignored"),
        "{}",
        texts[1]
    );
    assert!(texts[1].contains("`issue_key`"), "{}", texts[1]);

    // A misspelt required name: the error says both what is missing and what was ignored.
    let resp = call_raw(&sb, "jira_get_issue", json!({"issueKey": "DEMO-1"})).await;
    let text = &resp["result"]["content"][0]["text"];
    assert_eq!(resp["result"]["isError"], true, "{resp}");
    let text = text.as_str().expect("text");
    assert!(text.contains("`issue_key` is required"), "{text}");
    assert!(text.contains("does not take `issueKey`"), "{text}");

    let unknown = call_raw(&sb, "jira_no_such_tool", json!({})).await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    sb.stop().await;
}
