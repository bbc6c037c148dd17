//! Toolset `jira_metrics`: `jira_get_issue_dates` (dates and the status timeline from the
//! whole changelog) and `jira_get_issue_sla` (SLA metrics per `JIRA_SLA_*`).

mod issue_dates;
mod issue_sla;
pub mod sla;
pub mod timeline;

use std::sync::Arc;

use serde_json::Value;

use super::common::guard_issue;
use crate::atlassian::jira::history;
use crate::tools::env::ToolEnv;
use crate::tools::output::{timestamp, upstream_error};
use crate::tools::registry::{Tool, ToolContext, ToolOutput};
use timeline::{Change, Span};

/// The toolset's tools.
pub(super) fn tools(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    vec![issue_dates::tool(env.clone()), issue_sla::tool(env.clone())]
}

/// What both tools read from Jira.
struct Dated {
    key: String,
    created: Option<i64>,
    updated: Option<i64>,
    resolved: Option<i64>,
    due: Option<String>,
    status: Option<String>,
    status_category: Option<String>,
    spans: Vec<Span>,
}

/// Unix seconds of a Jira or RFC 3339 timestamp.
fn seconds(v: &Value) -> Option<i64> {
    // `time_value` also reads epoch numbers and `{iso8601}` objects.
    let normalised = crate::tools::output::time_value(Some(v));
    normalised
        .as_str()
        .map(timestamp)?
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
}

/// RFC 3339 UTC of unix seconds.
fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The issue's dates and status timeline (the issue is checked against the filter first,
/// and again once its project is known).
async fn fetch(env: &ToolEnv, ctx: &ToolContext, issue_key: &str) -> Result<Dated, ToolOutput> {
    let (client, auth) = env.jira_call(ctx)?;
    let key = guard_issue(env, issue_key)?;
    let fields = "status,created,updated,duedate,resolutiondate,project";
    let issue = history::issue_with_history(client, &auth, &key, fields)
        .await
        .map_err(|e| upstream_error(&e))?;
    let f = &issue["fields"];
    if let Some(p) = f["project"]["key"].as_str()
        && !env.jira_projects.is_empty()
        && !env.jira_projects.iter().any(|x| x == p)
    {
        return Err(ToolOutput::error(format!(
            "{key} is outside the projects this server may use ({}). Use one of them.",
            env.jira_projects.join(", ")
        )));
    }
    let histories = history::all_histories(client, &auth, &issue)
        .await
        .map_err(|e| upstream_error(&e))?;
    let mut changes = Vec::new();
    for h in &histories {
        let Some(at) = seconds(&h["created"]) else {
            continue;
        };
        let by = h["author"]["displayName"].as_str().map(str::to_owned);
        for item in h["items"].as_array().into_iter().flatten() {
            if item["field"]
                .as_str()
                .is_some_and(|f| f.eq_ignore_ascii_case("status"))
            {
                changes.push(Change {
                    at,
                    from: item["fromString"].as_str().map(str::to_owned),
                    to: item["toString"].as_str().map(str::to_owned),
                    by: by.clone(),
                });
            }
        }
    }
    let created = seconds(&f["created"]);
    Ok(Dated {
        key: issue["key"].as_str().unwrap_or(&key).to_owned(),
        created,
        updated: seconds(&f["updated"]),
        resolved: seconds(&f["resolutiondate"]),
        due: f["duedate"].as_str().map(str::to_owned),
        status: f["status"]["name"].as_str().map(str::to_owned),
        status_category: f["status"]["statusCategory"]["key"]
            .as_str()
            .map(str::to_owned),
        spans: timeline::spans(created, f["status"]["name"].as_str(), changes),
    })
}
