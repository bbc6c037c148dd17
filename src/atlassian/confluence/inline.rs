//! Inline comments: comments anchored to a text selection on a page. Cloud: v2
//! `pages/{id}/inline-comments` (replies through `/children`) and `POST inline-comments`
//! with `inlineCommentProperties`; Server/DC: comments as content with
//! `extensions.location = inline` and `extensions.inlineProperties`.

use serde_json::{Value, json};

use super::encode;
use super::social::{Comment, all_v2, from_v1, from_v2};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;
use crate::config::Deployment;

/// One inline comment: the comment, the text it highlights and whether it is resolved.
#[derive(Debug, Clone, Default)]
pub struct InlineComment {
    /// The comment itself (replies carry `parent_id`).
    pub comment: Comment,
    /// The highlighted text, when the answer says (top-level comments).
    pub selection: Option<String>,
    /// `open`, `resolved`, `reopened` or `dangling`, when the answer says.
    pub resolution: Option<String>,
}

/// Where to anchor a new inline comment: the `index`-th (0-based) of `count` occurrences of
/// `text` on the page.
#[derive(Debug, Clone)]
pub struct Selection<'a> {
    /// The exact text to highlight.
    pub text: &'a str,
    /// How many times it occurs on the page.
    pub count: u64,
    /// Which occurrence, from 0.
    pub index: u64,
}

fn inline_v2(v: &Value) -> InlineComment {
    InlineComment {
        comment: from_v2(v),
        selection: v["properties"]["inlineOriginalSelection"]
            .as_str()
            .map(str::to_owned),
        resolution: v["resolutionStatus"].as_str().map(str::to_owned),
    }
}

fn inline_v1(v: &Value) -> InlineComment {
    let ext = &v["extensions"];
    InlineComment {
        comment: from_v1(v),
        selection: ext["inlineProperties"]["originalSelection"]
            .as_str()
            .map(str::to_owned),
        resolution: ext["resolution"]["status"].as_str().map(str::to_owned),
    }
}

/// Every inline comment of a page, replies included (with their parent ids).
pub async fn inline_comments(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
) -> Result<Vec<InlineComment>, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let q = [("body-format", "storage".to_owned())];
            let path = format!("/api/v2/pages/{}/inline-comments", encode(page_id));
            let mut out: Vec<InlineComment> = all_v2(client, auth, &path, &q)
                .await?
                .iter()
                .map(inline_v2)
                .collect();
            // Replies hang under their parents; walk them breadth first, bounded.
            let mut i = 0;
            while i < out.len() && out.len() < 1000 {
                let parent = out[i].comment.id.clone();
                let path = format!("/api/v2/inline-comments/{}/children", encode(&parent));
                for r in all_v2(client, auth, &path, &q).await? {
                    let mut c = inline_v2(&r);
                    c.comment.parent_id.get_or_insert_with(|| parent.clone());
                    c.comment.page_id = Some(page_id.to_owned());
                    out.push(c);
                }
                i += 1;
            }
            Ok(out)
        }
        Deployment::Server => {
            let path = format!("/rest/api/content/{}/child/comment", encode(page_id));
            let mut out = Vec::new();
            // Open and resolved highlights are separate locations on Data Center.
            for location in ["inline", "resolved"] {
                let q = [
                    (
                        "expand",
                        "body.storage,history,ancestors,extensions.inlineProperties,extensions.resolution"
                            .to_owned(),
                    ),
                    ("depth", "all".to_owned()),
                    ("location", location.to_owned()),
                    ("limit", "200".to_owned()),
                ];
                let v = client.get(auth, &path, &q).await?.body;
                out.extend(v["results"].as_array().into_iter().flatten().map(inline_v1));
            }
            Ok(out)
        }
    }
}

/// Adds an inline comment highlighting `selection` on page `page_id`.
pub async fn add_inline_comment(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
    storage: &str,
    selection: &Selection<'_>,
) -> Result<InlineComment, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let body = json!({
                "pageId": page_id,
                "body": {"representation": "storage", "value": storage},
                "inlineCommentProperties": {
                    "textSelection": selection.text,
                    "textSelectionMatchCount": selection.count,
                    "textSelectionMatchIndex": selection.index,
                },
            });
            let v = client
                .post(auth, "/api/v2/inline-comments", &body)
                .await?
                .body;
            let mut c = inline_v2(&v);
            c.comment.page_id.get_or_insert_with(|| page_id.to_owned());
            c.selection.get_or_insert_with(|| selection.text.to_owned());
            Ok(c)
        }
        Deployment::Server => {
            let body = json!({
                "type": "comment",
                "container": {"id": page_id, "type": "page"},
                "body": {"storage": {"value": storage, "representation": "storage"}},
                "extensions": {
                    "location": "inline",
                    "inlineProperties": {
                        "originalSelection": selection.text,
                        "numMatches": selection.count,
                        "matchIndex": selection.index,
                    },
                },
            });
            let v = client.post(auth, "/rest/api/content", &body).await?.body;
            let mut c = inline_v1(&v);
            c.comment.page_id.get_or_insert_with(|| page_id.to_owned());
            c.selection.get_or_insert_with(|| selection.text.to_owned());
            Ok(c)
        }
    }
}
