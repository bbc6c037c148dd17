//! Workflow and time tracking: `GET|POST /issue/{key}/transitions` and
//! `GET /issue/{key}/worklog`.
//!
//! A transition is available when it is global or starts from the issue's status, and does
//! not lead to the status the issue is already in. Doing one moves the issue, records a
//! changelog entry, and can add a comment through `update.comment[].add.body`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::render::{Ctx, Flavour};
use crate::sandbox::jira::{flavour, int_param, json_body, params};
use crate::sandbox::model::{Comment, History, Store, Transition};
use crate::sandbox::text::RichText;
use crate::sandbox::timefmt::now_secs;
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;

fn find(store: &Store, key: &str) -> Result<usize, ApiError> {
    store.issue_index(key).ok_or_else(|| {
        ApiError::not_found(
            Family::Jira,
            "Issue does not exist or you do not have permission to see it.",
        )
    })
}

/// Transitions available from status `status`.
pub fn available(store: &Store, status: usize) -> Vec<&Transition> {
    store
        .transitions
        .iter()
        .filter(|t| t.to != status && (t.from.is_empty() || t.from.contains(&status)))
        .collect()
}

/// `GET /rest/api/{2,3}/issue/{key}/transitions` (optionally `transitionId=`).
pub async fn get_transitions(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let only = params(&q, "transitionId").first().map(|s| (*s).to_owned());
    let store = state.store();
    let idx = find(&store, &key)?;
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    let list: Vec<Value> = available(&store, store.issues[idx].status)
        .into_iter()
        .filter(|t| only.as_ref().is_none_or(|id| &t.id == id))
        .map(|t| ctx.transition(t))
        .collect();
    Ok(Json(json!({"expand": "transitions", "transitions": list})))
}

fn comment_from_update(flavour: Flavour, body: &Value) -> Result<Option<RichText>, ApiError> {
    let Some(ops) = body.pointer("/update/comment").and_then(Value::as_array) else {
        return Ok(None);
    };
    let Some(v) = ops.iter().find_map(|op| op.pointer("/add/body")) else {
        return Ok(None);
    };
    match (flavour, v) {
        (Flavour::V3, Value::Object(_)) if v.get("type").and_then(Value::as_str) == Some("doc") => {
            Ok(Some(RichText::from_adf(v.clone())))
        }
        (Flavour::V2, Value::String(s)) => Ok(Some(RichText::from_wiki(s))),
        _ => Err(ApiError::field(
            "comment",
            "The comment body has the wrong format for this API version.",
        )),
    }
}

/// `POST /rest/api/{2,3}/issue/{key}/transitions` with `{"transition":{"id":"31"}}`. 204.
pub async fn do_transition(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let flavour = flavour(&ver)?;
    let body = json_body(&body)?;
    let id = match body.pointer("/transition/id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(ApiError::bad_request(
                Family::Jira,
                "Missing 'transition' identifier.",
            ));
        }
    };
    let comment = comment_from_update(flavour, &body)?;
    let mut store = state.store();
    let idx = find(&store, &key)?;
    let from = store.issues[idx].status;
    let to = available(&store, from)
        .into_iter()
        .find(|t| t.id == id)
        .map(|t| t.to)
        .ok_or_else(|| {
            ApiError::bad_request(
                Family::Jira,
                format!("Transition id '{id}' is not valid for this issue."),
            )
        })?;
    let name = |i: usize| {
        store
            .statuses
            .get(i)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };
    let items = vec![("status".to_owned(), name(from), name(to))];
    let history_id = store.fresh_id();
    let comment_id = store.fresh_id();
    let now = now_secs();
    let issue = &mut store.issues[idx];
    issue.status = to;
    issue.updated = now;
    issue.history.push(History {
        id: history_id,
        author: me,
        created: now,
        items,
    });
    if let Some(body) = comment {
        issue.comments.push(Comment {
            id: comment_id,
            author: me,
            body,
            created: now,
            updated: now,
        });
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /rest/api/{2,3}/issue/{key}/worklog` with `startAt`/`maxResults`.
pub async fn get_worklogs(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let start = int_param(&q, "startAt")?.unwrap_or(0);
    let max = int_param(&q, "maxResults")?.unwrap_or(5000).min(5000);
    let store = state.store();
    let idx = find(&store, &key)?;
    let issue = &store.issues[idx];
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    let page: Vec<Value> = issue
        .worklogs
        .iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(max).unwrap_or(usize::MAX))
        .map(|w| ctx.worklog(issue, w))
        .collect();
    Ok(Json(
        json!({"startAt": start, "maxResults": max, "total": issue.worklogs.len(), "worklogs": page}),
    ))
}
