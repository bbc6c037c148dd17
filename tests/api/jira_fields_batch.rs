//! Field discovery, select options, project listings, bulk create and bulk changelogs end to
//! end against the sandbox.

use serde_json::{Value, json};

use crate::helpers::spawn_with_sandbox;
use crate::jira_workflow::sandbox_get;

const FLAVOURS: [&str; 2] = ["cloud", "server"];

fn keys(v: &Value) -> Vec<String> {
    v["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect()
}

#[tokio::test]
async fn fields_are_found_by_a_fuzzy_name_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let v = sb
            .call("jira_search_fields", json!({"keyword": "sever"}))
            .await
            .json();
        assert_eq!(v["fields"][0]["id"], "customfield_10030", "{flavour}: {v}");
        assert_eq!(v["fields"][0]["name"], "Severity");
        assert_eq!(v["fields"][0]["custom"], true);
        let v = sb
            .call("jira_search_fields", json!({"keyword": "EPIC link"}))
            .await
            .json();
        assert_eq!(v["fields"][0]["id"], "customfield_10014", "{flavour}: {v}");
        let v = sb
            .call("jira_search_fields", json!({"limit": 3}))
            .await
            .json();
        assert_eq!(v["fields"].as_array().map(Vec::len), Some(3));
        let none = sb
            .call("jira_search_fields", json!({"keyword": "no such field"}))
            .await
            .json();
        assert!(none.get("fields").is_none(), "{none}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn select_field_options_are_listed_filtered_and_limited_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let v = sb
            .call(
                "jira_get_field_options",
                json!({"field_id": "customfield_10030"}),
            )
            .await
            .json();
        let values: Vec<&str> = v["options"]
            .as_array()
            .expect("options")
            .iter()
            .map(|o| o["value"].as_str().expect("value"))
            .collect();
        assert_eq!(
            values,
            ["Critical", "Major", "Minor", "Trivial"],
            "{flavour}"
        );
        assert_eq!(v["options"][3]["disabled"], true);
        assert_eq!(v["options"][0]["id"], "10100");
        if flavour == "cloud" {
            assert_eq!(v["context_id"], "10130");
        }
        let v = sb
            .call(
                "jira_get_field_options",
                json!({"field_id": "customfield_10031", "contains": "OB", "values_only": true}),
            )
            .await
            .json();
        assert_eq!(v["values"], json!(["Mobile"]), "{flavour}");
        let v = sb
            .call(
                "jira_get_field_options",
                json!({"field_id": "customfield_10031", "return_limit": 2, "values_only": true}),
            )
            .await
            .json();
        assert_eq!(v["values"], json!(["Platform", "Mobile"]), "{flavour}");
        let r = sb
            .call("jira_get_field_options", json!({"field_id": "priority"}))
            .await;
        assert!(
            r.is_error && r.text.contains("jira_search_fields"),
            "{}",
            r.text
        );
        let r = sb
            .call(
                "jira_get_field_options",
                json!({"field_id": "customfield_99999"}),
            )
            .await;
        assert!(
            r.is_error && r.text.contains("404"),
            "{flavour}: {}",
            r.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn project_issues_page_by_offset_without_overlap_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let ten = sb
            .call(
                "jira_get_project_issues",
                json!({"project_key": "mkt", "limit": 10}),
            )
            .await
            .json();
        let first = sb
            .call(
                "jira_get_project_issues",
                json!({"project_key": "MKT", "limit": 5}),
            )
            .await
            .json();
        let second = sb
            .call(
                "jira_get_project_issues",
                json!({"project_key": "MKT", "limit": 5, "start_at": 5}),
            )
            .await
            .json();
        let (ten, a, b) = (keys(&ten), keys(&first), keys(&second));
        assert_eq!(ten.len(), 10, "{flavour}");
        assert_eq!(a, ten[..5], "{flavour}");
        assert_eq!(b, ten[5..], "{flavour}");
        assert!(ten.iter().all(|k| k.starts_with("MKT-")));
        assert_eq!(second["start_at"], 5);
        if flavour == "server" {
            assert_eq!(first["total"], 80);
        }
        let far = sb
            .call(
                "jira_get_project_issues",
                json!({"project_key": "MKT", "limit": 50, "start_at": 75}),
            )
            .await
            .json();
        assert_eq!(keys(&far).len(), 5, "{flavour}");
        assert_eq!(far["is_last"], true, "{flavour}: {far}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_batch_is_created_only_when_every_issue_is_valid() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[("JIRA_PROJECTS_FILTER", "DEMO,OPS")]).await;
        let bad = sb
            .call(
                "jira_batch_create_issues",
                json!({"issues": [
                    {"project_key": "DEMO", "summary": "fine", "issue_type": "Task"},
                    {"project_key": "DEMO", "summary": "no priority", "issue_type": "Bug"},
                ]}),
            )
            .await;
        assert!(
            bad.is_error && bad.text.contains("issue 1") && bad.text.contains("priority"),
            "{flavour}: {}",
            bad.text
        );
        let outside = sb
            .call(
                "jira_batch_create_issues",
                json!({"issues": "[{\"project_key\": \"MKT\", \"summary\": \"x\", \"issue_type\": \"Task\"}]"}),
            )
            .await;
        assert!(
            outside.is_error && outside.text.contains("MKT"),
            "{}",
            outside.text
        );
        let checked = sb
            .call(
                "jira_batch_create_issues",
                json!({"issues": [{"project_key": "DEMO", "summary": "fine", "issue_type": "Task"}], "validate_only": true}),
            )
            .await
            .json();
        assert_eq!(checked, json!({"valid": true, "count": 1}));
        let none = sb
            .call("jira_get_issue", json!({"issue_key": "DEMO-121"}))
            .await;
        assert!(none.is_error, "nothing was created yet: {}", none.text);

        let v = sb
            .call(
                "jira_batch_create_issues",
                json!({"issues": [
                    {"project_key": "DEMO", "summary": "First", "issue_type": "Task", "description": "With **bold**", "labels": "a,b"},
                    {"project_key": "OPS", "summary": "Second", "issue_type": "Bug", "priority": "Low"},
                ]}),
            )
            .await
            .json();
        assert_eq!(
            v["created"]
                .as_array()
                .expect("created")
                .iter()
                .map(|c| c["key"].as_str().expect("key"))
                .collect::<Vec<_>>(),
            ["DEMO-121", "OPS-101"],
            "{flavour}: {v}"
        );
        let first = sb
            .call("jira_get_issue", json!({"issue_key": "DEMO-121"}))
            .await
            .json();
        assert_eq!(first["summary"], "First");
        assert_eq!(first["description"], "With **bold**", "{flavour}");
        assert_eq!(first["labels"], json!(["a", "b"]));
        let raw = sandbox_get(&sb, flavour, "/issue/OPS-101?fields=priority,issuetype").await;
        assert_eq!(raw["fields"]["priority"]["name"], "Low");
        assert_eq!(raw["fields"]["issuetype"]["name"], "Bug");
        sb.stop().await;
    }
}

#[tokio::test]
async fn changelogs_of_several_issues_come_back_on_cloud_and_the_tool_is_hidden_on_server() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    for (key, title) in [
        ("DEMO-11", "First rename"),
        ("DEMO-11", "Second rename"),
        ("OPS-3", "Other"),
    ] {
        sb.call(
            "jira_update_issue",
            json!({"issue_key": key, "fields": {"summary": title}, "return_fields": "summary"}),
        )
        .await
        .json();
    }
    let v = sb
        .call(
            "jira_batch_get_changelogs",
            json!({"issue_ids_or_keys": "DEMO-11, OPS-3", "fields": "summary"}),
        )
        .await
        .json();
    let issues = v["issues"].as_array().expect("issues");
    assert_eq!(issues.len(), 2, "{v}");
    let demo = &issues[0]["changelogs"];
    assert_eq!(demo.as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(
        demo[1]["items"][0],
        json!({"field": "summary", "from": "First rename", "to": "Second rename"})
    );
    assert_eq!(demo[0]["author"]["display_name"], "Sandbox User");
    let limited = sb
        .call(
            "jira_batch_get_changelogs",
            json!({"issue_ids_or_keys": ["DEMO-11"], "fields": ["summary"], "limit": 1}),
        )
        .await
        .json();
    assert_eq!(
        limited["issues"][0]["changelogs"].as_array().map(Vec::len),
        Some(1)
    );
    sb.stop().await;

    let sb = spawn_with_sandbox("server", &[]).await;
    let (session, _) = sb.app.initialize().await;
    let call = sb
        .app
        .rpc(session.as_deref(), 2, "tools/call", json!({"name": "jira_batch_get_changelogs", "arguments": {"issue_ids_or_keys": "DEMO-1"}}))
        .await;
    assert_eq!(call["error"]["code"], -32602, "{call}");
    sb.stop().await;
}

#[tokio::test]
async fn reads_outside_the_project_filter_are_refused() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "OPS")]).await;
    for (tool, args) in [
        ("jira_get_project_issues", json!({"project_key": "DEMO"})),
        (
            "jira_batch_get_changelogs",
            json!({"issue_ids_or_keys": "OPS-1,DEMO-1"}),
        ),
        (
            "jira_get_field_options",
            json!({"field_id": "customfield_10030", "project_key": "DEMO"}),
        ),
    ] {
        let r = sb.call(tool, args).await;
        assert!(r.is_error && r.text.contains("OPS"), "{tool}: {}", r.text);
    }
    sb.stop().await;
}
