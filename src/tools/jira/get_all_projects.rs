//! `jira_get_all_projects`: the projects this server may use.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::versions::project;
use crate::atlassian::jira::projects;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_all_projects`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[schemars(extend("default" = false))]
    include_archived: Option<bool>,
}

struct GetAllProjects(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_all_projects",
            description: "Projects you can use: key, name, type.",
            toolset: "jira_projects",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetAllProjects(env),
    )
}

/// Keeps the projects inside `JIRA_PROJECTS_FILTER` (all when it is unset).
pub fn visible(env: &ToolEnv, list: Vec<Value>) -> Vec<Value> {
    list.into_iter()
        .filter(|p| {
            env.jira_projects.is_empty()
                || p["key"]
                    .as_str()
                    .is_some_and(|k| env.jira_projects.iter().any(|f| f == k))
        })
        .collect()
}

impl Logic for GetAllProjects {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let list =
            match projects::all_projects(client, &auth, args.include_archived.unwrap_or(false))
                .await
            {
                Ok(l) => l,
                Err(e) => return upstream_error(&e),
            };
        let shown: Vec<Value> = visible(env, list)
            .iter()
            .map(|p| project(p, client.site()))
            .collect();
        json_output(json!({"count": shown.len(), "projects": shown}))
    }
}
