//! `confluence_update_page_section`: replace only the section under one heading; the rest
//! of the page is written back exactly as it was read.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::common::{allowed_page, summary, to_storage};
use super::section::{SectionError, replace_section};
use super::update_page::conflict;
use crate::atlassian::confluence::pages::{self, PageUpdate};
use crate::tools::env::ToolEnv;
use crate::tools::output::json_output;
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_update_page_section`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
    /// Without # marks
    heading_text: String,
    /// Body without the heading
    new_content: String,
    /// markdown (default), wiki or storage
    content_format: Option<String>,
    is_minor_edit: Option<bool>,
    version_comment: Option<String>,
}

struct UpdatePageSection(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_update_page_section",
            description: "Replace only the section under one heading.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        UpdatePageSection(env),
    )
}

impl Logic for UpdatePageSection {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let replacement = match to_storage(&args.new_content, args.content_format.as_deref()) {
            Ok(s) => s,
            Err(e) => return e,
        };
        let page = match allowed_page(env, client, &auth, &args.page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let body = match replace_section(&page.storage, &args.heading_text, &replacement) {
            Ok(b) => b,
            Err(SectionError::NotFound(hs)) => {
                return ToolOutput::error(format!(
                    "No heading {:?} on page {}. Its headings: {}.",
                    args.heading_text.trim(),
                    page.id,
                    if hs.is_empty() {
                        "none".to_owned()
                    } else {
                        hs.join(" | ")
                    }
                ));
            }
            Err(SectionError::Ambiguous(n)) => {
                return ToolOutput::error(format!(
                    "{n} headings on page {} read {:?}; edit it with confluence_update_page instead.",
                    page.id,
                    args.heading_text.trim()
                ));
            }
        };
        let u = PageUpdate {
            title: &page.title,
            storage: &body,
            version: page.version.unwrap_or(0) + 1,
            message: args.version_comment.as_deref(),
            minor: args.is_minor_edit.unwrap_or(false),
            parent_id: None,
            space_key: None,
        };
        match pages::update_page(client, &auth, &page, &u).await {
            Ok(mut updated) => {
                updated.space_key = updated.space_key.or(page.space_key.clone());
                json_output(summary(&updated, client.site(), None))
            }
            Err(e) => conflict(client, &auth, &page, &e).await,
        }
    }
}
