//! `confluence_get_space_permissions`: who may do what in a space (Cloud v2 assignments).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::allowed_space;
use crate::atlassian::confluence::{self, permissions};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_space_permissions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Numeric space id (not the key).
    space_id: String,
    /// Assignments per page.
    #[schemars(range(min = 1, max = 250), extend("default" = 25))]
    limit: Option<u32>,
    /// next_cursor of the previous answer.
    cursor: Option<String>,
}

struct GetSpacePermissions(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_space_permissions",
            title: "Get space permissions",
            description: "Permission assignments of a space: principal, operation and target (Cloud only).",
            toolset: "confluence_permissions",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::CLOUD,
        },
        GetSpacePermissions(env),
    )
}

fn assignment(v: &Value) -> Value {
    json!({"principal_type": v["principal"]["type"], "principal_id": v["principal"]["id"],
        "operation": v["operation"]["key"], "target": v["operation"]["targetType"]})
}

impl Logic for GetSpacePermissions {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let id = args.space_id.trim();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return ToolOutput::error(format!(
                "{id:?} is not a space id; pass the numeric id (a page's space_id), not the key."
            ));
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        if !env.confluence_spaces.is_empty() {
            let key = match confluence::space_key_by_id(client, &auth, id).await {
                Ok(Some(k)) => k,
                Ok(None) => return ToolOutput::error(format!("No space has the id {id}.")),
                Err(e) => return upstream_error(&e),
            };
            if let Err(e) = allowed_space(env, &key) {
                return e;
            }
        }
        let limit = args.limit.unwrap_or(25).clamp(1, 250);
        let cursor = args.cursor.as_deref().filter(|c| !c.is_empty());
        match permissions::space_permissions(client, &auth, id, limit, cursor).await {
            Ok((items, next)) => json_output(json!({
                "space_id": id,
                "permissions": items.iter().map(assignment).collect::<Vec<_>>(),
                "next_cursor": next
            })),
            Err(e) => upstream_error(&e),
        }
    }
}
