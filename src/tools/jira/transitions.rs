//! `jira_get_transitions` and `jira_transition_issue`: the workflow moves available on an
//! issue, and performing one (by id or by name) with optional fields and a Markdown comment.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{guard_issue, rich_in, tri};
use crate::atlassian::jira::{self, workflow};
use crate::tools::args::JsonObject;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_transitions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetArgs {
    issue_key: String,
}

/// Arguments of `jira_transition_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DoArgs {
    issue_key: String,
    /// Id from jira_get_transitions, or the name.
    transition_id: String,
    /// JSON, e.g. {"resolution": {"name": "Fixed"}}.
    fields: Option<JsonObject>,
    /// Markdown.
    comment: Option<String>,
}

struct GetTransitions(Arc<ToolEnv>);
struct TransitionIssue(Arc<ToolEnv>);

pub(super) fn get_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_transitions",
            description: "Workflow transitions available now on an issue.",
            toolset: "jira_transitions",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetTransitions(env),
    )
}

pub(super) fn do_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_transition_issue",
            description: "Move an issue through its workflow, e.g. to Done.",
            toolset: "jira_transitions",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        TransitionIssue(env),
    )
}

fn shape(t: &Value) -> Value {
    json!({
        "id": t["id"],
        "name": t["name"],
        "to_status": t["to"]["name"],
        "to_category": t["to"]["statusCategory"]["name"],
        "has_screen": t["hasScreen"].as_bool().filter(|b| *b),
    })
}

impl Logic for GetTransitions {
    type Args = GetArgs;

    async fn run(&self, ctx: &ToolContext, args: GetArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let key = tri!(guard_issue(env, &args.issue_key));
        let list = tri!(
            workflow::transitions(client, &auth, &key)
                .await
                .map_err(|e| upstream_error(&e))
        );
        json_output(json!({
            "issue_key": key,
            "transitions": list.iter().map(shape).collect::<Vec<_>>(),
        }))
    }
}

impl Logic for TransitionIssue {
    type Args = DoArgs;

    async fn run(&self, ctx: &ToolContext, args: DoArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let key = tri!(guard_issue(env, &args.issue_key));
        let wanted = args.transition_id.trim();
        if wanted.is_empty() {
            return ToolOutput::error(
                "transition_id is empty; get the ids with jira_get_transitions.",
            );
        }
        // Resolving by listing first lets a name work and turns an unavailable transition
        // into a message that names the ones that are available.
        let list = tri!(
            workflow::transitions(client, &auth, &key)
                .await
                .map_err(|e| upstream_error(&e))
        );
        let Some(chosen) = list.iter().find(|t| {
            t["id"].as_str() == Some(wanted)
                || t["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
        }) else {
            let available: Vec<String> = list
                .iter()
                .map(|t| {
                    format!(
                        "{} ({})",
                        t["id"].as_str().unwrap_or("?"),
                        t["name"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            return ToolOutput::error(format!(
                "Transition {wanted:?} is not available on {key}. Available: {}.",
                if available.is_empty() {
                    "none".to_owned()
                } else {
                    available.join(", ")
                }
            ));
        };
        let id = chosen["id"].as_str().unwrap_or(wanted).to_owned();
        let comment = args
            .comment
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| rich_in(client, c));
        let fields = args.fields.as_ref().map(|f| &f.0);
        tri!(
            workflow::transition(client, &auth, &key, &id, fields, comment)
                .await
                .map_err(|e| upstream_error(&e))
        );
        let opts = jira::GetIssue {
            fields: "status",
            update_history: false,
            ..Default::default()
        };
        let status = match jira::get_issue(client, &auth, &key, &opts).await {
            Ok(v) => v["fields"]["status"]["name"].clone(),
            Err(_) => chosen["to"]["name"].clone(),
        };
        json_output(json!({
            "issue_key": key,
            "transition": {"id": id, "name": chosen["name"]},
            "status": status,
        }))
    }
}
