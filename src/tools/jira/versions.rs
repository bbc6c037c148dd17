//! What the project tools share: version and project shapes, date checks, and the version
//! body Jira takes on create and update.

use serde_json::{Map, Value, json};

use crate::tools::output::user;

/// A project as agents get it.
pub fn project(p: &Value, site: &str) -> Value {
    let key = p["key"].as_str().unwrap_or_default();
    json!({
        "key": key,
        "id": p["id"],
        "name": p["name"],
        "type": p["projectTypeKey"],
        "archived": p["archived"].as_bool().filter(|a| *a),
        "lead": user(&p["lead"]),
        "url": if key.is_empty() { Value::Null } else { json!(format!("{site}/browse/{key}")) },
    })
}

/// A version as agents get it.
pub fn version(v: &Value) -> Value {
    json!({
        "id": v["id"],
        "name": v["name"],
        "description": v["description"],
        "released": v["released"],
        "archived": v["archived"],
        "overdue": v["overdue"],
        "start_date": v["startDate"],
        "release_date": v["releaseDate"],
        "project_id": v["projectId"],
    })
}

/// A component as agents get it.
pub fn component(c: &Value) -> Value {
    json!({
        "id": c["id"],
        "name": c["name"],
        "description": c["description"],
        "lead": user(&c["lead"]),
    })
}

/// Checks a `YYYY-MM-DD` date argument.
pub fn date(name: &str, v: Option<&str>) -> Result<Option<String>, String> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(d)
            if time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                .is_ok() =>
        {
            Ok(Some(d.to_owned()))
        }
        Some(d) => Err(format!(
            "{name} {d:?} is not a date; use YYYY-MM-DD, e.g. 2025-03-31"
        )),
    }
}

/// Fields of a version to send: name, description and dates (camelCase as Jira wants).
#[derive(Debug, Default, Clone)]
pub struct VersionFields {
    /// Name.
    pub name: Option<String>,
    pub description: Option<String>,
    /// `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub release_date: Option<String>,
    /// Released flag.
    pub released: Option<bool>,
    /// Archived flag.
    pub archived: Option<bool>,
}

impl VersionFields {
    /// The JSON body (only the fields given).
    pub fn body(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), v);
            }
        };
        put("name", self.name.clone().map(Value::String));
        put("description", self.description.clone().map(Value::String));
        put("startDate", self.start_date.clone().map(Value::String));
        put("releaseDate", self.release_date.clone().map(Value::String));
        put("released", self.released.map(Value::Bool));
        put("archived", self.archived.map(Value::Bool));
        m
    }
}
