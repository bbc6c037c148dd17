//! Confluence Data Center REST v1: content by id and by title/space, CQL content search
//! (`start`/`limit`, `_links.next`), and the current user.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::confluence::render::{dc_content, dc_person};
use crate::sandbox::confluence::{cql_hits, limit_param, list_param, param, query_string};
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;
const V1: Family = Family::ConfluenceV1;

fn expand(q: &[(String, String)]) -> BTreeSet<String> {
    list_param(q, "expand").into_iter().collect()
}

fn page_of(
    results: Vec<Value>,
    start: usize,
    limit: usize,
    next: Option<String>,
    base: &str,
    self_link: String,
) -> Value {
    let size = results.len();
    let mut links = json!({"base": base, "context": "", "self": self_link});
    if let Some(n) = next {
        links["next"] = json!(n);
    }
    json!({"results": results, "start": start, "limit": limit, "size": size, "_links": links})
}

/// `GET /rest/api/content/{id}?expand=...`.
pub async fn get_content(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    if id.starts_with("att") {
        return super::attachments::dc_get(&state, &id, &base);
    }
    let store = state.store();
    let Some(idx) = store.page_index(&id) else {
        if let Some((page, ci)) = store.comment_index(&id) {
            return Ok(Json(super::dc_comments::render(
                &store,
                page,
                ci,
                &expand(&q),
                &base,
            )));
        }
        return Err(ApiError::not_found(
            V1,
            format!("No content found with id: ContentId{{id={id}}}"),
        ));
    };
    let mut content = dc_content(&store, idx, &expand(&q), &base);
    if let Some(v) = super::dc_pages::version_param(&q)?
        && !super::dc_pages::at_version(&store, idx, v, &mut content, &base)
    {
        return Err(ApiError::not_found(
            V1,
            format!("No content found with id: ContentId{{id={id}}} and version {v}"),
        ));
    }
    Ok(Json(content))
}

/// `GET /rest/api/content?title=&spaceKey=&type=page&start=&limit=&expand=`.
pub async fn list_content(
    State(state): State<SandboxState>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let kind = param(&q, "type").unwrap_or("page");
    if kind != "page" && kind != "blogpost" {
        return Err(ApiError::bad_request(
            V1,
            format!("Content type '{kind}' is not supported by the sandbox (page, blogpost)"),
        ));
    }
    let limit = limit_param(&q, "limit", 25, 200, V1)?.max(1);
    let start = limit_param(&q, "start", 0, usize::MAX, V1)?;
    let title = param(&q, "title");
    let space_key = param(&q, "spaceKey");
    let base = base_url(&headers);
    let store = state.store();
    // Every sandbox page is `current`: asking for another status finds nothing.
    let status_ok = param(&q, "status").is_none_or(|s| s == "current" || s == "any");
    let hits: Vec<usize> = if kind == "blogpost" || !status_ok {
        Vec::new()
    } else {
        (0..store.pages.len())
            .filter(|&i| {
                let p = &store.pages[i];
                let key = store
                    .spaces
                    .get(p.space)
                    .map(|s| s.key.as_str())
                    .unwrap_or("");
                !p.trashed
                    && title.is_none_or(|t| p.title == t)
                    && space_key.is_none_or(|k| k == key)
            })
            .collect()
    };
    let ex = expand(&q);
    let results: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(limit)
        .map(|&i| dc_content(&store, i, &ex, &base))
        .collect();
    let end = start + results.len();
    let mut pairs: Vec<(&str, String)> = q
        .iter()
        .filter(|(k, _)| k != "start" && k != "limit")
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    pairs.push(("limit", limit.to_string()));
    let self_link = format!("{base}/rest/api/content?{}", query_string(&pairs));
    let next = (end < hits.len()).then(|| {
        pairs.push(("start", end.to_string()));
        format!("/rest/api/content?{}", query_string(&pairs))
    });
    Ok(Json(page_of(results, start, limit, next, &base, self_link)))
}

/// `GET /rest/api/content/search?cql=&limit=&start=&expand=`.
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
    let ex = expand(&q);
    let results: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(limit)
        .map(|&i| dc_content(&store, i, &ex, &base))
        .collect();
    let end = start + results.len();
    let mut pairs: Vec<(&str, String)> =
        vec![("cql", cql_text.to_owned()), ("limit", limit.to_string())];
    if !ex.is_empty() {
        pairs.push(("expand", ex.iter().cloned().collect::<Vec<_>>().join(",")));
    }
    let self_link = format!("{base}/rest/api/content/search?{}", query_string(&pairs));
    let next = (end < hits.len()).then(|| {
        pairs.push(("start", end.to_string()));
        format!("/rest/api/content/search?{}", query_string(&pairs))
    });
    let mut out = page_of(results, start, limit, next, &base, self_link);
    out["totalSize"] = json!(hits.len());
    out["cqlQuery"] = json!(cql_text);
    Ok(Json(out))
}

/// `GET /rest/api/user/current`.
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
    Ok(Json(dc_person(u, &base)))
}
