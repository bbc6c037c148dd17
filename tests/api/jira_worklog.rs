//! Worklogs end to end against the sandbox in Cloud and Server/DC mode: listing, logging
//! work with Markdown comments and estimates (read back from the sandbox), filters and
//! read-only mode.

use serde_json::{Value, json};

use crate::helpers::spawn_with_sandbox;
use crate::jira_people::{rpc_call, sandbox_get};

#[tokio::test]
async fn work_is_logged_and_listed_with_its_comment_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let api = if flavour == "cloud" { 3 } else { 2 };
        let before = sb
            .call("jira_get_worklog", json!({"issue_key": "DEMO-7"}))
            .await
            .json();
        let n = before["total"].as_u64().expect("total");
        let logged = sb
            .call(
                "jira_add_worklog",
                json!({"issue_key": "DEMO-7", "time_spent": "1h 30m",
                       "comment": "Fixed the **parser**", "started": "2025-02-03T10:00:00+01:00",
                       "original_estimate": "1d", "remaining_estimate": "3h"}),
            )
            .await
            .json();
        assert_eq!(
            logged["worklog"]["time_spent_seconds"], 5_400,
            "{flavour}: {logged}"
        );
        assert_eq!(logged["worklog"]["time_spent"], "1h 30m");
        assert_eq!(logged["worklog"]["started"], "2025-02-03T09:00:00Z");
        assert_eq!(logged["worklog"]["author"]["display_name"], "Sandbox User");

        let after = sb
            .call("jira_get_worklog", json!({"issue_key": "DEMO-7"}))
            .await
            .json();
        assert_eq!(after["total"].as_u64(), Some(n + 1), "{flavour}: {after}");
        let mine: &Value = after["worklogs"]
            .as_array()
            .expect("worklogs")
            .iter()
            .find(|w| w["id"] == logged["worklog"]["id"])
            .expect("the new worklog is listed");
        assert_eq!(mine["comment"], "Fixed the **parser**", "{flavour}: {mine}");

        let issue = sandbox_get(
            &sb,
            &format!("/rest/api/{api}/issue/DEMO-7?fields=timetracking"),
        )
        .await;
        let tt = &issue["fields"]["timetracking"];
        assert_eq!(tt["originalEstimateSeconds"], 8 * 3_600, "{flavour}: {tt}");
        assert_eq!(tt["remainingEstimateSeconds"], 3 * 3_600, "{flavour}: {tt}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn worklogs_with_unreadable_durations_or_dates_are_refused_with_a_hint() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let r = sb
        .call(
            "jira_add_worklog",
            json!({"issue_key": "DEMO-7", "time_spent": "an hour"}),
        )
        .await;
    assert!(r.is_error && r.text.contains("1h 30m"), "{}", r.text);
    let r = sb
        .call(
            "jira_add_worklog",
            json!({"issue_key": "DEMO-7", "time_spent": "1h", "started": "last tuesday"}),
        )
        .await;
    assert!(r.is_error && r.text.contains("ISO date-time"), "{}", r.text);
    let missing = sb
        .call("jira_get_worklog", json!({"issue_key": "DEMO-9999"}))
        .await;
    assert!(
        missing.is_error && missing.text.contains("404"),
        "{}",
        missing.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn logging_work_outside_the_project_filter_or_in_read_only_mode_is_refused() {
    let sb = spawn_with_sandbox("server", &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
    sb.faults(json!({"errors": {"status": 500, "count": 100}}))
        .await;
    let r = sb
        .call(
            "jira_add_worklog",
            json!({"issue_key": "OPS-2", "time_spent": "1h"}),
        )
        .await;
    assert!(r.is_error && r.text.contains("outside"), "{}", r.text);
    let read = sb
        .call("jira_get_worklog", json!({"issue_key": "MKT-2"}))
        .await;
    assert!(
        read.is_error && read.text.contains("outside"),
        "{}",
        read.text
    );
    assert_eq!(sb.remaining_faults().await["errors"]["count"], 100);
    sb.stop().await;

    let sb = spawn_with_sandbox("cloud", &[("READ_ONLY_MODE", "true")]).await;
    let r = rpc_call(
        &sb,
        "jira_add_worklog",
        json!({"issue_key": "DEMO-7", "time_spent": "1h"}),
    )
    .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    sb.stop().await;
}
