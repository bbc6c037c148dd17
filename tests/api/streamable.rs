use serde_json::json;

use crate::helpers::{PROTOCOL, spawn_app, spawn_app_with};

#[tokio::test]
async fn initialize_reports_this_server_and_negotiates_the_protocol() {
    let app = spawn_app().await;
    let (session, resp) = app.initialize().await;
    assert!(session.is_some(), "stateful mode hands out a session id");
    let result = &resp["result"];
    assert_eq!(result["serverInfo"]["name"], "mcp-atlassian");
    assert_eq!(result["serverInfo"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(result["protocolVersion"], PROTOCOL);
    assert!(result["capabilities"]["tools"].is_object());
    app.stop().await;
}

#[tokio::test]
async fn tools_list_and_ping_work_in_a_stateful_session() {
    let app = spawn_app().await;
    let (session, _) = app.initialize().await;
    let s = session.as_deref();
    let list = app.rpc(s, 2, "tools/list", json!({})).await;
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, vec!["test_echo", "test_gate", "test_write"]);
    let echo = &list["result"]["tools"][0];
    assert_eq!(echo["annotations"]["readOnlyHint"], true);
    assert_eq!(echo["inputSchema"]["required"], json!(["text"]));
    let ping = app.rpc(s, 3, "ping", json!({})).await;
    assert_eq!(ping["result"], json!({}));
    let call = app
        .rpc(
            s,
            4,
            "tools/call",
            json!({"name": "test_echo", "arguments": {"text": "hi"}}),
        )
        .await;
    assert_eq!(call["result"]["content"][0]["text"], "echo: hi");
    assert_eq!(call["result"]["isError"], false);
    app.stop().await;
}

#[tokio::test]
async fn stateless_mode_answers_plain_json_without_sessions() {
    let app = spawn_app_with(&[("STATELESS", "true")]).await;
    let resp = app
        .post_mcp(&crate::helpers::initialize_request(1), None)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("mcp-session-id").is_none());
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["result"]["serverInfo"]["name"], "mcp-atlassian");
    let list = app.rpc(None, 2, "tools/list", json!({})).await;
    assert_eq!(list["result"]["tools"].as_array().map(Vec::len), Some(3));
    let ping = app.rpc(None, 3, "ping", json!({})).await;
    assert_eq!(ping["result"], json!({}));
    let call = app
        .rpc(
            None,
            4,
            "tools/call",
            json!({"name": "test_echo", "arguments": {"text": "x"}}),
        )
        .await;
    assert_eq!(call["result"]["content"][0]["text"], "echo: x");
    app.stop().await;
}

#[tokio::test]
async fn read_only_mode_hides_and_refuses_write_tools() {
    let app = spawn_app_with(&[("READ_ONLY_MODE", "true")]).await;
    let (session, _) = app.initialize().await;
    let s = session.as_deref();
    let list = app.rpc(s, 2, "tools/list", json!({})).await;
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert!(!names.contains(&"test_write"), "{names:?}");
    let call = app
        .rpc(
            s,
            3,
            "tools/call",
            json!({"name": "test_write", "arguments": {}}),
        )
        .await;
    assert_eq!(call["error"]["code"], -32602, "{call}");
    assert!(
        call["error"]["message"]
            .as_str()
            .expect("message")
            .contains("unknown tool: test_write")
    );
    app.stop().await;
}

#[tokio::test]
async fn invalid_tool_arguments_are_a_tool_error_not_a_json_rpc_error() {
    let app = spawn_app().await;
    let (session, _) = app.initialize().await;
    let call = app
        .rpc(
            session.as_deref(),
            2,
            "tools/call",
            json!({"name": "test_echo", "arguments": {}}),
        )
        .await;
    assert!(call.get("error").is_none(), "{call}");
    assert_eq!(call["result"]["isError"], true, "{call}");
    assert!(
        call["result"]["content"][0]["text"]
            .as_str()
            .expect("text")
            .contains("text is required")
    );
    let ping = app.rpc(session.as_deref(), 3, "ping", json!({})).await;
    assert_eq!(ping["result"], json!({}));
    app.stop().await;
}

#[tokio::test]
async fn deleting_a_session_answers_204_and_ends_it() {
    let app = spawn_app().await;
    let (session, _) = app.initialize().await;
    let s = session.expect("session");
    let del = app
        .client
        .delete(app.url("/mcp"))
        .header("mcp-session-id", &s)
        .header("mcp-protocol-version", PROTOCOL)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(del.status(), 204);
    let after = app
        .post_mcp(
            &json!({"jsonrpc": "2.0", "id": 9, "method": "ping"}),
            Some(&s),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(after.status(), 404);
    let body: serde_json::Value = after.json().await.expect("json error body");
    assert!(body["error"]["message"].as_str().is_some());
    app.stop().await;
}

#[tokio::test]
async fn get_without_a_session_is_405_never_404() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url("/mcp"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 405);
    assert!(
        resp.headers()["allow"]
            .to_str()
            .expect("ascii")
            .contains("POST")
    );
    let body: serde_json::Value = resp.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("Mcp-Session-Id")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_session_get_opens_a_server_stream() {
    let app = spawn_app().await;
    let (session, _) = app.initialize().await;
    let resp = app
        .client
        .get(app.url("/mcp"))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", session.expect("session"))
        .header("mcp-protocol-version", PROTOCOL)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/event-stream")
    );
    drop(resp);
    app.stop().await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = spawn_app().await;
    let given = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect("sent");
    assert_eq!(given.headers()["x-request-id"], "abc-123");
    let made = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    let id = made.headers()["x-request-id"].to_str().expect("ascii");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    app.stop().await;
}
