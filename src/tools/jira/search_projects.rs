//! `jira_search_projects`: projects whose key or name contains a text.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::get_all_projects::visible;
use super::versions::project;
use crate::atlassian::jira::projects;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_search_projects`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    query: String,
    #[schemars(range(min = 1, max = 50), extend("default" = 20))]
    max_results: Option<u32>,
    /// Comma list of project ids to search in.
    current_project_ids: Option<String>,
}

struct SearchProjects(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_search_projects",
            description: "Projects whose key or name contains the query.",
            toolset: "jira_projects",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        SearchProjects(env),
    )
}

impl Logic for SearchProjects {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let max = args.max_results.unwrap_or(20).clamp(1, 50);
        let ids: Vec<String> = args
            .current_project_ids
            .iter()
            .flat_map(|s| s.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        // Ask for more than `max` when results are narrowed here afterwards.
        let fetch = if ids.is_empty() && env.jira_projects.is_empty() {
            max
        } else {
            100
        };
        let found = match projects::search_projects(client, &auth, args.query.trim(), fetch).await {
            Ok(l) => l,
            Err(e) => return upstream_error(&e),
        };
        let shown: Vec<Value> = visible(env, found)
            .into_iter()
            .filter(|p| {
                ids.is_empty()
                    || p["id"]
                        .as_str()
                        .is_some_and(|id| ids.iter().any(|x| x == id))
            })
            .take(max as usize)
            .map(|p| project(&p, client.site()))
            .collect();
        json_output(json!({"count": shown.len(), "projects": shown}))
    }
}
