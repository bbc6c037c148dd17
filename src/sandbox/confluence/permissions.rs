//! Cloud content permission check: `POST /wiki/rest/api/content/{id}/permission/check`.
//! Everyone may use every space; the page's own restrictions decide. A subject may `read`
//! when the page has no read restriction or names it (directly or through a group); it may
//! `update` or `delete` when it may read and the same holds for the update restrictions.
//! Groups: `confluence-users` holds everyone, `confluence-administrators` the sandbox user;
//! a group's id is its name, as the restriction endpoints render it.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::sandbox::SandboxState;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::model::Store;

const V1: Family = Family::ConfluenceV1;

/// Groups a user (by index) belongs to.
fn groups_of(user: usize) -> Vec<&'static str> {
    if user == 0 {
        vec!["confluence-users", "confluence-administrators"]
    } else {
        vec!["confluence-users"]
    }
}

/// Whether the subject (`user` index or `group` name) passes the `op` restrictions of a page.
fn passes(store: &Store, idx: usize, op: &str, user: Option<usize>, group: Option<&str>) -> bool {
    let rules: Vec<&(String, String, String)> = store.pages[idx]
        .restrictions
        .iter()
        .filter(|(o, _, _)| o == op)
        .collect();
    rules.is_empty()
        || rules.iter().any(|(_, kind, who)| match kind.as_str() {
            "user" => user.is_some_and(|u| who == &u.to_string()),
            _ => match (user, group) {
                (Some(u), _) => groups_of(u).contains(&who.as_str()),
                (None, Some(g)) => who == g,
                (None, None) => false,
            },
        })
}

/// `POST /wiki/rest/api/content/{id}/permission/check`.
pub async fn check(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let op = body["operation"].as_str().unwrap_or_default();
    if !["read", "update", "delete"].contains(&op) {
        return Err(ApiError::bad_request(
            V1,
            format!("Invalid operation '{op}'"),
        ));
    }
    let kind = body["subject"]["type"].as_str().unwrap_or_default();
    let ident = body["subject"]["identifier"].as_str().unwrap_or_default();
    let store = state.store();
    let idx = store
        .page_index(&id)
        .ok_or_else(|| ApiError::not_found(V1, format!("No content with id {id}")))?;
    let (user, group) = match kind {
        "user" => {
            let u = store.users.iter().position(|u| u.account_id == ident);
            if u.is_none() {
                return Ok(Json(json!({"hasPermission": false, "errors": [
                    {"translation": "User is not allowed to use Confluence", "args": []}]})));
            }
            (u, None)
        }
        "group" if ["confluence-users", "confluence-administrators"].contains(&ident) => {
            (None, Some(ident))
        }
        "group" => {
            return Err(ApiError::bad_request(
                V1,
                format!("No group with id {ident}"),
            ));
        }
        _ => {
            return Err(ApiError::bad_request(
                V1,
                format!("Invalid subject type '{kind}'"),
            ));
        }
    };
    let read = passes(&store, idx, "read", user, group);
    let ok = read && (op == "read" || passes(&store, idx, "update", user, group));
    let who = if user.is_some() { "User" } else { "Group" };
    let mut out = json!({"hasPermission": ok});
    if !ok {
        out["errors"] = json!([{"translation": format!("{who} does not have permission to the content"), "args": []}]);
    }
    Ok(Json(out))
}

/// The permissions every sandbox space grants, as (principal type, principal, operation,
/// target): users of the site may read and add content, administrators administer and delete,
/// and the sandbox user administers by name as well. `principal` is a group name or a user index.
const SPACE_GRANTS: [(&str, &str, &str, &str); 8] = [
    ("group", "confluence-users", "read", "space"),
    ("group", "confluence-users", "create", "page"),
    ("group", "confluence-users", "create", "comment"),
    ("group", "confluence-users", "create", "attachment"),
    ("group", "confluence-administrators", "administer", "space"),
    ("group", "confluence-administrators", "delete", "page"),
    ("user", "0", "read", "space"),
    ("user", "0", "administer", "space"),
];

/// `GET /wiki/api/v2/spaces/{id}/permissions?limit=&cursor=`.
pub async fn cloud_space_permissions(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use crate::sandbox::confluence::{decode_cursor, encode_cursor, limit_param, param};
    const V2: Family = Family::ConfluenceV2;
    let limit = limit_param(&q, "limit", 25, 250, V2)?.max(1);
    let start = decode_cursor(param(&q, "cursor"), V2)?;
    let base = crate::sandbox::base_url(&headers);
    let store = state.store();
    if !store.spaces.iter().any(|s| s.id == id) {
        return Err(ApiError::not_found(V2, "Space not found"));
    }
    let all: Vec<Value> = SPACE_GRANTS
        .iter()
        .enumerate()
        .map(|(n, (kind, who, op, target))| {
            let principal = match *kind {
                "user" => who
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| store.users.get(i))
                    .map(|u| u.account_id.clone())
                    .unwrap_or_default(),
                _ => (*who).to_owned(),
            };
            json!({"id": format!("{id}{n:02}"), "principal": {"type": kind, "id": principal},
                "operation": {"key": op, "targetType": target}})
        })
        .collect();
    let results: Vec<Value> = all.iter().skip(start).take(limit).cloned().collect();
    let end = start + results.len();
    let next = (end < all.len()).then(|| {
        format!(
            "/wiki/api/v2/spaces/{id}/permissions?limit={limit}&cursor={}",
            encode_cursor(end)
        )
    });
    Ok(super::cloud::paged(results, next, &base))
}

/// `GET /rest/api/space/{spaceKey}/permissions` (Data Center): every grant as
/// `SpacePermission` — operation, subject (type and display name), space key and id.
pub async fn dc_space_permissions(
    State(state): State<SandboxState>,
    Path(key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    let space = store
        .spaces
        .iter()
        .find(|s| s.key == key)
        .ok_or_else(|| ApiError::not_found(V1, format!("No space with key : {key}")))?;
    let space_id = space.id.parse::<u64>().unwrap_or(0);
    let all: Vec<Value> = SPACE_GRANTS
        .iter()
        .map(|(kind, who, op, target)| {
            let name = match *kind {
                "user" => who
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| store.users.get(i))
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default(),
                _ => (*who).to_owned(),
            };
            json!({"operation": {"operationKey": op, "targetType": target},
                "subject": {"type": kind, "displayName": name},
                "spaceKey": space.key, "spaceId": space_id})
        })
        .collect();
    Ok(Json(Value::Array(all)))
}
