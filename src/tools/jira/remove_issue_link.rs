//! `jira_remove_issue_link`: delete a link between two issues.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::project_of;
use crate::atlassian::jira::links;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_remove_issue_link`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// From jira_get_issue links.
    link_id: String,
}

struct RemoveIssueLink(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_remove_issue_link",
            description: "Delete a link between two issues.",
            toolset: "jira_links",
            product: Product::Jira,
            access: Access::Write,
            destructive: true,
            idempotent: true,
            availability: Availability::BOTH,
        },
        RemoveIssueLink(env),
    )
}

impl Logic for RemoveIssueLink {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let id = args.link_id.trim().to_owned();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return ToolOutput::error(format!(
                "link_id {id:?} is not a link id; take the numeric id from the issue's links."
            ));
        }
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        // The linked issues are only known to Jira: read the link before deleting it.
        let link = match links::get_link(client, &auth, &id).await {
            Ok(l) => l,
            Err(e) => return upstream_error(&e),
        };
        let keys: Vec<String> = ["inwardIssue", "outwardIssue"]
            .iter()
            .filter_map(|side| link[*side]["key"].as_str().map(str::to_owned))
            .collect();
        if !env.jira_projects.is_empty()
            && (keys.len() < 2
                || keys
                    .iter()
                    .any(|k| project_of(k).is_none_or(|p| !env.jira_projects.contains(&p))))
        {
            return ToolOutput::error(format!(
                "Link {id} touches an issue outside the projects this server may change ({}).",
                env.jira_projects.join(", ")
            ));
        }
        if let Err(e) = links::delete_link(client, &auth, &id).await {
            return upstream_error(&e);
        }
        json_output(json!({
            "removed": true,
            "link_id": id,
            "link_type": link["type"]["name"],
            "issues": keys,
        }))
    }
}
