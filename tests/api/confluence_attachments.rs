//! Confluence attachments end to end against the sandbox in Cloud and Server/DC mode:
//! listing, exact bytes through upload then download, images as image content, the size
//! limit, deletion, the space filter, and the path rules that keep HTTP callers off the
//! server's disk.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mcp_atlassian::sandbox::confluence::attachments::SEED_MINUTES;
use mcp_atlassian::sandbox::jira::attachments::SEED_PNG;
use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};
use crate::jira_attachments::{ok_result, resources, summary};
use crate::jira_people::sandbox_get;

/// The DEMO space home page, which the sandbox seeds with chart.png and minutes.txt.
const DEMO_HOME: &str = "196609";

async fn titles(sb: &SandboxApp, page: &str) -> Vec<String> {
    let v = sb
        .call("confluence_get_attachments", json!({"content_id": page}))
        .await
        .json();
    v["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .map(|a| a["title"].as_str().expect("title").to_owned())
        .collect()
}

#[tokio::test]
async fn a_pages_attachments_are_listed_and_filtered_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        assert_eq!(
            titles(&sb, DEMO_HOME).await,
            ["chart.png", "minutes.txt"],
            "{flavour}"
        );
        let v = sb
            .call(
                "confluence_get_attachments",
                json!({"content_id": DEMO_HOME, "media_type": "text/plain"}),
            )
            .await
            .json();
        assert_eq!(v["count"], 1, "{flavour}: {v}");
        assert_eq!(v["attachments"][0]["id"], "att400002");
        assert_eq!(v["attachments"][0]["file_size"], SEED_MINUTES.len());
        let v = sb
            .call(
                "confluence_get_attachments",
                json!({"content_id": DEMO_HOME, "start": 1, "limit": 1}),
            )
            .await
            .json();
        assert_eq!(
            v["attachments"][0]["title"], "minutes.txt",
            "{flavour}: {v}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn uploaded_bytes_come_back_exactly_as_an_embedded_resource_in_both_flavours() {
    let bytes: Vec<u8> = (0u8..=255).chain(b"\r\n--end".iter().copied()).collect();
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let up = sb
            .call(
                "confluence_upload_attachment",
                json!({"content_id": DEMO_HOME, "filename": "all bytes.bin",
                    "content_base64": STANDARD.encode(&bytes), "comment": "raw"}),
            )
            .await
            .json();
        let id = up["uploaded"][0]["id"].as_str().expect("id").to_owned();
        assert!(id.starts_with("att"), "{flavour}: {up}");
        let r = ok_result(
            &sb,
            "confluence_download_attachment",
            json!({"attachment_id": id}),
        )
        .await;
        assert_eq!(summary(&r)["title"], "all bytes.bin", "{flavour}: {r}");
        let res = resources(&r);
        assert_eq!(res.len(), 1, "{flavour}: {r}");
        assert!(res[0].0.ends_with("/all+bytes.bin"), "{}", res[0].0);
        assert_eq!(res[0].2, STANDARD.encode(&bytes), "{flavour}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn several_files_upload_in_one_call_and_all_download_together_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let files = json!([
            {"filename": "a.txt", "content_base64": STANDARD.encode("alpha")},
            {"filename": "b.txt", "content_base64": STANDARD.encode("beta")},
        ]);
        let up = sb
            .call(
                "confluence_upload_attachments",
                json!({"content_id": DEMO_HOME, "file_paths": files.to_string()}),
            )
            .await
            .json();
        assert_eq!(up["uploaded"].as_array().map(Vec::len), Some(2), "{up}");
        let r = ok_result(
            &sb,
            "confluence_download_content_attachments",
            json!({"content_id": DEMO_HOME}),
        )
        .await;
        assert_eq!(summary(&r)["count"], 4, "{flavour}: {r}");
        let blobs: Vec<String> = resources(&r).into_iter().map(|r| r.2).collect();
        assert_eq!(
            blobs,
            [
                STANDARD.encode(SEED_PNG),
                STANDARD.encode(SEED_MINUTES),
                STANDARD.encode("alpha"),
                STANDARD.encode("beta"),
            ],
            "{flavour}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn page_images_come_back_as_image_content_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let r = ok_result(
            &sb,
            "confluence_get_page_images",
            json!({"content_id": DEMO_HOME}),
        )
        .await;
        assert_eq!(summary(&r)["count"], 1, "{flavour}: {r}");
        let images: Vec<&Value> = r["content"]
            .as_array()
            .expect("content")
            .iter()
            .filter(|c| c["type"] == "image")
            .collect();
        assert_eq!(images.len(), 1, "{flavour}: {r}");
        assert_eq!(images[0]["mimeType"], "image/png");
        assert_eq!(images[0]["data"], STANDARD.encode(SEED_PNG), "{flavour}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn attachments_over_the_size_limit_are_a_tool_error_not_a_download() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[("ATTACHMENT_MAX_BYTES", "40")]).await;
        let r = sb
            .call(
                "confluence_download_content_attachments",
                json!({"content_id": DEMO_HOME}),
            )
            .await;
        assert!(r.is_error, "{flavour}: {}", r.text);
        assert!(r.text.contains("ATTACHMENT_MAX_BYTES"), "{}", r.text);
        let r = sb
            .call(
                "confluence_upload_attachment",
                json!({"content_id": DEMO_HOME, "filename": "big.txt",
                    "content_base64": STANDARD.encode([b'x'; 41])}),
            )
            .await;
        assert!(r.is_error, "{flavour}: {}", r.text);
        assert_eq!(titles(&sb, DEMO_HOME).await.len(), 2, "{flavour}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_deleted_attachment_is_gone_from_the_page_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let v = sb
            .call(
                "confluence_delete_attachment",
                json!({"attachment_id": "att400002"}),
            )
            .await
            .json();
        assert_eq!(v["deleted"], true, "{flavour}: {v}");
        assert_eq!(titles(&sb, DEMO_HOME).await, ["chart.png"], "{flavour}");
        let r = sb
            .call(
                "confluence_download_attachment",
                json!({"attachment_id": "att400002"}),
            )
            .await;
        assert!(r.is_error, "{flavour}: {}", r.text);
        sb.stop().await;
    }
}

#[tokio::test]
async fn pages_outside_the_space_filter_are_refused_and_left_unchanged() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[("CONFLUENCE_SPACES_FILTER", "ENG")]).await;
        for (tool, args) in [
            (
                "confluence_get_attachments",
                json!({"content_id": DEMO_HOME}),
            ),
            (
                "confluence_download_attachment",
                json!({"attachment_id": "att400001"}),
            ),
            (
                "confluence_delete_attachment",
                json!({"attachment_id": "att400001"}),
            ),
            (
                "confluence_upload_attachment",
                json!({"content_id": DEMO_HOME, "filename": "x.txt", "content_base64": "eA=="}),
            ),
        ] {
            let r = sb.call(tool, args).await;
            assert!(r.is_error, "{flavour} {tool}: {}", r.text);
            assert!(r.text.contains("outside"), "{tool}: {}", r.text);
        }
        let prefix = if flavour == "cloud" { "/wiki" } else { "" };
        let left = sandbox_get(
            &sb,
            &format!("{prefix}/rest/api/content/{DEMO_HOME}/child/attachment"),
        )
        .await;
        assert_eq!(left["size"], 2, "{flavour}: {left}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn local_paths_are_refused_before_any_upstream_call_unless_inside_attachments_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "do not read").expect("write");
    std::fs::write(dir.path().join("fine.txt"), "fine bytes").expect("write");
    std::os::unix::fs::symlink(&secret, dir.path().join("escape.txt")).expect("symlink");
    let root = dir.path().display().to_string();
    let secret = secret.display().to_string();
    let cases: [(&[(&'static str, &str)], String); 4] = [
        (&[], "fine.txt".into()),
        (&[("ATTACHMENTS_DIR", &root)], secret.clone()),
        (&[("ATTACHMENTS_DIR", &root)], "../secret.txt".into()),
        (&[("ATTACHMENTS_DIR", &root)], "escape.txt".into()),
    ];
    for (overrides, path) in cases {
        let sb = spawn_with_sandbox("server", overrides).await;
        // Every upstream call would fail: a refusal must come from the path rules.
        sb.faults(json!({"errors": {"status": 500, "count": 100}}))
            .await;
        for (tool, args) in [
            (
                "confluence_upload_attachment",
                json!({"content_id": DEMO_HOME, "file_path": path}),
            ),
            (
                "confluence_upload_attachments",
                json!({"content_id": DEMO_HOME, "file_paths": format!("fine.txt,{path}")}),
            ),
        ] {
            let r = sb.call(tool, args).await;
            assert!(r.is_error, "{tool} {path} {overrides:?}: {}", r.text);
            assert!(!r.text.contains("do not read"), "{path}: {}", r.text);
        }
        let left = sb.remaining_faults().await;
        assert_eq!(left["errors"]["count"], 100, "{path}: {left}");
        sb.stop().await;
    }
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[("ATTACHMENTS_DIR", &root)]).await;
        let up = sb
            .call(
                "confluence_upload_attachment",
                json!({"content_id": DEMO_HOME, "file_path": "fine.txt"}),
            )
            .await
            .json();
        let id = up["uploaded"][0]["id"].as_str().expect("id").to_owned();
        let r = ok_result(
            &sb,
            "confluence_download_attachment",
            json!({"attachment_id": id}),
        )
        .await;
        assert_eq!(
            resources(&r)[0].2,
            STANDARD.encode("fine bytes"),
            "{flavour}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn an_upload_needs_exactly_one_of_inline_content_or_a_path() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    for args in [
        json!({"content_id": DEMO_HOME}),
        json!({"content_id": DEMO_HOME, "content_base64": "eA=="}),
        json!({"content_id": DEMO_HOME, "content_base64": "eA==", "filename": "x.txt", "file_path": "x.txt"}),
    ] {
        let r = sb.call("confluence_upload_attachment", args.clone()).await;
        assert!(r.is_error, "{args}: {}", r.text);
    }
    assert_eq!(titles(&sb, DEMO_HOME).await.len(), 2);
    sb.stop().await;
}
