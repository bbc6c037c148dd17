//! `jira_create_issue_link`: link two issues with a named link type.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::people::issue_in_scope;
use crate::atlassian::jira::links;
use crate::atlassian::markup::{markdown_to_adf, markdown_to_wiki};
use crate::config::Deployment;
use crate::tools::args::Visibility;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_create_issue_link`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// e.g. Blocks.
    link_type: String,
    /// From issue, e.g. PROJ-1.
    inward_issue_key: String,
    /// To issue, e.g. PROJ-2.
    outward_issue_key: String,
    /// Markdown.
    comment: Option<String>,
    /// group:NAME or role:NAME.
    comment_visibility: Option<String>,
}

struct CreateIssueLink(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_create_issue_link",
            description: "Link two issues; for Blocks, inward_issue_key blocks outward_issue_key.",
            toolset: "jira_links",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        CreateIssueLink(env),
    )
}

impl Logic for CreateIssueLink {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (inward, outward) = match (
            issue_in_scope(env, &args.inward_issue_key),
            issue_in_scope(env, &args.outward_issue_key),
        ) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return e,
        };
        let visibility = match args.comment_visibility.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => match Visibility::parse(v) {
                Some(v) => Some(Value::Object(v.0)),
                None => {
                    return ToolOutput::error(format!(
                        "comment_visibility {v:?} is not understood; use group:NAME or role:NAME."
                    ));
                }
            },
        };
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let types = match links::link_types(client, &auth).await {
            Ok(t) => t,
            Err(e) => return upstream_error(&e),
        };
        let wanted = args.link_type.trim();
        let field_is = |t: &Value, f: &str| {
            t[f].as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
        };
        // An inward description ("is blocked by") names the type read backwards: swap.
        let (kind, from, to) = if let Some(t) = types
            .iter()
            .find(|t| field_is(t, "name") || field_is(t, "outward"))
        {
            (t, inward, outward)
        } else if let Some(t) = types.iter().find(|t| field_is(t, "inward")) {
            (t, outward, inward)
        } else {
            let names: Vec<&str> = types.iter().filter_map(|t| t["name"].as_str()).collect();
            return ToolOutput::error(format!(
                "There is no link type {wanted:?}; use one of: {}.",
                names.join(", ")
            ));
        };
        let name = kind["name"].as_str().unwrap_or(wanted).to_owned();
        let comment = args
            .comment
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| {
                let body = match client.deployment() {
                    Deployment::Cloud => markdown_to_adf(c),
                    Deployment::Server => Value::String(markdown_to_wiki(c)),
                };
                let mut comment = json!({"body": body});
                if let Some(v) = &visibility {
                    comment["visibility"] = v.clone();
                }
                comment
            });
        if let Err(e) = links::create_link(client, &auth, &name, &from, &to, comment).await {
            return upstream_error(&e);
        }
        let verb = kind["outward"].as_str().unwrap_or("relates to");
        json_output(json!({
            "created": true,
            "link_type": name,
            "link": format!("{from} {verb} {to}"),
        }))
    }
}
