//! `confluence_list_page_templates`, `confluence_get_page_template` and
//! `confluence_create_page_from_template`, on Cloud (`/rest/api/template`) and Data Center
//! (`/rest/experimental/template`).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{allowed_space, summary as summary_of_page};
use crate::atlassian::confluence::{pages, templates};
use crate::atlassian::markup::storage_to_markdown;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

fn meta(name: &'static str, description: &'static str, write: bool) -> Meta {
    Meta {
        name,
        description,
        toolset: "confluence_templates",
        product: Product::Confluence,
        access: if write { Access::Write } else { Access::Read },
        destructive: false,
        idempotent: !write,
        availability: Availability::BOTH,
    }
}

fn summary(t: &Value) -> Value {
    json!({"id": t["templateId"], "name": t["name"], "description": t["description"],
        "space_key": t["space"]["key"]})
}

/// Arguments of `confluence_list_page_templates`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Omit for global templates.
    space_key: Option<String>,
    #[schemars(range(min = 1, max = 200), extend("default" = 25))]
    limit: Option<u32>,
}

struct List(Arc<ToolEnv>);

pub(super) fn list_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta(
            "confluence_list_page_templates",
            "Page templates of a space, or global ones.",
            false,
        ),
        List(env),
    )
}

impl Logic for List {
    type Args = ListArgs;

    async fn run(&self, ctx: &ToolContext, args: ListArgs) -> ToolOutput {
        let env = &self.0;
        let key = args
            .space_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty());
        if let Some(k) = key
            && let Err(e) = allowed_space(env, k)
        {
            return e;
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let limit = args.limit.unwrap_or(25).clamp(1, 200);
        match templates::list(client, &auth, key, limit).await {
            Ok(list) => {
                json_output(json!({"templates": list.iter().map(summary).collect::<Vec<_>>()}))
            }
            Err(e) => upstream_error(&e),
        }
    }
}

/// Arguments of `confluence_get_page_template`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetArgs {
    template_id: String,
}

struct Get(Arc<ToolEnv>);

pub(super) fn get_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta(
            "confluence_get_page_template",
            "A page template with its body as Markdown.",
            false,
        ),
        Get(env),
    )
}

/// Reads a template and checks its space against the filter.
async fn allowed_template(
    env: &ToolEnv,
    client: &crate::atlassian::client::ServiceClient,
    auth: &crate::atlassian::client::CallAuth,
    id: &str,
) -> Result<Value, ToolOutput> {
    let t = templates::get(client, auth, id.trim())
        .await
        .map_err(|e| upstream_error(&e))?;
    if let Some(k) = t["space"]["key"].as_str() {
        allowed_space(env, k)?;
    }
    Ok(t)
}

impl Logic for Get {
    type Args = GetArgs;

    async fn run(&self, ctx: &ToolContext, args: GetArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        match allowed_template(env, client, &auth, &args.template_id).await {
            Ok(t) => {
                let mut out = summary(&t);
                out["body"] = json!(storage_to_markdown(
                    t["body"]["storage"]["value"].as_str().unwrap_or_default()
                ));
                json_output(out)
            }
            Err(e) => e,
        }
    }
}

/// Arguments of `confluence_create_page_from_template`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    space_key: String,
    title: String,
    template_id: String,
    /// Default: space home.
    parent_id: Option<String>,
}

struct Create(Arc<ToolEnv>);

pub(super) fn create_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta(
            "confluence_create_page_from_template",
            "Create a page whose body is a template's body.",
            true,
        ),
        Create(env),
    )
}

impl Logic for Create {
    type Args = CreateArgs;

    async fn run(&self, ctx: &ToolContext, args: CreateArgs) -> ToolOutput {
        let env = &self.0;
        let key = args.space_key.trim();
        // Refused before any upstream call when the space is outside the filter.
        if let Err(e) = allowed_space(env, key) {
            return e;
        }
        if args.title.trim().is_empty() {
            return ToolOutput::error("title is empty. Give the new page a title.");
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let t = match allowed_template(env, client, &auth, &args.template_id).await {
            Ok(t) => t,
            Err(e) => return e,
        };
        let body = t["body"]["storage"]["value"].as_str().unwrap_or_default();
        let parent = args
            .parent_id
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        match pages::create_page(client, &auth, key, args.title.trim(), body, parent).await {
            Ok(p) => {
                let mut v = summary_of_page(&p, client.site(), None);
                v["template_id"] = t["templateId"].clone();
                json_output(v)
            }
            Err(e) => upstream_error(&e),
        }
    }
}
