//! `jira_create_issue`: resolves the issue type and the create screen's required fields from
//! createmeta, refuses early (naming what is missing and its allowed values), creates, and
//! returns the new issue as `jira_get_issue` would show it.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{guard_project, names, normalise_fields, read_back, rich_in, tri, user_ref};
use super::confine;
use crate::atlassian::jira::issue_write;
use crate::atlassian::{CallAuth, ServiceClient};
use crate::tools::args::JsonObject;
use crate::tools::env::ToolEnv;
use crate::tools::output::upstream_error;
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_create_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    project_key: String,
    summary: String,
    /// e.g. Task, Bug, Story.
    issue_type: String,
    /// Account id, user name or e-mail.
    assignee: Option<String>,
    /// Markdown.
    description: Option<String>,
    /// Comma list.
    components: Option<String>,
    /// JSON by field id, e.g. {"priority": "High", "parent": "PROJ-1"}.
    additional_fields: Option<JsonObject>,
}

struct CreateIssue(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_create_issue",
            description: "Create an issue; a missing required field is named with its allowed values.",
            toolset: "jira_issues",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        CreateIssue(env),
    )
}

/// What a create needs besides the agent's fields: the issue type id and the required fields.
pub(super) struct Screen {
    /// Issue type id.
    pub type_id: String,
    /// Required fields without a default: `(field id, name, allowed value names)`.
    pub required: Vec<(String, String, Vec<String>)>,
}

/// Resolves an issue type name (or id) in a project and its required fields.
pub(super) async fn screen(
    client: &ServiceClient,
    auth: &CallAuth,
    project: &str,
    issue_type: &str,
) -> Result<Screen, ToolOutput> {
    let types = issue_write::create_issue_types(client, auth, project)
        .await
        .map_err(|e| upstream_error(&e))?;
    let wanted = issue_type.trim();
    let Some(t) = types.iter().find(|t| {
        t["id"].as_str() == Some(wanted)
            || t["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
    }) else {
        let known: Vec<&str> = types.iter().filter_map(|t| t["name"].as_str()).collect();
        return Err(ToolOutput::error(format!(
            "Project {project} has no issue type {wanted:?}. Its types: {}.",
            known.join(", ")
        )));
    };
    let type_id = t["id"].as_str().unwrap_or_default().to_owned();
    let fields = issue_write::create_fields(client, auth, project, &type_id)
        .await
        .map_err(|e| upstream_error(&e))?;
    let required = fields
        .iter()
        .filter(|f| {
            f["required"].as_bool() == Some(true) && f["hasDefaultValue"].as_bool() != Some(true)
        })
        .map(|f| {
            let id = f["fieldId"]
                .as_str()
                .or(f["key"].as_str())
                .unwrap_or_default();
            let allowed = f["allowedValues"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v["name"].as_str().or(v["value"].as_str()))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            (
                id.to_owned(),
                f["name"].as_str().unwrap_or(id).to_owned(),
                allowed,
            )
        })
        .collect();
    Ok(Screen { type_id, required })
}

/// The fields the create screen requires that `fields` lacks, as one sentence; `None` when
/// nothing is missing.
pub(super) fn missing(screen: &Screen, fields: &Map<String, Value>) -> Option<String> {
    let gaps: Vec<String> = screen
        .required
        .iter()
        .filter(|(id, _, _)| !fields.contains_key(id))
        .map(|(id, name, allowed)| {
            if allowed.is_empty() {
                format!("{id} ({name})")
            } else {
                format!("{id} ({name}; one of: {})", allowed.join(", "))
            }
        })
        .collect();
    (!gaps.is_empty()).then(|| {
        format!(
            "This issue type requires fields that were not given: {}. Add them to additional_fields.",
            gaps.join("; ")
        )
    })
}

impl Logic for CreateIssue {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let project = tri!(guard_project(env, &args.project_key));
        if args.summary.trim().is_empty() {
            return ToolOutput::error("summary is empty; give the issue a one-line title.");
        }
        let extra = args.additional_fields.map(|f| f.0).unwrap_or_default();
        if let Some(bad) = ["project", "issuetype"]
            .iter()
            .find(|k| extra.contains_key(**k))
        {
            return ToolOutput::error(format!(
                "additional_fields must not set {bad}; use project_key and issue_type."
            ));
        }
        // A parent or epic in another project would be written, and echoed back: refused
        // before any call.
        if let Err(e) = confine::check_write(&env.jira_projects, &extra, "additional_fields") {
            return ToolOutput::error(format!("{e}."));
        }
        let screen = tri!(screen(client, &auth, &project, &args.issue_type).await);
        let mut fields = Map::new();
        fields.insert("project".into(), json!({"key": project}));
        fields.insert("summary".into(), json!(args.summary.trim()));
        fields.insert("issuetype".into(), json!({"id": screen.type_id}));
        if let Some(d) = args.description.as_deref().filter(|d| !d.trim().is_empty()) {
            fields.insert("description".into(), rich_in(client, d));
        }
        if let Some(a) = args.assignee.as_deref().filter(|a| !a.trim().is_empty()) {
            fields.insert("assignee".into(), tri!(user_ref(client, &auth, a).await));
        }
        if let Some(c) = args.components.as_deref() {
            let list: Vec<Value> = names(c).into_iter().map(|n| json!({"name": n})).collect();
            if !list.is_empty() {
                fields.insert("components".into(), Value::Array(list));
            }
        }
        fields.extend(tri!(normalise_fields(client, &auth, extra).await));
        if let Some(msg) = missing(&screen, &fields) {
            return ToolOutput::error(msg);
        }
        let created = tri!(
            issue_write::create(client, &auth, &fields)
                .await
                .map_err(|e| upstream_error(&e))
        );
        let Some(key) = created["key"].as_str() else {
            return ToolOutput::error(
                "Jira created the issue but did not say its key; search for it by summary.",
            );
        };
        // A lean answer: key, URL, status and what was written, not a re-read of the issue
        // (the description the caller just sent is not echoed back).
        let mut wanted = String::from("summary,status,issuetype");
        for f in fields.keys().filter(|f| *f != "description") {
            if !wanted.split(',').any(|w| w == f) {
                wanted.push(',');
                wanted.push_str(f);
            }
        }
        read_back(env, client, &auth, key, &wanted, json!({"created": true})).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_required_fields_are_named_with_their_allowed_values() {
        let s = Screen {
            type_id: "10003".into(),
            required: vec![
                ("summary".into(), "Summary".into(), vec![]),
                (
                    "priority".into(),
                    "Priority".into(),
                    vec!["High".into(), "Low".into()],
                ),
            ],
        };
        let mut fields = Map::new();
        fields.insert("summary".into(), json!("x"));
        let msg = missing(&s, &fields).expect("priority is missing");
        assert!(
            msg.contains("priority (Priority; one of: High, Low)"),
            "{msg}"
        );
        assert!(!msg.contains("summary"), "{msg}");
        fields.insert("priority".into(), json!({"name": "High"}));
        assert_eq!(missing(&s, &fields), None);
    }
}
