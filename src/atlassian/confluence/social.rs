//! Labels and footer comments of a page. Cloud: v2 `labels` and `footer-comments` (replies
//! through `parentCommentId` and `/children`), v1 for adding labels; Server/DC: v1
//! `/label` and comments as content with `ancestors`.

use serde_json::{Value, json};

use super::encode;
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;
use crate::config::Deployment;

/// One footer comment.
#[derive(Debug, Clone, Default)]
pub struct Comment {
    /// Comment id.
    pub id: String,
    /// Page it is on, when the answer says.
    pub page_id: Option<String>,
    /// Comment it replies to.
    pub parent_id: Option<String>,
    /// Storage body.
    pub storage: String,
    /// Author account id (Cloud) or user object (DC).
    pub author: Option<Value>,
    /// When it was written.
    pub created: Option<String>,
}

pub(super) fn from_v2(v: &Value) -> Comment {
    Comment {
        id: v["id"].as_str().unwrap_or_default().to_owned(),
        page_id: v["pageId"].as_str().map(str::to_owned),
        parent_id: v["parentCommentId"].as_str().map(str::to_owned),
        storage: v["body"]["storage"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        author: v["version"]["authorId"]
            .as_str()
            .map(|a| Value::String(a.to_owned())),
        created: v["version"]["createdAt"].as_str().map(str::to_owned),
    }
}

pub(super) fn from_v1(v: &Value) -> Comment {
    Comment {
        id: v["id"].as_str().unwrap_or_default().to_owned(),
        page_id: v["container"]["id"].as_str().map(str::to_owned),
        parent_id: v["ancestors"]
            .as_array()
            .and_then(|a| a.last())
            .and_then(|a| a["id"].as_str())
            .map(str::to_owned),
        storage: v["body"]["storage"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        author: v["history"]["createdBy"]
            .as_object()
            .map(|o| Value::Object(o.clone())),
        created: v["history"]["createdDate"].as_str().map(str::to_owned),
    }
}

pub(super) async fn all_v2(
    client: &ServiceClient,
    auth: &CallAuth,
    path: &str,
    q: &[(&str, String)],
) -> Result<Vec<Value>, AtlassianError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    // Bounded: a page with more than 1000 labels or comments is cut off there.
    while out.len() < 1000 {
        let mut query = q.to_vec();
        query.push(("limit", "250".to_owned()));
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let v = client.get(auth, path, &query).await?.body;
        out.extend(v["results"].as_array().cloned().unwrap_or_default());
        cursor = v["_links"]["next"].as_str().and_then(|n| {
            let query = n.split_once('?')?.1;
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "cursor")
                .map(|(_, v)| v.into_owned())
        });
        if cursor.is_none() {
            break;
        }
    }
    Ok(out)
}

/// The label names of a page.
pub async fn labels(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
) -> Result<Vec<String>, AtlassianError> {
    let items = match client.deployment() {
        Deployment::Cloud => {
            all_v2(
                client,
                auth,
                &format!("/api/v2/pages/{}/labels", encode(page_id)),
                &[],
            )
            .await?
        }
        Deployment::Server => {
            let path = format!("/rest/api/content/{}/label", encode(page_id));
            let v = client
                .get(auth, &path, &[("limit", "200".to_owned())])
                .await?
                .body;
            v["results"].as_array().cloned().unwrap_or_default()
        }
    };
    Ok(items
        .iter()
        .filter_map(|l| l["name"].as_str().map(str::to_owned))
        .collect())
}

/// Adds a global label; returns the page's labels afterwards.
pub async fn add_label(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
    name: &str,
) -> Result<Vec<String>, AtlassianError> {
    let path = format!("/rest/api/content/{}/label", encode(page_id));
    let v = client
        .post(auth, &path, &json!([{"prefix": "global", "name": name}]))
        .await?
        .body;
    Ok(v["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|l| l["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Every footer comment of a page, replies included (with their parent ids).
pub async fn comments(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
) -> Result<Vec<Comment>, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let q = [("body-format", "storage".to_owned())];
            let top = all_v2(
                client,
                auth,
                &format!("/api/v2/pages/{}/footer-comments", encode(page_id)),
                &q,
            )
            .await?;
            let mut out: Vec<Comment> = top.iter().map(from_v2).collect();
            // Replies hang under their parents; walk them breadth first.
            let mut i = 0;
            while i < out.len() && out.len() < 1000 {
                let path = format!("/api/v2/footer-comments/{}/children", encode(&out[i].id));
                let parent = out[i].id.clone();
                for r in all_v2(client, auth, &path, &q).await? {
                    let mut c = from_v2(&r);
                    c.parent_id.get_or_insert_with(|| parent.clone());
                    c.page_id = Some(page_id.to_owned());
                    out.push(c);
                }
                i += 1;
            }
            Ok(out)
        }
        Deployment::Server => {
            let path = format!("/rest/api/content/{}/child/comment", encode(page_id));
            let q = [
                ("expand", "body.storage,history,ancestors".to_owned()),
                ("depth", "all".to_owned()),
                // Without it Data Center mixes inline comments in.
                ("location", "footer".to_owned()),
                ("limit", "200".to_owned()),
            ];
            let v = client.get(auth, &path, &q).await?.body;
            Ok(v["results"]
                .as_array()
                .map(|a| a.iter().map(from_v1).collect())
                .unwrap_or_default())
        }
    }
}

/// One comment, with the page it is on.
pub async fn comment(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<Comment, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let v = client
                .get(
                    auth,
                    &format!("/api/v2/footer-comments/{}", encode(id)),
                    &[],
                )
                .await?
                .body;
            Ok(from_v2(&v))
        }
        Deployment::Server => {
            let q = [("expand", "container,ancestors".to_owned())];
            let v = client
                .get(auth, &format!("/rest/api/content/{}", encode(id)), &q)
                .await?
                .body;
            Ok(from_v1(&v))
        }
    }
}

/// Adds a footer comment to a page, or a reply to `parent` (which is on that page).
pub async fn add_comment(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
    parent: Option<&str>,
    storage: &str,
) -> Result<Comment, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let mut body = json!({"body": {"representation": "storage", "value": storage}});
            match parent {
                Some(p) => body["parentCommentId"] = json!(p),
                None => body["pageId"] = json!(page_id),
            }
            let v = client
                .post(auth, "/api/v2/footer-comments", &body)
                .await?
                .body;
            let mut c = from_v2(&v);
            c.page_id.get_or_insert_with(|| page_id.to_owned());
            Ok(c)
        }
        Deployment::Server => {
            let mut body = json!({"type": "comment", "container": {"id": page_id, "type": "page"},
                "body": {"storage": {"value": storage, "representation": "storage"}}});
            if let Some(p) = parent {
                body["ancestors"] = json!([{"id": p}]);
            }
            let v = client.post(auth, "/rest/api/content", &body).await?.body;
            Ok(from_v1(&v))
        }
    }
}
