//! `jira_get_issue_watchers`: who watches an issue.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::people::issue_in_scope;
use crate::atlassian::jira::people;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error, user};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_issue_watchers`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
}

struct GetWatchers(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_issue_watchers",
            description: "Users watching an issue.",
            toolset: "jira_watchers",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetWatchers(env),
    )
}

impl Logic for GetWatchers {
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
        let raw = match people::watchers(client, &auth, &key).await {
            Ok(v) => v,
            Err(e) => return upstream_error(&e),
        };
        let watchers: Vec<Value> = raw["watchers"]
            .as_array()
            .map(|a| a.iter().map(user).collect())
            .unwrap_or_default();
        json_output(json!({
            "issue_key": key,
            "watch_count": raw.get("watchCount").cloned().unwrap_or(json!(watchers.len())),
            "is_watching": raw["isWatching"],
            "watchers": watchers,
        }))
    }
}
