//! `confluence_add_label`: add one label to a page.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::common::allowed_page;
use crate::atlassian::confluence::social;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_add_label`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
    /// No spaces, e.g. release-notes
    name: String,
}

struct AddLabel(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_add_label",
            description: "Label a page.",
            toolset: "confluence_labels",
            product: Product::Confluence,
            access: Access::Write,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        AddLabel(env),
    )
}

impl Logic for AddLabel {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let name = args.name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return ToolOutput::error(format!(
                "Label {name:?} is not valid: labels cannot be empty or contain spaces (use - or _)."
            ));
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let page = match allowed_page(env, client, &auth, &args.page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        match social::add_label(client, &auth, &page.id, name).await {
            Ok(labels) => json_output(json!({"page_id": page.id, "labels": labels})),
            Err(e) => upstream_error(&e),
        }
    }
}
