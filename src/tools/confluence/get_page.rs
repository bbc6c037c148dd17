//! `confluence_get_page`: a page by id, or by title and space, as Markdown or storage XHTML.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::page_url;
use crate::atlassian::confluence::{self, Page};
use crate::atlassian::markup::storage_to_markdown;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, time_value, upstream_error, user};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_page`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Or give title and space_key.
    page_id: Option<String>,
    /// Exact title; needs space_key.
    title: Option<String>,
    space_key: Option<String>,
    #[schemars(extend("default" = true))]
    include_metadata: Option<bool>,
    /// false: storage XHTML
    #[schemars(extend("default" = true))]
    convert_to_markdown: Option<bool>,
}

struct GetPage(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_page",
            description: "Get a page by page_id, or by title and space_key, its content as Markdown.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetPage(env),
    )
}

impl Logic for GetPage {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let spaces = &env.confluence_spaces;
        let page = match (
            args.page_id.as_deref().map(str::trim),
            args.title.as_deref(),
            args.space_key.as_deref(),
        ) {
            (Some(id), _, _) if !id.is_empty() => {
                match confluence::get_page(client, &auth, id).await {
                    Ok(p) => p,
                    Err(e) => return upstream_error(&e),
                }
            }
            (_, Some(title), Some(space)) => {
                if !spaces.is_empty() && !spaces.iter().any(|s| s.eq_ignore_ascii_case(space)) {
                    return outside_filter(space, spaces);
                }
                match confluence::get_page_by_title(client, &auth, space, title).await {
                    Ok(Some(p)) => p,
                    Ok(None) => {
                        return ToolOutput::error(format!(
                            "No page titled {title:?} in space {space}. Check the exact title, or search with confluence_search."
                        ));
                    }
                    Err(e) => return upstream_error(&e),
                }
            }
            _ => return ToolOutput::error("Pass page_id, or both title and space_key."),
        };
        if !spaces.is_empty()
            && !page
                .space_key
                .as_ref()
                .is_some_and(|k| spaces.iter().any(|s| s.eq_ignore_ascii_case(k)))
        {
            // Name the page asked for, not the space it turned out to be in.
            return super::common::outside_page(&page.id, spaces);
        }
        let markdown = args.convert_to_markdown.unwrap_or(true);
        json_output(render(
            &page,
            client.site(),
            markdown,
            args.include_metadata.unwrap_or(true),
        ))
    }
}

fn render(page: &Page, site: &str, markdown: bool, metadata: bool) -> Value {
    let content = if markdown {
        storage_to_markdown(&page.storage).trim().to_owned()
    } else {
        page.storage.clone()
    };
    if !metadata {
        return json!({"title": page.title, "content": content});
    }
    let author = match &page.author {
        Some(Value::String(id)) => json!({"account_id": id}),
        Some(obj) => user(obj),
        None => Value::Null,
    };
    json!({
        "id": page.id,
        "title": page.title,
        "space_key": page.space_key,
        "url": page_url(site, page.webui.as_deref()),
        "version": page.version,
        "created": time_value(page.created.as_ref().map(|s| Value::String(s.clone())).as_ref()),
        "updated": time_value(page.updated.as_ref().map(|s| Value::String(s.clone())).as_ref()),
        "author": author,
        "parent_id": page.parent_id,
        "labels": page.labels,
        "content_format": if markdown { "markdown" } else { "storage" },
        "content": content,
    })
}

fn outside_filter(space: &str, spaces: &[String]) -> ToolOutput {
    ToolOutput::error(format!(
        "{space} is outside the spaces this server may read ({}). Ask for a page in one of them.",
        spaces.join(", ")
    ))
}
