//! `jira_get_queue_issues`: the issues in one service desk queue.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::confine;
use super::service_desk::{desk_in_scope, page_info, required, values, with_page};
use crate::atlassian::ErrorKind;
use crate::atlassian::jira::servicedesk;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_queue_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    service_desk_id: String,
    /// From jira_get_service_desk_queues.
    queue_id: String,
    #[schemars(extend("default" = 0), range(min = 0))]
    start_at: Option<u64>,
    /// At most 50.
    #[schemars(extend("default" = 50), range(min = 1))]
    limit: Option<u64>,
}

struct QueueIssues(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_queue_issues",
            description: "Issues in a service desk queue.",
            toolset: "jira_service_desk",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        QueueIssues(env),
    )
}

impl Logic for QueueIssues {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let queue_id = match required("queue_id", &args.queue_id) {
            Ok(q) => q,
            Err(e) => return e,
        };
        let (id, _) = match desk_in_scope(env, client, &auth, &args.service_desk_id).await {
            Ok(d) => d,
            Err(e) => return e,
        };
        let queue = match servicedesk::queue(client, &auth, &id, &queue_id).await {
            Ok(q) => q,
            Err(e) if e.kind == ErrorKind::NotFound => {
                return ToolOutput::error(format!(
                    "Queue {queue_id} does not exist in service desk {id}. List them with jira_get_service_desk_queues."
                ));
            }
            Err(e) => return upstream_error(&e),
        };
        let start = args.start_at.unwrap_or(0);
        let limit = args.limit.unwrap_or(50).max(1);
        let page =
            match servicedesk::queue_issues(client, &auth, &id, &queue_id, start, limit).await {
                Ok(p) => p,
                Err(e) => return upstream_error(&e),
            };
        let issues: Vec<Value> = values(&page)
            .iter()
            .map(|i| confine::shape(&env.jira_projects, i, client.site(), 0, None))
            .collect();
        json_output(with_page(
            json!({
                "service_desk_id": id,
                "queue": {"id": queue["id"], "name": queue["name"], "jql": queue["jql"], "issue_count": queue["issueCount"]},
                "issues": issues,
            }),
            page_info(&page, start),
        ))
    }
}
