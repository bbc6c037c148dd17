//! Fields on the default create and edit screens beyond the core ones: `components`,
//! `fixVersions`, `versions`, `duedate`, the select custom fields (`customfield_10030`
//! single, `customfield_10031` multi) and the epic link (`parent` on Cloud, the Epic Link
//! field `customfield_10014` on Server/DC). Create and edit both accept exactly what
//! createmeta offers; values are checked as Jira checks them (an unknown component,
//! version or option is a 400 naming the field).

use serde_json::{Value, json};

use crate::sandbox::error::ApiError;
use crate::sandbox::jira::fields::select_option;
use crate::sandbox::jira::projects::{component_json, version_json};
use crate::sandbox::jira::render::{Ctx, Flavour};
use crate::sandbox::model::{IssueExtras, Store};

/// The screen field ids this module handles for a flavour (the epic link differs).
pub fn handles(flavour: Flavour, field: &str) -> bool {
    matches!(
        field,
        "components"
            | "fixVersions"
            | "versions"
            | "duedate"
            | "customfield_10030"
            | "customfield_10031"
    ) || matches!(
        (flavour, field),
        (Flavour::V3, "parent") | (Flavour::V2, "customfield_10014")
    )
}

/// A parsed screen-field value, ready to store.
pub enum Value2 {
    Ids(Vec<String>),
    Date(Option<String>),
    Epic(Option<usize>),
}

fn refs(v: &Value, field: &str) -> Result<Vec<Value>, ApiError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => Ok(a.clone()),
        _ => Err(ApiError::field(
            field,
            "Operation value must be an array of objects",
        )),
    }
}

fn text<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str))
}

/// Parses and checks `field`'s value for an issue of `project`.
pub fn parse(
    store: &Store,
    flavour: Flavour,
    project: usize,
    field: &str,
    v: &Value,
) -> Result<Value2, ApiError> {
    match field {
        "components" => refs(v, field)?
            .iter()
            .map(|r| {
                let want = text(r, &["id", "name"]).unwrap_or_default();
                store
                    .components
                    .iter()
                    .find(|c| c.project == project && (c.id == want || c.name == want))
                    .map(|c| c.id.clone())
                    .ok_or_else(|| {
                        ApiError::field(field, format!("Component name '{want}' is not valid"))
                    })
            })
            .collect::<Result<_, _>>()
            .map(Value2::Ids),
        "fixVersions" | "versions" => refs(v, field)?
            .iter()
            .map(|r| {
                let want = text(r, &["id", "name"]).unwrap_or_default();
                store
                    .versions
                    .iter()
                    .find(|x| x.project == project && (x.id == want || x.name == want))
                    .map(|x| x.id.clone())
                    .ok_or_else(|| {
                        ApiError::field(field, format!("Version name '{want}' is not valid"))
                    })
            })
            .collect::<Result<_, _>>()
            .map(Value2::Ids),
        "duedate" => match v {
            Value::Null => Ok(Value2::Date(None)),
            Value::String(s) if valid_date(s) => Ok(Value2::Date(Some(s.clone()))),
            Value::String(s) if s.is_empty() => Ok(Value2::Date(None)),
            _ => Err(ApiError::field(
                field,
                "Error parsing date string: use the format yyyy-MM-dd",
            )),
        },
        "customfield_10030" => match v {
            Value::Null => Ok(Value2::Ids(Vec::new())),
            r => option(field, r).map(|o| Value2::Ids(vec![o])),
        },
        "customfield_10031" => refs(v, field)?
            .iter()
            .map(|r| option(field, r))
            .collect::<Result<_, _>>()
            .map(Value2::Ids),
        _ => {
            // The epic link: `{"key"|"id"}` for parent, a key string for Epic Link.
            let key = match (flavour, v) {
                (_, Value::Null) => return Ok(Value2::Epic(None)),
                (Flavour::V3, r) => text(r, &["key", "id"]),
                (Flavour::V2, r) => r.as_str(),
            };
            key.and_then(|k| store.issue_index(k))
                .filter(|e| {
                    store
                        .issue_types
                        .get(store.issues[*e].issue_type)
                        .is_some_and(|t| t.name == "Epic")
                })
                .map(|e| Value2::Epic(Some(e)))
                .ok_or_else(|| ApiError::field(field, "The parent must be an existing epic."))
        }
    }
}

fn option(field: &str, r: &Value) -> Result<String, ApiError> {
    let want = text(r, &["id", "value"]).unwrap_or_default();
    match select_option(field, want) {
        Some((id, _, false)) => Ok(id.to_owned()),
        Some((_, value, true)) => Err(ApiError::field(
            field,
            format!("Option value '{value}' is disabled"),
        )),
        None => Err(ApiError::field(
            field,
            format!("Option id '{want}' is not valid"),
        )),
    }
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && matches!(s[5..7].parse::<u8>(), Ok(1..=12))
        && matches!(s[8..10].parse::<u8>(), Ok(1..=31))
}

/// Stores a parsed value on issue `idx`; returns the changelog item `(field, from, to)`
/// when the value changed.
pub fn store_value(
    store: &mut Store,
    idx: usize,
    field: &str,
    value: Value2,
) -> Option<(String, String, String)> {
    let before = shown(store, idx, field);
    let id = store.issues[idx].id.clone();
    match value {
        Value2::Date(d) => match d {
            Some(d) => {
                store.due_dates.insert(idx, d);
            }
            None => {
                store.due_dates.remove(&idx);
            }
        },
        Value2::Epic(e) => store.issues[idx].epic = e,
        Value2::Ids(ids) => {
            let extras = store.issue_extras.entry(id).or_default();
            match field {
                "components" => extras.components = ids,
                "fixVersions" => extras.fix_versions = ids,
                "versions" => extras.versions = ids,
                other => {
                    extras.options.insert(other.to_owned(), ids);
                }
            }
        }
    }
    let after = shown(store, idx, field);
    let name = match field {
        "customfield_10014" | "parent" => "Epic Link",
        "customfield_10030" => "Severity",
        "customfield_10031" => "Affected Teams",
        "fixVersions" => "Fix Version",
        "versions" => "Version",
        "components" => "Component",
        other => other,
    };
    (before != after).then(|| (name.to_owned(), before, after))
}

/// A field's value as changelog text.
fn shown(store: &Store, idx: usize, field: &str) -> String {
    let Some(issue) = store.issues.get(idx) else {
        return String::new();
    };
    let extras = store.issue_extras.get(&issue.id);
    let names = |ids: &[String], f: &dyn Fn(&str) -> Option<String>| {
        ids.iter()
            .filter_map(|i| f(i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match field {
        "duedate" => store.due_dates.get(&idx).cloned().unwrap_or_default(),
        "parent" | "customfield_10014" => issue
            .epic
            .and_then(|e| store.issues.get(e))
            .map(|e| e.key.clone())
            .unwrap_or_default(),
        "components" => names(
            extras.map(|x| x.components.as_slice()).unwrap_or_default(),
            &|i| {
                store
                    .components
                    .iter()
                    .find(|c| c.id == i)
                    .map(|c| c.name.clone())
            },
        ),
        "fixVersions" | "versions" => names(
            extras
                .map(|x| {
                    if field == "versions" {
                        x.versions.as_slice()
                    } else {
                        x.fix_versions.as_slice()
                    }
                })
                .unwrap_or_default(),
            &|i| {
                store
                    .versions
                    .iter()
                    .find(|v| v.id == i)
                    .map(|v| v.name.clone())
            },
        ),
        other => names(
            extras
                .and_then(|x| x.options.get(other))
                .map(Vec::as_slice)
                .unwrap_or_default(),
            &|i| select_option(other, i).map(|(_, v, _)| v.to_owned()),
        ),
    }
}

/// The screen fields of issue `idx` as Jira renders them (absent values as `[]`/`null`).
pub fn render(ctx: &Ctx<'_>, idx: usize, f: &mut serde_json::Map<String, Value>) {
    let Some(issue) = ctx.store.issues.get(idx) else {
        return;
    };
    let empty = IssueExtras::default();
    let x = ctx.store.issue_extras.get(&issue.id).unwrap_or(&empty);
    let comps: Vec<Value> = x
        .components
        .iter()
        .filter_map(|id| ctx.store.components.iter().find(|c| &c.id == id))
        .map(|c| component_json(ctx.store, c, ctx.base, ctx.flavour))
        .collect();
    let versions = |ids: &[String]| -> Vec<Value> {
        ids.iter()
            .filter_map(|id| ctx.store.versions.iter().find(|v| &v.id == id))
            .map(|v| version_json(ctx.store, v, ctx.base, ctx.flavour))
            .collect()
    };
    f.insert("components".into(), Value::Array(comps));
    f.insert(
        "fixVersions".into(),
        Value::Array(versions(&x.fix_versions)),
    );
    f.insert("versions".into(), Value::Array(versions(&x.versions)));
    let opt = |field: &str, id: &str| {
        select_option(field, id).map(|(id, value, _)| {
            json!({"self": format!("{}/rest/api/{}/customFieldOption/{id}", ctx.base, ctx.flavour.num()),
                   "value": value, "id": id})
        })
    };
    let single = x
        .options
        .get("customfield_10030")
        .and_then(|ids| ids.first())
        .and_then(|id| opt("customfield_10030", id))
        .unwrap_or(Value::Null);
    f.insert("customfield_10030".into(), single);
    let multi: Vec<Value> = x
        .options
        .get("customfield_10031")
        .map(|ids| {
            ids.iter()
                .filter_map(|id| opt("customfield_10031", id))
                .collect()
        })
        .unwrap_or_default();
    f.insert(
        "customfield_10031".into(),
        if multi.is_empty() {
            Value::Null
        } else {
            Value::Array(multi)
        },
    );
}
