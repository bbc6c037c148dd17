//! `jira_get_proforma_form_details`: one form's questions and current answers.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::people::issue_in_scope;
use super::proforma::{answer_type, simple_answer, status_name};
use super::service_desk::required;
use crate::atlassian::jira::forms;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, time_value, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_proforma_form_details`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
    /// From jira_get_issue_proforma_forms.
    form_id: String,
}

struct FormDetails(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_proforma_form_details",
            description: "A form's questions (id, label, type, choices, required) and answers.",
            toolset: "jira_forms",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::CLOUD,
        },
        FormDetails(env),
    )
}

/// A form as agents get it: questions in id order, each with its answer.
pub fn shape_form(key: &str, f: &Value) -> Value {
    let answers = &f["state"]["answers"];
    let mut questions: Vec<(String, Value)> = f["design"]["questions"]
        .as_object()
        .map(|qs| {
            qs.iter()
                .map(|(id, q)| {
                    let choices: Vec<Value> = q["choices"]
                        .as_array()
                        .map(|c| {
                            c.iter()
                                .map(|c| json!({"id": c["id"], "label": c["label"]}))
                                .collect()
                        })
                        .unwrap_or_default();
                    (
                        id.clone(),
                        json!({
                            "id": id, "label": q["label"],
                            "type": answer_type(q["type"].as_str().unwrap_or_default()),
                            "required": q["validation"]["rq"].as_bool().unwrap_or(false),
                            "choices": choices, "jira_field": q["jiraField"],
                            "answer": simple_answer(&answers[id.as_str()]),
                        }),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    questions.sort_by_key(|(id, _)| (id.parse::<u64>().unwrap_or(u64::MAX), id.clone()));
    json!({
        "issue_key": key,
        "form_id": f["id"],
        "name": f["design"]["settings"]["name"],
        "status": status_name(f["state"]["status"].as_str().unwrap_or_default()),
        "internal": f["state"]["visibility"].as_str().map(|v| v == "i"),
        "updated": time_value(f.get("updated")),
        "questions": questions.into_iter().map(|(_, q)| q).collect::<Vec<_>>(),
    })
}

impl Logic for FormDetails {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let key = match issue_in_scope(env, &args.issue_key) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let form = match required("form_id", &args.form_id) {
            Ok(f) => f,
            Err(e) => return e,
        };
        match forms::get(client, &auth, &key, &form).await {
            Ok(f) => json_output(shape_form(&key, &f)),
            Err(e) => upstream_error(&e),
        }
    }
}
