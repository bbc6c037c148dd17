use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};

async fn json_body(resp: reqwest::Response) -> Value {
    assert_eq!(
        resp.headers()["content-type"],
        "application/json",
        "error bodies are JSON"
    );
    resp.json().await.expect("json body")
}

#[tokio::test]
async fn malformed_json_a_batch_and_wrong_headers_get_the_spec_statuses_with_json_bodies() {
    let app = spawn_app().await;
    let post = |body: &'static str, ct: &'static str, accept: &'static str| {
        app.client
            .post(app.url("/mcp"))
            .header("content-type", ct)
            .header("accept", accept)
            .body(body)
    };
    let both = "application/json, text/event-stream";
    let r = post("{not json", "application/json", both)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 400);
    json_body(r).await;
    let r = post(
        r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
        "application/json",
        both,
    )
    .send()
    .await
    .expect("sent");
    assert_eq!(r.status(), 400);
    assert!(
        json_body(r).await["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("batches")
    );
    let r = post(
        r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
        "text/plain",
        both,
    )
    .send()
    .await
    .expect("sent");
    assert_eq!(r.status(), 415);
    json_body(r).await;
    let r = post(
        r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
        "application/json",
        "text/html",
    )
    .send()
    .await
    .expect("sent");
    assert_eq!(r.status(), 406);
    json_body(r).await;
    let r = app
        .post_mcp(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
            Some("no-such-session"),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 404);
    json_body(r).await;
    // Everyone else is still served.
    let (session, init) = app.initialize().await;
    assert!(session.is_some());
    assert_eq!(init["result"]["serverInfo"]["name"], "mcp-atlassian");
    app.stop().await;
}

#[tokio::test]
async fn the_sse_message_endpoint_rejects_bad_bodies_with_json() {
    let app = spawn_app().await;
    let s = app.open_sse().await;
    let send = |body: &'static str, ct: &'static str| {
        app.client
            .post(&s.post_url)
            .header("content-type", ct)
            .body(body)
    };
    let r = send("{oops", "application/json")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 400);
    assert_eq!(json_body(r).await["error"]["code"], -32700);
    let r = send("[]", "application/json").send().await.expect("sent");
    assert_eq!(r.status(), 400);
    let r = send("{}", "text/plain").send().await.expect("sent");
    assert_eq!(r.status(), 415);
    app.stop().await;
}

#[tokio::test]
async fn an_oversized_body_gets_413_on_both_transports() {
    let app = spawn_app_with(&[("MCP_MAX_BODY_BYTES", "2048")]).await;
    let big =
        json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x".repeat(4096)}});
    let r = app.post_mcp(&big, None).send().await.expect("sent");
    assert_eq!(r.status(), 413);
    json_body(r).await;
    let s = app.open_sse().await;
    let r = app
        .client
        .post(&s.post_url)
        .header("content-type", "application/json")
        .body(big.to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 413);
    json_body(r).await;
    app.stop().await;
}

#[tokio::test]
async fn a_foreign_host_or_origin_is_refused_with_403_json_and_no_origin_passes() {
    let app = spawn_app_with(&[("MCP_ALLOWED_ORIGINS", "https://app.example.com")]).await;
    let init = crate::helpers::initialize_request(1);
    let r = app
        .post_mcp(&init, None)
        .header("host", "evil.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("www-authenticate").is_none());
    let body = json_body(r).await;
    assert_eq!(body["error"]["data"]["kind"], "forbidden");
    assert_eq!(body["error"]["code"], -32003);
    assert!(
        body["reason"]
            .as_str()
            .expect("reason")
            .contains("MCP_ALLOWED_HOSTS")
    );
    let r = app
        .post_mcp(&init, None)
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 403);
    assert!(
        json_body(r).await["reason"]
            .as_str()
            .expect("reason")
            .contains("MCP_ALLOWED_ORIGINS")
    );
    let r = app
        .client
        .get(app.url("/sse"))
        .header("host", "evil.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 403);
    let r = app
        .post_mcp(&init, None)
        .header("origin", "https://app.example.com")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let r = app.post_mcp(&init, None).send().await.expect("sent");
    assert_eq!(r.status(), 200, "no Origin header passes");
    // Health routes are not MCP routes: a monitoring probe by IP still works.
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("host", "10.1.2.3:8000")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn unknown_paths_get_a_json_404_that_points_to_the_mcp_endpoints() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/nope")).send().await.expect("sent");
    assert_eq!(r.status(), 404);
    let body = json_body(r).await;
    assert!(body["reason"].as_str().expect("reason").contains("/sse"));
    app.stop().await;
}
