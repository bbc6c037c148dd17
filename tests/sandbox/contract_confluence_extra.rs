//! Fidelity contract for the Confluence user-search, analytics, permission and template
//! operations: each response validated against the official schema of its operation, plus
//! the behaviour the tools rely on (matching, paging, unknown names).

use serde_json::Value;

use crate::contract::assert_valid;
use crate::support::spawn_sandbox;

/// Every schema the tests below exercise.
pub const NAMES: [&str; 9] = [
    "confluence-dc-get-space-permissions",
    "confluence-dc-get-spaces",
    "confluence-cloud-v1-get-page-templates",
    "confluence-cloud-v1-get-template",
    "confluence-cloud-v2-get-space-permissions",
    "confluence-cloud-v1-check-content-permission",
    "confluence-cloud-v1-search-user",
    "confluence-dc-get-group-members",
    "confluence-cloud-v1-page-views",
];

fn names(v: &Value, key: &str) -> Vec<String> {
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let u = if r.get("user").is_some() {
                &r["user"]
            } else {
                r
            };
            u[key].as_str().expect("name").to_owned()
        })
        .collect()
}

#[tokio::test]
async fn cloud_user_search_matches_full_names_by_word_prefix() {
    let sb = spawn_sandbox().await;
    let v = sb
        .json("/wiki/rest/api/search/user?cql=user.fullname%20~%20%22car%22")
        .await;
    assert_valid("confluence-cloud-v1-search-user", &v);
    assert_eq!(names(&v, "displayName"), ["Carol Chen"]);
    let all = sb
        .json("/wiki/rest/api/search/user?cql=type%3Duser&limit=2")
        .await;
    assert_valid("confluence-cloud-v1-search-user", &all);
    assert_eq!(all["totalSize"], 6);
    assert_eq!(all["size"], 2);
    assert!(all["_links"]["next"].is_string(), "{all}");
    let bad = sb
        .get("/wiki/rest/api/search/user?cql=space%3DDEMO")
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn dc_group_members_page_through_the_group_and_unknown_groups_are_not_found() {
    let sb = spawn_sandbox().await;
    let first = sb
        .json("/rest/api/group/confluence-users/member?limit=4")
        .await;
    assert_valid("confluence-dc-get-group-members", &first);
    assert_eq!(
        names(&first, "username"),
        ["sandbox", "alice", "bob", "carol"]
    );
    assert!(first["_links"]["next"].is_string(), "{first}");
    let rest = sb
        .json("/rest/api/group/confluence-users/member?limit=4&start=4")
        .await;
    assert_eq!(names(&rest, "username"), ["dave", "erin"]);
    assert!(rest["_links"]["next"].is_null(), "{rest}");
    let admins = sb
        .json("/rest/api/group/confluence-administrators/member")
        .await;
    assert_eq!(names(&admins, "username"), ["sandbox"]);
    let missing = sb
        .get("/rest/api/group/nobody-here/member")
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn page_views_count_recorded_views_and_not_api_reads() {
    let sb = spawn_sandbox().await;
    let path = "/wiki/rest/api/analytics/content/196610/views";
    let before = sb.json(path).await;
    assert_valid("confluence-cloud-v1-page-views", &before);
    assert_eq!(before["id"], 196610);
    let n = before["count"].as_u64().expect("count");
    sb.json("/wiki/api/v2/pages/196610").await;
    let resp = sb
        .post("/__sandbox/confluence/view/196610")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    assert_eq!(sb.json(path).await["count"].as_u64(), Some(n + 1));
    let missing = sb
        .get("/wiki/rest/api/analytics/content/999999999/views")
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn content_permission_checks_follow_the_page_restrictions() {
    let sb = spawn_sandbox().await;
    let alice = "5b10a2844c20165700ede022";
    let bob = "5b10a2844c20165700ede023";
    let check = |who: &str, kind: &str, op: &str| serde_json::json!({"subject": {"type": kind, "identifier": who}, "operation": op});
    let path = "/wiki/rest/api/content/196610/permission/check";
    let open = sb
        .post(path)
        .json(&check(bob, "user", "update"))
        .send()
        .await
        .expect("check");
    let open: Value = crate::support::ok_json(open).await;
    assert_valid("confluence-cloud-v1-check-content-permission", &open);
    assert_eq!(open["hasPermission"], true);
    let resp = sb
        .put("/wiki/rest/api/content/196610/restriction")
        .json(&serde_json::json!({"results": [{"operation": "update",
            "restrictions": {"user": [{"type": "known", "accountId": alice}]}}]}))
        .send()
        .await
        .expect("restrict");
    assert_eq!(resp.status(), 200);
    for (who, kind, op, expect) in [
        (alice, "user", "update", true),
        (bob, "user", "read", true),
        (bob, "user", "delete", false),
        ("confluence-users", "group", "update", false),
    ] {
        let r = sb
            .post(path)
            .json(&check(who, kind, op))
            .send()
            .await
            .expect("check");
        let v: Value = crate::support::ok_json(r).await;
        assert_valid("confluence-cloud-v1-check-content-permission", &v);
        assert_eq!(v["hasPermission"], expect, "{who} {op}: {v}");
    }
    let bad = sb
        .post(path)
        .json(&check(bob, "user", "admin"))
        .send()
        .await
        .expect("check");
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn space_permissions_page_through_the_grants_and_unknown_spaces_are_not_found() {
    let sb = spawn_sandbox().await;
    let first = sb
        .json("/wiki/api/v2/spaces/98305/permissions?limit=5")
        .await;
    assert_valid("confluence-cloud-v2-get-space-permissions", &first);
    assert_eq!(first["results"].as_array().map(Vec::len), Some(5));
    assert_eq!(first["results"][0]["principal"]["id"], "confluence-users");
    let next = first["_links"]["next"].as_str().expect("next").to_owned();
    let rest = sb.json(&next).await;
    assert_valid("confluence-cloud-v2-get-space-permissions", &rest);
    assert_eq!(rest["results"].as_array().map(Vec::len), Some(3));
    assert!(rest["_links"]["next"].is_null(), "{rest}");
    let missing = sb
        .get("/wiki/api/v2/spaces/1/permissions")
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn each_space_has_two_templates_and_one_is_global() {
    let sb = spawn_sandbox().await;
    let demo = sb.json("/wiki/rest/api/template/page?spaceKey=DEMO").await;
    assert_valid("confluence-cloud-v1-get-page-templates", &demo);
    assert_eq!(names(&demo, "name"), ["Meeting notes", "Decision log"]);
    let global = sb.json("/wiki/rest/api/template/page").await;
    assert_eq!(names(&global, "name"), ["Checklist"]);
    let id = demo["results"][0]["templateId"]
        .as_str()
        .expect("id")
        .to_owned();
    let one = sb.json(&format!("/wiki/rest/api/template/{id}")).await;
    assert_valid("confluence-cloud-v1-get-template", &one);
    assert!(
        one["body"]["storage"]["value"]
            .as_str()
            .is_some_and(|b| b.contains("Agenda"))
    );
    let missing = sb
        .get("/wiki/rest/api/template/1")
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn data_center_space_permissions_and_space_lookup_by_id_match_the_schemas() {
    let sb = spawn_sandbox().await;
    let perms = sb.json("/rest/api/space/DEMO/permissions").await;
    assert_valid("confluence-dc-get-space-permissions", &perms);
    let first = &perms[0];
    assert_eq!(first["spaceKey"], "DEMO");
    assert_eq!(first["operation"]["operationKey"], "read");
    let missing = sb
        .get("/rest/api/space/NOPE/permissions")
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
    let by_id = sb.json("/rest/api/space?spaceId=98306").await;
    assert_valid("confluence-dc-get-spaces", &by_id);
    assert_eq!(by_id["results"][0]["key"], "ENG");
    assert_eq!(by_id["results"].as_array().map(Vec::len), Some(1));
}
