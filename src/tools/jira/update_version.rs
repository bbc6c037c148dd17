//! `jira_update_version`: rename, re-date, release or archive a version.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::versions::{VersionFields, date, version};
use crate::atlassian::jira::projects;
use crate::atlassian::{CallAuth, ServiceClient};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_update_version`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    version_id: String,
    name: Option<String>,
    description: Option<String>,
    /// YYYY-MM-DD.
    start_date: Option<String>,
    /// YYYY-MM-DD.
    release_date: Option<String>,
    archived: Option<bool>,
    released: Option<bool>,
}

struct UpdateVersion(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_update_version",
            description: "Change a version; other fields stay.",
            toolset: "jira_projects",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        UpdateVersion(env),
    )
}

/// Whether the version belongs to a project inside the filter. The version's project is
/// only known to Jira, so this reads the filtered projects' versions before any write.
async fn in_filter(
    env: &ToolEnv,
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<bool, ToolOutput> {
    for project in &env.jira_projects {
        let list = projects::versions(client, auth, project)
            .await
            .map_err(|e| upstream_error(&e))?;
        if list.iter().any(|v| v["id"].as_str() == Some(id)) {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Logic for UpdateVersion {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let id = args.version_id.trim().to_owned();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return ToolOutput::error(format!(
                "version_id {id:?} is not an id; take it from jira_get_project_versions."
            ));
        }
        let dates = date("start_date", args.start_date.as_deref())
            .and_then(|s| Ok((s, date("release_date", args.release_date.as_deref())?)));
        let (start_date, release_date) = match dates {
            Ok(d) => d,
            Err(why) => return ToolOutput::error(format!("Not updated: {why}.")),
        };
        let name = args
            .name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        let fields = VersionFields {
            name,
            description: args.description,
            start_date,
            release_date,
            released: args.released,
            archived: args.archived,
        };
        let body = fields.body();
        if body.is_empty() {
            return ToolOutput::error(
                "Nothing to change: pass at least one of name, description, start_date, release_date, released, archived.",
            );
        }
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        if !env.jira_projects.is_empty() {
            match in_filter(env, client, &auth, &id).await {
                Ok(true) => {}
                Ok(false) => {
                    return ToolOutput::error(format!(
                        "Version {id} is not in the projects this server may change ({}).",
                        env.jira_projects.join(", ")
                    ));
                }
                Err(e) => return e,
            }
        }
        match projects::update_version(client, &auth, &id, &Value::Object(body)).await {
            Ok(v) => json_output(json!({"version": version(&v)})),
            Err(e) => upstream_error(&e),
        }
    }
}
