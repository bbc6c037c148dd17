use serde_json::json;

use crate::helpers::{PROTOCOL, eventually, initialize_request, spawn_app};

#[tokio::test]
async fn the_legacy_sse_transport_initializes_lists_tools_and_pings() {
    let app = spawn_app().await;
    let mut s = app.open_sse().await;
    assert_eq!(app.sse_post(&s, &initialize_request(1)).await, 202);
    let init = s.response(1).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "mcp-atlassian");
    assert_eq!(init["result"]["protocolVersion"], PROTOCOL);
    assert_eq!(
        app.sse_post(
            &s,
            &json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
        )
        .await,
        202
    );
    assert_eq!(
        app.sse_post(
            &s,
            &json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        )
        .await,
        202
    );
    let list = s.response(2).await;
    assert_eq!(list["result"]["tools"][0]["name"], "test_echo");
    assert_eq!(
        app.sse_post(&s, &json!({"jsonrpc": "2.0", "id": 3, "method": "ping"}))
            .await,
        202
    );
    assert_eq!(s.response(3).await["result"], json!({}));
    let call = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "test_echo", "arguments": {"text": "sse"}}});
    assert_eq!(app.sse_post(&s, &call).await, 202);
    assert_eq!(
        s.response(4).await["result"]["content"][0]["text"],
        "echo: sse"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_post_for_an_unknown_session_is_404_with_a_json_body() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/messages/?session_id=nope"))
        .header("content-type", "application/json")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("GET /sse")
    );
    let missing = app
        .client
        .post(app.url("/messages/"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn closing_the_stream_frees_the_session_and_its_task() {
    let app = spawn_app().await;
    let mut s = app.open_sse().await;
    assert_eq!(app.sse_post(&s, &initialize_request(1)).await, 202);
    s.response(1).await;
    assert_eq!(app.handle.sse_sessions.len(), 1);
    assert_eq!(app.handle.sse_sessions.running_tasks(), 1);
    let post_url = s.post_url.clone();
    drop(s);
    let sessions = app.handle.sse_sessions.clone();
    eventually("the session is removed", || sessions.is_empty()).await;
    eventually("the service task has ended", || {
        sessions.running_tasks() == 0
    })
    .await;
    let resp = app
        .client
        .post(&post_url)
        .header("content-type", "application/json")
        .body(json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}).to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn keep_alive_comments_flow_on_idle_streams() {
    let app = crate::helpers::spawn_app_with(&[("MCP_SSE_KEEPALIVE_SECS", "1")]).await;
    let resp = app
        .client
        .get(app.url("/sse"))
        .send()
        .await
        .expect("GET /sse");
    let mut stream = futures::StreamExt::boxed(resp.bytes_stream());
    let mut seen = String::new();
    let start = tokio::time::Instant::now();
    while !seen.contains(":keep-alive") && !seen.contains(": keep-alive") {
        assert!(
            start.elapsed() < crate::helpers::DEADLINE,
            "no keep-alive in {seen:?}"
        );
        let chunk = tokio::time::timeout(
            crate::helpers::DEADLINE,
            futures::StreamExt::next(&mut stream),
        )
        .await
        .expect("chunk in time")
        .expect("stream open")
        .expect("bytes");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    app.stop().await;
}
