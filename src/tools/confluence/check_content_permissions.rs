//! `confluence_check_content_permissions`: may a user or group read, update or delete a page
//! (Cloud only).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::common::allowed_page;
use crate::atlassian::confluence::permissions;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_check_content_permissions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    content_id: String,
    user_identifier: String,
    /// read, update or delete.
    operation: String,
    /// user or group.
    #[schemars(extend("default" = "user"))]
    subject_type: Option<String>,
}

struct CheckContentPermissions(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_check_content_permissions",
            description: "Whether a user or group may read, update or delete a page (Cloud).",
            toolset: "confluence_permissions",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::CLOUD,
        },
        CheckContentPermissions(env),
    )
}

impl Logic for CheckContentPermissions {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let operation = args.operation.trim().to_ascii_lowercase();
        if !["read", "update", "delete"].contains(&operation.as_str()) {
            return ToolOutput::error(format!(
                "operation {:?} is not known. Use read, update or delete.",
                args.operation
            ));
        }
        let subject = args
            .subject_type
            .as_deref()
            .unwrap_or("user")
            .trim()
            .to_ascii_lowercase();
        if subject != "user" && subject != "group" {
            return ToolOutput::error("subject_type must be user or group.");
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let page = match allowed_page(env, client, &auth, &args.content_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let who = args.user_identifier.trim();
        match permissions::check_content(client, &auth, &page.id, &subject, who, &operation).await {
            Ok((allowed, reasons)) => json_output(json!({
                "content_id": page.id, "subject_type": subject, "identifier": who,
                "operation": operation, "has_permission": allowed, "reasons": reasons
            })),
            Err(e) => upstream_error(&e),
        }
    }
}
