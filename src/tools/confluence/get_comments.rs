//! `confluence_get_comments`: a page's footer comments as threads, bodies in Markdown.

use std::collections::HashMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::allowed_page;
use crate::atlassian::confluence::social::{self, Comment};
use crate::atlassian::markup::storage_to_markdown;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, time_value, upstream_error, user};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_comments`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
}

struct GetComments(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_comments",
            description: "A page's comments as threads, in Markdown.",
            toolset: "confluence_comments",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetComments(env),
    )
}

/// A comment without its replies.
pub fn comment_json(c: &Comment) -> Value {
    let author = match &c.author {
        Some(Value::String(id)) => json!({"account_id": id}),
        Some(obj) => user(obj),
        None => Value::Null,
    };
    json!({
        "id": c.id,
        "author": author,
        "created": time_value(c.created.as_ref().map(|s| Value::String(s.clone())).as_ref()),
        "body": storage_to_markdown(&c.storage).trim(),
    })
}

/// Nests replies under their parents; replies whose parent is missing stay top level.
pub(super) fn threads(comments: &[Comment]) -> Vec<Value> {
    let ids: std::collections::HashSet<&str> = comments.iter().map(|c| c.id.as_str()).collect();
    let mut replies: HashMap<&str, Vec<&Comment>> = HashMap::new();
    let mut top = Vec::new();
    for c in comments {
        match c.parent_id.as_deref().filter(|p| ids.contains(p)) {
            Some(p) => replies.entry(p).or_default().push(c),
            None => top.push(c),
        }
    }
    fn build(c: &Comment, replies: &HashMap<&str, Vec<&Comment>>, depth: usize) -> Value {
        let mut v = comment_json(c);
        // The depth guard only stops a cyclic answer.
        if depth < 32
            && let Some(rs) = replies.get(c.id.as_str())
        {
            v["replies"] = rs.iter().map(|r| build(r, replies, depth + 1)).collect();
        }
        v
    }
    top.iter().map(|c| build(c, &replies, 0)).collect()
}

impl Logic for GetComments {
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
        match social::comments(client, &auth, &page.id).await {
            Ok(cs) => json_output(
                json!({"page_id": page.id, "total": cs.len(), "comments": threads(&cs)}),
            ),
            Err(e) => upstream_error(&e),
        }
    }
}
