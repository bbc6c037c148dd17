//! `confluence_update_page`: replace a page's title and body with the next version; a
//! concurrent edit is reported, never overwritten.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::common::{allowed_page, summary, to_storage, unsupported};
use super::preserve::lost_in_markdown;
use crate::atlassian::confluence::pages::{self, PageUpdate};
use crate::atlassian::confluence::{self, Page};
use crate::atlassian::{AtlassianError, CallAuth, ErrorKind, ServiceClient};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_update_page`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
    /// Repeat the current title to keep it
    title: String,
    /// Whole new body; omit to keep
    content: Option<String>,
    is_minor_edit: Option<bool>,
    version_comment: Option<String>,
    /// Moves the page under it
    parent_id: Option<String>,
    /// markdown (default), wiki or storage
    content_format: Option<String>,
    /// Not supported (accepted so the error can say so; not advertised).
    #[schemars(skip)]
    enable_heading_anchors: Option<bool>,
    include_content: Option<bool>,
    /// Replace macros/layouts Markdown cannot hold
    overwrite: Option<bool>,
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
}

struct UpdatePage(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_update_page",
            description: "Replace a page's title and body; never overwrites a concurrent edit.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        UpdatePage(env),
    )
}

/// The tool error for a 409: re-reads the page so the agent knows what it now holds.
pub async fn conflict(
    client: &ServiceClient,
    auth: &CallAuth,
    read: &Page,
    e: &AtlassianError,
) -> ToolOutput {
    if e.kind != ErrorKind::Conflict {
        return upstream_error(e);
    }
    let now = confluence::get_page(client, auth, &read.id).await.ok();
    let current = now
        .as_ref()
        .and_then(|p| p.version)
        .map(|v| format!("it is now at version {v}"))
        .unwrap_or_else(|| "it changed".to_owned());
    ToolOutput::error(format!(
        "Page {} was edited by someone else after it was read at version {} ({current}); nothing was saved. Read it again with confluence_get_page and reapply your change.",
        read.id,
        read.version.unwrap_or(0)
    ))
}

impl Logic for UpdatePage {
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
        ]) {
            return e;
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let new_storage = match &args.content {
            Some(c) => match to_storage(c, args.content_format.as_deref()) {
                Ok(s) => Some(s),
                Err(e) => return e,
            },
            None => None,
        };
        let page = match allowed_page(env, client, &auth, &args.page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let parent = match args
            .parent_id
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => match allowed_page(env, client, &auth, p).await {
                Ok(pp) => Some(pp),
                Err(e) => return e,
            },
            None => None,
        };
        let markdown = !matches!(
            args.content_format.as_deref().map(str::trim),
            Some("storage")
        );
        if args.content.is_some() && markdown && args.overwrite != Some(true) {
            let lost = lost_in_markdown(&page.storage);
            if !lost.is_empty() {
                return ToolOutput::error(format!(
                    "Page {} holds content Markdown cannot carry ({}); replacing its body with Markdown would drop it, so nothing was saved. To change it safely, edit one section with confluence_update_page_section, or read the storage body (confluence_get_page with convert_to_markdown=false) and send the whole edited body with content_format=storage. Pass overwrite=true only to replace it anyway.",
                    page.id,
                    lost.join(", ")
                ));
            }
        }
        let title = args.title.trim();
        if title.is_empty() {
            return ToolOutput::error(
                "title is empty; pass the page title (the current one to keep it).",
            );
        }
        let u = PageUpdate {
            title,
            storage: new_storage.as_deref().unwrap_or(&page.storage),
            version: page.version.unwrap_or(0) + 1,
            message: args.version_comment.as_deref(),
            minor: args.is_minor_edit.unwrap_or(false),
            parent_id: parent.as_ref().map(|p| p.id.as_str()),
            // Server/DC needs the space named when the new parent is in another one.
            space_key: parent
                .as_ref()
                .and_then(|p| p.space_key.as_deref())
                .filter(|k| Some(*k) != page.space_key.as_deref()),
        };
        match pages::update_page(client, &auth, &page, &u).await {
            Ok(mut updated) => {
                updated.space_key = updated.space_key.or(page.space_key.clone());
                json_output(summary(
                    &updated,
                    client.site(),
                    args.include_content.unwrap_or(false).then_some(true),
                ))
            }
            Err(e) => conflict(client, &auth, &page, &e).await,
        }
    }
}
