//! `jira_search`: JQL search, confined to `JIRA_PROJECTS_FILTER`, paged by token (Cloud) or
//! offset (Server/DC).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{DEFAULT_FIELDS, confine};
use crate::atlassian::jira;
use crate::config::Deployment;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::scope::{effective_keys, scope};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Quote values with spaces; dates as "2024-01-31" or -7d.
    jql: String,
    /// Comma list, or *all (default: common ones).
    fields: Option<String>,
    #[schemars(range(min = 1, max = 100), extend("default" = 10))]
    limit: Option<u32>,
    /// Offset (Server/DC).
    #[schemars(range(min = 0), extend("default" = 0))]
    start_at: Option<u64>,
    /// Comma list of project keys.
    projects_filter: Option<String>,
    /// e.g. changelog.
    expand: Option<String>,
    /// next_page_token (Cloud).
    page_token: Option<String>,
    /// Name custom fields.
    #[schemars(extend("default" = false))]
    use_display_names: Option<bool>,
}

struct Search(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_search",
            description: "Search issues with JQL, e.g. project = PROJ AND status = Done ORDER BY updated DESC.",
            toolset: "jira_issues",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        Search(env),
    )
}

impl Logic for Search {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let projects =
            match effective_keys(&env.jira_projects, args.projects_filter.as_deref(), true) {
                Ok(p) => p,
                Err(e) => return ToolOutput::error(format!("projects_filter: {e}.")),
            };
        let jql = match scope("project", &projects, &args.jql) {
            Ok(j) => j,
            Err(e) => return ToolOutput::error(format!("The JQL is malformed: {e}.")),
        };
        let start_at = args.start_at.unwrap_or(0);
        let cloud = client.deployment() == Deployment::Cloud;
        if cloud && start_at > 0 && args.page_token.is_none() {
            return ToolOutput::error(
                "Jira Cloud pages with tokens: pass the next_page_token of the previous result instead of start_at.",
            );
        }
        let display_names = args.use_display_names.unwrap_or(false);
        let mut expand: Vec<&str> = args
            .expand
            .as_deref()
            .map(|e| {
                e.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if display_names {
            expand.push("names");
        }
        let expand = expand.join(",");
        let fields_arg = args.fields.unwrap_or_else(|| DEFAULT_FIELDS.to_owned());
        let mut fields: Vec<String> = fields_arg
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if !fields.iter().any(|f| f == "project" || f == "*all") {
            fields.push("project".into());
        }
        let opts = jira::Search {
            jql: &jql,
            fields,
            max_results: args.limit.unwrap_or(10).clamp(1, 100),
            start_at,
            page_token: args.page_token.as_deref(),
            expand: (!expand.is_empty()).then_some(expand.as_str()),
        };
        let page = match jira::search(client, &auth, &opts).await {
            Ok(p) => p,
            Err(e) => return upstream_error(&e),
        };
        let issues: Vec<Value> = page
            .issues
            .iter()
            .map(|i| {
                confine::shape(
                    &env.jira_projects,
                    i,
                    client.site(),
                    0,
                    if display_names {
                        page.names.as_ref()
                    } else {
                        None
                    },
                )
            })
            .collect();
        json_output(json!({
            "issues": issues,
            "total": page.total,
            "start_at": page.start_at,
            "next_page_token": page.next_page_token,
            "is_last": page.is_last,
        }))
    }
}
