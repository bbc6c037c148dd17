//! `confluence_get_page_views`: how often a page was viewed (Cloud analytics).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::common::allowed_page;
use crate::atlassian::confluence::analytics;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_page_views`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
    #[schemars(extend("default" = true))]
    include_title: Option<bool>,
}

struct GetPageViews(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_page_views",
            description: "How often a page was viewed (Cloud).",
            toolset: "confluence_analytics",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::CLOUD,
        },
        GetPageViews(env),
    )
}

impl Logic for GetPageViews {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        // Read first: it checks the space filter and gives the title.
        let page = match allowed_page(env, client, &auth, &args.page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        match analytics::page_views(client, &auth, &page.id).await {
            Ok(views) => {
                let mut out = json!({"page_id": page.id, "views": views});
                if args.include_title.unwrap_or(true) {
                    out["title"] = json!(page.title);
                }
                json_output(out)
            }
            Err(e) => upstream_error(&e),
        }
    }
}
