//! Page templates. Cloud: `GET /wiki/rest/api/template/page?spaceKey=&start=&limit=` and
//! `GET /wiki/rest/api/template/{id}`; Data Center serves the same `ContentTemplate` shape
//! under its experimental API, `GET /rest/experimental/template/page` and
//! `GET /rest/experimental/template/{id}` (Atlassian's Confluence Server REST API reference,
//! "experimental/template"). Templates are fixed: one global template and two per space,
//! derived from the spaces so they need no seed state.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use serde_json::{Value, json};

use crate::sandbox::confluence::{limit_param, param};
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::model::Store;
use crate::sandbox::{SandboxState, base_url};

const V1: Family = Family::ConfluenceV1;
const FIRST_ID: u64 = 1_310_720;

/// (id, space key or none for global, name, description, storage body).
fn all(store: &Store) -> Vec<(String, Option<String>, &'static str, &'static str, String)> {
    let mut out = vec![(
        FIRST_ID.to_string(),
        None,
        "Checklist",
        "A simple task checklist",
        "<h2>Checklist</h2><ul><li>First step</li><li>Second step</li></ul>".to_owned(),
    )];
    for (s, space) in store.spaces.iter().enumerate() {
        let base = FIRST_ID + 10 * (s as u64 + 1);
        out.push((
            base.to_string(),
            Some(space.key.clone()),
            "Meeting notes",
            "Agenda, attendees and action items",
            format!("<h2>Agenda</h2><p>{} weekly sync</p><h2>Action items</h2><ul><li>Owner: task</li></ul>", space.name),
        ));
        out.push((
            (base + 1).to_string(),
            Some(space.key.clone()),
            "Decision log",
            "Record a decision and its context",
            "<h2>Decision</h2><p>What was decided</p><h2>Context</h2><p>Why</p>".to_owned(),
        ));
    }
    out
}

/// Where the request came in: the site context (`/wiki` on Cloud, none on Data Center) and
/// the template API under it.
fn flavour(uri: &Uri) -> (&'static str, &'static str) {
    if uri.path().starts_with("/wiki/") {
        ("/wiki", "/wiki/rest/api/template")
    } else {
        ("", "/rest/experimental/template")
    }
}

fn render(
    t: &(String, Option<String>, &'static str, &'static str, String),
    with_body: bool,
    base: &str,
    uri: &Uri,
) -> Value {
    let (context, api) = flavour(uri);
    let mut v = json!({
        "templateId": t.0, "name": t.2, "description": t.3, "labels": [],
        "templateType": "page", "editorVersion": "v2",
        "_links": {"self": format!("{base}{api}/{}", t.0), "base": format!("{base}{context}"), "context": context}
    });
    if let Some(k) = &t.1 {
        v["space"] = json!({"key": k, "_links": {}});
    }
    if with_body {
        v["body"] = json!({"storage": {"value": t.4, "representation": "storage", "embeddedContent": [], "_expandable": {}}});
    } else {
        v["_expandable"] = json!({"body": ""});
    }
    v
}

/// `GET /wiki/rest/api/template/page` (Cloud), `GET /rest/experimental/template/page` (DC).
pub async fn list(
    State(state): State<SandboxState>,
    Query(q): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let limit = limit_param(&q, "limit", 25, 200, V1)?;
    let start = limit_param(&q, "start", 0, usize::MAX, V1)?;
    let space = param(&q, "spaceKey");
    let base = base_url(&headers);
    let store = state.store();
    if let Some(k) = space
        && !store.spaces.iter().any(|s| s.key == k)
    {
        return Err(ApiError::not_found(V1, format!("No space with key : {k}")));
    }
    let with_body = param(&q, "expand").is_some_and(|e| e.contains("body"));
    let hits: Vec<Value> = all(&store)
        .iter()
        .filter(|t| t.1.as_deref() == space)
        .map(|t| render(t, with_body, &base, &uri))
        .collect();
    let results: Vec<Value> = hits.iter().skip(start).take(limit).cloned().collect();
    let size = results.len();
    Ok(Json(
        json!({"results": results, "start": start, "limit": limit, "size": size,
        "_links": {"base": format!("{base}{}", flavour(&uri).0), "context": flavour(&uri).0}}),
    ))
}

/// `GET /wiki/rest/api/template/{contentTemplateId}` (Cloud),
/// `GET /rest/experimental/template/{contentTemplateId}` (DC).
pub async fn get_one(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    all(&store)
        .iter()
        .find(|t| t.0 == id)
        .map(|t| Json(render(t, true, &base, &uri)))
        .ok_or_else(|| ApiError::not_found(V1, format!("No template with id {id}")))
}
