//! Four read tools over one project: `jira_get_project_issue_types`,
//! `jira_get_project_versions`, `jira_get_project_components` and
//! `jira_get_project_fields`. They share arguments (`project_key`) and the filter check,
//! and differ only in what they fetch and how they shape it.

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::people::project_in_scope;
use super::versions::{component, version};
use crate::atlassian::jira::projects;
use crate::atlassian::{AtlassianError, CallAuth, ServiceClient};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments: one project.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    project_key: String,
}

#[derive(Clone, Copy)]
enum Kind {
    IssueTypes,
    Versions,
    Components,
    Fields,
}

struct ProjectList(Arc<ToolEnv>, Kind);

fn meta(name: &'static str, description: &'static str) -> Meta {
    Meta {
        name,
        description,
        toolset: "jira_projects",
        product: Product::Jira,
        access: Access::Read,
        destructive: false,
        idempotent: true,
        availability: Availability::BOTH,
    }
}

/// The four tools.
pub(super) fn tools(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    vec![
        Typed::tool(
            meta(
                "jira_get_project_issue_types",
                "Issue types you can create in a project, with ids.",
            ),
            ProjectList(env.clone(), Kind::IssueTypes),
        ),
        Typed::tool(
            meta(
                "jira_get_project_versions",
                "A project's versions (releases): dates, state.",
            ),
            ProjectList(env.clone(), Kind::Versions),
        ),
        Typed::tool(
            meta("jira_get_project_components", "A project's components."),
            ProjectList(env.clone(), Kind::Components),
        ),
        Typed::tool(
            meta(
                "jira_get_project_fields",
                "A project's create fields and which issue types require them.",
            ),
            ProjectList(env.clone(), Kind::Fields),
        ),
    ]
}

/// One issue type as agents get it.
pub fn issue_type(t: &Value) -> Value {
    json!({
        "id": t["id"],
        "name": t["name"],
        "description": t["description"],
        "subtask": t["subtask"].as_bool().filter(|s| *s),
    })
}

/// Fields across all of a project's issue types: id → {name, type, issue types, required in}.
async fn project_fields(
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let types = projects::issue_types(client, auth, key).await?;
    let mut fields: BTreeMap<String, Value> = BTreeMap::new();
    for t in &types {
        let (Some(type_id), Some(type_name)) = (t["id"].as_str(), t["name"].as_str()) else {
            continue;
        };
        for f in projects::create_fields(client, auth, key, type_id).await? {
            let Some(id) = f["fieldId"].as_str() else {
                continue;
            };
            let entry = fields.entry(id.to_owned()).or_insert_with(|| {
                json!({"id": id, "name": f["name"], "type": f["schema"]["type"],
                       "issue_types": [], "required_for": []})
            });
            if let Some(a) = entry["issue_types"].as_array_mut() {
                a.push(json!(type_name));
            }
            if f["required"].as_bool() == Some(true)
                && let Some(a) = entry["required_for"].as_array_mut()
            {
                a.push(json!(type_name));
            }
        }
    }
    Ok(fields.into_values().collect())
}

impl Logic for ProjectList {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let key = match project_in_scope(env, &args.project_key) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let (name, result) = match self.1 {
            Kind::IssueTypes => (
                "issue_types",
                projects::issue_types(client, &auth, &key)
                    .await
                    .map(|l| l.iter().map(issue_type).collect::<Vec<_>>()),
            ),
            Kind::Versions => (
                "versions",
                projects::versions(client, &auth, &key)
                    .await
                    .map(|l| l.iter().map(version).collect()),
            ),
            Kind::Components => (
                "components",
                projects::components(client, &auth, &key)
                    .await
                    .map(|l| l.iter().map(component).collect()),
            ),
            Kind::Fields => ("fields", project_fields(client, &auth, &key).await),
        };
        match result {
            Ok(list) => json_output(json!({"project_key": key, "count": list.len(), name: list})),
            Err(e) => upstream_error(&e),
        }
    }
}
