//! `jira_get_project_issues`: a project's issues, newest first, paged by offset in both
//! flavours (on Cloud the offset is reached by walking the token pages).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{guard_project, tri};
use super::{DEFAULT_FIELDS, confine};
use crate::atlassian::jira;
use crate::config::Deployment;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Cloud has no offsets: walking more than this many issues to reach one is refused.
const MAX_CLOUD_OFFSET: u64 = 1000;

/// Arguments of `jira_get_project_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    project_key: String,
    #[schemars(range(min = 1, max = 50), extend("default" = 10))]
    limit: Option<u32>,
    #[schemars(range(min = 0), extend("default" = 0))]
    start_at: Option<u64>,
}

struct ProjectIssues(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_project_issues",
            description: "A project's issues, newest first.",
            toolset: "jira_issues",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        ProjectIssues(env),
    )
}

impl Logic for ProjectIssues {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let project = tri!(guard_project(env, &args.project_key));
        let limit = args.limit.unwrap_or(10).clamp(1, 50);
        let start_at = args.start_at.unwrap_or(0);
        let jql = format!("project = \"{project}\" ORDER BY created DESC");
        let fields: Vec<String> = DEFAULT_FIELDS.split(',').map(str::to_owned).collect();
        let cloud = client.deployment() == Deployment::Cloud;
        if cloud && start_at > MAX_CLOUD_OFFSET {
            return ToolOutput::error(format!(
                "start_at above {MAX_CLOUD_OFFSET} is not supported on Jira Cloud; narrow the query with jira_search instead."
            ));
        }
        let mut issues: Vec<Value> = Vec::new();
        let mut skipped = 0u64;
        let mut token: Option<String> = None;
        let mut total = None;
        let mut is_last;
        loop {
            // On Cloud, pages before the offset are fetched whole and dropped.
            let want = if cloud && skipped < start_at {
                u32::try_from((start_at - skipped).min(100)).unwrap_or(100)
            } else {
                limit - u32::try_from(issues.len()).unwrap_or(limit)
            };
            let opts = jira::Search {
                jql: &jql,
                fields: fields.clone(),
                max_results: want,
                start_at: if cloud { 0 } else { start_at },
                page_token: token.as_deref(),
                expand: None,
            };
            let page = tri!(
                jira::search(client, &auth, &opts)
                    .await
                    .map_err(|e| upstream_error(&e))
            );
            total = page.total.or(total);
            is_last = page.is_last;
            if cloud && skipped < start_at {
                skipped += page.issues.len() as u64;
            } else {
                issues.extend(page.issues);
            }
            token = page.next_page_token;
            if !cloud || is_last || token.is_none() || issues.len() >= limit as usize {
                break;
            }
        }
        let shaped: Vec<Value> = issues
            .iter()
            .map(|i| confine::shape(&env.jira_projects, i, client.site(), 0, None))
            .collect();
        json_output(json!({
            "project_key": project,
            "start_at": start_at,
            "total": total,
            "is_last": is_last,
            "issues": shaped,
        }))
    }
}
