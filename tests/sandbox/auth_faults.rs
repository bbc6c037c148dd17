//! Authentication failures, fault injection and seed determinism over real HTTP.

use std::time::{Duration, Instant};

use crate::support::{basic, bearer, spawn_sandbox, spawn_with};
use mcp_atlassian::sandbox::{FaultConfig, SandboxOptions};
use serde_json::{Value, json};

#[tokio::test]
async fn missing_or_wrong_credentials_answer_401_in_each_family_shape() {
    let sb = spawn_sandbox().await;
    let jira = sb
        .http
        .get(sb.url("/rest/api/3/myself"))
        .send()
        .await
        .expect("request");
    assert_eq!(jira.status(), 401);
    let body: Value = jira.json().await.expect("json");
    assert_eq!(
        body["errorMessages"][0],
        "You are not authenticated. Authentication required to perform this operation."
    );
    let v1 = sb
        .http
        .get(sb.url("/rest/api/user/current"))
        .header("Authorization", "Bearer wrong")
        .send()
        .await
        .expect("request");
    assert_eq!(v1.status(), 401);
    assert_eq!(v1.json::<Value>().await.expect("json")["statusCode"], 401);
    let v2 = sb
        .http
        .get(sb.url("/wiki/api/v2/spaces"))
        .header("Authorization", "Basic c2FuZGJveEBleGFtcGxlLmNvbTpubw==")
        .send()
        .await
        .expect("request");
    assert_eq!(v2.status(), 401);
    assert_eq!(
        v2.json::<Value>().await.expect("json")["errors"][0]["code"],
        "UNAUTHORIZED"
    );
}

#[tokio::test]
async fn both_credentials_work_on_every_path() {
    let sb = spawn_sandbox().await;
    for path in [
        "/rest/api/3/myself",
        "/rest/api/2/myself",
        "/wiki/api/v2/spaces",
        "/rest/api/user/current",
    ] {
        for auth in [basic(), bearer()] {
            let resp = sb
                .http
                .get(sb.url(path))
                .header("Authorization", auth)
                .send()
                .await
                .expect("request");
            assert_eq!(resp.status(), 200, "{path}");
        }
    }
}

#[tokio::test]
async fn counted_server_errors_fire_then_stop() {
    let sb = spawn_sandbox().await;
    sb.set_faults(json!({"errors": {"status": 503, "count": 2}}))
        .await;
    for _ in 0..2 {
        let resp = sb.get("/rest/api/3/myself").send().await.expect("request");
        assert_eq!(resp.status(), 503);
        assert!(resp.json::<Value>().await.expect("json")["errorMessages"].is_array());
    }
    assert_eq!(
        sb.get("/rest/api/3/myself")
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
}

#[tokio::test]
async fn every_nth_request_fails_deterministically_within_the_path_prefix() {
    let sb = spawn_sandbox().await;
    sb.set_faults(json!({"errors": {"status": 500, "every_nth": 2}, "path_prefix": "/wiki/"}))
        .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            sb.get("/wiki/api/v2/spaces")
                .send()
                .await
                .expect("request")
                .status()
                .as_u16(),
        );
        assert_eq!(
            sb.get("/rest/api/2/myself")
                .send()
                .await
                .expect("request")
                .status(),
            200
        );
    }
    assert_eq!(statuses, vec![200, 500, 200, 500]);
}

#[tokio::test]
async fn rate_limit_bursts_carry_retry_after_and_rate_limit_headers() {
    let sb = spawn_sandbox().await;
    sb.set_faults(json!({"rate_limit": {"count": 2, "retry_after_secs": 3}}))
        .await;
    for _ in 0..2 {
        let resp = sb.get("/rest/api/3/myself").send().await.expect("request");
        assert_eq!(resp.status(), 429);
        let h = resp.headers();
        assert_eq!(h["retry-after"], "3");
        assert_eq!(h["x-ratelimit-remaining"], "0");
        assert_eq!(h["ratelimit-reason"], "jira-burst-based");
        assert!(
            h.contains_key("x-ratelimit-limit")
                && h.contains_key("x-ratelimit-reset")
                && h.contains_key("x-ratelimit-nearlimit")
        );
    }
    assert_eq!(
        sb.get("/rest/api/3/myself")
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
}

#[tokio::test]
async fn dropped_connections_close_without_a_response() {
    let sb = spawn_sandbox().await;
    sb.set_faults(json!({"drop_connections": 1})).await;
    let err = sb
        .get("/rest/api/3/myself")
        .send()
        .await
        .expect_err("connection dropped");
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(&err);
    while let Some(e) = source {
        chain.push(e.to_string());
        source = e.source();
    }
    let chain = chain.join(": ");
    assert!(
        chain.contains("connection closed before message completed"),
        "{chain}"
    );
    assert_eq!(
        sb.get("/rest/api/3/myself")
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
}

#[tokio::test]
async fn latency_delays_answers_and_faults_can_be_read_and_cleared() {
    let sb = spawn_sandbox().await;
    sb.set_faults(json!({"latency_ms": 150, "errors": {"count": 5}}))
        .await;
    let state: Value = sb
        .http
        .get(sb.url("/__sandbox/faults"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(state["latency_ms"], 150);
    assert_eq!(state["errors"]["count"], 5);
    let cleared = sb
        .http
        .delete(sb.url("/__sandbox/faults"))
        .send()
        .await
        .expect("delete");
    assert_eq!(cleared.status(), 204);
    sb.set_faults(json!({"latency_ms": 150})).await;
    let t = Instant::now();
    assert_eq!(
        sb.get("/rest/api/2/serverInfo")
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn faults_given_at_start_apply_from_the_first_request() {
    let faults: FaultConfig =
        serde_json::from_value(json!({"errors": {"status": 500, "count": 1}})).expect("config");
    let sb = spawn_with(SandboxOptions { seed: 0, faults }).await;
    assert_eq!(
        sb.get("/rest/api/3/myself")
            .send()
            .await
            .expect("request")
            .status(),
        500
    );
    assert_eq!(
        sb.get("/rest/api/3/myself")
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
}

#[tokio::test]
async fn the_same_seed_serves_the_same_data_and_another_seed_does_not() {
    let path = "/rest/api/3/search/jql?jql=project%20in%20(DEMO%2C%20OPS%2C%20MKT)%20ORDER%20BY%20key%20ASC&fields=summary,labels,assignee,created&maxResults=100";
    let a = spawn_with(SandboxOptions {
        seed: 11,
        ..Default::default()
    })
    .await;
    let b = spawn_with(SandboxOptions {
        seed: 11,
        ..Default::default()
    })
    .await;
    let c = spawn_with(SandboxOptions {
        seed: 12,
        ..Default::default()
    })
    .await;
    let strip = |mut v: Value| {
        // `self` links carry each server's port.
        let s = v
            .to_string()
            .replace(&a.base, "")
            .replace(&b.base, "")
            .replace(&c.base, "");
        v = serde_json::from_str(&s).expect("json");
        v
    };
    let (ja, jb, jc) = (
        strip(a.json(path).await),
        strip(b.json(path).await),
        strip(c.json(path).await),
    );
    assert_eq!(ja, jb);
    assert_ne!(ja, jc);
    let pa = strip(
        a.json("/wiki/rest/api/search?cql=type%3Dpage&limit=100")
            .await,
    );
    let pb = strip(
        b.json("/wiki/rest/api/search?cql=type%3Dpage&limit=100")
            .await,
    );
    assert_eq!(pa, pb);
}

#[tokio::test]
async fn serve_returns_once_the_shutdown_token_is_cancelled() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let shutdown = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(mcp_atlassian::sandbox::serve(
        listener,
        SandboxOptions::default(),
        shutdown.clone(),
    ));
    shutdown.cancel();
    let result = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("serve stops in time");
    assert!(result.expect("task").is_ok());
}
