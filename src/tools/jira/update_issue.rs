//! `jira_update_issue`, `jira_assign_issue` and `jira_delete_issue`: writes on one existing
//! issue, each checked against the project filter before any upstream call. Attachments
//! given to `jira_update_issue` are checked and loaded (see [`attachment_upload`]) before
//! anything is sent.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{guard_issue, names, normalise_fields, read_back, tri, user_ref};
use super::{attachment_upload, confine};
use crate::atlassian::jira::{attachments, issue_write};
use crate::tools::args::JsonObject;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_update_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArgs {
    issue_key: String,
    /// JSON, e.g. {"summary": "X", "description": "Markdown", "priority": "High"}.
    fields: JsonObject,
    /// JSON, merged into fields.
    additional_fields: Option<JsonObject>,
    /// Comma list.
    components: Option<String>,
    /// JSON list of {"filename","content_base64","mime_type"?}.
    attachments: Option<String>,
    /// Comma list or *all; default: the fields written, and status.
    return_fields: Option<String>,
}

/// Arguments of `jira_assign_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignArgs {
    issue_key: String,
    /// Account id, user name or e-mail; omit to unassign.
    assignee: Option<String>,
}

/// Arguments of `jira_delete_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteArgs {
    issue_key: String,
}

struct UpdateIssue(Arc<ToolEnv>);
struct AssignIssue(Arc<ToolEnv>);
struct DeleteIssue(Arc<ToolEnv>);

fn meta(
    name: &'static str,
    description: &'static str,
    destructive: bool,
    idempotent: bool,
) -> Meta {
    Meta {
        name,
        description,
        toolset: "jira_issues",
        product: Product::Jira,
        access: Access::Write,
        destructive,
        idempotent,
        availability: Availability::BOTH,
    }
}

pub(super) fn update_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta(
            "jira_update_issue",
            "Change fields of an issue and/or attach files; answers with the fields written.",
            false,
            true,
        ),
        UpdateIssue(env),
    )
}

pub(super) fn assign_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta(
            "jira_assign_issue",
            "Assign or unassign an issue.",
            false,
            true,
        ),
        AssignIssue(env),
    )
}

pub(super) fn delete_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta("jira_delete_issue", "Delete an issue for good.", true, true),
        DeleteIssue(env),
    )
}

impl Logic for UpdateIssue {
    type Args = UpdateArgs;

    async fn run(&self, ctx: &ToolContext, args: UpdateArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let key = tri!(guard_issue(env, &args.issue_key));
        let files = match args.attachments.as_deref().map(str::trim) {
            Some(a) if !a.is_empty() => {
                tri!(attachment_upload::load(env, tri!(attachment_upload::parse(a))).await)
            }
            _ => Vec::new(),
        };
        let mut raw = args.fields.0;
        let additional = args.additional_fields.map(|f| f.0).unwrap_or_default();
        // A parent or epic in another project would be written: refused before any call.
        for (given, param) in [(&raw, "fields"), (&additional, "additional_fields")] {
            if let Err(e) = confine::check_write(&env.jira_projects, given, param) {
                return ToolOutput::error(format!("{e}."));
            }
        }
        raw.extend(additional);
        if let Some(c) = args.components.as_deref() {
            let list: Vec<Value> = names(c).into_iter().map(|n| json!({"name": n})).collect();
            raw.insert("components".into(), Value::Array(list));
        }
        if raw.is_empty() && files.is_empty() {
            return ToolOutput::error(
                "fields is empty; pass what to change, e.g. {\"summary\": \"New title\"}.",
            );
        }
        // What the answer echoes unless return_fields asks for more: the fields written.
        let mut written = String::from("status");
        if !raw.is_empty() {
            let fields = tri!(normalise_fields(client, &auth, raw).await);
            for f in fields.keys() {
                written.push(',');
                written.push_str(f);
            }
            tri!(
                issue_write::edit(client, &auth, &key, &fields)
                    .await
                    .map_err(|e| upstream_error(&e))
            );
        }
        let mut extra = json!({"updated": true});
        if !files.is_empty() {
            match attachments::upload(client, &auth, &key, &files).await {
                Ok(added) => {
                    extra["attachments_added"] = added
                        .iter()
                        .map(|a| json!({"id": a.id, "filename": a.filename, "size": a.size}))
                        .collect();
                }
                Err(e) => {
                    return ToolOutput::error(format!(
                        "The fields of {key} were updated, but attaching the files failed: {}",
                        e.agent_message()
                    ));
                }
            }
        }
        let ret = args
            .return_fields
            .filter(|r| !r.trim().is_empty())
            .unwrap_or(written);
        read_back(env, client, &auth, &key, &ret, extra).await
    }
}

impl Logic for AssignIssue {
    type Args = AssignArgs;

    async fn run(&self, ctx: &ToolContext, args: AssignArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let key = tri!(guard_issue(env, &args.issue_key));
        let who = match args.assignee.as_deref().filter(|a| !a.trim().is_empty()) {
            Some(a) => {
                let r = tri!(user_ref(client, &auth, a).await);
                r.as_object()
                    .and_then(|o| o.values().next())
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            }
            None => None,
        };
        tri!(
            issue_write::assign(client, &auth, &key, who.as_deref())
                .await
                .map_err(|e| upstream_error(&e))
        );
        read_back(
            env,
            client,
            &auth,
            &key,
            "summary,assignee,status",
            json!({}),
        )
        .await
    }
}

impl Logic for DeleteIssue {
    type Args = DeleteArgs;

    async fn run(&self, ctx: &ToolContext, args: DeleteArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let key = tri!(guard_issue(env, &args.issue_key));
        tri!(
            issue_write::delete(client, &auth, &key, false)
                .await
                .map_err(|e| upstream_error(&e))
        );
        json_output(json!({"issue_key": key, "deleted": true}))
    }
}
