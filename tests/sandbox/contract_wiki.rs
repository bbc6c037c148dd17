//! Fidelity contract for Confluence operations the official documents list and the
//! reference client calls: seeded page history, Data Center search results, history and
//! content properties, Cloud v2 direct children, Cloud v1 restrictions by operation, and
//! the rendered (`view`) body forms. Each test names the spec operation (operationId from
//! `confluence-cloud-v1.json`, `confluence-cloud-v2.json`, `confluence-dc-10.0.3.json`).

use serde_json::Value;

use crate::contract::assert_valid;
use crate::support::{TestSandbox, spawn_sandbox};
use mcp_atlassian::sandbox::RICH_PAGE_ID;

/// Every schema these tests validate against.
pub const NAMES: [&str; 5] = [
    "confluence-dc-search-results",
    "confluence-dc-get-history",
    "confluence-dc-get-properties",
    "confluence-cloud-v2-get-page-direct-children",
    "confluence-cloud-v1-get-restrictions-by-operation",
];

async fn status_of(sb: &TestSandbox, path: &str) -> (u16, Value) {
    let resp = sb.get(path).send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// `getPageVersions` (v2 `GET /pages/{id}/versions`) and `getPageById` with `version`:
/// every seeded page at version N lists N versions, and each earlier one can be read.
#[tokio::test]
async fn every_seeded_page_has_its_earlier_versions() {
    let sb = spawn_sandbox().await;
    let pages = sb.json("/wiki/api/v2/pages?limit=250").await;
    let mut checked = 0;
    for p in pages["results"].as_array().expect("pages") {
        let id = p["id"].as_str().expect("id");
        let n = p["version"]["number"].as_u64().expect("version");
        let versions = sb
            .json(&format!("/wiki/api/v2/pages/{id}/versions?limit=50"))
            .await;
        let numbers: Vec<u64> = versions["results"]
            .as_array()
            .expect("versions")
            .iter()
            .filter_map(|v| v["number"].as_u64())
            .collect();
        assert_eq!(numbers, (1..=n).rev().collect::<Vec<_>>(), "page {id}");
        if n > 1 {
            let old = sb
                .json(&format!(
                    "/wiki/api/v2/pages/{id}?version=1&body-format=storage"
                ))
                .await;
            assert_eq!(old["version"]["number"], 1, "page {id}");
            let now = sb
                .json(&format!("/wiki/api/v2/pages/{id}?body-format=storage"))
                .await;
            assert_ne!(
                old["body"]["storage"]["value"], now["body"]["storage"]["value"],
                "page {id}"
            );
            let dc = sb
                .json(&format!(
                    "/rest/api/content/{id}?status=historical&version=1&expand=body.storage,version"
                ))
                .await;
            assert_eq!(dc["version"]["number"], 1, "DC page {id}: {dc}");
            checked += 1;
        }
    }
    assert!(checked > 3, "only {checked} seeded pages have history");
}

/// DC `search_1` (`GET /rest/api/search`): CQL results in search-result form, paged.
#[tokio::test]
async fn dc_search_answers_search_results() {
    let sb = spawn_sandbox().await;
    let v = sb.json("/rest/api/search?cql=type%3Dpage&limit=3").await;
    assert_valid("confluence-dc-search-results", &v);
    assert_eq!(v["results"].as_array().map(Vec::len), Some(3));
    assert!(v["results"][0]["content"]["id"].is_string(), "{v}");
    assert!(
        v["_links"]["next"]
            .as_str()
            .is_some_and(|n| n.starts_with("/rest/api/search?"))
    );
    let (status, _) = status_of(&sb, "/rest/api/search").await;
    assert_eq!(status, 400, "cql is required");
}

/// DC `getHistory` (`GET /rest/api/content/{id}/history`) and `findAll`
/// (`GET /rest/api/content/{id}/property`).
#[tokio::test]
async fn dc_history_and_properties() {
    let sb = spawn_sandbox().await;
    let pages = sb.json("/wiki/api/v2/pages?limit=250").await;
    let multi = pages["results"]
        .as_array()
        .expect("pages")
        .iter()
        .find(|p| p["version"]["number"].as_u64().unwrap_or(0) > 1)
        .expect("a seeded page with history");
    let id = multi["id"].as_str().expect("id");
    let h = sb.json(&format!("/rest/api/content/{id}/history")).await;
    assert_valid("confluence-dc-get-history", &h);
    assert_eq!(h["lastUpdated"]["number"], multi["version"]["number"]);
    assert_eq!(
        h["previousVersion"]["number"].as_u64(),
        multi["version"]["number"].as_u64().map(|n| n - 1)
    );
    let props = sb.json(&format!("/rest/api/content/{id}/property")).await;
    assert_valid("confluence-dc-get-properties", &props);
    assert_eq!(props["size"], 0);
    let (status, _) = status_of(&sb, "/rest/api/content/999999/history").await;
    assert_eq!(status, 404);
    let (status, _) = status_of(&sb, "/rest/api/content/999999/property").await;
    assert_eq!(status, 404);
}

/// v2 `getPageDirectChildren` (`GET /pages/{id}/direct-children`): the same children as
/// `getChildPages`, each with its `type`.
#[tokio::test]
async fn v2_direct_children_lists_typed_children() {
    let sb = spawn_sandbox().await;
    let pages = sb.json("/wiki/api/v2/pages?limit=250").await;
    let parent = pages["results"]
        .as_array()
        .expect("pages")
        .iter()
        .find_map(|p| p["parentId"].as_str())
        .expect("a child page")
        .to_owned();
    let direct = sb
        .json(&format!("/wiki/api/v2/pages/{parent}/direct-children"))
        .await;
    assert_valid("confluence-cloud-v2-get-page-direct-children", &direct);
    let children = sb
        .json(&format!("/wiki/api/v2/pages/{parent}/children"))
        .await;
    let ids = |v: &Value| -> Vec<String> {
        v["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(!ids(&direct).is_empty());
    assert_eq!(ids(&direct), ids(&children));
    assert!(
        direct["results"]
            .as_array()
            .expect("results")
            .iter()
            .all(|c| c["type"] == "page")
    );
}

/// Cloud v1 `getRestrictionsByOperation`
/// (`GET /wiki/rest/api/content/{id}/restriction/byOperation`): keyed by operation.
#[tokio::test]
async fn cloud_restrictions_by_operation() {
    let sb = spawn_sandbox().await;
    let v = sb
        .json(&format!(
            "/wiki/rest/api/content/{RICH_PAGE_ID}/restriction/byOperation"
        ))
        .await;
    assert_valid("confluence-cloud-v1-get-restrictions-by-operation", &v);
    assert_eq!(v["read"]["operation"], "read", "{v}");
    assert_eq!(v["update"]["operation"], "update", "{v}");
}

/// v2 `getPageById` takes every `body-format` of `PrimaryBodyRepresentationSingle`; DC
/// `commentsOfContent` (`GET /rest/api/content/{id}/child/comment`) honours
/// `expand=body.view`.
#[tokio::test]
async fn rendered_body_forms_are_served() {
    let sb = spawn_sandbox().await;
    for format in [
        "view",
        "export_view",
        "anonymous_export_view",
        "styled_view",
        "editor",
    ] {
        let v = sb
            .json(&format!(
                "/wiki/api/v2/pages/{RICH_PAGE_ID}?body-format={format}"
            ))
            .await;
        let body = &v["body"][format];
        assert_eq!(body["representation"], format, "{v}");
        assert!(
            body["value"].as_str().is_some_and(|s| s.contains('<')),
            "{format}: {v}"
        );
    }
    let (status, _) = status_of(
        &sb,
        &format!("/wiki/api/v2/pages/{RICH_PAGE_ID}?body-format=wiki"),
    )
    .await;
    assert_eq!(status, 400);
    let pages = sb
        .json("/rest/api/content/search?cql=type%3Dpage&limit=100")
        .await;
    let mut found = false;
    for p in pages["results"].as_array().expect("results") {
        let id = p["id"].as_str().expect("id");
        let c = sb
            .json(&format!(
                "/rest/api/content/{id}/child/comment?expand=body.view,body.storage"
            ))
            .await;
        if let Some(first) = c["results"].as_array().and_then(|r| r.first()) {
            let view = first["body"]["view"]["value"].as_str().expect("body.view");
            assert!(view.contains('<'), "{first}");
            assert_eq!(first["body"]["view"]["representation"], "view");
            assert!(first["body"]["storage"]["value"].is_string());
            found = true;
            break;
        }
    }
    assert!(found, "some seeded page has a comment");
}
