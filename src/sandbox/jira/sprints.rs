//! Jira Software (Agile) REST `/rest/agile/1.0`, issue lists and sprint writes: a board's
//! and a sprint's issues (`startAt`/`maxResults`/`total`, optional `jql`), creating a
//! sprint, updating one (`POST` partial, `PUT` full), moving issues into a sprint and back
//! to the backlog.
//!
//! The agile paths carry no API version, so issue fields take the deployment's shape from
//! the credentials: a personal access token (`Bearer`) is Server/DC (wiki markup, user
//! names), basic auth with an API token is Cloud (ADF, account ids).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::agile::{board_index, sprint_json};
use crate::sandbox::jira::render::{Ctx, FieldSelection, Flavour, parse_expand};
use crate::sandbox::jira::{int_param, json_body, params};
use crate::sandbox::jql::{Context, compile};
use crate::sandbox::model::{Sprint, Store};
use crate::sandbox::timefmt::{now_secs, parse_query_date};
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;

/// Most issues one request may move (Jira's limit).
const MAX_MOVE: usize = 50;

fn flavour_of(headers: &HeaderMap) -> Flavour {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    if bearer { Flavour::V2 } else { Flavour::V3 }
}

fn sprint_index(store: &Store, id: &str) -> Result<usize, ApiError> {
    store
        .sprints
        .iter()
        .position(|s| s.id.to_string() == id)
        .ok_or_else(|| {
            ApiError::not_found(
                Family::Jira,
                "Sprint does not exist or you do not have permission to see it.",
            )
        })
}

/// Renders a page of `candidates` narrowed by the optional `jql`.
fn issue_page(
    store: &Store,
    me: usize,
    headers: &HeaderMap,
    q: &[(String, String)],
    candidates: impl Fn(usize) -> bool,
) -> Result<Value, ApiError> {
    let jql = params(q, "jql").first().copied().unwrap_or("");
    let compiled = compile(jql).map_err(|m| ApiError::bad_request(Family::Jira, m))?;
    let hits: Vec<usize> = compiled
        .run(
            store,
            Context {
                current_user: me,
                now: now_secs(),
            },
        )
        .into_iter()
        .filter(|&i| candidates(i))
        .collect();
    let start = int_param(q, "startAt")?.unwrap_or(0);
    let max = int_param(q, "maxResults")?.unwrap_or(50).min(50);
    let sel = FieldSelection::parse(
        params(q, "fields")
            .iter()
            .flat_map(|f| f.split(','))
            .map(str::trim),
        FieldSelection::navigable(),
    );
    let expand = parse_expand(params(q, "expand"));
    let base = base_url(headers);
    let ctx = Ctx {
        store,
        flavour: flavour_of(headers),
        base: &base,
    };
    let issues: Vec<Value> = hits
        .iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(max).unwrap_or(50))
        .map(|&i| ctx.issue(i, &sel, &expand))
        .collect();
    Ok(
        json!({"expand": "schema,names", "startAt": start, "maxResults": max,
              "total": hits.len(), "issues": issues}),
    )
}

/// `GET /rest/agile/1.0/board/{boardId}/issue`: issues of the board's project.
pub async fn board_issues(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    let board = board_index(&store, &id)?;
    let project = store.boards[board].project;
    issue_page(&store, me, &headers, &q, |i| {
        store.issues[i].project == project
    })
    .map(Json)
}

/// `GET /rest/agile/1.0/sprint/{sprintId}/issue`: issues in the sprint.
pub async fn sprint_issues(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    let sprint = sprint_index(&store, &id)?;
    issue_page(&store, me, &headers, &q, |i| {
        store.issues[i].sprint == Some(sprint)
    })
    .map(Json)
}

/// A sprint date as Jira accepts it: ISO 8601 with an offset (`2024-05-01T09:00:00.000+0000`
/// or RFC 3339), or a bare date.
fn parse_date(field: &str, v: &Value) -> Result<Option<i64>, ApiError> {
    let Some(s) = v.as_str().map(str::trim).filter(|s| !s.is_empty()) else {
        return match v {
            Value::Null => Ok(None),
            Value::String(_) => Ok(None),
            _ => Err(bad(format!("The {field} must be a date string"))),
        };
    };
    let jira = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(s, &jira))
        .map(OffsetDateTime::unix_timestamp)
        .ok()
        .or_else(|| parse_query_date(s))
        .map(Some)
        .ok_or_else(|| {
            bad(format!(
                "The {field} '{s}' is not a valid date: use ISO 8601, e.g. 2024-05-01T09:00:00.000+0000"
            ))
        })
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::bad_request(Family::Jira, msg)
}

fn name_of(v: &Value) -> Result<Option<String>, ApiError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Err(bad("The sprint name must not be empty")),
        Value::String(s) if s.chars().count() > 255 => {
            Err(bad("The sprint name must be 255 characters or less"))
        }
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(bad("The sprint name must be a string")),
    }
}

/// `POST /rest/agile/1.0/sprint`: a new future sprint on `originBoardId`.
pub async fn create_sprint(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let b = json_body(&body)?;
    let name = name_of(&b["name"])?.ok_or_else(|| bad("The sprint name is required"))?;
    // Jira reads the id with a lenient number parser: `2` and `"2"` are the same board.
    let board_id = b["originBoardId"]
        .as_u64()
        .or_else(|| {
            b["originBoardId"]
                .as_str()
                .and_then(|s| s.trim().parse().ok())
        })
        .ok_or_else(|| bad("originBoardId is required and must be a number"))?;
    let start = parse_date("startDate", &b["startDate"])?;
    let end = parse_date("endDate", &b["endDate"])?;
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(bad("The sprint end date must be after its start date"));
    }
    let goal = b["goal"].as_str().unwrap_or_default().to_owned();
    let mut store = state.store();
    let board = board_index(&store, &board_id.to_string())?;
    let id = store.sprints.iter().map(|s| s.id).max().unwrap_or(0) + 1;
    store.sprints.push(Sprint {
        id,
        name,
        state: "future",
        board,
        start,
        end,
        goal,
    });
    let v = sprint_json(&store, store.sprints.len() - 1, &base_url(&headers));
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// Applies `b` to sprint `idx`; `full` (PUT) requires name and state and clears what is
/// not given, a partial update (POST) changes only what is given.
fn apply_update(store: &mut Store, idx: usize, b: &Value, full: bool) -> Result<(), ApiError> {
    let current = store.sprints[idx].clone();
    let name = name_of(&b["name"])?;
    let state = match b["state"].as_str().map(str::to_ascii_lowercase) {
        None if b["state"].is_null() => None,
        Some(s) if s == "future" => Some("future"),
        Some(s) if s == "active" => Some("active"),
        Some(s) if s == "closed" => Some("closed"),
        _ => return Err(bad("The sprint state must be future, active or closed")),
    };
    if full && (name.is_none() || state.is_none()) {
        return Err(bad(
            "A full sprint update (PUT) needs name and state; use POST for a partial update",
        ));
    }
    let given = |k: &str| b.get(k).is_some_and(|v| !v.is_null());
    let start = if given("startDate") || full {
        parse_date("startDate", &b["startDate"])?
    } else {
        current.start
    };
    let end = if given("endDate") || full {
        parse_date("endDate", &b["endDate"])?
    } else {
        current.end
    };
    let goal = if given("goal") || full {
        b["goal"].as_str().unwrap_or_default().to_owned()
    } else {
        current.goal.clone()
    };
    let state = state.unwrap_or(current.state);
    match (current.state, state) {
        ("closed", s) if s != "closed" => {
            return Err(bad("A closed sprint cannot be reopened"));
        }
        ("future", "closed") => {
            return Err(bad(
                "A future sprint must be started before it can be closed",
            ));
        }
        ("active", "future") => {
            return Err(bad("An active sprint cannot go back to future"));
        }
        ("closed", _) if name.is_some() || given("startDate") || given("endDate") => {
            return Err(bad("A closed sprint can only have its goal changed"));
        }
        _ => {}
    }
    if state != "future" && (start.is_none() || end.is_none()) {
        return Err(bad("An active sprint needs a startDate and an endDate"));
    }
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(bad("The sprint end date must be after its start date"));
    }
    let s = &mut store.sprints[idx];
    if let Some(n) = name {
        s.name = n;
    }
    s.state = state;
    s.start = start;
    s.end = end;
    s.goal = goal;
    if state == "closed" && current.state != "closed" {
        // Closing a sprint sends its unfinished issues back to the backlog.
        let done: Vec<bool> = store
            .statuses
            .iter()
            .map(|s| s.category == "done")
            .collect();
        for i in &mut store.issues {
            if i.sprint == Some(idx) && !done.get(i.status).copied().unwrap_or(false) {
                i.sprint = None;
            }
        }
    }
    Ok(())
}

async fn update(
    state: SandboxState,
    id: String,
    headers: HeaderMap,
    body: Bytes,
    full: bool,
) -> Result<Json<Value>, ApiError> {
    let b = json_body(&body)?;
    let mut store = state.store();
    let idx = sprint_index(&store, &id)?;
    apply_update(&mut store, idx, &b, full)?;
    Ok(Json(sprint_json(&store, idx, &base_url(&headers))))
}

/// `POST /rest/agile/1.0/sprint/{sprintId}`: partial update.
pub async fn partial_update(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    update(state, id, headers, body, false).await
}

/// `PUT /rest/agile/1.0/sprint/{sprintId}`: full update.
pub async fn full_update(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    update(state, id, headers, body, true).await
}

/// The issues named by `{"issues": [...]}`, each resolved to an index.
fn issues_of(store: &Store, b: &Value) -> Result<Vec<usize>, ApiError> {
    let keys: Vec<&str> = b["issues"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if keys.is_empty() || keys.len() > MAX_MOVE {
        return Err(bad(format!(
            "Provide between 1 and {MAX_MOVE} issue keys or ids in 'issues'"
        )));
    }
    keys.iter()
        .map(|k| {
            store.issue_index(k).ok_or_else(|| {
                bad(format!(
                    "Issue '{k}' does not exist or you do not have permission to see it."
                ))
            })
        })
        .collect()
}

/// `POST /rest/agile/1.0/sprint/{sprintId}/issue`: moves issues into an open sprint.
pub async fn move_to_sprint(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let b = json_body(&body)?;
    let mut store = state.store();
    let sprint = sprint_index(&store, &id)?;
    if store.sprints[sprint].state == "closed" {
        return Err(bad("Issues cannot be moved to a closed sprint"));
    }
    let targets = issues_of(&store, &b)?;
    let project = store
        .boards
        .get(store.sprints[sprint].board)
        .map(|b| b.project);
    if let Some(&other) = targets
        .iter()
        .find(|&&i| Some(store.issues[i].project) != project)
    {
        return Err(bad(format!(
            "Issue '{}' is not on the sprint's board",
            store.issues[other].key
        )));
    }
    let now = now_secs();
    for i in targets {
        store.issues[i].sprint = Some(sprint);
        store.issues[i].updated = now;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /rest/agile/1.0/backlog/issue`: takes issues out of their sprints.
pub async fn move_to_backlog(
    State(state): State<SandboxState>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let b = json_body(&body)?;
    let mut store = state.store();
    let targets = issues_of(&store, &b)?;
    let now = now_secs();
    for i in targets {
        if store.issues[i].sprint.take().is_some() {
            store.issues[i].updated = now;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
