//! Users and watchers end to end against the sandbox, in Cloud and Server/DC mode:
//! profiles by every kind of identifier, assignable-user search, and watcher changes read
//! back from the sandbox.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};

const ALICE_ACCOUNT: &str = "5b10a2844c20165700ede022";

/// A direct read from the sandbox (not through the tools), to check state.
pub async fn sandbox_get(sb: &SandboxApp, path: &str) -> Value {
    let r = sb
        .app
        .client
        .get(format!("http://{}{path}", sb.sandbox))
        .bearer_auth(mcp_atlassian::sandbox::SANDBOX_PAT)
        .send()
        .await
        .expect("sandbox reachable");
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.expect("json")
}

/// Calls a tool by raw JSON-RPC, for answers that are not tool results (hidden tools).
pub async fn rpc_call(sb: &SandboxApp, name: &str, args: Value) -> Value {
    let (session, _) = sb.app.initialize().await;
    sb.app
        .rpc(
            session.as_deref(),
            2,
            "tools/call",
            json!({"name": name, "arguments": args}),
        )
        .await
}

fn watcher_names(v: &Value) -> Vec<String> {
    v["watchers"]
        .as_array()
        .expect("watchers")
        .iter()
        .map(|w| w["display_name"].as_str().expect("display name").to_owned())
        .collect()
}

#[tokio::test]
async fn user_profiles_are_found_by_account_id_email_and_display_name_on_cloud() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    for ident in [ALICE_ACCOUNT, "alice@example.com", "Alice Anders"] {
        let v = sb
            .call("jira_get_user_profile", json!({"user_identifier": ident}))
            .await
            .json();
        assert_eq!(v["display_name"], "Alice Anders", "{ident}: {v}");
        assert_eq!(v["account_id"], ALICE_ACCOUNT, "{ident}");
        assert_eq!(v["email"], "alice@example.com");
        assert_eq!(v["active"], true);
    }
    let missing = sb
        .call(
            "jira_get_user_profile",
            json!({"user_identifier": "nobody@example.com"}),
        )
        .await;
    assert!(
        missing.is_error && missing.text.contains("No Jira user matches"),
        "{}",
        missing.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn user_profiles_are_found_by_user_name_and_email_on_server() {
    let sb = spawn_with_sandbox("server", &[]).await;
    for ident in ["bob", "bob@example.com", "Bob Brown"] {
        let v = sb
            .call("jira_get_user_profile", json!({"user_identifier": ident}))
            .await
            .json();
        assert_eq!(v["display_name"], "Bob Brown", "{ident}: {v}");
        assert_eq!(v["name"], "bob");
        assert!(v.get("account_id").is_none(), "{v}");
    }
    sb.stop().await;
}

#[tokio::test]
async fn assignable_users_are_searched_in_a_project_or_on_an_issue_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let v = sb
            .call(
                "jira_search_assignable_users",
                json!({"query": "car", "project_key": "DEMO"}),
            )
            .await
            .json();
        assert_eq!(v["count"], 1, "{flavour}: {v}");
        assert_eq!(v["users"][0]["display_name"], "Carol Chen");
        let id_field = if flavour == "cloud" {
            "account_id"
        } else {
            "name"
        };
        assert!(v["users"][0][id_field].is_string(), "{flavour}: {v}");
        let all = sb
            .call(
                "jira_search_assignable_users",
                json!({"query": "", "issue_key": "OPS-2", "limit": 3}),
            )
            .await
            .json();
        assert_eq!(all["count"], 3, "{flavour}: limit applies: {all}");
        let nowhere = sb
            .call("jira_search_assignable_users", json!({"query": "a"}))
            .await;
        assert!(
            nowhere.is_error && nowhere.text.contains("project_key"),
            "{}",
            nowhere.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn assignable_user_search_stays_inside_the_project_filter() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
    let r = sb
        .call(
            "jira_search_assignable_users",
            json!({"query": "a", "project_key": "OPS"}),
        )
        .await;
    assert!(r.is_error && r.text.contains("outside"), "{}", r.text);
    sb.stop().await;
}

#[tokio::test]
async fn watchers_are_listed_added_and_removed_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let api = if flavour == "cloud" { 3 } else { 2 };
        // DEMO-1 is reported by Alice and assigned to the sandbox user.
        let before = sb
            .call("jira_get_issue_watchers", json!({"issue_key": "DEMO-1"}))
            .await
            .json();
        let mut names = watcher_names(&before);
        names.sort();
        assert_eq!(
            names,
            ["Alice Anders", "Sandbox User"],
            "{flavour}: {before}"
        );
        assert_eq!(before["watch_count"], 2);
        assert_eq!(before["is_watching"], true);

        let added = sb
            .call(
                "jira_add_watcher",
                json!({"issue_key": "DEMO-1", "user_identifier": "erin@example.com"}),
            )
            .await
            .json();
        assert_eq!(added["watcher"]["display_name"], "Erin Evans", "{added}");
        let raw = sandbox_get(&sb, &format!("/rest/api/{api}/issue/DEMO-1/watchers")).await;
        assert_eq!(raw["watchCount"], 3, "{flavour}: {raw}");
        let after = sb
            .call("jira_get_issue_watchers", json!({"issue_key": "DEMO-1"}))
            .await
            .json();
        assert!(watcher_names(&after).contains(&"Erin Evans".to_owned()));

        let erin = added["watcher"]
            .get(if flavour == "cloud" {
                "account_id"
            } else {
                "name"
            })
            .and_then(Value::as_str)
            .expect("erin's id")
            .to_owned();
        let arg = if flavour == "cloud" {
            "account_id"
        } else {
            "username"
        };
        let removed = sb
            .call(
                "jira_remove_watcher",
                json!({"issue_key": "DEMO-1", arg: erin}),
            )
            .await
            .json();
        assert_eq!(removed["removed"], true);
        let raw = sandbox_get(&sb, &format!("/rest/api/{api}/issue/DEMO-1/watchers")).await;
        assert_eq!(raw["watchCount"], 2, "{flavour}: {raw}");
        let nobody = sb
            .call("jira_remove_watcher", json!({"issue_key": "DEMO-1"}))
            .await;
        assert!(
            nobody.is_error && nobody.text.contains("account_id"),
            "{}",
            nobody.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn watcher_changes_outside_the_project_filter_are_refused_before_jira_is_called() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
    // Every upstream call would fail: a refusal must come from the filter, not from Jira.
    sb.faults(json!({"errors": {"status": 500, "count": 100}}))
        .await;
    for (tool, args) in [
        (
            "jira_add_watcher",
            json!({"issue_key": "OPS-1", "user_identifier": ALICE_ACCOUNT}),
        ),
        (
            "jira_remove_watcher",
            json!({"issue_key": "OPS-1", "account_id": ALICE_ACCOUNT}),
        ),
        (
            "jira_add_watcher",
            json!({"issue_key": "10001", "user_identifier": ALICE_ACCOUNT}),
        ),
    ] {
        let r = sb.call(tool, args).await;
        assert!(r.is_error && r.text.contains("DEMO"), "{tool}: {}", r.text);
    }
    let left = sb.remaining_faults().await;
    assert_eq!(
        left["errors"]["count"], 100,
        "no upstream call was made: {left}"
    );
    sb.stop().await;
}

#[tokio::test]
async fn read_only_mode_hides_the_watcher_writes() {
    let sb = spawn_with_sandbox("cloud", &[("READ_ONLY_MODE", "true")]).await;
    for tool in ["jira_add_watcher", "jira_remove_watcher"] {
        let r = rpc_call(&sb, tool, json!({"issue_key": "DEMO-1", "account_id": "x"})).await;
        assert_eq!(r["error"]["code"], -32602, "{tool}: {r}");
    }
    let read = sb
        .call("jira_get_issue_watchers", json!({"issue_key": "DEMO-1"}))
        .await
        .json();
    assert_eq!(read["watch_count"], 2, "{read}");
    sb.stop().await;
}

#[tokio::test]
async fn user_watcher_worklog_project_and_link_tools_are_listed_small_with_honest_annotations() {
    let sb = spawn_with_sandbox("server", &[]).await;
    let (session, _) = sb.app.initialize().await;
    let list = sb
        .app
        .rpc(session.as_deref(), 2, "tools/list", json!({}))
        .await;
    let tools = list["result"]["tools"].as_array().expect("tools");
    let find = |name: &str| {
        tools
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} listed on Server/DC"))
    };
    let mut total = 0;
    for (name, read_only, destructive) in [
        ("jira_get_user_profile", true, false),
        ("jira_search_assignable_users", true, false),
        ("jira_get_issue_watchers", true, false),
        ("jira_add_watcher", false, false),
        ("jira_remove_watcher", false, true),
        ("jira_get_worklog", true, false),
        ("jira_add_worklog", false, false),
        ("jira_get_all_projects", true, false),
        ("jira_search_projects", true, false),
        ("jira_get_project_issue_types", true, false),
        ("jira_get_project_versions", true, false),
        ("jira_get_project_components", true, false),
        ("jira_get_project_fields", true, false),
        ("jira_get_create_fields", true, false),
        ("jira_create_version", false, false),
        ("jira_batch_create_versions", false, false),
        ("jira_update_version", false, false),
        ("jira_get_link_types", true, false),
        ("jira_create_issue_link", false, false),
        ("jira_create_remote_issue_link", false, false),
        ("jira_remove_issue_link", false, true),
        ("jira_link_to_epic", false, false),
    ] {
        let t = find(name);
        assert_eq!(
            t["annotations"]["readOnlyHint"].as_bool().unwrap_or(false),
            read_only,
            "{name}"
        );
        if !read_only {
            assert_eq!(t["annotations"]["destructiveHint"], destructive, "{name}");
        }
        let size = t.to_string().len();
        assert!(size < 850, "{name} takes {size} bytes of tools/list");
        total += size;
    }
    // The 48 Jira tools share 24 KB of tools/list: these 24 may take half.
    assert!(total <= 12 * 1024, "{total} bytes");
    let worklog = find("jira_add_worklog");
    assert_eq!(
        worklog["inputSchema"]["required"],
        json!(["issue_key", "time_spent"])
    );
    let assignable = find("jira_search_assignable_users");
    assert_eq!(
        assignable["inputSchema"]["properties"]["limit"]["maximum"],
        1000
    );
    sb.stop().await;
}
