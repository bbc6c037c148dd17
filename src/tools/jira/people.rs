//! What the user, watcher and worklog tools share: checking an issue key against
//! `JIRA_PROJECTS_FILTER` before any upstream call, and turning what an agent calls a person
//! (account id, e-mail, user name or display name) into the id this deployment's API takes.

use serde_json::Value;

use super::project_of;
use crate::atlassian::jira::people;
use crate::atlassian::{CallAuth, ErrorKind, ServiceClient};
use crate::config::Deployment;
use crate::tools::env::ToolEnv;
use crate::tools::output::upstream_error;
use crate::tools::registry::ToolOutput;

/// The trimmed issue key, or the tool error when it is empty or outside the project filter.
/// Under a filter a numeric id is refused too: its project is unknown until Jira is asked,
/// and writes must be refused before any upstream call.
pub fn issue_in_scope(env: &ToolEnv, key: &str) -> Result<String, ToolOutput> {
    let key = key.trim();
    if key.is_empty() {
        return Err(ToolOutput::error(
            "issue_key is empty; pass a key such as PROJ-123.",
        ));
    }
    if env.jira_projects.is_empty() {
        return Ok(key.to_owned());
    }
    match project_of(key) {
        Some(p) if env.jira_projects.contains(&p) => Ok(key.to_owned()),
        Some(_) => Err(ToolOutput::error(format!(
            "{key} is outside the projects this server may use ({}). Use an issue in one of them.",
            env.jira_projects.join(", ")
        ))),
        None => Err(ToolOutput::error(format!(
            "{key} is not an issue key; this server is limited to projects {}, so pass the key (e.g. {}-1), not the id.",
            env.jira_projects.join(", "),
            env.jira_projects[0]
        ))),
    }
}

/// The project key, upper-cased, or the tool error when it is outside the project filter.
pub fn project_in_scope(env: &ToolEnv, key: &str) -> Result<String, ToolOutput> {
    let key = key.trim().to_ascii_uppercase();
    if key.is_empty() {
        return Err(ToolOutput::error(
            "project_key is empty; pass a key such as PROJ.",
        ));
    }
    if !env.jira_projects.is_empty() && !env.jira_projects.contains(&key) {
        return Err(ToolOutput::error(format!(
            "Project {key} is outside the projects this server may use ({}).",
            env.jira_projects.join(", ")
        )));
    }
    Ok(key)
}

/// Looks like a Cloud account id (`5b10ac8d82e05b22cc7d4ef5`, `557058:f58131cb-...`).
fn looks_like_account_id(s: &str) -> bool {
    s.len() >= 10
        && !s.contains('@')
        && !s.contains(char::is_whitespace)
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '-')
}

/// The raw Jira user an identifier names: account id or user name (direct lookup), else
/// e-mail or display name (search, exact match preferred, one candidate required).
pub async fn find_user(
    client: &ServiceClient,
    auth: &CallAuth,
    identifier: &str,
) -> Result<Value, ToolOutput> {
    let ident = identifier.trim();
    if ident.is_empty() {
        return Err(ToolOutput::error(
            "The user is empty; pass an account id, e-mail, user name or display name.",
        ));
    }
    let direct = match client.deployment() {
        Deployment::Cloud => looks_like_account_id(ident),
        Deployment::Server => !ident.contains(char::is_whitespace),
    };
    if direct {
        match people::get_user(client, auth, ident).await {
            Ok(u) => return Ok(u),
            Err(e) if matches!(e.kind, ErrorKind::NotFound | ErrorKind::BadRequest) => {}
            Err(e) => return Err(upstream_error(&e)),
        }
    }
    let found = people::search_users(client, auth, ident, 20)
        .await
        .map_err(|e| upstream_error(&e))?;
    let exact: Vec<&Value> = found
        .iter()
        .filter(|u| {
            ["emailAddress", "displayName", "name", "accountId"]
                .iter()
                .any(|f| {
                    u.get(*f)
                        .and_then(Value::as_str)
                        .is_some_and(|v| v.eq_ignore_ascii_case(ident))
                })
        })
        .collect();
    match (exact.as_slice(), found.as_slice()) {
        ([one], _) => Ok((*one).clone()),
        ([], [one]) => Ok(one.clone()),
        ([], []) => Err(ToolOutput::error(format!(
            "No Jira user matches {ident:?}. Check the spelling, or search with jira_search_assignable_users."
        ))),
        _ => {
            let names: Vec<&str> = found
                .iter()
                .filter_map(|u| u.get("displayName").and_then(Value::as_str))
                .collect();
            Err(ToolOutput::error(format!(
                "{ident:?} matches several users ({}). Pass an e-mail or account id instead.",
                names.join(", ")
            )))
        }
    }
}

/// The id this deployment's API names the user by: account id (Cloud) or user name
/// (Server/DC).
pub fn api_id(client: &ServiceClient, user: &Value) -> Option<String> {
    let field = match client.deployment() {
        Deployment::Cloud => "accountId",
        Deployment::Server => "name",
    };
    user.get(field).and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_told_apart_from_names_and_emails() {
        assert!(looks_like_account_id("5b10a2844c20165700ede021"));
        assert!(looks_like_account_id(
            "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"
        ));
        assert!(!looks_like_account_id("alice@example.com"));
        assert!(!looks_like_account_id("Alice Anders"));
        assert!(!looks_like_account_id("alice"));
    }

    #[test]
    fn filtered_servers_refuse_other_projects_and_bare_ids() {
        let env = ToolEnv {
            jira_projects: vec!["DEMO".into()],
            ..ToolEnv::default()
        };
        assert_eq!(
            issue_in_scope(&env, " demo-3 ").ok().as_deref(),
            Some("demo-3")
        );
        assert!(issue_in_scope(&env, "OPS-1").is_err());
        assert!(issue_in_scope(&env, "10001").is_err());
        assert!(project_in_scope(&env, "ops").is_err());
        assert_eq!(project_in_scope(&env, "demo").ok().as_deref(), Some("DEMO"));
    }
}
