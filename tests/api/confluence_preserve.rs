//! Read-modify-write never loses content (issue 17 item 6): a Markdown update of a seeded
//! page whose storage holds macros and a layout is refused with the safe ways to do it,
//! unless the caller asks to overwrite; the section tool edits such a page and keeps the
//! rest. Checked on the sandbox's state in both flavours.

use mcp_atlassian::sandbox::MACRO_PAGE_IDS;
use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};
use crate::jira_people::sandbox_get;

async fn held(sb: &SandboxApp, id: &str) -> (u64, String) {
    let v: Value = sandbox_get(
        sb,
        &format!("/rest/api/content/{id}?expand=body.storage,version"),
    )
    .await;
    (
        v["version"]["number"].as_u64().expect("version"),
        v["body"]["storage"]["value"]
            .as_str()
            .expect("storage")
            .to_owned(),
    )
}

#[tokio::test]
async fn markdown_updates_of_macro_pages_are_refused_unless_overwrite_is_asked() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        for id in MACRO_PAGE_IDS {
            let (version, storage) = held(&sb, id).await;
            assert!(
                storage.contains("ac:layout") && storage.contains("ac:name=\"toc\""),
                "{storage}"
            );
            let page = sb
                .call("confluence_get_page", json!({"page_id": id}))
                .await
                .json();
            let title = page["title"]
                .as_str()
                .or(page["page"]["title"].as_str())
                .expect("title")
                .to_owned();
            let r = sb
                .call(
                    "confluence_update_page",
                    json!({"page_id": id, "title": title, "content": "# Replaced\n\nJust text."}),
                )
                .await;
            assert!(r.is_error, "{flavour}: {}", r.text);
            for said in [
                "macro toc",
                "page layout",
                "macro jira",
                "macro status",
                "confluence_update_page_section",
                "content_format=storage",
                "overwrite=true",
            ] {
                assert!(r.text.contains(said), "{flavour}: {said} not in {}", r.text);
            }
            assert_eq!(
                held(&sb, id).await,
                (version, storage.clone()),
                "{flavour}: nothing saved"
            );
        }
        // Storage content is the caller's own full body: taken as is.
        let id = MACRO_PAGE_IDS[0];
        let (version, storage) = held(&sb, id).await;
        let page = sb
            .call("confluence_get_page", json!({"page_id": id}))
            .await
            .json();
        let title = page["title"]
            .as_str()
            .or(page["page"]["title"].as_str())
            .expect("title")
            .to_owned();
        let edited = storage.replace("<h2>Overview</h2>", "<h2>Overview</h2><p>Added.</p>");
        let r = sb
            .call("confluence_update_page",
                  json!({"page_id": id, "title": title, "content": edited, "content_format": "storage"}))
            .await;
        assert!(!r.is_error, "{flavour}: {}", r.text);
        let (v2, s2) = held(&sb, id).await;
        assert_eq!(v2, version + 1);
        assert!(
            s2.contains("<p>Added.</p>") && s2.contains("ac:name=\"toc\""),
            "{s2}"
        );
        // The section tool changes one section and keeps the macros around it.
        let r = sb
            .call("confluence_update_page_section",
                  json!({"page_id": id, "heading_text": "Overview", "new_content": "Rewritten overview."}))
            .await;
        assert!(!r.is_error, "{flavour}: {}", r.text);
        let (_, s3) = held(&sb, id).await;
        assert!(
            s3.contains("Rewritten overview.") && s3.contains("ac:name=\"jira\""),
            "{flavour}: {s3}"
        );
        // Asked to overwrite, the Markdown replaces the page.
        let r = sb
            .call("confluence_update_page",
                  json!({"page_id": id, "title": title, "content": "Only text now.", "overwrite": true}))
            .await;
        assert!(!r.is_error, "{flavour}: {}", r.text);
        let (_, s4) = held(&sb, id).await;
        assert!(
            !s4.contains("ac:layout") && s4.contains("Only text now."),
            "{flavour}: {s4}"
        );
    }
}

#[tokio::test]
async fn markdown_updates_of_plain_pages_go_through() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let (version, _) = held(&sb, "196611").await;
    let page = sb
        .call("confluence_get_page", json!({"page_id": "196611"}))
        .await
        .json();
    let title = page["title"]
        .as_str()
        .or(page["page"]["title"].as_str())
        .expect("title")
        .to_owned();
    let r = sb
        .call(
            "confluence_update_page",
            json!({"page_id": "196611", "title": title, "content": "New *text*."}),
        )
        .await;
    assert!(!r.is_error, "{}", r.text);
    assert_eq!(held(&sb, "196611").await.0, version + 1);
}

#[tokio::test]
async fn macro_pages_read_as_markdown_with_panels_code_tables_status_and_jira_links() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let v = sb
            .call("confluence_get_page", json!({"page_id": MACRO_PAGE_IDS[0]}))
            .await
            .json();
        let body = v["page"]["content"]
            .as_str()
            .or_else(|| v["content"].as_str())
            .unwrap_or_else(|| panic!("{flavour}: no content in {v}"))
            .to_owned();
        for want in [
            "## Overview",
            "Check the runbook before changing production.",
            "reviews changes.",
            "DEMO-1",
            "| Service | Status |",
            "```bash\nmake deploy ENV=staging\n```",
        ] {
            assert!(
                body.contains(want),
                "{flavour}: {want:?} missing from\n{body}"
            );
        }
        assert!(
            body.contains("| API | [OK] |"),
            "{flavour}: status lost\n{body}"
        );
        sb.stop().await;
    }
}
