//! Richer seed data (issue 17 item 5): DEMO-1's description and the comment seeded on DEMO-2
//! hold a panel, a mention, an emoji, a status lozenge, an embedded image, a table and a code
//! block (ADF on Cloud, wiki markup on Server/DC); the issue tools read every one of them into
//! Markdown.

use serde_json::json;

use crate::helpers::spawn_with_sandbox;

#[tokio::test]
async fn rich_comment_content_reaches_the_agent_as_markdown_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let v = sb
            .call(
                "jira_get_issue",
                json!({"issue_key": "DEMO-2", "comment_limit": 50}),
            )
            .await
            .json();
        let issue = if v["issue"].is_object() {
            &v["issue"]
        } else {
            &v
        };
        let body = issue["comments"]
            .as_array()
            .expect("comments")
            .iter()
            .find(|c| c["id"] == "19000")
            .and_then(|c| c["body"].as_str())
            .unwrap_or_else(|| panic!("{flavour}: no rich comment in {v}"))
            .to_owned();
        for want in [
            "Deploy is blocked until the migration runs.",
            "please review",
            "diagram.png",
            "| Check | Result |",
            "```sql\nALTER TABLE users ADD COLUMN locale text;\n```",
        ] {
            assert!(
                body.contains(want),
                "{flavour}: {want:?} missing from\n{body}"
            );
        }
        assert!(
            body.contains("👍") || body.contains(":thumbsup:"),
            "{flavour}: emoji lost\n{body}"
        );
        assert!(
            body.to_lowercase().contains("in review"),
            "{flavour}: status lost\n{body}"
        );
        assert!(
            body.contains("> **Warning:**"),
            "{flavour}: panel lost\n{body}"
        );
        if flavour == "cloud" {
            assert!(body.contains("[@Alice Anders]"), "mention lost\n{body}");
        } else {
            // Server/DC wiki names the user: `[~alice]`.
            assert!(body.contains("alice"), "mention lost\n{body}");
            assert!(
                !body.contains("accountid:"),
                "a Cloud account id on Server/DC\n{body}"
            );
        }
    }
}

#[tokio::test]
async fn a_rich_issue_description_reaches_the_agent_as_markdown_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let v = sb
            .call("jira_get_issue", json!({"issue_key": "DEMO-1"}))
            .await
            .json();
        let body = v["description"]
            .as_str()
            .unwrap_or_else(|| panic!("{flavour}: no description in {v}"))
            .to_owned();
        for want in [
            "## Overview",
            "| Environment | URL |",
            "| staging | ",
            "https://staging.example.com",
            "```rust\nfn main() {",
            "> **Note:** Rollout needs a sign-off from the on-call team.",
            "architecture.png",
        ] {
            assert!(
                body.contains(want),
                "{flavour}: {want:?} missing from\n{body}"
            );
        }
        assert!(
            body.contains("🚀") || body.contains(":rocket:"),
            "{flavour}: emoji lost\n{body}"
        );
        assert!(
            body.to_lowercase().contains("ready"),
            "{flavour}: status lost\n{body}"
        );
        if flavour == "cloud" {
            assert!(body.contains("[@Alice Anders]"), "mention lost\n{body}");
        } else {
            assert!(body.contains("alice"), "mention lost\n{body}");
            assert!(
                !body.contains("accountid:"),
                "a Cloud account id on Server/DC\n{body}"
            );
        }
        sb.stop().await;
    }
}
