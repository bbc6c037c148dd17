//! `jira_create_customer_request`: raises a Service Management request (optionally on
//! behalf of a customer, with participants and attachments).
//!
//! Every argument is checked and every attachment loaded before anything is written; under
//! `JIRA_PROJECTS_FILTER` the desk is read first and one outside the filter is refused
//! before the request is sent. Attachments go onto the created issue through Jira's
//! attachment API (the same files agents see on the issue).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::attachment_upload;
use super::service_desk::{desk_in_scope, required};
use crate::atlassian::jira::{attachments, servicedesk};
use crate::atlassian::{AtlassianError, ErrorKind};
use crate::tools::args::{CommaList, JsonObject};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error, user};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_create_customer_request`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    service_desk_id: String,
    /// From jira_get_request_types.
    request_type_id: String,
    /// JSON by field id, e.g. {"summary": "VPN down"}.
    request_field_values: JsonObject,
    /// Customer account id, e-mail or user name.
    raise_on_behalf_of: Option<String>,
    /// Comma list of users.
    request_participants: Option<CommaList>,
    /// JSON [{"filename", "mime_type", "base64"}].
    attachments: Option<String>,
    /// Fail rather than raise it as yourself.
    #[schemars(extend("default" = false))]
    strict_on_behalf: Option<bool>,
}

struct CreateRequest(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_create_customer_request",
            description: "Raise a service desk request; jira_get_request_type_fields gives its fields.",
            toolset: "jira_service_desk",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        CreateRequest(env),
    )
}

/// Participants from a comma list, or from a JSON array given as one string.
fn participants(list: Option<CommaList>) -> Result<Vec<String>, ToolOutput> {
    let items = list.map(|l| l.0).unwrap_or_default();
    let joined = items.join(",");
    if joined.trim_start().starts_with('[') {
        let v: Vec<String> = serde_json::from_str(&joined).map_err(|e| {
            ToolOutput::error(format!("request_participants is not a JSON array of strings ({e}); send \"id1,id2\" or [\"id1\"]."))
        })?;
        return Ok(v
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect());
    }
    Ok(items)
}

/// The attachments argument in the upload helper's form (`base64` is the reference's key).
fn attachment_sources(raw: &str) -> Result<Vec<attachment_upload::Source>, ToolOutput> {
    let fixed = match serde_json::from_str::<Value>(raw.trim()) {
        Ok(Value::Array(mut items)) => {
            for i in &mut items {
                if let Some(o) = i.as_object_mut()
                    && let Some(b) = o.remove("base64")
                {
                    o.insert("content_base64".into(), b);
                }
            }
            Value::Array(items).to_string()
        }
        _ => raw.to_owned(),
    };
    attachment_upload::parse(&fixed)
}

/// True when Jira refused the on-behalf user (rather than the request itself).
fn on_behalf_refused(e: &AtlassianError) -> bool {
    matches!(e.kind, ErrorKind::BadRequest | ErrorKind::Forbidden)
        && e.messages.iter().any(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("raiseonbehalfof") || m.contains("on behalf")
        })
}

impl Logic for CreateRequest {
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
        if args.request_field_values.0.is_empty() {
            return ToolOutput::error(
                "request_field_values is empty; pass at least {\"summary\": \"...\"} plus the request type's required fields.",
            );
        }
        let people = match participants(args.request_participants) {
            Ok(p) => p,
            Err(e) => return e,
        };
        let files = match args
            .attachments
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            None => Vec::new(),
            Some(raw) => {
                let sources = match attachment_sources(raw) {
                    Ok(s) => s,
                    Err(e) => return e,
                };
                match attachment_upload::load(env, sources).await {
                    Ok(f) => f,
                    Err(e) => return e,
                }
            }
        };
        let (desk_id, _) = match desk_in_scope(env, client, &auth, &args.service_desk_id).await {
            Ok(d) => d,
            Err(e) => return e,
        };
        let mut body = json!({
            "serviceDeskId": desk_id,
            "requestTypeId": rt,
            "requestFieldValues": args.request_field_values.0,
        });
        if !people.is_empty() {
            body["requestParticipants"] = json!(people);
        }
        let behalf = args
            .raise_on_behalf_of
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty());
        if let Some(b) = behalf {
            body["raiseOnBehalfOf"] = json!(b);
        }
        let mut warnings = Vec::new();
        let mut mode = if behalf.is_some() {
            "created_on_behalf_of"
        } else {
            "created"
        };
        let created = match servicedesk::create_request(client, &auth, &body).await {
            Ok(v) => v,
            Err(e)
                if behalf.is_some()
                    && !args.strict_on_behalf.unwrap_or(false)
                    && on_behalf_refused(&e) =>
            {
                if let Value::Object(o) = &mut body {
                    o.remove("raiseOnBehalfOf");
                }
                warnings.push(format!(
                    "Jira refused raise_on_behalf_of ({}); the request was raised as this server's account instead.",
                    e.messages.join("; ")
                ));
                mode = "created_as_agent_fallback";
                match servicedesk::create_request(client, &auth, &body).await {
                    Ok(v) => v,
                    Err(e) => return upstream_error(&e),
                }
            }
            Err(e) => return upstream_error(&e),
        };
        let key = created["issueKey"].as_str().unwrap_or_default().to_owned();
        let mut attached = Vec::new();
        if !files.is_empty() {
            match attachments::upload(client, &auth, &key, &files).await {
                Ok(list) => {
                    attached = list
                        .into_iter()
                        .map(|a| json!({"id": a.id, "filename": a.filename}))
                        .collect()
                }
                Err(e) => warnings.push(format!(
                    "The request {key} was created but its attachments were not: {}",
                    e.agent_message()
                )),
            }
        }
        json_output(json!({
            "request_key": key,
            "request_id": created["issueId"],
            "service_desk_id": desk_id,
            "request_type_id": rt,
            "created_mode": mode,
            "reporter": user(&created["reporter"]),
            "status": created["currentStatus"]["status"],
            "portal_url": created["_links"]["web"],
            "url": format!("{}/browse/{key}", client.site()),
            "attachments": attached,
            "warnings": warnings,
        }))
    }
}
