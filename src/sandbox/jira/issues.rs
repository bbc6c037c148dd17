//! Issue read and write endpoints: `GET|PUT /issue/{key}` and `GET|POST /issue/{key}/comment`.
//!
//! Writes update `updated` and record a changelog entry, like Jira does.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::create;
use crate::sandbox::jira::render::{Ctx, FieldSelection, Flavour, parse_expand};
use crate::sandbox::jira::{flavour, int_param, json_body, params, worklog};
use crate::sandbox::model::{Comment, History, Store};
use crate::sandbox::text::RichText;
use crate::sandbox::timefmt::now_secs;
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;

fn not_found() -> ApiError {
    ApiError::not_found(
        Family::Jira,
        "Issue does not exist or you do not have permission to see it.",
    )
}

pub(crate) fn find(store: &Store, key: &str) -> Result<usize, ApiError> {
    store.issue_index(key).ok_or_else(not_found)
}

/// `GET /rest/api/{2,3}/issue/{issueIdOrKey}`.
pub async fn get_issue(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let sel = FieldSelection::parse(params(&q, "fields"), FieldSelection::all());
    let expand = parse_expand(params(&q, "expand"));
    let store = state.store();
    let idx = find(&store, &key)?;
    Ok(Json(
        Ctx {
            store: &store,
            flavour,
            base: &base,
        }
        .issue(idx, &sel, &expand),
    ))
}

pub(crate) fn rich_from(
    flavour: Flavour,
    field: &str,
    v: &Value,
) -> Result<Option<RichText>, ApiError> {
    match (flavour, v) {
        (_, Value::Null) => Ok(None),
        (Flavour::V3, Value::Object(o)) if o.get("type").and_then(Value::as_str) == Some("doc") => {
            Ok(Some(RichText::from_adf(v.clone())))
        }
        (Flavour::V3, _) => Err(ApiError::field(
            field,
            "Operation value must be an Atlassian Document (see the Atlassian Document Format)",
        )),
        (Flavour::V2, Value::String(s)) => Ok(Some(RichText::from_wiki(s))),
        (Flavour::V2, _) => Err(ApiError::field(field, "Operation value must be a string")),
    }
}

pub(crate) fn labels_from(v: &Value) -> Result<Vec<String>, ApiError> {
    let arr = v
        .as_array()
        .ok_or_else(|| ApiError::field("labels", "Operation value must be an array of strings"))?;
    arr.iter()
        .map(|l| match l.as_str() {
            Some(s) if !s.is_empty() && !s.contains(char::is_whitespace) => Ok(s.to_owned()),
            _ => Err(ApiError::field(
                "labels",
                "The label must not contain spaces.",
            )),
        })
        .collect()
}

/// `PUT /rest/api/{2,3}/issue/{issueIdOrKey}`: `fields` summary/description/labels/
/// priority/assignee, the screen fields of `screen` (components, versions, due date,
/// select fields, epic link) and
/// `update.labels` `add`/`remove`/`set` operations. 204 on success.
pub async fn edit_issue(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let flavour = flavour(&ver)?;
    let body = json_body(&body)?;
    let mut summary = None;
    let mut description = None;
    let mut labels: Option<Vec<String>> = None;
    let mut timetracking = None;
    let mut priority = None;
    let mut assignee = None;
    let mut screen_values = Vec::new();
    if let Some(fields) = body.get("fields").and_then(Value::as_object) {
        for (name, v) in fields {
            match name.as_str() {
                "summary" => match v.as_str() {
                    Some(s) if !s.trim().is_empty() => summary = Some(s.to_owned()),
                    _ => {
                        return Err(ApiError::field(
                            "summary",
                            "You must specify a summary of the issue.",
                        ));
                    }
                },
                "description" => description = Some(rich_from(flavour, "description", v)?),
                "labels" => labels = Some(labels_from(v)?),
                "timetracking" => timetracking = Some(worklog::timetracking_from(v)?),
                "priority" => priority = Some(v.clone()),
                "assignee" => assignee = Some(v.clone()),
                name if create::screen_field(flavour, name) => {
                    screen_values.push((name.to_owned(), v.clone()));
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
    }
    let label_ops: Vec<Value> = match body.pointer("/update/labels") {
        None => Vec::new(),
        Some(Value::Array(ops)) => ops.clone(),
        Some(_) => {
            return Err(ApiError::field(
                "labels",
                "Operation value must be an array of operations",
            ));
        }
    };
    let update = body.get("update").and_then(Value::as_object);
    if let Some(other) = update.and_then(|u| u.keys().find(|k| k.as_str() != "labels")) {
        return Err(ApiError::field(
            other,
            format!(
                "Field '{other}' cannot be set. It is not on the appropriate screen, or unknown."
            ),
        ));
    }
    let mut store = state.store();
    let idx = find(&store, &key)?;
    let priority = priority
        .map(|p| create::priority_ref(&store, &p))
        .transpose()?;
    let assignee = assignee
        .map(|a| create::user_ref(&store, flavour, "assignee", &a))
        .transpose()?;
    let display = |s: &Store, u: Option<usize>| {
        u.and_then(|u| s.users.get(u))
            .map(|u| u.display_name.clone())
            .unwrap_or_default()
    };
    let mut items = Vec::new();
    if let Some(p) = priority {
        let name = |i: usize| {
            store
                .priorities
                .get(i)
                .map(|x| x.name.clone())
                .unwrap_or_default()
        };
        items.push((
            "priority".to_owned(),
            name(store.issues[idx].priority),
            name(p),
        ));
    }
    if let Some(a) = &assignee {
        items.push((
            "assignee".to_owned(),
            display(&store, store.issues[idx].assignee),
            display(&store, *a),
        ));
    }
    let project = store.issues[idx].project;
    let parsed = screen_values
        .iter()
        .map(|(name, v)| create::screen_parse(&store, flavour, project, name, v).map(|p| (name, p)))
        .collect::<Result<Vec<_>, _>>()?;
    for (name, value) in parsed {
        items.extend(create::screen_store(&mut store, idx, name, value));
    }
    let history_id = store.fresh_id();
    let now = now_secs();
    if let Some(t) = timetracking {
        worklog::set_estimates(&mut store, idx, t);
    }
    let Some(issue) = store.issues.get_mut(idx) else {
        return Err(not_found());
    };
    if let Some(p) = priority {
        issue.priority = p;
    }
    if let Some(a) = assignee {
        issue.assignee = a;
    }
    if let Some(s) = summary {
        items.push(("summary".to_owned(), issue.summary.clone(), s.clone()));
        issue.summary = s;
    }
    if let Some(d) = description {
        let old = issue
            .description
            .as_ref()
            .map(|d| d.wiki.clone())
            .unwrap_or_default();
        items.push((
            "description".to_owned(),
            old,
            d.as_ref().map(|d| d.wiki.clone()).unwrap_or_default(),
        ));
        issue.description = d;
    }
    let old_labels = issue.labels.join(" ");
    let mut new_labels = labels.unwrap_or_else(|| issue.labels.clone());
    for op in &label_ops {
        let entry = op.as_object().and_then(|o| o.iter().next());
        match entry {
            Some((verb, Value::String(l))) if verb == "add" => {
                if !new_labels.contains(l) {
                    new_labels.push(l.clone());
                }
            }
            Some((verb, Value::String(l))) if verb == "remove" => new_labels.retain(|x| x != l),
            Some((verb, v)) if verb == "set" => new_labels = labels_from(v)?,
            _ => {
                return Err(ApiError::field(
                    "labels",
                    "Unsupported operation on labels: use add, remove or set",
                ));
            }
        }
    }
    if new_labels != issue.labels {
        items.push(("labels".to_owned(), old_labels, new_labels.join(" ")));
        issue.labels = new_labels;
    }
    if !items.is_empty() {
        issue.updated = now;
        issue.history.push(History {
            id: history_id,
            author: me,
            created: now,
            items,
        });
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /rest/api/{2,3}/issue/{issueIdOrKey}/comment` with `startAt`, `maxResults`,
/// `orderBy` (`created` / `-created`) and `expand=renderedBody`.
pub async fn get_comments(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let start = int_param(&q, "startAt")?.unwrap_or(0);
    let max = int_param(&q, "maxResults")?.unwrap_or(100).min(5000);
    let rendered = parse_expand(params(&q, "expand")).contains("renderedBody");
    let newest_first = params(&q, "orderBy")
        .first()
        .is_some_and(|o| o.starts_with('-'));
    let store = state.store();
    let idx = find(&store, &key)?;
    let Some(issue) = store.issues.get(idx) else {
        return Err(not_found());
    };
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    let mut all: Vec<&Comment> = issue.comments.iter().collect();
    if newest_first {
        all.reverse();
    }
    let page: Vec<Value> = all
        .iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(max).unwrap_or(usize::MAX))
        .map(|c| ctx.comment(issue, c, rendered))
        .collect();
    Ok(Json(
        json!({"startAt": start, "maxResults": max, "total": all.len(), "comments": page}),
    ))
}

/// `POST /rest/api/{2,3}/issue/{issueIdOrKey}/comment`: body ADF (v3) or wiki (v2). 201.
pub async fn add_comment(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let body = json_body(&body)?;
    let text = match body.get("body") {
        None | Some(Value::Null) => None,
        Some(v) => rich_from(flavour, "comment", v)?,
    };
    let Some(text) = text.filter(|t| !t.plain().trim().is_empty() || !t.wiki.trim().is_empty())
    else {
        return Err(ApiError::field("comment", "Comment body can not be empty!"));
    };
    let mut store = state.store();
    let idx = find(&store, &key)?;
    let id = store.fresh_id();
    let now = now_secs();
    let comment = Comment {
        id,
        author: me,
        body: text,
        created: now,
        updated: now,
    };
    let Some(issue) = store.issues.get_mut(idx) else {
        return Err(not_found());
    };
    issue.comments.push(comment.clone());
    issue.updated = now;
    let issue = issue.clone();
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    Ok((
        StatusCode::CREATED,
        Json(ctx.comment(&issue, &comment, false)),
    )
        .into_response())
}
