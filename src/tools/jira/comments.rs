//! `jira_add_comment` and `jira_edit_comment`: Markdown in, ADF (Cloud) or wiki markup
//! (Server/DC) upstream, the comment back as Markdown.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::common::{guard_issue, rich_in, tri};
use super::shape;
use crate::atlassian::jira::comments::{self, CommentBody};
use crate::tools::args::Visibility;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_add_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddArgs {
    issue_key: String,
    /// Markdown.
    body: String,
    /// group:NAME or role:NAME.
    visibility: Option<Visibility>,
    /// JSM: shown to the customer.
    public: Option<bool>,
}

/// Arguments of `jira_edit_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditArgs {
    issue_key: String,
    comment_id: String,
    /// New text, Markdown.
    body: String,
    /// group:NAME or role:NAME.
    visibility: Option<Visibility>,
}

struct AddComment(Arc<ToolEnv>);
struct EditComment(Arc<ToolEnv>);

pub(super) fn add_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_add_comment",
            description: "Comment on an issue.",
            toolset: "jira_comments",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        AddComment(env),
    )
}

pub(super) fn edit_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_edit_comment",
            description: "Replace the text of a comment.",
            toolset: "jira_comments",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        EditComment(env),
    )
}

fn empty_body() -> ToolOutput {
    ToolOutput::error("body is empty; pass the comment text in Markdown.")
}

impl Logic for AddComment {
    type Args = AddArgs;

    async fn run(&self, ctx: &ToolContext, args: AddArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let key = tri!(guard_issue(env, &args.issue_key));
        if args.body.trim().is_empty() {
            return empty_body();
        }
        let body = CommentBody {
            body: rich_in(client, &args.body),
            visibility: args.visibility.map(|v| v.0),
            public: args.public,
        };
        let c = tri!(
            comments::add(client, &auth, &key, &body)
                .await
                .map_err(|e| upstream_error(&e))
        );
        json_output(json!({"issue_key": key, "comment": shape::comment(&c)}))
    }
}

impl Logic for EditComment {
    type Args = EditArgs;

    async fn run(&self, ctx: &ToolContext, args: EditArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let key = tri!(guard_issue(env, &args.issue_key));
        let id = args.comment_id.trim();
        if id.is_empty() {
            return ToolOutput::error("comment_id is empty; jira_get_issue lists comment ids.");
        }
        if args.body.trim().is_empty() {
            return empty_body();
        }
        let body = CommentBody {
            body: rich_in(client, &args.body),
            visibility: args.visibility.map(|v| v.0),
            public: None,
        };
        let c = tri!(
            comments::edit(client, &auth, &key, id, &body)
                .await
                .map_err(|e| upstream_error(&e))
        );
        json_output(json!({"issue_key": key, "comment": shape::comment(&c)}))
    }
}
