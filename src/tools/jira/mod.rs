//! Jira tools.

mod add_watcher;
mod add_worklog;
mod agile;
mod analysis;
pub(crate) mod attachment_upload;
mod attachments;
mod batch;
mod comments;
mod common;
pub mod confine;
mod create_customer_request;
mod create_issue;
mod create_issue_link;
mod create_version;
mod development;
mod fields;
mod get_all_projects;
mod get_create_fields;
mod get_issue;
mod get_issue_proforma_forms;
mod get_issue_watchers;
mod get_proforma_form_details;
mod get_queue_issues;
mod get_request_type_fields;
mod get_request_types;
mod get_service_desk_for_project;
mod get_service_desk_queues;
mod get_user_profile;
mod get_worklog;
mod link_to_epic;
mod link_types;
mod metrics;
mod move_issue;
pub mod people;
mod proforma;
mod project_issues;
mod project_lists;
mod remote_issue_link;
mod remove_issue_link;
mod remove_watcher;
mod search;
mod search_assignable_users;
mod search_projects;
mod service_desk;
pub mod shape;
mod sprint_writes;
mod transitions;
mod update_issue;
mod update_proforma_form_answers;
mod update_version;
pub mod versions;

use std::sync::Arc;

use super::env::ToolEnv;
use super::registry::Tool;

/// Every Jira tool.
pub fn all(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    let mut tools = vec![
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
        get_user_profile::tool(env.clone()),
        search_assignable_users::tool(env.clone()),
        get_issue_watchers::tool(env.clone()),
        add_watcher::tool(env.clone()),
        remove_watcher::tool(env.clone()),
        get_worklog::tool(env.clone()),
        add_worklog::tool(env.clone()),
        get_all_projects::tool(env.clone()),
        search_projects::tool(env.clone()),
        get_create_fields::tool(env.clone()),
        update_version::tool(env.clone()),
        link_types::tool(env.clone()),
        create_issue_link::tool(env.clone()),
        remote_issue_link::tool(env.clone()),
        remove_issue_link::tool(env.clone()),
        link_to_epic::tool(env.clone()),
        attachments::download_tool(env.clone()),
        attachments::images_tool(env.clone()),
    ];
    tools.extend(project_lists::tools(env));
    tools.extend(create_version::tools(env));
    tools.extend(agile::tools(env));
    tools.extend(sprint_writes::tools(env));
    tools.extend(metrics::tools(env));
    tools.extend(development::tools(env));
    tools.extend(analysis::tools(env));
    tools.extend([
        get_service_desk_for_project::tool(env.clone()),
        get_service_desk_queues::tool(env.clone()),
        get_queue_issues::tool(env.clone()),
        get_request_types::tool(env.clone()),
        get_request_type_fields::tool(env.clone()),
        create_customer_request::tool(env.clone()),
        get_issue_proforma_forms::tool(env.clone()),
        get_proforma_form_details::tool(env.clone()),
        update_proforma_form_answers::tool(env.clone()),
    ]);
    tools
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
