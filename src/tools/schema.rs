//! Input schemas in the portable subset that Cursor, Gemini/Vertex AI and OpenAI all accept.
//!
//! schemars output is post-processed once per tool at start-up (never per call): `$ref`s are
//! inlined, `Option<T>` loses its `null` branch (optional means "not in required"), and
//! everything outside the subset is removed. [`check_portable`] is what the tests run over
//! every tool.

use schemars::JsonSchema;
use serde_json::{Map, Value};

/// Keys allowed in a property schema.
const ALLOWED_KEYS: &[&str] = &[
    "type",
    "description",
    "properties",
    "required",
    "items",
    "enum",
    "minimum",
    "maximum",
    "default",
    "format",
    "title",
];

/// Builds the portable input schema of `T`.
pub fn portable_schema<T: JsonSchema>() -> Map<String, Value> {
    let generated = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
    let defs = generated
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut root = simplify(&generated, &defs, 0);
    let obj = root.as_object_mut().map(std::mem::take).unwrap_or_default();
    let mut out = Map::new();
    out.insert("type".into(), Value::String("object".into()));
    out.insert(
        "properties".into(),
        obj.get("properties")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new())),
    );
    if let Some(req) = obj
        .get("required")
        .filter(|r| r.as_array().is_some_and(|a| !a.is_empty()))
    {
        out.insert("required".into(), req.clone());
    }
    out
}

fn simplify(schema: &Value, defs: &Map<String, Value>, depth: usize) -> Value {
    let Some(obj) = schema.as_object() else {
        return schema.clone();
    };
    if depth > 16 {
        return Value::Object(Map::new());
    }
    if let Some(target) = obj.get("$ref").and_then(Value::as_str) {
        let name = target.rsplit('/').next().unwrap_or_default();
        let mut resolved = defs
            .get(name)
            .map(|d| simplify(d, defs, depth + 1))
            .unwrap_or_default();
        if let (Some(r), Some(desc)) = (resolved.as_object_mut(), obj.get("description")) {
            r.insert("description".into(), desc.clone());
        }
        return resolved;
    }
    // Option<T> arrives as anyOf [T, null] or type [T, "null"]: keep T.
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = obj.get(key).and_then(Value::as_array) {
            let non_null: Vec<&Value> = branches
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            if let Some(first) = non_null.first() {
                let mut inner = simplify(first, defs, depth + 1);
                copy_annotations(obj, &mut inner);
                return inner;
            }
        }
    }
    let mut out = Map::new();
    for (k, v) in obj {
        match k.as_str() {
            "type" => {
                let t = match v {
                    Value::Array(types) => types
                        .iter()
                        .find(|t| t.as_str() != Some("null"))
                        .cloned()
                        .unwrap_or(Value::String("string".into())),
                    other => other.clone(),
                };
                out.insert(k.clone(), t);
            }
            "properties" => {
                let props = v
                    .as_object()
                    .map(|p| {
                        p.iter()
                            .map(|(name, s)| (name.clone(), simplify(s, defs, depth + 1)))
                            .collect::<Map<_, _>>()
                    })
                    .unwrap_or_default();
                out.insert(k.clone(), Value::Object(props));
            }
            "items" => {
                out.insert(k.clone(), simplify(v, defs, depth + 1));
            }
            "enum" => {
                let strings: Vec<Value> = v
                    .as_array()
                    .map(|a| a.iter().filter(|x| x.is_string()).cloned().collect())
                    .unwrap_or_default();
                if !strings.is_empty() {
                    out.insert(k.clone(), Value::Array(strings));
                }
            }
            "format" | "default" => {
                // Only date-time survives as a format; a null default says nothing.
                let keep = if k == "format" {
                    v.as_str() == Some("date-time")
                } else {
                    !v.is_null()
                };
                if keep {
                    out.insert(k.clone(), v.clone());
                }
            }
            key if ALLOWED_KEYS.contains(&key) && key != "title" => {
                out.insert(k.clone(), v.clone());
            }
            _ => {}
        }
    }
    if out.get("type").and_then(Value::as_str) == Some("integer") {
        // schemars adds uint formats and 0 minimums; keep only real bounds.
        out.remove("format");
    }
    Value::Object(out)
}

fn copy_annotations(from: &Map<String, Value>, to: &mut Value) {
    if let Some(to) = to.as_object_mut() {
        for key in ["description", "default"] {
            if let Some(v) = from.get(key).filter(|v| !v.is_null()) {
                to.insert(key.into(), v.clone());
            }
        }
    }
}

/// Checks a tool input schema against the portable subset; the error says what is wrong where.
pub fn check_portable(schema: &Map<String, Value>) -> Result<(), String> {
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err("top level must be {\"type\":\"object\"}".into());
    }
    for key in schema.keys() {
        if !matches!(key.as_str(), "type" | "properties" | "required") {
            return Err(format!(
                "top level has {key:?}; only type, properties and required are allowed"
            ));
        }
    }
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .ok_or("top level needs a properties object")?;
    if let Some(req) = schema.get("required") {
        let names = req.as_array().ok_or("required must be an array")?;
        for n in names {
            let n = n.as_str().ok_or("required entries must be strings")?;
            if !props.contains_key(n) {
                return Err(format!("required names {n:?} which is not a property"));
            }
        }
    }
    for (name, prop) in props {
        check_property(prop, name)?;
    }
    Ok(())
}

fn check_property(schema: &Value, at: &str) -> Result<(), String> {
    let obj = schema
        .as_object()
        .ok_or(format!("{at}: schema must be an object"))?;
    for key in obj.keys() {
        if !ALLOWED_KEYS.contains(&key.as_str()) || key == "title" {
            return Err(format!(
                "{at}: keyword {key:?} is outside the portable subset"
            ));
        }
    }
    let ty = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or(format!("{at}: needs a single string type"))?;
    match ty {
        "string" | "integer" | "number" | "boolean" => {}
        "array" => check_property(
            obj.get("items").ok_or(format!("{at}: array needs items"))?,
            &format!("{at}[]"),
        )?,
        "object" => {
            if let Some(props) = obj.get("properties").and_then(Value::as_object) {
                for (name, p) in props {
                    check_property(p, &format!("{at}.{name}"))?;
                }
            }
        }
        other => return Err(format!("{at}: type {other:?} is not portable")),
    }
    if let Some(e) = obj.get("enum") {
        let all_strings = e.as_array().is_some_and(|a| a.iter().all(Value::is_string));
        if !all_strings || ty != "string" {
            return Err(format!(
                "{at}: enum must be a list of strings on a string type"
            ));
        }
    }
    if let Some(f) = obj.get("format")
        && f.as_str() != Some("date-time")
    {
        return Err(format!("{at}: format {f} is not portable (only date-time)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    enum Order {
        #[serde(rename = "asc")]
        Asc,
        #[serde(rename = "desc")]
        Desc,
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Inner {
        /// A flag.
        on: bool,
    }

    /// Example input.
    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Example {
        /// Issue key such as PROJ-1.
        issue_key: String,
        /// How many.
        #[schemars(range(min = 1, max = 50))]
        limit: Option<u32>,
        /// Sort order.
        order: Option<Order>,
        /// Labels.
        labels: Option<Vec<String>>,
        /// Nested.
        inner: Option<Inner>,
    }

    #[test]
    fn generated_schemas_are_reduced_to_the_portable_subset() {
        let s = portable_schema::<Example>();
        check_portable(&s).expect("portable");
        let text = serde_json::to_string(&s).expect("json");
        for banned in [
            "$ref",
            "$defs",
            "anyOf",
            "oneOf",
            "null",
            "$schema",
            "uint",
            "additionalProperties",
        ] {
            assert!(!text.contains(banned), "{banned} in {text}");
        }
        assert_eq!(s["required"], serde_json::json!(["issue_key"]));
        assert_eq!(s["properties"]["limit"]["type"], "integer");
        assert_eq!(s["properties"]["limit"]["maximum"], 50);
        assert_eq!(
            s["properties"]["order"]["enum"],
            serde_json::json!(["asc", "desc"])
        );
        assert_eq!(s["properties"]["order"]["description"], "Sort order.");
        assert_eq!(
            s["properties"]["inner"]["properties"]["on"]["type"],
            "boolean"
        );
    }

    #[test]
    fn non_portable_keywords_are_reported_with_their_location() {
        let bad: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "type": "object",
            "properties": {"a": {"type": ["string", "null"]}}
        }))
        .expect("json");
        assert_eq!(
            check_portable(&bad).expect_err("bad"),
            "a: needs a single string type"
        );
        let bad: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "type": "object",
            "properties": {"a": {"type": "string", "pattern": "x"}}
        }))
        .expect("json");
        assert!(
            check_portable(&bad)
                .expect_err("bad")
                .contains("\"pattern\"")
        );
    }
}
