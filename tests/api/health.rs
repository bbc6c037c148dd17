use serde_json::{Value, json};

use crate::helpers::{eventually, spawn_app};

#[tokio::test]
async fn healthz_and_readyz_answer_ok_without_auth_or_upstream() {
    let app = spawn_app().await;
    let h = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(h.status(), 200);
    assert_eq!(
        h.json::<Value>().await.expect("json"),
        json!({"status": "ok"})
    );
    let r = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.expect("json")["status"], "ready");
    app.stop().await;
}

#[tokio::test]
async fn readyz_names_a_failing_check() {
    let app = spawn_app().await;
    app.handle
        .readiness
        .set_check("jira", Err("unreachable".into()));
    let r = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.json::<Value>().await.expect("json")["reason"],
        "jira: unreachable"
    );
    app.stop().await;
}

#[tokio::test]
async fn healthz_answers_while_many_tool_calls_are_in_flight() {
    let app = spawn_app_with_gate().await;
    let (session, _) = app.initialize().await;
    let session = session.expect("session");
    let mut calls = Vec::new();
    for id in 0..32 {
        let req = app.post_mcp(&json!({"jsonrpc": "2.0", "id": 100 + id, "method": "tools/call", "params": {"name": "test_gate", "arguments": {}}}), Some(&session));
        calls.push(tokio::spawn(async move {
            crate::helpers::read_rpc_response(req.send().await.expect("sent"), 100 + id).await
        }));
    }
    let in_flight = app.handle.in_flight.clone();
    eventually("32 tool calls are in flight", || in_flight.current() >= 32).await;
    let h = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(h.status(), 200);
    app.gate.add_permits(32);
    for c in calls {
        let resp = c.await.expect("joined");
        assert_eq!(resp["result"]["content"][0]["text"], "gate opened");
    }
    app.stop().await;
}

async fn spawn_app_with_gate() -> crate::helpers::TestApp {
    spawn_app().await
}
