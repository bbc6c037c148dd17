//! Page restrictions: Cloud `GET|PUT /wiki/rest/api/content/{id}/restriction`
//! (`ContentRestrictionArray`), Data Center `GET /rest/api/content/{id}/restriction/byOperation`
//! and `PUT /rest/api/content/{id}/restriction`. A PUT replaces every restriction of the page
//! with the ones sent, as Confluence does; unknown users are a 400.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::sandbox::confluence::render::{cloud_user, dc_person};
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::model::Store;
use crate::sandbox::{SandboxState, base_url};

const V1: Family = Family::ConfluenceV1;
const OPERATIONS: [&str; 2] = ["read", "update"];

fn page_idx(store: &Store, id: &str) -> Result<usize, ApiError> {
    store.page_index(id).ok_or_else(|| {
        ApiError::not_found(
            V1,
            format!("No content found with id: ContentId{{id={id}}}"),
        )
    })
}

fn subjects(
    store: &Store,
    idx: usize,
    op: &str,
    cloud: bool,
    base: &str,
) -> (Vec<Value>, Vec<Value>) {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    for (o, kind, who) in &store.pages[idx].restrictions {
        if o != op {
            continue;
        }
        if kind == "user" {
            if let Some(u) = who.parse::<usize>().ok().and_then(|i| store.users.get(i)) {
                users.push(if cloud {
                    cloud_user(u, base)
                } else {
                    dc_person(u, base)
                });
            }
        } else {
            groups.push(json!({"type": "group", "name": who, "id": who}));
        }
    }
    (users, groups)
}

fn page_of(results: Vec<Value>) -> Value {
    let n = results.len();
    json!({"results": results, "start": 0, "limit": 200, "size": n})
}

fn operation(store: &Store, idx: usize, op: &str, cloud: bool, base: &str) -> Value {
    let (users, groups) = subjects(store, idx, op, cloud, base);
    let id = &store.pages[idx].id;
    let prefix = if cloud { "/wiki" } else { "" };
    json!({
        "operation": op,
        "restrictions": {"user": page_of(users), "group": page_of(groups)},
        "_expandable": {"content": format!("{prefix}/rest/api/content/{id}")},
        "_links": {"self": format!("{base}{prefix}/rest/api/content/{id}/restriction/byOperation/{op}")}
    })
}

fn cloud_array(store: &Store, idx: usize, base: &str) -> Value {
    let results: Vec<Value> = OPERATIONS
        .iter()
        .map(|op| operation(store, idx, op, true, base))
        .collect();
    let hash = store.pages[idx].restrictions.len().to_string();
    json!({"results": results, "start": 0, "limit": 100, "size": 2, "restrictionsHash": hash,
        "_links": {"base": format!("{base}/wiki"), "context": "/wiki"}})
}

/// Replaces the page's restrictions with the ones in `body` (an array, or `{results: [...]}`).
fn replace(store: &mut Store, idx: usize, body: &Value, cloud: bool) -> Result<(), ApiError> {
    let items = body["results"]
        .as_array()
        .or(body.as_array())
        .ok_or_else(|| ApiError::bad_request(V1, "Expected a list of operation restrictions"))?;
    let mut out = Vec::new();
    for item in items {
        let op = item["operation"].as_str().unwrap_or_default();
        if !OPERATIONS.contains(&op) {
            return Err(ApiError::bad_request(
                V1,
                format!("The sandbox supports read and update restrictions, not '{op}'"),
            ));
        }
        let users = item["restrictions"]["user"]["results"]
            .as_array()
            .or(item["restrictions"]["user"].as_array())
            .cloned()
            .unwrap_or_default();
        for u in users {
            let key = if cloud {
                u["accountId"].as_str()
            } else {
                u["username"].as_str().or(u["userKey"].as_str())
            };
            let found = key.and_then(|k| {
                store
                    .users
                    .iter()
                    .position(|x| x.account_id == k || x.name == k || x.key == k)
            });
            let Some(i) = found else {
                return Err(ApiError::bad_request(
                    V1,
                    format!("User not found: {}", key.unwrap_or("(no identifier)")),
                ));
            };
            out.push((op.to_owned(), "user".to_owned(), i.to_string()));
        }
        let groups = item["restrictions"]["group"]["results"]
            .as_array()
            .or(item["restrictions"]["group"].as_array())
            .cloned()
            .unwrap_or_default();
        for g in groups {
            let name = g["name"].as_str().or(g["id"].as_str()).unwrap_or_default();
            if name.is_empty() {
                return Err(ApiError::bad_request(
                    V1,
                    "A group restriction needs a name or id",
                ));
            }
            out.push((op.to_owned(), "group".to_owned(), name.to_owned()));
        }
    }
    store.pages[idx].restrictions = out;
    Ok(())
}

/// `GET /wiki/rest/api/content/{id}/restriction`.
pub async fn cloud_get(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = page_idx(&store, &id)?;
    Ok(Json(cloud_array(&store, idx, &base)))
}

/// `PUT /wiki/rest/api/content/{id}/restriction`.
pub async fn cloud_put(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let mut store = state.store();
    let idx = page_idx(&store, &id)?;
    replace(&mut store, idx, &body, true)?;
    Ok(Json(cloud_array(&store, idx, &base)))
}

/// `GET /rest/api/content/{id}/restriction/byOperation`.
pub async fn dc_get(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = page_idx(&store, &id)?;
    let mut map = serde_json::Map::new();
    for op in OPERATIONS {
        map.insert(op.to_owned(), operation(&store, idx, op, false, &base));
    }
    Ok(Json(json!({"restrictions": map})))
}

/// Cloud `GET /wiki/rest/api/content/{id}/restriction/byOperation`: an object keyed by
/// operation (no wrapper, unlike Data Center).
pub async fn cloud_by_operation(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = page_idx(&store, &id)?;
    let mut map = serde_json::Map::new();
    for op in OPERATIONS {
        map.insert(op.to_owned(), operation(&store, idx, op, true, &base));
    }
    Ok(Json(Value::Object(map)))
}

/// `PUT /rest/api/content/{id}/restriction`.
pub async fn dc_put(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let mut store = state.store();
    let idx = page_idx(&store, &id)?;
    replace(&mut store, idx, &body, false)?;
    let results: Vec<Value> = OPERATIONS
        .iter()
        .map(|op| operation(&store, idx, op, false, &base))
        .collect();
    Ok(Json(
        json!({"results": results, "totalCount": 2, "start": 0, "limit": 200, "size": 2,
        "_links": {"base": base, "context": ""}}),
    ))
}
