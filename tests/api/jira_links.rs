//! Issue links, web links and epics end to end against the sandbox in Cloud and Server/DC
//! mode: links are read back from both issues, removal is checked, and filters and
//! read-only mode refuse writes.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};
use crate::jira_people::{rpc_call, sandbox_get};

const FLAVOURS: [&str; 2] = ["cloud", "server"];

fn api(flavour: &str) -> u8 {
    if flavour == "cloud" { 3 } else { 2 }
}

/// The links of `key` to `other`, as (type, direction) pairs read from the sandbox.
async fn links_between(
    sb: &SandboxApp,
    flavour: &str,
    key: &str,
    other: &str,
) -> Vec<(String, String, String)> {
    let issue = sandbox_get(
        sb,
        &format!("/rest/api/{}/issue/{key}?fields=issuelinks", api(flavour)),
    )
    .await;
    issue["fields"]["issuelinks"]
        .as_array()
        .expect("issuelinks")
        .iter()
        .filter_map(|l| {
            let (side, target) = if l["outwardIssue"].is_object() {
                ("outward", &l["outwardIssue"])
            } else {
                ("inward", &l["inwardIssue"])
            };
            (target["key"] == other).then(|| {
                (
                    l["type"]["name"].as_str().unwrap_or_default().to_owned(),
                    side.to_owned(),
                    l["id"].as_str().unwrap_or_default().to_owned(),
                )
            })
        })
        .collect()
}

#[tokio::test]
async fn link_types_are_listed_and_filtered_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let all = sb.call("jira_get_link_types", json!({})).await.json();
        assert_eq!(all["count"], 4, "{flavour}: {all}");
        let dup = sb
            .call("jira_get_link_types", json!({"name_filter": "dup"}))
            .await
            .json();
        assert_eq!(dup["link_types"][0]["name"], "Duplicate", "{dup}");
        assert_eq!(dup["link_types"][0]["outward"], "duplicates");
        assert_eq!(dup["link_types"][0]["inward"], "is duplicated by");
        sb.stop().await;
    }
}

#[tokio::test]
async fn issue_links_are_visible_from_both_issues_and_can_be_removed_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let made = sb
            .call(
                "jira_create_issue_link",
                json!({"link_type": "Duplicate", "inward_issue_key": "DEMO-6",
                       "outward_issue_key": "OPS-6", "comment": "Same **bug**",
                       "comment_visibility": "role:Developers"}),
            )
            .await
            .json();
        assert_eq!(made["link"], "DEMO-6 duplicates OPS-6", "{flavour}: {made}");
        let from = links_between(&sb, flavour, "DEMO-6", "OPS-6").await;
        let to = links_between(&sb, flavour, "OPS-6", "DEMO-6").await;
        assert_eq!(from.len(), 1, "{flavour}: {from:?}");
        assert_eq!(
            (from[0].0.as_str(), from[0].1.as_str()),
            ("Duplicate", "outward")
        );
        assert_eq!(
            (to[0].0.as_str(), to[0].1.as_str()),
            ("Duplicate", "inward")
        );
        assert_eq!(from[0].2, to[0].2, "one link, seen from both sides");
        let comments = sandbox_get(
            &sb,
            &format!("/rest/api/{}/issue/DEMO-6/comment", api(flavour)),
        )
        .await;
        let last = comments["comments"]
            .as_array()
            .and_then(|c| c.last())
            .cloned()
            .unwrap_or(Value::Null);
        assert!(
            last["body"].to_string().contains("bug"),
            "{flavour}: {last}"
        );

        // Named by its inward description, the type reads backwards.
        let back = sb
            .call(
                "jira_create_issue_link",
                json!({"link_type": "is blocked by", "inward_issue_key": "DEMO-8", "outward_issue_key": "DEMO-9"}),
            )
            .await
            .json();
        assert_eq!(back["link"], "DEMO-9 blocks DEMO-8", "{back}");

        // An agent finds the link id through jira_get_issue.
        let seen = sb
            .call(
                "jira_get_issue",
                json!({"issue_key": "OPS-6", "fields": "issuelinks", "comment_limit": 0}),
            )
            .await
            .json();
        let link_id = seen["fields"]["issuelinks"]
            .as_array()
            .and_then(|l| l.iter().find(|l| l["inwardIssue"]["key"] == "DEMO-6"))
            .and_then(|l| l["id"].as_str())
            .unwrap_or_else(|| panic!("{flavour}: link in {seen}"))
            .to_owned();
        assert_eq!(link_id, from[0].2);
        let removed = sb
            .call("jira_remove_issue_link", json!({"link_id": link_id}))
            .await
            .json();
        assert_eq!(removed["removed"], true, "{removed}");
        assert!(
            links_between(&sb, flavour, "DEMO-6", "OPS-6")
                .await
                .is_empty()
        );
        assert!(
            links_between(&sb, flavour, "OPS-6", "DEMO-6")
                .await
                .is_empty()
        );
        let gone = sb
            .call("jira_remove_issue_link", json!({"link_id": from[0].2}))
            .await;
        assert!(gone.is_error && gone.text.contains("404"), "{}", gone.text);
        let unknown = sb
            .call(
                "jira_create_issue_link",
                json!({"link_type": "Causes", "inward_issue_key": "DEMO-6", "outward_issue_key": "DEMO-7"}),
            )
            .await;
        assert!(
            unknown.is_error && unknown.text.contains("Blocks"),
            "{}",
            unknown.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn web_links_are_added_once_per_url_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let args = json!({"issue_key": "OPS-4", "url": "https://wiki.example.com/runbook",
                          "title": "Runbook", "summary": "How to restart", "relationship": "documented in"});
        let first = sb
            .call("jira_create_remote_issue_link", args.clone())
            .await
            .json();
        assert_eq!(first["title"], "Runbook", "{flavour}: {first}");
        let again = sb.call("jira_create_remote_issue_link", args).await.json();
        assert_eq!(first["id"], again["id"], "same URL updates the link");
        let stored = sandbox_get(
            &sb,
            &format!("/rest/api/{}/issue/OPS-4/remotelink", api(flavour)),
        )
        .await;
        let list = stored.as_array().expect("links");
        assert_eq!(list.len(), 1, "{flavour}: {stored}");
        assert_eq!(list[0]["object"]["url"], "https://wiki.example.com/runbook");
        assert_eq!(list[0]["object"]["summary"], "How to restart");
        assert_eq!(list[0]["relationship"], "documented in");
        let bad = sb
            .call(
                "jira_create_remote_issue_link",
                json!({"issue_key": "OPS-4", "url": "wiki/runbook", "title": "x"}),
            )
            .await;
        assert!(bad.is_error && bad.text.contains("http"), "{}", bad.text);
        sb.stop().await;
    }
}

#[tokio::test]
async fn issues_are_moved_into_epics_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        // DEMO-2..DEMO-5 are the seed's epics.
        let r = sb
            .call(
                "jira_link_to_epic",
                json!({"issue_key": "DEMO-20", "epic_key": "DEMO-3"}),
            )
            .await
            .json();
        assert_eq!(r["linked"], true, "{flavour}: {r}");
        let issue = sandbox_get(&sb, &format!("/rest/api/{}/issue/DEMO-20", api(flavour))).await;
        let epic = if flavour == "cloud" {
            &issue["fields"]["parent"]["key"]
        } else {
            &issue["fields"]["customfield_10014"]
        };
        assert_eq!(epic, "DEMO-3", "{flavour}");
        let not_epic = sb
            .call(
                "jira_link_to_epic",
                json!({"issue_key": "DEMO-20", "epic_key": "DEMO-21"}),
            )
            .await;
        assert!(
            not_epic.is_error && not_epic.text.contains("not an epic"),
            "{}",
            not_epic.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn link_writes_outside_the_filter_or_in_read_only_mode_are_refused() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
    sb.faults(json!({"errors": {"status": 500, "count": 100}}))
        .await;
    for (tool, args) in [
        (
            "jira_create_issue_link",
            json!({"link_type": "Blocks", "inward_issue_key": "DEMO-1", "outward_issue_key": "OPS-1"}),
        ),
        (
            "jira_create_remote_issue_link",
            json!({"issue_key": "MKT-1", "url": "https://example.com", "title": "x"}),
        ),
        (
            "jira_link_to_epic",
            json!({"issue_key": "OPS-9", "epic_key": "DEMO-3"}),
        ),
    ] {
        let r = sb.call(tool, args).await;
        assert!(
            r.is_error && r.text.contains("outside"),
            "{tool}: {}",
            r.text
        );
    }
    assert_eq!(
        sb.remaining_faults().await["errors"]["count"],
        100,
        "no upstream call"
    );
    sb.faults(json!({})).await;
    let cross = sb
        .app
        .client
        .post(format!("http://{}/rest/api/3/issueLink", sb.sandbox))
        .basic_auth(mcp_atlassian::sandbox::SANDBOX_EMAIL, Some(mcp_atlassian::sandbox::SANDBOX_API_TOKEN))
        .json(&json!({"type": {"name": "Relates"}, "inwardIssue": {"key": "DEMO-11"}, "outwardIssue": {"key": "OPS-11"}}))
        .send()
        .await
        .expect("link made directly");
    assert_eq!(cross.status(), 201);
    let issue = sandbox_get(&sb, "/rest/api/3/issue/DEMO-11?fields=issuelinks").await;
    let id = issue["fields"]["issuelinks"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["outwardIssue"]["key"] == "OPS-11"))
        .and_then(|l| l["id"].as_str())
        .expect("cross-project link")
        .to_owned();
    let r = sb
        .call("jira_remove_issue_link", json!({"link_id": id}))
        .await;
    assert!(r.is_error && r.text.contains("outside"), "{}", r.text);
    let still = sandbox_get(&sb, &format!("/rest/api/3/issueLink/{id}")).await;
    assert_eq!(still["id"], id.as_str());
    sb.stop().await;

    let sb = spawn_with_sandbox("server", &[("READ_ONLY_MODE", "true")]).await;
    for tool in [
        "jira_create_issue_link",
        "jira_create_remote_issue_link",
        "jira_remove_issue_link",
        "jira_link_to_epic",
    ] {
        let r = rpc_call(&sb, tool, json!({"link_id": "1"})).await;
        assert_eq!(r["error"]["code"], -32602, "{tool}: {r}");
    }
    sb.stop().await;
}
