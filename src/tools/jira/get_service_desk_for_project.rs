//! `jira_get_service_desk_for_project`: the Service Management desk of a project.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::people::project_in_scope;
use crate::atlassian::jira::servicedesk;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Pages of 50 desks looked through before giving up (bounds the upstream work).
const MAX_PAGES: u64 = 20;

/// Arguments of `jira_get_service_desk_for_project`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    project_key: String,
}

struct DeskForProject(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_service_desk_for_project",
            description: "A project's service desk and its id.",
            toolset: "jira_service_desk",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        DeskForProject(env),
    )
}

impl Logic for DeskForProject {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let key = match project_in_scope(env, &args.project_key) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let mut start = 0;
        for _ in 0..MAX_PAGES {
            let page = match servicedesk::service_desks(client, &auth, start, 50).await {
                Ok(p) => p,
                Err(e) => return upstream_error(&e),
            };
            let desks = page["values"].as_array().cloned().unwrap_or_default();
            if let Some(d) = desks.iter().find(|d| {
                d["projectKey"]
                    .as_str()
                    .is_some_and(|k| k.eq_ignore_ascii_case(&key))
            }) {
                return json_output(json!({
                    "project_key": key,
                    "service_desk": {
                        "id": d["id"], "project_id": d["projectId"], "project_name": d["projectName"],
                        "portal_url": format!("{}/servicedesk/customer/portal/{}", client.site(), d["id"].as_str().unwrap_or_default()),
                    },
                }));
            }
            if page["isLastPage"].as_bool().unwrap_or(true) || desks.is_empty() {
                break;
            }
            start += desks.len() as u64;
        }
        json_output(json!({
            "project_key": key,
            "service_desk": Value::Null,
            "message": format!("Project {key} has no service desk (it is not a Service Management project, or this account cannot see it)."),
        }))
    }
}
