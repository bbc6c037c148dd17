//! Create metadata: which fields an issue type's create screen holds — the paginated
//! `GET /issue/createmeta/{project}/issuetypes[/{id}]` (Cloud and DC 9+, each in its own
//! page shape) and the old Cloud `GET /issue/createmeta?projectKeys=&expand=projects.issuetypes.fields`.
//! What these offer is exactly what `create` and `screen` accept.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Map, Value, json};

use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::create::{bug, project_index};
use crate::sandbox::jira::fields::allowed_options;
use crate::sandbox::jira::projects::{component_json, version_json};
use crate::sandbox::jira::render::{Ctx, Flavour};
use crate::sandbox::jira::{flavour, int_param, params};
use crate::sandbox::model::Store;
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;

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
    // Fix versions and affects versions offer the same values: the project's versions.
    let versions = Value::Array(
        ctx.store
            .versions
            .iter()
            .filter(|v| v.project == project)
            .map(|v| version_json(ctx.store, v, ctx.base, ctx.flavour))
            .collect(),
    );
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
            Some(versions.clone()),
        ),
        (
            "versions",
            "Affects versions",
            false,
            json!({"type": "array", "items": "version", "system": "versions"}),
            Some(versions),
        ),
        (
            "reporter",
            "Reporter",
            false,
            json!({"type": "user", "system": "reporter"}),
            None,
        ),
        (
            "customfield_10030",
            "Severity",
            false,
            json!({"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select", "customId": 10030}),
            Some(allowed_options("customfield_10030", ctx.base, ctx.flavour)),
        ),
        (
            "customfield_10031",
            "Affected Teams",
            false,
            json!({"type": "array", "items": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:multiselect", "customId": 10031}),
            Some(allowed_options("customfield_10031", ctx.base, ctx.flavour)),
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
