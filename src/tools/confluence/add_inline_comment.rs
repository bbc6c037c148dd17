//! `confluence_add_inline_comment`: a comment (Markdown) anchored to text on the page.
//!
//! The selection is checked against the page's text before anything is written: Confluence
//! can only place the highlight on text that occurs there, so an absent selection or an
//! out-of-range match index is a tool error saying what to pass instead.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use super::common::allowed_page;
use super::get_comments::comment_json;
use crate::atlassian::confluence::inline::{Selection, add_inline_comment};
use crate::atlassian::markup::{markdown_to_storage, storage_visible_text};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_add_inline_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
    /// Markdown
    body: String,
    /// Exact page text (plain, no Markdown)
    text_selection: String,
    /// Occurrences on the page; counted for you
    #[schemars(range(min = 1), extend("default" = 1))]
    text_selection_match_count: Option<u64>,
    /// Which occurrence, from 0
    #[schemars(range(min = 0), extend("default" = 0))]
    text_selection_match_index: Option<u64>,
}

struct AddInlineComment(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_add_inline_comment",
            description: "Comment on a piece of text in a page, highlighting it.",
            toolset: "confluence_comments",
            product: Product::Confluence,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        AddInlineComment(env),
    )
}

impl Logic for AddInlineComment {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        if args.body.trim().is_empty() {
            return ToolOutput::error("body is empty; write the comment text.");
        }
        if args.text_selection.trim().is_empty() {
            return ToolOutput::error(
                "text_selection is empty; pass the exact page text the comment is about.",
            );
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let page = match allowed_page(env, client, &auth, &args.page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let text = storage_visible_text(&page.storage);
        let found = text.matches(args.text_selection.as_str()).count() as u64;
        if found == 0 {
            return ToolOutput::error(format!(
                "text_selection {:?} does not occur on page {:?}. Copy the exact words from the \
                 page text (confluence_get_page), without Markdown markers such as ** or #.",
                args.text_selection, page.title
            ));
        }
        let index = args.text_selection_match_index.unwrap_or(0);
        if index >= found {
            return ToolOutput::error(format!(
                "text_selection_match_index {index} is out of range: the text occurs {found} \
                 time(s) on the page, so use 0 to {}.",
                found - 1
            ));
        }
        // The count Confluence needs is the page's real one, whatever the caller guessed.
        let selection = Selection {
            text: &args.text_selection,
            count: found,
            index,
        };
        let storage = markdown_to_storage(&args.body);
        match add_inline_comment(client, &auth, &page.id, &storage, &selection).await {
            Ok(c) => {
                let mut v = comment_json(&c.comment);
                v["page_id"] = page.id.into();
                v["selection"] = args.text_selection.into();
                v["match_index"] = index.into();
                v["match_count"] = found.into();
                if let Some(given) = args.text_selection_match_count.filter(|&g| g != found) {
                    v["note"] = format!(
                        "text_selection_match_count was {given}, but the text occurs {found} time(s); used {found}."
                    )
                    .into();
                }
                json_output(v)
            }
            Err(e) => upstream_error(&e),
        }
    }
}
