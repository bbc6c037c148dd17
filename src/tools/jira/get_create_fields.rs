//! `jira_get_create_fields`: the fields of the create screen for one issue type in a
//! project, with required flags and allowed values.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::people::project_in_scope;
use crate::atlassian::jira::projects;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Allowed values listed per field; long lists are cut here and say so.
const MAX_ALLOWED: usize = 50;

/// Arguments of `jira_get_create_fields`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    project_key: String,
    /// e.g. 10001.
    issue_type_id: String,
}

struct GetCreateFields(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_create_fields",
            description: "Create fields of one issue type in a project: required, allowed values.",
            toolset: "jira_projects",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetCreateFields(env),
    )
}

fn allowed_name(v: &Value) -> Value {
    ["name", "value", "key", "id"]
        .iter()
        .find_map(|k| v.get(*k).filter(|x| x.is_string()))
        .cloned()
        .unwrap_or(Value::Null)
}

/// One create field as agents get it.
pub fn field(f: &Value) -> Value {
    let allowed: Vec<Value> = f["allowedValues"]
        .as_array()
        .map(|a| a.iter().take(MAX_ALLOWED).map(allowed_name).collect())
        .unwrap_or_default();
    let more = f["allowedValues"]
        .as_array()
        .map_or(0, |a| a.len().saturating_sub(MAX_ALLOWED));
    json!({
        "id": f["fieldId"],
        "name": f["name"],
        "required": f["required"],
        "type": f["schema"]["type"],
        "items": f["schema"]["items"],
        "allowed_values": allowed,
        "more_allowed_values": if more > 0 { json!(more) } else { Value::Null },
        "default": f.get("defaultValue").map(allowed_name),
    })
}

impl Logic for GetCreateFields {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let key = match project_in_scope(env, &args.project_key) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let type_id = args.issue_type_id.trim();
        if type_id.is_empty() || !type_id.chars().all(|c| c.is_ascii_digit()) {
            return ToolOutput::error(format!(
                "issue_type_id {type_id:?} is not an id; take the numeric id from jira_get_project_issue_types."
            ));
        }
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        match projects::create_fields(client, &auth, &key, type_id).await {
            Ok(list) => {
                let fields: Vec<Value> = list.iter().map(field).collect();
                json_output(
                    json!({"project_key": key, "issue_type_id": type_id, "count": fields.len(), "fields": fields}),
                )
            }
            Err(e) => upstream_error(&e),
        }
    }
}
