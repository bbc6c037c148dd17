//! Jira tools.

mod batch;
mod comments;
mod common;
mod create_issue;
mod fields;
mod get_issue;
mod move_issue;
mod project_issues;
mod search;
pub mod shape;
mod transitions;
mod update_issue;

use std::sync::Arc;

use super::env::ToolEnv;
use super::registry::Tool;

/// Every Jira tool.
pub fn all(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    vec![
        get_issue::tool(env.clone()),
        search::tool(env.clone()),
        transitions::get_tool(env.clone()),
        transitions::do_tool(env.clone()),
        comments::add_tool(env.clone()),
        comments::edit_tool(env.clone()),
        create_issue::tool(env.clone()),
        update_issue::update_tool(env.clone()),
        update_issue::assign_tool(env.clone()),
        update_issue::delete_tool(env.clone()),
        project_issues::tool(env.clone()),
        batch::create_tool(env.clone()),
        batch::changelogs_tool(env.clone()),
        move_issue::tool(env.clone()),
        fields::search_tool(env.clone()),
        fields::options_tool(env.clone()),
    ]
}

/// The project key of an issue key such as `PROJ-12`, upper-cased; `None` for numeric ids.
pub fn project_of(issue_key: &str) -> Option<String> {
    let (project, number) = issue_key.trim().rsplit_once('-')?;
    (!project.is_empty() && number.chars().all(|c| c.is_ascii_digit()) && !number.is_empty())
        .then(|| project.to_ascii_uppercase())
}

/// The default `fields` list of the reference server.
pub const DEFAULT_FIELDS: &str = "summary,created,reporter,labels,updated,description,issuetype,versions,assignee,status,priority";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_keys_come_from_issue_keys() {
        assert_eq!(project_of("demo-12").as_deref(), Some("DEMO"));
        assert_eq!(project_of("MY-PROJ-7").as_deref(), Some("MY-PROJ"));
        assert_eq!(project_of("10001"), None);
        assert_eq!(project_of("DEMO-"), None);
    }
}
