//! `confluence_move_page`: put a page (and its subtree) under another parent or beside a
//! sibling, possibly in another space.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::common::{allowed_page, allowed_space};
use crate::atlassian::confluence::{self, pages};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_move_page`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
    /// New parent (sibling for before/after)
    target_parent_id: Option<String>,
    /// Alone: under that space's home
    target_space_key: Option<String>,
    /// append = last child
    #[schemars(extend("default" = "append", "enum" = ["append", "before", "after"]))]
    position: Option<String>,
}

struct MovePage(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_move_page",
            description: "Move a page and its subtree.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Write,
            destructive: true,
            idempotent: true,
            availability: Availability::BOTH,
        },
        MovePage(env),
    )
}

impl Logic for MovePage {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let position = match args.position.as_deref().map(str::trim).unwrap_or("append") {
            "append" => "append",
            "before" | "above" => "before",
            "after" | "below" => "after",
            other => {
                return ToolOutput::error(format!(
                    "position {other:?} is not known; use append, before or after."
                ));
            }
        };
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let page = match allowed_page(env, client, &auth, &args.page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let target_space = args
            .target_space_key
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(space) = target_space
            && let Err(e) = allowed_space(env, space)
        {
            return e;
        }
        let target = match (
            args.target_parent_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty()),
            target_space,
        ) {
            (Some(t), _) => match allowed_page(env, client, &auth, t).await {
                Ok(tp) => {
                    if let Some(space) = target_space
                        && tp
                            .space_key
                            .as_deref()
                            .is_some_and(|k| !k.eq_ignore_ascii_case(space))
                    {
                        return ToolOutput::error(format!(
                            "Target page {t} is in space {}, not {space}. Drop one of the two or make them agree.",
                            tp.space_key.unwrap_or_default()
                        ));
                    }
                    tp
                }
                Err(e) => return e,
            },
            (None, Some(space)) => match pages::space_home(client, &auth, space).await {
                Ok(h) => h,
                Err(e) => return upstream_error(&e),
            },
            (None, None) => {
                return ToolOutput::error("Pass target_parent_id, target_space_key, or both.");
            }
        };
        if target.id == page.id {
            return ToolOutput::error("A page cannot be moved relative to itself.");
        }
        if let Err(e) = pages::move_page(client, &auth, &page, position, &target.id).await {
            return upstream_error(&e);
        }
        let moved = match confluence::get_page(client, &auth, &page.id).await {
            Ok(p) => p,
            Err(e) => return upstream_error(&e),
        };
        json_output(json!({
            "moved": true,
            "id": moved.id,
            "title": moved.title,
            "space_key": moved.space_key,
            "parent_id": moved.parent_id,
        }))
    }
}
