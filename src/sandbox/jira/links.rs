//! Issue links, remote links and epic membership: `GET /issueLinkType`,
//! `POST /issueLink`, `GET|DELETE /issueLink/{id}`, `GET|POST /issue/{key}/remotelink`, and
//! Jira Software's `POST /rest/agile/1.0/epic/{epic}/issue`.
//!
//! A link posted as `{"inwardIssue": A, "outwardIssue": B, "type": Blocks}` reads "A blocks
//! B": A lists B as its `outwardIssue`, B lists A as its `inwardIssue`, as Jira does. A
//! comment in the request lands on A. Posting a link that already exists changes nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::render::Flavour;
use crate::sandbox::jira::{flavour, json_body};
use crate::sandbox::model::{Comment, IssueLink, RemoteLink, Store};
use crate::sandbox::text::RichText;
use crate::sandbox::timefmt::now_secs;
use crate::sandbox::{SandboxState, base_url};

/// The link types: (id, name, inward description, outward description).
pub const LINK_TYPES: [(&str, &str, &str, &str); 4] = [
    ("10000", "Blocks", "is blocked by", "blocks"),
    ("10001", "Cloners", "is cloned by", "clones"),
    ("10002", "Duplicate", "is duplicated by", "duplicates"),
    ("10003", "Relates", "relates to", "relates to"),
];

/// The link type named `name` (its table row), falling back to Relates.
pub fn link_type(name: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    LINK_TYPES
        .iter()
        .copied()
        .find(|t| t.1 == name)
        .unwrap_or(LINK_TYPES[3])
}

fn type_json(base: &str, f: Flavour, t: (&str, &str, &str, &str)) -> Value {
    json!({"id": t.0, "name": t.1, "inward": t.2, "outward": t.3,
           "self": format!("{base}/rest/api/{}/issueLinkType/{}", f.num(), t.0)})
}

fn find_issue(store: &Store, key: &str) -> Result<usize, ApiError> {
    store.issue_index(key).ok_or_else(|| {
        ApiError::not_found(
            Family::Jira,
            format!("Issue '{key}' does not exist or you do not have permission to see it."),
        )
    })
}

/// `GET /rest/api/{2,3}/issueLinkType`.
pub async fn link_types(
    Path(ver): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let list: Vec<Value> = LINK_TYPES.iter().map(|t| type_json(&base, f, *t)).collect();
    Ok(Json(json!({"issueLinkTypes": list})))
}

fn issue_ref(store: &Store, idx: usize) -> Value {
    store
        .issues
        .get(idx)
        .map(|i| json!({"id": i.id, "key": i.key}))
        .unwrap_or(Value::Null)
}

fn issue_key_of(v: &Value) -> Option<&str> {
    v.get("key").or_else(|| v.get("id")).and_then(Value::as_str)
}

/// `POST /rest/api/{2,3}/issueLink`. 201 with no body.
pub async fn create_link(
    State(state): State<SandboxState>,
    Path(ver): Path<String>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let f = flavour(&ver)?;
    let body = json_body(&body)?;
    let kind = body
        .pointer("/type/name")
        .and_then(Value::as_str)
        .and_then(|n| LINK_TYPES.iter().find(|t| t.1.eq_ignore_ascii_case(n)))
        .or_else(|| {
            body.pointer("/type/id")
                .and_then(Value::as_str)
                .and_then(|id| LINK_TYPES.iter().find(|t| t.0 == id))
        })
        .ok_or_else(|| {
            ApiError::not_found(Family::Jira, "No issue link type with name or id given.")
        })?;
    let (Some(inward), Some(outward)) = (
        body.get("inwardIssue").and_then(issue_key_of),
        body.get("outwardIssue").and_then(issue_key_of),
    ) else {
        return Err(ApiError::bad_request(
            Family::Jira,
            "Both inwardIssue and outwardIssue must be given.",
        ));
    };
    let comment = match (f, body.pointer("/comment/body")) {
        (_, None | Some(Value::Null)) => None,
        (Flavour::V3, Some(v @ Value::Object(_))) => Some(RichText::from_adf(v.clone())),
        (Flavour::V2, Some(Value::String(s))) => Some(RichText::from_wiki(s)),
        _ => {
            return Err(ApiError::field(
                "comment",
                "The comment body has the wrong format for this API version.",
            ));
        }
    };
    let mut store = state.store();
    let from = find_issue(&store, inward)?;
    let to = find_issue(&store, outward)?;
    if from == to {
        return Err(ApiError::bad_request(
            Family::Jira,
            "You cannot link an issue to itself.",
        ));
    }
    let exists = store
        .links
        .iter()
        .any(|l| l.kind == kind.1 && l.outward == from && l.inward == to);
    if !exists {
        let id = store.fresh_id();
        store.links.push(IssueLink {
            id,
            kind: kind.1,
            outward: from,
            inward: to,
        });
    }
    if let Some(body) = comment {
        let id = store.fresh_id();
        let now = now_secs();
        store.issues[from].comments.push(Comment {
            id,
            author: me,
            body,
            created: now,
            updated: now,
        });
    }
    Ok(StatusCode::CREATED.into_response())
}

fn link_index(store: &Store, id: &str) -> Result<usize, ApiError> {
    store.links.iter().position(|l| l.id == id).ok_or_else(|| {
        ApiError::not_found(
            Family::Jira,
            format!("No issue link with id '{id}' exists."),
        )
    })
}

/// `GET /rest/api/{2,3}/issueLink/{id}`.
pub async fn get_link(
    State(state): State<SandboxState>,
    Path((ver, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    let l = &store.links[link_index(&store, &id)?];
    Ok(Json(json!({
        "id": l.id,
        "self": format!("{base}/rest/api/{}/issueLink/{}", f.num(), l.id),
        "type": type_json(&base, f, link_type(l.kind)),
        "inwardIssue": issue_ref(&store, l.outward),
        "outwardIssue": issue_ref(&store, l.inward),
    })))
}

/// `DELETE /rest/api/{2,3}/issueLink/{id}`. 204.
pub async fn delete_link(
    State(state): State<SandboxState>,
    Path((ver, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    flavour(&ver)?;
    let mut store = state.store();
    let i = link_index(&store, &id)?;
    // Links are referenced by id only, never by position, so removing one is safe.
    store.links.remove(i);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn remote_json(base: &str, f: Flavour, issue_id: &str, r: &RemoteLink) -> Value {
    let mut object = json!({"url": r.url, "title": r.title});
    if let Some(s) = &r.summary {
        object["summary"] = json!(s);
    }
    if let Some(i) = &r.icon_url {
        object["icon"] = json!({"url16x16": i, "title": r.title});
    }
    let mut v = json!({
        "id": r.id.parse::<u64>().unwrap_or(0),
        "self": format!("{base}/rest/api/{}/issue/{issue_id}/remotelink/{}", f.num(), r.id),
        "object": object,
    });
    if let Some(g) = &r.global_id {
        v["globalId"] = json!(g);
    }
    if let Some(rel) = &r.relationship {
        v["relationship"] = json!(rel);
    }
    v
}

/// `GET /rest/api/{2,3}/issue/{key}/remotelink`.
pub async fn remote_links(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    let idx = find_issue(&store, &key)?;
    let issue_id = store.issues[idx].id.clone();
    Ok(Json(Value::Array(
        store
            .remote_links
            .iter()
            .filter(|r| r.issue == idx)
            .map(|r| remote_json(&base, f, &issue_id, r))
            .collect(),
    )))
}

/// `POST /rest/api/{2,3}/issue/{key}/remotelink`: creates a link, or updates the one with
/// the same `globalId`. 201 `{id, self}` (200 on update).
pub async fn create_remote_link(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let f = flavour(&ver)?;
    let base = base_url(&headers);
    let body = json_body(&body)?;
    let text = |p: &str| body.pointer(p).and_then(Value::as_str).map(str::to_owned);
    let (Some(url), Some(title)) = (text("/object/url"), text("/object/title")) else {
        return Err(ApiError::field(
            "object",
            "The remote link object needs a url and a title.",
        ));
    };
    let mut store = state.store();
    let idx = find_issue(&store, &key)?;
    let global_id = text("/globalId");
    let existing = global_id.as_ref().and_then(|g| {
        store
            .remote_links
            .iter()
            .position(|r| r.issue == idx && r.global_id.as_ref() == Some(g))
    });
    let (status, id) = match existing {
        Some(i) => (StatusCode::OK, store.remote_links[i].id.clone()),
        None => (StatusCode::CREATED, store.fresh_id()),
    };
    let link = RemoteLink {
        id: id.clone(),
        issue: idx,
        global_id,
        url,
        title,
        summary: text("/object/summary"),
        relationship: text("/relationship"),
        icon_url: text("/object/icon/url16x16"),
    };
    match existing {
        Some(i) => store.remote_links[i] = link,
        None => store.remote_links.push(link),
    }
    let issue_id = store.issues[idx].id.clone();
    Ok((
        status,
        Json(json!({
            "id": id.parse::<u64>().unwrap_or(0),
            "self": format!("{base}/rest/api/{}/issue/{issue_id}/remotelink/{id}", f.num()),
        })),
    ))
}

/// `POST /rest/agile/1.0/epic/{epic}/issue` with `{"issues": [keys]}`: moves the issues
/// into the epic (at most 50). 204.
pub async fn move_to_epic(
    State(state): State<SandboxState>,
    Path(epic): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let keys: Vec<String> = body
        .get("issues")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if keys.is_empty() || keys.len() > 50 {
        return Err(ApiError::bad_request(
            Family::Jira,
            "Provide between 1 and 50 issues to move to the epic.",
        ));
    }
    let mut store = state.store();
    let e = find_issue(&store, &epic)?;
    let is_epic = |s: &Store, i: usize| {
        s.issue_types
            .get(s.issues[i].issue_type)
            .is_some_and(|t| t.name == "Epic")
    };
    if !is_epic(&store, e) {
        return Err(ApiError::bad_request(
            Family::Jira,
            format!("Issue '{epic}' is not an epic."),
        ));
    }
    let mut targets = Vec::new();
    for k in &keys {
        let i = find_issue(&store, k)?;
        if is_epic(&store, i) {
            return Err(ApiError::bad_request(
                Family::Jira,
                format!("Issue '{k}' is an epic and cannot be added to an epic."),
            ));
        }
        targets.push(i);
    }
    let now = now_secs();
    for i in targets {
        store.issues[i].epic = Some(e);
        store.issues[i].updated = now;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
