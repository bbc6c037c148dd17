//! What the Confluence page tools share: the space filter, reading a page the filter allows,
//! turning the caller's content into storage format, and the short page summary they return.
//!
//! Invariant: a write tool calls [`allowed_page`] or [`allowed_space`] before its first
//! upstream write, so a page outside `CONFLUENCE_SPACES_FILTER` is never changed.

use serde_json::{Value, json};

use super::page_url;
use crate::atlassian::confluence::{self, Page};
use crate::atlassian::markup::{markdown_to_storage, wiki_to_markdown};
use crate::atlassian::{CallAuth, ServiceClient};
use crate::tools::env::ToolEnv;
use crate::tools::output::upstream_error;
use crate::tools::registry::ToolOutput;

/// The tool error for a space outside the filter.
pub fn outside(space: &str, spaces: &[String]) -> ToolOutput {
    ToolOutput::error(format!(
        "{space} is outside the spaces this server may use ({}). Pick a page in one of them.",
        spaces.join(", ")
    ))
}

/// The tool error for a page (found by id) in a space outside the filter; it does not say
/// which space.
pub fn outside_page(id: &str, spaces: &[String]) -> ToolOutput {
    ToolOutput::error(format!(
        "Page {id} is outside the spaces this server may use ({}). Pick a page in one of them.",
        spaces.join(", ")
    ))
}

/// Ok when `space` passes `CONFLUENCE_SPACES_FILTER`.
pub fn allowed_space(env: &ToolEnv, space: &str) -> Result<(), ToolOutput> {
    let spaces = &env.confluence_spaces;
    if spaces.is_empty() || spaces.iter().any(|s| s.eq_ignore_ascii_case(space)) {
        Ok(())
    } else {
        Err(outside(space, spaces))
    }
}

/// Reads page `id` and checks its space against the filter.
pub async fn allowed_page(
    env: &ToolEnv,
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<Page, ToolOutput> {
    let id = id.trim();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(ToolOutput::error(format!(
            "{id:?} is not a page id; pass the number from the page URL (find it with confluence_search)."
        )));
    }
    let page = confluence::get_page(client, auth, id)
        .await
        .map_err(|e| upstream_error(&e))?;
    // The error names the page, never its space: that would reveal where it lives.
    if !env.confluence_spaces.is_empty()
        && page
            .space_key
            .as_deref()
            .is_none_or(|k| allowed_space(env, k).is_err())
    {
        return Err(outside_page(&page.id, &env.confluence_spaces));
    }
    Ok(page)
}

/// The caller's content in storage format: `markdown` (default), `wiki` (converted via
/// Markdown) or `storage` (as given).
pub fn to_storage(content: &str, format: Option<&str>) -> Result<String, ToolOutput> {
    match format.map(str::trim).unwrap_or("markdown") {
        "markdown" => Ok(markdown_to_storage(content)),
        "wiki" => Ok(markdown_to_storage(&wiki_to_markdown(content))),
        "storage" => Ok(content.to_owned()),
        other => Err(ToolOutput::error(format!(
            "content_format {other:?} is not known; use markdown, wiki or storage."
        ))),
    }
}

/// Options of the reference server this one does not implement; naming one is an error
/// so nobody believes it took effect.
pub fn unsupported(options: &[(&str, bool)]) -> Result<(), ToolOutput> {
    let given: Vec<&str> = options
        .iter()
        .filter(|(_, set)| *set)
        .map(|(n, _)| *n)
        .collect();
    if given.is_empty() {
        Ok(())
    } else {
        let verb = if given.len() == 1 { "is" } else { "are" };
        Err(ToolOutput::error(format!(
            "{} {verb} not supported by this server; leave {} out (for content_file, pass the text as content).",
            given.join(", "),
            if given.len() == 1 { "it" } else { "them" }
        )))
    }
}

/// A page summary: id, title, space, version, parent, url and (optionally) its content.
pub fn summary(page: &Page, site: &str, content: Option<bool>) -> Value {
    let mut v = json!({
        "id": page.id,
        "title": page.title,
        "space_key": page.space_key,
        "version": page.version,
        "parent_id": page.parent_id,
        "url": page_url(site, page.webui.as_deref()),
    });
    match content {
        Some(true) => {
            v["content"] =
                json!(crate::atlassian::markup::storage_to_markdown(&page.storage).trim())
        }
        Some(false) => v["content"] = json!(page.storage),
        None => {}
    }
    v
}
