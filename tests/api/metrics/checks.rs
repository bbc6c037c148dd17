//! What the workload of `a_scrape_after_a_workload_...` must show, family by family.

use time::OffsetDateTime;

use super::harness::Scrape;

/// Tool calls by tool and outcome, their durations, and sessions.
pub(super) fn tools_and_sessions(m: &Scrape) {
    // Tool calls, by tool and outcome, exactly.
    let calls = |tool: &str, outcome: &str| {
        m.expect(
            "mcp_atlassian_tool_calls_total",
            &[("tool", tool), ("outcome", outcome)],
        )
    };
    assert_eq!(
        calls("jira_get_issue", "ok"),
        3.0,
        "DEMO-1, DEMO-2 after the 429, DEMO-3 over SSE"
    );
    assert_eq!(calls("jira_get_issue", "tool_error"), 1.0);
    assert_eq!(calls("jira_get_issue", "rate_limited"), 1.0);
    assert_eq!(calls("jira_add_comment", "upstream_error"), 1.0);
    assert_eq!(calls("jira_add_comment", "denied"), 1.0);
    assert_eq!(calls("jira_add_comment", "ok"), 0.0);
    assert_eq!(
        calls("confluence_get_page", "ok"),
        0.0,
        "every registered tool exists at zero"
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_tool_call_duration_seconds_count",
            &[("tool", "jira_get_issue")]
        ),
        4.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_tool_call_duration_seconds_bucket",
            &[("tool", "jira_get_issue"), ("le", "+Inf")]
        ),
        4.0
    );
    assert!(
        m.text.contains(
            "mcp_atlassian_tool_call_duration_seconds_bucket{tool=\"jira_get_issue\",le=\"0.01\"}"
        ),
        "explicit tool buckets"
    );

    // Sessions.
    assert_eq!(
        m.expect(
            "mcp_atlassian_sessions_total",
            &[("transport", "streamable_http")]
        ),
        3.0
    );
    assert_eq!(
        m.expect("mcp_atlassian_sessions_total", &[("transport", "sse")]),
        1.0
    );
    assert_eq!(
        m.expect("mcp_atlassian_sessions_total", &[("transport", "stdio")]),
        0.0
    );
}

/// Auth failures, rate limits and HTTP requests.
pub(super) fn refusals_and_http(m: &Scrape) {
    // Refusals.
    assert_eq!(
        m.expect(
            "mcp_atlassian_auth_failures_total",
            &[("reason", "unknown")]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_auth_failures_total",
            &[("reason", "missing")]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_auth_failures_total",
            &[("reason", "revoked")]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_auth_failures_total",
            &[("reason", "expired")]
        ),
        0.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_rate_limited_total",
            &[("scope", "key_minute")]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_rate_limited_total",
            &[("scope", "ip_minute")]
        ),
        0.0
    );
    assert_eq!(
        m.expect("mcp_atlassian_rate_limit_backend_errors_total", &[]),
        0.0
    );

    // HTTP requests: bounded routes, never the raw path.
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "/healthz"),
                ("method", "GET"),
                ("status_class", "2xx")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "other"),
                ("method", "GET"),
                ("status_class", "4xx")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "/mcp"),
                ("method", "DELETE"),
                ("status_class", "2xx")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "/mcp"),
                ("method", "POST"),
                ("status_class", "4xx")
            ]
        ),
        4.0,
        "3 refused keys + 1 rate-limited"
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "/sse"),
                ("method", "GET"),
                ("status_class", "2xx")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "/messages"),
                ("method", "POST"),
                ("status_class", "2xx")
            ]
        ),
        3.0
    );
    assert!(
        !m.text.contains("wp-login"),
        "raw paths never become labels"
    );
    assert_eq!(
        m.label_names("mcp_atlassian_http_request_duration_seconds_count")
            .first()
            .map(Vec::len),
        Some(2),
        "route and method"
    );
}

/// Upstream requests, retries, throttling and readiness.
pub(super) fn upstream(m: &Scrape) {
    // Upstream: the 500 and the 429 as attempts, the 429 as throttling and one retry.
    let up = |class: &str| {
        m.value(
            "mcp_atlassian_upstream_requests_total",
            &[
                ("service", "jira"),
                ("method", "GET"),
                ("status_class", class),
            ],
        )
        .unwrap_or(0.0)
    };
    assert!(up("2xx") >= 4.0, "3 issue reads + the probe");
    assert_eq!(up("4xx"), 2.0, "the 404 and the 429");
    assert_eq!(
        m.expect(
            "mcp_atlassian_upstream_requests_total",
            &[
                ("service", "jira"),
                ("method", "POST"),
                ("status_class", "5xx")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_upstream_throttled_total",
            &[("service", "jira")]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_upstream_throttled_total",
            &[("service", "confluence")]
        ),
        0.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_upstream_retries_total",
            &[("service", "jira"), ("reason", "rate_limited")]
        ),
        1.0
    );
    assert!(
        m.value(
            "mcp_atlassian_upstream_retries_total",
            &[("service", "jira"), ("reason", "server_error")]
        )
        .is_none(),
        "a POST is not retried"
    );
    assert!(
        m.expect(
            "mcp_atlassian_upstream_request_duration_seconds_count",
            &[("service", "confluence")]
        ) >= 1.0,
        "the probe"
    );
    assert!(
        m.text.contains(
            "mcp_atlassian_upstream_request_duration_seconds_bucket{service=\"jira\",le=\"0.005\"}"
        ),
        "explicit upstream buckets"
    );
    assert_eq!(
        m.expect("mcp_atlassian_upstream_up", &[("service", "jira")]),
        1.0
    );
}

/// API keys, build info, process metrics and the always-present families.
pub(super) fn keys_build_and_process(m: &Scrape) {
    // Keys, build and process.
    assert_eq!(
        m.expect("mcp_atlassian_api_keys", &[("state", "active")]),
        3.0
    );
    assert_eq!(
        m.expect("mcp_atlassian_api_keys", &[("state", "revoked")]),
        1.0
    );
    assert_eq!(
        m.expect("mcp_atlassian_api_keys", &[("state", "expired")]),
        0.0
    );
    let expiry = m.expect(
        "mcp_atlassian_api_key_expiry_timestamp_seconds",
        &[("key_id", "writer")],
    );
    let in_a_week = (OffsetDateTime::now_utc().unix_timestamp() + 7 * 86_400) as f64;
    assert!(
        (expiry - in_a_week).abs() < 120.0,
        "{expiry} vs {in_a_week}"
    );
    assert_eq!(
        m.label_names("mcp_atlassian_api_key_expiry_timestamp_seconds")
            .len(),
        1,
        "only keys with an expiry"
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    assert!(m.expect("process_resident_memory_bytes", &[]) > 1e6);
    assert!(m.expect("process_open_fds", &[]) > 0.0);
    assert!(m.value("process_cpu_seconds_total", &[]).is_some());
    assert!(m.expect("process_start_time_seconds", &[]) > 1.6e9);
    for family in [
        "mcp_atlassian_backup_last_size_bytes",
        "mcp_atlassian_backup_last_success_timestamp_seconds",
        "mcp_atlassian_backup_runs_total",
        "mcp_atlassian_rate_limit_backend_errors_total",
    ] {
        assert!(m.has_family(family), "{family} is in the scrape");
        assert_eq!(
            m.text.matches(&format!("# TYPE {family} ")).count(),
            1,
            "{family} once"
        );
    }
    assert_eq!(m.expect("mcp_atlassian_backup_last_size_bytes", &[]), 0.0);
    assert!(!m.text.contains("DEMO-"), "issue keys never become labels");
}
