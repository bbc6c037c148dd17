//! Fidelity contract for Confluence inline comments: the v2 listing, one comment, replies
//! and creation validated against the official schemas, plus the rules the tool relies on
//! (the selection must occur on the page; Data Center filters by `location`).

use serde_json::{Value, json};

use crate::contract::assert_valid;
use crate::support::{ok_json, spawn_sandbox};

/// Every schema the tests below exercise.
pub const NAMES: [&str; 4] = [
    "confluence-cloud-v2-get-page-inline-comments",
    "confluence-cloud-v2-get-inline-comment",
    "confluence-cloud-v2-get-inline-comment-children",
    "confluence-cloud-v2-create-inline-comment",
];

const RICH: &str = "196610";

fn storage(v: &str) -> Value {
    json!({"representation": "storage", "value": v})
}

#[tokio::test]
async fn cloud_inline_comments_match_the_v2_schemas() {
    let sb = spawn_sandbox().await;
    let list = sb
        .json(&format!(
            "/wiki/api/v2/pages/{RICH}/inline-comments?body-format=storage"
        ))
        .await;
    assert_valid("confluence-cloud-v2-get-page-inline-comments", &list);
    assert_eq!(
        list["results"][0]["properties"]["inlineOriginalSelection"],
        "Clone the repository"
    );
    let created = sb
        .post("/wiki/api/v2/inline-comments")
        .json(&json!({"pageId": RICH, "body": storage("<p>why?</p>"),
            "inlineCommentProperties": {"textSelection": "Run the tests",
                "textSelectionMatchCount": 1, "textSelectionMatchIndex": 0}}))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    assert_valid("confluence-cloud-v2-create-inline-comment", &created);
    assert_eq!(created["resolutionStatus"], "open");
    let id = created["id"].as_str().expect("id");
    let reply = sb
        .post("/wiki/api/v2/inline-comments")
        .json(&json!({"parentCommentId": id, "body": storage("<p>because</p>")}))
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.status(), 201);
    let one = sb.json(&format!("/wiki/api/v2/inline-comments/{id}")).await;
    assert_valid("confluence-cloud-v2-get-inline-comment", &one);
    let kids = sb
        .json(&format!(
            "/wiki/api/v2/inline-comments/{id}/children?body-format=storage"
        ))
        .await;
    assert_valid("confluence-cloud-v2-get-inline-comment-children", &kids);
    assert_eq!(
        kids["results"][0]["body"]["storage"]["value"],
        "<p>because</p>"
    );
    // Inline comments are not footer comments.
    let footer = sb
        .get(&format!("/wiki/api/v2/footer-comments/{id}"))
        .send()
        .await;
    assert_eq!(footer.expect("footer").status(), 404);
}

#[tokio::test]
async fn a_selection_missing_from_the_page_or_out_of_range_is_a_400() {
    let sb = spawn_sandbox().await;
    for (text, index) in [("not on the page", 0), ("Run the tests", 1), ("", 0)] {
        let r = sb
            .post("/wiki/api/v2/inline-comments")
            .json(&json!({"pageId": RICH, "body": storage("<p>x</p>"),
                "inlineCommentProperties": {"textSelection": text,
                    "textSelectionMatchCount": 2, "textSelectionMatchIndex": index}}))
            .send()
            .await
            .expect("create");
        assert_eq!(r.status(), 400, "{text:?} {index}");
    }
}

#[tokio::test]
async fn data_center_lists_comments_by_location_with_inline_properties() {
    let sb = spawn_sandbox().await;
    let path = format!("/rest/api/content/{RICH}/child/comment?depth=all");
    let inline = sb
        .json(&format!(
            "{path}&location=inline&expand=extensions.inlineProperties,extensions.resolution"
        ))
        .await;
    assert_valid("confluence-dc-get-comments", &inline);
    let results = inline["results"].as_array().expect("results");
    assert_eq!(results.len(), 2, "{inline}");
    assert_eq!(results[0]["extensions"]["location"], "inline");
    assert_eq!(
        results[0]["extensions"]["inlineProperties"]["originalSelection"],
        "Clone the repository"
    );
    assert_eq!(results[0]["extensions"]["resolution"]["status"], "open");
    let footer = sb.json(&format!("{path}&location=footer")).await;
    let all = sb.json(&path).await;
    let n = |v: &Value| v["results"].as_array().expect("results").len();
    assert_eq!(n(&footer) + 2, n(&all), "no location means every location");
    let created = ok_json(
        sb.post("/rest/api/content")
            .json(
                &json!({"type": "comment", "container": {"id": RICH, "type": "page"},
                "body": {"storage": {"value": "<p>dc</p>", "representation": "storage"}},
                "extensions": {"location": "inline",
                    "inlineProperties": {"originalSelection": "Run the tests", "matchIndex": 0}}}),
            )
            .send()
            .await
            .expect("create"),
    )
    .await;
    assert_valid("confluence-dc-create-content", &created);
    assert_eq!(created["extensions"]["location"], "inline");
    let missing = sb
        .post("/rest/api/content")
        .json(
            &json!({"type": "comment", "container": {"id": RICH, "type": "page"},
            "body": {"storage": {"value": "<p>dc</p>", "representation": "storage"}},
            "extensions": {"location": "inline",
                "inlineProperties": {"originalSelection": "nowhere to be found"}}}),
        )
        .send()
        .await
        .expect("create");
    assert_eq!(missing.status(), 400);
}
