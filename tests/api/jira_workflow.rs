//! Transitions and comments end to end against the sandbox, in both flavours: what the
//! agent reads back, what the sandbox stored, and the filter and read-only refusals.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};

const FLAVOURS: [&str; 2] = ["cloud", "server"];

/// A direct read of the sandbox, bypassing the app, to check what was stored.
pub async fn sandbox_get(sb: &SandboxApp, flavour: &str, path: &str) -> Value {
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
    let resp = req.send().await.expect("sandbox read");
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.expect("json")
}

async fn status_of(sb: &SandboxApp, key: &str) -> String {
    let v = sb
        .call(
            "jira_get_issue",
            json!({"issue_key": key, "fields": "status", "comment_limit": 0}),
        )
        .await
        .json();
    v["status"]["name"].as_str().expect("status").to_owned()
}

fn ids(v: &Value) -> Vec<String> {
    v["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn an_issue_moves_through_its_workflow_by_id_or_name_with_a_markdown_comment() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        if status_of(&sb, "DEMO-7").await != "To Do" {
            let moved = sb
                .call(
                    "jira_transition_issue",
                    json!({"issue_key": "DEMO-7", "transition_id": "11"}),
                )
                .await
                .json();
            assert_eq!(moved["status"], "To Do", "{flavour}: {moved}");
        }
        let listed = sb
            .call("jira_get_transitions", json!({"issue_key": "DEMO-7"}))
            .await
            .json();
        assert_eq!(ids(&listed), vec!["21"], "{flavour}: {listed}");
        assert_eq!(listed["transitions"][0]["name"], "Start Progress");
        assert_eq!(listed["transitions"][0]["to_status"], "In Progress");

        let done = sb
            .call(
                "jira_transition_issue",
                json!({"issue_key": "DEMO-7", "transition_id": "start progress", "comment": "Started **now**"}),
            )
            .await
            .json();
        assert_eq!(done["status"], "In Progress", "{flavour}: {done}");
        assert_eq!(done["transition"]["id"], "21");
        assert_eq!(status_of(&sb, "DEMO-7").await, "In Progress");
        let after = sb
            .call("jira_get_transitions", json!({"issue_key": "DEMO-7"}))
            .await
            .json();
        assert!(
            !ids(&after).contains(&"21".to_owned()),
            "{flavour}: {after}"
        );
        let issue = sb
            .call(
                "jira_get_issue",
                json!({"issue_key": "DEMO-7", "comment_limit": 1}),
            )
            .await
            .json();
        assert_eq!(issue["comments"][0]["body"], "Started **now**", "{flavour}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn an_unavailable_transition_is_refused_with_the_available_ones_named() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let before = status_of(&sb, "DEMO-8").await;
        let r = sb
            .call(
                "jira_transition_issue",
                json!({"issue_key": "DEMO-8", "transition_id": "999"}),
            )
            .await;
        assert!(
            r.is_error && r.text.contains("Available:"),
            "{flavour}: {}",
            r.text
        );
        assert_eq!(status_of(&sb, "DEMO-8").await, before);
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_markdown_comment_is_stored_in_the_flavours_format_and_can_be_edited() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let added = sb
            .call(
                "jira_add_comment",
                json!({"issue_key": "DEMO-4", "body": "Looks **good**\n\n- one\n- two"}),
            )
            .await
            .json();
        let id = added["comment"]["id"].as_str().expect("id").to_owned();
        assert_eq!(
            added["comment"]["body"], "Looks **good**\n\n- one\n- two",
            "{flavour}"
        );
        assert_eq!(added["comment"]["author"]["display_name"], "Sandbox User");

        let stored = sandbox_get(
            &sb,
            flavour,
            "/issue/DEMO-4/comment?orderBy=-created&maxResults=1",
        )
        .await;
        let raw = &stored["comments"][0];
        assert_eq!(raw["id"], id.as_str());
        if flavour == "cloud" {
            assert_eq!(raw["body"]["type"], "doc", "{raw}");
        } else {
            let wiki = raw["body"].as_str().expect("wiki string");
            assert!(wiki.contains("*good*") && wiki.contains("* one"), "{wiki}");
        }

        let edited = sb
            .call(
                "jira_edit_comment",
                json!({"issue_key": "DEMO-4", "comment_id": id, "body": "Actually _fine_"}),
            )
            .await
            .json();
        assert_eq!(
            edited["comment"]["body"], "Actually *fine*",
            "{flavour}: {edited}"
        );
        let issue = sb
            .call(
                "jira_get_issue",
                json!({"issue_key": "DEMO-4", "comment_limit": 1}),
            )
            .await
            .json();
        assert_eq!(issue["comments"][0]["id"], id.as_str());
        assert_eq!(issue["comments"][0]["body"], "Actually *fine*", "{flavour}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn editing_someone_elses_comment_is_a_tool_error_from_jira() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let issue = sb
        .call(
            "jira_get_issue",
            json!({"issue_key": "DEMO-1", "comment_limit": 100}),
        )
        .await
        .json();
    let theirs = issue["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .find(|c| c["author"]["display_name"] != "Sandbox User")
        .expect("a comment by someone else")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = sb
        .call(
            "jira_edit_comment",
            json!({"issue_key": "DEMO-1", "comment_id": theirs, "body": "mine now"}),
        )
        .await;
    assert!(r.is_error && r.text.contains("403"), "{}", r.text);
    sb.stop().await;
}

#[tokio::test]
async fn writes_outside_the_project_filter_are_refused_and_change_nothing() {
    let sb = spawn_with_sandbox("server", &[("JIRA_PROJECTS_FILTER", "OPS")]).await;
    let before = sandbox_get(&sb, "server", "/issue/DEMO-3").await;
    for (tool, args) in [
        (
            "jira_add_comment",
            json!({"issue_key": "DEMO-3", "body": "sneaky"}),
        ),
        (
            "jira_edit_comment",
            json!({"issue_key": "DEMO-3", "comment_id": "1", "body": "sneaky"}),
        ),
        (
            "jira_transition_issue",
            json!({"issue_key": "DEMO-3", "transition_id": "11"}),
        ),
        ("jira_get_transitions", json!({"issue_key": "DEMO-3"})),
        (
            "jira_add_comment",
            json!({"issue_key": "10001", "body": "by id"}),
        ),
    ] {
        let r = sb.call(tool, args).await;
        assert!(r.is_error, "{tool}: {}", r.text);
        assert!(r.text.contains("OPS"), "{tool}: {}", r.text);
    }
    let after = sandbox_get(&sb, "server", "/issue/DEMO-3").await;
    assert_eq!(
        before["fields"]["comment"]["total"],
        after["fields"]["comment"]["total"]
    );
    assert_eq!(before["fields"]["status"], after["fields"]["status"]);
    assert_eq!(before["fields"]["updated"], after["fields"]["updated"]);
    let ok = sb
        .call(
            "jira_add_comment",
            json!({"issue_key": "OPS-2", "body": "allowed"}),
        )
        .await
        .json();
    assert_eq!(ok["issue_key"], "OPS-2");
    sb.stop().await;
}

#[tokio::test]
async fn read_only_mode_hides_the_comment_and_transition_writes() {
    let sb = spawn_with_sandbox("cloud", &[("READ_ONLY_MODE", "true")]).await;
    let (session, _) = sb.app.initialize().await;
    let s = session.as_deref();
    let list = sb.app.rpc(s, 2, "tools/list", json!({})).await;
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert!(names.contains(&"jira_get_transitions"), "{names:?}");
    for write in [
        "jira_transition_issue",
        "jira_add_comment",
        "jira_edit_comment",
    ] {
        assert!(!names.contains(&write), "{names:?}");
        let call = sb
            .app
            .rpc(s, 3, "tools/call", json!({"name": write, "arguments": {"issue_key": "DEMO-1", "body": "x", "transition_id": "11", "comment_id": "1"}}))
            .await;
        assert_eq!(call["error"]["code"], -32602, "{call}");
    }
    sb.stop().await;
}
