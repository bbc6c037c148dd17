//! Labels and threaded comments end to end in Cloud and Server/DC flavour, reading the
//! sandbox state back after each write, with the space filter and read-only mode.

use serde_json::json;

use crate::helpers::spawn_with_sandbox;

const FLAVOURS: [&str; 2] = ["cloud", "server"];
const RICH: &str = "196610";
const ENG_HOME: &str = "196639";

#[tokio::test]
async fn a_label_added_to_a_page_is_listed_with_the_existing_ones() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let before = sb
            .call("confluence_get_labels", json!({"page_id": RICH}))
            .await
            .json();
        assert_eq!(before["labels"], json!(["onboarding", "docs"]), "{flavour}");
        let added = sb
            .call(
                "confluence_add_label",
                json!({"page_id": RICH, "name": "release-notes"}),
            )
            .await
            .json();
        assert!(
            added["labels"]
                .as_array()
                .expect("labels")
                .contains(&json!("release-notes")),
            "{added}"
        );
        let after = sb
            .call("confluence_get_labels", json!({"page_id": RICH}))
            .await
            .json();
        assert_eq!(
            after["labels"],
            json!(["onboarding", "docs", "release-notes"]),
            "{flavour}"
        );
        let bad = sb
            .call(
                "confluence_add_label",
                json!({"page_id": RICH, "name": "two words"}),
            )
            .await;
        assert!(bad.is_error && bad.text.contains("spaces"), "{}", bad.text);
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_reply_is_threaded_under_the_comment_it_answers() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let before = sb
            .call("confluence_get_comments", json!({"page_id": RICH}))
            .await
            .json();
        let n = before["total"].as_u64().expect("total");
        let c = sb
            .call(
                "confluence_add_comment",
                json!({"page_id": RICH, "body": "Looks **good** to me"}),
            )
            .await
            .json();
        let cid = c["id"].as_str().expect("id").to_owned();
        assert_eq!(c["body"], "Looks **good** to me", "{flavour}: {c}");
        let r = sb
            .call(
                "confluence_reply_to_comment",
                json!({"comment_id": cid, "body": "Thanks!"}),
            )
            .await
            .json();
        assert_eq!(r["parent_id"], cid.as_str(), "{flavour}: {r}");
        assert_eq!(r["page_id"], RICH);
        let rid = r["id"].as_str().expect("id").to_owned();
        let after = sb
            .call("confluence_get_comments", json!({"page_id": RICH}))
            .await
            .json();
        assert_eq!(after["total"], n + 2, "{flavour}: {after}");
        let threads = after["comments"].as_array().expect("comments");
        let mine = threads
            .iter()
            .find(|t| t["id"] == cid.as_str())
            .expect("comment is top level");
        assert_eq!(mine["body"], "Looks **good** to me");
        let author = &mine["author"];
        assert!(
            author["display_name"].is_string() || author["account_id"].is_string(),
            "{flavour}: {author}"
        );
        assert_eq!(mine["replies"][0]["id"], rid.as_str(), "{flavour}: {mine}");
        assert_eq!(mine["replies"][0]["body"], "Thanks!");
        assert!(
            threads.iter().all(|t| t["id"] != rid.as_str()),
            "the reply is not top level"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn label_and_comment_writes_outside_the_space_filter_are_refused() {
    for flavour in FLAVOURS {
        let eng_comment = {
            let open = spawn_with_sandbox(flavour, &[]).await;
            let c = open
                .call(
                    "confluence_add_comment",
                    json!({"page_id": ENG_HOME, "body": "x"}),
                )
                .await
                .json();
            open.stop().await;
            c["id"].as_str().expect("id").to_owned()
        };
        let sb = spawn_with_sandbox(flavour, &[("CONFLUENCE_SPACES_FILTER", "DEMO")]).await;
        for (tool, args) in [
            (
                "confluence_add_label",
                json!({"page_id": ENG_HOME, "name": "leak"}),
            ),
            ("confluence_get_labels", json!({"page_id": ENG_HOME})),
            (
                "confluence_add_comment",
                json!({"page_id": ENG_HOME, "body": "leak"}),
            ),
            ("confluence_get_comments", json!({"page_id": ENG_HOME})),
        ] {
            let r = sb.call(tool, args).await;
            assert!(
                r.is_error && r.text.contains("outside the spaces"),
                "{flavour} {tool}: {}",
                r.text
            );
        }
        // That comment id lived in another sandbox: here it is simply unknown (404).
        let r = sb
            .call(
                "confluence_reply_to_comment",
                json!({"comment_id": eng_comment, "body": "x"}),
            )
            .await;
        assert!(r.is_error, "{}", r.text);
        let unfiltered = spawn_with_sandbox(flavour, &[]).await;
        let eng = unfiltered
            .call("confluence_get_labels", json!({"page_id": ENG_HOME}))
            .await
            .json();
        assert!(
            !eng["labels"]
                .as_array()
                .map(|a| a.contains(&json!("leak")))
                .unwrap_or(false)
        );
        unfiltered.stop().await;
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_reply_to_a_comment_on_a_page_outside_the_filter_is_refused() {
    for flavour in FLAVOURS {
        // The filter admits ENG only; the comment lives on the DEMO rich page.
        let sb = spawn_with_sandbox(flavour, &[("CONFLUENCE_SPACES_FILTER", "ENG")]).await;
        let url = format!("http://{}", sb.sandbox);
        let body = if flavour == "cloud" {
            json!({"pageId": RICH, "body": {"representation": "storage", "value": "<p>seed</p>"}})
        } else {
            json!({"type": "comment", "container": {"id": RICH, "type": "page"}, "body": {"storage": {"value": "<p>seed</p>", "representation": "storage"}}})
        };
        let path = if flavour == "cloud" {
            "/wiki/api/v2/footer-comments"
        } else {
            "/rest/api/content"
        };
        let req = sb.app.client.post(format!("{url}{path}")).json(&body);
        let req = if flavour == "cloud" {
            req.basic_auth("sandbox@example.com", Some("sandbox-api-token"))
        } else {
            req.bearer_auth("sandbox-pat")
        };
        let c: serde_json::Value = req
            .send()
            .await
            .expect("seed comment")
            .json()
            .await
            .expect("json");
        let cid = c["id"].as_str().expect("id");
        let r = sb
            .call(
                "confluence_reply_to_comment",
                json!({"comment_id": cid, "body": "leak"}),
            )
            .await;
        assert!(
            r.is_error && r.text.contains("outside the spaces"),
            "{flavour}: {}",
            r.text
        );
        sb.stop().await;
        let _ = ENG_HOME;
    }
}

#[tokio::test]
async fn read_only_mode_hides_the_label_and_comment_writes() {
    let sb = spawn_with_sandbox("server", &[("READ_ONLY_MODE", "true")]).await;
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
    for hidden in [
        "confluence_add_label",
        "confluence_add_comment",
        "confluence_reply_to_comment",
        "confluence_move_page",
        "confluence_copy_page",
    ] {
        assert!(!names.contains(&hidden), "{hidden}");
    }
    for shown in [
        "confluence_get_labels",
        "confluence_get_comments",
        "confluence_get_page_history",
        "confluence_get_page_diff",
    ] {
        assert!(names.contains(&shown), "{shown}");
    }
    sb.stop().await;
}
