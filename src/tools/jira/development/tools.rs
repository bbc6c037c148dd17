//! `jira_get_issue_development_info` and `jira_get_issues_development_info`.

use std::sync::Arc;

use futures::StreamExt;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{DATA_TYPES, issue_dev_info};
use crate::tools::args::CommaList;
use crate::tools::env::ToolEnv;
use crate::tools::jira::common::tri;
use crate::tools::output::json_output;
use crate::tools::registry::{
    Access, Availability, Content, Product, Tool, ToolContext, ToolOutput,
};
use crate::tools::typed::{Logic, Meta, Typed};

/// Issues per batch call: each costs up to a dozen upstream requests.
const MAX_ISSUES: usize = 50;
/// Issues fetched at once (each also fans out; the client's cap bounds the total).
const PARALLEL_ISSUES: usize = 4;

/// Arguments of `jira_get_issue_development_info`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OneArgs {
    issue_key: String,
    /// Case-sensitive, e.g. stash, GitHub (default: all).
    application_type: Option<String>,
    /// pullrequest, branch or repository (default: all).
    data_type: Option<String>,
}

/// Arguments of `jira_get_issues_development_info`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManyArgs {
    /// e.g. PROJ-1,PROJ-2.
    issue_keys: CommaList,
    /// As for one issue.
    application_type: Option<String>,
    /// As for one issue.
    data_type: Option<String>,
}

struct One(Arc<ToolEnv>);
struct Many(Arc<ToolEnv>);

fn meta(name: &'static str, description: &'static str) -> Meta {
    Meta {
        name,
        description,
        toolset: "jira_development",
        product: Product::Jira,
        access: Access::Read,
        destructive: false,
        idempotent: true,
        availability: Availability::BOTH,
    }
}

pub(super) fn all(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    vec![
        Typed::tool(
            meta(
                "jira_get_issue_development_info",
                "Branches, commits and pull requests linked to an issue.",
            ),
            One(env.clone()),
        ),
        Typed::tool(
            meta(
                "jira_get_issues_development_info",
                "Branches, commits and pull requests linked to several issues.",
            ),
            Many(env.clone()),
        ),
    ]
}

fn check_type(data_type: Option<&str>) -> Result<Option<&str>, ToolOutput> {
    match data_type.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) if !DATA_TYPES.contains(&t) => Err(ToolOutput::error(format!(
            "data_type {t:?} is unknown; use pullrequest, branch or repository."
        ))),
        t => Ok(t),
    }
}

fn first_text(o: &ToolOutput) -> String {
    o.content
        .iter()
        .find_map(|c| match c {
            Content::Text(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

fn app(a: Option<&str>) -> Option<&str> {
    a.map(str::trim).filter(|a| !a.is_empty())
}

impl Logic for One {
    type Args = OneArgs;

    async fn run(&self, ctx: &ToolContext, args: OneArgs) -> ToolOutput {
        let env = &self.0;
        let dt = tri!(check_type(args.data_type.as_deref()));
        let (client, auth) = tri!(env.jira_call(ctx));
        let a = app(args.application_type.as_deref());
        match issue_dev_info(env, client, &auth, &args.issue_key, a, dt).await {
            Ok(v) => json_output(v),
            Err(e) => e,
        }
    }
}

impl Logic for Many {
    type Args = ManyArgs;

    async fn run(&self, ctx: &ToolContext, args: ManyArgs) -> ToolOutput {
        let env = &self.0;
        let dt = tri!(check_type(args.data_type.as_deref()));
        let (client, auth) = tri!(env.jira_call(ctx));
        let keys: Vec<String> = args
            .issue_keys
            .0
            .iter()
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .collect();
        if keys.is_empty() || keys.len() > MAX_ISSUES {
            return ToolOutput::error(format!(
                "issue_keys must name 1 to {MAX_ISSUES} issues, e.g. PROJ-1,PROJ-2."
            ));
        }
        let a = app(args.application_type.as_deref());
        let auth = &auth;
        let results: Vec<Value> = futures::stream::iter(keys)
            .map(|k| async move {
                match issue_dev_info(env, client, auth, &k, a, dt).await {
                    Ok(v) => v,
                    Err(e) => json!({"issue_key": k, "error": first_text(&e)}),
                }
            })
            .buffered(PARALLEL_ISSUES)
            .collect()
            .await;
        json_output(json!({"issues": results}))
    }
}
