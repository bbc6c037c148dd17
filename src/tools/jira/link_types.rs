//! `jira_get_link_types`: the issue link types and their directions.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::atlassian::jira::links;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_link_types`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Name contains this.
    name_filter: Option<String>,
}

struct GetLinkTypes(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_link_types",
            description: "Link types, e.g. Blocks: outward 'blocks', inward 'is blocked by'.",
            toolset: "jira_links",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetLinkTypes(env),
    )
}

/// One link type as agents get it.
pub fn link_type(t: &Value) -> Value {
    json!({"id": t["id"], "name": t["name"], "inward": t["inward"], "outward": t["outward"]})
}

impl Logic for GetLinkTypes {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let (client, auth) = match self.0.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let all = match links::link_types(client, &auth).await {
            Ok(l) => l,
            Err(e) => return upstream_error(&e),
        };
        let needle = args
            .name_filter
            .map(|s| s.trim().to_lowercase())
            .unwrap_or_default();
        let shown: Vec<Value> = all
            .iter()
            .filter(|t| {
                t["name"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains(&needle))
            })
            .map(link_type)
            .collect();
        json_output(json!({"count": shown.len(), "link_types": shown}))
    }
}
