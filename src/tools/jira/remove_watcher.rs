//! `jira_remove_watcher`: stop a user watching an issue.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::people::{api_id, find_user, issue_in_scope};
use crate::atlassian::jira::people;
use crate::config::Deployment;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_remove_watcher`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
    username: Option<String>,
    account_id: Option<String>,
}

struct RemoveWatcher(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_remove_watcher",
            description: "Stop a user watching an issue: account_id (Cloud) or username (DC).",
            toolset: "jira_watchers",
            product: Product::Jira,
            access: Access::Write,
            destructive: true,
            idempotent: true,
            availability: Availability::BOTH,
        },
        RemoveWatcher(env),
    )
}

impl Logic for RemoveWatcher {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let key = match issue_in_scope(env, &args.issue_key) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let non_empty = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let (native, other) = match client.deployment() {
            Deployment::Cloud => (non_empty(&args.account_id), non_empty(&args.username)),
            Deployment::Server => (non_empty(&args.username), non_empty(&args.account_id)),
        };
        let id = match (native, other) {
            (Some(id), _) => id,
            // The other flavour's identifier: look the person up to get the native one.
            (None, Some(ident)) => match find_user(client, &auth, &ident).await {
                Ok(u) => match api_id(client, &u) {
                    Some(id) => id,
                    None => {
                        return ToolOutput::error(
                            "Jira returned this user without an id this API accepts.",
                        );
                    }
                },
                Err(e) => return e,
            },
            (None, None) => {
                return ToolOutput::error(
                    "Say whom to remove: account_id on Cloud, username on Server/Data Center.",
                );
            }
        };
        if let Err(e) = people::remove_watcher(client, &auth, &key, &id).await {
            return upstream_error(&e);
        }
        json_output(json!({"issue_key": key, "removed": true, "user": id}))
    }
}
