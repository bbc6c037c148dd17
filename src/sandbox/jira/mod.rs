//! Jira platform REST API: Cloud `/rest/api/3` and Server/DC `/rest/api/2`; and the read
//! Jira Software's `/rest/agile/1.0` (boards, sprints, sprint issues).
//!
//! Routes take the version as a path segment and pick the [`render::Flavour`] from it,
//! so both flavours run the same handlers over the same data.

pub mod agile;
pub mod attachments;
pub mod bulk_move;
pub mod changelog;
pub mod comment_edit;
pub mod create;
pub mod createmeta;
pub mod dev_status;
pub mod fields;
pub mod forms;
pub mod issue_changelog;
pub mod issues;
pub mod jsm_seed;
pub mod links;
pub mod meta;
pub mod people;
pub mod projects;
pub mod render;
pub mod screen;
pub mod search;
pub mod servicedesk;
pub mod sprints;
pub mod workflow;
pub mod worklog;

use axum::Router;
use axum::routing::{get, post};

use crate::sandbox::SandboxState;
use crate::sandbox::error::{ApiError, Family};
use render::Flavour;

/// Jira routes.
pub fn routes() -> Router<SandboxState> {
    Router::new()
        .route(
            "/rest/api/{ver}/issue/{key}",
            get(issues::get_issue)
                .put(issues::edit_issue)
                .delete(create::delete_issue),
        )
        .route(
            "/rest/api/{ver}/issue",
            axum::routing::post(create::create_issue),
        )
        .route(
            "/rest/api/{ver}/issue/bulk",
            axum::routing::post(create::create_issues),
        )
        .route(
            "/rest/api/{ver}/issue/{key}/assignee",
            axum::routing::put(create::assign),
        )
        .route(
            "/rest/api/3/issue/createmeta",
            get(createmeta::createmeta_old),
        )
        .route(
            "/rest/api/{ver}/issue/createmeta/{project}/issuetypes",
            get(createmeta::createmeta_types),
        )
        .route(
            "/rest/api/{ver}/issue/createmeta/{project}/issuetypes/{id}",
            get(createmeta::createmeta_fields),
        )
        .route(
            "/rest/api/{ver}/issue/{key}/comment",
            get(issues::get_comments).post(issues::add_comment),
        )
        .route(
            "/rest/api/{ver}/issue/{key}/comment/{id}",
            axum::routing::put(comment_edit::edit_comment),
        )
        .route(
            "/rest/api/{ver}/issue/{key}/transitions",
            get(workflow::get_transitions).post(workflow::do_transition),
        )
        .route(
            "/rest/api/{ver}/issue/{key}/worklog",
            get(workflow::get_worklogs).post(worklog::add_worklog),
        )
        .route(
            "/rest/api/{ver}/issue/{key}/attachments",
            post(attachments::add_attachments),
        )
        .route(
            "/rest/api/{ver}/attachment/{id}",
            get(attachments::get_attachment),
        )
        .route(
            "/rest/api/3/attachment/content/{id}",
            get(attachments::content_cloud),
        )
        .route(
            "/secure/attachment/{id}/{filename}",
            get(attachments::content_dc),
        )
        .route(
            "/rest/api/3/issue/{key}/changelog",
            get(issue_changelog::changelog),
        )
        .route(
            "/rest/dev-status/{ver}/issue/summary",
            get(dev_status::summary),
        )
        .route(
            "/rest/dev-status/{ver}/issue/detail",
            get(dev_status::detail),
        )
        .route("/rest/api/{ver}/myself", get(meta::myself))
        .route("/rest/api/{ver}/issueLinkType", get(links::link_types))
        .route("/rest/api/{ver}/issueLink", post(links::create_link))
        .route(
            "/rest/api/{ver}/issueLink/{id}",
            get(links::get_link).delete(links::delete_link),
        )
        .route(
            "/rest/api/{ver}/issue/{key}/remotelink",
            get(links::remote_links).post(links::create_remote_link),
        )
        .route(
            "/rest/agile/1.0/epic/{epic}/issue",
            post(links::move_to_epic),
        )
        .route("/rest/api/{ver}/project", get(projects::all_projects))
        .route("/rest/api/3/project/search", get(projects::search_projects))
        .route(
            "/rest/api/2/projects/picker",
            get(projects::projects_picker),
        )
        .route(
            "/rest/api/{ver}/project/{key}/versions",
            get(projects::project_versions),
        )
        .route(
            "/rest/api/{ver}/project/{key}/components",
            get(projects::project_components),
        )
        .route("/rest/api/{ver}/version", post(projects::create_version))
        .route(
            "/rest/api/{ver}/version/{id}",
            get(projects::get_version).put(projects::update_version),
        )
        .route("/rest/api/{ver}/user", get(people::get_user))
        .route("/rest/api/{ver}/user/search", get(people::user_search))
        .route(
            "/rest/api/{ver}/user/assignable/search",
            get(people::assignable_search),
        )
        .route(
            "/rest/api/{ver}/issue/{key}/watchers",
            get(people::get_watchers)
                .post(people::add_watcher)
                .delete(people::remove_watcher),
        )
        .route("/rest/api/{ver}/field", get(fields::fields))
        .route("/rest/api/3/field/{id}/context", get(fields::contexts))
        .route(
            "/rest/api/3/field/{id}/context/{context}/option",
            get(fields::context_options),
        )
        .route(
            "/rest/api/2/customFields/{id}/options",
            get(fields::dc_options),
        )
        .route(
            "/rest/api/3/bulk/issues/move",
            axum::routing::post(bulk_move::bulk_move),
        )
        .route("/rest/api/3/bulk/queue/{task}", get(bulk_move::queue))
        .route(
            "/rest/api/3/changelog/bulkfetch",
            axum::routing::post(changelog::bulk_fetch),
        )
        .route("/rest/agile/1.0/board", get(agile::boards))
        .route("/rest/agile/1.0/board/{id}", get(agile::board))
        .route(
            "/rest/agile/1.0/board/{id}/sprint",
            get(agile::board_sprints),
        )
        .route(
            "/rest/agile/1.0/sprint/{id}",
            get(agile::sprint)
                .post(sprints::partial_update)
                .put(sprints::full_update),
        )
        .route(
            "/rest/agile/1.0/board/{id}/issue",
            get(sprints::board_issues),
        )
        .route(
            "/rest/agile/1.0/sprint/{id}/issue",
            get(sprints::sprint_issues).post(sprints::move_to_sprint),
        )
        .route("/rest/agile/1.0/sprint", post(sprints::create_sprint))
        .route(
            "/rest/agile/1.0/backlog/issue",
            post(sprints::move_to_backlog),
        )
        .route("/rest/api/{ver}/serverInfo", get(meta::server_info))
        .route("/rest/servicedeskapi/servicedesk", get(servicedesk::desks))
        .route(
            "/rest/servicedeskapi/servicedesk/{id}",
            get(servicedesk::desk),
        )
        .route(
            "/rest/servicedeskapi/servicedesk/{id}/queue",
            get(servicedesk::queues),
        )
        .route(
            "/rest/servicedeskapi/servicedesk/{id}/queue/{q}",
            get(servicedesk::queue),
        )
        .route(
            "/rest/servicedeskapi/servicedesk/{id}/queue/{q}/issue",
            get(servicedesk::queue_issues),
        )
        .route(
            "/rest/servicedeskapi/servicedesk/{id}/requesttype",
            get(servicedesk::request_types),
        )
        .route(
            "/rest/servicedeskapi/servicedesk/{id}/requesttype/{rt}/field",
            get(servicedesk::request_type_fields),
        )
        .route(
            "/rest/servicedeskapi/request",
            post(servicedesk::create_request),
        )
        .route("/_edge/tenant_info", get(forms::tenant_info))
        .route(
            "/jira/forms/cloud/{cloud}/issue/{key}/form",
            get(forms::list),
        )
        .route(
            "/jira/forms/cloud/{cloud}/issue/{key}/form/{form}",
            get(forms::get).put(forms::save),
        )
        .route(
            "/rest/api/3/search/jql",
            get(search::search_jql_get).post(search::search_jql_post),
        )
        .route(
            "/rest/api/3/search",
            get(search::removed).post(search::removed),
        )
        .route(
            "/rest/api/2/search",
            get(search::search_v2_get).post(search::search_v2_post),
        )
}

/// The flavour named by the `{ver}` path segment.
pub fn flavour(ver: &str) -> Result<Flavour, ApiError> {
    match ver {
        "2" | "latest" => Ok(Flavour::V2),
        "3" => Ok(Flavour::V3),
        _ => Err(ApiError::not_found(
            Family::Jira,
            format!("REST API version '{ver}' does not exist in the sandbox (use 2 or 3)"),
        )),
    }
}

/// All values of query parameter `name`.
pub fn params<'a>(q: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    q.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// An optional non-negative integer query parameter; a malformed one is a Jira 400.
pub fn int_param(q: &[(String, String)], name: &str) -> Result<Option<u64>, ApiError> {
    match params(q, name).first() {
        None => Ok(None),
        Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
            ApiError::bad_request(Family::Jira, format!("The value '{v}' is invalid for the '{name}' parameter: expected a non-negative integer"))
        }),
    }
}

/// Parses a JSON request body, or answers a Jira 400.
pub fn json_body(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            Family::Jira,
            format!("Unexpected character in the request body: {e}"),
        )
    })
}
