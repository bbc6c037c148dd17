//! Cloud bulk move: `POST /rest/api/3/bulk/issues/move` moves issues to another project
//! (and issue type) and answers a task id; `GET /rest/api/3/bulk/queue/{taskId}` reports the
//! task's progress. The sandbox validates up front and finishes the move at once, so a task
//! is `COMPLETE` by the time it can be polled.
//!
//! A moved issue gets the next key of its new project; statuses are shared by all projects
//! here, so the inferred target status is the current one.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::json_body;
use crate::sandbox::jira::render::{Ctx, Flavour};
use crate::sandbox::model::History;
use crate::sandbox::timefmt::{jira as ts, now_secs};
use crate::sandbox::{SandboxState, base_url};

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(Family::Jira, message)
}

/// `POST /rest/api/3/bulk/issues/move`. 201 with `{"taskId"}`.
pub async fn bulk_move(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let base = base_url(&headers);
    let body = json_body(&body)?;
    let Some(mapping) = body
        .get("targetToSourcesMapping")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
    else {
        return Err(bad(
            "targetToSourcesMapping must map \"PROJECT,ISSUETYPE\" to issues.",
        ));
    };
    let mut store = state.store();
    // Validate everything before changing anything.
    let mut moves = Vec::new();
    for (target, spec) in mapping {
        let (project, kind) = target.split_once(',').ok_or_else(|| {
            bad(format!(
                "The target '{target}' must be \"PROJECT,ISSUETYPE\"."
            ))
        })?;
        let p = store
            .projects
            .iter()
            .position(|x| x.id == project || x.key.eq_ignore_ascii_case(project))
            .ok_or_else(|| bad(format!("The project '{project}' does not exist.")))?;
        let t = store
            .issue_types
            .iter()
            .position(|x| x.id == kind)
            .ok_or_else(|| bad(format!("The issue type '{kind}' does not exist.")))?;
        let ids = spec
            .get("issueIdsOrKeys")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| bad("issueIdsOrKeys must name at least one issue."))?;
        for id in ids {
            let key = id.as_str().unwrap_or_default();
            let idx = store
                .issue_index(key)
                .ok_or_else(|| bad(format!("The issue '{key}' does not exist.")))?;
            moves.push((idx, p, t));
        }
    }
    let now = now_secs();
    let mut processed = Vec::new();
    for (idx, p, t) in moves {
        let number = store
            .issues
            .iter()
            .filter(|i| i.project == p)
            .filter_map(|i| {
                i.key
                    .rsplit_once('-')
                    .and_then(|(_, n)| n.parse::<u64>().ok())
            })
            .max()
            .unwrap_or(0)
            + 1;
        let new_key = format!("{}-{number}", store.projects[p].key);
        let old_project = store.projects[store.issues[idx].project].name.clone();
        let new_project = store.projects[p].name.clone();
        let history_id = store.fresh_id();
        let issue = &mut store.issues[idx];
        let mut items = vec![("Key".to_owned(), issue.key.clone(), new_key.clone())];
        if issue.project != p {
            items.push(("project".to_owned(), old_project, new_project));
            // Epics and sprints belong to the old project's boards.
            issue.epic = None;
            issue.sprint = None;
        }
        issue.project = p;
        issue.issue_type = t;
        issue.key = new_key;
        issue.updated = now;
        issue.history.push(History {
            id: history_id,
            author: me,
            created: now,
            items,
        });
        processed.push(issue.id.parse::<u64>().unwrap_or(0));
    }
    let task_id = store.fresh_id();
    let submitter = Ctx {
        store: &store,
        flavour: Flavour::V3,
        base: &base,
    }
    .user_at(me);
    let progress = json!({
        "taskId": task_id, "status": "COMPLETE", "progressPercent": 100,
        "submittedBy": submitter, "created": ts(now), "started": ts(now), "updated": ts(now),
        "totalIssueCount": processed.len(), "processedAccessibleIssues": processed,
        "failedAccessibleIssues": {}, "invalidOrInaccessibleIssueCount": 0,
    });
    store.bulk_tasks.push((task_id.clone(), progress));
    Ok((StatusCode::CREATED, Json(json!({"taskId": task_id}))).into_response())
}

/// `GET /rest/api/3/bulk/queue/{taskId}`.
pub async fn queue(
    State(state): State<SandboxState>,
    Path(task): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    store
        .bulk_tasks
        .iter()
        .find(|(id, _)| *id == task)
        .map(|(_, v)| Json(v.clone()))
        .ok_or_else(|| ApiError::not_found(Family::Jira, format!("Task {task} not found.")))
}
