//! `jira_get_worklog`: the work logged on an issue.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

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

/// One worklog as agents get it.
pub fn shape(w: &Value) -> Value {
    json!({
        "id": w["id"],
        "author": user(&w["author"]),
        "time_spent": w["timeSpent"],
        "time_spent_seconds": w["timeSpentSeconds"],
        "started": time_value(w.get("started")),
        "comment": rich_text(&w["comment"]),
    })
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
        let total_seconds: i64 = raw["worklogs"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|w| w["timeSpentSeconds"].as_i64())
                    .sum()
            })
            .unwrap_or(0);
        json_output(json!({
            "issue_key": key,
            "total": raw.get("total").cloned().unwrap_or(json!(list.len())),
            "total_seconds": total_seconds,
            "worklogs": list,
        }))
    }
}
