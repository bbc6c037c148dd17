//! Confluence REST calls: Cloud `/wiki/api/v2` for pages and `/wiki/rest/api/search` for CQL;
//! Server/DC `/rest/api/content` and `/rest/api/content/search`. Paths here are relative to
//! `CONFLUENCE_URL` (which includes `/wiki` on Cloud).

use serde_json::Value;

pub mod analytics;
pub mod attachments;
pub mod inline;
pub mod pages;
pub mod permissions;
pub mod restrictions;
pub mod social;
pub mod templates;
pub mod users;

use super::client::{CallAuth, ServiceClient};
use super::error::{AtlassianError, ErrorKind, list_at};
use crate::config::{Deployment, Product};

pub(crate) fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// A page with its storage body, normalised across Cloud v2 and Server/DC v1.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Page id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Space key, when known.
    pub space_key: Option<String>,
    /// Space id (Cloud).
    pub space_id: Option<String>,
    /// Version number.
    pub version: Option<u64>,
    /// When the current version was made.
    pub updated: Option<String>,
    /// When the page was created.
    pub created: Option<String>,
    /// Author account id (Cloud) or user object (DC).
    pub author: Option<Value>,
    /// Parent page id.
    pub parent_id: Option<String>,
    /// Storage-format body.
    pub storage: String,
    /// Web UI path (relative to the site).
    pub webui: Option<String>,
    /// Labels, when returned.
    pub labels: Vec<String>,
}

pub(crate) fn from_v2(v: &Value) -> Page {
    Page {
        id: v["id"].as_str().unwrap_or_default().to_owned(),
        title: v["title"].as_str().unwrap_or_default().to_owned(),
        space_key: None,
        space_id: v["spaceId"].as_str().map(str::to_owned),
        version: v["version"]["number"].as_u64(),
        updated: v["version"]["createdAt"].as_str().map(str::to_owned),
        created: v["createdAt"].as_str().map(str::to_owned),
        author: v["authorId"].as_str().map(|a| Value::String(a.to_owned())),
        parent_id: v["parentId"].as_str().map(str::to_owned),
        storage: v["body"]["storage"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        webui: v["_links"]["webui"].as_str().map(str::to_owned),
        labels: v["labels"]["results"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

pub(crate) fn from_v1(v: &Value) -> Page {
    Page {
        id: v["id"].as_str().unwrap_or_default().to_owned(),
        title: v["title"].as_str().unwrap_or_default().to_owned(),
        space_key: v["space"]["key"].as_str().map(str::to_owned),
        space_id: v["space"]["id"]
            .as_u64()
            .map(|n| n.to_string())
            .or_else(|| v["space"]["id"].as_str().map(str::to_owned)),
        version: v["version"]["number"].as_u64(),
        updated: v["version"]["when"].as_str().map(str::to_owned),
        created: v["history"]["createdDate"].as_str().map(str::to_owned),
        author: v["history"]["createdBy"]
            .as_object()
            .map(|o| Value::Object(o.clone())),
        parent_id: v["ancestors"]
            .as_array()
            .and_then(|a| a.last())
            .and_then(|p| p["id"].as_str())
            .map(str::to_owned),
        storage: v["body"]["storage"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        webui: v["_links"]["webui"].as_str().map(str::to_owned),
        labels: v["metadata"]["labels"]["results"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

pub(crate) const V1_EXPAND: &str = "body.storage,version,space,ancestors,history,metadata.labels";

/// A page by id.
pub async fn get_page(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<Page, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let path = format!("/api/v2/pages/{}", encode(id));
            let q = [
                ("body-format", "storage".to_owned()),
                ("include-labels", "true".to_owned()),
            ];
            let v = client.get(auth, &path, &q).await?.body;
            let mut page = from_v2(&v);
            if let Some(space_id) = page.space_id.clone() {
                page.space_key = space_key_by_id(client, auth, &space_id)
                    .await
                    .ok()
                    .flatten();
            }
            Ok(page)
        }
        Deployment::Server => {
            let path = format!("/rest/api/content/{}", encode(id));
            let v = client
                .get(auth, &path, &[("expand", V1_EXPAND.to_owned())])
                .await?
                .body;
            Ok(from_v1(&v))
        }
    }
}

pub(crate) async fn space_key_by_id(
    client: &ServiceClient,
    auth: &CallAuth,
    space_id: &str,
) -> Result<Option<String>, AtlassianError> {
    let v = client
        .get(auth, "/api/v2/spaces", &[("ids", space_id.to_owned())])
        .await?
        .body;
    Ok(v["results"][0]["key"].as_str().map(str::to_owned))
}

pub(crate) async fn space_id_by_key(
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
) -> Result<String, AtlassianError> {
    let v = client
        .get(auth, "/api/v2/spaces", &[("keys", key.to_owned())])
        .await?
        .body;
    v["results"][0]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| {
            AtlassianError::new(
                Product::Confluence,
                ErrorKind::NotFound,
                format!("No space has the key {key}"),
            )
        })
}

/// A page by title within a space; `Ok(None)` when no page matches.
pub async fn get_page_by_title(
    client: &ServiceClient,
    auth: &CallAuth,
    space_key: &str,
    title: &str,
) -> Result<Option<Page>, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let space_id = space_id_by_key(client, auth, space_key).await?;
            let q = [
                ("title", title.to_owned()),
                ("space-id", space_id),
                ("body-format", "storage".to_owned()),
                ("limit", "1".to_owned()),
            ];
            let v = client.get(auth, "/api/v2/pages", &q).await?.body;
            Ok(v["results"].as_array().and_then(|r| r.first()).map(|p| {
                let mut page = from_v2(p);
                page.space_key = Some(space_key.to_owned());
                page
            }))
        }
        Deployment::Server => {
            let q = [
                ("title", title.to_owned()),
                ("spaceKey", space_key.to_owned()),
                ("expand", V1_EXPAND.to_owned()),
                ("limit", "1".to_owned()),
            ];
            let v = client.get(auth, "/rest/api/content", &q).await?.body;
            Ok(v["results"].as_array().and_then(|r| r.first()).map(from_v1))
        }
    }
}

/// One CQL search hit.
#[derive(Debug, Clone, Default)]
pub struct SearchHit {
    /// Content id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Content type (page, blogpost, attachment, …).
    pub content_type: String,
    /// Space key.
    pub space_key: Option<String>,
    /// Highlight-free excerpt.
    pub excerpt: Option<String>,
    /// Web UI path.
    pub webui: Option<String>,
    /// Last modification time.
    pub last_modified: Option<String>,
}

/// CQL search: `/rest/api/search` on Cloud, `/rest/api/content/search` on Server/DC.
pub async fn search(
    client: &ServiceClient,
    auth: &CallAuth,
    cql: &str,
    limit: u32,
) -> Result<(Vec<SearchHit>, Option<u64>), AtlassianError> {
    let path = match client.deployment() {
        Deployment::Cloud => "/rest/api/search",
        Deployment::Server => "/rest/api/content/search",
    };
    let q = [
        ("cql", cql.to_owned()),
        ("limit", limit.to_string()),
        ("expand", "space,version".to_owned()),
    ];
    let v = client.get(auth, path, &q).await?.body;
    let results = list_at(Product::Confluence, &v, "results", &format!("GET {path}"))?;
    let hits = results
        .iter()
        .map(|r| {
            // Cloud search wraps the content; DC content search returns it directly.
            let c = if r.get("content").is_some() {
                &r["content"]
            } else {
                r
            };
            SearchHit {
                id: c["id"].as_str().unwrap_or_default().to_owned(),
                title: c["title"]
                    .as_str()
                    .or(r["title"].as_str())
                    .unwrap_or_default()
                    .to_owned(),
                content_type: c["type"].as_str().unwrap_or("page").to_owned(),
                space_key: c["space"]["key"].as_str().map(str::to_owned).or_else(|| {
                    r["resultGlobalContainer"]["displayUrl"]
                        .as_str()
                        .and_then(|u| u.strip_prefix("/spaces/"))
                        .map(str::to_owned)
                }),
                excerpt: r["excerpt"]
                    .as_str()
                    .map(str::to_owned)
                    .filter(|e| !e.is_empty()),
                webui: c["_links"]["webui"]
                    .as_str()
                    .or(r["url"].as_str())
                    .map(str::to_owned),
                last_modified: r["lastModified"]
                    .as_str()
                    .or(c["version"]["when"].as_str())
                    .map(str::to_owned),
            }
        })
        .collect();
    let total = v["totalSize"].as_u64().or(v["size"].as_u64());
    Ok((hits, total))
}

/// `GET /rest/api/user/current` (readiness probe).
pub async fn current_user(
    client: &ServiceClient,
    auth: &CallAuth,
) -> Result<Value, AtlassianError> {
    Ok(client.get(auth, "/rest/api/user/current", &[]).await?.body)
}
