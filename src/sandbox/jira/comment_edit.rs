//! `PUT /rest/api/{2,3}/issue/{key}/comment/{id}`: replaces a comment's body (ADF on v3,
//! wiki on v2) and answers the updated comment, like Jira's "Update comment".
//!
//! Only the author may edit in the sandbox, mirroring Jira's default permission scheme.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::issues::{find, rich_from};
use crate::sandbox::jira::render::Ctx;
use crate::sandbox::jira::{flavour, json_body};
use crate::sandbox::timefmt::now_secs;
use crate::sandbox::{SandboxState, base_url};

/// `PUT /rest/api/{2,3}/issue/{issueIdOrKey}/comment/{id}`. 200 with the comment.
pub async fn edit_comment(
    State(state): State<SandboxState>,
    Path((ver, key, id)): Path<(String, String, String)>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let body = json_body(&body)?;
    let text = match body.get("body") {
        None | Some(Value::Null) => None,
        Some(v) => rich_from(flavour, "comment", v)?,
    };
    let Some(text) = text.filter(|t| !t.plain().trim().is_empty() || !t.wiki.trim().is_empty())
    else {
        return Err(ApiError::field("comment", "Comment body can not be empty!"));
    };
    let mut store = state.store();
    let idx = find(&store, &key)?;
    let now = now_secs();
    let issue = &mut store.issues[idx];
    let Some(pos) = issue.comments.iter().position(|c| c.id == id) else {
        return Err(ApiError::not_found(
            Family::Jira,
            format!("Can not find a comment for the id: {id}."),
        ));
    };
    if issue.comments[pos].author != me {
        return Err(ApiError::new(
            Family::Jira,
            StatusCode::FORBIDDEN,
            "You do not have the permission to edit this comment.",
        ));
    }
    issue.comments[pos].body = text;
    issue.comments[pos].updated = now;
    issue.updated = now;
    let issue = issue.clone();
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    Ok(Json(ctx.comment(&issue, &issue.comments[pos], false)))
}
