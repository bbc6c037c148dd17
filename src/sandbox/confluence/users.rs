//! User search: Cloud `/wiki/rest/api/search/user` (a CQL subset: `type = user`,
//! `user.fullname ~ "jo"`, `user = "id"`, `user.accountid = "id"`) and Server/DC group members
//! (`/rest/api/group/{name}/member`, where `confluence-users` holds every user and
//! `confluence-administrators` the sandbox user).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::sandbox::confluence::render::{cloud_user, dc_person};
use crate::sandbox::confluence::{limit_param, param, query_string};
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::model::User;
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;
const V1: Family = Family::ConfluenceV1;

/// A parsed user CQL clause.
enum UserCql {
    All,
    FullName(String),
    AccountId(String),
}

fn parse(cql: &str) -> Result<UserCql, String> {
    let c = cql.trim();
    let (field, op, value) = if let Some((f, v)) = c.split_once('~') {
        (f, "~", v)
    } else if let Some((f, v)) = c.split_once('=') {
        (f, "=", v)
    } else {
        return Err(format!("Could not parse cql : {c}"));
    };
    let field = field.trim().to_ascii_lowercase();
    let value = value.trim().trim_matches('"').to_owned();
    match (field.as_str(), op) {
        ("type", "=") if value == "user" => Ok(UserCql::All),
        ("user.fullname", "~") => Ok(UserCql::FullName(value.to_lowercase())),
        ("user" | "user.accountid", "=") => Ok(UserCql::AccountId(value)),
        _ => Err(format!("Could not parse cql : {c}")),
    }
}

fn hit(q: &UserCql, u: &User) -> bool {
    match q {
        UserCql::All => true,
        UserCql::FullName(t) => {
            let name = u.display_name.to_lowercase();
            name.starts_with(t.as_str())
                || name.split_whitespace().any(|w| w.starts_with(t.as_str()))
        }
        UserCql::AccountId(id) => &u.account_id == id,
    }
}

/// `GET /wiki/rest/api/search/user?cql=&start=&limit=`.
pub async fn cloud_search_user(
    State(state): State<SandboxState>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let cql_text = param(&q, "cql")
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(V1, "CQL query parameter is required"))?;
    let cql = parse(cql_text).map_err(|m| ApiError::bad_request(V1, m))?;
    let limit = limit_param(&q, "limit", 25, 1000, V1)?;
    let start = limit_param(&q, "start", 0, usize::MAX, V1)?;
    let base = base_url(&headers);
    let store = state.store();
    let hits: Vec<&User> = store.users.iter().filter(|u| hit(&cql, u)).collect();
    let results: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(limit)
        .map(|u| {
            json!({"user": cloud_user(u, &base), "title": u.display_name, "excerpt": "",
                "url": format!("/people/{}", u.account_id), "breadcrumbs": [], "entityType": "user",
                "iconCssClass": "aui-icon content-type-profile", "lastModified": "2025-01-06T09:00:00.000Z",
                "score": 1.0})
        })
        .collect();
    let size = results.len();
    let mut links = json!({"base": format!("{base}/wiki"), "context": "/wiki",
        "self": format!("{base}/wiki/rest/api/search/user?{}", query_string(&[("cql", cql_text.to_owned())]))});
    if start + size < hits.len() {
        links["next"] = json!(format!(
            "/rest/api/search/user?{}",
            query_string(&[
                ("cql", cql_text.to_owned()),
                ("limit", limit.to_string()),
                ("start", (start + size).to_string())
            ])
        ));
    }
    Ok(Json(json!({
        "results": results, "start": start, "limit": limit, "size": size,
        "totalSize": hits.len(), "cqlQuery": cql_text, "searchDuration": 2, "_links": links
    })))
}

/// `GET /rest/api/group/{groupName}/member?start=&limit=`.
pub async fn dc_group_members(
    State(state): State<SandboxState>,
    Path(group): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let limit = limit_param(&q, "limit", 200, 1000, V1)?;
    let start = limit_param(&q, "start", 0, usize::MAX, V1)?;
    let base = base_url(&headers);
    let store = state.store();
    let members: Vec<&User> = match group.as_str() {
        "confluence-users" => store.users.iter().collect(),
        "confluence-administrators" => store.users.iter().take(1).collect(),
        _ => {
            return Err(ApiError::not_found(
                V1,
                format!("No group found with name : {group}"),
            ));
        }
    };
    let results: Vec<Value> = members
        .iter()
        .skip(start)
        .take(limit)
        .map(|u| dc_person(u, &base))
        .collect();
    let size = results.len();
    let path = format!("{base}/rest/api/group/{group}/member");
    let mut links = json!({"base": base, "context": "",
        "self": format!("{path}?limit={limit}&start={start}")});
    if start + size < members.len() {
        links["next"] = json!(format!("{path}?limit={limit}&start={}", start + size));
    }
    Ok(Json(json!({
        "results": results, "start": start, "limit": limit, "size": size,
        "totalCount": members.len(), "_links": links
    })))
}
