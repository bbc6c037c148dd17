//! `jira_get_request_types`: what customers can ask a service desk for.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::service_desk::{desk_in_scope, page_info, values, with_page};
use crate::atlassian::jira::servicedesk;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_request_types`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    service_desk_id: String,
    #[schemars(extend("default" = 0), range(min = 0))]
    start_at: Option<u64>,
    #[schemars(extend("default" = 50), range(min = 1, max = 50))]
    limit: Option<u64>,
}

struct RequestTypes(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_request_types",
            description: "A service desk's request types: id, name, issue type.",
            toolset: "jira_service_desk",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        RequestTypes(env),
    )
}

impl Logic for RequestTypes {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let (id, _) = match desk_in_scope(env, client, &auth, &args.service_desk_id).await {
            Ok(d) => d,
            Err(e) => return e,
        };
        let start = args.start_at.unwrap_or(0);
        let limit = args.limit.unwrap_or(50).clamp(1, 50);
        let page = match servicedesk::request_types(client, &auth, &id, start, limit).await {
            Ok(p) => p,
            Err(e) => return upstream_error(&e),
        };
        let types: Vec<Value> = values(&page)
            .iter()
            .map(|t| {
                json!({"id": t["id"], "name": t["name"], "description": t["description"],
                       "issue_type_id": t["issueTypeId"]})
            })
            .collect();
        json_output(with_page(
            json!({"service_desk_id": id, "request_types": types}),
            page_info(&page, start),
        ))
    }
}
