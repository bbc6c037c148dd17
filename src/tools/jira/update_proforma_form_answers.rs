//! `jira_update_proforma_form_answers`: saves answers on an open form.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::get_proforma_form_details::shape_form;
use super::people::issue_in_scope;
use super::proforma::{AnswerList, answers};
use super::service_desk::required;
use crate::atlassian::jira::forms;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_update_proforma_form_answers`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
    form_id: String,
    /// JSON [{"questionId", "type": TEXT|NUMBER|DATE|SELECT|MULTI_SELECT|USER, "value"}]; choices/users by id.
    answers: AnswerList,
}

struct UpdateAnswers(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_update_proforma_form_answers",
            description: "Save answers on an open form; other answers are kept.",
            toolset: "jira_forms",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: true,
            availability: Availability::CLOUD,
        },
        UpdateAnswers(env),
    )
}

impl Logic for UpdateAnswers {
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
        let items: Vec<Map<String, Value>> = args.answers.0;
        if items.is_empty() {
            return ToolOutput::error(
                "answers is empty; pass at least one {\"questionId\", \"type\", \"value\"}.",
            );
        }
        let body = match answers(&items) {
            Ok(b) => b,
            Err(m) => return ToolOutput::error(format!("answers is not valid: {m}.")),
        };
        let saved = match forms::save_answers(client, &auth, &key, &form, &body).await {
            Ok(v) => v,
            Err(e) => return upstream_error(&e),
        };
        // The answer carries the form; if it does not, read it back so the agent sees the state.
        let form_now = if saved["state"].is_object() {
            saved
        } else {
            match forms::get(client, &auth, &key, &form).await {
                Ok(f) => f,
                Err(e) => return upstream_error(&e),
            }
        };
        let mut out = shape_form(&key, &form_now);
        out["updated_questions"] = json!(body.keys().collect::<Vec<_>>());
        json_output(out)
    }
}
