//! Jira Software (Agile) REST `/rest/agile/1.0`, read side: boards and sprints, paginated
//! with `startAt`/`maxResults`/`isLast` over `values[]`. The same paths serve Cloud and
//! Data Center.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::{int_param, params};
use crate::sandbox::model::Store;
use crate::sandbox::timefmt::jira as ts;
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;

fn board_json(store: &Store, idx: usize, base: &str) -> Value {
    let Some(b) = store.boards.get(idx) else {
        return Value::Null;
    };
    let p = store.projects.get(b.project);
    json!({
        "id": b.id,
        "self": format!("{base}/rest/agile/1.0/board/{}", b.id),
        "name": b.name,
        "type": "scrum",
        "location": {
            "projectId": p.and_then(|p| p.id.parse::<u64>().ok()).unwrap_or(0),
            "projectKey": p.map(|p| p.key.clone()).unwrap_or_default(),
            "projectName": p.map(|p| p.name.clone()).unwrap_or_default(),
            "displayName": p.map(|p| format!("{} ({})", p.name, p.key)).unwrap_or_default(),
            "name": p.map(|p| format!("{} ({})", p.name, p.key)).unwrap_or_default(),
            "projectTypeKey": "software",
        }
    })
}

/// One sprint as `/rest/agile/1.0` renders it.
pub fn sprint_json(store: &Store, idx: usize, base: &str) -> Value {
    let Some(s) = store.sprints.get(idx) else {
        return Value::Null;
    };
    let board = store.boards.get(s.board).map(|b| b.id).unwrap_or(0);
    let mut v = json!({
        "id": s.id,
        "self": format!("{base}/rest/agile/1.0/sprint/{}", s.id),
        "state": s.state,
        "name": s.name,
        "originBoardId": board,
        "goal": s.goal,
    });
    if let (Some(start), Some(end)) = (s.start, s.end) {
        v["startDate"] = json!(ts(start));
        v["endDate"] = json!(ts(end));
        if s.state == "closed" {
            v["completeDate"] = json!(ts(end));
        }
    }
    v
}

/// One `values[]` page of `items`.
pub fn page(
    q: &[(String, String)],
    items: Vec<Value>,
    with_total: bool,
) -> Result<Value, ApiError> {
    let start = usize::try_from(int_param(q, "startAt")?.unwrap_or(0)).unwrap_or(usize::MAX);
    let max = usize::try_from(int_param(q, "maxResults")?.unwrap_or(50).min(50)).unwrap_or(50);
    let total = items.len();
    let values: Vec<Value> = items.into_iter().skip(start).take(max).collect();
    let is_last = start.saturating_add(values.len()) >= total;
    let mut out = json!({"maxResults": max, "startAt": start, "isLast": is_last, "values": values});
    if with_total {
        out["total"] = json!(total);
    }
    Ok(out)
}

/// The index of board `id`, or a Jira 404.
pub fn board_index(store: &Store, id: &str) -> Result<usize, ApiError> {
    store
        .boards
        .iter()
        .position(|b| b.id.to_string() == id)
        .ok_or_else(|| {
            ApiError::not_found(
                Family::Jira,
                "Board does not exist or you do not have permission to see it.",
            )
        })
}

/// `GET /rest/agile/1.0/board` with `projectKeyOrId`, `name`, `type`, `startAt`, `maxResults`.
pub async fn boards(
    State(state): State<SandboxState>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let project = params(&q, "projectKeyOrId")
        .first()
        .map(|s| s.to_ascii_uppercase());
    let name = params(&q, "name").first().map(|s| s.to_lowercase());
    let kind = params(&q, "type").first().map(|s| s.to_ascii_lowercase());
    let store = state.store();
    let items: Vec<Value> = (0..store.boards.len())
        .filter(|&i| {
            let b = &store.boards[i];
            let p = store.projects.get(b.project);
            project
                .as_ref()
                .is_none_or(|k| p.is_some_and(|p| &p.key == k || &p.id == k))
                && name
                    .as_ref()
                    .is_none_or(|n| b.name.to_lowercase().contains(n))
                && kind.as_ref().is_none_or(|t| t == "scrum")
        })
        .map(|i| board_json(&store, i, &base))
        .collect();
    page(&q, items, true).map(Json)
}

/// `GET /rest/agile/1.0/board/{boardId}`.
pub async fn board(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = board_index(&store, &id)?;
    Ok(Json(board_json(&store, idx, &base)))
}

/// `GET /rest/agile/1.0/board/{boardId}/sprint` with `state` (comma list), paging.
pub async fn board_sprints(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let states: Vec<String> = params(&q, "state")
        .iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(bad) = states
        .iter()
        .find(|s| !matches!(s.as_str(), "future" | "active" | "closed"))
    {
        return Err(ApiError::bad_request(
            Family::Jira,
            format!("The sprint state '{bad}' is not valid: use future, active or closed"),
        ));
    }
    let store = state.store();
    let board = board_index(&store, &id)?;
    let items: Vec<Value> = (0..store.sprints.len())
        .filter(|&i| {
            store.sprints[i].board == board
                && (states.is_empty() || states.iter().any(|s| s == store.sprints[i].state))
        })
        .map(|i| sprint_json(&store, i, &base))
        .collect();
    page(&q, items, false).map(Json)
}

/// `GET /rest/agile/1.0/sprint/{sprintId}`.
pub async fn sprint(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = store
        .sprints
        .iter()
        .position(|s| s.id.to_string() == id)
        .ok_or_else(|| {
            ApiError::not_found(
                Family::Jira,
                "Sprint does not exist or you do not have permission to see it.",
            )
        })?;
    Ok(Json(sprint_json(&store, idx, &base)))
}
