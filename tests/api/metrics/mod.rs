//! Prometheus metrics over real HTTP. The workload test runs the real binary (`--sandbox`) in
//! its own process, so its one global recorder sees only this test's traffic and every count
//! can be asserted exactly; the scrape must also pass `promtool check metrics`.

mod checks;
mod context;
mod harness;

use serde_json::{Value, json};

use crate::helpers::{PROTOCOL, SseReader, initialize_request};
use harness::{is_error, keys_file, parse_scrape, promtool_check, start};

#[tokio::test]
async fn a_scrape_after_a_workload_counts_every_family_exactly_and_passes_promtool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (writer, reader, limited, revoked) = keys_file(dir.path());
    let keys_path = dir.path().join("keys.toml");
    let s = start(&keys_path);

    // Before any traffic: the families alerts need exist at zero, the probe reports upstream.
    let idle = s
        .scrape_until("the readiness probe reported both services", |x| {
            x.value("mcp_atlassian_upstream_up", &[("service", "jira")]) == Some(1.0)
                && x.value("mcp_atlassian_upstream_up", &[("service", "confluence")]) == Some(1.0)
        })
        .await;
    for outcome in ["ok", "error"] {
        assert_eq!(
            idle.expect("mcp_atlassian_backup_runs_total", &[("outcome", outcome)]),
            0.0
        );
    }
    assert!(
        idle.value("mcp_atlassian_backup_last_success_timestamp_seconds", &[])
            .is_none(),
        "no backup has succeeded: the gauge stays absent so 'backup missing' can fire"
    );
    assert_eq!(
        idle.expect(
            "mcp_atlassian_tool_calls_total",
            &[("tool", "jira_get_issue"), ("outcome", "upstream_error")]
        ),
        0.0
    );

    // The workload.
    let w = s.session(&writer).await;
    let (_, ok) = s
        .call(
            &writer,
            &w,
            "jira_get_issue",
            json!({"issue_key": "DEMO-1"}),
        )
        .await;
    assert!(!is_error(&ok), "{ok}");
    let (_, missing) = s
        .call(
            &writer,
            &w,
            "jira_get_issue",
            json!({"issue_key": "DEMO-99999"}),
        )
        .await;
    assert!(
        is_error(&missing),
        "a missing issue is a tool error: {missing}"
    );
    // A 500 on a POST is not retried: the comment fails upstream.
    s.faults(json!({"errors": {"status": 500, "count": 1}, "path_prefix": "/rest/api/3/issue/DEMO-1/comment"})).await;
    let (_, failed) = s
        .call(
            &writer,
            &w,
            "jira_add_comment",
            json!({"issue_key": "DEMO-1", "body": "hi"}),
        )
        .await;
    assert!(is_error(&failed), "{failed}");
    // One 429 with Retry-After: 0 is waited out and retried: the call still succeeds.
    s.faults(json!({"rate_limit": {"count": 1, "retry_after_secs": 0}, "path_prefix": "/rest/api/3/issue/DEMO-2"})).await;
    let (_, throttled) = s
        .call(
            &writer,
            &w,
            "jira_get_issue",
            json!({"issue_key": "DEMO-2"}),
        )
        .await;
    assert!(!is_error(&throttled), "{throttled}");

    // A read-only key may not call a write tool.
    let r = s.session(&reader).await;
    let (_, denied) = s
        .call(
            &reader,
            &r,
            "jira_add_comment",
            json!({"issue_key": "DEMO-1", "body": "x"}),
        )
        .await;
    assert!(denied["error"].is_object(), "{denied}");

    // A key with a budget of 1 request a minute: creating its session spends it (the
    // initialized notification is free), so its first tool call is refused.
    let l = s.session(&limited).await;
    let (status, _) = s
        .call(
            &limited,
            &l,
            "jira_get_issue",
            json!({"issue_key": "DEMO-1"}),
        )
        .await;
    assert_eq!(status, 429);

    // Refused keys.
    for key in [
        Some("mcpk_nobody_0123456789012345678901234567890123456789012"),
        None,
        Some(revoked.as_str()),
    ] {
        let resp = s
            .post(key, None, &initialize_request(1))
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 403);
    }

    // A legacy SSE session with one tool call, then closed by the client.
    let resp = s
        .client
        .get(format!("{}/sse", s.mcp))
        .header("x-api-key", &writer)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("GET /sse");
    assert_eq!(resp.status(), 200);
    let mut sse = SseReader::new(resp);
    let endpoint = sse.next_event().await.expect("endpoint").data;
    let post_url = format!("{}{}", s.mcp, endpoint);
    for msg in [
        initialize_request(1),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-3"}}}),
    ] {
        let st = s
            .client
            .post(&post_url)
            .header("content-type", "application/json")
            .body(msg.to_string())
            .send()
            .await
            .expect("POST /messages/")
            .status();
        assert_eq!(st, 202);
    }
    loop {
        let ev = sse
            .next_event()
            .await
            .expect("answer before the stream ended");
        let v: Value = serde_json::from_str(&ev.data).expect("json");
        if v["id"] == json!(2) {
            assert!(!is_error(&v), "{v}");
            break;
        }
    }
    let open = s.scrape().await;
    assert_eq!(
        open.expect("mcp_atlassian_sessions_active", &[("transport", "sse")]),
        1.0
    );
    drop(sse);

    // Close one Streamable HTTP session; the other three stay open.
    let del = s
        .client
        .delete(format!("{}/mcp", s.mcp))
        .header("x-api-key", &reader)
        .header("mcp-session-id", &r)
        .header("mcp-protocol-version", PROTOCOL)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(del.status(), 204);
    assert_eq!(
        s.client
            .get(format!("{}/healthz", s.mcp))
            .send()
            .await
            .expect("healthz")
            .status(),
        200
    );
    assert_eq!(
        s.client
            .get(format!("{}/wp-login.php", s.mcp))
            .send()
            .await
            .expect("404")
            .status(),
        404
    );

    let m = s
        .scrape_until("the closed sessions are no longer active", |x| {
            x.value("mcp_atlassian_sessions_active", &[("transport", "sse")]) == Some(0.0)
                && x.value(
                    "mcp_atlassian_sessions_active",
                    &[("transport", "streamable_http")],
                ) == Some(2.0)
        })
        .await;

    checks::tools_and_sessions(&m);
    checks::refusals_and_http(&m);
    checks::upstream(&m);
    checks::keys_build_and_process(&m);
    promtool_check(&m.text);
}

#[tokio::test]
async fn with_metrics_disabled_the_port_is_not_bound() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
        .to_string();
    let app = crate::helpers::spawn_app_with(&[
        ("PROMETHEUS_ENABLED", "false"),
        ("PROMETHEUS_PORT", &port),
    ])
    .await;
    assert!(app.handle.metrics_addr.is_none());
    std::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .expect("the metrics port is still free");
    app.stop().await;
}

#[tokio::test]
async fn a_metrics_port_in_use_stops_start_up_naming_the_variable() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let config = mcp_atlassian::config::Config::from_pairs(
        crate::helpers::base_settings()
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain([("PROMETHEUS_PORT", port.as_str())]),
    )
    .expect("valid");
    let registry = mcp_atlassian::app::build_registry(&config, Vec::new()).expect("registry");
    let err = match mcp_atlassian::app::Application::build(&config, registry).await {
        Ok(_) => panic!("start-up must fail while the metrics port is taken"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("PROMETHEUS_PORT") && err.contains(&port),
        "{err}"
    );
}

#[tokio::test]
async fn an_in_process_app_serves_its_metrics_on_the_bound_address() {
    let app = crate::helpers::spawn_app().await;
    let addr = app
        .handle
        .metrics_addr
        .expect("metrics are on by default over HTTP");
    let (session, _) = app.initialize().await;
    app.rpc(
        session.as_deref(),
        2,
        "tools/call",
        json!({"name": "test_echo", "arguments": {"text": "x"}}),
    )
    .await;
    let text = app
        .client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body");
    let samples = parse_scrape(&text);
    let ok = samples
        .iter()
        .find(|(n, l, _)| {
            n == "mcp_atlassian_tool_calls_total"
                && l.get("tool").map(String::as_str) == Some("test_echo")
                && l.get("outcome").map(String::as_str) == Some("ok")
        })
        .map(|s| s.2);
    assert!(ok.is_some_and(|v| v >= 1.0), "{text}");
    app.stop().await;
}
