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
