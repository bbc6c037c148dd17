//! Attachments end to end against the sandbox in Cloud and Server/DC mode: downloads as
//! embedded resources with the exact bytes, images as image content, the size limit,
//! uploads through `jira_update_issue` (base64 and by path) read back byte for byte, and the
//! path rules that keep HTTP callers off the server's disk.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mcp_atlassian::sandbox::jira::attachments::{SEED_PNG, SEED_TEXT};
use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};
use crate::jira_people::{rpc_call, sandbox_get};

/// The `result` of a tools/call, asserting it is not a tool error.
pub(crate) async fn ok_result(sb: &SandboxApp, tool: &str, args: Value) -> Value {
    let v = rpc_call(sb, tool, args).await;
    let result = v["result"].clone();
    assert_ne!(result["isError"], json!(true), "{tool} failed: {v}");
    assert!(result["content"].is_array(), "{tool}: {v}");
    result
}

pub(crate) fn summary(result: &Value) -> Value {
    let text = result["content"][0]["text"].as_str().expect("text block");
    serde_json::from_str(text).expect("summary is JSON")
}

/// Embedded resources: (uri, mime type, base64).
pub(crate) fn resources(result: &Value) -> Vec<(String, String, String)> {
    result["content"]
        .as_array()
        .expect("content")
        .iter()
        .filter(|c| c["type"] == "resource")
        .map(|c| {
            let r = &c["resource"];
            (
                r["uri"].as_str().expect("uri").to_owned(),
                r["mimeType"].as_str().expect("mime").to_owned(),
                r["blob"].as_str().expect("blob").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn attachments_download_as_embedded_resources_with_their_exact_bytes_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let r = ok_result(
            &sb,
            "jira_download_attachments",
            json!({"issue_key": "DEMO-1"}),
        )
        .await;
        let s = summary(&r);
        assert_eq!(s["count"], 2, "{flavour}: {s}");
        assert_eq!(s["attachments"][0]["filename"], "diagram.png");
        assert_eq!(s["attachments"][0]["size"], SEED_PNG.len());
        let res = resources(&r);
        assert_eq!(res.len(), 2, "{flavour}: {r}");
        assert!(res[0].0.ends_with("/diagram.png"), "{}", res[0].0);
        assert_eq!(res[0].1, "image/png");
        assert_eq!(res[0].2, STANDARD.encode(SEED_PNG), "{flavour}");
        assert!(res[1].0.ends_with("/notes.txt"), "{}", res[1].0);
        assert_eq!(res[1].1, "text/plain");
        assert_eq!(res[1].2, STANDARD.encode(SEED_TEXT.as_bytes()), "{flavour}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn issue_images_come_back_as_image_content_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let r = ok_result(&sb, "jira_get_issue_images", json!({"issue_key": "DEMO-1"})).await;
        assert_eq!(summary(&r)["count"], 1, "{flavour}: {r}");
        let images: Vec<&Value> = r["content"]
            .as_array()
            .expect("content")
            .iter()
            .filter(|c| c["type"] == "image")
            .collect();
        assert_eq!(images.len(), 1, "only the PNG, not the text file: {r}");
        assert_eq!(images[0]["mimeType"], "image/png");
        assert_eq!(images[0]["data"], STANDARD.encode(SEED_PNG));
        let none = ok_result(&sb, "jira_get_issue_images", json!({"issue_key": "DEMO-2"})).await;
        assert_eq!(summary(&none)["count"], 0);
        sb.stop().await;
    }
}

#[tokio::test]
async fn an_attachment_over_the_size_limit_is_a_tool_error_naming_its_size_and_the_limit() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[("ATTACHMENT_MAX_BYTES", "40")]).await;
        for tool in ["jira_download_attachments", "jira_get_issue_images"] {
            let r = sb.call(tool, json!({"issue_key": "DEMO-1"})).await;
            assert!(r.is_error, "{flavour} {tool}: {}", r.text);
            assert!(
                r.text.contains(&format!("{} bytes", SEED_PNG.len()))
                    && r.text.contains("40 bytes"),
                "{flavour} {tool}: {}",
                r.text
            );
        }
        let up = sb
            .call(
                "jira_update_issue",
                json!({"issue_key": "DEMO-2", "fields": {}, "attachments": json!([{"filename": "big.bin", "content_base64": STANDARD.encode([7u8; 41])}]).to_string()}),
            )
            .await;
        assert!(up.is_error && up.text.contains("41 bytes"), "{}", up.text);
        sb.stop().await;
    }
}

#[tokio::test]
async fn files_uploaded_as_base64_download_again_byte_for_byte_in_both_flavours() {
    let bytes: Vec<u8> = (0..=255u8).chain([0, 13, 10, 255]).collect();
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let api = if flavour == "cloud" { 3 } else { 2 };
        let list = json!([
            {"filename": "raw data.bin", "content_base64": STANDARD.encode(&bytes), "mime_type": "application/octet-stream"},
            {"filename": "hello.txt", "content_base64": STANDARD.encode("hi there")},
        ]);
        let out = sb
            .call(
                "jira_update_issue",
                json!({"issue_key": "DEMO-3", "fields": {"summary": "With files"}, "attachments": list.to_string()}),
            )
            .await
            .json();
        assert_eq!(
            out["attachments_added"].as_array().map(Vec::len),
            Some(2),
            "{out}"
        );
        assert_eq!(out["issue"]["summary"], "With files");
        let issue = sandbox_get(
            &sb,
            &format!("/rest/api/{api}/issue/DEMO-3?fields=attachment"),
        )
        .await;
        let names: Vec<&str> = issue["fields"]["attachment"]
            .as_array()
            .expect("attachment field")
            .iter()
            .filter_map(|a| a["filename"].as_str())
            .collect();
        assert_eq!(names, ["raw data.bin", "hello.txt"], "{flavour}");
        let r = ok_result(
            &sb,
            "jira_download_attachments",
            json!({"issue_key": "DEMO-3"}),
        )
        .await;
        let res = resources(&r);
        assert_eq!(res.len(), 2, "{r}");
        assert_eq!(res[0].2, STANDARD.encode(&bytes), "{flavour}");
        assert_eq!(res[1].1, "text/plain");
        assert_eq!(res[1].2, STANDARD.encode("hi there"));
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_file_inside_attachments_dir_is_attached_by_path_over_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("report.txt"), "quarterly").expect("write");
    let root = dir.path().display().to_string();
    let sb = spawn_with_sandbox("server", &[("ATTACHMENTS_DIR", &root)]).await;
    let out = sb
        .call(
            "jira_update_issue",
            json!({"issue_key": "DEMO-4", "fields": "{}", "attachments": "report.txt"}),
        )
        .await
        .json();
    assert_eq!(
        out["attachments_added"][0]["filename"], "report.txt",
        "{out}"
    );
    let r = ok_result(
        &sb,
        "jira_download_attachments",
        json!({"issue_key": "DEMO-4"}),
    )
    .await;
    assert_eq!(resources(&r)[0].2, STANDARD.encode("quarterly"));
    sb.stop().await;
}

#[tokio::test]
async fn attachment_paths_outside_the_allowed_directory_are_refused_before_any_upstream_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    let other = tempfile::tempdir().expect("tempdir");
    let secret = other.path().join("secret.txt");
    std::fs::write(&secret, "do not read").expect("write");
    std::fs::write(dir.path().join("fine.txt"), "fine").expect("write");
    std::os::unix::fs::symlink(&secret, dir.path().join("escape.txt")).expect("symlink");
    let root = dir.path().display().to_string();
    let secret = secret.display().to_string();
    let cases: [(&[(&'static str, &str)], String); 5] = [
        (&[], secret.clone()),
        (&[], "fine.txt".into()),
        (&[("ATTACHMENTS_DIR", &root)], secret.clone()),
        (&[("ATTACHMENTS_DIR", &root)], "../secret.txt".into()),
        (&[("ATTACHMENTS_DIR", &root)], "escape.txt".into()),
    ];
    for (overrides, path) in cases {
        let sb = spawn_with_sandbox("cloud", overrides).await;
        // Every upstream call would fail: a refusal must come from the path rules.
        sb.faults(json!({"errors": {"status": 500, "count": 100}}))
            .await;
        let list = json!(["fine.txt", path]).to_string();
        for attachments in [path.clone(), list] {
            let r = sb
                .call(
                    "jira_update_issue",
                    json!({"issue_key": "DEMO-5", "fields": {"summary": "x"}, "attachments": attachments}),
                )
                .await;
            assert!(r.is_error, "{path} with {overrides:?}: {}", r.text);
            assert!(!r.text.contains("do not read"), "{path}: {}", r.text);
        }
        let left = sb.remaining_faults().await;
        assert_eq!(
            left["errors"]["count"], 100,
            "{path}: no upstream call: {left}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn attachments_outside_the_project_filter_are_refused() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "OPS")]).await;
    let r = sb
        .call("jira_download_attachments", json!({"issue_key": "DEMO-1"}))
        .await;
    assert!(r.is_error && r.text.contains("OPS"), "{}", r.text);
    sb.stop().await;
}
