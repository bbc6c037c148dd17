//! Jira Forms REST API (Cloud), after Atlassian's "Jira Forms REST API" reference (the
//! `FormIndexEntry`, `IssueForm`/`FormDesign`/`FormState` and `FormAnswer` examples):
//! `GET /jira/forms/cloud/{cloudId}/issue/{issueIdOrKey}/form`, `GET` and `PUT` (save
//! answers) of `.../form/{formId}`; plus the site's `GET /_edge/tenant_info`, which tells
//! clients the cloud id. Served on the sandbox's own address, so tests point
//! `ATLASSIAN_OAUTH_API_BASE` at it.
//!
//! Answers keep the API's per-type shape: `{"text"}` for text and number questions,
//! `{"date"}` (`YYYY-MM-DD`), `{"choices": [ids]}`. A submitted form refuses new answers
//! until it is reopened (409).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::sandbox::SandboxState;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::jsm_seed::{Form, Question};
use crate::sandbox::jira::json_body;
use crate::sandbox::model::Store;
use crate::sandbox::timefmt::{jira as ts, now_secs};

/// The sandbox site's cloud id.
pub const SANDBOX_CLOUD_ID: &str = "a436116f-02ce-4520-8fbb-7301462a1674";

// The Forms API answers errors as `{"errors": [{"status", "code", "title", "detail"}]}`,
// the shape the sandbox's Confluence v2 family renders.
fn error(status: StatusCode, msg: impl Into<String>) -> ApiError {
    ApiError::new(Family::ConfluenceV2, status, msg)
}

/// `GET /_edge/tenant_info`.
pub async fn tenant_info() -> Json<Value> {
    Json(json!({"cloudId": SANDBOX_CLOUD_ID}))
}

fn issue_id(store: &Store, cloud: &str, key: &str) -> Result<String, ApiError> {
    if cloud != SANDBOX_CLOUD_ID {
        return Err(error(
            StatusCode::NOT_FOUND,
            format!("No site with cloud id {cloud}"),
        ));
    }
    store
        .issue_index(key)
        .map(|i| store.issues[i].id.clone())
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                format!("Issue {key} does not exist or you do not have permission to see it"),
            )
        })
}

fn index_entry(f: &Form) -> Value {
    json!({"id": f.id, "formTemplate": {"id": f.template_id}, "internal": f.internal,
           "submitted": f.status != "o", "lock": f.status == "l", "name": f.name, "updated": ts(f.updated)})
}

fn question_json(q: &Question) -> Value {
    let mut v = json!({"type": q.kind, "label": q.label, "description": "", "validation": {"rq": q.required}});
    if !q.choices.is_empty() {
        v["choices"] = q
            .choices
            .iter()
            .map(|(id, label)| json!({"id": id, "label": label}))
            .collect();
    }
    v
}

fn form_json(f: &Form) -> Value {
    let questions: Map<String, Value> = f
        .questions
        .iter()
        .map(|q| (q.id.clone(), question_json(q)))
        .collect();
    let layout: Vec<Value> = f
        .questions
        .iter()
        .map(|q| json!({"type": "extension", "attrs": {"extensionType": "com.thinktilt.proforma", "extensionKey": "question", "parameters": {"id": q.id.parse::<u64>().unwrap_or(0)}}}))
        .collect();
    json!({
        "id": f.id,
        "updated": ts(f.updated),
        "design": {
            "settings": {"templateId": f.template_id, "name": f.name, "submit": {"lock": false, "pdf": false}, "language": "en"},
            "layout": [{"version": 1, "type": "doc", "content": layout}],
            "conditions": {}, "sections": {}, "questions": questions
        },
        "state": {"visibility": if f.internal { "i" } else { "e" }, "status": f.status, "answers": f.answers}
    })
}

/// `GET .../issue/{issueIdOrKey}/form`: the form index, a JSON array.
pub async fn list(
    State(state): State<SandboxState>,
    Path((cloud, key)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    let id = issue_id(&store, &cloud, &key)?;
    Ok(Json(
        store
            .jsm
            .forms
            .iter()
            .filter(|f| f.issue_id == id)
            .map(index_entry)
            .collect(),
    ))
}

fn form_index(store: &Store, issue: &str, form: &str) -> Result<usize, ApiError> {
    store
        .jsm
        .forms
        .iter()
        .position(|f| f.issue_id == issue && f.id == form)
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                format!("Form {form} not found on this issue"),
            )
        })
}

/// `GET .../issue/{issueIdOrKey}/form/{formId}`.
pub async fn get(
    State(state): State<SandboxState>,
    Path((cloud, key, form)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    let id = issue_id(&store, &cloud, &key)?;
    let fi = form_index(&store, &id, &form)?;
    Ok(Json(form_json(&store.jsm.forms[fi])))
}

/// Checks one answer against its question's type.
fn check_answer(q: &Question, a: &Value) -> Result<(), String> {
    let obj = a
        .as_object()
        .ok_or("each answer must be an object such as {\"text\": \"...\"}")?;
    let want: &[&str] = match q.kind {
        "ts" | "tl" | "no" => &["text"],
        "da" => &["date"],
        _ => &["choices"],
    };
    if obj.keys().any(|k| !want.contains(&k.as_str())) || obj.is_empty() {
        return Err(format!("question {} ({}) takes {:?}", q.id, q.label, want));
    }
    match q.kind {
        "no" => obj["text"]
            .as_str()
            .and_then(|t| t.trim().parse::<f64>().ok())
            .map(|_| ())
            .ok_or_else(|| format!("question {} takes a number as text", q.id)),
        "da" => obj["date"]
            .as_str()
            .filter(|d| d.len() == 10 && d.as_bytes()[4] == b'-')
            .map(|_| ())
            .ok_or_else(|| format!("question {} takes a date YYYY-MM-DD", q.id)),
        "ts" | "tl" => obj["text"]
            .as_str()
            .map(|_| ())
            .ok_or_else(|| format!("question {} takes text", q.id)),
        _ => {
            let ids = obj["choices"]
                .as_array()
                .ok_or_else(|| format!("question {} takes a list of choice ids", q.id))?;
            if q.kind == "cs" && ids.len() > 1 {
                return Err(format!("question {} takes one choice", q.id));
            }
            for c in ids {
                if !q
                    .choices
                    .iter()
                    .any(|(id, _)| Some(id.as_str()) == c.as_str())
                {
                    return Err(format!("{c} is not a choice of question {}", q.id));
                }
            }
            Ok(())
        }
    }
}

/// `PUT .../issue/{issueIdOrKey}/form/{formId}` with `{"answers": {questionId: answer}}`:
/// saves the answers (others keep theirs) and answers with the form.
pub async fn save(
    State(state): State<SandboxState>,
    Path((cloud, key, form)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let answers = body
        .get("answers")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "The body must be {\"answers\": {questionId: answer}}",
            )
        })?;
    let mut store = state.store();
    let id = issue_id(&store, &cloud, &key)?;
    let fi = form_index(&store, &id, &form)?;
    let f = &mut store.jsm.forms[fi];
    if f.status != "o" {
        return Err(error(
            StatusCode::CONFLICT,
            "The form is submitted; reopen it before changing answers",
        ));
    }
    for (qid, a) in &answers {
        let q = f.questions.iter().find(|q| &q.id == qid).ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                format!("The form has no question {qid}"),
            )
        })?;
        check_answer(q, a).map_err(|m| error(StatusCode::BAD_REQUEST, m))?;
    }
    for (qid, a) in answers {
        f.answers.insert(qid, a);
    }
    f.updated = now_secs();
    Ok(Json(form_json(f)))
}
