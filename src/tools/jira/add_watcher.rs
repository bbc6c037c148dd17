//! `jira_add_watcher`: make a user watch an issue.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::people::{api_id, find_user, issue_in_scope};
use crate::atlassian::jira::people;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error, user};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_add_watcher`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
    /// Account id, user name, e-mail or display name.
    user_identifier: String,
}

struct AddWatcher(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_add_watcher",
            description: "Make a user watch an issue.",
            toolset: "jira_watchers",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        AddWatcher(env),
    )
}

impl Logic for AddWatcher {
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
        let found = match find_user(client, &auth, &args.user_identifier).await {
            Ok(u) => u,
            Err(e) => return e,
        };
        let Some(id) = api_id(client, &found) else {
            return ToolOutput::error(
                "Jira returned this user without an id this API accepts; pass the account id (Cloud) or user name (Server/DC).",
            );
        };
        if let Err(e) = people::add_watcher(client, &auth, &key, &id).await {
            return upstream_error(&e);
        }
        json_output(json!({"issue_key": key, "added": true, "watcher": user(&found)}))
    }
}
