//! Data Center content reads beyond the content itself: the CQL search that answers in
//! search-result form (`GET /rest/api/search`, operation `search_1`), a page's history
//! (`GET /rest/api/content/{id}/history`, `getHistory`) and its content properties
//! (`GET /rest/api/content/{id}/property`, `findAll`; the sandbox stores none, so the
//! list is truthfully empty).

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::confluence::render::{dc_person, search_result};
use crate::sandbox::confluence::{cql_hits, limit_param, query_string};
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::model::Store;
use crate::sandbox::timefmt::confluence as ts;
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;
const V1: Family = Family::ConfluenceV1;

fn page_idx(store: &Store, id: &str) -> Result<usize, ApiError> {
    store
        .page_index(id)
        .filter(|&i| !store.pages[i].trashed)
        .ok_or_else(|| {
            ApiError::not_found(
                V1,
                format!("No content found with id: ContentId{{id={id}}}"),
            )
        })
}

/// `GET /rest/api/search?cql=&start=&limit=`.
pub async fn search(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let limit = limit_param(&q, "limit", 25, 100, V1)?.max(1);
    let start = limit_param(&q, "start", 0, usize::MAX, V1)?;
    let base = base_url(&headers);
    let store = state.store();
    let (cql_text, hits) = cql_hits(&q, &store, me)?;
    let results: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(limit)
        .map(|&i| search_result(&store, i, &base, ""))
        .collect();
    let end = start + results.len();
    let mut pairs = vec![("cql", cql_text.to_owned()), ("limit", limit.to_string())];
    let mut links = json!({"base": base, "context": "",
        "self": format!("{base}/rest/api/search?{}", query_string(&pairs))});
    if end < hits.len() {
        pairs.push(("start", end.to_string()));
        links["next"] = json!(format!("/rest/api/search?{}", query_string(&pairs)));
    }
    Ok(Json(json!({
        "results": results, "start": start, "limit": limit, "size": end - start,
        "totalSize": hits.len(), "cqlQuery": cql_text, "searchDuration": 3, "_links": links,
    })))
}

/// `GET /rest/api/content/{id}/history`.
pub async fn history(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = page_idx(&store, &id)?;
    let p = &store.pages[idx];
    let person = |u: usize| {
        store
            .users
            .get(u)
            .map(|u| dc_person(u, &base))
            .unwrap_or(Value::Null)
    };
    let mut out = json!({
        "latest": true,
        "createdBy": person(p.creator),
        "createdDate": ts(p.created),
        "lastUpdated": {"by": person(p.modifier), "when": ts(p.modified), "message": p.message,
                        "number": p.version, "minorEdit": p.minor, "hidden": false},
        "_links": {"base": base, "context": "", "self": format!("{base}/rest/api/content/{}/history", p.id)},
    });
    if let Some(prev) = p.history.last() {
        out["previousVersion"] = json!({"by": person(prev.author), "when": ts(prev.when),
            "message": prev.message, "number": prev.number, "minorEdit": prev.minor, "hidden": false});
    }
    Ok(Json(out))
}

/// `GET /rest/api/content/{id}/property?start=&limit=`.
pub async fn properties(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let limit = limit_param(&q, "limit", 10, 200, V1)?;
    let start = limit_param(&q, "start", 0, usize::MAX, V1)?;
    let store = state.store();
    page_idx(&store, &id)?;
    Ok(Json(json!({
        "results": [], "start": start, "limit": limit, "size": 0,
        "_links": {"base": base, "context": "", "self": format!("{base}/rest/api/content/{id}/property")},
    })))
}
