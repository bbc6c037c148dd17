//! `jira_get_issue_dates`: created, updated, due and resolution dates, every status change
//! and the time spent in each status.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::timeline::{format_minutes, minutes_between, totals};
use super::{fetch, rfc3339};
use crate::tools::env::ToolEnv;
use crate::tools::jira::common::tri;
use crate::tools::output::json_output;
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_issue_dates`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
    #[schemars(extend("default" = true))]
    include_status_changes: Option<bool>,
    /// Minutes per status.
    #[schemars(extend("default" = true))]
    include_status_summary: Option<bool>,
}

struct IssueDates(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_issue_dates",
            description: "An issue's dates and time in each status.",
            toolset: "jira_metrics",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        IssueDates(env),
    )
}

impl Logic for IssueDates {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let d = tri!(fetch(&self.0, ctx, &args.issue_key).await);
        let mut out = json!({
            "issue_key": d.key,
            "created": d.created.map(rfc3339),
            "updated": d.updated.map(rfc3339),
            "due_date": d.due,
            "resolution_date": d.resolved.map(rfc3339),
            "current_status": d.status,
        });
        if args.include_status_changes.unwrap_or(true) {
            let changes: Vec<Value> = d
                .spans
                .iter()
                .map(|s| {
                    let mut v = json!({"status": s.status, "entered_at": rfc3339(s.entered),
                                       "transitioned_by": s.by});
                    if let Some(x) = s.exited {
                        let m = minutes_between(s.entered, x);
                        v["exited_at"] = json!(rfc3339(x));
                        v["minutes"] = json!(m);
                        v["formatted"] = json!(format_minutes(m));
                    }
                    v
                })
                .collect();
            out["status_changes"] = Value::Array(changes);
        }
        if args.include_status_summary.unwrap_or(true) {
            let summary: Vec<Value> = totals(&d.spans)
                .into_iter()
                .map(|t| {
                    json!({"status": t.status, "minutes": t.minutes,
                                "formatted": format_minutes(t.minutes), "visits": t.visits})
                })
                .collect();
            out["status_summary"] = Value::Array(summary);
        }
        json_output(out)
    }
}
