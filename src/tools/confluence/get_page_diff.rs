//! `confluence_get_page_diff`: a unified diff of the Markdown of two versions of a page.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::common::allowed_page;
use super::diff::unified;
use crate::atlassian::confluence::pages;
use crate::atlassian::markup::storage_to_markdown;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_page_diff`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
    #[schemars(range(min = 1))]
    from_version: u64,
    #[schemars(range(min = 1))]
    to_version: u64,
}

struct GetPageDiff(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_page_diff",
            description: "Unified diff of a page's Markdown between two versions.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetPageDiff(env),
    )
}

impl Logic for GetPageDiff {
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
        for v in [args.from_version, args.to_version] {
            if v == 0 || v > latest {
                return ToolOutput::error(format!(
                    "Page {} has versions 1 to {latest}; version {v} does not exist.",
                    current.id
                ));
            }
        }
        let mut texts = Vec::new();
        for v in [args.from_version, args.to_version] {
            let storage = if v == latest {
                current.storage.clone()
            } else {
                match pages::page_at_version(client, &auth, &current.id, v).await {
                    Ok(p) => p.storage,
                    Err(e) => return upstream_error(&e),
                }
            };
            texts.push(storage_to_markdown(&storage));
        }
        let diff = unified(
            &texts[0],
            &texts[1],
            &format!("version {}", args.from_version),
            &format!("version {}", args.to_version),
            3,
        );
        json_output(json!({
            "id": current.id,
            "title": current.title,
            "from_version": args.from_version,
            "to_version": args.to_version,
            "identical": diff.is_empty(),
            "diff": diff,
        }))
    }
}
