//! Argument types shared by tools, for the shapes the reference server accepts loosely:
//! a JSON object given as an object or as a string holding one, comma lists given as a
//! string or an array, and comment visibility as `group:NAME` / `role:NAME`.
//!
//! Free-form objects are declared as strings: a `{"type":"object"}` without properties is
//! rejected by the Gemini API (google-genai turns it into an OBJECT with no properties) and
//! cannot be made strict for OpenAI, so the schema says string (JSON text, as the reference
//! takes it) while the parser still accepts an object for clients that send one.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// A JSON object, accepted as an object or as a string that holds one (the reference takes
/// `fields` / `additional_fields` as JSON strings; agents often send objects).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsonObject(pub Map<String, Value>);

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Object(m) => Ok(JsonObject(m)),
            Value::String(s) if s.trim().is_empty() => Ok(JsonObject::default()),
            Value::String(s) => match serde_json::from_str::<Value>(&s) {
                Ok(Value::Object(m)) => Ok(JsonObject(m)),
                Ok(_) => Err(serde::de::Error::custom(
                    "expected a JSON object such as {\"priority\": {\"name\": \"High\"}}",
                )),
                Err(e) => Err(serde::de::Error::custom(format!(
                    "the string is not valid JSON ({e}); send a JSON object"
                ))),
            },
            _ => Err(serde::de::Error::custom(
                "expected a JSON object (or a string holding one)",
            )),
        }
    }
}

impl JsonSchema for JsonObject {
    fn schema_name() -> Cow<'static, str> {
        "JsonObject".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string"})
    }
    fn inline_schema() -> bool {
        true
    }
}

/// Who may see a comment: `group:NAME` or `role:NAME`, or the Jira object
/// `{"type": "group"|"role", "value": NAME}` (as an object or as JSON text).
#[derive(Debug, Clone, PartialEq)]
pub struct Visibility(pub Map<String, Value>);

impl Visibility {
    /// Parses the short or the JSON form; `None` when it is neither.
    pub fn parse(v: &str) -> Option<Visibility> {
        let v = v.trim();
        if v.starts_with('{') {
            let parsed: Value = serde_json::from_str(v).ok()?;
            return Self::from_object(parsed.as_object()?);
        }
        let (kind, value) = v.split_once(':')?;
        Self::closed(&kind.trim().to_ascii_lowercase(), value.trim())
    }

    fn from_object(m: &Map<String, Value>) -> Option<Visibility> {
        Self::closed(m.get("type")?.as_str()?, m.get("value")?.as_str()?.trim())
    }

    fn closed(kind: &str, value: &str) -> Option<Visibility> {
        (matches!(kind, "group" | "role") && !value.is_empty()).then(|| {
            let mut m = Map::new();
            m.insert("type".into(), Value::String(kind.into()));
            m.insert("value".into(), Value::String(value.into()));
            Visibility(m)
        })
    }
}

const VISIBILITY_HINT: &str = "expected group:NAME or role:NAME, e.g. group:jira-users";

impl<'de> Deserialize<'de> for Visibility {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let parsed = match Value::deserialize(d)? {
            Value::String(s) => Visibility::parse(&s),
            Value::Object(m) => Visibility::from_object(&m),
            _ => None,
        };
        parsed.ok_or_else(|| serde::de::Error::custom(VISIBILITY_HINT))
    }
}

impl JsonSchema for Visibility {
    fn schema_name() -> Cow<'static, str> {
        "Visibility".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string"})
    }
    fn inline_schema() -> bool {
        true
    }
}

/// A list given as `"a, b"` or `["a", "b"]`; blanks dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommaList(pub Vec<String>);

impl<'de> Deserialize<'de> for CommaList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items: Vec<String> = match Value::deserialize(d)? {
            Value::String(s) => s.split(',').map(str::to_owned).collect(),
            Value::Array(a) => a
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(serde::de::Error::custom("list items must be strings")),
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(serde::de::Error::custom(
                    "expected a comma-separated string or an array of strings",
                ));
            }
        };
        Ok(CommaList(
            items
                .into_iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        ))
    }
}

impl JsonSchema for CommaList {
    fn schema_name() -> Cow<'static, str> {
        "CommaList".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string"})
    }
    fn inline_schema() -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_come_as_objects_or_json_strings() {
        let a: JsonObject = serde_json::from_value(json!({"x": 1})).expect("object");
        let b: JsonObject = serde_json::from_value(json!("{\"x\": 1}")).expect("string");
        assert_eq!(a, b);
        let e = serde_json::from_value::<JsonObject>(json!("[1]")).expect_err("array");
        assert!(e.to_string().contains("JSON object"));
        let e = serde_json::from_value::<JsonObject>(json!("{oops")).expect_err("bad json");
        assert!(e.to_string().contains("not valid JSON"));
    }

    #[test]
    fn visibility_comes_short_as_json_text_or_as_an_object() {
        let want = json!({"type": "role", "value": "Developers"});
        for given in [
            json!("role:Developers"),
            json!("ROLE: Developers"),
            json!(r#"{"type": "role", "value": "Developers"}"#),
            json!({"type": "role", "value": "Developers"}),
        ] {
            let v: Visibility = serde_json::from_value(given.clone()).expect("visibility");
            assert_eq!(Value::Object(v.0), want, "{given}");
        }
        for bad in [
            json!("everyone"),
            json!("team:x"),
            json!("group:"),
            json!(3),
        ] {
            let e = serde_json::from_value::<Visibility>(bad).expect_err("bad");
            assert!(e.to_string().contains("group:NAME"), "{e}");
        }
    }

    #[test]
    fn lists_come_as_strings_or_arrays() {
        let a: CommaList = serde_json::from_value(json!("a, b,,c")).expect("string");
        let b: CommaList = serde_json::from_value(json!(["a", "b", " ", "c"])).expect("array");
        assert_eq!(a, b);
        assert_eq!(a.0, vec!["a", "b", "c"]);
    }
}
