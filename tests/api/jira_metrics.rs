//! `jira_metrics` end to end against the sandbox in Cloud (paged changelog resource) and
//! Server/DC (changelog expanded on the issue) mode. `OPS-16` carries a seeded history with
//! known times (see `sandbox::seed::metrics`): created Sun 2025-01-12 18:00Z, In Progress
//! Mon 13th 10:00Z, In Review Wed 15th 16:00Z, In Progress Thu 16th 09:00Z, Done Mon 27th
//! 12:00Z, due 2025-01-24.

use serde_json::json;

use crate::helpers::spawn_with_sandbox;

#[tokio::test]
async fn issue_dates_list_every_status_change_and_the_time_in_each_status() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let d = sb
            .call("jira_get_issue_dates", json!({"issue_key": "OPS-16"}))
            .await
            .json();
        assert_eq!(d["created"], "2025-01-12T18:00:00Z", "{flavour}: {d}");
        assert_eq!(d["resolution_date"], "2025-01-27T12:00:00Z");
        assert_eq!(d["due_date"], "2025-01-24");
        assert_eq!(d["current_status"], "Done");
        let changes = d["status_changes"].as_array().expect("changes");
        let seq: Vec<&str> = changes
            .iter()
            .filter_map(|c| c["status"].as_str())
            .collect();
        assert_eq!(
            seq,
            ["To Do", "In Progress", "In Review", "In Progress", "Done"],
            "{flavour}"
        );
        assert_eq!(changes[0]["minutes"], 16 * 60);
        assert_eq!(changes[2]["transitioned_by"], "Bob Brown", "{flavour}: {d}");
        assert_eq!(changes[2]["minutes"], 17 * 60);
        assert!(changes[4].get("exited_at").is_none());
        let summary = d["status_summary"].as_array().expect("summary");
        assert_eq!(summary[0]["status"], "In Progress");
        assert_eq!(summary[0]["minutes"], 54 * 60 + 267 * 60);
        assert_eq!(summary[0]["visits"], 2);
        assert_eq!(summary[0]["formatted"], "13d 9h 0m");

        let bare = sb
            .call(
                "jira_get_issue_dates",
                json!({"issue_key": "OPS-16", "include_status_changes": false,
                       "include_status_summary": null}),
            )
            .await
            .json();
        assert!(bare.get("status_changes").is_none(), "{bare}");
        assert!(bare.get("status_summary").is_some());
        sb.stop().await;
    }
}

#[tokio::test]
async fn sla_metrics_in_calendar_time_match_the_hand_computed_values() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let r = sb
            .call(
                "jira_get_issue_sla",
                json!({"issue_key": "OPS-16", "include_raw_dates": true,
                       "metrics": "cycle_time,time_in_status,due_date_compliance,resolution_time,first_response_time"}),
            )
            .await
            .json();
        let m = &r["metrics"];
        // Sun 12th 18:00 → Mon 27th 12:00 = 14d 18h.
        assert_eq!(m["cycle_time"]["minutes"], 354 * 60, "{flavour}: {r}");
        assert_eq!(m["cycle_time"]["formatted"], "14d 18h 0m");
        assert_eq!(m["first_response_time"]["minutes"], 16 * 60);
        // First In Progress Mon 13th 10:00 → Mon 27th 12:00 = 14d 2h.
        assert_eq!(m["resolution_time"]["minutes"], 338 * 60);
        // Due end of Fri 24th, resolved Mon 27th 12:00: 2d 12h late.
        assert_eq!(m["due_date_compliance"]["status"], "missed");
        assert_eq!(m["due_date_compliance"]["margin_minutes"], -3600);
        assert_eq!(m["time_in_status"]["total_minutes"], 354 * 60);
        assert_eq!(m["time_in_status"]["statuses"][1]["status"], "In Review");
        assert!(m.get("lead_time").is_none(), "only the named metrics: {m}");
        assert_eq!(
            r["raw_dates"]["status_changes"][1]["entered_at"],
            "2025-01-13T10:00:00Z"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn sla_metrics_in_working_time_follow_the_configured_hours_days_and_zone() {
    let sb = spawn_with_sandbox(
        "cloud",
        &[
            ("JIRA_SLA_WORKING_HOURS_ONLY", "true"),
            ("JIRA_SLA_METRICS", "cycle_time,first_response_time"),
        ],
    )
    .await;
    let r = sb
        .call("jira_get_issue_sla", json!({"issue_key": "OPS-16"}))
        .await
        .json();
    // 09-17 UTC Mon-Fri: two full weeks (80h) + Mon 27th 09-12 (3h); first response: Mon
    // 13th 09-10 (1h) after a Sunday-evening creation.
    assert_eq!(r["metrics"]["cycle_time"]["minutes"], 83 * 60, "{r}");
    assert_eq!(r["metrics"]["first_response_time"]["minutes"], 60);
    assert_eq!(r["working_hours"]["timezone"], "UTC");
    // The caller can switch back to calendar time.
    let cal = sb
        .call(
            "jira_get_issue_sla",
            json!({"issue_key": "OPS-16", "working_hours_only": false}),
        )
        .await
        .json();
    assert_eq!(cal["metrics"]["cycle_time"]["minutes"], 354 * 60, "{cal}");
    sb.stop().await;

    // Tokyo (UTC+9), 09-17 local is 00:00-08:00Z: the Sunday 18:00Z creation is Monday
    // 03:00 there, so the first response (Mon 10:00Z = 19:00 JST) took 09:00-17:00 = 8h.
    let sb = spawn_with_sandbox(
        "server",
        &[
            ("JIRA_SLA_WORKING_HOURS_ONLY", "true"),
            ("JIRA_SLA_TIMEZONE", "Asia/Tokyo"),
        ],
    )
    .await;
    let r = sb
        .call(
            "jira_get_issue_sla",
            json!({"issue_key": "OPS-16", "metrics": "first_response_time"}),
        )
        .await
        .json();
    assert_eq!(
        r["metrics"]["first_response_time"]["minutes"],
        8 * 60,
        "{r}"
    );
    sb.stop().await;
}

#[tokio::test]
async fn sla_and_dates_refuse_unknown_metrics_and_issues_outside_the_filter() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
    let bad = sb
        .call(
            "jira_get_issue_sla",
            json!({"issue_key": "DEMO-7", "metrics": "velocity"}),
        )
        .await;
    assert!(
        bad.is_error && bad.text.contains("cycle_time"),
        "{}",
        bad.text
    );
    for tool in ["jira_get_issue_sla", "jira_get_issue_dates"] {
        let r = sb.call(tool, json!({"issue_key": "OPS-16"})).await;
        assert!(
            r.is_error && r.text.contains("outside"),
            "{tool}: {}",
            r.text
        );
    }
    let missing = sb
        .call("jira_get_issue_dates", json!({"issue_key": "DEMO-9999"}))
        .await;
    assert!(missing.is_error, "{}", missing.text);
    sb.stop().await;
}
