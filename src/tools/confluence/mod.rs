//! Confluence tools.

mod add_comment;
mod add_inline_comment;
mod add_label;
mod attachment_writes;
mod attachments;
mod check_content_permissions;
mod common;
mod copy_page;
mod create_page;
mod delete_page;
mod diff;
mod get_comments;
mod get_inline_comments;
mod get_labels;
mod get_page;
mod get_page_children;
mod get_page_diff;
mod get_page_history;
mod get_page_restrictions;
mod get_page_views;
mod get_space_page_tree;
mod get_space_permissions;
mod move_page;
mod preserve;
mod reply_to_comment;
mod search;
mod search_user;
mod section;
mod set_page_restrictions;
mod templates;
mod update_page;
mod update_page_section;

use std::sync::Arc;

use super::env::ToolEnv;
use super::registry::Tool;

/// Every Confluence tool.
pub fn all(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    vec![
        search::tool(env.clone()),
        get_page::tool(env.clone()),
        get_page_children::tool(env.clone()),
        get_space_page_tree::tool(env.clone()),
        create_page::tool(env.clone()),
        update_page::tool(env.clone()),
        update_page_section::tool(env.clone()),
        delete_page::tool(env.clone()),
        get_page_history::tool(env.clone()),
        get_page_diff::tool(env.clone()),
        move_page::tool(env.clone()),
        copy_page::tool(env.clone()),
        get_labels::tool(env.clone()),
        add_label::tool(env.clone()),
        get_comments::tool(env.clone()),
        add_comment::tool(env.clone()),
        get_inline_comments::tool(env.clone()),
        add_inline_comment::tool(env.clone()),
        reply_to_comment::tool(env.clone()),
        get_page_restrictions::tool(env.clone()),
        set_page_restrictions::tool(env.clone()),
        attachments::list_tool(env.clone()),
        attachments::download_tool(env.clone()),
        attachment_writes::upload_tool(env.clone()),
        attachment_writes::delete_tool(env.clone()),
        attachments::images_tool(env.clone()),
        attachments::download_all_tool(env.clone()),
        attachment_writes::upload_many_tool(env.clone()),
        search_user::tool(env.clone()),
        get_page_views::tool(env.clone()),
        check_content_permissions::tool(env.clone()),
        get_space_permissions::tool(env.clone()),
        templates::list_tool(env.clone()),
        templates::get_tool(env.clone()),
        templates::create_tool(env.clone()),
    ]
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
