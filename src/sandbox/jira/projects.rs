//! Projects and their metadata: `GET /project`, `GET /rest/api/3/project/search` (Cloud
//! only, as in Jira; `query`, `id`, `status`), versions (`GET /project/{key}/versions`, `POST /version`,
//! `GET|PUT /version/{id}`), components, and create metadata
//! (`GET /issue/createmeta/{project}/issuetypes[/{id}]`, paged as `issueTypes`/`fields` on
//! Cloud and `values` on Server/DC).
//!
//! Version names are unique per project (case-insensitive); dates are `YYYY-MM-DD`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::render::Flavour;
use crate::sandbox::jira::{flavour, int_param, json_body, params};
use crate::sandbox::model::{Component, Store, Version};
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;

fn api(base: &str, f: Flavour) -> String {
    format!("{base}/rest/api/{}", f.num())
}

/// A project by key (case-insensitive) or id, or Jira's 404.
pub fn project_index(store: &Store, key: &str) -> Result<usize, ApiError> {
    store
        .projects
        .iter()
        .position(|p| p.key.eq_ignore_ascii_case(key) || p.id == key)
        .ok_or_else(|| {
            ApiError::not_found(
                Family::Jira,
                format!("No project could be found with key '{key}'."),
            )
        })
}

fn project_json(store: &Store, idx: usize, base: &str, f: Flavour) -> Value {
    let p = &store.projects[idx];
    let avatar = |s: u32| format!("{base}/secure/projectavatar?size={s}&pid={}", p.id);
    let mut v = json!({
        "self": format!("{}/project/{}", api(base, f), p.id),
        "id": p.id, "key": p.key, "name": p.name, "projectTypeKey": "software",
        "avatarUrls": {"48x48": avatar(48), "24x24": avatar(24), "16x16": avatar(16), "32x32": avatar(32)},
        "archived": false,
    });
    if f == Flavour::V3
        && let Value::Object(m) = &mut v
    {
        m.insert("simplified".into(), json!(false));
        m.insert("style".into(), json!("classic"));
        m.insert("isPrivate".into(), json!(false));
    }
    v
}

/// `GET /rest/api/{2,3}/project`.
pub async fn all_projects(
    State(state): State<SandboxState>,
    Path(ver): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    Ok(Json(Value::Array(
        (0..store.projects.len())
            .map(|i| project_json(&store, i, &base, f))
            .collect(),
    )))
}

/// `GET /rest/api/3/project/search` with `query` (key or name contains), `id` (repeated),
/// `startAt`, `maxResults` (default 50, at most 100).
pub async fn search_projects(
    State(state): State<SandboxState>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let start = int_param(&q, "startAt")?.unwrap_or(0);
    let max = int_param(&q, "maxResults")?.unwrap_or(50).clamp(1, 100);
    let text = params(&q, "query")
        .first()
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_default();
    // Every sandbox project is live: asking only for archived or deleted ones finds none.
    let statuses: Vec<&str> = params(&q, "status")
        .into_iter()
        .flat_map(|s| s.split(','))
        .collect();
    let live = statuses.is_empty() || statuses.contains(&"live");
    let ids: Vec<&str> = params(&q, "id")
        .into_iter()
        .flat_map(|s| s.split(','))
        .collect();
    let store = state.store();
    let hits: Vec<usize> = store
        .projects
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            text.is_empty()
                || p.key.to_lowercase().contains(&text)
                || p.name.to_lowercase().contains(&text)
        })
        .filter(|(_, p)| live && (ids.is_empty() || ids.contains(&p.id.as_str())))
        .map(|(i, _)| i)
        .collect();
    let total = hits.len() as u64;
    let values: Vec<Value> = hits
        .iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(max).unwrap_or(usize::MAX))
        .map(|i| project_json(&store, *i, &base, Flavour::V3))
        .collect();
    Ok(Json(json!({
        "self": format!("{base}/rest/api/3/project/search?startAt={start}&maxResults={max}"),
        "startAt": start, "maxResults": max, "total": total,
        "isLast": start + max >= total, "values": values,
    })))
}

/// Server/DC `GET /rest/api/2/projects/picker?query=&maxResults=&allowEmptyQuery=`: projects
/// whose key or a word of whose name starts with `query`; an empty query finds nothing
/// unless `allowEmptyQuery=true`. `maxResults` 0 means 100, negative means none.
pub async fn projects_picker(
    State(state): State<SandboxState>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let text = params(&q, "query")
        .first()
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_default();
    let allow_empty = params(&q, "allowEmptyQuery").first() == Some(&"true");
    let max = match params(&q, "maxResults").first() {
        None => 100,
        Some(v) => match v.trim().parse::<i64>() {
            Ok(0) => 100,
            Ok(n) => usize::try_from(n).unwrap_or(0),
            Err(_) => {
                return Err(ApiError::bad_request(
                    Family::Jira,
                    format!("The value '{v}' is invalid for the 'maxResults' parameter"),
                ));
            }
        },
    };
    let store = state.store();
    let hits: Vec<&crate::sandbox::model::Project> = store
        .projects
        .iter()
        .filter(|p| {
            if text.is_empty() {
                return allow_empty;
            }
            p.key.to_lowercase().starts_with(&text)
                || p.name
                    .to_lowercase()
                    .split_whitespace()
                    .any(|w| w.starts_with(&text))
        })
        .collect();
    let total = hits.len();
    let projects: Vec<Value> = hits
        .iter()
        .take(max)
        .map(|p| {
            json!({"id": p.id, "key": p.key, "name": p.name,
                   "html": format!("{} ({})", p.name, p.key),
                   "avatar": format!("{base}/secure/projectavatar?size=xsmall&pid={}", p.id)})
        })
        .collect();
    Ok(Json(json!({
        "header": format!("Showing {} of {total} matching projects", projects.len()),
        "total": total, "projects": projects,
    })))
}

/// Today (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    crate::sandbox::timefmt::jira(crate::sandbox::timefmt::now_secs())
        .chars()
        .take(10)
        .collect()
}

/// A version as Jira renders it.
pub fn version_json(store: &Store, v: &Version, base: &str, f: Flavour) -> Value {
    let project_id: u64 = store
        .projects
        .get(v.project)
        .and_then(|p| p.id.parse().ok())
        .unwrap_or(0);
    let mut out = json!({
        "self": format!("{}/version/{}", api(base, f), v.id),
        "id": v.id, "name": v.name, "description": v.description,
        "archived": v.archived, "released": v.released, "projectId": project_id,
    });
    if let Value::Object(m) = &mut out {
        if let Some(s) = &v.start_date {
            m.insert("startDate".into(), json!(s));
        }
        if let Some(r) = &v.release_date {
            m.insert("releaseDate".into(), json!(r));
            if !v.released {
                m.insert("overdue".into(), json!(r.as_str() < today().as_str()));
            }
        }
    }
    out
}

/// `GET /rest/api/{2,3}/project/{key}/versions`.
pub async fn project_versions(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    let p = project_index(&store, &key)?;
    Ok(Json(Value::Array(
        store
            .versions
            .iter()
            .filter(|v| v.project == p)
            .map(|v| version_json(&store, v, &base, f))
            .collect(),
    )))
}

/// A component as Jira renders it.
pub fn component_json(store: &Store, c: &Component, base: &str, f: Flavour) -> Value {
    let project = store.projects.get(c.project);
    let lead = c.lead.and_then(|l| store.users.get(l));
    let mut out = json!({
        "self": format!("{}/component/{}", api(base, f), c.id),
        "id": c.id, "name": c.name, "description": c.description,
        "assigneeType": "PROJECT_DEFAULT",
        "project": project.map(|p| p.key.clone()),
        "projectId": project.and_then(|p| p.id.parse::<u64>().ok()),
    });
    if let (Value::Object(m), Some(u)) = (&mut out, lead) {
        match f {
            Flavour::V3 => {
                m.insert(
                    "lead".into(),
                    json!({"accountId": u.account_id, "displayName": u.display_name, "active": true}),
                );
                m.insert("leadAccountId".into(), json!(u.account_id));
            }
            Flavour::V2 => {
                m.insert(
                    "lead".into(),
                    json!({"name": u.name, "key": u.key, "displayName": u.display_name, "active": true}),
                );
                m.insert("leadUserName".into(), json!(u.name));
            }
        }
    }
    out
}

/// `GET /rest/api/{2,3}/project/{key}/components`.
pub async fn project_components(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    let p = project_index(&store, &key)?;
    Ok(Json(Value::Array(
        store
            .components
            .iter()
            .filter(|c| c.project == p)
            .map(|c| component_json(&store, c, &base, f))
            .collect(),
    )))
}

fn date_field(m: &Map<String, Value>, name: &str) -> Result<Option<Option<String>>, ApiError> {
    match m.get(name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s))
            if time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                .is_ok() =>
        {
            Ok(Some(Some(s.clone())))
        }
        Some(_) => Err(ApiError::field(
            name,
            "The date must be in the format yyyy-MM-dd.",
        )),
    }
}

fn apply(v: &mut Version, m: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(n) = m.get("name") {
        match n.as_str().map(str::trim) {
            Some(n) if !n.is_empty() && n.len() <= 255 => v.name = n.to_owned(),
            _ => {
                return Err(ApiError::field(
                    "name",
                    "You must specify a valid version name",
                ));
            }
        }
    }
    if let Some(d) = m.get("description") {
        v.description = d.as_str().unwrap_or_default().to_owned();
    }
    if let Some(s) = date_field(m, "startDate")? {
        v.start_date = s;
    }
    if let Some(r) = date_field(m, "releaseDate")? {
        v.release_date = r;
    }
    for (name, slot) in [("released", &mut v.released), ("archived", &mut v.archived)] {
        match m.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => *slot = *b,
            Some(_) => return Err(ApiError::field(name, "Must be true or false.")),
        }
    }
    if let (Some(s), Some(r)) = (&v.start_date, &v.release_date)
        && s > r
    {
        return Err(ApiError::field(
            "startDate",
            "The start date must be before the release date.",
        ));
    }
    Ok(())
}

fn duplicate(store: &Store, v: &Version) -> bool {
    store
        .versions
        .iter()
        .any(|o| o.project == v.project && o.id != v.id && o.name.eq_ignore_ascii_case(&v.name))
}

/// `POST /rest/api/{2,3}/version` with `project` (key) or `projectId`. 201.
pub async fn create_version(
    State(state): State<SandboxState>,
    Path(ver): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let body = json_body(&body)?;
    let m = body.as_object().cloned().unwrap_or_default();
    let mut store = state.store();
    let project_ref = match (m.get("projectId"), m.get("project")) {
        (Some(Value::Number(n)), _) => n.to_string(),
        (Some(Value::String(s)), _) | (_, Some(Value::String(s))) => s.clone(),
        _ => {
            return Err(ApiError::field(
                "project",
                "Project must be specified to create a version.",
            ));
        }
    };
    let project = project_index(&store, &project_ref).map_err(|_| {
        ApiError::field("project", "Project must be specified to create a version.")
    })?;
    if !m.contains_key("name") {
        return Err(ApiError::field(
            "name",
            "You must specify a valid version name",
        ));
    }
    let mut v = Version {
        project,
        ..Version::default()
    };
    apply(&mut v, &m)?;
    if duplicate(&store, &v) {
        return Err(ApiError::field(
            "name",
            "A version with this name already exists in this project.",
        ));
    }
    v.id = store.fresh_id();
    let out = version_json(&store, &v, &base, f);
    store.versions.push(v);
    Ok((StatusCode::CREATED, Json(out)))
}

fn version_index(store: &Store, id: &str) -> Result<usize, ApiError> {
    store
        .versions
        .iter()
        .position(|v| v.id == id)
        .ok_or_else(|| {
            ApiError::not_found(
                Family::Jira,
                format!("Could not find version for id '{id}'"),
            )
        })
}

/// `GET /rest/api/{2,3}/version/{id}`.
pub async fn get_version(
    State(state): State<SandboxState>,
    Path((ver, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    let i = version_index(&store, &id)?;
    Ok(Json(version_json(&store, &store.versions[i], &base, f)))
}

/// `PUT /rest/api/{2,3}/version/{id}`: changes the fields given. 200 with the version.
pub async fn update_version(
    State(state): State<SandboxState>,
    Path((ver, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let body = json_body(&body)?;
    let m = body.as_object().cloned().unwrap_or_default();
    let mut store = state.store();
    let i = version_index(&store, &id)?;
    let mut v = store.versions[i].clone();
    apply(&mut v, &m)?;
    if duplicate(&store, &v) {
        return Err(ApiError::field(
            "name",
            "A version with this name already exists in this project.",
        ));
    }
    let out = version_json(&store, &v, &base, f);
    store.versions[i] = v;
    Ok(Json(out))
}
