//! `confluence_create_page`: a new page in a space, under a parent, from Markdown, wiki
//! markup or storage XHTML.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::common::{allowed_page, allowed_space, summary, to_storage, unsupported};
use crate::atlassian::confluence::pages;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_create_page`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    space_key: String,
    /// Unique in the space
    title: String,
    content: Option<String>,
    /// Default: space home
    parent_id: Option<String>,
    /// markdown (default), wiki or storage
    content_format: Option<String>,
    /// Not supported (accepted so the error can say so; not advertised).
    #[schemars(skip)]
    enable_heading_anchors: Option<bool>,
    include_content: Option<bool>,
    /// Not supported (accepted so the error can say so; not advertised).
    #[schemars(skip)]
    emoji: Option<String>,
    /// Not supported (accepted so the error can say so; not advertised).
    #[schemars(skip)]
    content_file: Option<String>,
    /// Not supported (accepted so the error can say so; not advertised).
    #[schemars(skip)]
    page_width: Option<String>,
    /// Not supported (accepted so the error can say so; not advertised).
    #[schemars(skip)]
    table_layout: Option<String>,
    /// Not supported (accepted so the error can say so; not advertised).
    #[schemars(skip)]
    subtype: Option<String>,
}

struct CreatePage(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_create_page",
            description: "Create a page under parent_id or the space home.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        CreatePage(env),
    )
}

impl Logic for CreatePage {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        if let Err(e) = unsupported(&[
            (
                "enable_heading_anchors",
                args.enable_heading_anchors == Some(true),
            ),
            ("emoji", args.emoji.is_some()),
            ("content_file", args.content_file.is_some()),
            ("page_width", args.page_width.is_some()),
            ("table_layout", args.table_layout.is_some()),
            (
                "subtype",
                args.subtype.as_deref().is_some_and(|s| s != "page"),
            ),
        ]) {
            return e;
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let key = args.space_key.trim();
        if let Err(e) = allowed_space(env, key) {
            return e;
        }
        let title = args.title.trim();
        if title.is_empty() {
            return ToolOutput::error("title is empty; give the page a title.");
        }
        let storage = match to_storage(
            args.content.as_deref().unwrap_or(""),
            args.content_format.as_deref(),
        ) {
            Ok(s) => s,
            Err(e) => return e,
        };
        let parent = match args
            .parent_id
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => match allowed_page(env, client, &auth, p).await {
                Ok(page)
                    if page
                        .space_key
                        .as_deref()
                        .is_some_and(|k| !k.eq_ignore_ascii_case(key)) =>
                {
                    return ToolOutput::error(format!(
                        "Parent page {p} is in space {}, not {key}. Pick a parent in {key} or change space_key.",
                        page.space_key.unwrap_or_default()
                    ));
                }
                Ok(page) => Some(page.id),
                Err(e) => return e,
            },
            None => None,
        };
        match pages::create_page(client, &auth, key, title, &storage, parent.as_deref()).await {
            Ok(page) => json_output(summary(
                &page,
                client.site(),
                args.include_content.unwrap_or(false).then_some(true),
            )),
            Err(e) => upstream_error(&e),
        }
    }
}
