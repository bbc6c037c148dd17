//! `confluence_get_page_history`: a page as it was at one earlier version.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::allowed_page;
use crate::atlassian::confluence::pages;
use crate::atlassian::markup::storage_to_markdown;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, time_value, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_page_history`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
    #[schemars(range(min = 1))]
    version: u64,
    /// false: storage XHTML
    #[schemars(extend("default" = true))]
    convert_to_markdown: Option<bool>,
}

struct GetPageHistory(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_page_history",
            description: "Get a page as it was at an earlier version.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetPageHistory(env),
    )
}

impl Logic for GetPageHistory {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let current = match allowed_page(env, client, &auth, &args.page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let latest = current.version.unwrap_or(0);
        if args.version == 0 || args.version > latest {
            return ToolOutput::error(format!(
                "Page {} has versions 1 to {latest}; ask for one of them.",
                current.id
            ));
        }
        let old = match pages::page_at_version(client, &auth, &current.id, args.version).await {
            Ok(p) => p,
            Err(e) => return upstream_error(&e),
        };
        let content = if args.convert_to_markdown.unwrap_or(true) {
            storage_to_markdown(&old.storage).trim().to_owned()
        } else {
            old.storage.clone()
        };
        json_output(json!({
            "id": current.id,
            "title": old.title,
            "version": old.version.unwrap_or(args.version),
            "latest_version": latest,
            "when": time_value(old.updated.as_ref().map(|s| Value::String(s.clone())).as_ref()),
            "content": content,
        }))
    }
}
