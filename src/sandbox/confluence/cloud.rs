//! Confluence Cloud: v2 pages and spaces (cursor pagination with `_links.next` and the
//! `Link` header), v1 CQL search (`cursor`) and the current user.

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::confluence::render::{
    BodyFormat, cloud_search_result, cloud_user, v2_page, v2_space,
};
use crate::sandbox::confluence::{
    cql_hits, decode_cursor, encode_cursor, limit_param, list_param, param, query_string,
};
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;
const V2: Family = Family::ConfluenceV2;
const V1: Family = Family::ConfluenceV1;

/// `GET /wiki/api/v2/pages/{id}?body-format=storage|atlas_doc_format`.
pub async fn get_page(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let body = BodyFormat::parse_single(param(&q, "body-format"))
        .map_err(|m| ApiError::bad_request(V2, m))?;
    if id.parse::<u64>().is_err() {
        return Err(ApiError::bad_request(
            V2,
            format!("Invalid page id '{id}': expected a number"),
        ));
    }
    let base = base_url(&headers);
    let store = state.store();
    let idx = store
        .page_index(&id)
        .ok_or_else(|| ApiError::not_found(V2, "Not Found"))?;
    let mut page = v2_page(&store, idx, body, &base);
    if let Some(v) = param(&q, "version") {
        let v: u64 = v
            .parse()
            .map_err(|_| ApiError::bad_request(V2, format!("Invalid version '{v}'")))?;
        if !super::cloud_pages::at_version(&store, idx, v, &mut page) {
            return Err(ApiError::not_found(V2, format!("Version {v} not found")));
        }
    }
    Ok(Json(page))
}

/// A v2 list answer with `_links.next` and the `Link` header.
pub fn paged(results: Vec<Value>, next: Option<String>, base: &str) -> Response {
    let mut links = json!({"base": format!("{base}/wiki")});
    if let Some(n) = &next {
        links["next"] = json!(n);
    }
    let mut resp = Json(json!({"results": results, "_links": links})).into_response();
    let link = next.and_then(|n| {
        HeaderValue::from_str(&format!("<{n}>; rel=\"next\", <{base}/wiki>; rel=\"base\"")).ok()
    });
    if let Some(v) = link {
        resp.headers_mut().insert(header::LINK, v);
    }
    resp
}

/// `GET /wiki/api/v2/pages` with `title`, `space-id`, `id`, `body-format`, `sort`
/// (`id`, `-id`, `title`, `-title`, `created-date`, `-created-date`), `limit`, `cursor`.
pub async fn get_pages(
    State(state): State<SandboxState>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let body =
        BodyFormat::parse(param(&q, "body-format")).map_err(|m| ApiError::bad_request(V2, m))?;
    let limit = limit_param(&q, "limit", 25, 250, V2)?.max(1);
    let start = decode_cursor(param(&q, "cursor"), V2)?;
    let title = param(&q, "title");
    let space_ids = list_param(&q, "space-id");
    let ids = list_param(&q, "id");
    let sort = param(&q, "sort").unwrap_or("id");
    // Every sandbox page is `current`: asking only for other statuses finds nothing.
    let statuses = list_param(&q, "status");
    let wants_current = statuses.is_empty() || statuses.iter().any(|s| s == "current");
    let base = base_url(&headers);
    let store = state.store();
    let mut hits: Vec<usize> = (0..store.pages.len())
        .filter(|&i| {
            let p = &store.pages[i];
            let space_id = store
                .spaces
                .get(p.space)
                .map(|s| s.id.as_str())
                .unwrap_or("");
            wants_current
                && !p.trashed
                && title.is_none_or(|t| p.title == t)
                && (space_ids.is_empty() || space_ids.iter().any(|s| s == space_id))
                && (ids.is_empty() || ids.contains(&p.id))
        })
        .collect();
    let (key, desc) = match sort.strip_prefix('-') {
        Some(k) => (k, true),
        None => (sort, false),
    };
    match key {
        "id" => {}
        "title" => hits.sort_by_key(|&i| store.pages[i].title.to_lowercase()),
        "created-date" => hits.sort_by_key(|&i| store.pages[i].created),
        "modified-date" => hits.sort_by_key(|&i| store.pages[i].modified),
        other => return Err(ApiError::bad_request(V2, format!("Invalid sort '{other}'"))),
    }
    if desc {
        hits.reverse();
    }
    let results: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(limit)
        .map(|&i| v2_page(&store, i, body, &base))
        .collect();
    let end = start + results.len();
    let next = (end < hits.len()).then(|| {
        let mut pairs: Vec<(&str, String)> = q
            .iter()
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("cursor", encode_cursor(end)));
        format!("/wiki/api/v2/pages?{}", query_string(&pairs))
    });
    Ok(paged(results, next, &base))
}

/// `GET /wiki/api/v2/spaces` with `keys`, `ids`, `limit`, `cursor`.
pub async fn get_spaces(
    State(state): State<SandboxState>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let limit = limit_param(&q, "limit", 25, 250, V2)?.max(1);
    let start = decode_cursor(param(&q, "cursor"), V2)?;
    let keys = list_param(&q, "keys");
    let ids = list_param(&q, "ids");
    let base = base_url(&headers);
    let store = state.store();
    let hits: Vec<usize> = (0..store.spaces.len())
        .filter(|&i| {
            let s = &store.spaces[i];
            (keys.is_empty() || keys.contains(&s.key)) && (ids.is_empty() || ids.contains(&s.id))
        })
        .collect();
    let results: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(limit)
        .map(|&i| v2_space(&store, i))
        .collect();
    let end = start + results.len();
    let next = (end < hits.len()).then(|| {
        let mut pairs: Vec<(&str, String)> = q
            .iter()
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("cursor", encode_cursor(end)));
        format!("/wiki/api/v2/spaces?{}", query_string(&pairs))
    });
    Ok(paged(results, next, &base))
}

/// `GET /wiki/rest/api/search?cql=&limit=&cursor=` (also `start`).
pub async fn search(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let limit = limit_param(&q, "limit", 25, 100, V1)?.max(1);
    let start = match param(&q, "cursor") {
        Some(c) => decode_cursor(Some(c), V1)?,
        None => limit_param(&q, "start", 0, usize::MAX, V1)?,
    };
    let base = base_url(&headers);
    let store = state.store();
    let (cql_text, hits) = cql_hits(&q, &store, me)?;
    let results: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(limit)
        .map(|&i| cloud_search_result(&store, i, &base))
        .collect();
    let end = start + results.len();
    let mut links = json!({"base": format!("{base}/wiki"), "context": "/wiki",
        "self": format!("{base}/wiki/rest/api/search?{}", query_string(&[("cql", cql_text.to_owned())]))});
    if end < hits.len() {
        links["next"] = json!(format!(
            "/rest/api/search?{}",
            query_string(&[
                ("cql", cql_text.to_owned()),
                ("limit", limit.to_string()),
                ("cursor", encode_cursor(end))
            ])
        ));
    }
    Ok(Json(json!({
        "results": results, "start": start, "limit": limit, "size": end - start, "totalSize": hits.len(),
        "cqlQuery": cql_text, "searchDuration": 3, "_links": links
    })))
}

/// `GET /wiki/rest/api/user/current`.
pub async fn current_user(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let u = store
        .users
        .get(me)
        .ok_or_else(|| ApiError::not_found(V1, "User not found"))?;
    Ok(Json(cloud_user(u, &base)))
}
