//! `confluence_get_page_children`: the child pages of a page, in their order, with paging.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::allowed_page;
use super::page_url;
use crate::atlassian::confluence::pages;
use crate::atlassian::markup::storage_to_markdown;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_page_children`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    parent_id: String,
    /// Accepted for compatibility; version is always included.
    #[schemars(skip)]
    expand: Option<String>,
    #[schemars(range(min = 1, max = 50), extend("default" = 25))]
    limit: Option<u32>,
    /// Include bodies
    include_content: Option<bool>,
    /// false: storage XHTML
    #[schemars(extend("default" = true))]
    convert_to_markdown: Option<bool>,
    /// Pass next_start to page
    #[schemars(range(min = 0), extend("default" = 0))]
    start: Option<u32>,
    /// Accepted for compatibility; folders are not listed.
    #[schemars(skip)]
    include_folders: Option<bool>,
}

struct GetPageChildren(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_page_children",
            description: "A page's children, in order.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetPageChildren(env),
    )
}

impl Logic for GetPageChildren {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let parent = match allowed_page(env, client, &auth, &args.parent_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let _ = (args.expand, args.include_folders);
        let limit = args.limit.unwrap_or(25).clamp(1, 50) as usize;
        let start = args.start.unwrap_or(0) as usize;
        let with_body = args.include_content.unwrap_or(false);
        let markdown = args.convert_to_markdown.unwrap_or(true);
        let (kids, more) =
            match pages::children(client, &auth, &parent.id, start, limit, with_body).await {
                Ok(r) => r,
                Err(e) => return upstream_error(&e),
            };
        let results: Vec<Value> = kids
            .iter()
            .map(|k| {
                let content = k.storage.as_ref().map(|s| {
                    if markdown {
                        storage_to_markdown(s).trim().to_owned()
                    } else {
                        s.clone()
                    }
                });
                json!({"id": k.id, "title": k.title, "position": k.position, "version": k.version,
                    "url": page_url(client.site(), k.webui.as_deref()), "content": content})
            })
            .collect();
        let next = more.then(|| start + results.len());
        json_output(json!({"parent_id": parent.id, "parent_title": parent.title,
            "children": results, "next_start": next}))
    }
}
