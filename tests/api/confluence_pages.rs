//! Confluence page tree and page writes end to end, in Cloud and Server/DC flavour: children
//! with paging, the space tree, create, update (and its version conflict), section update,
//! delete; the space filter and read-only mode for the writes.

use mcp_atlassian::atlassian::markup::markdown_to_storage;
use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};

const FLAVOURS: [&str; 2] = ["cloud", "server"];
/// The DEMO space home page and its first section (the rich page).
const DEMO_HOME: &str = "196609";
const RICH: &str = "196610";
/// The ENG space home page.
const ENG_HOME: &str = "196639";

fn titles(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {v}"))
        .iter()
        .map(|c| c["title"].as_str().expect("title").to_owned())
        .collect()
}

/// The page as storage XHTML with its metadata, read through `confluence_get_page`.
async fn read_storage(sb: &SandboxApp, id: &str) -> Value {
    sb.call(
        "confluence_get_page",
        json!({"page_id": id, "convert_to_markdown": false}),
    )
    .await
    .json()
}

#[tokio::test]
async fn page_children_come_in_order_and_page_with_start() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let first = sb
            .call(
                "confluence_get_page_children",
                json!({"parent_id": DEMO_HOME, "limit": 2}),
            )
            .await
            .json();
        assert_eq!(
            titles(&first, "children"),
            ["Getting Started", "Architecture"],
            "{flavour}"
        );
        assert_eq!(first["parent_title"], "Demo Space Home");
        assert_eq!(first["next_start"], 2, "{flavour}: {first}");
        let second = sb
            .call(
                "confluence_get_page_children",
                json!({"parent_id": DEMO_HOME, "limit": 2, "start": 2}),
            )
            .await
            .json();
        assert_eq!(
            titles(&second, "children"),
            ["Runbooks", "Meeting Notes"],
            "{flavour}"
        );
        let last = sb
            .call(
                "confluence_get_page_children",
                json!({"parent_id": DEMO_HOME, "start": 4, "include_content": true}),
            )
            .await
            .json();
        assert_eq!(titles(&last, "children"), ["Release Notes"], "{flavour}");
        assert!(last.get("next_start").is_none(), "{flavour}: {last}");
        assert!(
            last["children"][0]["content"]
                .as_str()
                .is_some_and(|c| !c.is_empty()),
            "{last}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn the_space_page_tree_nests_every_page_under_the_home_page() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let tree = sb
            .call(
                "confluence_get_space_page_tree",
                json!({"space_key": "DEMO"}),
            )
            .await
            .json();
        assert_eq!(tree["page_count"], 30, "{flavour}");
        let roots = tree["pages"].as_array().expect("roots");
        assert_eq!(roots.len(), 1, "{flavour}: {tree}");
        assert_eq!(roots[0]["title"], "Demo Space Home");
        assert_eq!(
            titles(&roots[0], "children"),
            [
                "Getting Started",
                "Architecture",
                "Runbooks",
                "Meeting Notes",
                "Release Notes"
            ]
        );
        fn count(n: &Value) -> usize {
            1 + n["children"]
                .as_array()
                .map(|c| c.iter().map(count).sum())
                .unwrap_or(0)
        }
        assert_eq!(count(&roots[0]), 30, "every page is in the tree once");
        let cut = sb
            .call(
                "confluence_get_space_page_tree",
                json!({"space_key": "DEMO", "limit": 5}),
            )
            .await
            .json();
        assert_eq!(cut["page_count"], 5);
        assert_eq!(cut["truncated"], true);
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_created_page_sits_under_its_parent_with_markdown_rendered_to_storage() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let created = sb
            .call(
                "confluence_create_page",
                json!({"space_key": "DEMO", "title": "Runbook: restarts", "parent_id": RICH,
                    "content": "## When\n\nRestart **only** after paging.\n\n- step one\n- step two"}),
            )
            .await
            .json();
        let id = created["id"].as_str().expect("id").to_owned();
        assert_eq!(created["parent_id"], RICH, "{flavour}: {created}");
        assert_eq!(created["version"], 1);
        let page = read_storage(&sb, &id).await;
        assert_eq!(page["parent_id"], RICH, "{flavour}");
        assert_eq!(page["space_key"], "DEMO");
        let storage = page["content"].as_str().expect("storage");
        assert!(storage.contains("<h2>When</h2>"), "{flavour}: {storage}");
        assert!(storage.contains("<strong>only</strong>"), "{storage}");
        assert!(
            storage.contains("<li>step two</li>") || storage.contains("<li><p>step two</p></li>"),
            "{storage}"
        );
        let kids = sb
            .call("confluence_get_page_children", json!({"parent_id": RICH}))
            .await
            .json();
        assert!(
            titles(&kids, "children").contains(&"Runbook: restarts".to_owned()),
            "{kids}"
        );
        // Without a parent the page lands under the space home page.
        let top = sb
            .call(
                "confluence_create_page",
                json!({"space_key": "DEMO", "title": "Top level", "content": "x"}),
            )
            .await
            .json();
        assert_eq!(top["parent_id"], DEMO_HOME, "{flavour}: {top}");
        let dup = sb
            .call(
                "confluence_create_page",
                json!({"space_key": "DEMO", "title": "Top level"}),
            )
            .await;
        assert!(dup.is_error && dup.text.contains("400"), "{}", dup.text);
        sb.stop().await;
    }
}

#[tokio::test]
async fn an_update_writes_the_next_version_and_a_concurrent_edit_is_never_overwritten() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let before = read_storage(&sb, RICH).await;
        let v = before["version"].as_u64().expect("version");
        let updated = sb
            .call(
                "confluence_update_page",
                json!({"page_id": RICH, "title": "Getting Started", "content": "Rewritten *intro*.",
                    "version_comment": "tidy", "is_minor_edit": true}),
            )
            .await
            .json();
        assert_eq!(updated["version"], v + 1, "{flavour}: {updated}");
        let after = read_storage(&sb, RICH).await;
        assert_eq!(after["version"], v + 1);
        assert_eq!(
            after["content"], "<p>Rewritten <em>intro</em>.</p>",
            "{flavour}"
        );
        let raw: Value = sb
            .app
            .client
            .get(format!(
                "http://{}/rest/api/content/{RICH}?expand=version",
                sb.sandbox
            ))
            .bearer_auth("sandbox-pat")
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert_eq!(raw["version"]["message"], "tidy", "{flavour}: {raw}");
        assert_eq!(raw["version"]["minorEdit"], true, "{flavour}: {raw}");

        // Another user saves between our read and our write: Confluence answers 409.
        let armed = sb
            .app
            .client
            .post(format!(
                "http://{}/__sandbox/confluence/concurrent-edit/{RICH}",
                sb.sandbox
            ))
            .send()
            .await
            .expect("arm");
        assert_eq!(armed.status(), 204);
        let lost = sb
            .call(
                "confluence_update_page",
                json!({"page_id": RICH, "title": "Getting Started", "content": "My stale edit"}),
            )
            .await;
        assert!(lost.is_error, "{flavour}: {}", lost.text);
        assert!(
            lost.text.contains("edited by someone else"),
            "{}",
            lost.text
        );
        assert!(
            lost.text.contains(&format!("version {}", v + 2)),
            "{}",
            lost.text
        );
        let now = read_storage(&sb, RICH).await;
        let body = now["content"].as_str().expect("storage");
        assert!(
            body.contains("Edited concurrently by another user."),
            "{flavour}: {body}"
        );
        assert!(
            body.contains("Rewritten"),
            "the other user's edit kept ours"
        );
        assert!(
            !body.contains("My stale edit"),
            "{flavour}: the stale edit overwrote: {body}"
        );
        assert_eq!(now["version"], v + 2);
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_section_update_replaces_only_that_section_byte_for_byte() {
    let head = "<p>Intro &amp; scope</p><h1>Guide</h1><p>keep 1</p><h2>Install</h2>";
    let tail = "<h2>Usage</h2><p>keep <code>2</code></p><ac:structured-macro ac:name=\"info\"><ac:rich-text-body><p>note</p></ac:rich-text-body></ac:structured-macro><h1>End</h1><p>bye</p>";
    let original = format!("{head}<p>old install</p><h3>Sub</h3><p>old sub</p>{tail}");
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let created = sb
            .call(
                "confluence_create_page",
                json!({"space_key": "DEMO", "title": "Sectioned", "content": original, "content_format": "storage"}),
            )
            .await
            .json();
        let id = created["id"].as_str().expect("id").to_owned();
        let md = "Run `make install`, then **restart**.";
        let done = sb
            .call(
                "confluence_update_page_section",
                json!({"page_id": id, "heading_text": "install", "new_content": md}),
            )
            .await
            .json();
        assert_eq!(done["version"], 2, "{flavour}: {done}");
        let page = read_storage(&sb, &id).await;
        let expected = format!("{head}{}{tail}", markdown_to_storage(md));
        assert_eq!(page["content"], expected, "{flavour}");
        let missing = sb
            .call(
                "confluence_update_page_section",
                json!({"page_id": id, "heading_text": "Nope", "new_content": "x"}),
            )
            .await;
        assert!(
            missing.is_error && missing.text.contains("Guide | Install | Usage | End"),
            "{}",
            missing.text
        );
        assert_eq!(
            read_storage(&sb, &id).await["version"],
            2,
            "a failed section update wrote nothing"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_deleted_page_is_gone_from_reads_and_children() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let created = sb
            .call(
                "confluence_create_page",
                json!({"space_key": "DEMO", "title": "Doomed", "parent_id": RICH}),
            )
            .await
            .json();
        let id = created["id"].as_str().expect("id").to_owned();
        let deleted = sb
            .call("confluence_delete_page", json!({"page_id": id}))
            .await
            .json();
        assert_eq!(deleted["deleted"], true, "{flavour}");
        assert_eq!(deleted["title"], "Doomed");
        let gone = sb.call("confluence_get_page", json!({"page_id": id})).await;
        assert!(
            gone.is_error && gone.text.contains("404"),
            "{flavour}: {}",
            gone.text
        );
        let kids = sb
            .call("confluence_get_page_children", json!({"parent_id": RICH}))
            .await
            .json();
        assert!(
            !titles(&kids, "children").contains(&"Doomed".to_owned()),
            "{kids}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn writes_outside_the_space_filter_are_refused_and_change_nothing() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[("CONFLUENCE_SPACES_FILTER", "DEMO")]).await;
        for (tool, args) in [
            (
                "confluence_create_page",
                json!({"space_key": "ENG", "title": "Sneaky"}),
            ),
            (
                "confluence_create_page",
                json!({"space_key": "DEMO", "title": "Sneaky", "parent_id": ENG_HOME}),
            ),
            (
                "confluence_update_page",
                json!({"page_id": ENG_HOME, "title": "Hijacked", "content": "x"}),
            ),
            (
                "confluence_update_page_section",
                json!({"page_id": ENG_HOME, "heading_text": "a", "new_content": "x"}),
            ),
            ("confluence_delete_page", json!({"page_id": ENG_HOME})),
            (
                "confluence_get_page_children",
                json!({"parent_id": ENG_HOME}),
            ),
            (
                "confluence_get_space_page_tree",
                json!({"space_key": "ENG"}),
            ),
        ] {
            let r = sb.call(tool, args).await;
            assert!(r.is_error, "{flavour} {tool}: {}", r.text);
            assert!(r.text.contains("outside the spaces"), "{tool}: {}", r.text);
        }
        // Read the ENG home page straight from the sandbox: untouched.
        let req = sb.app.client.get(format!(
            "http://{}/rest/api/content/{ENG_HOME}?expand=version",
            sb.sandbox
        ));
        let req = if flavour == "cloud" {
            req.basic_auth("sandbox@example.com", Some("sandbox-api-token"))
        } else {
            req.bearer_auth("sandbox-pat")
        };
        let eng: Value = req.send().await.expect("get").json().await.expect("json");
        assert_eq!(eng["title"], "Engineering Home", "{eng}");
        assert_eq!(eng["status"], "current");
        sb.stop().await;
    }
}

#[tokio::test]
async fn read_only_mode_hides_the_page_write_tools() {
    let sb = spawn_with_sandbox("cloud", &[("READ_ONLY_MODE", "true")]).await;
    let (session, _) = sb.app.initialize().await;
    let list = sb
        .app
        .rpc(session.as_deref(), 2, "tools/list", json!({}))
        .await;
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    for write in [
        "confluence_create_page",
        "confluence_update_page",
        "confluence_update_page_section",
        "confluence_delete_page",
    ] {
        assert!(!names.contains(&write), "{write} listed in read-only mode");
    }
    assert!(names.contains(&"confluence_get_page_children"));
    assert!(names.contains(&"confluence_get_space_page_tree"));
    let call = sb
        .app
        .rpc(
            session.as_deref(),
            3,
            "tools/call",
            json!({"name": "confluence_delete_page", "arguments": {"page_id": RICH}}),
        )
        .await;
    assert!(call["error"].is_object(), "{call}");
    sb.stop().await;
}

#[tokio::test]
async fn the_page_label_and_comment_tools_fit_the_tools_list_budget() {
    // 35 Confluence tools must fit 18 KB of tools/list JSON: about 526 bytes each.
    const MINE: [&str; 17] = [
        "confluence_get_page_children",
        "confluence_get_space_page_tree",
        "confluence_create_page",
        "confluence_update_page",
        "confluence_update_page_section",
        "confluence_delete_page",
        "confluence_get_page_history",
        "confluence_get_page_diff",
        "confluence_move_page",
        "confluence_copy_page",
        "confluence_get_labels",
        "confluence_add_label",
        "confluence_get_comments",
        "confluence_add_comment",
        "confluence_reply_to_comment",
        "confluence_get_page_restrictions",
        "confluence_set_page_restrictions",
    ];
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let (session, _) = sb.app.initialize().await;
    let list = sb
        .app
        .rpc(session.as_deref(), 2, "tools/list", json!({}))
        .await;
    let sizes: Vec<(&str, usize)> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| {
            let name = t["name"].as_str()?;
            MINE.contains(&name).then(|| (name, t.to_string().len()))
        })
        .collect();
    assert_eq!(sizes.len(), MINE.len(), "all listed: {sizes:?}");
    let total: usize = sizes.iter().map(|(_, s)| s).sum();
    assert!(
        total <= 18 * 1024 * MINE.len() / 35,
        "{total} bytes: {sizes:?}"
    );
    sb.stop().await;
}
