//! `jira_get_worklog`: the work logged on an issue.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::add_worklog::duration_secs;
use super::people::issue_in_scope;
use super::shape::rich_text;
use crate::atlassian::jira::worklog;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, time_value, upstream_error, user};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_worklog`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
}

struct GetWorklog(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_worklog",
            description: "Work logged on an issue: who, when, how long, comment.",
            toolset: "jira_worklog",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetWorklog(env),
    )
}

/// What the seconds of a worklog are known from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seconds {
    /// Jira's `timeSpentSeconds`.
    Given(i64),
    /// Derived from `timeSpent` (older Jira sends only `"2w 3d"`) with Jira's default time
    /// tracking units: 5-day weeks and 8-hour days.
    Derived(i64),
    /// Neither is readable.
    Unknown,
}

/// The seconds of a worklog, from `timeSpentSeconds` or else from `timeSpent`.
pub fn seconds(w: &Value) -> Seconds {
    if let Some(s) = w["timeSpentSeconds"].as_i64() {
        return Seconds::Given(s);
    }
    match w["timeSpent"]
        .as_str()
        .and_then(duration_secs)
        .and_then(|s| i64::try_from(s).ok())
    {
        Some(s) => Seconds::Derived(s),
        None => Seconds::Unknown,
    }
}

/// One worklog as agents get it.
pub fn shape(w: &Value) -> Value {
    let secs = match seconds(w) {
        Seconds::Given(s) | Seconds::Derived(s) => json!(s),
        Seconds::Unknown => Value::Null,
    };
    let mut out = json!({
        "id": w["id"],
        "author": user(&w["author"]),
        "time_spent": w["timeSpent"],
        "time_spent_seconds": secs,
        "started": time_value(w.get("started")),
        "comment": rich_text(&w["comment"]),
    });
    if matches!(seconds(w), Seconds::Derived(_)) {
        out["time_spent_seconds_derived"] = json!(true);
    }
    out
}

/// The worklog list's summary: total seconds over the readable worklogs, and a note when
/// some were derived or unreadable, so a partial total is never taken for the whole.
fn totals(worklogs: &[Value]) -> (i64, Option<String>) {
    let (mut total, mut derived, mut unknown) = (0, 0, 0);
    for w in worklogs {
        match seconds(w) {
            Seconds::Given(s) => total += s,
            Seconds::Derived(s) => {
                total += s;
                derived += 1;
            }
            Seconds::Unknown => unknown += 1,
        }
    }
    let mut notes = Vec::new();
    if derived > 0 {
        notes.push(format!(
            "{derived} worklog(s) came without timeSpentSeconds; their seconds were derived from timeSpent with Jira's default 5-day weeks and 8-hour days (a site with other time tracking settings counts differently)"
        ));
    }
    if unknown > 0 {
        notes.push(format!(
            "{unknown} worklog(s) have no readable duration and are not in total_seconds"
        ));
    }
    (total, (!notes.is_empty()).then(|| notes.join("; ")))
}

impl Logic for GetWorklog {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let key = match issue_in_scope(env, &args.issue_key) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let raw = match worklog::worklogs(client, &auth, &key).await {
            Ok(v) => v,
            Err(e) => return upstream_error(&e),
        };
        let list: Vec<Value> = raw["worklogs"]
            .as_array()
            .map(|a| a.iter().map(shape).collect())
            .unwrap_or_default();
        let Some(items) = raw["worklogs"].as_array() else {
            return ToolOutput::error(format!(
                "Jira's worklog list for {key} came in a shape this server does not know (no `worklogs` array), so the work logged cannot be told."
            ));
        };
        let (total_seconds, note) = totals(items);
        let mut out = json!({
            "issue_key": key,
            "total": raw.get("total").cloned().unwrap_or(json!(list.len())),
            "total_seconds": total_seconds,
            "worklogs": list,
        });
        if let Some(n) = note {
            out["note"] = json!(n);
        }
        json_output(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worklogs_without_seconds_are_derived_from_time_spent_or_flagged() {
        // Jira Server before 6 sends only `timeSpent`.
        let old =
            json!({"id": "1", "timeSpent": "2w 3d", "started": "2014-02-01T10:00:00.000+0100"});
        assert_eq!(seconds(&old), Seconds::Derived((2 * 5 + 3) * 8 * 3600));
        let shaped = shape(&old);
        assert_eq!(shaped["time_spent_seconds"], json!(374_400));
        assert_eq!(shaped["time_spent_seconds_derived"], json!(true));
        assert_eq!(shaped["started"], json!("2014-02-01T09:00:00Z"));
        let new = json!({"id": "2", "timeSpent": "1h", "timeSpentSeconds": 3600});
        assert!(shape(&new).get("time_spent_seconds_derived").is_none());
        let broken = json!({"id": "3", "timeSpent": "a while"});
        assert_eq!(shape(&broken)["time_spent_seconds"], Value::Null);
        let (total, note) = totals(&[old, new, broken]);
        assert_eq!(total, 374_400 + 3600);
        let note = note.expect("a note");
        assert!(
            note.contains("1 worklog(s) came without timeSpentSeconds"),
            "{note}"
        );
        assert!(
            note.contains("1 worklog(s) have no readable duration"),
            "{note}"
        );
        assert_eq!(totals(&[json!({"timeSpentSeconds": 60})]), (60, None));
    }
}
