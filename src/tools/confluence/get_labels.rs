//! `confluence_get_labels`: the labels of a page.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::common::allowed_page;
use crate::atlassian::confluence::social;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_labels`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
}

struct GetLabels(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_labels",
            description: "A page's labels.",
            toolset: "confluence_labels",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetLabels(env),
    )
}

impl Logic for GetLabels {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let page = match allowed_page(env, client, &auth, &args.page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        match social::labels(client, &auth, &page.id).await {
            Ok(labels) => json_output(json!({"page_id": page.id, "labels": labels})),
            Err(e) => upstream_error(&e),
        }
    }
}
