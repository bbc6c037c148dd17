//! Inline comments end to end in Cloud and Server/DC flavour: the seeded highlighted thread,
//! adding a comment on a text selection (read back from the sandbox), selections the page
//! does not contain, the space filter and read-only mode.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};

const FLAVOURS: [&str; 2] = ["cloud", "server"];
/// "Getting Started" in DEMO: seeded with an inline thread on "Clone the repository".
const RICH: &str = "196610";

async fn inline(sb: &SandboxApp) -> Value {
    sb.call("confluence_get_inline_comments", json!({"page_id": RICH}))
        .await
        .json()
}

#[tokio::test]
async fn the_seeded_inline_thread_comes_with_its_highlight_and_reply() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let got = inline(&sb).await;
        assert_eq!(got["total"], 2, "{flavour}: {got}");
        let thread = &got["comments"][0];
        assert_eq!(thread["id"], "400001", "{flavour}: {got}");
        assert_eq!(thread["selection"], "Clone the repository", "{flavour}");
        assert_eq!(thread["resolution"], "open", "{flavour}");
        assert_eq!(
            thread["body"], "Which remote: the GitHub mirror or the internal one?",
            "{flavour}"
        );
        assert_eq!(thread["replies"][0]["id"], "400002", "{flavour}: {thread}");
        assert_eq!(
            thread["replies"][0]["body"],
            "The internal one; the mirror lags a day."
        );
        // Inline comments are not footer comments.
        let footer = sb
            .call("confluence_get_comments", json!({"page_id": RICH}))
            .await
            .json();
        let text = footer.to_string();
        assert!(
            !text.contains("400001") && !text.contains("Which remote"),
            "{flavour}: {footer}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn an_inline_comment_highlights_the_chosen_occurrence_of_the_text() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        // "the" occurs several times on the page ("Welcome to the", "Clone the", "Run the").
        let added = sb
            .call(
                "confluence_add_inline_comment",
                json!({"page_id": RICH, "body": "Which **tests**?", "text_selection": "Run the tests",
                       "text_selection_match_count": 3, "text_selection_match_index": null}),
            )
            .await
            .json();
        assert_eq!(added["selection"], "Run the tests", "{flavour}: {added}");
        assert_eq!(added["match_count"], 1, "{flavour}: {added}");
        assert!(
            added["note"]
                .as_str()
                .is_some_and(|n| n.contains("occurs 1")),
            "the wrong count guessed by the caller is reported: {added}"
        );
        let id = added["id"].as_str().expect("id").to_owned();
        let second = sb
            .call(
                "confluence_add_inline_comment",
                json!({"page_id": RICH, "body": "This one.", "text_selection": "the",
                       "text_selection_match_index": 1}),
            )
            .await
            .json();
        assert_eq!(second["match_index"], 1, "{flavour}: {second}");
        assert!(second["match_count"].as_u64().expect("count") >= 3);
        let got = inline(&sb).await;
        assert_eq!(got["total"], 4, "{flavour}: {got}");
        let mine = got["comments"]
            .as_array()
            .expect("comments")
            .iter()
            .find(|c| c["id"] == id.as_str())
            .expect("new comment listed");
        assert_eq!(mine["selection"], "Run the tests", "{flavour}: {mine}");
        assert_eq!(mine["body"], "Which **tests**?", "{flavour}: {mine}");
        assert_eq!(mine["resolution"], "open", "{flavour}: {mine}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_selection_the_page_does_not_contain_is_refused_and_nothing_is_written() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        // Markdown markers are not page text: the page shows "Demo", not "**Demo**".
        let absent = sb
            .call(
                "confluence_add_inline_comment",
                json!({"page_id": RICH, "body": "x", "text_selection": "**Demo** space"}),
            )
            .await;
        assert!(
            absent.is_error && absent.text.contains("does not occur"),
            "{flavour}: {}",
            absent.text
        );
        let out_of_range = sb
            .call(
                "confluence_add_inline_comment",
                json!({"page_id": RICH, "body": "x", "text_selection": "Run the tests",
                       "text_selection_match_index": 1}),
            )
            .await;
        assert!(
            out_of_range.is_error && out_of_range.text.contains("use 0 to 0"),
            "{flavour}: {}",
            out_of_range.text
        );
        let empty = sb
            .call(
                "confluence_add_inline_comment",
                json!({"page_id": RICH, "body": "x", "text_selection": "  "}),
            )
            .await;
        assert!(empty.is_error && empty.text.contains("text_selection is empty"));
        assert_eq!(inline(&sb).await["total"], 2, "{flavour}: nothing written");
        sb.stop().await;
    }
}

#[tokio::test]
async fn inline_comments_outside_the_space_filter_are_refused_before_any_write() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[("CONFLUENCE_SPACES_FILTER", "ENG")]).await;
        for (tool, args) in [
            ("confluence_get_inline_comments", json!({"page_id": RICH})),
            (
                "confluence_add_inline_comment",
                json!({"page_id": RICH, "body": "leak", "text_selection": "Run the tests"}),
            ),
        ] {
            let r = sb.call(tool, args).await;
            assert!(
                r.is_error && r.text.contains("outside the spaces"),
                "{flavour} {tool}: {}",
                r.text
            );
        }
        // Read the sandbox directly: still only the seeded thread.
        let url = format!("http://{}", sb.sandbox);
        let req = if flavour == "cloud" {
            sb.app
                .client
                .get(format!("{url}/wiki/api/v2/pages/{RICH}/inline-comments"))
                .basic_auth("sandbox@example.com", Some("sandbox-api-token"))
        } else {
            sb.app
                .client
                .get(format!(
                    "{url}/rest/api/content/{RICH}/child/comment?location=inline&depth=all"
                ))
                .bearer_auth("sandbox-pat")
        };
        let v: Value = req.send().await.expect("list").json().await.expect("json");
        let n = v["results"].as_array().expect("results").len();
        let want = if flavour == "cloud" { 1 } else { 2 };
        assert_eq!(n, want, "{flavour}: {v}");
        sb.stop().await;
    }
}

#[tokio::test]
async fn read_only_mode_hides_the_inline_comment_write_but_not_the_read() {
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
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"confluence_get_inline_comments"));
    assert!(!names.contains(&"confluence_add_inline_comment"));
    let r = sb
        .app
        .rpc(
            session.as_deref(),
            3,
            "tools/call",
            json!({"name": "confluence_add_inline_comment",
                   "arguments": {"page_id": RICH, "body": "x", "text_selection": "Run the tests"}}),
        )
        .await;
    assert!(
        r["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown tool")),
        "{r}"
    );
    assert_eq!(inline(&sb).await["total"], 2);
    sb.stop().await;
}
