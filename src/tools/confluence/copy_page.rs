//! `confluence_copy_page`: a copy of a page (body and labels) under a new title, in a space
//! and optionally under a parent.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::common::{allowed_page, allowed_space, summary};
use crate::atlassian::confluence::pages;
use crate::config::Deployment;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_copy_page`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    source_page_id: String,
    destination_space_key: String,
    /// Unique in that space
    new_title: String,
    /// Default: space home
    destination_parent_id: Option<String>,
    /// Cloud only
    #[schemars(extend("default" = true))]
    copy_attachments: Option<bool>,
}

struct CopyPage(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_copy_page",
            description: "Copy a page as new_title into a space.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        CopyPage(env),
    )
}

impl Logic for CopyPage {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let space = args.destination_space_key.trim();
        if let Err(e) = allowed_space(env, space) {
            return e;
        }
        let title = args.new_title.trim();
        if title.is_empty() {
            return ToolOutput::error("new_title is empty; name the copy.");
        }
        let source = match allowed_page(env, client, &auth, &args.source_page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let parent = match args
            .destination_parent_id
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => match allowed_page(env, client, &auth, p).await {
                Ok(pp)
                    if pp
                        .space_key
                        .as_deref()
                        .is_some_and(|k| !k.eq_ignore_ascii_case(space)) =>
                {
                    return ToolOutput::error(format!(
                        "destination_parent_id {p} is in space {}, not {space}.",
                        pp.space_key.unwrap_or_default()
                    ));
                }
                Ok(pp) => Some(pp.id),
                Err(e) => return e,
            },
            None => None,
        };
        let copy =
            match pages::copy_page(client, &auth, &source, space, parent.as_deref(), title).await {
                Ok(p) => p,
                Err(e) => return upstream_error(&e),
            };
        let mut out = summary(&copy, client.site(), None);
        out["source_page_id"] = source.id.clone().into();
        if args.copy_attachments.unwrap_or(true) && client.deployment() == Deployment::Server {
            out["note"] = "Attachments are not copied on Server/Data Center.".into();
        }
        json_output(out)
    }
}
