//! `confluence_get_space_permissions`: who may do what in a space. Cloud pages through the
//! v2 assignments with Confluence's cursor; Data Center answers every grant at once, so the
//! tool pages through that list itself with an offset cursor, keeping one calling shape.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::allowed_space;
use crate::atlassian::confluence::{self, permissions};
use crate::atlassian::{CallAuth, ServiceClient};
use crate::config::Deployment;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_space_permissions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// A page's space_id; on DC the space key too.
    space_id: String,
    #[schemars(range(min = 1, max = 250), extend("default" = 25))]
    limit: Option<u32>,
    /// next_cursor of the last page.
    cursor: Option<String>,
}

struct GetSpacePermissions(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_space_permissions",
            description: "A space's permissions: principal, operation, target.",
            toolset: "confluence_permissions",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetSpacePermissions(env),
    )
}

fn assignment(v: &Value) -> Value {
    json!({"principal_type": v["principal"]["type"], "principal_id": v["principal"]["id"],
        "operation": v["operation"]["key"], "target": v["operation"]["targetType"]})
}

/// The space key `space_id` names: resolved by id, or (Data Center) taken as a key.
async fn space_key(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<String, ToolOutput> {
    let numeric = id.chars().all(|c| c.is_ascii_digit());
    let found = match (client.deployment(), numeric) {
        (Deployment::Cloud, true) => confluence::space_key_by_id(client, auth, id).await,
        (Deployment::Server, true) => permissions::dc_space_key(client, auth, id).await,
        (Deployment::Server, false) => return Ok(id.to_owned()),
        (Deployment::Cloud, false) => {
            return Err(ToolOutput::error(format!(
                "{id:?} is not a space id; pass the numeric id (a page's space_id), not the key."
            )));
        }
    };
    match found {
        Ok(Some(k)) => Ok(k),
        Ok(None) => Err(ToolOutput::error(format!("No space has the id {id}."))),
        Err(e) => Err(upstream_error(&e)),
    }
}

impl Logic for GetSpacePermissions {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let id = args.space_id.trim();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '~') {
            return ToolOutput::error(format!(
                "{id:?} is not a space id; pass the numeric id (a page's space_id)."
            ));
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let cloud = client.deployment() == Deployment::Cloud;
        let limit = args.limit.unwrap_or(25).clamp(1, 250);
        let cursor = args.cursor.as_deref().filter(|c| !c.is_empty());
        // Cloud needs the key only for the filter; Data Center for its path as well.
        let key = if cloud && env.confluence_spaces.is_empty() {
            None
        } else {
            match space_key(client, &auth, id).await {
                Ok(k) => Some(k),
                Err(e) => return e,
            }
        };
        if let Some(k) = &key
            && let Err(e) = allowed_space(env, k)
        {
            return e;
        }
        let key = match key {
            Some(k) if !cloud => k,
            _ => {
                return match permissions::space_permissions(client, &auth, id, limit, cursor).await
                {
                    Ok((items, next)) => json_output(json!({
                        "space_id": id,
                        "permissions": items.iter().map(assignment).collect::<Vec<_>>(),
                        "next_cursor": next
                    })),
                    Err(e) => upstream_error(&e),
                };
            }
        };
        let start: usize = match cursor.map(str::parse).transpose() {
            Ok(s) => s.unwrap_or(0),
            Err(_) => {
                return ToolOutput::error(
                    "cursor is not one this server gave out; pass next_cursor unchanged or omit it.",
                );
            }
        };
        match permissions::dc_space_permissions(client, &auth, &key).await {
            Ok(all) => {
                let end = (start + limit as usize).min(all.len());
                let page: Vec<Value> = all
                    .get(start.min(end)..end)
                    .unwrap_or_default()
                    .iter()
                    .map(|[kind, who, op, target]| {
                        json!({"principal_type": kind, "principal_id": who,
                            "operation": op, "target": target})
                    })
                    .collect();
                json_output(json!({
                    "space_id": id,
                    "space_key": key,
                    "permissions": page,
                    "next_cursor": (end < all.len()).then(|| end.to_string())
                }))
            }
            Err(e) => upstream_error(&e),
        }
    }
}
