//! `confluence_reply_to_comment`: a threaded reply to a footer comment.

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

/// Arguments of `confluence_reply_to_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// From confluence_get_comments
    comment_id: String,
    /// Markdown
    body: String,
}

struct ReplyToComment(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_reply_to_comment",
            description: "Reply in a comment's thread.",
            toolset: "confluence_comments",
            product: Product::Confluence,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        ReplyToComment(env),
    )
}

impl Logic for ReplyToComment {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        if args.body.trim().is_empty() {
            return ToolOutput::error("body is empty; write the reply text.");
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let id = args.comment_id.trim();
        let parent = match social::comment(client, &auth, id).await {
            Ok(c) => c,
            Err(e) => return upstream_error(&e),
        };
        let Some(page_id) = parent.page_id.clone() else {
            return ToolOutput::error(format!(
                "Comment {id} is not on a page; only page comments can be answered here."
            ));
        };
        // The page decides the space, and so whether the filter allows the reply.
        let page = match allowed_page(env, client, &auth, &page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let storage = markdown_to_storage(&args.body);
        match social::add_comment(client, &auth, &page.id, Some(&parent.id), &storage).await {
            Ok(c) => {
                let mut v = comment_json(&c);
                v["page_id"] = page.id.into();
                v["parent_id"] = parent.id.into();
                json_output(v)
            }
            Err(e) => upstream_error(&e),
        }
    }
}
