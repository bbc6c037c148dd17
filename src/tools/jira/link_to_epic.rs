//! `jira_link_to_epic`: put an issue into an epic.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::people::issue_in_scope;
use crate::atlassian::jira::links;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_link_to_epic`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
    epic_key: String,
}

struct LinkToEpic(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_link_to_epic",
            description: "Put an issue into an epic (replacing its epic).",
            toolset: "jira_links",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        LinkToEpic(env),
    )
}

impl Logic for LinkToEpic {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (issue, epic) = match (
            issue_in_scope(env, &args.issue_key),
            issue_in_scope(env, &args.epic_key),
        ) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return e,
        };
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        match links::add_to_epic(client, &auth, &epic, &issue).await {
            Ok(()) => json_output(json!({"issue_key": issue, "epic_key": epic, "linked": true})),
            Err(e) => upstream_error(&e),
        }
    }
}
