//! The sandbox's attachment endpoints: Cloud's redirecting content URL, DC's
//! `/secure/attachment` path, metadata in both flavours, and uploads (XSRF header, multipart).

use mcp_atlassian::sandbox::jira::attachments::{SEED_PNG, SEED_TEXT};

use crate::support::{ok_json, spawn_sandbox};

const MULTIPART: &str = "multipart/form-data; boundary=zz";

fn one_file(name: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!("--zz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\r\n--zz--\r\n");
    body
}

#[tokio::test]
async fn cloud_content_redirects_to_the_bytes_and_dc_serves_them_by_file_name() {
    let sb = spawn_sandbox().await;
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = no_follow
        .get(sb.url("/rest/api/3/attachment/content/10200"))
        .basic_auth(
            mcp_atlassian::sandbox::auth::SANDBOX_EMAIL,
            Some(mcp_atlassian::sandbox::auth::SANDBOX_API_TOKEN),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 303);
    let followed = sb
        .get("/rest/api/3/attachment/content/10200")
        .send()
        .await
        .expect("sent");
    assert_eq!(followed.status(), 200);
    assert_eq!(followed.headers()["content-type"], "image/png");
    assert_eq!(followed.bytes().await.expect("body").as_ref(), SEED_PNG);
    let dc = sb
        .get("/secure/attachment/10201/notes.txt")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        dc.bytes().await.expect("body").as_ref(),
        SEED_TEXT.as_bytes()
    );
    let wrong = sb
        .get("/secure/attachment/10201/other.txt")
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong.status(), 404);
    let meta = ok_json(
        sb.get("/rest/api/2/attachment/10201")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(meta["size"], SEED_TEXT.len());
    assert!(
        meta["content"]
            .as_str()
            .expect("content")
            .ends_with("/secure/attachment/10201/notes.txt")
    );
}

#[tokio::test]
async fn uploads_need_the_xsrf_header_and_appear_on_the_issue() {
    let sb = spawn_sandbox().await;
    let refused = sb
        .post("/rest/api/2/issue/DEMO-2/attachments")
        .header("Content-Type", MULTIPART)
        .body(one_file("a.bin", b"\x00\x01"))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 403);
    let added = ok_json(
        sb.post("/rest/api/2/issue/DEMO-2/attachments")
            .header("X-Atlassian-Token", "no-check")
            .header("Content-Type", MULTIPART)
            .body(one_file("a.bin", b"\x00\x01"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(added[0]["filename"], "a.bin");
    assert_eq!(added[0]["size"], 2);
    let issue = ok_json(
        sb.get("/rest/api/2/issue/DEMO-2?fields=attachment")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let names: Vec<&str> = issue["fields"]["attachment"]
        .as_array()
        .expect("attachment field")
        .iter()
        .filter_map(|a| a["filename"].as_str())
        .collect();
    assert_eq!(names, ["a.bin"]);
}
