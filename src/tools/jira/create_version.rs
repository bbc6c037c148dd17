//! `jira_create_version` and `jira_batch_create_versions`: new versions (releases) in a
//! project.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::people::project_in_scope;
use super::versions::{VersionFields, date, version};
use crate::atlassian::jira::projects;
use crate::atlassian::{CallAuth, ServiceClient};
use crate::tools::env::ToolEnv;
use crate::tools::output::json_output;
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// At most this many versions per batch call.
const MAX_BATCH: usize = 50;

/// Arguments of `jira_create_version`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    project_key: String,
    /// e.g. 2.1.0.
    name: String,
    /// YYYY-MM-DD.
    start_date: Option<String>,
    /// YYYY-MM-DD.
    release_date: Option<String>,
    description: Option<String>,
}

/// Arguments of `jira_batch_create_versions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchArgs {
    project_key: String,
    /// JSON array of {"name", "start_date"?, "release_date"?, "description"?}; dates YYYY-MM-DD.
    versions: String,
}

struct CreateVersion(Arc<ToolEnv>);
struct BatchCreate(Arc<ToolEnv>);

fn meta(name: &'static str, description: &'static str) -> Meta {
    Meta {
        name,
        description,
        toolset: "jira_projects",
        product: Product::Jira,
        access: Access::Write,
        destructive: false,
        idempotent: false,
        availability: Availability::BOTH,
    }
}

pub(super) fn tools(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    vec![
        Typed::tool(
            meta(
                "jira_create_version",
                "Create a version (release) in a project.",
            ),
            CreateVersion(env.clone()),
        ),
        Typed::tool(
            meta(
                "jira_batch_create_versions",
                "Create several versions in a project; reports each outcome.",
            ),
            BatchCreate(env.clone()),
        ),
    ]
}

/// Checks one version's fields and builds them (name required, dates YYYY-MM-DD).
fn fields(
    name: &str,
    start: Option<&str>,
    release: Option<&str>,
    description: Option<&str>,
) -> Result<VersionFields, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("a version needs a name, e.g. 2.1.0".to_owned());
    }
    Ok(VersionFields {
        name: Some(name.to_owned()),
        description: description.map(str::to_owned),
        start_date: date("start_date", start)?,
        release_date: date("release_date", release)?,
        ..VersionFields::default()
    })
}

async fn create(
    client: &ServiceClient,
    auth: &CallAuth,
    project: &str,
    f: &VersionFields,
) -> Result<Value, String> {
    let mut body = f.body();
    body.insert("project".into(), json!(project));
    projects::create_version(client, auth, &Value::Object(body))
        .await
        .map(|v| version(&v))
        .map_err(|e| e.agent_message())
}

impl Logic for CreateVersion {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let key = match project_in_scope(env, &args.project_key) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let f = match fields(
            &args.name,
            args.start_date.as_deref(),
            args.release_date.as_deref(),
            args.description.as_deref(),
        ) {
            Ok(f) => f,
            Err(why) => return ToolOutput::error(format!("Not created: {why}.")),
        };
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        match create(client, &auth, &key, &f).await {
            Ok(v) => json_output(json!({"project_key": key, "version": v})),
            Err(msg) => ToolOutput::error(msg),
        }
    }
}

fn text(v: &Value, snake: &str, camel: &str) -> Option<String> {
    v.get(snake)
        .or_else(|| v.get(camel))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

impl Logic for BatchCreate {
    type Args = BatchArgs;

    async fn run(&self, ctx: &ToolContext, args: BatchArgs) -> ToolOutput {
        let env = &self.0;
        let key = match project_in_scope(env, &args.project_key) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&args.versions) else {
            return ToolOutput::error(
                "versions must be a JSON array such as [{\"name\": \"1.0\", \"release_date\": \"2025-03-31\"}].",
            );
        };
        if items.is_empty() || items.len() > MAX_BATCH {
            return ToolOutput::error(format!("Pass 1 to {MAX_BATCH} versions."));
        }
        // Check every entry before creating any, so a typo does not leave half a batch.
        let mut planned = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let name = text(item, "name", "name").unwrap_or_default();
            let f = fields(
                &name,
                text(item, "start_date", "startDate").as_deref(),
                text(item, "release_date", "releaseDate").as_deref(),
                text(item, "description", "description").as_deref(),
            );
            match f {
                Ok(f) => planned.push(f),
                Err(why) => {
                    return ToolOutput::error(format!(
                        "versions[{i}] is invalid ({why}); nothing was created."
                    ));
                }
            }
        }
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let mut created = Vec::new();
        let mut failed = Vec::new();
        for f in &planned {
            match create(client, &auth, &key, f).await {
                Ok(v) => created.push(v),
                Err(msg) => failed.push(json!({"name": f.name, "error": msg})),
            }
        }
        json_output(json!({"project_key": key, "created": created, "failed": failed}))
    }
}
