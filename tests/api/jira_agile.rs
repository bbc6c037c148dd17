//! Jira Software (agile) tools end to end against the sandbox in Cloud and Server/DC mode:
//! boards, sprints and their issues; sprints created and changed and issues moved between
//! sprints and the backlog (read back through other tools), with the project filter and
//! read-only mode.
//!
//! Seed: board 1 is DEMO's (sprints 1 closed, 2 active, 3 future), board 2 OPS's (4-6).

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};
use crate::jira_people::{rpc_call, sandbox_get};

const FLAVOURS: [&str; 2] = ["cloud", "server"];

fn list<'a>(v: &'a Value, name: &str) -> &'a Vec<Value> {
    v[name].as_array().unwrap_or_else(|| panic!("{name}: {v}"))
}

fn strs<'a>(v: &'a Value, name: &str, field: &str) -> Vec<&'a str> {
    list(v, name)
        .iter()
        .map(|x| x[field].as_str().expect("string field"))
        .collect()
}

/// The sprint names of an issue as `jira_get_issue` shows them.
async fn sprints_of(sb: &SandboxApp, key: &str) -> Vec<String> {
    let issue = sb
        .call(
            "jira_get_issue",
            json!({"issue_key": key, "fields": "summary,customfield_10020"}),
        )
        .await
        .json();
    issue["fields"]["customfield_10020"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s["name"].as_str().expect("sprint name").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn sprint_total(sb: &SandboxApp, sprint: &str) -> u64 {
    let v = sb
        .call(
            "jira_get_sprint_issues",
            json!({"sprint_id": sprint, "limit": 50}),
        )
        .await
        .json();
    v["total"].as_u64().unwrap_or_else(|| panic!("total: {v}"))
}

#[tokio::test]
async fn boards_and_their_sprints_are_listed_and_filtered_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let all = sb.call("jira_get_agile_boards", json!({})).await.json();
        assert_eq!(
            strs(&all, "boards", "name"),
            ["DEMO board", "OPS board"],
            "{flavour}: {all}"
        );
        assert_eq!(all["boards"][0]["project_key"], "DEMO");
        let ops = sb
            .call("jira_get_agile_boards", json!({"project_key": "ops"}))
            .await
            .json();
        assert_eq!(strs(&ops, "boards", "name"), ["OPS board"], "{ops}");
        let sprints = sb
            .call("jira_get_sprints_from_board", json!({"board_id": "1"}))
            .await
            .json();
        assert_eq!(
            strs(&sprints, "sprints", "state"),
            ["closed", "active", "future"],
            "{flavour}: {sprints}"
        );
        assert!(
            sprints["sprints"][1]["start_date"]
                .as_str()
                .is_some_and(|d| d.ends_with('Z'))
        );
        let active = sb
            .call(
                "jira_get_sprints_from_board",
                json!({"board_id": "2", "state": "active"}),
            )
            .await
            .json();
        assert_eq!(
            strs(&active, "sprints", "name"),
            ["OPS Sprint 2"],
            "{active}"
        );
        let bad = sb
            .call(
                "jira_get_sprints_from_board",
                json!({"board_id": "1", "state": "running"}),
            )
            .await;
        assert!(bad.is_error && bad.text.contains("future"), "{}", bad.text);
        let missing = sb
            .call("jira_get_sprints_from_board", json!({"board_id": "99"}))
            .await;
        assert!(missing.is_error, "{}", missing.text);
        sb.stop().await;
    }
}

#[tokio::test]
async fn board_and_sprint_issues_come_back_shaped_with_jql_narrowing_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let board = sb
            .call(
                "jira_get_board_issues",
                json!({"board_id": "1", "jql": "", "limit": 5}),
            )
            .await
            .json();
        let keys = strs(&board, "issues", "key");
        assert_eq!(keys.len(), 5, "{flavour}: {board}");
        assert!(keys.iter().all(|k| k.starts_with("DEMO-")), "{keys:?}");
        assert!(board["total"].as_u64().is_some_and(|t| t > 5), "{board}");
        let first = &board["issues"][0];
        assert!(first["summary"].is_string(), "{first}");
        assert!(
            first["url"]
                .as_str()
                .is_some_and(|u| u.ends_with(&format!("/browse/{}", keys[0]))),
            "{first}"
        );
        let done = sb
            .call(
                "jira_get_board_issues",
                json!({"board_id": "1", "jql": "status = Done", "limit": 50}),
            )
            .await
            .json();
        assert!(!list(&done, "issues").is_empty(), "{done}");
        assert!(
            list(&done, "issues")
                .iter()
                .all(|i| i["status"]["name"] == "Done"),
            "{done}"
        );
        assert!(done["total"].as_u64() < board["total"].as_u64());
        let sprint = sb
            .call(
                "jira_get_sprint_issues",
                json!({"sprint_id": "2", "limit": 3, "start_at": 1}),
            )
            .await
            .json();
        assert_eq!(sprint["start_at"], 1, "{sprint}");
        let keys = strs(&sprint, "issues", "key");
        assert_eq!(keys.len(), 3, "{flavour}: {sprint}");
        for key in keys {
            assert_eq!(sprints_of(&sb, key).await, ["DEMO Sprint 2"], "{key}");
        }
        // Descriptions arrive as Markdown in both flavours, never as ADF or wiki objects.
        let described = sb
            .call(
                "jira_get_board_issues",
                json!({"board_id": "1", "jql": "description is not EMPTY", "limit": 1}),
            )
            .await
            .json();
        assert!(
            described["issues"][0]["description"].is_string(),
            "{flavour}: {described}"
        );
        let id_field = if flavour == "cloud" {
            "account_id"
        } else {
            "name"
        };
        assert!(
            described["issues"][0]["reporter"][id_field].is_string(),
            "{flavour}: {described}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn sprints_are_created_renamed_and_started_and_read_back_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let created = sb
            .call(
                "jira_create_sprint",
                json!({"board_id": "1", "name": "Hardening", "goal": "Fix the flaky tests",
                       "start_date": "2025-05-01T09:00:00.000+0000",
                       "end_date": "2025-05-15T17:00:00.000+0000"}),
            )
            .await
            .json();
        let s = &created["sprint"];
        assert_eq!(s["state"], "future", "{flavour}: {created}");
        assert_eq!(s["start_date"], "2025-05-01T09:00:00Z", "{created}");
        let id = s["id"].as_u64().expect("sprint id").to_string();
        let future = sb
            .call(
                "jira_get_sprints_from_board",
                json!({"board_id": "1", "state": "future"}),
            )
            .await
            .json();
        let found = list(&future, "sprints")
            .iter()
            .find(|x| x["name"] == "Hardening")
            .unwrap_or_else(|| panic!("{future}"));
        assert_eq!(found["goal"], "Fix the flaky tests");

        let renamed = sb
            .call(
                "jira_update_sprint",
                json!({"sprint_id": id, "name": "Hardening 2", "goal": null}),
            )
            .await
            .json();
        assert_eq!(renamed["sprint"]["name"], "Hardening 2", "{renamed}");
        // A partial update leaves the goal and dates alone.
        assert_eq!(renamed["sprint"]["goal"], "Fix the flaky tests");
        assert_eq!(renamed["sprint"]["end_date"], "2025-05-15T17:00:00Z");
        let started = sb
            .call(
                "jira_update_sprint",
                json!({"sprint_id": id, "state": "active"}),
            )
            .await
            .json();
        assert_eq!(started["sprint"]["state"], "active", "{started}");
        let raw = sandbox_get(&sb, &format!("/rest/agile/1.0/sprint/{id}")).await;
        assert_eq!(raw["state"], "active");
        assert_eq!(raw["name"], "Hardening 2");
        let nothing = sb
            .call("jira_update_sprint", json!({"sprint_id": id}))
            .await;
        assert!(
            nothing.is_error && nothing.text.contains("Nothing to change"),
            "{}",
            nothing.text
        );
        let reopened = sb
            .call(
                "jira_update_sprint",
                json!({"sprint_id": "1", "state": "active"}),
            )
            .await;
        assert!(
            reopened.is_error && reopened.text.contains("closed"),
            "{}",
            reopened.text
        );
        let bad_dates = sb
            .call(
                "jira_create_sprint",
                json!({"board_id": "1", "name": "Backwards",
                       "start_date": "2025-05-15T00:00:00.000+0000",
                       "end_date": "2025-05-01T00:00:00.000+0000"}),
            )
            .await;
        assert!(bad_dates.is_error, "{}", bad_dates.text);
        sb.stop().await;
    }
}

#[tokio::test]
async fn issues_move_into_a_sprint_and_back_to_the_backlog_visibly_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let active = sb
            .call(
                "jira_get_sprint_issues",
                json!({"sprint_id": "2", "limit": 2}),
            )
            .await
            .json();
        let keys: Vec<String> = strs(&active, "issues", "key")
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(keys.len(), 2, "{active}");
        let before_future = sprint_total(&sb, "3").await;
        let before_active = sprint_total(&sb, "2").await;

        let moved = sb
            .call(
                "jira_add_issues_to_sprint",
                json!({"sprint_id": "3", "issue_keys": keys.join(", ")}),
            )
            .await
            .json();
        assert_eq!(moved["moved"], json!(keys), "{flavour}: {moved}");
        assert_eq!(sprint_total(&sb, "3").await, before_future + 2);
        assert_eq!(sprint_total(&sb, "2").await, before_active - 2);
        for key in &keys {
            assert_eq!(sprints_of(&sb, key).await, ["DEMO Sprint 3"], "{key}");
        }

        let backlog = sb
            .call(
                "jira_move_issues_to_backlog",
                json!({"issue_keys": keys[0].clone()}),
            )
            .await
            .json();
        assert_eq!(backlog["moved_to_backlog"], json!([keys[0]]), "{backlog}");
        assert!(sprints_of(&sb, &keys[0]).await.is_empty());
        assert_eq!(sprints_of(&sb, &keys[1]).await, ["DEMO Sprint 3"]);
        assert_eq!(sprint_total(&sb, "3").await, before_future + 1);

        let closed = sb
            .call(
                "jira_add_issues_to_sprint",
                json!({"sprint_id": "1", "issue_keys": keys[1].clone()}),
            )
            .await;
        assert!(
            closed.is_error && closed.text.contains("closed"),
            "{}",
            closed.text
        );
        let other_board = sb
            .call(
                "jira_add_issues_to_sprint",
                json!({"sprint_id": "5", "issue_keys": keys[1].clone()}),
            )
            .await;
        assert!(other_board.is_error, "{}", other_board.text);
        assert_eq!(sprints_of(&sb, &keys[1]).await, ["DEMO Sprint 3"]);
        sb.stop().await;
    }
}

#[tokio::test]
async fn the_project_filter_confines_agile_reads_and_refuses_writes_before_calling_jira() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "OPS")]).await;
    let boards = sb.call("jira_get_agile_boards", json!({})).await.json();
    assert_eq!(strs(&boards, "boards", "name"), ["OPS board"], "{boards}");
    let outside = sb
        .call("jira_get_agile_boards", json!({"project_key": "DEMO"}))
        .await;
    assert!(
        outside.is_error && outside.text.contains("outside"),
        "{}",
        outside.text
    );
    let ops1_path = "/rest/api/2/issue/OPS-1?fields=customfield_10020";
    let ops1_before = sandbox_get(&sb, ops1_path).await;
    for (tool, args) in [
        ("jira_get_board_issues", json!({"board_id": "1", "jql": ""})),
        ("jira_get_sprints_from_board", json!({"board_id": "1"})),
        ("jira_get_sprint_issues", json!({"sprint_id": "2"})),
        (
            "jira_create_sprint",
            json!({"board_id": "1", "name": "x", "start_date": "2025-05-01", "end_date": "2025-05-02"}),
        ),
        ("jira_update_sprint", json!({"sprint_id": "3", "name": "x"})),
        (
            "jira_add_issues_to_sprint",
            json!({"sprint_id": "5", "issue_keys": "OPS-1,DEMO-1"}),
        ),
        (
            "jira_move_issues_to_backlog",
            json!({"issue_keys": ["DEMO-1"]}),
        ),
        // An in-scope issue may not go into a sprint of an out-of-scope board either.
        (
            "jira_add_issues_to_sprint",
            json!({"sprint_id": "3", "issue_keys": "OPS-1"}),
        ),
    ] {
        let r = sb.call(tool, args).await;
        assert!(
            r.is_error && r.text.contains("outside"),
            "{tool}: {}",
            r.text
        );
    }
    let in_scope = sb
        .call(
            "jira_get_sprint_issues",
            json!({"sprint_id": "5", "limit": 5}),
        )
        .await
        .json();
    assert!(
        strs(&in_scope, "issues", "key")
            .iter()
            .all(|k| k.starts_with("OPS-")),
        "{in_scope}"
    );
    // Nothing was written: the future DEMO sprint keeps its name and OPS-1 its sprint.
    let raw = sandbox_get(&sb, "/rest/agile/1.0/sprint/3").await;
    assert_eq!(raw["name"], "DEMO Sprint 3");
    let ops1 = sandbox_get(&sb, ops1_path).await;
    assert_eq!(
        ops1["fields"]["customfield_10020"], ops1_before["fields"]["customfield_10020"],
        "{ops1}"
    );
    let moved = sb
        .call(
            "jira_add_issues_to_sprint",
            json!({"sprint_id": "6", "issue_keys": "ops-1"}),
        )
        .await
        .json();
    assert_eq!(moved["moved"], json!(["OPS-1"]), "{moved}");
    assert_eq!(sprints_of(&sb, "OPS-1").await, ["OPS Sprint 3"]);
    sb.stop().await;
}

#[tokio::test]
async fn read_only_mode_hides_the_sprint_write_tools_but_not_the_reads() {
    let sb = spawn_with_sandbox("server", &[("READ_ONLY_MODE", "true")]).await;
    for tool in [
        "jira_create_sprint",
        "jira_update_sprint",
        "jira_add_issues_to_sprint",
        "jira_move_issues_to_backlog",
    ] {
        let r = rpc_call(&sb, tool, json!({"sprint_id": "3", "issue_keys": "DEMO-1"})).await;
        assert_eq!(r["error"]["code"], -32602, "{tool}: {r}");
    }
    let sprints = sb
        .call("jira_get_sprints_from_board", json!({"board_id": "1"}))
        .await
        .json();
    assert_eq!(list(&sprints, "sprints").len(), 3, "{sprints}");
    sb.stop().await;
}
