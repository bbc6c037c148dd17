//! `jira_development` end to end against the sandbox's dev-status API in Cloud and Server/DC
//! mode: `DEMO-1` is linked to GitHub, `OPS-1` to Bitbucket Server (`stash`).

use serde_json::json;

use crate::helpers::spawn_with_sandbox;

#[tokio::test]
async fn development_info_lists_branches_commits_and_pull_requests_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let d = sb
            .call(
                "jira_get_issue_development_info",
                json!({"issue_key": "DEMO-1"}),
            )
            .await
            .json();
        assert_eq!(d["issue_key"], "DEMO-1");
        let pr = &d["pull_requests"][0];
        assert_eq!(
            pr["name"], "DEMO-1 Render rich descriptions",
            "{flavour}: {d}"
        );
        assert_eq!(pr["status"], "OPEN");
        assert_eq!(pr["source"], "feature/DEMO-1-showcase");
        assert_eq!(pr["reviewers"][0], "Bob Brown");
        assert_eq!(pr["last_update"], "2025-01-08T10:30:00Z");
        assert_eq!(
            d["branches"].as_array().map(Vec::len),
            Some(1),
            "deduplicated: {d}"
        );
        assert_eq!(d["commits"].as_array().map(Vec::len), Some(2));
        assert_eq!(d["commits"][0]["id"], "9f2c1e4");
        assert_eq!(
            d["repositories"][0]["url"],
            "https://github.com/acme/sandbox-api"
        );

        let only = sb
            .call(
                "jira_get_issue_development_info",
                json!({"issue_key": "OPS-1", "application_type": "stash", "data_type": "repository"}),
            )
            .await
            .json();
        assert_eq!(
            only["commits"][0]["message"], "OPS-1 rotate logs at midnight",
            "{only}"
        );
        assert!(only.get("pull_requests").is_none(), "{only}");

        // Application types are case-sensitive upstream: a wrong one finds nothing.
        let wrong = sb
            .call(
                "jira_get_issue_development_info",
                json!({"issue_key": "DEMO-1", "application_type": "github"}),
            )
            .await
            .json();
        assert!(wrong.get("branches").is_none(), "{wrong}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn development_info_for_several_issues_keeps_their_order_and_reports_failures_inline() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let r = sb
            .call(
                "jira_get_issues_development_info",
                json!({"issue_keys": "OPS-1, DEMO-7,DEMO-9999", "data_type": "pullrequest"}),
            )
            .await
            .json();
        let issues = r["issues"].as_array().expect("issues");
        assert_eq!(issues.len(), 3, "{flavour}: {r}");
        assert_eq!(issues[0]["pull_requests"][0]["status"], "MERGED");
        assert_eq!(
            issues[0]["pull_requests"][0]["instance"],
            "Bitbucket Server"
        );
        assert_eq!(issues[1]["issue_key"], "DEMO-7");
        assert!(issues[1].get("pull_requests").is_none(), "no dev data: {r}");
        assert_eq!(issues[2]["issue_key"], "DEMO-9999");
        assert!(issues[2]["error"].is_string(), "{r}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn development_info_refuses_unknown_data_types_and_issues_outside_the_filter() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
    let bad = sb
        .call(
            "jira_get_issue_development_info",
            json!({"issue_key": "DEMO-1", "data_type": "build"}),
        )
        .await;
    assert!(
        bad.is_error && bad.text.contains("pullrequest"),
        "{}",
        bad.text
    );
    let outside = sb
        .call(
            "jira_get_issue_development_info",
            json!({"issue_key": "OPS-1"}),
        )
        .await;
    assert!(
        outside.is_error && outside.text.contains("outside"),
        "{}",
        outside.text
    );
    let batch = sb
        .call(
            "jira_get_issues_development_info",
            json!({"issue_keys": ["DEMO-1", "OPS-1"]}),
        )
        .await
        .json();
    assert_eq!(
        batch["issues"][0]["pull_requests"][0]["id"], "#42",
        "{batch}"
    );
    assert!(
        batch["issues"][1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("outside")),
        "{batch}"
    );
    sb.stop().await;
}
