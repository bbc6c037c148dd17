//! `jira_get_issue_sla`: SLA metrics from the changelog, in calendar or working time per the
//! `JIRA_SLA_*` settings (the caller may pick the metrics and the time basis).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::sla::{Inputs, compute};
use super::{fetch, rfc3339};
use crate::config::sla::{SLA_METRICS, parse_metrics};
use crate::tools::env::ToolEnv;
use crate::tools::jira::common::tri;
use crate::tools::output::json_output;
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_issue_sla`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
    /// Comma list: cycle_time, lead_time, time_in_status, due_date_compliance, resolution_time, first_response_time.
    metrics: Option<String>,
    working_hours_only: Option<bool>,
    #[schemars(extend("default" = false))]
    include_raw_dates: Option<bool>,
}

struct IssueSla(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_issue_sla",
            description: "An issue's SLA metrics (minutes) from its changelog.",
            toolset: "jira_metrics",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        IssueSla(env),
    )
}

/// Status names the reference server treats as in-progress work when it cannot look up the
/// status category.
const IN_PROGRESS_NAMES: [&str; 3] = ["in progress", "in development", "working"];

impl Logic for IssueSla {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let cfg = &self.0.sla;
        let metrics = match args.metrics.as_deref().map(parse_metrics) {
            None => cfg.metrics.clone(),
            Some(Ok(m)) if !m.is_empty() => m,
            Some(Ok(_)) => cfg.metrics.clone(),
            Some(Err(bad)) => {
                return ToolOutput::error(format!(
                    "metrics has {bad:?}; choose from {}.",
                    SLA_METRICS.join(", ")
                ));
            }
        };
        let working = args.working_hours_only.unwrap_or(cfg.working_hours_only);
        let d = tri!(fetch(&self.0, ctx, &args.issue_key).await);
        let mut in_progress: Vec<String> =
            IN_PROGRESS_NAMES.iter().map(|s| (*s).to_owned()).collect();
        // The current status's category is known: trust it over the name list.
        if let (Some(s), Some("indeterminate")) = (&d.status, d.status_category.as_deref()) {
            in_progress.push(s.to_lowercase());
        }
        let due = d
            .due
            .as_deref()
            .and_then(|s| s.get(..10))
            .and_then(|s| s.parse::<jiff::civil::Date>().ok());
        let inputs = Inputs {
            created: d.created,
            resolved: d.resolved,
            due,
            spans: d.spans.clone(),
            in_progress,
            now: jiff::Timestamp::now().as_second(),
        };
        let mut out = json!({
            "issue_key": d.key,
            "metrics": compute(&metrics, &inputs, working, cfg),
            "working_hours_only": working,
        });
        if working {
            let hhmm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
            out["working_hours"] = json!({
                "start": hhmm(cfg.start_minute), "end": hhmm(cfg.end_minute),
                "days": cfg.working_days, "timezone": cfg.timezone_name,
            });
        }
        if args.include_raw_dates.unwrap_or(false) {
            let changes: Vec<Value> = d
                .spans
                .iter()
                .map(|s| {
                    json!({"status": s.status, "entered_at": rfc3339(s.entered),
                                "exited_at": s.exited.map(rfc3339)})
                })
                .collect();
            out["raw_dates"] = json!({
                "created": d.created.map(rfc3339), "updated": d.updated.map(rfc3339),
                "due_date": d.due, "resolution_date": d.resolved.map(rfc3339),
                "current_status": d.status, "status_changes": changes,
            });
        }
        json_output(out)
    }
}
