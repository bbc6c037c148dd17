//! What a tool call's arguments go through before the tool's typed parsing: lenient coercion
//! of what clients really send, unknown names set aside, and the sentence a model reads when
//! an argument still does not fit.
//!
//! Invariants: coercion only turns a value into the type the input schema declares when the
//! meaning is unambiguous (`3.0` or `"3"` for an integer, `"2.5"` for a number, `"true"` /
//! `"false"` for a boolean, a number for a free string such as an id), recursively through array items and declared object properties;
//! anything else is left for the parser to refuse. Unknown top-level names are accepted and
//! ignored, and the caller is told which (the portable schema subset has no
//! `additionalProperties`, so the schema cannot declare them refused). Everything works from
//! the schema built once at start-up; nothing is compiled per call.

use serde_json::{Map, Number, Value};

/// Arguments ready for the typed parser.
#[derive(Debug, Default)]
pub struct Prepared {
    /// The known arguments, coerced.
    pub arguments: Map<String, Value>,
    /// Names the tool does not take, in the order sent.
    pub ignored: Vec<String>,
}

/// Coerces `arguments` to `schema` (a tool's input schema) and sets unknown names aside.
pub fn prepare(schema: &Map<String, Value>, arguments: Map<String, Value>) -> Prepared {
    let properties = schema.get("properties").and_then(Value::as_object);
    let mut out = Prepared::default();
    for (name, value) in arguments {
        match properties.and_then(|p| p.get(&name)) {
            Some(prop) => {
                out.arguments.insert(name, coerce(value, prop));
            }
            None if properties.is_some() => out.ignored.push(name),
            // A tool without declared properties gets what was sent.
            None => {
                out.arguments.insert(name, value);
            }
        }
    }
    out
}

fn declared_type(schema: &Value) -> Option<&str> {
    schema.get("type").and_then(Value::as_str)
}

fn coerce(value: Value, schema: &Value) -> Value {
    match (declared_type(schema), value) {
        (Some("integer"), Value::Number(n)) if !n.is_i64() && !n.is_u64() => {
            match n.as_f64().and_then(integral) {
                Some(i) => Value::Number(i.into()),
                None => Value::Number(n),
            }
        }
        (Some("integer"), Value::String(s)) => {
            let t = s.trim();
            match t
                .parse::<i64>()
                .ok()
                .or_else(|| t.parse::<f64>().ok().and_then(integral))
            {
                Some(i) => Value::Number(i.into()),
                None => Value::String(s),
            }
        }
        (Some("number"), Value::String(s)) => {
            match s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .filter(|_| !s.trim().is_empty())
            {
                Some(n) => Value::Number(n),
                None => Value::String(s),
            }
        }
        // Ids are strings here, and models send them as numbers.
        (Some("string"), Value::Number(n)) if schema.get("enum").is_none() => {
            Value::String(n.to_string())
        }
        (Some("boolean"), Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(s),
        },
        (Some("array"), Value::Array(items)) => match schema.get("items") {
            Some(item_schema) => {
                Value::Array(items.into_iter().map(|v| coerce(v, item_schema)).collect())
            }
            None => Value::Array(items),
        },
        (Some("object"), Value::Object(map)) => {
            match schema.get("properties").and_then(Value::as_object) {
                Some(props) => Value::Object(
                    map.into_iter()
                        .map(|(k, v)| {
                            let v = match props.get(&k) {
                                Some(p) => coerce(v, p),
                                None => v,
                            };
                            (k, v)
                        })
                        .collect(),
                ),
                None => Value::Object(map),
            }
        }
        (_, v) => v,
    }
}

/// `f` as an i64 when it is a whole number in range.
fn integral(f: f64) -> Option<i64> {
    // i64::MAX is not exactly representable; stay strictly inside the range.
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
}

/// The schema of the argument at `path` (names and `[index]` steps, as the parser reports).
fn schema_at<'a>(schema: &'a Map<String, Value>, path: &[Step]) -> Option<&'a Value> {
    let mut here = schema.get("properties")?.get(step_key(path.first()?)?)?;
    for step in &path[1..] {
        here = match step {
            Step::Key(k) => here.get("properties")?.get(k)?,
            Step::Index(_) => here.get("items")?,
        };
    }
    Some(here)
}

fn step_key(step: &Step) -> Option<&str> {
    match step {
        Step::Key(k) => Some(k),
        Step::Index(_) => None,
    }
}

/// One step of an argument's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

fn path_text(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// What a property takes, in words: "an integer from 1 to 50 (max results per page)".
pub fn what_it_takes(schema: &Value) -> String {
    let mut words = match schema.get("enum").and_then(Value::as_array) {
        Some(values) if !values.is_empty() => {
            let list: Vec<String> = values.iter().map(Value::to_string).collect();
            format!("one of {}", list.join(", "))
        }
        _ => kind(schema),
    };
    let (min, max) = (schema.get("minimum"), schema.get("maximum"));
    match (min, max) {
        (Some(a), Some(b)) => words.push_str(&format!(" from {a} to {b}")),
        (Some(a), None) => words.push_str(&format!(" of at least {a}")),
        (None, Some(b)) => words.push_str(&format!(" of at most {b}")),
        (None, None) => {}
    }
    if let Some(d) = schema.get("description").and_then(Value::as_str) {
        let d = d.trim().trim_end_matches('.');
        let short = if d.chars().count() <= 160 {
            d.to_owned()
        } else {
            let cut: String = d.chars().take(160).collect();
            let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
            format!("{cut}…")
        };
        if !short.is_empty() {
            words.push_str(&format!(" ({short})"));
        }
    }
    words
}

fn kind(schema: &Value) -> String {
    match declared_type(schema) {
        Some("integer") => "an integer".into(),
        Some("number") => "a number".into(),
        Some("boolean") => "true or false".into(),
        Some("string") => "a string".into(),
        Some("object") => "a JSON object".into(),
        Some("array") => match schema.get("items") {
            Some(items) => format!("a list of {}", plural(&kind(items))),
            None => "a list".into(),
        },
        _ => "a value".into(),
    }
}

fn plural(kind: &str) -> String {
    match kind {
        "an integer" => "integers".into(),
        "a number" => "numbers".into(),
        "true or false" => "booleans".into(),
        "a string" => "strings".into(),
        "a JSON object" => "JSON objects".into(),
        other => format!("items ({other})"),
    }
}

/// The sentence for an argument the parser refused: names the parameter and what it takes.
/// `path` is where the parser failed (empty for a missing field), `reason` its message.
pub fn refusal(tool: &str, schema: &Map<String, Value>, path: &[Step], reason: &str) -> String {
    // serde reports a missing field at the enclosing object: "missing field `x`".
    if let Some(missing) = reason
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        let mut full = path.to_vec();
        full.push(Step::Key(missing.to_owned()));
        let takes = schema_at(schema, &full)
            .map(what_it_takes)
            .unwrap_or_else(|| "a value".into());
        return format!(
            "`{}` is required: it takes {takes}; call {tool} again with it",
            path_text(&full)
        );
    }
    if path.is_empty() {
        return format!(
            "the arguments do not fit {tool}: {reason}; check them against its input schema"
        );
    }
    let takes = schema_at(schema, path)
        .map(what_it_takes)
        .unwrap_or_else(|| "a different value".into());
    format!(
        "`{}` takes {takes}, and the value sent does not fit ({reason}); call {tool} again with a corrected value",
        path_text(path)
    )
}

/// The note for arguments that were ignored: which, and what the tool does take.
pub fn ignored_note(tool: &str, schema: &Map<String, Value>, ignored: &[String]) -> String {
    let names: Vec<String> = ignored.iter().map(|n| format!("`{n}`")).collect();
    let takes: Vec<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(|k| format!("`{k}`")).collect())
        .unwrap_or_default();
    format!(
        "note: {tool} does not take {}, so {} ignored; its arguments are {}",
        names.join(", "),
        if names.len() == 1 {
            "it was"
        } else {
            "they were"
        },
        if takes.is_empty() {
            "none".to_owned()
        } else {
            takes.join(", ")
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Map<String, Value> {
        json!({"type": "object", "properties": {
            "limit": {"type": "integer", "minimum": 1, "maximum": 50,
                      "description": "Maximum number of results. Default 10."},
            "ratio": {"type": "number"},
            "notify": {"type": "boolean"},
            "ids": {"type": "array", "items": {"type": "integer"}},
            "issue_key": {"type": "string", "description": "Issue key, e.g. PROJ-1"},
            "mode": {"type": "string", "enum": ["a", "b"]},
            "visibility": {"type": "object", "properties": {"value": {"type": "string"}, "weight": {"type": "integer"}}}
        }, "required": ["issue_key"]})
        .as_object()
        .cloned()
        .expect("object")
    }

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("object")
    }

    #[test]
    fn numbers_and_booleans_are_taken_as_clients_send_them() {
        let p = prepare(
            &schema(),
            args(
                json!({"limit": 3.0, "ratio": "2.5", "notify": "TRUE", "ids": ["4", 5.0, 6],
                "issue_key": 3, "visibility": {"weight": "7", "value": "x"}}),
            ),
        );
        assert_eq!(
            Value::Object(p.arguments),
            json!({"limit": 3, "ratio": 2.5, "notify": true, "ids": [4, 5, 6],
                "issue_key": "3", "visibility": {"weight": 7, "value": "x"}})
        );
        let p = prepare(&schema(), args(json!({"limit": "3", "notify": "false"})));
        assert_eq!(p.arguments["limit"], json!(3));
        assert_eq!(p.arguments["notify"], json!(false));
    }

    #[test]
    fn what_does_not_fit_is_left_for_the_parser_to_refuse() {
        let p = prepare(
            &schema(),
            args(json!({"limit": 3.5, "ratio": "fast", "notify": "yes", "ids": "1,2"})),
        );
        assert_eq!(
            Value::Object(p.arguments),
            json!({"limit": 3.5, "ratio": "fast", "notify": "yes", "ids": "1,2"})
        );
        assert_eq!(
            prepare(&schema(), args(json!({"limit": "1e400"}))).arguments["limit"],
            json!("1e400")
        );
    }

    #[test]
    fn unknown_names_are_set_aside_and_named() {
        let p = prepare(&schema(), args(json!({"issueKey": "A-1", "limit": 1})));
        assert_eq!(p.ignored, vec!["issueKey"]);
        assert!(!p.arguments.contains_key("issueKey"));
        let note = ignored_note("jira_get_issue", &schema(), &p.ignored);
        assert!(
            note.contains("does not take `issueKey`, so it was ignored"),
            "{note}"
        );
        assert!(note.contains("`issue_key`"), "{note}");
    }

    #[test]
    fn refusals_name_the_parameter_and_what_it_takes() {
        let s = schema();
        let m = refusal("jira_get_issue", &s, &[], "missing field `issue_key`");
        assert_eq!(
            m,
            "`issue_key` is required: it takes a string (Issue key, e.g. PROJ-1); call jira_get_issue again with it"
        );
        let m = refusal(
            "jira_search",
            &s,
            &[Step::Key("limit".into())],
            "invalid type: string \"many\", expected u32",
        );
        assert!(
            m.starts_with(
                "`limit` takes an integer from 1 to 50 (Maximum number of results. Default 10)"
            ),
            "{m}"
        );
        assert!(m.contains("expected u32"), "{m}");
        let m = refusal("t", &s, &[Step::Key("ids".into()), Step::Index(1)], "bad");
        assert!(m.starts_with("`ids[1]` takes an integer"), "{m}");
        let m = refusal("t", &s, &[Step::Key("mode".into())], "unknown variant");
        assert!(m.starts_with("`mode` takes one of \"a\", \"b\""), "{m}");
        let m = refusal("t", &s, &[Step::Key("ids".into())], "x");
        assert!(m.starts_with("`ids` takes a list of integers"), "{m}");
    }
}
