//! `jira_search_assignable_users`: people who may be assigned issues in a project or on one
//! issue, found by the start of their name or e-mail.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::people::{issue_in_scope, project_in_scope};
use crate::atlassian::jira::people;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_search_assignable_users`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Start of a name or e-mail.
    query: String,
    /// This or issue_key is required.
    project_key: Option<String>,
    issue_key: Option<String>,
    #[schemars(range(min = 1, max = 1000), extend("default" = 20))]
    limit: Option<u32>,
}

struct SearchAssignable(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_search_assignable_users",
            description: "Users assignable in a project or on an issue.",
            toolset: "jira_users",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        SearchAssignable(env),
    )
}

impl Logic for SearchAssignable {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let project = match args.project_key.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => match project_in_scope(env, p) {
                Ok(p) => Some(p),
                Err(e) => return e,
            },
            _ => None,
        };
        let issue = match args.issue_key.as_deref().map(str::trim) {
            Some(i) if !i.is_empty() => match issue_in_scope(env, i) {
                Ok(i) => Some(i),
                Err(e) => return e,
            },
            _ => None,
        };
        if project.is_none() && issue.is_none() {
            return ToolOutput::error(
                "Pass project_key (e.g. PROJ) or issue_key (e.g. PROJ-123) to say where the user would be assigned.",
            );
        }
        let limit = args.limit.unwrap_or(20).clamp(1, 1000);
        let found = match people::assignable_users(
            client,
            &auth,
            args.query.trim(),
            project.as_deref(),
            issue.as_deref(),
            limit,
        )
        .await
        {
            Ok(f) => f,
            Err(e) => return upstream_error(&e),
        };
        let users: Vec<Value> = found
            .iter()
            .take(limit as usize)
            .map(crate::tools::output::user)
            .collect();
        json_output(json!({"count": users.len(), "users": users}))
    }
}
