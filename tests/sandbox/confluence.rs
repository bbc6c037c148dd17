//! Confluence Cloud (v2 + v1 search) and Data Center over real HTTP.

use crate::support::{ok_json, spawn_sandbox};
use mcp_atlassian::sandbox::{RICH_PAGE_ID, RICH_PAGE_TITLE};
use serde_json::Value;

#[tokio::test]
async fn the_rich_page_serves_storage_and_adf_bodies_on_cloud_v2() {
    let sb = spawn_sandbox().await;
    let page = sb
        .json(&format!(
            "/wiki/api/v2/pages/{RICH_PAGE_ID}?body-format=storage"
        ))
        .await;
    assert_eq!(page["title"], RICH_PAGE_TITLE);
    assert_eq!(page["body"]["storage"]["representation"], "storage");
    let storage = page["body"]["storage"]["value"].as_str().expect("storage");
    for needle in [
        "<h1>Getting Started</h1>",
        "<ol>",
        "<ul>",
        "<table>",
        "ac:name=\"code\"",
    ] {
        assert!(storage.contains(needle), "missing {needle}");
    }
    let adf = sb
        .json(&format!(
            "/wiki/api/v2/pages/{RICH_PAGE_ID}?body-format=atlas_doc_format"
        ))
        .await;
    let value: Value = serde_json::from_str(
        adf["body"]["atlas_doc_format"]["value"]
            .as_str()
            .expect("string"),
    )
    .expect("adf json");
    assert_eq!(value["type"], "doc");
    let bare = sb.json(&format!("/wiki/api/v2/pages/{RICH_PAGE_ID}")).await;
    assert_eq!(bare["body"], serde_json::json!({}));
}

#[tokio::test]
async fn missing_pages_answer_404_in_the_v2_shape() {
    let sb = spawn_sandbox().await;
    let resp = sb
        .get("/wiki/api/v2/pages/1")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["errors"][0]["status"], 404);
    assert_eq!(body["errors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn pages_filter_by_title_and_space_and_page_with_cursor_and_link_header() {
    let sb = spawn_sandbox().await;
    let spaces = sb.json("/wiki/api/v2/spaces?keys=DEMO").await;
    assert_eq!(spaces["results"].as_array().map(Vec::len), Some(1));
    let space_id = spaces["results"][0]["id"].as_str().expect("id").to_owned();
    let by_title = sb
        .json(&format!(
            "/wiki/api/v2/pages?title=Getting%20Started&space-id={space_id}"
        ))
        .await;
    assert_eq!(by_title["results"][0]["id"], RICH_PAGE_ID);
    let archived = sb
        .json("/wiki/api/v2/pages?title=Getting%20Started&status=archived")
        .await;
    assert_eq!(archived["results"], serde_json::json!([]));
    let archived_dc = sb
        .json("/rest/api/content?title=Getting%20Started&status=archived")
        .await;
    assert_eq!(archived_dc["size"], 0);
    let mut url = format!("/wiki/api/v2/pages?space-id={space_id}&limit=7");
    let mut ids = Vec::new();
    loop {
        let resp = sb.get(&url).send().await.expect("request");
        let link = resp
            .headers()
            .get("link")
            .map(|v| v.to_str().expect("ascii").to_owned());
        let body = ok_json(resp).await;
        ids.extend(
            body["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|p| p["id"].as_str().expect("id").to_owned()),
        );
        match body["_links"]["next"].as_str() {
            Some(next) => {
                assert!(
                    link.expect("Link header")
                        .contains(&format!("<{next}>; rel=\"next\""))
                );
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(ids.len(), 30);
    let all_spaces = sb.json("/wiki/api/v2/spaces?limit=1").await;
    assert!(
        all_spaces["_links"]["next"]
            .as_str()
            .is_some_and(|n| n.contains("cursor="))
    );
}

#[tokio::test]
async fn cloud_cql_search_pages_with_cursor() {
    let sb = spawn_sandbox().await;
    let first = sb
        .json("/wiki/rest/api/search?cql=space%3DENG%20AND%20type%3Dpage&limit=20")
        .await;
    assert_eq!(first["totalSize"], 30);
    assert_eq!(first["size"], 20);
    let next = first["_links"]["next"].as_str().expect("next");
    assert!(next.starts_with("/rest/api/search?"));
    let second = sb.json(&format!("/wiki{next}")).await;
    assert_eq!(second["size"], 10);
    assert!(second["_links"].get("next").is_none());
    let hit = sb
        .json("/wiki/rest/api/search?cql=title%20~%20%22getting%20started%22%20AND%20space%3DDEMO")
        .await;
    assert_eq!(hit["results"][0]["content"]["id"], RICH_PAGE_ID);
}

#[tokio::test]
async fn unsupported_cql_answers_400_in_the_v1_shape() {
    let sb = spawn_sandbox().await;
    for path in [
        "/wiki/rest/api/search?cql=contributor%3Dbob",
        "/rest/api/content/search?cql=contributor%3Dbob",
    ] {
        let resp = sb.get(path).send().await.expect("request");
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["statusCode"], 400);
        assert!(
            body["message"]
                .as_str()
                .expect("message")
                .contains("'contributor'")
        );
    }
}

#[tokio::test]
async fn data_center_content_expands_body_version_space_and_ancestors() {
    let sb = spawn_sandbox().await;
    let c = sb
        .json(&format!(
            "/rest/api/content/{RICH_PAGE_ID}?expand=body.storage,version,space,ancestors"
        ))
        .await;
    assert_eq!(c["title"], RICH_PAGE_TITLE);
    assert!(
        c["body"]["storage"]["value"]
            .as_str()
            .expect("storage")
            .contains("<table>")
    );
    assert_eq!(c["space"]["key"], "DEMO");
    assert!(c["version"]["number"].as_u64().is_some());
    assert_eq!(c["ancestors"][0]["title"], "Demo Space Home");
    let bare = sb.json(&format!("/rest/api/content/{RICH_PAGE_ID}")).await;
    assert!(bare.get("body").is_none());
    assert!(bare["_expandable"]["body"].is_string());
    let resp = sb
        .get("/rest/api/content/42")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["statusCode"], 404);
}

#[tokio::test]
async fn data_center_lists_and_searches_content_with_start_and_limit() {
    let sb = spawn_sandbox().await;
    let by_title = sb
        .json("/rest/api/content?title=Getting%20Started&spaceKey=DEMO")
        .await;
    assert_eq!(by_title["size"], 1);
    let mut url = "/rest/api/content?spaceKey=ENG&limit=8".to_owned();
    let mut n = 0;
    loop {
        let page = sb.json(&url).await;
        n += page["size"].as_u64().expect("size");
        match page["_links"]["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(n, 30);
    let first = sb.json("/rest/api/content/search?cql=space%3DDEMO%20ORDER%20BY%20title&limit=25&expand=body.storage").await;
    assert_eq!(first["size"], 25);
    assert!(first["results"][0]["body"]["storage"]["value"].is_string());
    let second = sb
        .json(first["_links"]["next"].as_str().expect("next"))
        .await;
    assert_eq!(second["start"], 25);
    assert_eq!(second["size"], 5);
}

#[tokio::test]
async fn current_user_is_the_seed_user_on_both_flavours() {
    let sb = spawn_sandbox().await;
    assert_eq!(
        sb.json("/wiki/rest/api/user/current").await["accountId"],
        mcp_atlassian::sandbox::SANDBOX_ACCOUNT_ID
    );
    assert_eq!(
        sb.json("/rest/api/user/current").await["username"],
        "sandbox"
    );
}

#[tokio::test]
async fn bad_parameters_answer_400_in_the_family_shape() {
    let sb = spawn_sandbox().await;
    let resp = sb
        .get("/wiki/api/v2/pages?cursor=forged")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.expect("json")["errors"][0]["status"],
        400
    );
    let resp = sb
        .get(&format!(
            "/wiki/api/v2/pages/{RICH_PAGE_ID}?body-format=wiki"
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
    let resp = sb
        .get("/wiki/rest/api/search")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<Value>().await.expect("json")["statusCode"], 400);
    let resp = sb
        .get("/rest/api/content?limit=many")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
}
