//! `jira_get_request_type_fields`: the fields a request type asks for, which are required,
//! and their allowed values.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::service_desk::{desk_in_scope, required};
use crate::atlassian::ErrorKind;
use crate::atlassian::jira::servicedesk;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_request_type_fields`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    service_desk_id: String,
    /// From jira_get_request_types.
    request_type_id: String,
}

struct RequestTypeFields(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_request_type_fields",
            description: "A request type's fields: id, required, type, valid values.",
            toolset: "jira_service_desk",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        RequestTypeFields(env),
    )
}

/// One request type field as agents get it.
pub fn shape_field(f: &Value) -> Value {
    let valid: Vec<Value> = f["validValues"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| json!({"value": v["value"], "label": v["label"]}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "field_id": f["fieldId"],
        "name": f["name"],
        "required": f["required"].as_bool().unwrap_or(false),
        "type": f["jiraSchema"]["type"],
        "items": f["jiraSchema"]["items"],
        "description": f["description"].as_str().filter(|d| !d.is_empty()),
        "valid_values": valid,
    })
}

impl Logic for RequestTypeFields {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let rt = match required("request_type_id", &args.request_type_id) {
            Ok(r) => r,
            Err(e) => return e,
        };
        let (id, _) = match desk_in_scope(env, client, &auth, &args.service_desk_id).await {
            Ok(d) => d,
            Err(e) => return e,
        };
        let raw = match servicedesk::request_type_fields(client, &auth, &id, &rt).await {
            Ok(v) => v,
            Err(e) if e.kind == ErrorKind::NotFound => {
                return ToolOutput::error(format!(
                    "Request type {rt} does not exist in service desk {id}. List them with jira_get_request_types."
                ));
            }
            Err(e) => return upstream_error(&e),
        };
        let fields: Vec<Value> = raw["requestTypeFields"]
            .as_array()
            .map(|a| a.iter().map(shape_field).collect())
            .unwrap_or_default();
        json_output(json!({
            "service_desk_id": id,
            "request_type_id": rt,
            "can_raise_on_behalf_of": raw["canRaiseOnBehalfOf"],
            "can_add_request_participants": raw["canAddRequestParticipants"],
            "fields": fields,
        }))
    }
}
