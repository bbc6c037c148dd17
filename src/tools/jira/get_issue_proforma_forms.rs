//! `jira_get_issue_proforma_forms`: the forms attached to an issue (Cloud Forms API).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::people::issue_in_scope;
use crate::atlassian::jira::forms;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, time_value, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_issue_proforma_forms`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
}

struct IssueForms(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_issue_proforma_forms",
            description: "Forms on an issue: id (UUID), name, status.",
            toolset: "jira_forms",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::CLOUD,
        },
        IssueForms(env),
    )
}

impl Logic for IssueForms {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let key = match issue_in_scope(env, &args.issue_key) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let raw = match forms::list(client, &auth, &key).await {
            Ok(v) => v,
            Err(e) => return upstream_error(&e),
        };
        // The index is a JSON array; tolerate a `{"forms": [...]}` wrapper too.
        let list = raw
            .as_array()
            .or_else(|| raw["forms"].as_array())
            .cloned()
            .unwrap_or_default();
        let shaped: Vec<Value> = list
            .iter()
            .map(|f| {
                let status = if f["lock"].as_bool() == Some(true) {
                    "locked"
                } else if f["submitted"].as_bool() == Some(true) {
                    "submitted"
                } else {
                    "open"
                };
                json!({"id": f["id"], "name": f["name"], "status": status,
                       "internal": f["internal"], "updated": time_value(f.get("updated"))})
            })
            .collect();
        json_output(json!({"issue_key": key, "total": shaped.len(), "forms": shaped}))
    }
}
