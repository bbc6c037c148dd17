//! Confluence Data Center page writes and tree reads on `/rest/api/content`: create, update
//! (409 on a stale version), delete, child pages, historical versions and labels.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::confluence::cloud_pages::{add_labels, label_id, write_error};
use crate::sandbox::confluence::pages::{self, Update};
use crate::sandbox::confluence::render::{dc_content, dc_person};
use crate::sandbox::confluence::{limit_param, list_param, param, query_string};
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::model::Store;
use crate::sandbox::timefmt::{confluence as ts, now_secs};
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;
const V1: Family = Family::ConfluenceV1;

fn page_idx(store: &Store, id: &str) -> Result<usize, ApiError> {
    store.page_index(id).ok_or_else(|| {
        ApiError::not_found(
            V1,
            format!("No content found with id: ContentId{{id={id}}}"),
        )
    })
}

fn full_expand() -> BTreeSet<String> {
    ["space", "version", "ancestors", "body.storage", "history"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// The storage value of a v1 write body (`body.storage.{value, representation}`).
fn storage_of(body: &Value) -> Result<Option<String>, ApiError> {
    let s = &body["body"]["storage"];
    if s.is_null() {
        return Ok(None);
    }
    match s["representation"].as_str() {
        Some("storage") | None => Ok(Some(s["value"].as_str().unwrap_or_default().to_owned())),
        Some(other) => Err(ApiError::bad_request(
            V1,
            format!("Unsupported representation '{other}' for body.storage"),
        )),
    }
}

/// The parent named by the last of `ancestors: [{id}]`.
fn parent_of(store: &Store, body: &Value) -> Result<Option<usize>, ApiError> {
    match body["ancestors"]
        .as_array()
        .and_then(|a| a.last())
        .and_then(|a| {
            a["id"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| a["id"].as_u64().map(|n| n.to_string()))
        }) {
        Some(id) => page_idx(store, &id).map(Some),
        None => Ok(None),
    }
}

/// A v1 content list with `start`/`limit` and `_links.next`.
pub fn list(
    q: &[(String, String)],
    items: Vec<Value>,
    path: &str,
    base: &str,
) -> Result<Value, ApiError> {
    let limit = limit_param(q, "limit", 25, 200, V1)?.max(1);
    let start = limit_param(q, "start", 0, usize::MAX, V1)?;
    let total = items.len();
    let results: Vec<Value> = items.into_iter().skip(start).take(limit).collect();
    let size = results.len();
    let mut pairs: Vec<(&str, String)> = q
        .iter()
        .filter(|(k, _)| k != "start" && k != "limit")
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    pairs.push(("limit", limit.to_string()));
    let mut links = json!({"base": base, "context": "",
        "self": format!("{base}{path}?{}", query_string(&pairs))});
    if start + size < total {
        pairs.push(("start", (start + size).to_string()));
        links["next"] = json!(format!("{path}?{}", query_string(&pairs)));
    }
    Ok(json!({"results": results, "start": start, "limit": limit, "size": size, "_links": links}))
}

/// `POST /rest/api/content` for `type: page` (comments are handled in `dc_comments`).
pub async fn create_page(
    state: &SandboxState,
    me: usize,
    base: &str,
    body: &Value,
) -> Result<Json<Value>, ApiError> {
    let storage = storage_of(body)?.unwrap_or_default();
    let mut store = state.store();
    let key = body["space"]["key"]
        .as_str()
        .ok_or_else(|| ApiError::bad_request(V1, "space.key is required"))?;
    let space = store
        .spaces
        .iter()
        .position(|s| s.key == key)
        .ok_or_else(|| ApiError::not_found(V1, format!("No space with key : {key}")))?;
    let parent = parent_of(&store, body)?;
    let title = body["title"].as_str().unwrap_or_default();
    let idx = pages::create(&mut store, space, parent, title, &storage, me, now_secs())
        .map_err(|e| write_error(V1, e))?;
    Ok(Json(dc_content(&store, idx, &full_expand(), base)))
}

/// `PUT /rest/api/content/{id}`: 409 unless `version.number` is current + 1; `ancestors`
/// moves the page.
pub async fn update_page(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let storage = storage_of(&body)?;
    let base = base_url(&headers);
    let mut store = state.store();
    let idx = page_idx(&store, &id)?;
    let version = body["version"]["number"]
        .as_u64()
        .ok_or_else(|| ApiError::bad_request(V1, "version.number is required"))?;
    let update = Update {
        title: body["title"].as_str().unwrap_or_default().to_owned(),
        storage,
        parent: parent_of(&store, &body)?,
        space: match body["space"]["key"].as_str() {
            Some(k) => Some(
                store
                    .spaces
                    .iter()
                    .position(|s| s.key == k)
                    .ok_or_else(|| ApiError::not_found(V1, format!("No space with key : {k}")))?,
            ),
            None => None,
        },
        version,
        message: body["version"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        minor: body["version"]["minorEdit"].as_bool().unwrap_or(false),
    };
    pages::update(&mut store, idx, update, me, now_secs()).map_err(|e| write_error(V1, e))?;
    Ok(Json(dc_content(&store, idx, &full_expand(), &base)))
}

/// `DELETE /rest/api/content/{id}`: trashes the page (204).
pub async fn delete_page(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if id.starts_with("att") {
        return super::attachments::dc_delete(&state, &id);
    }
    let mut store = state.store();
    let idx = page_idx(&store, &id)?;
    store.pages[idx].trashed = true;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /rest/api/content/{id}/child/page?start=&limit=&expand=`, by position.
pub async fn child_pages(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = page_idx(&store, &id)?;
    let expand: BTreeSet<String> = list_param(&q, "expand").into_iter().collect();
    let mut kids: Vec<usize> = (0..store.pages.len())
        .filter(|&i| !store.pages[i].trashed && store.pages[i].parent == Some(idx))
        .collect();
    kids.sort_by_key(|&i| store.pages[i].position);
    let items = kids
        .iter()
        .map(|&i| dc_content(&store, i, &expand, &base))
        .collect();
    Ok(Json(list(
        &q,
        items,
        &format!("/rest/api/content/{id}/child/page"),
        &base,
    )?))
}

/// Rewrites rendered DC content into an earlier `version` (`?status=historical&version=N`).
pub fn at_version(
    store: &Store,
    idx: usize,
    version: u64,
    content: &mut Value,
    base: &str,
) -> bool {
    let Some(p) = store.pages.get(idx) else {
        return false;
    };
    if version == p.version {
        return true;
    }
    let Some(h) = p.history.iter().find(|h| h.number == version) else {
        return false;
    };
    content["title"] = json!(h.title);
    content["status"] = json!("historical");
    if content["version"].is_object() {
        let by = store.users.get(h.author).map(|u| dc_person(u, base));
        content["version"] = json!({"by": by, "when": ts(h.when), "message": h.message,
            "number": h.number, "minorEdit": h.minor, "hidden": false});
    }
    if content["body"]["storage"].is_object() {
        content["body"]["storage"]["value"] = json!(h.storage);
    }
    true
}

/// `GET /rest/api/content/{id}/label`.
pub async fn labels(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = page_idx(&store, &id)?;
    let items = store.pages[idx]
        .labels
        .iter()
        .map(|l| json!({"prefix": "global", "name": l, "id": label_id(l), "label": l}))
        .collect();
    Ok(Json(list(
        &q,
        items,
        &format!("/rest/api/content/{id}/label"),
        &base,
    )?))
}

/// `POST /rest/api/content/{id}/label`: adds labels, returns all of them.
pub async fn add_label(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let mut store = state.store();
    let idx = page_idx(&store, &id)?;
    add_labels(&mut store, idx, &body, V1)?;
    let items = store.pages[idx]
        .labels
        .iter()
        .map(|l| json!({"prefix": "global", "name": l, "id": label_id(l), "label": l}))
        .collect();
    Ok(Json(list(
        &[],
        items,
        &format!("/rest/api/content/{id}/label"),
        &base,
    )?))
}

/// The `version` query parameter, if any.
pub fn version_param(q: &[(String, String)]) -> Result<Option<u64>, ApiError> {
    param(q, "version")
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| ApiError::bad_request(V1, format!("Invalid version '{v}'")))
        })
        .transpose()
}

/// `POST /rest/api/content`: pages, and comments (`type: comment`).
pub async fn create_content(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    match body["type"].as_str() {
        Some("page") => create_page(&state, me, &base, &body).await,
        Some("comment") => super::dc_comments::create_comment(&state, me, &base, &body),
        other => Err(ApiError::bad_request(
            V1,
            format!("Content type {other:?} is not supported by the sandbox (page, comment)"),
        )),
    }
}

/// `GET /rest/api/space/{spaceKey}?expand=homepage`.
pub async fn get_space(
    State(state): State<SandboxState>,
    Path(key): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let s = store
        .spaces
        .iter()
        .find(|s| s.key == key)
        .ok_or_else(|| ApiError::not_found(V1, format!("No space with key : {key}")))?;
    Ok(Json(space_json(&store, s, &q, &base)))
}

/// `GET /rest/api/space?spaceKey=&spaceId=`: spaces, filtered by key and id when given.
pub async fn list_spaces(
    State(state): State<SandboxState>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let keys: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "spaceKey")
        .map(|(_, v)| v.as_str())
        .collect();
    let ids: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "spaceId")
        .map(|(_, v)| v.as_str())
        .collect();
    let items = store
        .spaces
        .iter()
        .filter(|s| keys.is_empty() || keys.contains(&s.key.as_str()))
        .filter(|s| ids.is_empty() || ids.contains(&s.id.as_str()))
        .map(|s| space_json(&store, s, &q, &base))
        .collect();
    Ok(Json(list(&q, items, "/rest/api/space", &base)?))
}

fn space_json(
    store: &crate::sandbox::model::Store,
    s: &crate::sandbox::model::Space,
    q: &[(String, String)],
    base: &str,
) -> Value {
    let mut v = json!({"id": s.id.parse::<u64>().unwrap_or(0), "key": s.key, "name": s.name,
        "type": "global", "status": "current",
        "_links": {"webui": format!("/display/{}", s.key), "self": format!("{base}/rest/api/space/{}", s.key)},
        "_expandable": {"homepage": format!("/rest/api/content/{}", store.pages.get(s.homepage).map(|p| p.id.clone()).unwrap_or_default())}});
    if list_param(q, "expand").iter().any(|e| e == "homepage") {
        v["homepage"] = dc_content(store, s.homepage, &BTreeSet::new(), base);
    }
    v
}
