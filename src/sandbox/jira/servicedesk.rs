//! Jira Service Management REST API (`/rest/servicedeskapi`), after Atlassian's "Jira
//! Service Management Cloud REST API" reference and the Server/DC "Jira Service Management
//! REST API" reference (their examples for `PagedDTO`, `ServiceDeskDTO`, `QueueDTO`,
//! `RequestTypeDTO`, `RequestTypeFieldDTO` and `CustomerRequestDTO`): service desks, queues
//! and their issues, request types and their fields, and `POST /request`.
//!
//! These paths carry no API version, so the flavour comes from the credentials: Cloud
//! callers use basic auth (e-mail + API token), Server/DC callers a personal access token;
//! users render accordingly (account ids or user names). Errors use the Service Management
//! shape `{"errorMessage", "i18nErrorMessage"}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::jira::create::new_issue;
use crate::sandbox::jira::jsm_seed::{CustomerRequest, RequestField, RequestType};
use crate::sandbox::jira::render::{Ctx, FieldSelection, Flavour};
use crate::sandbox::jira::{int_param, json_body};
use crate::sandbox::jql::{Context, compile};
use crate::sandbox::model::Store;
use crate::sandbox::timefmt::{jira as ts, now_secs};
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;

/// A Service Management error answer.
#[derive(Debug)]
pub struct JsmError(StatusCode, String);

impl IntoResponse for JsmError {
    fn into_response(self) -> Response {
        let body = json!({
            "errorMessage": self.1,
            "i18nErrorMessage": {"i18nKey": "sd.sandbox.error", "parameters": []}
        });
        (self.0, Json(body)).into_response()
    }
}

fn bad(msg: impl Into<String>) -> JsmError {
    JsmError(StatusCode::BAD_REQUEST, msg.into())
}

fn missing(msg: impl Into<String>) -> JsmError {
    JsmError(StatusCode::NOT_FOUND, msg.into())
}

fn flavour_of(headers: &HeaderMap) -> Flavour {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic "));
    if basic { Flavour::V3 } else { Flavour::V2 }
}

/// `start`/`limit` (default 50, at most 50) of a paged request.
fn paging(q: &[(String, String)]) -> Result<(usize, usize), JsmError> {
    let start = int_param(q, "start")
        .map_err(|e| bad(e.message))?
        .unwrap_or(0);
    let limit = int_param(q, "limit")
        .map_err(|e| bad(e.message))?
        .unwrap_or(50)
        .clamp(1, 50);
    Ok((
        usize::try_from(start).unwrap_or(usize::MAX),
        usize::try_from(limit).unwrap_or(50),
    ))
}

/// A `PagedDTO` over `items`.
fn paged(base: &str, path: &str, items: Vec<Value>, start: usize, limit: usize) -> Value {
    let total = items.len();
    let values: Vec<Value> = items.into_iter().skip(start).take(limit).collect();
    let last = start.saturating_add(values.len()) >= total;
    let mut links = json!({"base": base, "context": "", "self": format!("{base}{path}?start={start}&limit={limit}")});
    if !last {
        links["next"] = json!(format!(
            "{base}{path}?start={}&limit={limit}",
            start + limit
        ));
    }
    if start > 0 {
        links["prev"] = json!(format!(
            "{base}{path}?start={}&limit={limit}",
            start.saturating_sub(limit)
        ));
    }
    json!({"_expands": [], "size": values.len(), "start": start, "limit": limit,
           "isLastPage": last, "_links": links, "values": values})
}

fn desk_json(store: &Store, base: &str, idx: usize) -> Value {
    let d = &store.jsm.desks[idx];
    let p = &store.projects[d.project];
    json!({"id": d.id, "projectId": p.id, "projectName": p.name, "projectKey": p.key,
           "_links": {"self": format!("{base}/rest/servicedeskapi/servicedesk/{}", d.id)}})
}

fn desk_index(store: &Store, id: &str) -> Result<usize, JsmError> {
    store
        .jsm
        .desks
        .iter()
        .position(|d| d.id == id || store.projects[d.project].key.eq_ignore_ascii_case(id))
        .ok_or_else(|| missing(format!("The service desk with id '{id}' does not exist or you do not have permission to see it.")))
}

/// `GET /rest/servicedeskapi/servicedesk`.
pub async fn desks(
    State(state): State<SandboxState>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, JsmError> {
    let (start, limit) = paging(&q)?;
    let base = base_url(&headers);
    let store = state.store();
    let items = (0..store.jsm.desks.len())
        .map(|i| desk_json(&store, &base, i))
        .collect();
    Ok(Json(paged(
        &base,
        "/rest/servicedeskapi/servicedesk",
        items,
        start,
        limit,
    )))
}

/// `GET /rest/servicedeskapi/servicedesk/{id}` (id or project key, as Jira accepts).
pub async fn desk(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, JsmError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = desk_index(&store, &id)?;
    Ok(Json(desk_json(&store, &base, idx)))
}

fn queue_json(store: &Store, base: &str, qi: usize, me: usize) -> Value {
    let q = &store.jsm.queues[qi];
    let count = compile(&q.jql)
        .map(|j| {
            j.run(
                store,
                Context {
                    current_user: me,
                    now: now_secs(),
                },
            )
            .len()
        })
        .unwrap_or(0);
    json!({"id": q.id, "name": q.name, "jql": q.jql, "fields": q.fields, "issueCount": count,
           "_links": {"self": format!("{base}/rest/servicedeskapi/servicedesk/{}/queue/{}", q.desk, q.id)}})
}

fn queue_index(store: &Store, desk: &str, queue: &str) -> Result<usize, JsmError> {
    store
        .jsm
        .queues
        .iter()
        .position(|q| q.desk == desk && q.id == queue)
        .ok_or_else(|| {
            missing(format!(
                "The queue with id '{queue}' does not exist in service desk {desk}."
            ))
        })
}

/// `GET /rest/servicedeskapi/servicedesk/{id}/queue` (`issueCount` with `includeCount=true`).
pub async fn queues(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
) -> Result<Json<Value>, JsmError> {
    let (start, limit) = paging(&q)?;
    let counted = q.iter().any(|(k, v)| k == "includeCount" && v == "true");
    let base = base_url(&headers);
    let store = state.store();
    let desk = store.jsm.desks[desk_index(&store, &id)?].id.clone();
    let items = (0..store.jsm.queues.len())
        .filter(|i| store.jsm.queues[*i].desk == desk)
        .map(|i| {
            let mut v = queue_json(&store, &base, i, me);
            if !counted && let Value::Object(m) = &mut v {
                m.remove("issueCount");
            }
            v
        })
        .collect();
    Ok(Json(paged(
        &base,
        &format!("/rest/servicedeskapi/servicedesk/{desk}/queue"),
        items,
        start,
        limit,
    )))
}

/// `GET /rest/servicedeskapi/servicedesk/{id}/queue/{queueId}`.
pub async fn queue(
    State(state): State<SandboxState>,
    Path((id, queue)): Path<(String, String)>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
) -> Result<Json<Value>, JsmError> {
    let base = base_url(&headers);
    let store = state.store();
    let desk = store.jsm.desks[desk_index(&store, &id)?].id.clone();
    let qi = queue_index(&store, &desk, &queue)?;
    Ok(Json(queue_json(&store, &base, qi, me)))
}

/// `GET /rest/servicedeskapi/servicedesk/{id}/queue/{queueId}/issue`: the queue's issues
/// with the queue's fields.
pub async fn queue_issues(
    State(state): State<SandboxState>,
    Path((id, queue)): Path<(String, String)>,
    Query(q): Q,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
) -> Result<Json<Value>, JsmError> {
    let (start, limit) = paging(&q)?;
    let base = base_url(&headers);
    let flavour = flavour_of(&headers);
    let store = state.store();
    let desk = store.jsm.desks[desk_index(&store, &id)?].id.clone();
    let qi = queue_index(&store, &desk, &queue)?;
    let qd = &store.jsm.queues[qi];
    let hits = compile(&qd.jql).map_err(bad)?.run(
        &store,
        Context {
            current_user: me,
            now: now_secs(),
        },
    );
    let sel = FieldSelection::parse(qd.fields.iter().copied(), FieldSelection::none());
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    let items = hits
        .into_iter()
        .map(|i| ctx.issue(i, &sel, &Default::default()))
        .collect();
    Ok(Json(paged(
        &base,
        &format!(
            "/rest/servicedeskapi/servicedesk/{desk}/queue/{}/issue",
            qd.id
        ),
        items,
        start,
        limit,
    )))
}

fn request_type_json(base: &str, rt: &RequestType, issue_type_id: &str) -> Value {
    json!({"id": rt.id, "name": rt.name, "description": rt.description, "helpText": "",
           "issueTypeId": issue_type_id, "serviceDeskId": rt.desk, "groupIds": rt.group_ids,
           "_links": {"self": format!("{base}/rest/servicedeskapi/servicedesk/{}/requesttype/{}", rt.desk, rt.id)}})
}

/// `GET /rest/servicedeskapi/servicedesk/{id}/requesttype`.
pub async fn request_types(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, JsmError> {
    let (start, limit) = paging(&q)?;
    let base = base_url(&headers);
    let store = state.store();
    let desk = store.jsm.desks[desk_index(&store, &id)?].id.clone();
    let items = store
        .jsm
        .request_types
        .iter()
        .filter(|rt| rt.desk == desk)
        .map(|rt| request_type_json(&base, rt, &store.issue_types[rt.issue_type].id))
        .collect();
    Ok(Json(paged(
        &base,
        &format!("/rest/servicedeskapi/servicedesk/{desk}/requesttype"),
        items,
        start,
        limit,
    )))
}

fn field_json(f: &RequestField) -> Value {
    let valid: Vec<Value> = f
        .valid_values
        .iter()
        .map(|(v, l)| json!({"value": v, "label": l, "children": []}))
        .collect();
    json!({"fieldId": f.field_id, "name": f.name, "description": f.description, "required": f.required,
           "defaultValues": [], "validValues": valid, "presetValues": [], "jiraSchema": f.schema, "visible": true})
}

fn request_type<'a>(store: &'a Store, desk: &str, rt: &str) -> Result<&'a RequestType, JsmError> {
    store
        .jsm
        .request_types
        .iter()
        .find(|t| t.desk == desk && t.id == rt)
        .ok_or_else(|| {
            missing(format!(
                "The request type with id '{rt}' does not exist in service desk {desk}."
            ))
        })
}

/// `GET /rest/servicedeskapi/servicedesk/{id}/requesttype/{requestTypeId}/field`.
pub async fn request_type_fields(
    State(state): State<SandboxState>,
    Path((id, rt)): Path<(String, String)>,
) -> Result<Json<Value>, JsmError> {
    let store = state.store();
    let desk = store.jsm.desks[desk_index(&store, &id)?].id.clone();
    let t = request_type(&store, &desk, &rt)?;
    let fields: Vec<Value> = t.fields.iter().map(field_json).collect();
    Ok(Json(
        json!({"requestTypeFields": fields, "canRaiseOnBehalfOf": true, "canAddRequestParticipants": true}),
    ))
}

/// A user named by account id, user name or e-mail.
fn find_user(store: &Store, who: &str) -> Option<usize> {
    store
        .users
        .iter()
        .position(|u| u.account_id == who || u.name == who || u.email.eq_ignore_ascii_case(who))
}

/// The option a select value names: `{"id"}`, `{"value"}` (id or label) or a bare string.
fn option_of(f: &RequestField, v: &Value) -> Result<String, JsmError> {
    let text = match v {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => ["id", "value", "name"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str)),
        _ => None,
    };
    text.and_then(|t| {
        f.valid_values
            .iter()
            .find(|(id, label)| id == t || label.eq_ignore_ascii_case(t))
    })
    .map(|(id, _)| id.clone())
    .ok_or_else(|| {
        bad(format!(
            "The value {v} is not valid for field '{}' ({}). Valid values: {}.",
            f.name,
            f.field_id,
            f.valid_values
                .iter()
                .map(|(_, l)| l.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

fn rendered_user(store: &Store, flavour: Flavour, base: &str, idx: usize) -> Value {
    Ctx {
        store,
        flavour,
        base,
    }
    .user_at(idx)
}

/// `POST /rest/servicedeskapi/request`: validates the values against the request type,
/// creates the issue (readable through `/rest/api/{2,3}/issue`) and answers 201 with the
/// `CustomerRequestDTO`.
pub async fn create_request(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, JsmError> {
    let base = base_url(&headers);
    let flavour = flavour_of(&headers);
    let body = json_body(&body).map_err(|e| bad(e.message))?;
    let text = |k: &str| {
        body.get(k).and_then(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_u64().map(|n| n.to_string()))
        })
    };
    let desk_id = text("serviceDeskId").ok_or_else(|| bad("serviceDeskId is required."))?;
    let rt_id = text("requestTypeId").ok_or_else(|| bad("requestTypeId is required."))?;
    let values = body
        .get("requestFieldValues")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut store = state.store();
    let di = desk_index(&store, &desk_id)?;
    let desk = store.jsm.desks[di].id.clone();
    let project = store.jsm.desks[di].project;
    let rt = request_type(&store, &desk, &rt_id)?.clone();
    let reporter = match body.get("raiseOnBehalfOf").and_then(Value::as_str) {
        Some(who) => find_user(&store, who).ok_or_else(|| bad(format!("The user '{who}' does not exist or cannot raise requests on this service desk (raiseOnBehalfOf).")))?,
        None => me,
    };
    let mut participants = Vec::new();
    for p in body
        .get("requestParticipants")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let who = p.as_str().unwrap_or_default();
        participants.push(find_user(&store, who).ok_or_else(|| {
            bad(format!(
                "The user '{who}' does not exist (requestParticipants)."
            ))
        })?);
    }
    for k in values.keys() {
        if !rt.fields.iter().any(|f| &f.field_id == k) {
            return Err(bad(format!(
                "The field '{k}' is not valid for request type '{}'.",
                rt.name
            )));
        }
    }
    let mut fields = Map::new();
    fields.insert("project".into(), json!({"id": store.projects[project].id}));
    fields.insert(
        "issuetype".into(),
        json!({"id": store.issue_types[rt.issue_type].id}),
    );
    fields.insert("priority".into(), json!({"name": "Medium"}));
    let mut custom = std::collections::BTreeMap::new();
    let mut shown = Vec::new();
    for f in &rt.fields {
        let v = values
            .get(&f.field_id)
            .filter(|v| !v.is_null() && v.as_str() != Some(""));
        let Some(v) = v else {
            if f.required {
                return Err(bad(format!(
                    "Your request could not be created. '{}' ({}) is required.",
                    f.name, f.field_id
                )));
            }
            continue;
        };
        let stored = match f.field_id.as_str() {
            "summary" | "description" => {
                let s = v
                    .as_str()
                    .ok_or_else(|| bad(format!("The field '{}' takes text.", f.field_id)))?;
                fields.insert(f.field_id.clone(), json!(s));
                json!(s)
            }
            "priority" => {
                let id = option_of(f, v)?;
                fields.insert("priority".into(), json!({"id": id}));
                json!({"id": id})
            }
            _ => {
                let id = option_of(f, v)?;
                let label = f
                    .valid_values
                    .iter()
                    .find(|(i, _)| *i == id)
                    .map(|(_, l)| l.clone())
                    .unwrap_or_default();
                custom.insert(f.field_id.clone(), json!({"id": id, "value": label}));
                json!({"id": id, "value": label})
            }
        };
        shown.push(json!({"fieldId": f.field_id, "label": f.name, "value": stored}));
    }
    // Descriptions arrive as plain text on both deployments, which is what v2 takes.
    let mut issue =
        new_issue(&mut store, Flavour::V2, reporter, &fields).map_err(|e| bad(e.message))?;
    issue.reporter = reporter;
    let (id, key, created) = (issue.id.clone(), issue.key.clone(), issue.created);
    let status = store
        .statuses
        .get(issue.status)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    store.issues.push(issue);
    store.jsm.requests.push(CustomerRequest {
        issue_id: id.clone(),
        request_type: rt.id.clone(),
        participants,
        custom,
    });
    let out = json!({
        "_expands": ["participant", "status", "sla", "requestType", "serviceDesk", "attachment", "action", "comment"],
        "issueId": id, "issueKey": key, "requestTypeId": rt.id, "serviceDeskId": desk,
        "createdDate": {"iso8601": ts(created), "jira": ts(created), "epochMillis": created * 1000},
        "reporter": rendered_user(&store, flavour, &base, reporter),
        "requestFieldValues": shown,
        "currentStatus": {"status": status, "statusCategory": "NEW", "statusDate": {"iso8601": ts(created), "epochMillis": created * 1000}},
        "_links": {"jiraRest": format!("{base}/rest/api/2/issue/{id}"),
                   "web": format!("{base}/servicedesk/customer/portal/{desk}/{key}"),
                   "self": format!("{base}/rest/servicedeskapi/request/{id}")}
    });
    Ok((StatusCode::CREATED, Json(out)).into_response())
}
