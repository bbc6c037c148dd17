//! `confluence_add_comment`: a footer comment on a page, written in Markdown.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::common::allowed_page;
use super::get_comments::comment_json;
use crate::atlassian::confluence::social;
use crate::atlassian::markup::markdown_to_storage;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_add_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
    /// Markdown
    body: String,
}

struct AddComment(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_add_comment",
            description: "Comment on a page.",
            toolset: "confluence_comments",
            product: Product::Confluence,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        AddComment(env),
    )
}

impl Logic for AddComment {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        if args.body.trim().is_empty() {
            return ToolOutput::error("body is empty; write the comment text.");
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let page = match allowed_page(env, client, &auth, &args.page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let storage = markdown_to_storage(&args.body);
        match social::add_comment(client, &auth, &page.id, None, &storage).await {
            Ok(c) => {
                let mut v = comment_json(&c);
                v["page_id"] = page.id.into();
                json_output(v)
            }
            Err(e) => upstream_error(&e),
        }
    }
}
