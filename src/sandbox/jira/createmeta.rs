//! Create metadata: `GET /issue/createmeta/{project}/issuetypes` and
//! `GET /issue/createmeta/{project}/issuetypes/{issueTypeId}`, the paged form Cloud and
//! Server/DC 9+ share (Cloud pages as `issueTypes` / `fields`, Server/DC as `values`).
//!
//! Every project offers every issue type. Summary, issue type, project and reporter are
//! required everywhere; epics also require an Epic Name. Non-epics carry the epic link
//! (`parent` on Cloud, `customfield_10014` on Server/DC).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::projects::{component_json, project_index, version_json};
use crate::sandbox::jira::render::Flavour;
use crate::sandbox::jira::{flavour, int_param};
use crate::sandbox::model::Store;
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;

fn issue_type_json(store: &Store, idx: usize, base: &str, f: Flavour) -> Value {
    let t = &store.issue_types[idx];
    let mut v = json!({
        "self": format!("{base}/rest/api/{}/issuetype/{}", f.num(), t.id),
        "id": t.id, "name": t.name, "description": format!("A {}.", t.name.to_lowercase()),
        "iconUrl": format!("{base}/images/icons/issuetype/{}.svg", t.id), "subtask": false,
    });
    if f == Flavour::V3
        && let Value::Object(m) = &mut v
    {
        m.insert(
            "hierarchyLevel".into(),
            json!(if t.name == "Epic" { 1 } else { 0 }),
        );
    }
    v
}

fn page(f: Flavour, key: &str, values: Vec<Value>, start: u64, max: u64) -> Value {
    let total = values.len() as u64;
    let page: Vec<Value> = values
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(max).unwrap_or(usize::MAX))
        .collect();
    match f {
        Flavour::V3 => json!({"startAt": start, "maxResults": max, "total": total, key: page}),
        Flavour::V2 => json!({"startAt": start, "maxResults": max, "total": total,
                              "isLast": start + max >= total, "values": page}),
    }
}

/// `GET /rest/api/{2,3}/issue/createmeta/{project}/issuetypes`.
pub async fn issue_types(
    State(state): State<SandboxState>,
    Path((ver, project)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let start = int_param(&q, "startAt")?.unwrap_or(0);
    let max = int_param(&q, "maxResults")?.unwrap_or(50).clamp(1, 200);
    let store = state.store();
    project_index(&store, &project)?;
    let types = (0..store.issue_types.len())
        .map(|i| issue_type_json(&store, i, &base, f))
        .collect();
    Ok(Json(page(f, "issueTypes", types, start, max)))
}

struct FieldSpec {
    id: &'static str,
    name: &'static str,
    required: bool,
    schema: Value,
    operations: &'static [&'static str],
    allowed: Option<Vec<Value>>,
}

fn field(
    id: &'static str,
    name: &'static str,
    required: bool,
    schema: Value,
    operations: &'static [&'static str],
) -> FieldSpec {
    FieldSpec {
        id,
        name,
        required,
        schema,
        operations,
        allowed: None,
    }
}

fn fields_for(store: &Store, project: usize, ty: usize, base: &str, f: Flavour) -> Vec<Value> {
    let p = &store.projects[project];
    let is_epic = store.issue_types[ty].name == "Epic";
    let set: &[&str] = &["set"];
    let multi: &[&str] = &["add", "set", "remove"];
    let mut specs = vec![
        field("summary", "Summary", true, json!({"type": "string", "system": "summary"}), set),
        FieldSpec {
            allowed: Some(vec![issue_type_json(store, ty, base, f)]),
            ..field("issuetype", "Issue Type", true, json!({"type": "issuetype", "system": "issuetype"}), &[])
        },
        FieldSpec {
            allowed: Some(vec![json!({"self": format!("{base}/rest/api/{}/project/{}", f.num(), p.id), "id": p.id, "key": p.key, "name": p.name})]),
            ..field("project", "Project", true, json!({"type": "project", "system": "project"}), set)
        },
        field("reporter", "Reporter", true, json!({"type": "user", "system": "reporter"}), set),
        field("description", "Description", false, json!({"type": "string", "system": "description"}), set),
        FieldSpec {
            allowed: Some(store.priorities.iter().map(|x| json!({"self": format!("{base}/rest/api/{}/priority/{}", f.num(), x.id), "id": x.id, "name": x.name})).collect()),
            ..field("priority", "Priority", false, json!({"type": "priority", "system": "priority"}), set)
        },
        field("labels", "Labels", false, json!({"type": "array", "items": "string", "system": "labels"}), multi),
        field("assignee", "Assignee", false, json!({"type": "user", "system": "assignee"}), set),
        field("duedate", "Due date", false, json!({"type": "date", "system": "duedate"}), set),
        FieldSpec {
            allowed: Some(store.components.iter().filter(|c| c.project == project).map(|c| component_json(store, c, base, f)).collect()),
            ..field("components", "Components", false, json!({"type": "array", "items": "component", "system": "components"}), multi)
        },
        FieldSpec {
            allowed: Some(store.versions.iter().filter(|v| v.project == project).map(|v| version_json(store, v, base, f)).collect()),
            ..field("fixVersions", "Fix versions", false, json!({"type": "array", "items": "version", "system": "fixVersions"}), multi)
        },
    ];
    if is_epic {
        specs.push(field("customfield_10011", "Epic Name", true, json!({"type": "string", "custom": "com.pyxis.greenhopper.jira:gh-epic-label", "customId": 10011}), set));
    } else if f == Flavour::V3 {
        specs.push(field(
            "parent",
            "Parent",
            false,
            json!({"type": "issuelink", "system": "parent"}),
            set,
        ));
    } else {
        specs.push(field("customfield_10014", "Epic Link", false, json!({"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-epic-link", "customId": 10014}), set));
    }
    specs
        .into_iter()
        .map(|s| {
            let mut v = json!({
                "fieldId": s.id, "name": s.name, "required": s.required, "schema": s.schema,
                "operations": s.operations, "hasDefaultValue": s.id == "priority",
            });
            if let Value::Object(m) = &mut v {
                if f == Flavour::V3 {
                    m.insert("key".into(), json!(s.id));
                }
                if let Some(a) = s.allowed {
                    m.insert("allowedValues".into(), Value::Array(a));
                }
                if s.id == "priority" {
                    m.insert("defaultValue".into(), json!({"id": "3", "name": "Medium"}));
                }
            }
            v
        })
        .collect()
}

/// `GET /rest/api/{2,3}/issue/createmeta/{project}/issuetypes/{issueTypeId}`.
pub async fn fields(
    State(state): State<SandboxState>,
    Path((ver, project, type_id)): Path<(String, String, String)>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let start = int_param(&q, "startAt")?.unwrap_or(0);
    let max = int_param(&q, "maxResults")?.unwrap_or(50).clamp(1, 200);
    let store = state.store();
    let p = project_index(&store, &project)?;
    let ty = store
        .issue_types
        .iter()
        .position(|t| t.id == type_id)
        .ok_or_else(|| {
            ApiError::bad_request(
                Family::Jira,
                format!("The issue type with id '{type_id}' does not exist or is not valid for this project."),
            )
        })?;
    let list = fields_for(&store, p, ty, &base, f);
    Ok(Json(page(f, "fields", list, start, max)))
}
