//! `confluence_delete_page`: move a page to the space's trash.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::common::allowed_page;
use crate::atlassian::confluence::pages;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_delete_page`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
}

struct DeletePage(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_delete_page",
            description: "Delete a page (to the space trash).",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Write,
            destructive: true,
            idempotent: true,
            availability: Availability::BOTH,
        },
        DeletePage(env),
    )
}

impl Logic for DeletePage {
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
        match pages::delete_page(client, &auth, &page.id).await {
            Ok(()) => json_output(
                json!({"deleted": true, "id": page.id, "title": page.title, "space_key": page.space_key}),
            ),
            Err(e) => upstream_error(&e),
        }
    }
}
