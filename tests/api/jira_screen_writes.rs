//! The issue tools against the faithful sandbox (issue 17 item 2): create and update with
//! components, fix versions, due date and select custom fields; epic links through `parent`
//! on Cloud and the Epic Link field on Server/DC; assignment by each flavour's identifier —
//! each asserted on the state the sandbox holds afterwards.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};
use crate::jira_people::sandbox_get;

fn api(flavour: &str) -> u8 {
    if flavour == "cloud" { 3 } else { 2 }
}

async fn first_name(sb: &SandboxApp, path: &str) -> String {
    sandbox_get(sb, path).await[0]["name"]
        .as_str()
        .expect("a name")
        .to_owned()
}

async fn an_epic(sb: &SandboxApp) -> String {
    let v = sandbox_get(
        sb,
        "/rest/api/2/search?jql=project%3DDEMO%20AND%20issuetype%3DEpic",
    )
    .await;
    v["issues"][0]["key"].as_str().expect("an epic").to_owned()
}

fn key_of(v: &Value) -> String {
    v["issue"]["key"]
        .as_str()
        .or(v["key"].as_str())
        .expect("issue key")
        .to_owned()
}

#[tokio::test]
async fn create_with_screen_fields_epic_and_assignee_lands_in_the_sandbox() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let n = api(flavour);
        let component = first_name(&sb, "/rest/api/2/project/DEMO/components").await;
        let version = first_name(&sb, "/rest/api/2/project/DEMO/versions").await;
        let epic = an_epic(&sb).await;
        let epic_field = if flavour == "cloud" {
            "parent"
        } else {
            "customfield_10014"
        };
        let created = sb
            .call(
                "jira_create_issue",
                json!({"project_key": "DEMO", "summary": "screen fields", "issue_type": "Task",
                "assignee": "bob@example.com", "components": component,
                "additional_fields": {
                    "fixVersions": version, "duedate": "2025-07-01",
                    "customfield_10030": {"value": "Major"},
                    "customfield_10031": [{"value": "Web"}, {"value": "Data"}],
                    epic_field: epic,
                }}),
            )
            .await
            .json();
        let key = key_of(&created);
        let held = sandbox_get(&sb, &format!("/rest/api/{n}/issue/{key}")).await;
        let f = &held["fields"];
        assert_eq!(
            f["components"][0]["name"],
            component.as_str(),
            "{flavour}: {f}"
        );
        assert_eq!(f["fixVersions"][0]["name"], version.as_str(), "{flavour}");
        assert_eq!(f["duedate"], "2025-07-01", "{flavour}");
        assert_eq!(f["customfield_10030"]["value"], "Major", "{flavour}");
        let teams: Vec<&str> = f["customfield_10031"]
            .as_array()
            .expect("teams")
            .iter()
            .filter_map(|o| o["value"].as_str())
            .collect();
        assert_eq!(teams, ["Web", "Data"], "{flavour}");
        assert_eq!(f["assignee"]["displayName"], "Bob Brown", "{flavour}");
        if flavour == "cloud" {
            assert_eq!(f["parent"]["key"], epic.as_str());
        } else {
            assert_eq!(f["customfield_10014"], epic.as_str());
        }
    }
}

#[tokio::test]
async fn update_sets_and_clears_screen_fields_and_assigns_per_flavour() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let n = api(flavour);
        let version = first_name(&sb, "/rest/api/2/project/DEMO/versions").await;
        let r = sb
            .call(
                "jira_update_issue",
                json!({"issue_key": "DEMO-5", "fields": {"duedate": "2025-09-30",
                       "fixVersions": version, "customfield_10030": {"value": "Minor"}}}),
            )
            .await;
        assert!(!r.is_error, "{flavour}: {}", r.text);
        let f = &sandbox_get(&sb, &format!("/rest/api/{n}/issue/DEMO-5")).await["fields"];
        assert_eq!(f["duedate"], "2025-09-30", "{flavour}");
        assert_eq!(f["fixVersions"][0]["name"], version.as_str());
        assert_eq!(f["customfield_10030"]["value"], "Minor");
        let r = sb
            .call(
                "jira_update_issue",
                json!({"issue_key": "DEMO-5", "fields": {"duedate": null, "customfield_10030": null}}),
            )
            .await;
        assert!(!r.is_error, "{flavour}: {}", r.text);
        let f = &sandbox_get(&sb, &format!("/rest/api/{n}/issue/DEMO-5")).await["fields"];
        assert!(
            f.get("duedate").is_none_or(Value::is_null),
            "{flavour}: {f}"
        );
        assert!(f["customfield_10030"].is_null());
        // A select value the field does not offer is refused with Jira's reason.
        let r = sb
            .call(
                "jira_update_issue",
                json!({"issue_key": "DEMO-5", "fields": {"customfield_10030": {"value": "Enormous"}}}),
            )
            .await;
        assert!(
            r.is_error && r.text.contains("customfield_10030"),
            "{flavour}: {}",
            r.text
        );
        // Assignment by e-mail resolves to each flavour's identifier (account id / name).
        let r = sb
            .call(
                "jira_assign_issue",
                json!({"issue_key": "DEMO-5", "assignee": "carol@example.com"}),
            )
            .await;
        assert!(!r.is_error, "{flavour}: {}", r.text);
        let f = &sandbox_get(&sb, &format!("/rest/api/{n}/issue/DEMO-5")).await["fields"];
        assert_eq!(f["assignee"]["displayName"], "Carol Chen", "{flavour}");
    }
}

#[tokio::test]
async fn history_and_diffs_work_on_seeded_pages() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let pages = sandbox_get(
            &sb,
            "/rest/api/content/search?cql=type%3Dpage&limit=100&expand=version",
        )
        .await;
        let page = pages["results"]
            .as_array()
            .expect("pages")
            .iter()
            .find(|p| p["version"]["number"].as_u64().unwrap_or(0) >= 3)
            .expect("a seeded page at version 3 or later");
        let id = page["id"].as_str().expect("id");
        let latest = page["version"]["number"].as_u64().expect("number");
        let v1 = sb
            .call(
                "confluence_get_page_history",
                json!({"page_id": id, "version": 1}),
            )
            .await
            .json();
        assert_eq!(v1["version"], 1, "{flavour}: {v1}");
        assert_eq!(v1["latest_version"], latest, "{flavour}");
        assert!(
            v1["content"]
                .as_str()
                .is_some_and(|c| c.contains("first draft")),
            "{v1}"
        );
        let diff = sb
            .call(
                "confluence_get_page_diff",
                json!({"page_id": id, "from_version": latest - 1, "to_version": latest}),
            )
            .await
            .json();
        assert_eq!(diff["identical"], false, "{flavour}: {diff}");
        let text = diff["diff"].as_str().expect("diff");
        assert!(
            text.contains("-Open question from version"),
            "{flavour}: {text}"
        );
    }
}
