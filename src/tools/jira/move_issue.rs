//! `jira_move_issue` (Cloud): moves an issue to another project through Jira's bulk move,
//! waits a bounded time for the task, and returns the issue under its new key.

use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::common::{guard_issue, guard_project, read_back, tri};
use crate::atlassian::jira::{self, issue_write};
use crate::tools::env::ToolEnv;
use crate::tools::output::upstream_error;
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// How often and how long to poll the move task before handing its id back.
const POLL_EVERY: Duration = Duration::from_millis(500);
const POLLS: u32 = 20;

/// Arguments of `jira_move_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
    target_project_key: String,
}

struct MoveIssue(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_move_issue",
            description: "Move an issue to another project; it gets a new key.",
            toolset: "jira_issues",
            product: Product::Jira,
            access: Access::Write,
            destructive: true,
            idempotent: false,
            availability: Availability::CLOUD,
        },
        MoveIssue(env),
    )
}

impl Logic for MoveIssue {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let key = tri!(guard_issue(env, &args.issue_key));
        let target = tri!(guard_project(env, &args.target_project_key));
        let opts = jira::GetIssue {
            fields: "issuetype,project",
            update_history: false,
            ..Default::default()
        };
        let raw = tri!(
            jira::get_issue(client, &auth, &key, &opts)
                .await
                .map_err(|e| upstream_error(&e))
        );
        if raw["fields"]["project"]["key"].as_str() == Some(target.as_str()) {
            return ToolOutput::error(format!("{key} is already in project {target}."));
        }
        let id = raw["id"].as_str().unwrap_or_default().to_owned();
        let type_id = raw["fields"]["issuetype"]["id"]
            .as_str()
            .unwrap_or_default();
        let type_name = raw["fields"]["issuetype"]["name"].as_str().unwrap_or("?");
        let types = tri!(
            issue_write::create_issue_types(client, &auth, &target)
                .await
                .map_err(|e| upstream_error(&e))
        );
        if !types.iter().any(|t| t["id"].as_str() == Some(type_id)) {
            return ToolOutput::error(format!(
                "Project {target} has no issue type {type_name}; change the type first with jira_update_issue."
            ));
        }
        let task = tri!(
            issue_write::move_issues(client, &auth, &[key.as_str()], &target, type_id)
                .await
                .map_err(|e| upstream_error(&e))
        );
        for poll in 0..POLLS {
            let progress = tri!(
                issue_write::bulk_task(client, &auth, &task)
                    .await
                    .map_err(|e| upstream_error(&e))
            );
            match progress["status"].as_str() {
                Some("COMPLETE") => {
                    if progress["failedAccessibleIssues"]
                        .as_object()
                        .is_some_and(|f| !f.is_empty())
                    {
                        return ToolOutput::error(format!(
                            "Jira could not move {key}: {}",
                            progress["failedAccessibleIssues"]
                        ));
                    }
                    return read_back(
                        env,
                        client,
                        &auth,
                        &id,
                        "summary,status,issuetype,project,assignee",
                        json!({"moved_from": key}),
                    )
                    .await;
                }
                Some(s @ ("FAILED" | "CANCELLED" | "DEAD")) => {
                    return ToolOutput::error(format!(
                        "Jira's move task {task} ended {s}; {key} was not moved."
                    ));
                }
                _ if poll + 1 < POLLS => tokio::time::sleep(POLL_EVERY).await,
                _ => {}
            }
        }
        ToolOutput::error(format!(
            "The move of {key} to {target} is still running (task {task}); read the issue again in a minute."
        ))
    }
}
