//! Creating, updating, assigning and deleting issues end to end against the sandbox in both
//! flavours: the issue the agent gets back, the state the sandbox holds afterwards, the
//! create-screen checks, and the project-filter refusals.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};
use crate::jira_workflow::sandbox_get;

const FLAVOURS: [&str; 2] = ["cloud", "server"];

/// Alice as each flavour names her.
fn alice(flavour: &str) -> &'static str {
    if flavour == "cloud" {
        "5b10a2844c20165700ede022"
    } else {
        "alice"
    }
}

async fn sandbox_status(sb: &SandboxApp, flavour: &str, path: &str) -> u16 {
    let ver = if flavour == "cloud" { 3 } else { 2 };
    let req = sb
        .app
        .client
        .get(format!("http://{}/rest/api/{ver}{path}", sb.sandbox));
    let req = if flavour == "cloud" {
        req.basic_auth("sandbox@example.com", Some("sandbox-api-token"))
    } else {
        req.bearer_auth("sandbox-pat")
    };
    req.send().await.expect("sandbox read").status().as_u16()
}

#[tokio::test]
async fn a_created_issue_comes_back_lean_with_the_fields_written_and_is_stored_in_the_flavours_format()
 {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let v = sb
            .call(
                "jira_create_issue",
                json!({
                    "project_key": "demo",
                    "summary": "Created by the agent",
                    "issue_type": "task",
                    "description": "Some **bold** text",
                    "assignee": alice(flavour),
                    "additional_fields": "{\"priority\": {\"name\": \"High\"}, \"labels\": [\"from-mcp\"]}",
                }),
            )
            .await
            .json();
        let issue = &v["issue"];
        let key = issue["key"].as_str().expect("key").to_owned();
        assert_eq!(key, "DEMO-121", "{flavour}: {v}");
        assert_eq!(issue["summary"], "Created by the agent");
        assert_eq!(issue["issue_type"], "Task");
        assert_eq!(issue["priority"], "High");
        assert_eq!(issue["labels"], json!(["from-mcp"]));
        assert_eq!(issue["status"]["name"], "To Do");
        assert_eq!(issue["assignee"]["display_name"], "Alice Anders");
        assert!(
            issue["url"].as_str().is_some_and(|u| u.ends_with(&key)),
            "{v}"
        );
        // Lean: what was written and the new status, not a re-read of the whole issue.
        assert!(issue.get("reporter").is_none(), "{flavour}: {v}");
        assert!(issue.get("description").is_none(), "not echoed: {v}");

        let read = sb
            .call("jira_get_issue", json!({"issue_key": key}))
            .await
            .json();
        assert_eq!(read["summary"], "Created by the agent");
        assert_eq!(read["reporter"]["display_name"], "Sandbox User");
        assert_eq!(read["description"], "Some **bold** text", "{flavour}");
        let raw = sandbox_get(&sb, flavour, &format!("/issue/{key}?fields=description")).await;
        if flavour == "cloud" {
            assert_eq!(raw["fields"]["description"]["type"], "doc", "{raw}");
        } else {
            assert_eq!(raw["fields"]["description"], "Some *bold* text", "{raw}");
        }
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_missing_required_field_is_named_with_its_allowed_values_before_anything_is_created() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let r = sb
            .call(
                "jira_create_issue",
                json!({"project_key": "DEMO", "summary": "A bug", "issue_type": "Bug"}),
            )
            .await;
        assert!(r.is_error, "{flavour}: {}", r.text);
        assert!(
            r.text.contains("priority") && r.text.contains("Highest, High, Medium"),
            "{flavour}: {}",
            r.text
        );
        assert_eq!(sandbox_status(&sb, flavour, "/issue/DEMO-121").await, 404);

        let ok = sb
            .call(
                "jira_create_issue",
                json!({"project_key": "DEMO", "summary": "A bug", "issue_type": "Bug",
                       "additional_fields": {"priority": "Highest"}}),
            )
            .await
            .json();
        assert_eq!(ok["issue"]["key"], "DEMO-121", "{flavour}");
        assert_eq!(ok["issue"]["priority"], "Highest");

        let unknown = sb
            .call(
                "jira_create_issue",
                json!({"project_key": "DEMO", "summary": "x", "issue_type": "Incident"}),
            )
            .await;
        assert!(
            unknown.is_error && unknown.text.contains("Epic, Story, Task, Bug"),
            "{}",
            unknown.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn an_issue_is_updated_assigned_unassigned_and_deleted() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let v = sb
            .call(
                "jira_update_issue",
                json!({
                    "issue_key": "DEMO-9",
                    "fields": {"summary": "Renamed", "description": "Now with `code`"},
                    "additional_fields": "{\"priority\": \"Low\", \"labels\": [\"triaged\"]}",
                    "return_fields": "summary,description,priority,labels",
                }),
            )
            .await
            .json();
        assert_eq!(v["issue"]["summary"], "Renamed", "{flavour}: {v}");
        assert_eq!(v["issue"]["description"], "Now with `code`");
        assert_eq!(v["issue"]["priority"], "Low");
        assert_eq!(v["issue"]["labels"], json!(["triaged"]));
        // Without return_fields the answer is lean: the fields written and the status.
        let lean = sb
            .call(
                "jira_update_issue",
                json!({"issue_key": "DEMO-9", "fields": {"summary": "Renamed"}}),
            )
            .await
            .json();
        assert_eq!(lean["issue"]["summary"], "Renamed", "{lean}");
        assert!(lean["issue"]["status"]["name"].is_string(), "{lean}");
        for absent in ["description", "reporter", "priority", "labels"] {
            assert!(lean["issue"].get(absent).is_none(), "{absent}: {lean}");
        }
        let raw = sandbox_get(&sb, flavour, "/issue/DEMO-9?fields=summary,priority").await;
        assert_eq!(raw["fields"]["summary"], "Renamed");
        assert_eq!(raw["fields"]["priority"]["name"], "Low");

        let assigned = sb
            .call(
                "jira_assign_issue",
                json!({"issue_key": "DEMO-9", "assignee": alice(flavour)}),
            )
            .await
            .json();
        assert_eq!(
            assigned["issue"]["assignee"]["display_name"],
            "Alice Anders"
        );
        let raw = sandbox_get(&sb, flavour, "/issue/DEMO-9?fields=assignee").await;
        assert_eq!(raw["fields"]["assignee"]["displayName"], "Alice Anders");
        let unassigned = sb
            .call(
                "jira_assign_issue",
                json!({"issue_key": "DEMO-9", "assignee": null}),
            )
            .await
            .json();
        assert!(
            unassigned["issue"].get("assignee").is_none(),
            "{unassigned}"
        );
        let raw = sandbox_get(&sb, flavour, "/issue/DEMO-9?fields=assignee").await;
        assert_eq!(raw["fields"]["assignee"], Value::Null);

        let deleted = sb
            .call("jira_delete_issue", json!({"issue_key": "DEMO-9"}))
            .await
            .json();
        assert_eq!(deleted, json!({"issue_key": "DEMO-9", "deleted": true}));
        assert_eq!(sandbox_status(&sb, flavour, "/issue/DEMO-9").await, 404);
        let gone = sb
            .call("jira_get_issue", json!({"issue_key": "DEMO-9"}))
            .await;
        assert!(gone.is_error && gone.text.contains("404"), "{}", gone.text);
        sb.stop().await;
    }
}

#[tokio::test]
async fn an_update_jira_rejects_comes_back_as_a_tool_error_naming_the_field() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let r = sb
        .call(
            "jira_update_issue",
            json!({"issue_key": "DEMO-9", "fields": {"customfield_99999": 1}}),
        )
        .await;
    assert!(
        r.is_error && r.text.contains("customfield_99999"),
        "{}",
        r.text
    );
    let r = sb
        .call(
            "jira_update_issue",
            json!({"issue_key": "DEMO-9", "fields": {"summary": "x"}, "attachments": "/etc/passwd"}),
        )
        .await;
    assert!(r.is_error && r.text.contains("attachments"), "{}", r.text);
    let raw = sandbox_get(&sb, "cloud", "/issue/DEMO-9?fields=summary").await;
    assert_ne!(raw["fields"]["summary"], "x");
    sb.stop().await;
}

#[tokio::test]
async fn issue_writes_outside_the_project_filter_are_refused_and_change_nothing() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "OPS")]).await;
    let before = sandbox_get(&sb, "cloud", "/issue/DEMO-5").await;
    for (tool, args) in [
        (
            "jira_create_issue",
            json!({"project_key": "DEMO", "summary": "x", "issue_type": "Task"}),
        ),
        (
            "jira_update_issue",
            json!({"issue_key": "DEMO-5", "fields": {"summary": "x"}}),
        ),
        (
            "jira_assign_issue",
            json!({"issue_key": "DEMO-5", "assignee": alice("cloud")}),
        ),
        ("jira_delete_issue", json!({"issue_key": "DEMO-5"})),
    ] {
        let r = sb.call(tool, args).await;
        assert!(r.is_error && r.text.contains("OPS"), "{tool}: {}", r.text);
    }
    assert_eq!(sandbox_status(&sb, "cloud", "/issue/DEMO-121").await, 404);
    let after = sandbox_get(&sb, "cloud", "/issue/DEMO-5").await;
    assert_eq!(before["fields"]["summary"], after["fields"]["summary"]);
    assert_eq!(before["fields"]["assignee"], after["fields"]["assignee"]);
    assert_eq!(before["fields"]["updated"], after["fields"]["updated"]);
    let ok = sb
        .call(
            "jira_create_issue",
            json!({"project_key": "OPS", "summary": "Allowed", "issue_type": "Task"}),
        )
        .await
        .json();
    assert_eq!(ok["issue"]["key"], "OPS-101");
    sb.stop().await;
}

#[tokio::test]
async fn the_delete_tool_is_annotated_destructive_and_read_only_mode_hides_the_issue_writes() {
    let sb = spawn_with_sandbox("server", &[]).await;
    let (session, _) = sb.app.initialize().await;
    let list = sb
        .app
        .rpc(session.as_deref(), 2, "tools/list", json!({}))
        .await;
    let tools = list["result"]["tools"].as_array().expect("tools");
    let delete = tools
        .iter()
        .find(|t| t["name"] == "jira_delete_issue")
        .expect("delete listed");
    assert_eq!(delete["annotations"]["destructiveHint"], true);
    assert!(
        !delete["annotations"]["readOnlyHint"]
            .as_bool()
            .unwrap_or(false),
        "absent means false"
    );
    sb.stop().await;

    let sb = spawn_with_sandbox("server", &[("READ_ONLY_MODE", "true")]).await;
    let (session, _) = sb.app.initialize().await;
    let list = sb
        .app
        .rpc(session.as_deref(), 2, "tools/list", json!({}))
        .await;
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    for write in [
        "jira_create_issue",
        "jira_update_issue",
        "jira_assign_issue",
        "jira_delete_issue",
    ] {
        assert!(!names.contains(&write), "{write} in {names:?}");
    }
    let call = sb
        .app
        .rpc(
            session.as_deref(),
            3,
            "tools/call",
            json!({"name": "jira_delete_issue", "arguments": {"issue_key": "DEMO-1"}}),
        )
        .await;
    assert_eq!(call["error"]["code"], -32602, "{call}");
    assert_eq!(sandbox_status(&sb, "server", "/issue/DEMO-1").await, 200);
    sb.stop().await;
}

#[tokio::test]
async fn an_issue_moves_to_another_project_on_cloud_under_a_new_key() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "DEMO,OPS")]).await;
    let before = sandbox_get(&sb, "cloud", "/issue/DEMO-12?fields=summary").await;
    let v = sb
        .call(
            "jira_move_issue",
            json!({"issue_key": "DEMO-12", "target_project_key": "ops"}),
        )
        .await
        .json();
    assert_eq!(v["moved_from"], "DEMO-12", "{v}");
    assert_eq!(v["issue"]["key"], "OPS-101");
    assert_eq!(v["issue"]["project"], "OPS");
    assert_eq!(v["issue"]["summary"], before["fields"]["summary"]);
    assert_eq!(sandbox_status(&sb, "cloud", "/issue/DEMO-12").await, 404);
    let moved = sandbox_get(&sb, "cloud", "/issue/OPS-101?fields=project").await;
    assert_eq!(moved["fields"]["project"]["key"], "OPS");

    let same = sb
        .call(
            "jira_move_issue",
            json!({"issue_key": "OPS-101", "target_project_key": "OPS"}),
        )
        .await;
    assert!(
        same.is_error && same.text.contains("already"),
        "{}",
        same.text
    );
    for args in [
        json!({"issue_key": "DEMO-13", "target_project_key": "MKT"}),
        json!({"issue_key": "MKT-1", "target_project_key": "DEMO"}),
    ] {
        let r = sb.call("jira_move_issue", args).await;
        assert!(r.is_error && r.text.contains("DEMO, OPS"), "{}", r.text);
    }
    assert_eq!(sandbox_status(&sb, "cloud", "/issue/DEMO-13").await, 200);
    assert_eq!(sandbox_status(&sb, "cloud", "/issue/MKT-1").await, 200);
    sb.stop().await;

    let sb = spawn_with_sandbox("server", &[]).await;
    let (session, _) = sb.app.initialize().await;
    let call = sb
        .app
        .rpc(
            session.as_deref(),
            2,
            "tools/call",
            json!({"name": "jira_move_issue", "arguments": {"issue_key": "DEMO-1", "target_project_key": "OPS"}}),
        )
        .await;
    assert_eq!(
        call["error"]["code"], -32602,
        "Server/DC has no move API: {call}"
    );
    sb.stop().await;
}
