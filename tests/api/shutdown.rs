use serde_json::json;

use crate::helpers::{DEADLINE, eventually, read_rpc_response, spawn_app};

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish_and_turns_readyz_503() {
    let mut app = spawn_app().await;
    let (session, _) = app.initialize().await;
    let session = session.expect("session");
    let req = app.post_mcp(&json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "test_gate", "arguments": {}}}), Some(&session));
    let call =
        tokio::spawn(async move { read_rpc_response(req.send().await.expect("sent"), 7).await });
    let in_flight = app.handle.in_flight.clone();
    eventually("the call is in flight", || in_flight.current() == 1).await;

    app.shutdown.cancel();
    let readiness = app.handle.readiness.clone();
    eventually("shutdown has begun", || readiness.is_shutting_down()).await;
    assert_eq!(
        readiness.not_ready_reason().as_deref(),
        Some("shutting down")
    );
    let join = app.join.take().expect("running");
    assert!(
        !join.is_finished(),
        "the server waits for the request in flight"
    );

    app.gate.add_permits(1);
    let resp = tokio::time::timeout(DEADLINE, call)
        .await
        .expect("answered in time")
        .expect("joined");
    assert_eq!(resp["result"]["content"][0]["text"], "gate opened");
    tokio::time::timeout(DEADLINE, join)
        .await
        .expect("exits in time")
        .expect("joined")
        .expect("clean exit");
}

#[tokio::test]
async fn shutdown_closes_open_sse_streams() {
    let mut app = spawn_app().await;
    let mut s = app.open_sse().await;
    app.shutdown.cancel();
    assert!(
        s.reader.next_event().await.is_none(),
        "the stream ends at shutdown"
    );
    let join = app.join.take().expect("running");
    tokio::time::timeout(DEADLINE, join)
        .await
        .expect("exits in time")
        .expect("joined")
        .expect("clean exit");
    assert!(app.handle.sse_sessions.is_empty());
}
