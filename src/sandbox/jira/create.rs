//! Issue lifecycle beyond editing: `POST /issue` (create), `POST /issue/bulk`,
//! `PUT /issue/{key}/assignee` and `DELETE /issue/{key}`; the create metadata is in
//! `createmeta`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::sandbox::auth::{CurrentUser, cloud_site};
use crate::sandbox::error::ApiError;
use crate::sandbox::jira::issues::{find, labels_from, rich_from};
use crate::sandbox::jira::render::Flavour;
use crate::sandbox::jira::screen;
use crate::sandbox::jira::{flavour, json_body};
use crate::sandbox::model::{Issue, Store};
use crate::sandbox::timefmt::now_secs;
use crate::sandbox::{SandboxState, base_url};

pub(crate) fn project_index(store: &Store, id_or_key: &str) -> Option<usize> {
    store
        .projects
        .iter()
        .position(|p| p.id == id_or_key || p.key.eq_ignore_ascii_case(id_or_key))
}

/// A `{"id"|"key"|"name": ...}` reference's text.
fn ref_text<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str))
}

/// A user reference: `{"accountId"}` on v3, `{"name"}` (or `{"key"}`) on v2. `Ok(None)` for
/// null (unassigned).
pub(crate) fn user_ref(
    store: &Store,
    flavour: Flavour,
    field: &str,
    v: &Value,
) -> Result<Option<usize>, ApiError> {
    if v.is_null() {
        return Ok(None);
    }
    // Jira Cloud identifies users by account id on `/rest/api/2` too.
    let flavour = if cloud_site() { Flavour::V3 } else { flavour };
    let found = match flavour {
        Flavour::V3 => v
            .get("accountId")
            .and_then(Value::as_str)
            .and_then(|a| store.users.iter().position(|u| u.account_id == a)),
        Flavour::V2 => ref_text(v, &["name", "key"])
            .and_then(|n| store.users.iter().position(|u| u.name == n || u.key == n)),
    };
    match found {
        Some(i) => Ok(Some(i)),
        None => Err(ApiError::field(
            field,
            match flavour {
                Flavour::V3 => "Specify a valid accountId for the user.",
                Flavour::V2 => "User does not exist or cannot be assigned issues.",
            },
        )),
    }
}

/// A priority reference by id or name.
pub(crate) fn priority_ref(store: &Store, v: &Value) -> Result<usize, ApiError> {
    ref_text(v, &["id", "name"])
        .and_then(|p| {
            store
                .priorities
                .iter()
                .position(|x| x.id == p || x.name.eq_ignore_ascii_case(p))
        })
        .ok_or_else(|| ApiError::field("priority", "Specify a valid priority id or name."))
}

/// Builds a new issue from a create request's `fields` (not yet stored).
pub(crate) fn new_issue(
    store: &mut Store,
    flavour: Flavour,
    me: usize,
    fields: &Map<String, Value>,
) -> Result<Issue, ApiError> {
    let project = fields
        .get("project")
        .and_then(|p| ref_text(p, &["id", "key"]))
        .and_then(|p| project_index(store, p))
        .ok_or_else(|| ApiError::field("project", "Specify a valid project ID or key"))?;
    let issue_type = fields
        .get("issuetype")
        .and_then(|t| ref_text(t, &["id", "name"]))
        .and_then(|t| {
            store
                .issue_types
                .iter()
                .position(|x| x.id == t || x.name.eq_ignore_ascii_case(t))
        })
        .ok_or_else(|| ApiError::field("issuetype", "Specify an issue type"))?;
    let summary = match fields.get("summary").and_then(Value::as_str) {
        Some(s) if !s.trim().is_empty() => s.to_owned(),
        _ => {
            return Err(ApiError::field(
                "summary",
                "You must specify a summary of the issue.",
            ));
        }
    };
    let mut issue = Issue {
        id: String::new(),
        key: String::new(),
        project,
        issue_type,
        status: 0,
        priority: store
            .priorities
            .iter()
            .position(|p| p.name == "Medium")
            .unwrap_or(0),
        summary,
        description: None,
        labels: Vec::new(),
        assignee: None,
        reporter: me,
        created: 0,
        updated: 0,
        epic: None,
        sprint: None,
        comments: Vec::new(),
        worklogs: Vec::new(),
        history: Vec::new(),
    };
    for (name, v) in fields {
        match name.as_str() {
            "project" | "issuetype" | "summary" => {}
            "description" => issue.description = rich_from(flavour, "description", v)?,
            "labels" => issue.labels = labels_from(v)?,
            "priority" => issue.priority = priority_ref(store, v)?,
            "assignee" => issue.assignee = user_ref(store, flavour, "assignee", v)?,
            "reporter" => {
                issue.reporter = user_ref(store, flavour, "reporter", v)?.unwrap_or(me);
            }
            name if screen::handles(flavour, name) => {
                screen::parse(store, flavour, project, name, v)?;
            }
            other => {
                return Err(ApiError::field(
                    other,
                    format!(
                        "Field '{other}' cannot be set. It is not on the appropriate screen, or unknown."
                    ),
                ));
            }
        }
    }
    if bug(store, issue_type) && !fields.contains_key("priority") {
        return Err(ApiError::field("priority", "Priority is required."));
    }
    let number = store
        .issues
        .iter()
        .filter(|i| i.project == project)
        .filter_map(|i| {
            i.key
                .rsplit_once('-')
                .and_then(|(_, n)| n.parse::<u64>().ok())
        })
        .max()
        .unwrap_or(0)
        + 1;
    issue.key = format!("{}-{number}", store.projects[project].key);
    issue.id = store.fresh_id();
    let now = now_secs();
    issue.created = now;
    issue.updated = now;
    Ok(issue)
}

pub(crate) fn bug(store: &Store, type_idx: usize) -> bool {
    store
        .issue_types
        .get(type_idx)
        .is_some_and(|t| t.name == "Bug")
}

pub(crate) use screen::{
    handles as screen_field, parse as screen_parse, store_value as screen_store,
};

/// Builds, stores and returns the index of a new issue, with its screen fields set.
pub(crate) fn insert_issue(
    store: &mut Store,
    flavour: Flavour,
    me: usize,
    fields: &Map<String, Value>,
) -> Result<usize, ApiError> {
    let issue = new_issue(store, flavour, me, fields)?;
    let project = issue.project;
    store.issues.push(issue);
    let idx = store.issues.len() - 1;
    for (name, v) in fields {
        if screen::handles(flavour, name) {
            // Checked by `new_issue`, so this cannot fail.
            if let Ok(value) = screen::parse(store, flavour, project, name, v) {
                screen::store_value(store, idx, name, value);
            }
        }
    }
    Ok(idx)
}

fn created_ref(base: &str, flavour: Flavour, issue: &Issue) -> Value {
    json!({"id": issue.id, "key": issue.key,
           "self": format!("{base}/rest/api/{}/issue/{}", flavour.num(), issue.id)})
}

/// `POST /rest/api/{2,3}/issue` with `{"fields": {...}}`. 201 with id, key and self.
pub async fn create_issue(
    State(state): State<SandboxState>,
    Path(ver): Path<String>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let body = json_body(&body)?;
    let fields = body
        .get("fields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut store = state.store();
    let idx = insert_issue(&mut store, flavour, me, &fields)?;
    let out = created_ref(&base, flavour, &store.issues[idx]);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `POST /rest/api/{2,3}/issue/bulk` with `{"issueUpdates": [{"fields": {...}}]}`. Valid
/// entries are created; failures are listed by index in `errors` (201 either way, like Jira
/// when at least one entry is valid; 400 when none is).
pub async fn create_issues(
    State(state): State<SandboxState>,
    Path(ver): Path<String>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let body = json_body(&body)?;
    let updates = body
        .get("issueUpdates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut store = state.store();
    let mut issues = Vec::new();
    let mut errors = Vec::new();
    for (n, u) in updates.iter().enumerate() {
        let fields = u
            .get("fields")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        match insert_issue(&mut store, flavour, me, &fields) {
            Ok(idx) => issues.push(created_ref(&base, flavour, &store.issues[idx])),
            Err(e) => errors.push(json!({
                "status": 400, "failedElementNumber": n,
                "elementErrors": e.body(),
            })),
        }
    }
    let status = if issues.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(json!({"issues": issues, "errors": errors}))).into_response())
}

/// `PUT /rest/api/{2,3}/issue/{key}/assignee`: `{"accountId"}` (v3) or `{"name"}` (v2);
/// null unassigns, `"-1"` assigns the project lead (automatic). 204.
pub async fn assign(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let flavour = match flavour(&ver)? {
        _ if cloud_site() => Flavour::V3,
        f => f,
    };
    let body = json_body(&body)?;
    let id_field = if flavour == Flavour::V3 {
        "accountId"
    } else {
        "name"
    };
    // Cloud identifies users only by account id, Server/DC only by name: the other
    // flavour's identifier alone is a 400, never a silent unassign.
    let other_field = if flavour == Flavour::V3 {
        "name"
    } else {
        "accountId"
    };
    if body.get(id_field).is_none() && body.get(other_field).is_some_and(|v| !v.is_null()) {
        return Err(ApiError::field(
            "assignee",
            match flavour {
                Flavour::V3 => {
                    "Specify the user by accountId: 'name' is not accepted on this site."
                }
                Flavour::V2 => "Specify the user by name: 'accountId' is not known on this site.",
            },
        ));
    }
    let mut store = state.store();
    let idx = find(&store, &key)?;
    let who = match body.get(id_field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "-1" => Some(store.projects[store.issues[idx].project].lead),
        Some(_) => user_ref(&store, flavour, "assignee", &body)?,
    };
    let name = |s: &Store, u: Option<usize>| {
        u.and_then(|u| s.users.get(u))
            .map(|u| u.display_name.clone())
            .unwrap_or_default()
    };
    let from = name(&store, store.issues[idx].assignee);
    let to = name(&store, who);
    let history_id = store.fresh_id();
    let now = now_secs();
    let issue = &mut store.issues[idx];
    if issue.assignee != who {
        issue.assignee = who;
        issue.updated = now;
        issue.history.push(crate::sandbox::model::History {
            id: history_id,
            author: me,
            created: now,
            items: vec![("assignee".into(), from, to)],
        });
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /rest/api/{2,3}/issue/{key}`. 204. Links to the issue go with it and its epic
/// children lose their epic, as in Jira.
pub async fn delete_issue(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    flavour(&ver)?;
    let mut store = state.store();
    let idx = find(&store, &key)?;
    store.remove_issue(idx);
    Ok(StatusCode::NO_CONTENT.into_response())
}
