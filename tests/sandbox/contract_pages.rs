//! Fidelity contract for the Confluence page-tree, page-write, version, label and comment
//! operations: a scripted sequence (create, update, comment, reply, label, move, copy) in
//! both flavours, each response validated against the official schema of its operation.

use serde_json::{Value, json};

use crate::contract::assert_valid;
use crate::support::{TestSandbox, spawn_sandbox};

/// Every schema the sequence below exercises.
pub const NAMES: [&str; 24] = [
    "confluence-cloud-v2-create-page",
    "confluence-cloud-v2-update-page",
    "confluence-cloud-v2-get-child-pages",
    "confluence-cloud-v2-get-pages-in-space",
    "confluence-cloud-v2-get-page-versions",
    "confluence-cloud-v2-get-page-labels",
    "confluence-cloud-v2-get-page-footer-comments",
    "confluence-cloud-v2-get-footer-comment",
    "confluence-cloud-v2-get-footer-comment-children",
    "confluence-cloud-v2-create-footer-comment",
    "confluence-cloud-v1-add-labels",
    "confluence-cloud-v1-move-page",
    "confluence-cloud-v1-copy-page",
    "confluence-dc-create-content",
    "confluence-dc-update-content",
    "confluence-dc-get-child-pages",
    "confluence-dc-get-comments",
    "confluence-dc-get-labels",
    "confluence-dc-add-labels",
    "confluence-dc-get-space",
    "confluence-cloud-v1-get-restrictions",
    "confluence-cloud-v1-update-restrictions",
    "confluence-dc-get-restrictions",
    "confluence-dc-update-restrictions",
];

async fn send(
    sb: &TestSandbox,
    method: &str,
    path: &str,
    body: Option<Value>,
    expect: u16,
) -> Value {
    let req = match method {
        "GET" => sb.get(path),
        "POST" => sb.post(path),
        _ => sb.put(path),
    };
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.expect("json body");
    assert_eq!(status, expect, "{method} {path}: {v}");
    v
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn cloud_page_operations_validate_against_the_official_schemas() {
    let sb = spawn_sandbox().await;
    let storage = |s: &str| json!({"representation": "storage", "value": s});
    let page = send(
        &sb,
        "POST",
        "/wiki/api/v2/pages",
        Some(json!({"spaceId": "98305", "status": "current",
        "title": "Contract page", "parentId": "196610", "body": storage("<h1>A</h1><p>one</p>")})),
        200,
    )
    .await;
    assert_valid("confluence-cloud-v2-create-page", &page);
    let pid = id(&page);
    let upd = send(&sb, "PUT", &format!("/wiki/api/v2/pages/{pid}"), Some(json!({"id": pid, "status": "current",
        "title": "Contract page", "body": storage("<p>two</p>"), "version": {"number": 2, "message": "m"}})), 200).await;
    assert_valid("confluence-cloud-v2-update-page", &upd);
    assert_eq!(upd["version"]["message"], "m", "{upd}");
    let stale = send(
        &sb,
        "PUT",
        &format!("/wiki/api/v2/pages/{pid}"),
        Some(json!({"id": pid, "status": "current",
        "title": "Contract page", "body": storage("<p>x</p>"), "version": {"number": 2}})),
        409,
    )
    .await;
    assert_eq!(stale["errors"][0]["status"], 409, "{stale}");
    for (name, path) in [
        (
            "confluence-cloud-v2-get-child-pages",
            "/wiki/api/v2/pages/196610/children?limit=1".to_owned(),
        ),
        (
            "confluence-cloud-v2-get-pages-in-space",
            "/wiki/api/v2/spaces/98305/pages?depth=all&limit=5&body-format=storage".to_owned(),
        ),
        (
            "confluence-cloud-v2-get-page-versions",
            format!("/wiki/api/v2/pages/{pid}/versions"),
        ),
        (
            "confluence-cloud-v2-get-page-labels",
            "/wiki/api/v2/pages/196610/labels".to_owned(),
        ),
    ] {
        assert_valid(name, &send(&sb, "GET", &path, None, 200).await);
    }
    let old = send(
        &sb,
        "GET",
        &format!("/wiki/api/v2/pages/{pid}?version=1&body-format=storage"),
        None,
        200,
    )
    .await;
    assert_valid("confluence-cloud-v2-get-page", &old);
    assert_eq!(old["body"]["storage"]["value"], "<h1>A</h1><p>one</p>");
    let comment = send(
        &sb,
        "POST",
        "/wiki/api/v2/footer-comments",
        Some(json!({"pageId": pid, "body": storage("<p>c</p>")})),
        201,
    )
    .await;
    assert_valid("confluence-cloud-v2-create-footer-comment", &comment);
    let reply = send(
        &sb,
        "POST",
        "/wiki/api/v2/footer-comments",
        Some(json!({"parentCommentId": id(&comment), "body": storage("<p>r</p>")})),
        201,
    )
    .await;
    assert_valid("confluence-cloud-v2-create-footer-comment", &reply);
    assert_eq!(reply["parentCommentId"], id(&comment).as_str());
    assert_valid(
        "confluence-cloud-v2-get-page-footer-comments",
        &send(
            &sb,
            "GET",
            &format!("/wiki/api/v2/pages/{pid}/footer-comments?body-format=storage"),
            None,
            200,
        )
        .await,
    );
    assert_valid(
        "confluence-cloud-v2-get-footer-comment",
        &send(
            &sb,
            "GET",
            &format!("/wiki/api/v2/footer-comments/{}", id(&reply)),
            None,
            200,
        )
        .await,
    );
    let kids = send(
        &sb,
        "GET",
        &format!(
            "/wiki/api/v2/footer-comments/{}/children?body-format=storage",
            id(&comment)
        ),
        None,
        200,
    )
    .await;
    assert_valid("confluence-cloud-v2-get-footer-comment-children", &kids);
    assert_eq!(kids["results"][0]["id"], id(&reply).as_str());
    let labels = send(
        &sb,
        "POST",
        &format!("/wiki/rest/api/content/{pid}/label"),
        Some(json!([{"prefix": "global", "name": "contract"}])),
        200,
    )
    .await;
    assert_valid("confluence-cloud-v1-add-labels", &labels);
    let moved = send(
        &sb,
        "PUT",
        &format!("/wiki/rest/api/content/{pid}/move/append/196611"),
        None,
        200,
    )
    .await;
    assert_valid("confluence-cloud-v1-move-page", &moved);
    let copy = send(&sb, "POST", &format!("/wiki/rest/api/content/{pid}/copy"), Some(json!({"destination": {"type": "space", "value": "ENG"}, "pageTitle": "Contract copy", "copyAttachments": true})), 200).await;
    assert_valid("confluence-cloud-v1-copy-page", &copy);
    let me = send(&sb, "GET", "/wiki/rest/api/user/current", None, 200).await;
    let set = send(&sb, "PUT", &format!("/wiki/rest/api/content/{pid}/restriction"), Some(json!({"results": [
        {"operation": "update", "restrictions": {"user": [{"type": "known", "accountId": me["accountId"]}], "group": [{"type": "group", "name": "confluence-users"}]}}
    ]})), 200).await;
    assert_valid("confluence-cloud-v1-update-restrictions", &set);
    let got = send(
        &sb,
        "GET",
        &format!("/wiki/rest/api/content/{pid}/restriction"),
        None,
        200,
    )
    .await;
    assert_valid("confluence-cloud-v1-get-restrictions", &got);
    assert_eq!(
        got["results"][1]["restrictions"]["user"]["results"][0]["accountId"],
        me["accountId"]
    );
}

#[tokio::test]
async fn data_center_page_operations_validate_against_the_official_schemas() {
    let sb = spawn_sandbox().await;
    let body = |s: &str| json!({"storage": {"value": s, "representation": "storage"}});
    let page = send(
        &sb,
        "POST",
        "/rest/api/content",
        Some(json!({"type": "page", "title": "DC contract",
        "space": {"key": "DEMO"}, "ancestors": [{"id": "196610"}], "body": body("<p>one</p>")})),
        200,
    )
    .await;
    assert_valid("confluence-dc-create-content", &page);
    let pid = id(&page);
    let upd = send(
        &sb,
        "PUT",
        &format!("/rest/api/content/{pid}"),
        Some(json!({"id": pid, "type": "page", "title": "DC contract",
        "body": body("<p>two</p>"), "version": {"number": 2}})),
        200,
    )
    .await;
    assert_valid("confluence-dc-update-content", &upd);
    let stale = send(
        &sb,
        "PUT",
        &format!("/rest/api/content/{pid}"),
        Some(json!({"id": pid, "type": "page", "title": "DC contract",
        "body": body("<p>x</p>"), "version": {"number": 2}})),
        409,
    )
    .await;
    assert_eq!(stale["statusCode"], 409, "{stale}");
    let old = send(
        &sb,
        "GET",
        &format!("/rest/api/content/{pid}?status=historical&version=1&expand=body.storage,version"),
        None,
        200,
    )
    .await;
    assert_valid("confluence-dc-get-content-by-id", &old);
    assert_eq!(old["body"]["storage"]["value"], "<p>one</p>");
    assert_valid(
        "confluence-dc-get-child-pages",
        &send(
            &sb,
            "GET",
            "/rest/api/content/196609/child/page?limit=2&expand=version",
            None,
            200,
        )
        .await,
    );
    let comment = send(&sb, "POST", "/rest/api/content", Some(json!({"type": "comment", "container": {"id": pid, "type": "page"}, "body": body("<p>c</p>")})), 200).await;
    assert_valid("confluence-dc-create-content", &comment);
    let reply = send(
        &sb,
        "POST",
        "/rest/api/content",
        Some(
            json!({"type": "comment", "container": {"id": pid, "type": "page"},
        "ancestors": [{"id": id(&comment)}], "body": body("<p>r</p>")}),
        ),
        200,
    )
    .await;
    assert_valid("confluence-dc-create-content", &reply);
    let all = send(
        &sb,
        "GET",
        &format!(
            "/rest/api/content/{pid}/child/comment?depth=all&expand=body.storage,history,ancestors"
        ),
        None,
        200,
    )
    .await;
    assert_valid("confluence-dc-get-comments", &all);
    assert_eq!(
        all["results"][1]["ancestors"][0]["id"],
        id(&comment).as_str()
    );
    assert_valid(
        "confluence-dc-add-labels",
        &send(
            &sb,
            "POST",
            &format!("/rest/api/content/{pid}/label"),
            Some(json!([{"prefix": "global", "name": "contract"}])),
            200,
        )
        .await,
    );
    let labels = send(
        &sb,
        "GET",
        &format!("/rest/api/content/{pid}/label"),
        None,
        200,
    )
    .await;
    assert_valid("confluence-dc-get-labels", &labels);
    assert_eq!(labels["results"][0]["name"], "contract");
    let space = send(&sb, "GET", "/rest/api/space/ENG?expand=homepage", None, 200).await;
    assert_valid("confluence-dc-get-space", &space);
    assert_eq!(space["homepage"]["title"], "Engineering Home");
    let me = send(&sb, "GET", "/rest/api/user/current", None, 200).await;
    let set = send(&sb, "PUT", &format!("/rest/api/content/{pid}/restriction"), Some(json!([
        {"operation": "read", "restrictions": {"user": [{"type": "known", "username": me["username"]}], "group": [{"type": "group", "name": "confluence-users"}]}}
    ])), 200).await;
    assert_valid("confluence-dc-update-restrictions", &set);
    let got = send(
        &sb,
        "GET",
        &format!("/rest/api/content/{pid}/restriction/byOperation"),
        None,
        200,
    )
    .await;
    assert_valid("confluence-dc-get-restrictions", &got);
    assert_eq!(
        got["restrictions"]["read"]["restrictions"]["group"]["results"][0]["name"],
        "confluence-users"
    );
}
