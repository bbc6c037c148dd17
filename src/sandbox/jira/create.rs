//! Issue lifecycle beyond editing: `POST /issue` (create), `POST /issue/bulk`,
//! `PUT /issue/{key}/assignee`, `DELETE /issue/{key}`, and the create metadata that tells a
//! client which fields an issue type requires — the paginated
//! `GET /issue/createmeta/{project}/issuetypes[/{id}]` (Cloud and DC 9+, each in its own page
//! shape) and the old Cloud `GET /issue/createmeta?projectKeys=&expand=projects.issuetypes.fields`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::issues::{find, labels_from, rich_from};
use crate::sandbox::jira::projects::{component_json, version_json};
use crate::sandbox::jira::render::{Ctx, Flavour};
use crate::sandbox::jira::{flavour, int_param, json_body, params};
use crate::sandbox::model::{Issue, Store};
use crate::sandbox::timefmt::now_secs;
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;

fn project_index(store: &Store, id_or_key: &str) -> Option<usize> {
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
            // The parent of a story is its epic on Cloud; DC links epics by Epic Link.
            "parent" if flavour == Flavour::V3 => {
                issue.epic = Some(epic_ref(store, ref_text(v, &["key", "id"]), "parent")?);
            }
            "customfield_10014" if flavour == Flavour::V2 => {
                issue.epic = Some(epic_ref(store, v.as_str(), "customfield_10014")?);
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

fn bug(store: &Store, type_idx: usize) -> bool {
    store
        .issue_types
        .get(type_idx)
        .is_some_and(|t| t.name == "Bug")
}

fn epic_ref(store: &Store, key: Option<&str>, field: &str) -> Result<usize, ApiError> {
    key.and_then(|k| store.issue_index(k))
        .filter(|e| {
            store
                .issue_types
                .get(store.issues[*e].issue_type)
                .is_some_and(|t| t.name == "Epic")
        })
        .ok_or_else(|| ApiError::field(field, "The parent must be an existing epic."))
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
    let issue = new_issue(&mut store, flavour, me, &fields)?;
    let out = created_ref(&base, flavour, &issue);
    store.issues.push(issue);
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
        match new_issue(&mut store, flavour, me, &fields) {
            Ok(issue) => {
                issues.push(created_ref(&base, flavour, &issue));
                store.issues.push(issue);
            }
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
    let flavour = flavour(&ver)?;
    let body = json_body(&body)?;
    let id_field = if flavour == Flavour::V3 {
        "accountId"
    } else {
        "name"
    };
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

/// The fields of the create screen of an issue type, as `(id, name, required, schema,
/// allowed values)`.
fn create_fields(
    ctx: &Ctx<'_>,
    project: usize,
    type_idx: usize,
) -> Vec<(&'static str, &'static str, bool, Value, Option<Value>)> {
    let is_epic = ctx
        .store
        .issue_types
        .get(type_idx)
        .is_some_and(|t| t.name == "Epic");
    let user = json!({"type": "user", "system": "assignee"});
    // Bugs must carry a priority (a common screen configuration); other types default it.
    let is_bug = bug(ctx.store, type_idx);
    let mut f = vec![
        (
            "summary",
            "Summary",
            true,
            json!({"type": "string", "system": "summary"}),
            None,
        ),
        (
            "issuetype",
            "Issue Type",
            true,
            json!({"type": "issuetype", "system": "issuetype"}),
            Some(json!([ctx.issue_type(type_idx)])),
        ),
        (
            "project",
            "Project",
            true,
            json!({"type": "project", "system": "project"}),
            None,
        ),
        (
            "description",
            "Description",
            false,
            json!({"type": "string", "system": "description"}),
            None,
        ),
        (
            "labels",
            "Labels",
            false,
            json!({"type": "array", "items": "string", "system": "labels"}),
            None,
        ),
        (
            "priority",
            "Priority",
            is_bug,
            json!({"type": "priority", "system": "priority"}),
            Some(Value::Array(
                (0..ctx.store.priorities.len())
                    .map(|p| ctx.priority(p))
                    .collect(),
            )),
        ),
        ("assignee", "Assignee", false, user.clone(), None),
        (
            "duedate",
            "Due date",
            false,
            json!({"type": "date", "system": "duedate"}),
            None,
        ),
        (
            "components",
            "Components",
            false,
            json!({"type": "array", "items": "component", "system": "components"}),
            Some(Value::Array(
                ctx.store
                    .components
                    .iter()
                    .filter(|c| c.project == project)
                    .map(|c| component_json(ctx.store, c, ctx.base, ctx.flavour))
                    .collect(),
            )),
        ),
        (
            "fixVersions",
            "Fix versions",
            false,
            json!({"type": "array", "items": "version", "system": "fixVersions"}),
            Some(Value::Array(
                ctx.store
                    .versions
                    .iter()
                    .filter(|v| v.project == project)
                    .map(|v| version_json(ctx.store, v, ctx.base, ctx.flavour))
                    .collect(),
            )),
        ),
        (
            "reporter",
            "Reporter",
            false,
            json!({"type": "user", "system": "reporter"}),
            None,
        ),
    ];
    if is_epic {
        // Company-managed projects ask for an Epic Name on epics.
        f.push((
            "customfield_10011",
            "Epic Name",
            true,
            json!({"type": "string", "custom": "com.pyxis.greenhopper.jira:gh-epic-label", "customId": 10011}),
            None,
        ));
    } else {
        match ctx.flavour {
            Flavour::V3 => f.push(("parent", "Parent", false, json!({"type": "issuelink", "system": "parent"}), None)),
            Flavour::V2 => f.push(("customfield_10014", "Epic Link", false,
                json!({"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-epic-link", "customId": 10014}), None)),
        }
    }
    f
}

fn field_meta(
    (id, name, required, schema, allowed): (&str, &str, bool, Value, Option<Value>),
    with_field_id: bool,
) -> Value {
    let mut v = json!({
        "required": required, "schema": schema, "name": name, "key": id,
        "hasDefaultValue": id == "priority" && !required,
        "operations": if id == "labels" { json!(["add", "set", "remove"]) } else { json!(["set"]) },
    });
    if with_field_id {
        v["fieldId"] = json!(id);
    }
    if let Some(a) = allowed {
        v["allowedValues"] = a;
    }
    v
}

fn page_bounds(q: &[(String, String)], total: usize) -> Result<(usize, usize), ApiError> {
    let start = usize::try_from(int_param(q, "startAt")?.unwrap_or(0)).unwrap_or(usize::MAX);
    let max = usize::try_from(int_param(q, "maxResults")?.unwrap_or(50).min(200)).unwrap_or(50);
    Ok((start.min(total), max))
}

fn project_or_404(store: &Store, p: &str) -> Result<usize, ApiError> {
    project_index(store, p).ok_or_else(|| {
        ApiError::not_found(
            Family::Jira,
            format!("No project could be found with key '{p}'."),
        )
    })
}

/// `GET /rest/api/{2,3}/issue/createmeta/{project}/issuetypes`.
pub async fn createmeta_types(
    State(state): State<SandboxState>,
    Path((ver, project)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    project_or_404(&store, &project)?;
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    let total = store.issue_types.len();
    let (start, max) = page_bounds(&q, total)?;
    let page: Vec<Value> = (start..total)
        .take(max)
        .map(|t| ctx.issue_type(t))
        .collect();
    let n = page.len();
    Ok(Json(match flavour {
        Flavour::V3 => {
            json!({"issueTypes": page, "maxResults": max, "startAt": start, "total": total})
        }
        Flavour::V2 => json!({"values": page, "maxResults": max, "startAt": start, "total": total,
                              "isLast": start + n >= total}),
    }))
}

/// `GET /rest/api/{2,3}/issue/createmeta/{project}/issuetypes/{id}`.
pub async fn createmeta_fields(
    State(state): State<SandboxState>,
    Path((ver, project, type_id)): Path<(String, String, String)>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    let project_idx = project_or_404(&store, &project)?;
    let type_idx = store
        .issue_types
        .iter()
        .position(|t| t.id == type_id)
        .ok_or_else(|| ApiError::not_found(Family::Jira, "Issue type with given ID not found"))?;
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    let all = create_fields(&ctx, project_idx, type_idx);
    let total = all.len();
    let (start, max) = page_bounds(&q, total)?;
    let page: Vec<Value> = all
        .into_iter()
        .skip(start)
        .take(max)
        .map(|f| field_meta(f, true))
        .collect();
    let n = page.len();
    Ok(Json(match flavour {
        Flavour::V3 => json!({"fields": page, "maxResults": max, "startAt": start, "total": total}),
        Flavour::V2 => json!({"values": page, "maxResults": max, "startAt": start, "total": total,
                              "isLast": start + n >= total}),
    }))
}

/// The old Cloud `GET /rest/api/3/issue/createmeta?projectKeys=&issuetypeNames=&expand=`.
pub async fn createmeta_old(
    State(state): State<SandboxState>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let ctx = Ctx {
        store: &store,
        flavour: Flavour::V3,
        base: &base,
    };
    let split = |name: &str| -> Vec<String> {
        params(&q, name)
            .iter()
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let keys = split("projectKeys");
    let type_names = split("issuetypeNames");
    let with_fields = params(&q, "expand")
        .iter()
        .any(|e| e.contains("projects.issuetypes.fields"));
    let projects: Vec<Value> = store
        .projects
        .iter()
        .filter(|p| keys.is_empty() || keys.iter().any(|k| k.eq_ignore_ascii_case(&p.key)))
        .map(|p| {
            let types: Vec<Value> = (0..store.issue_types.len())
                .filter(|t| {
                    type_names.is_empty()
                        || type_names
                            .iter()
                            .any(|n| n.eq_ignore_ascii_case(&store.issue_types[*t].name))
                })
                .map(|t| {
                    let project_idx = store
                        .projects
                        .iter()
                        .position(|x| x.key == p.key)
                        .unwrap_or_default();
                    let mut v = ctx.issue_type(t);
                    if with_fields {
                        let fields: Map<String, Value> = create_fields(&ctx, project_idx, t)
                            .into_iter()
                            .map(|f| (f.0.to_owned(), field_meta(f, false)))
                            .collect();
                        v["fields"] = Value::Object(fields);
                    }
                    v
                })
                .collect();
            json!({"self": format!("{base}/rest/api/3/project/{}", p.id), "id": p.id, "key": p.key,
                   "name": p.name, "issuetypes": types})
        })
        .collect();
    Ok(Json(json!({"expand": "projects", "projects": projects})))
}
