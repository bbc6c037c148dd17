//! Page versions, diffs, moves and copies end to end in Cloud and Server/DC flavour, with
//! the sandbox state read back after every write, and the space filter on moves and copies.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};

const FLAVOURS: [&str; 2] = ["cloud", "server"];
const DEMO_HOME: &str = "196609";
const RICH: &str = "196610";
const ARCHITECTURE: &str = "196611";
const ENG_HOME: &str = "196639";

async fn page(sb: &SandboxApp, id: &str) -> Value {
    sb.call(
        "confluence_get_page",
        json!({"page_id": id, "convert_to_markdown": false}),
    )
    .await
    .json()
}

async fn child_titles(sb: &SandboxApp, id: &str) -> Vec<String> {
    let v = sb
        .call(
            "confluence_get_page_children",
            json!({"parent_id": id, "limit": 50}),
        )
        .await
        .json();
    v["children"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["title"].as_str().expect("title").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn create(sb: &SandboxApp, title: &str, parent: &str, content: &str) -> String {
    let v = sb
        .call(
            "confluence_create_page",
            json!({"space_key": "DEMO", "title": title, "parent_id": parent, "content": content}),
        )
        .await
        .json();
    v["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn an_earlier_version_reads_back_and_diffs_against_the_latest() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let id = create(&sb, "Versioned", RICH, "line one\n\nline two\n\nline three").await;
        sb.call(
            "confluence_update_page",
            json!({"page_id": id, "title": "Versioned v2", "content": "line one\n\nline 2 changed\n\nline three"}),
        )
        .await
        .json();
        let v1 = sb
            .call(
                "confluence_get_page_history",
                json!({"page_id": id, "version": 1}),
            )
            .await
            .json();
        assert_eq!(v1["version"], 1, "{flavour}: {v1}");
        assert_eq!(v1["title"], "Versioned");
        assert_eq!(v1["latest_version"], 2);
        assert_eq!(
            v1["content"], "line one\n\nline two\n\nline three",
            "{flavour}"
        );
        let raw = sb
            .call(
                "confluence_get_page_history",
                json!({"page_id": id, "version": 1, "convert_to_markdown": false}),
            )
            .await
            .json();
        assert_eq!(
            raw["content"], "<p>line one</p><p>line two</p><p>line three</p>",
            "{flavour}"
        );
        let diff = sb
            .call(
                "confluence_get_page_diff",
                json!({"page_id": id, "from_version": 1, "to_version": 2}),
            )
            .await
            .json();
        let text = diff["diff"].as_str().expect("diff");
        assert!(
            text.starts_with("--- version 1\n+++ version 2\n@@ "),
            "{flavour}: {text}"
        );
        assert!(text.contains("\n-line two\n+line 2 changed\n"), "{text}");
        assert!(text.contains("\n line one\n"), "context kept: {text}");
        assert_eq!(diff["identical"], false);
        let same = sb
            .call(
                "confluence_get_page_diff",
                json!({"page_id": id, "from_version": 2, "to_version": 2}),
            )
            .await
            .json();
        assert_eq!(same["identical"], true);
        let missing = sb
            .call(
                "confluence_get_page_history",
                json!({"page_id": id, "version": 3}),
            )
            .await;
        assert!(
            missing.is_error && missing.text.contains("versions 1 to 2"),
            "{}",
            missing.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_moved_page_and_its_children_follow_the_new_parent() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let id = create(&sb, "Mover", RICH, "m").await;
        let kid = create(&sb, "Mover child", &id, "k").await;
        let moved = sb
            .call(
                "confluence_move_page",
                json!({"page_id": id, "target_parent_id": ARCHITECTURE}),
            )
            .await
            .json();
        assert_eq!(moved["parent_id"], ARCHITECTURE, "{flavour}: {moved}");
        assert_eq!(page(&sb, &id).await["parent_id"], ARCHITECTURE);
        assert!(
            child_titles(&sb, ARCHITECTURE)
                .await
                .contains(&"Mover".to_owned())
        );
        assert!(!child_titles(&sb, RICH).await.contains(&"Mover".to_owned()));
        // Into another space: under its home page, with the child still attached.
        let across = sb
            .call(
                "confluence_move_page",
                json!({"page_id": id, "target_space_key": "ENG"}),
            )
            .await
            .json();
        assert_eq!(across["parent_id"], ENG_HOME, "{flavour}: {across}");
        let read = page(&sb, &id).await;
        assert_eq!(read["space_key"], "ENG", "{flavour}");
        assert_eq!(page(&sb, &kid).await["parent_id"], id.as_str());
        if flavour == "cloud" {
            let before = sb
                .call(
                    "confluence_move_page",
                    json!({"page_id": id, "target_parent_id": ARCHITECTURE, "position": "before"}),
                )
                .await
                .json();
            assert_eq!(before["parent_id"], DEMO_HOME);
            let order = child_titles(&sb, DEMO_HOME).await;
            assert_eq!(
                order[..3],
                ["Getting Started", "Mover", "Architecture"],
                "{order:?}"
            );
        }
        let bad = sb
            .call(
                "confluence_move_page",
                json!({"page_id": id, "target_parent_id": kid}),
            )
            .await;
        assert!(
            bad.is_error,
            "{flavour}: moving under its own child must fail: {}",
            bad.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_copied_page_has_the_source_content_under_the_chosen_parent() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let source = page(&sb, RICH).await;
        let copy = sb
            .call(
                "confluence_copy_page",
                json!({"source_page_id": RICH, "destination_space_key": "ENG", "new_title": "Copied start",
                    "destination_parent_id": ENG_HOME}),
            )
            .await
            .json();
        let id = copy["id"].as_str().expect("id");
        assert_ne!(id, RICH);
        let read = page(&sb, id).await;
        assert_eq!(read["title"], "Copied start", "{flavour}");
        assert_eq!(read["space_key"], "ENG");
        assert_eq!(read["parent_id"], ENG_HOME);
        assert_eq!(
            read["content"], source["content"],
            "{flavour}: body copied verbatim"
        );
        assert_eq!(
            page(&sb, RICH).await["version"],
            source["version"],
            "source untouched"
        );
        let top = sb
            .call("confluence_copy_page", json!({"source_page_id": RICH, "destination_space_key": "DEMO", "new_title": "Second copy"}))
            .await
            .json();
        assert_eq!(
            page(&sb, top["id"].as_str().expect("id")).await["parent_id"],
            DEMO_HOME,
            "{flavour}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn moves_and_copies_across_the_space_filter_are_refused() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[("CONFLUENCE_SPACES_FILTER", "DEMO")]).await;
        for (tool, args) in [
            (
                "confluence_move_page",
                json!({"page_id": RICH, "target_space_key": "ENG"}),
            ),
            (
                "confluence_move_page",
                json!({"page_id": RICH, "target_parent_id": ENG_HOME}),
            ),
            (
                "confluence_move_page",
                json!({"page_id": ENG_HOME, "target_parent_id": DEMO_HOME}),
            ),
            (
                "confluence_copy_page",
                json!({"source_page_id": RICH, "destination_space_key": "ENG", "new_title": "Leak"}),
            ),
            (
                "confluence_copy_page",
                json!({"source_page_id": ENG_HOME, "destination_space_key": "DEMO", "new_title": "Pull"}),
            ),
            (
                "confluence_get_page_history",
                json!({"page_id": ENG_HOME, "version": 1}),
            ),
            (
                "confluence_get_page_diff",
                json!({"page_id": ENG_HOME, "from_version": 1, "to_version": 1}),
            ),
        ] {
            let r = sb.call(tool, args).await;
            assert!(
                r.is_error && r.text.contains("outside the spaces"),
                "{flavour} {tool}: {}",
                r.text
            );
        }
        let rich = page(&sb, RICH).await;
        assert_eq!(rich["parent_id"], DEMO_HOME, "{flavour}");
        assert_eq!(rich["space_key"], "DEMO");
        let found = sb
            .call(
                "confluence_search",
                json!({"query": "title = \"Pull\" or title = \"Leak\""}),
            )
            .await
            .json();
        assert_eq!(found["total"], 0, "{flavour}: {found}");
        sb.stop().await;
    }
}
