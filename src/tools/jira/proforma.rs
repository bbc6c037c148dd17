//! What the Forms tools share: the Forms API's question type codes as the answer types
//! agents use (`TEXT`, `NUMBER`, `DATE`, `SELECT`, ...), form status names, and turning an
//! agent's `{questionId, type, value}` into the API's per-type answer object.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};

/// The `answers` argument: a list of objects, or a string holding one.
#[derive(Debug, Clone, Default)]
pub struct AnswerList(pub Vec<Map<String, Value>>);

impl<'de> Deserialize<'de> for AnswerList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = match Value::deserialize(d)? {
            Value::String(s) => serde_json::from_str::<Value>(&s).map_err(|e| {
                serde::de::Error::custom(format!("answers is not valid JSON ({e})"))
            })?,
            other => other,
        };
        let Value::Array(items) = v else {
            return Err(serde::de::Error::custom(
                "answers must be a JSON array of objects",
            ));
        };
        items
            .into_iter()
            .map(|i| match i {
                Value::Object(m) => Ok(m),
                _ => Err(serde::de::Error::custom(
                    "every answer must be a JSON object",
                )),
            })
            .collect::<Result<_, _>>()
            .map(AnswerList)
    }
}

impl JsonSchema for AnswerList {
    fn schema_name() -> Cow<'static, str> {
        "AnswerList".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string"})
    }
    fn inline_schema() -> bool {
        true
    }
}

/// Question type code → answer type agents pass back.
pub fn answer_type(code: &str) -> &'static str {
    match code {
        "ts" | "tl" | "te" | "tu" | "tp" | "tg" => "TEXT",
        "no" => "NUMBER",
        "da" => "DATE",
        "dt" => "DATETIME",
        "ti" => "TIME",
        "cs" | "cd" => "SELECT",
        "cm" => "MULTI_SELECT",
        "cb" => "CHECKBOX",
        "us" => "USER",
        "um" => "MULTI_USER",
        _ => "TEXT",
    }
}

/// `o`/`s`/`l` → open/submitted/locked.
pub fn status_name(code: &str) -> &str {
    match code {
        "o" => "open",
        "s" => "submitted",
        "l" => "locked",
        other => other,
    }
}

const TYPES: &str =
    "TEXT, NUMBER, DATE, DATETIME, TIME, SELECT, MULTI_SELECT, CHECKBOX, USER, MULTI_USER";

fn list(v: &Value) -> Value {
    match v {
        Value::Array(_) => v.clone(),
        Value::Null => json!([]),
        Value::String(s) => json!(
            s.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
        ),
        other => json!([other.to_string()]),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The API's answers map from the agent's list, or the error to show.
pub fn answers(items: &[Map<String, Value>]) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (n, a) in items.iter().enumerate() {
        let qid = a
            .get("questionId")
            .or_else(|| a.get("question_id"))
            .map(text)
            .filter(|q| !q.trim().is_empty())
            .ok_or_else(|| {
                format!("answer {n} has no questionId; see jira_get_proforma_form_details")
            })?;
        let kind = a
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("TEXT")
            .to_ascii_uppercase();
        let v = a.get("value").unwrap_or(&Value::Null);
        let answer = match kind.as_str() {
            "TEXT" | "NUMBER" => json!({"text": text(v)}),
            "DATE" => json!({"date": text(v).get(..10).unwrap_or_default()}),
            "DATETIME" => {
                let s = text(v);
                let (d, t) = s.split_once('T').unwrap_or((&s, "00:00"));
                json!({"date": d, "time": t.get(..5).unwrap_or(t)})
            }
            "TIME" => json!({"time": text(v)}),
            "SELECT" | "MULTI_SELECT" | "CHECKBOX" => json!({"choices": list(v)}),
            "USER" | "MULTI_USER" => json!({"users": list(v)}),
            other => return Err(format!("answer {n} has type {other}; use one of {TYPES}")),
        };
        out.insert(qid.trim().to_owned(), answer);
    }
    Ok(out)
}

/// An answer object as a plain value (text, date, choice ids, user ids).
pub fn simple_answer(a: &Value) -> Value {
    let Some(o) = a.as_object() else {
        return Value::Null;
    };
    match (o.get("date"), o.get("time")) {
        (Some(d), Some(t)) => return json!(format!("{}T{}", text(d), text(t))),
        (Some(d), None) => return d.clone(),
        (None, Some(t)) => return t.clone(),
        _ => {}
    }
    ["text", "choices", "users"]
        .iter()
        .find_map(|k| o.get(*k).cloned())
        .unwrap_or_else(|| a.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_answers_become_the_api_answer_objects() {
        let items: Vec<Map<String, Value>> = serde_json::from_value(json!([
            {"questionId": "1", "type": "TEXT", "value": "VPN"},
            {"questionId": 2, "type": "NUMBER", "value": 5},
            {"questionId": "3", "type": "SELECT", "value": "2"},
            {"questionId": "4", "type": "DATETIME", "value": "2025-03-01T10:30:00Z"}
        ]))
        .expect("list");
        let a = answers(&items).expect("valid");
        assert_eq!(a["1"], json!({"text": "VPN"}));
        assert_eq!(a["2"], json!({"text": "5"}));
        assert_eq!(a["3"], json!({"choices": ["2"]}));
        assert_eq!(a["4"], json!({"date": "2025-03-01", "time": "10:30"}));
        let bad: Vec<Map<String, Value>> =
            serde_json::from_value(json!([{"questionId": "1", "type": "COLOUR", "value": 1}]))
                .expect("list");
        assert!(answers(&bad).expect_err("refused").contains("SELECT"));
    }
}
