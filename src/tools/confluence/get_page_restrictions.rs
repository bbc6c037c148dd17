//! `confluence_get_page_restrictions`: who may view and who may edit a page.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::allowed_page;
use crate::atlassian::confluence::restrictions::{self, Subjects};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error, user};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_page_restrictions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
}

struct GetPageRestrictions(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_page_restrictions",
            description: "Who may view and edit a page (empty: anyone).",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetPageRestrictions(env),
    )
}

/// `{users: [...], groups: [...]}` of one operation.
pub fn subjects_json(s: &Subjects) -> Value {
    json!({"users": s.users.iter().map(user).collect::<Vec<_>>(), "groups": s.groups})
}

impl Logic for GetPageRestrictions {
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
        match restrictions::get(client, &auth, &page.id).await {
            Ok(r) => json_output(json!({"page_id": page.id, "read": subjects_json(&r.read),
                "edit": subjects_json(&r.update)})),
            Err(e) => upstream_error(&e),
        }
    }
}
