//! Output shaping shared by all tools: compact JSON without nulls or empty arrays, users as
//! `{display_name, account_id | name, email}`, times in RFC 3339 UTC, upstream errors as tool
//! errors the model can act on.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use super::registry::ToolOutput;
use crate::atlassian::{AtlassianError, ErrorKind};

/// Removes nulls, empty strings, empty arrays and empty objects, recursively.
pub fn prune(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let out: Map<String, Value> = map
                .into_iter()
                .map(|(k, v)| (k, prune(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect();
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(prune)
                .filter(|v| !v.is_null())
                .collect(),
        ),
        other => other,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A successful result holding compact, pruned JSON.
pub fn json_output(v: Value) -> ToolOutput {
    ToolOutput::text(prune(v).to_string())
}

/// An upstream failure as a tool error.
pub fn upstream_error(e: &AtlassianError) -> ToolOutput {
    // Atlassian failed or could not be reached (not: the request was wrong or not allowed).
    if matches!(
        e.kind,
        ErrorKind::RateLimited
            | ErrorKind::Upstream
            | ErrorKind::Timeout
            | ErrorKind::Connect
            | ErrorKind::Decode
            | ErrorKind::Other
    ) {
        crate::telemetry::metrics::note_upstream_failure();
    }
    ToolOutput::error(e.agent_message())
}

/// A Jira/Confluence user object as `{display_name, account_id | name, email}`.
pub fn user(v: &Value) -> Value {
    if !v.is_object() {
        return Value::Null;
    }
    let mut out = Map::new();
    if let Some(d) = v.get("displayName").and_then(Value::as_str) {
        out.insert("display_name".into(), d.into());
    }
    if let Some(a) = v.get("accountId").and_then(Value::as_str) {
        out.insert("account_id".into(), a.into());
    } else if let Some(n) = v
        .get("name")
        .or_else(|| v.get("username"))
        .and_then(Value::as_str)
    {
        out.insert("name".into(), n.into());
    }
    if let Some(e) = v
        .get("emailAddress")
        .or_else(|| v.get("email"))
        .and_then(Value::as_str)
    {
        out.insert("email".into(), e.into());
    }
    Value::Object(out)
}

/// Normalises Atlassian timestamps (`2024-01-02T03:04:05.000+0100`, RFC 3339) to RFC 3339
/// UTC with whole seconds; unknown formats pass through unchanged.
pub fn timestamp(raw: &str) -> String {
    let jira = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
    );
    // Service Management's `iso8601` leaves the fraction out: `2024-01-31T11:00:00+0100`.
    let jira_whole = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    let parsed = OffsetDateTime::parse(raw, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(raw, &jira))
        .or_else(|_| OffsetDateTime::parse(raw, &jira_whole));
    match parsed {
        Ok(t) => t
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| raw.to_owned()),
        Err(_) => raw.to_owned(),
    }
}

/// [`timestamp`] for an optional JSON string.
///
/// Not every time arrives as a string: epoch numbers (milliseconds, as Jira Service
/// Management and some Server endpoints write them, or seconds) and Service Management's
/// `{"iso8601", "epochMillis", "friendly"}` objects are read too. A value in no known form
/// passes through as it is, never as `null` (which would claim there is no time).
pub fn time_value(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) => Value::String(timestamp(s)),
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(epoch_time)
            .map(Value::String)
            .unwrap_or_else(|| Value::Number(n.clone())),
        Some(Value::Object(o)) => match (o.get("iso8601"), o.get("epochMillis")) {
            (Some(Value::String(s)), _) => Value::String(timestamp(s)),
            (_, Some(ms)) => time_value(Some(ms)),
            _ => Value::Object(o.clone()),
        },
        Some(other) => other.clone(),
    }
}

/// RFC 3339 UTC of an epoch number: milliseconds when it is too large to be seconds
/// (anything after 1973 in milliseconds, or after 5138 in seconds).
fn epoch_time(n: i64) -> Option<String> {
    let secs = if n.abs() >= 100_000_000_000 {
        n.div_euclid(1000)
    } else {
        n
    };
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_that_are_not_strings_are_read_or_kept() {
        assert_eq!(
            time_value(Some(&json!(1_706_695_200_000_i64))),
            json!("2024-01-31T10:00:00Z")
        );
        assert_eq!(
            time_value(Some(&json!(1_706_695_200))),
            json!("2024-01-31T10:00:00Z")
        );
        let jsm =
            json!({"iso8601": "2024-01-31T11:00:00+0100", "epochMillis": 1, "friendly": "Today"});
        assert_eq!(time_value(Some(&jsm)), json!("2024-01-31T10:00:00Z"));
        assert_eq!(
            time_value(Some(&json!({"epochMillis": 1_706_695_200_000_i64}))),
            json!("2024-01-31T10:00:00Z")
        );
        assert_eq!(time_value(Some(&json!([1, 2]))), json!([1, 2]));
        assert_eq!(time_value(Some(&json!(null))), json!(null));
        assert_eq!(time_value(None), json!(null));
    }

    #[test]
    fn pruning_drops_nulls_and_empties_but_keeps_false_and_zero() {
        let v = prune(
            json!({"a": null, "b": [], "c": {}, "d": "", "e": false, "f": 0, "g": {"h": null, "i": [1, null]}}),
        );
        assert_eq!(v, json!({"e": false, "f": 0, "g": {"i": [1]}}));
    }

    #[test]
    fn users_are_shaped_for_cloud_and_server() {
        let cloud = json!({"accountId": "abc", "displayName": "Ann", "emailAddress": "a@x.com", "avatarUrls": {}});
        assert_eq!(
            user(&cloud),
            json!({"display_name": "Ann", "account_id": "abc", "email": "a@x.com"})
        );
        let dc = json!({"name": "ann", "key": "JIRAUSER1", "displayName": "Ann"});
        assert_eq!(user(&dc), json!({"display_name": "Ann", "name": "ann"}));
    }

    #[test]
    fn timestamps_become_rfc3339_utc() {
        assert_eq!(
            timestamp("2024-01-02T03:04:05.123+0100"),
            "2024-01-02T02:04:05Z"
        );
        assert_eq!(
            timestamp("2024-01-02T03:04:05.000Z"),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(timestamp("2023-08-01T12:00:00Z"), "2023-08-01T12:00:00Z");
        assert_eq!(timestamp("yesterday"), "yesterday");
    }
}
