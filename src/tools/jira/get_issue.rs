//! `jira_get_issue`: one issue with its fields, newest comments and optional extras.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{DEFAULT_FIELDS, confine, project_of, shape};
use crate::atlassian::jira;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
    /// Comma list, or *all (default: common ones).
    fields: Option<String>,
    /// e.g. changelog.
    expand: Option<String>,
    #[schemars(range(min = 0, max = 100), extend("default" = 10))]
    comment_limit: Option<u32>,
    /// Comma list of issue property keys.
    properties: Option<String>,
    #[schemars(extend("default" = true))]
    update_history: Option<bool>,
    /// Extras: changelog, transitions.
    include: Option<String>,
    /// Name custom fields.
    #[schemars(extend("default" = false))]
    use_display_names: Option<bool>,
}

struct GetIssue(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_issue",
            description: "An issue with its Markdown description and newest comments.",
            toolset: "jira_issues",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetIssue(env),
    )
}

impl Logic for GetIssue {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let key = args.issue_key.trim();
        if key.is_empty() {
            return ToolOutput::error("issue_key is empty; pass a key such as PROJ-123.");
        }
        if !env.jira_projects.is_empty()
            && let Some(p) = project_of(key)
            && !env.jira_projects.contains(&p)
        {
            return outside_filter(key, &env.jira_projects);
        }
        let comment_limit = args.comment_limit.unwrap_or(10).min(100) as usize;
        let mut fields = args.fields.unwrap_or_else(|| DEFAULT_FIELDS.to_owned());
        if comment_limit > 0
            && !fields
                .split(',')
                .any(|f| matches!(f.trim(), "comment" | "*all"))
        {
            fields.push_str(",comment");
        }
        if !fields
            .split(',')
            .any(|f| matches!(f.trim(), "project" | "*all"))
        {
            fields.push_str(",project");
        }
        let mut expand: Vec<String> = args
            .expand
            .iter()
            .flat_map(|e| e.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        for extra in args
            .include
            .iter()
            .flat_map(|i| i.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match extra {
                "changelog" | "transitions" => expand.push(extra.to_owned()),
                other => {
                    return ToolOutput::error(format!(
                        "include has {other:?}; the extras are changelog and transitions."
                    ));
                }
            }
        }
        let display_names = args.use_display_names.unwrap_or(false);
        if display_names {
            expand.push("names".into());
        }
        let expand = expand.join(",");
        let opts = jira::GetIssue {
            fields: &fields,
            expand: (!expand.is_empty()).then_some(expand.as_str()),
            properties: args.properties.as_deref(),
            update_history: args.update_history.unwrap_or(true),
        };
        let mut raw = match jira::get_issue(client, &auth, key, &opts).await {
            Ok(v) => v,
            Err(e) => return upstream_error(&e),
        };
        // A numeric id or a moved issue reveals its project only now.
        if let Some(project) = raw["fields"]["project"]["key"].as_str()
            && !env.jira_projects.is_empty()
            && !env.jira_projects.iter().any(|p| p == project)
        {
            return outside_filter(key, &env.jira_projects);
        }
        // Its parent, links, sub-tasks and link history may point outside the filter.
        confine::issue(&env.jira_projects, &mut raw);
        let names = if display_names {
            raw["names"].as_object()
        } else {
            None
        };
        let mut out = shape::issue(&raw, client.site(), comment_limit, names);
        if let Some(p) = raw
            .get("properties")
            .filter(|p| p.as_object().is_some_and(|o| !o.is_empty()))
        {
            out["properties"] = p.clone();
        }
        json_output(out)
    }
}

fn outside_filter(key: &str, projects: &[String]) -> ToolOutput {
    ToolOutput::error(format!(
        "{key} is outside the projects this server may read ({}). Ask for an issue in one of them.",
        projects.join(", ")
    ))
}
