//! Field metadata: `GET /rest/api/{2,3}/field`, and the options of the sandbox's select
//! custom fields — Cloud `GET /rest/api/3/field/{id}/context` and
//! `.../context/{contextId}/option` (paged `PageBean`s), DC
//! `GET /rest/api/2/customFields/{id}/options`.
//!
//! The select fields are on every create and edit screen (see `screen`).

use axum::Json;
use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::sandbox::base_url;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::render::Flavour;
use crate::sandbox::jira::{flavour, int_param, params};

type Q = Query<Vec<(String, String)>>;

/// `(id, name, custom, schema type, clause name)` of every field the sandbox knows.
const FIELDS: &[(&str, &str, bool, &str, &str)] = &[
    ("summary", "Summary", false, "string", "summary"),
    ("description", "Description", false, "string", "description"),
    ("issuetype", "Issue Type", false, "issuetype", "issuetype"),
    ("project", "Project", false, "project", "project"),
    ("status", "Status", false, "status", "status"),
    ("priority", "Priority", false, "priority", "priority"),
    ("labels", "Labels", false, "array", "labels"),
    ("assignee", "Assignee", false, "user", "assignee"),
    ("reporter", "Reporter", false, "user", "reporter"),
    ("creator", "Creator", false, "user", "creator"),
    ("created", "Created", false, "datetime", "created"),
    ("updated", "Updated", false, "datetime", "updated"),
    (
        "resolution",
        "Resolution",
        false,
        "resolution",
        "resolution",
    ),
    ("resolutiondate", "Resolved", false, "datetime", "resolved"),
    ("issuelinks", "Linked Issues", false, "array", "issueLink"),
    ("comment", "Comment", false, "comments-page", "comment"),
    ("worklog", "Log Work", false, "array", "worklogDate"),
    ("parent", "Parent", false, "issuelink", "parent"),
    ("customfield_10014", "Epic Link", true, "any", "cf[10014]"),
    ("customfield_10020", "Sprint", true, "array", "sprint"),
    ("customfield_10030", "Severity", true, "option", "cf[10030]"),
    (
        "customfield_10031",
        "Affected Teams",
        true,
        "array",
        "cf[10031]",
    ),
];

/// A select field's only (global) context and its options.
struct Select {
    field: &'static str,
    context: &'static str,
    context_name: &'static str,
    /// `(option id, value, disabled)`.
    options: &'static [(&'static str, &'static str, bool)],
}

/// The select fields.
const SELECTS: &[Select] = &[
    Select {
        field: "customfield_10030",
        context: "10130",
        context_name: "Default Configuration Scheme for Severity",
        options: &[
            ("10100", "Critical", false),
            ("10101", "Major", false),
            ("10102", "Minor", false),
            ("10103", "Trivial", true),
        ],
    },
    Select {
        field: "customfield_10031",
        context: "10131",
        context_name: "Default Configuration Scheme for Affected Teams",
        options: &[
            ("10110", "Platform", false),
            ("10111", "Mobile", false),
            ("10112", "Web", false),
            ("10113", "Data", false),
        ],
    },
];

fn custom_type(id: &str) -> &'static str {
    match id {
        "customfield_10014" => "com.pyxis.greenhopper.jira:gh-epic-link",
        "customfield_10020" => "com.pyxis.greenhopper.jira:gh-sprint",
        "customfield_10030" => "com.atlassian.jira.plugin.system.customfieldtypes:select",
        _ => "com.atlassian.jira.plugin.system.customfieldtypes:multiselect",
    }
}

/// `GET /rest/api/{2,3}/field`: every field, system and custom.
pub async fn fields(Path(ver): Path<String>) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let list: Vec<Value> = FIELDS
        .iter()
        .filter(|(id, ..)| flavour == Flavour::V3 || *id != "parent")
        .map(|(id, name, custom, kind, clause)| {
            let mut schema = json!({"type": kind});
            if *custom {
                let num = id.trim_start_matches("customfield_");
                schema["custom"] = json!(custom_type(id));
                schema["customId"] = json!(num.parse::<u64>().unwrap_or(0));
                if *kind == "array" {
                    schema["items"] = json!(if *id == "customfield_10020" {
                        "json"
                    } else {
                        "option"
                    });
                }
            } else {
                schema["system"] = json!(id);
                if *kind == "array" {
                    schema["items"] = json!("string");
                }
            }
            let mut v = json!({
                "id": id, "name": name, "custom": custom, "orderable": *id != "status",
                "navigable": true, "searchable": true, "clauseNames": [clause], "schema": schema,
            });
            if flavour == Flavour::V3 {
                v["key"] = json!(id);
            }
            v
        })
        .collect();
    Ok(Json(Value::Array(list)))
}

/// An option of a select field by id or value: `(id, value, disabled)`.
pub fn select_option(field: &str, id_or_value: &str) -> Option<(&'static str, &'static str, bool)> {
    SELECTS
        .iter()
        .find(|s| s.field == field)?
        .options
        .iter()
        .find(|(id, value, _)| *id == id_or_value || *value == id_or_value)
        .copied()
}

/// The options of a select field as createmeta's `allowedValues`.
pub fn allowed_options(field: &str, base: &str, f: Flavour) -> Value {
    let options = SELECTS
        .iter()
        .find(|s| s.field == field)
        .map(|s| s.options)
        .unwrap_or_default();
    Value::Array(
        options
            .iter()
            .filter(|(_, _, disabled)| !disabled)
            .map(|(id, value, _)| {
                json!({"self": format!("{base}/rest/api/{}/customFieldOption/{id}", f.num()),
                       "value": value, "id": id})
            })
            .collect(),
    )
}

fn select(field: &str) -> Result<&'static Select, ApiError> {
    let id = if field.starts_with("customfield_") {
        field.to_owned()
    } else {
        format!("customfield_{field}")
    };
    SELECTS.iter().find(|s| s.field == id).ok_or_else(|| {
        ApiError::not_found(
            Family::Jira,
            format!("The custom field was not found or has no options: {field}"),
        )
    })
}

fn page(
    q: &[(String, String)],
    items: Vec<Value>,
    path: &str,
    base: &str,
) -> Result<Value, ApiError> {
    let start = usize::try_from(int_param(q, "startAt")?.unwrap_or(0)).unwrap_or(usize::MAX);
    let max =
        usize::try_from(int_param(q, "maxResults")?.unwrap_or(100).clamp(1, 1000)).unwrap_or(100);
    let total = items.len();
    let values: Vec<Value> = items.into_iter().skip(start).take(max).collect();
    let is_last = start.saturating_add(values.len()) >= total;
    let mut v = json!({"self": format!("{base}{path}?startAt={start}&maxResults={max}"), "maxResults": max,
                       "startAt": start, "total": total, "isLast": is_last, "values": values});
    if !is_last {
        v["nextPage"] = json!(format!(
            "{base}{path}?startAt={}&maxResults={max}",
            start + max
        ));
    }
    Ok(v)
}

/// `GET /rest/api/3/field/{fieldId}/context`.
pub async fn contexts(
    Path(field): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let s = select(&field)?;
    let items = vec![
        json!({"id": s.context, "name": s.context_name, "description": "", "isGlobalContext": true, "isAnyIssueType": true}),
    ];
    Ok(Json(page(
        &q,
        items,
        &format!("/rest/api/3/field/{field}/context"),
        &base,
    )?))
}

/// `GET /rest/api/3/field/{fieldId}/context/{contextId}/option`.
pub async fn context_options(
    Path((field, context)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let s = select(&field)?;
    if s.context != context {
        return Err(ApiError::not_found(
            Family::Jira,
            format!("The context was not found: {context}"),
        ));
    }
    let items = s
        .options
        .iter()
        .map(|(id, value, disabled)| json!({"id": id, "value": value, "disabled": disabled}))
        .collect();
    Ok(Json(page(
        &q,
        items,
        &format!("/rest/api/3/field/{field}/context/{context}/option"),
        &base,
    )?))
}

/// DC `GET /rest/api/2/customFields/{customFieldId}/options` with `query` and `maxResults`.
pub async fn dc_options(
    Path(field): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let s = select(&field)?;
    let query = params(&q, "query").first().map(|s| s.to_lowercase());
    let max = usize::try_from(int_param(&q, "maxResults")?.unwrap_or(100)).unwrap_or(100);
    let matching: Vec<Value> = s
        .options
        .iter()
        .filter(|(_, value, _)| {
            query
                .as_ref()
                .is_none_or(|qq| value.to_lowercase().contains(qq))
        })
        .map(|(id, value, disabled)| {
            json!({"id": id.parse::<u64>().unwrap_or(0), "value": value, "disabled": disabled,
                   "self": format!("{base}/rest/api/2/customFieldOption/{id}")})
        })
        .collect();
    let total = matching.len();
    let options: Vec<Value> = matching.into_iter().take(max).collect();
    Ok(Json(json!({"options": options, "total": total})))
}
