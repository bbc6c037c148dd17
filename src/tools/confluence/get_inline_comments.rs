//! `confluence_get_inline_comments`: a page's inline comments as threads, each top-level
//! comment with the text it highlights and whether it is resolved.

use std::collections::HashMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::common::allowed_page;
use super::get_comments::threads;
use crate::atlassian::confluence::inline::{InlineComment, inline_comments};
use crate::atlassian::confluence::social::Comment;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_inline_comments`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
}

struct GetInlineComments(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_inline_comments",
            description: "A page's inline comments as threads, each with the highlighted text.",
            toolset: "confluence_comments",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetInlineComments(env),
    )
}

impl Logic for GetInlineComments {
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
        let found = match inline_comments(client, &auth, &page.id).await {
            Ok(f) => f,
            Err(e) => return upstream_error(&e),
        };
        let plain: Vec<Comment> = found.iter().map(|c| c.comment.clone()).collect();
        let by_id: HashMap<&str, &InlineComment> =
            found.iter().map(|c| (c.comment.id.as_str(), c)).collect();
        let mut comments = threads(&plain);
        // Only a thread's first comment carries the highlight and the resolution.
        for t in &mut comments {
            let Some(c) = t["id"].as_str().and_then(|id| by_id.get(id)) else {
                continue;
            };
            if let Some(s) = &c.selection {
                t["selection"] = json!(s);
            }
            if let Some(r) = &c.resolution {
                t["resolution"] = json!(r);
            }
        }
        json_output(json!({"page_id": page.id, "total": found.len(), "comments": comments}))
    }
}
