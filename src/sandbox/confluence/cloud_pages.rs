//! Confluence Cloud page writes and page-tree reads: v2 create/update/delete, children,
//! pages in a space, versions, labels and footer comments; v1 move, copy and add-label where
//! v2 has no equivalent.

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::confluence::cloud::paged;
use crate::sandbox::confluence::pages::{self, Update, WriteError};
use crate::sandbox::confluence::render::{BodyFormat, dc_content, v2_page};
use crate::sandbox::confluence::{decode_cursor, encode_cursor, limit_param, param, query_string};
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::model::Store;
use crate::sandbox::timefmt::{confluence as ts, now_secs};
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;
const V2: Family = Family::ConfluenceV2;
const V1: Family = Family::ConfluenceV1;

/// Maps a write refusal to the answer of `family`.
pub fn write_error(family: Family, e: WriteError) -> ApiError {
    match e {
        WriteError::Invalid(m) => ApiError::bad_request(family, m),
        WriteError::Missing(m) => ApiError::not_found(family, m),
        WriteError::Conflict(current) => ApiError::new(
            family,
            StatusCode::CONFLICT,
            format!("Version must be incremented on update. Current version is: {current}"),
        ),
    }
}

fn page_idx(store: &Store, id: &str, family: Family) -> Result<usize, ApiError> {
    store
        .page_index(id)
        .ok_or_else(|| ApiError::not_found(family, "Not Found"))
}

fn space_by_id(store: &Store, id: &str) -> Result<usize, ApiError> {
    store
        .spaces
        .iter()
        .position(|s| s.id == id)
        .ok_or_else(|| ApiError::not_found(V2, format!("Space {id} not found")))
}

/// The storage value of a v2 write body (`body: {representation, value}`).
fn storage_of(body: &Value) -> Result<Option<String>, ApiError> {
    let b = &body["body"];
    if b.is_null() {
        return Ok(None);
    }
    match b["representation"].as_str() {
        Some("storage") => Ok(Some(b["value"].as_str().unwrap_or_default().to_owned())),
        other => Err(ApiError::bad_request(
            V2,
            format!("Unsupported body representation {other:?}: the sandbox accepts storage"),
        )),
    }
}

/// A cursor page of `items` (already ordered) under `path`.
pub(crate) fn cursor_page(
    q: &[(String, String)],
    items: Vec<Value>,
    path: &str,
    base: &str,
) -> Result<Response, ApiError> {
    let limit = limit_param(q, "limit", 25, 250, V2)?.max(1);
    let start = decode_cursor(param(q, "cursor"), V2)?;
    let total = items.len();
    let results: Vec<Value> = items.into_iter().skip(start).take(limit).collect();
    let end = start + results.len();
    let next = (end < total).then(|| {
        let mut pairs: Vec<(&str, String)> = q
            .iter()
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("cursor", encode_cursor(end)));
        format!("/wiki/api/v2{path}?{}", query_string(&pairs))
    });
    Ok(paged(results, next, base))
}

/// `POST /wiki/api/v2/pages`.
pub async fn create_page(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let storage = storage_of(&body)?.unwrap_or_default();
    let base = base_url(&headers);
    let mut store = state.store();
    let space_id = body["spaceId"]
        .as_str()
        .ok_or_else(|| ApiError::bad_request(V2, "spaceId is required"))?;
    let space = space_by_id(&store, space_id)?;
    let parent = match body["parentId"].as_str() {
        Some(p) => Some(page_idx(&store, p, V2)?),
        None => None,
    };
    let title = body["title"].as_str().unwrap_or_default();
    let idx = pages::create(&mut store, space, parent, title, &storage, me, now_secs())
        .map_err(|e| write_error(V2, e))?;
    Ok(Json(v2_page(&store, idx, Some(BodyFormat::Storage), &base)))
}

/// `PUT /wiki/api/v2/pages/{id}`: 409 unless `version.number` is current + 1.
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
    let idx = page_idx(&store, &id, V2)?;
    let version = body["version"]["number"]
        .as_u64()
        .ok_or_else(|| ApiError::bad_request(V2, "version.number is required"))?;
    let parent = match body["parentId"].as_str() {
        Some(p) => Some(page_idx(&store, p, V2)?),
        None => None,
    };
    let update = Update {
        title: body["title"].as_str().unwrap_or_default().to_owned(),
        storage,
        space: match body["spaceId"].as_str() {
            Some(sid) => Some(space_by_id(&store, sid)?),
            None => None,
        },
        parent,
        version,
        message: body["version"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        minor: body["version"]["minorEdit"].as_bool().unwrap_or(false),
    };
    pages::update(&mut store, idx, update, me, now_secs()).map_err(|e| write_error(V2, e))?;
    Ok(Json(v2_page(&store, idx, Some(BodyFormat::Storage), &base)))
}

/// `DELETE /wiki/api/v2/pages/{id}`: moves the page to the trash (204).
pub async fn delete_page(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut store = state.store();
    let idx = page_idx(&store, &id, V2)?;
    store.pages[idx].trashed = true;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /wiki/api/v2/pages/{id}/children`: child pages by position (`ChildPage`).
pub async fn children(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    child_pages(&state, &id, &q, &headers, "children", None)
}

/// `GET /wiki/api/v2/pages/{id}/direct-children?cursor=&limit=`: every direct child of any
/// hierarchical type, each naming its `type` (the sandbox holds only pages).
pub async fn direct_children(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    child_pages(&state, &id, &q, &headers, "direct-children", Some("page"))
}

/// The page's live children by position, one cursor page of them under `/pages/{id}/{what}`;
/// each names its `type` when one is given.
fn child_pages(
    state: &SandboxState,
    id: &str,
    q: &[(String, String)],
    headers: &HeaderMap,
    what: &str,
    kind: Option<&str>,
) -> Result<Response, ApiError> {
    let base = base_url(headers);
    let store = state.store();
    let idx = page_idx(&store, id, V2)?;
    let mut kids: Vec<usize> = (0..store.pages.len())
        .filter(|&i| !store.pages[i].trashed && store.pages[i].parent == Some(idx))
        .collect();
    kids.sort_by_key(|&i| store.pages[i].position);
    let items = kids
        .iter()
        .map(|&i| {
            let p = &store.pages[i];
            let mut v = json!({"id": p.id, "status": "current", "title": p.title,
                "spaceId": store.spaces.get(p.space).map(|s| s.id.clone()), "childPosition": p.position});
            if let Some(kind) = kind {
                v["type"] = json!(kind);
            }
            v
        })
        .collect();
    cursor_page(q, items, &format!("/pages/{id}/{what}"), &base)
}

/// `GET /wiki/api/v2/spaces/{id}/pages?depth=all|root&body-format=&cursor=&limit=`.
pub async fn space_pages(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let body =
        BodyFormat::parse(param(&q, "body-format")).map_err(|m| ApiError::bad_request(V2, m))?;
    let root_only = match param(&q, "depth") {
        None | Some("all") => false,
        Some("root") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                V2,
                format!("Invalid depth '{other}'"),
            ));
        }
    };
    let base = base_url(&headers);
    let store = state.store();
    let space = space_by_id(&store, &id)?;
    let items = (0..store.pages.len())
        .filter(|&i| {
            let p = &store.pages[i];
            !p.trashed && p.space == space && (!root_only || p.parent.is_none())
        })
        .map(|i| v2_page(&store, i, body, &base))
        .collect();
    cursor_page(&q, items, &format!("/spaces/{id}/pages"), &base)
}

/// `GET /wiki/api/v2/pages/{id}/versions`, newest first.
pub async fn versions(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = page_idx(&store, &id, V2)?;
    let p = &store.pages[idx];
    let account = |u: usize| store.users.get(u).map(|x| x.account_id.clone());
    let mut items = vec![
        json!({"createdAt": ts(p.modified), "message": p.message, "number": p.version,
        "minorEdit": p.minor, "authorId": account(p.modifier), "page": {"id": p.id, "title": p.title}}),
    ];
    items.extend(p.history.iter().rev().map(|h| {
        json!({"createdAt": ts(h.when), "message": h.message, "number": h.number,
            "minorEdit": h.minor, "authorId": account(h.author), "page": {"id": p.id, "title": h.title}})
    }));
    cursor_page(&q, items, &format!("/pages/{id}/versions"), &base)
}

/// Rewrites a rendered current page into how it looked at an earlier `version`.
pub fn at_version(store: &Store, idx: usize, version: u64, page: &mut Value) -> bool {
    let Some(p) = store.pages.get(idx) else {
        return false;
    };
    if version == p.version {
        return true;
    }
    let Some(h) = p.history.iter().find(|h| h.number == version) else {
        return false;
    };
    let account = store.users.get(h.author).map(|u| u.account_id.clone());
    page["title"] = json!(h.title);
    page["version"] = json!({"createdAt": ts(h.when), "message": h.message, "number": h.number,
        "minorEdit": h.minor, "authorId": account});
    if page["body"]["storage"].is_object() {
        page["body"]["storage"]["value"] = json!(h.storage);
    }
    page["status"] = json!("historical");
    true
}

/// `GET /wiki/api/v2/pages/{id}/labels`.
pub async fn labels(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = page_idx(&store, &id, V2)?;
    let items = store.pages[idx]
        .labels
        .iter()
        .map(|l| json!({"id": label_id(l), "name": l, "prefix": "global"}))
        .collect();
    cursor_page(&q, items, &format!("/pages/{id}/labels"), &base)
}

/// A stable numeric id for a label name.
pub fn label_id(name: &str) -> String {
    let n = name
        .bytes()
        .fold(5381u64, |h, b| h.wrapping_mul(33) ^ u64::from(b));
    (n % 1_000_000_000).to_string()
}

/// The v1 `LabelArray` of a page.
pub fn label_array(labels: &[String]) -> Value {
    let results: Vec<Value> = labels
        .iter()
        .map(|l| json!({"prefix": "global", "name": l, "id": label_id(l), "label": l}))
        .collect();
    let n = results.len();
    json!({"results": results, "start": 0, "limit": 200, "size": n, "_links": {}})
}

/// Adds labels from a v1 body (`[{prefix, name}]` or one object); names are validated as
/// Confluence does (no spaces, lower-cased).
pub fn add_labels(
    store: &mut Store,
    idx: usize,
    body: &Value,
    family: Family,
) -> Result<(), ApiError> {
    let items: Vec<&Value> = match body {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![body],
        _ => {
            return Err(ApiError::bad_request(
                family,
                "Expected a label or a list of labels",
            ));
        }
    };
    for item in items {
        let name = item["name"]
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_lowercase();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(ApiError::bad_request(
                family,
                format!("Invalid label name '{name}': labels cannot be empty or contain spaces"),
            ));
        }
        let labels = &mut store.pages[idx].labels;
        if !labels.contains(&name) {
            labels.push(name);
        }
    }
    Ok(())
}

/// `POST /wiki/rest/api/content/{id}/label` (v1): adds labels, returns all of them.
pub async fn add_label(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let mut store = state.store();
    let idx = page_idx(&store, &id, V1)?;
    add_labels(&mut store, idx, &body, V1)?;
    Ok(Json(label_array(&store.pages[idx].labels)))
}

/// `PUT /wiki/rest/api/content/{pageId}/move/{position}/{targetId}` (v1).
pub async fn move_page(
    State(state): State<SandboxState>,
    Path((id, position, target)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let mut store = state.store();
    let idx = page_idx(&store, &id, V1)?;
    let target = page_idx(&store, &target, V1)?;
    pages::move_page(&mut store, idx, &position, target, now_secs())
        .map_err(|e| write_error(V1, e))?;
    Ok(Json(json!({"pageId": id})))
}

/// `POST /wiki/rest/api/content/{id}/copy` (v1) with `destination: {type: space |
/// parent_page, value}` and `pageTitle`.
pub async fn copy_page(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let base = base_url(&headers);
    let mut store = state.store();
    let idx = page_idx(&store, &id, V1)?;
    let dest = &body["destination"];
    let value = dest["value"].as_str().unwrap_or_default();
    let (space, parent) = match dest["type"].as_str() {
        Some("space") => (
            store
                .spaces
                .iter()
                .position(|s| s.key == value)
                .ok_or_else(|| ApiError::not_found(V1, format!("No space with key : {value}")))?,
            None,
        ),
        Some("parent_page") => {
            let p = page_idx(&store, value, V1)?;
            (store.pages[p].space, Some(p))
        }
        _ => {
            return Err(ApiError::bad_request(
                V1,
                "destination.type must be space or parent_page",
            ));
        }
    };
    let title = body["pageTitle"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| store.pages[idx].title.clone());
    let new = pages::copy_page(&mut store, idx, space, parent, &title, me, now_secs())
        .map_err(|e| write_error(V1, e))?;
    let expand = ["space", "version", "ancestors"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    Ok(Json(dc_content(&store, new, &expand, &format!("{base}/wiki"))).into_response())
}
