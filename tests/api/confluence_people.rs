//! Confluence user search, page views, permissions and templates end to end in the flavours
//! each tool supports, asserting on what the sandbox holds.

use serde_json::json;

use crate::helpers::spawn_with_sandbox;

#[tokio::test]
async fn searching_users_by_name_finds_the_matching_people_in_both_flavours() {
    for (flavour, id_key, id) in [
        ("cloud", "account_id", "5b10a2844c20165700ede024"),
        ("server", "name", "carol"),
    ] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let v = sb
            .call("confluence_search_user", json!({"query": "carol"}))
            .await
            .json();
        assert_eq!(v["total"], 1, "{flavour}: {v}");
        assert_eq!(v["users"][0]["display_name"], "Carol Chen", "{flavour}");
        assert_eq!(v["users"][0][id_key], id, "{flavour}: {v}");
        let cql = sb
            .call(
                "confluence_search_user",
                json!({"query": "user.fullname ~ \"bob\""}),
            )
            .await
            .json();
        assert_eq!(
            cql["users"][0]["display_name"], "Bob Brown",
            "{flavour}: {cql}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn server_user_search_reads_the_named_group_and_reports_an_unknown_one() {
    let sb = spawn_with_sandbox("server", &[]).await;
    let admins = sb
        .call(
            "confluence_search_user",
            json!({"query": "user", "group_name": "confluence-administrators"}),
        )
        .await
        .json();
    assert_eq!(
        admins["users"],
        json!([{"display_name": "Sandbox User", "name": "sandbox"}])
    );
    let none = sb
        .call(
            "confluence_search_user",
            json!({"query": "alice", "group_name": "confluence-administrators"}),
        )
        .await
        .json();
    assert_eq!(none["total"], 0, "{none}");
    let missing = sb
        .call(
            "confluence_search_user",
            json!({"query": "alice", "group_name": "no-such-group"}),
        )
        .await;
    assert!(missing.is_error, "{}", missing.text);
    let capped = sb
        .call("confluence_search_user", json!({"query": "a", "limit": 2}))
        .await
        .json();
    assert_eq!(capped["total"], 2, "{capped}");
    sb.stop().await;
}

#[tokio::test]
async fn page_views_report_the_recorded_count_with_the_title_on_cloud_only() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let before = sb
        .call("confluence_get_page_views", json!({"page_id": "196610"}))
        .await
        .json();
    assert_eq!(before["page_id"], "196610", "{before}");
    assert!(before["title"].is_string(), "{before}");
    let n = before["views"].as_u64().expect("views");
    let resp = reqwest::Client::new()
        .post(format!(
            "http://{}/__sandbox/confluence/view/196610",
            sb.sandbox
        ))
        .send()
        .await
        .expect("record view");
    assert_eq!(resp.status(), 204);
    let after = sb
        .call(
            "confluence_get_page_views",
            json!({"page_id": "196610", "include_title": false}),
        )
        .await
        .json();
    assert_eq!(after, json!({"page_id": "196610", "views": n + 1}));
    sb.stop().await;
    let dc = spawn_with_sandbox("server", &[]).await;
    let (session, _) = dc.app.initialize().await;
    let hidden = dc
        .app
        .rpc(
            session.as_deref(),
            2,
            "tools/call",
            json!({"name": "confluence_get_page_views", "arguments": {"page_id": "196610"}}),
        )
        .await;
    assert_eq!(hidden["error"]["code"], -32602, "{hidden}");
    dc.stop().await;
}

#[tokio::test]
async fn page_views_outside_the_space_filter_are_refused() {
    let sb = spawn_with_sandbox("cloud", &[("CONFLUENCE_SPACES_FILTER", "NOPE")]).await;
    let r = sb
        .call("confluence_get_page_views", json!({"page_id": "196610"}))
        .await;
    assert!(r.is_error && r.text.contains("outside"), "{}", r.text);
    sb.stop().await;
}

#[tokio::test]
async fn content_permission_checks_reflect_restrictions_set_on_the_page() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let alice = "5b10a2844c20165700ede022";
    let bob = "5b10a2844c20165700ede023";
    let check = |who: &str, op: &str| json!({"content_id": "196610", "user_identifier": who, "operation": op});
    let open = sb
        .call("confluence_check_content_permissions", check(bob, "update"))
        .await
        .json();
    assert_eq!(open["has_permission"], true, "{open}");
    sb.call(
        "confluence_set_page_restrictions",
        json!({"page_id": "196610", "edit_users": [alice]}),
    )
    .await
    .json();
    let denied = sb
        .call("confluence_check_content_permissions", check(bob, "update"))
        .await
        .json();
    assert_eq!(denied["has_permission"], false, "{denied}");
    assert!(
        denied["reasons"][0]
            .as_str()
            .is_some_and(|r| r.contains("permission")),
        "{denied}"
    );
    let allowed = sb
        .call(
            "confluence_check_content_permissions",
            check(alice, "delete"),
        )
        .await
        .json();
    assert_eq!(allowed["has_permission"], true, "{allowed}");
    let group = sb
        .call(
            "confluence_check_content_permissions",
            json!({"content_id": "196610", "user_identifier": "confluence-users",
                "operation": "read", "subject_type": "group"}),
        )
        .await
        .json();
    assert_eq!(group["has_permission"], true, "{group}");
    let bad = sb
        .call("confluence_check_content_permissions", check(bob, "admin"))
        .await;
    assert!(
        bad.is_error && bad.text.contains("read, update or delete"),
        "{}",
        bad.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn space_permissions_are_listed_page_by_page_within_the_space_filter() {
    let sb = spawn_with_sandbox("cloud", &[("CONFLUENCE_SPACES_FILTER", "DEMO")]).await;
    let first = sb
        .call(
            "confluence_get_space_permissions",
            json!({"space_id": "98305", "limit": 6}),
        )
        .await
        .json();
    assert_eq!(
        first["permissions"][0],
        json!({"principal_type": "group", "principal_id": "confluence-users",
            "operation": "read", "target": "space"})
    );
    let cursor = first["next_cursor"]
        .as_str()
        .expect("next_cursor")
        .to_owned();
    let rest = sb
        .call(
            "confluence_get_space_permissions",
            json!({"space_id": "98305", "limit": 6, "cursor": cursor}),
        )
        .await
        .json();
    assert_eq!(
        rest["permissions"].as_array().map(Vec::len),
        Some(2),
        "{rest}"
    );
    assert_eq!(rest["permissions"][1]["operation"], "administer");
    assert!(rest.get("next_cursor").is_none(), "{rest}");
    let outside = sb
        .call(
            "confluence_get_space_permissions",
            json!({"space_id": "98306"}),
        )
        .await;
    assert!(
        outside.is_error && outside.text.contains("outside"),
        "{}",
        outside.text
    );
    let key = sb
        .call(
            "confluence_get_space_permissions",
            json!({"space_id": "DEMO"}),
        )
        .await;
    assert!(key.is_error && key.text.contains("numeric"), "{}", key.text);
    sb.stop().await;
}

#[tokio::test]
async fn data_center_space_permissions_are_found_by_id_or_key_and_paged_by_the_tool() {
    let sb = spawn_with_sandbox("server", &[("CONFLUENCE_SPACES_FILTER", "DEMO")]).await;
    let first = sb
        .call(
            "confluence_get_space_permissions",
            json!({"space_id": "98305", "limit": 5}),
        )
        .await
        .json();
    assert_eq!(first["space_key"], "DEMO", "{first}");
    assert_eq!(
        first["permissions"][0],
        json!({"principal_type": "group", "principal_id": "confluence-users",
            "operation": "read", "target": "space"})
    );
    assert_eq!(first["next_cursor"], "5", "{first}");
    let rest = sb
        .call(
            "confluence_get_space_permissions",
            json!({"space_id": "DEMO", "limit": 5, "cursor": "5"}),
        )
        .await
        .json();
    let rest = rest["permissions"].as_array().expect("permissions").clone();
    assert_eq!(rest.len(), 3, "{rest:?}");
    assert_eq!(
        rest[2],
        json!({"principal_type": "user", "principal_id": "Sandbox User",
            "operation": "administer", "target": "space"})
    );
    for (space, want) in [
        ("ENG", "outside"),
        ("98306", "outside"),
        ("4242", "No space"),
    ] {
        let r = sb
            .call(
                "confluence_get_space_permissions",
                json!({"space_id": space}),
            )
            .await;
        assert!(r.is_error && r.text.contains(want), "{space}: {}", r.text);
    }
    let bad = sb
        .call(
            "confluence_get_space_permissions",
            json!({"space_id": "DEMO", "cursor": "later"}),
        )
        .await;
    assert!(
        bad.is_error && bad.text.contains("next_cursor"),
        "{}",
        bad.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn a_page_created_from_a_template_carries_the_template_body_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let list = sb
            .call(
                "confluence_list_page_templates",
                json!({"space_key": "ENG"}),
            )
            .await
            .json();
        assert_eq!(
            list["templates"][0]["name"], "Meeting notes",
            "{flavour}: {list}"
        );
        assert_eq!(
            list["templates"].as_array().map(Vec::len),
            Some(2),
            "{list}"
        );
        let id = list["templates"][0]["id"].as_str().expect("id").to_owned();
        let t = sb
            .call("confluence_get_page_template", json!({"template_id": id}))
            .await
            .json();
        assert!(
            t["body"].as_str().is_some_and(|b| b.contains("Agenda")),
            "{t}"
        );
        let made = sb
            .call(
                "confluence_create_page_from_template",
                json!({"space_key": "ENG", "title": "Sync 2025-03-03", "template_id": id}),
            )
            .await
            .json();
        let page = sb
            .call("confluence_get_page", json!({"page_id": made["id"]}))
            .await
            .json();
        assert_eq!(page["title"], "Sync 2025-03-03", "{flavour}: {page}");
        assert!(
            page.to_string().contains("Engineering weekly sync"),
            "{page}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn template_page_creation_is_refused_outside_the_space_filter_and_in_read_only_mode() {
    let sb = spawn_with_sandbox("cloud", &[("CONFLUENCE_SPACES_FILTER", "DEMO")]).await;
    let r = sb
        .call(
            "confluence_create_page_from_template",
            json!({"space_key": "ENG", "title": "X", "template_id": "1310740"}),
        )
        .await;
    assert!(r.is_error && r.text.contains("outside"), "{}", r.text);
    sb.stop().await;
    let ro = spawn_with_sandbox("cloud", &[("READ_ONLY_MODE", "true")]).await;
    let (session, _) = ro.app.initialize().await;
    let call = ro
        .app
        .rpc(
            session.as_deref(),
            2,
            "tools/call",
            json!({"name": "confluence_create_page_from_template",
            "arguments": {"space_key": "ENG", "title": "X", "template_id": "1310740"}}),
        )
        .await;
    assert!(
        call["error"].is_object() || call["result"]["isError"] == true,
        "{call}"
    );
    ro.stop().await;
}
