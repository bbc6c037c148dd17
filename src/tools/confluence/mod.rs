//! Confluence tools.

mod get_page;
mod search;

use std::sync::Arc;

use super::env::ToolEnv;
use super::registry::Tool;

/// Every Confluence tool.
pub fn all(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    vec![search::tool(env.clone()), get_page::tool(env.clone())]
}

/// The link a person opens for a Confluence web UI path.
pub fn page_url(site: &str, webui: Option<&str>) -> Option<String> {
    webui.map(|w| {
        if w.starts_with("http") {
            w.to_owned()
        } else {
            format!("{site}{w}")
        }
    })
}
