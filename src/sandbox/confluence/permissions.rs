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
