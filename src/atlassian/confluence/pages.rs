//! Page tree reads and page writes: children, a space's pages, create, update (with the
//! version number Confluence demands), delete, earlier versions, move and copy.
//!
//! Cloud uses `/api/v2` where it has the operation and `/rest/api` (v1) for move and copy;
//! Server/DC uses `/rest/api/content`, where a move is an update of `ancestors` and a copy
//! is a create with the source's body.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Page, V1_EXPAND, encode, from_v1, from_v2, get_page, space_id_by_key};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::{AtlassianError, ErrorKind, list_at};
use crate::config::{Deployment, Product};

/// A page in a listing: id, title, parent and position among its siblings.
#[derive(Debug, Clone, Default)]
pub struct PageRef {
    /// Page id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Parent page id, when known.
    pub parent_id: Option<String>,
    /// Position among siblings, when known.
    pub position: Option<i64>,
    /// Version number, when known.
    pub version: Option<u64>,
    /// Storage body, when asked for.
    pub storage: Option<String>,
    /// Web UI path.
    pub webui: Option<String>,
}

fn cursor_of(next: &str) -> Option<String> {
    let query = next.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.into_owned())
}

/// Follows v2 cursors from `path`, skipping `start` items and returning up to `limit`, plus
/// whether more exist.
async fn v2_collect(
    client: &ServiceClient,
    auth: &CallAuth,
    path: &str,
    query: &[(&str, String)],
    start: usize,
    limit: usize,
) -> Result<(Vec<Value>, bool), AtlassianError> {
    let mut out = Vec::new();
    let mut seen = 0usize;
    let mut cursor: Option<String> = None;
    // Bounded so a server that keeps linking the same cursor cannot hold the tool forever.
    for _ in 0..MAX_REQUESTS {
        let mut q: Vec<(&str, String)> = query.to_vec();
        // Pages of `limit` items (larger while a big `start` is skipped): skipping walks the
        // cursors rather than fetching everything at once.
        q.push(("limit", limit.max(start.min(250)).clamp(1, 250).to_string()));
        if let Some(c) = &cursor {
            q.push(("cursor", c.clone()));
        }
        let v = client.get(auth, path, &q).await?.body;
        for item in list_at(Product::Confluence, &v, "results", &format!("GET {path}"))? {
            if seen >= start && out.len() < limit {
                out.push(item);
            }
            seen += 1;
        }
        cursor = v["_links"]["next"].as_str().and_then(cursor_of);
        if cursor.is_none() {
            return Ok((out, false));
        }
        if out.len() >= limit {
            return Ok((out, true));
        }
    }
    Ok((out, true))
}

/// Most list requests one tool call makes while following cursors.
const MAX_REQUESTS: usize = 200;

/// Follows v1 `start`/`limit` paging from `path`, returning up to `limit` from `start`.
async fn v1_collect(
    client: &ServiceClient,
    auth: &CallAuth,
    path: &str,
    query: &[(&str, String)],
    start: usize,
    limit: usize,
) -> Result<(Vec<Value>, bool), AtlassianError> {
    let mut out: Vec<Value> = Vec::new();
    let mut at = start;
    loop {
        let mut q: Vec<(&str, String)> = query.to_vec();
        q.push(("start", at.to_string()));
        q.push(("limit", (limit - out.len()).clamp(1, 200).to_string()));
        let v = client.get(auth, path, &q).await?.body;
        let results = list_at(Product::Confluence, &v, "results", &format!("GET {path}"))?;
        at += results.len();
        // An empty page that still links onwards would loop forever: treat it as the end.
        let more = v["_links"]["next"].is_string() && !results.is_empty();
        out.extend(results);
        if !more || out.len() >= limit {
            out.truncate(limit);
            return Ok((out, more));
        }
    }
}

fn ref_v2(v: &Value) -> PageRef {
    PageRef {
        id: v["id"].as_str().unwrap_or_default().to_owned(),
        title: v["title"].as_str().unwrap_or_default().to_owned(),
        parent_id: v["parentId"].as_str().map(str::to_owned),
        position: v["childPosition"].as_i64().or(v["position"].as_i64()),
        version: v["version"]["number"].as_u64(),
        storage: v["body"]["storage"]["value"].as_str().map(str::to_owned),
        webui: v["_links"]["webui"].as_str().map(str::to_owned),
    }
}

fn ref_v1(v: &Value) -> PageRef {
    PageRef {
        id: v["id"].as_str().unwrap_or_default().to_owned(),
        title: v["title"].as_str().unwrap_or_default().to_owned(),
        parent_id: v["ancestors"]
            .as_array()
            .and_then(|a| a.last())
            .and_then(|p| p["id"].as_str())
            .map(str::to_owned),
        position: v["extensions"]["position"].as_i64(),
        version: v["version"]["number"].as_u64(),
        storage: v["body"]["storage"]["value"].as_str().map(str::to_owned),
        webui: v["_links"]["webui"].as_str().map(str::to_owned),
    }
}

/// Child pages of `parent_id`, from `start`, at most `limit`; true when more follow.
pub async fn children(
    client: &ServiceClient,
    auth: &CallAuth,
    parent_id: &str,
    start: usize,
    limit: usize,
    with_body: bool,
) -> Result<(Vec<PageRef>, bool), AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let path = format!("/api/v2/pages/{}/children", encode(parent_id));
            let (items, more) = v2_collect(client, auth, &path, &[], start, limit).await?;
            let mut refs: Vec<PageRef> = items.iter().map(ref_v2).collect();
            for r in refs.iter_mut() {
                r.parent_id = Some(parent_id.to_owned());
            }
            if with_body {
                // `children` carries no bodies; fetch each page (bounded by `limit` ≤ 50).
                for r in refs.iter_mut() {
                    let p = get_page(client, auth, &r.id).await?;
                    r.storage = Some(p.storage);
                    r.version = p.version;
                    r.webui = p.webui;
                }
            }
            Ok((refs, more))
        }
        Deployment::Server => {
            let path = format!("/rest/api/content/{}/child/page", encode(parent_id));
            let expand = if with_body {
                "version,body.storage"
            } else {
                "version"
            };
            let (items, more) = v1_collect(
                client,
                auth,
                &path,
                &[("expand", expand.to_owned())],
                start,
                limit,
            )
            .await?;
            let mut refs: Vec<PageRef> = items.iter().map(ref_v1).collect();
            for r in refs.iter_mut() {
                r.parent_id = Some(parent_id.to_owned());
            }
            Ok((refs, more))
        }
    }
}

/// Up to `limit` pages of a space with their parents; true when the space has more.
pub async fn space_pages(
    client: &ServiceClient,
    auth: &CallAuth,
    space_key: &str,
    limit: usize,
) -> Result<(Vec<PageRef>, bool), AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let space_id = space_id_by_key(client, auth, space_key).await?;
            let path = format!("/api/v2/spaces/{}/pages", encode(&space_id));
            let (items, more) =
                v2_collect(client, auth, &path, &[("depth", "all".into())], 0, limit).await?;
            Ok((items.iter().map(ref_v2).collect(), more))
        }
        Deployment::Server => {
            let q = [
                ("spaceKey", space_key.to_owned()),
                ("type", "page".to_owned()),
                ("expand", "ancestors".to_owned()),
            ];
            let (items, more) = v1_collect(client, auth, "/rest/api/content", &q, 0, limit).await?;
            Ok((items.iter().map(ref_v1).collect(), more))
        }
    }
}

/// Creates a page with a storage body under `parent_id` (the space home page when `None`).
pub async fn create_page(
    client: &ServiceClient,
    auth: &CallAuth,
    space_key: &str,
    title: &str,
    storage: &str,
    parent_id: Option<&str>,
) -> Result<Page, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let space_id = space_id_by_key(client, auth, space_key).await?;
            let mut body = json!({"spaceId": space_id, "status": "current", "title": title,
                "body": {"representation": "storage", "value": storage}});
            if let Some(p) = parent_id {
                body["parentId"] = json!(p);
            }
            let v = client.post(auth, "/api/v2/pages", &body).await?.body;
            let mut page = from_v2(&v);
            page.space_key = Some(space_key.to_owned());
            Ok(page)
        }
        Deployment::Server => {
            let mut body = json!({"type": "page", "title": title, "space": {"key": space_key},
                "body": {"storage": {"value": storage, "representation": "storage"}}});
            if let Some(p) = parent_id {
                body["ancestors"] = json!([{"id": p}]);
            }
            let v = client.post(auth, "/rest/api/content", &body).await?.body;
            Ok(from_v1(&v))
        }
    }
}

/// One page update: the version number written must be the current one plus one.
#[derive(Debug, Clone)]
pub struct PageUpdate<'a> {
    /// New title.
    pub title: &'a str,
    /// New storage body.
    pub storage: &'a str,
    /// The version being written (current + 1).
    pub version: u64,
    /// Version comment.
    pub message: Option<&'a str>,
    /// Minor edit (no notifications).
    pub minor: bool,
    /// New parent page id.
    pub parent_id: Option<&'a str>,
    /// Space of the new parent, when it differs (Server/DC moves across spaces).
    pub space_key: Option<&'a str>,
}

/// Writes a new version of a page; a stale version number comes back as a 409 error.
pub async fn update_page(
    client: &ServiceClient,
    auth: &CallAuth,
    page: &Page,
    u: &PageUpdate<'_>,
) -> Result<Page, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let mut body = json!({"id": page.id, "status": "current", "title": u.title,
                "body": {"representation": "storage", "value": u.storage},
                "version": {"number": u.version, "message": u.message.unwrap_or(""), "minorEdit": u.minor}});
            if let Some(p) = u.parent_id {
                body["parentId"] = json!(p);
            }
            let path = format!("/api/v2/pages/{}", encode(&page.id));
            let v = client
                .call(auth, Method::PUT, &path, &[], Some(&body))
                .await?
                .body;
            let mut out = from_v2(&v);
            out.space_key = page.space_key.clone();
            Ok(out)
        }
        Deployment::Server => {
            let mut body = json!({"id": page.id, "type": "page", "title": u.title,
                "body": {"storage": {"value": u.storage, "representation": "storage"}},
                "version": {"number": u.version, "message": u.message.unwrap_or(""), "minorEdit": u.minor}});
            if let Some(p) = u.parent_id {
                body["ancestors"] = json!([{"id": p}]);
            }
            if let Some(k) = u.space_key {
                body["space"] = json!({"key": k});
            }
            let path = format!("/rest/api/content/{}", encode(&page.id));
            let v = client
                .call(auth, Method::PUT, &path, &[], Some(&body))
                .await?
                .body;
            Ok(from_v1(&v))
        }
    }
}

/// Moves a page to the trash.
pub async fn delete_page(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<(), AtlassianError> {
    let path = match client.deployment() {
        Deployment::Cloud => format!("/api/v2/pages/{}", encode(id)),
        Deployment::Server => format!("/rest/api/content/{}", encode(id)),
    };
    client.call(auth, Method::DELETE, &path, &[], None).await?;
    Ok(())
}

/// A page as it was at `version`.
pub async fn page_at_version(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
    version: u64,
) -> Result<Page, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let path = format!("/api/v2/pages/{}", encode(id));
            let q = [
                ("body-format", "storage".to_owned()),
                ("version", version.to_string()),
            ];
            Ok(from_v2(&client.get(auth, &path, &q).await?.body))
        }
        Deployment::Server => {
            let path = format!("/rest/api/content/{}", encode(id));
            let q = [
                ("status", "historical".to_owned()),
                ("version", version.to_string()),
                ("expand", V1_EXPAND.to_owned()),
            ];
            Ok(from_v1(&client.get(auth, &path, &q).await?.body))
        }
    }
}

/// Moves a page: `append` under `target_id`, or `before`/`after` it as a sibling.
pub async fn move_page(
    client: &ServiceClient,
    auth: &CallAuth,
    page: &Page,
    position: &str,
    target_id: &str,
) -> Result<(), AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let path = format!(
                "/rest/api/content/{}/move/{}/{}",
                encode(&page.id),
                encode(position),
                encode(target_id)
            );
            client.call(auth, Method::PUT, &path, &[], None).await?;
            Ok(())
        }
        Deployment::Server => {
            // DC 10 documents no move endpoint: a new version with other ancestors moves it.
            let target = get_page(client, auth, target_id).await?;
            let parent = if position == "append" {
                target_id.to_owned()
            } else {
                target.parent_id.clone().ok_or_else(|| {
                    AtlassianError::new(
                        Product::Confluence,
                        ErrorKind::BadRequest,
                        "the target page is a top-level page; use position append",
                    )
                })?
            };
            let u = PageUpdate {
                title: &page.title,
                storage: &page.storage,
                version: page.version.unwrap_or(0) + 1,
                message: None,
                minor: true,
                parent_id: Some(&parent),
                space_key: target.space_key.as_deref(),
            };
            update_page(client, auth, page, &u).await.map(|_| ())
        }
    }
}

/// Copies a page to `space_key` under `parent_id` with a new title; returns the copy.
pub async fn copy_page(
    client: &ServiceClient,
    auth: &CallAuth,
    source: &Page,
    space_key: &str,
    parent_id: Option<&str>,
    title: &str,
) -> Result<Page, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let destination = match parent_id {
                Some(p) => json!({"type": "parent_page", "value": p}),
                None => json!({"type": "space", "value": space_key}),
            };
            let body = json!({"copyAttachments": true, "copyLabels": true, "copyPermissions": false,
                "copyProperties": true, "destination": destination, "pageTitle": title});
            let path = format!("/rest/api/content/{}/copy", encode(&source.id));
            let v = client.post(auth, &path, &body).await?.body;
            let mut page = from_v1(&v);
            page.space_key.get_or_insert_with(|| space_key.to_owned());
            Ok(page)
        }
        Deployment::Server => {
            create_page(client, auth, space_key, title, &source.storage, parent_id).await
        }
    }
}

/// The home page of a space.
pub async fn space_home(
    client: &ServiceClient,
    auth: &CallAuth,
    space_key: &str,
) -> Result<Page, AtlassianError> {
    let home_id = match client.deployment() {
        Deployment::Cloud => {
            let v = client
                .get(auth, "/api/v2/spaces", &[("keys", space_key.to_owned())])
                .await?
                .body;
            v["results"][0]["homepageId"].as_str().map(str::to_owned)
        }
        Deployment::Server => {
            let path = format!("/rest/api/space/{}", encode(space_key));
            let v = client
                .get(auth, &path, &[("expand", "homepage".to_owned())])
                .await?
                .body;
            v["homepage"]["id"].as_str().map(str::to_owned)
        }
    };
    let id = home_id.ok_or_else(|| {
        AtlassianError::new(
            Product::Confluence,
            ErrorKind::NotFound,
            format!("space {space_key} has no home page; pass target_parent_id"),
        )
    })?;
    get_page(client, auth, &id).await
}
