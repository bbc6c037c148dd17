//! `jira_add_worklog`: log time on an issue, optionally with a Markdown comment and new
//! original/remaining estimates.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use super::get_worklog::shape;
use super::people::issue_in_scope;
use crate::atlassian::jira::worklog::{self, NewWorklog};
use crate::atlassian::markup::{markdown_to_adf, markdown_to_wiki};
use crate::config::Deployment;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_add_worklog`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
    /// e.g. 1h 30m or 2d (1d = 8h).
    time_spent: String,
    /// Markdown.
    comment: Option<String>,
    /// e.g. 2024-01-31T09:00:00Z; default now.
    started: Option<String>,
    /// e.g. 2d.
    original_estimate: Option<String>,
    /// e.g. 4h.
    remaining_estimate: Option<String>,
}

struct AddWorklog(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_add_worklog",
            description: "Log time spent on an issue.",
            toolset: "jira_worklog",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        AddWorklog(env),
    )
}

/// Seconds of a Jira duration (`1w 2d 3h 30m`; a bare number is minutes), if valid.
pub fn duration_secs(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Ok(minutes) = s.parse::<u64>() {
        return (minutes > 0).then_some(minutes * 60);
    }
    let mut total = 0.0f64;
    let mut any = false;
    for part in s.split_whitespace() {
        let unit_at = part.find(|c: char| c.is_ascii_alphabetic())?;
        let (num, unit) = part.split_at(unit_at);
        let n: f64 = num.parse().ok().filter(|n: &f64| *n >= 0.0)?;
        let unit = match unit.to_ascii_lowercase().as_str() {
            "w" => 5.0 * 8.0 * 3600.0,
            "d" => 8.0 * 3600.0,
            "h" => 3600.0,
            "m" => 60.0,
            _ => return None,
        };
        total += n * unit;
        any = true;
    }
    let secs = total.round() as u64;
    (any && secs > 0).then_some(secs)
}

/// `started` in Jira's wire format (`2024-01-31T09:00:00.000+0000`): from RFC 3339, a
/// date-time without offset (UTC), or a bare date (midnight UTC).
pub fn jira_time(s: &str) -> Option<String> {
    let s = s.trim();
    let parsed = OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| {
            OffsetDateTime::parse(
                s,
                format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
                ),
            )
        })
        .or_else(|_| {
            time::PrimitiveDateTime::parse(
                s,
                format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
            )
            .map(|t| t.assume_utc())
        })
        .or_else(|_| {
            time::Date::parse(s, format_description!("[year]-[month]-[day]"))
                .map(|d| d.midnight().assume_utc())
        })
        .ok()?;
    format_jira(parsed)
}

fn format_jira(t: OffsetDateTime) -> Option<String> {
    t.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
        ))
        .ok()
}

fn estimate(name: &str, v: Option<&str>) -> Result<Option<String>, ToolOutput> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(e) if duration_secs(e).is_some() => Ok(Some(e.to_owned())),
        Some(e) => Err(ToolOutput::error(format!(
            "{name} {e:?} is not a Jira duration; use e.g. 2d, 4h or 1h 30m."
        ))),
    }
}

impl Logic for AddWorklog {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let key = match issue_in_scope(env, &args.issue_key) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let Some(seconds) = duration_secs(&args.time_spent) else {
            return ToolOutput::error(format!(
                "time_spent {:?} is not a Jira duration; use e.g. 1h 30m, 45m or 2d.",
                args.time_spent
            ));
        };
        let started = match args
            .started
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => format_jira(OffsetDateTime::now_utc()),
            Some(s) => match jira_time(s) {
                Some(t) => Some(t),
                None => {
                    return ToolOutput::error(format!(
                        "started {s:?} is not an ISO date-time; use e.g. 2024-01-31T09:00:00Z."
                    ));
                }
            },
        };
        let Some(started) = started else {
            return ToolOutput::error("The start time cannot be written in Jira's format.");
        };
        let original = match estimate("original_estimate", args.original_estimate.as_deref()) {
            Ok(e) => e,
            Err(e) => return e,
        };
        let remaining = match estimate("remaining_estimate", args.remaining_estimate.as_deref()) {
            Ok(e) => e,
            Err(e) => return e,
        };
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let comment = args
            .comment
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| match client.deployment() {
                Deployment::Cloud => markdown_to_adf(c),
                Deployment::Server => Value::String(markdown_to_wiki(c)),
            });
        let new = NewWorklog {
            seconds,
            started,
            comment,
            remaining_estimate: remaining,
        };
        let created = match worklog::add_worklog(client, &auth, &key, &new).await {
            Ok(v) => v,
            Err(e) => return upstream_error(&e),
        };
        if let Some(o) = &original
            && let Err(e) = worklog::set_original_estimate(client, &auth, &key, o).await
        {
            return ToolOutput::error(format!(
                "The work was logged (worklog {}), but setting the original estimate failed: {}",
                created["id"].as_str().unwrap_or("?"),
                e.agent_message()
            ));
        }
        json_output(json!({
            "issue_key": key,
            "worklog": shape(&created),
            "original_estimate": original,
            "remaining_estimate": new.remaining_estimate,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_start_times_are_read_the_way_agents_write_them() {
        assert_eq!(duration_secs("1h 30m"), Some(5_400));
        assert_eq!(duration_secs("2d"), Some(57_600));
        assert_eq!(duration_secs("30"), Some(1_800));
        assert_eq!(duration_secs("1.5h"), Some(5_400));
        assert_eq!(duration_secs("an hour"), None);
        assert_eq!(duration_secs(""), None);
        assert_eq!(
            jira_time("2024-01-31T10:00:00+01:00").as_deref(),
            Some("2024-01-31T09:00:00.000+0000")
        );
        assert_eq!(
            jira_time("2024-01-31").as_deref(),
            Some("2024-01-31T00:00:00.000+0000")
        );
        assert_eq!(
            jira_time("2024-01-31T09:30:00").as_deref(),
            Some("2024-01-31T09:30:00.000+0000")
        );
        assert_eq!(jira_time("yesterday"), None);
    }
}
