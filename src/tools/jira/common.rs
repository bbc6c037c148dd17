//! What the Jira write tools share: the project-filter guard that runs before any upstream
//! call, and Markdown converted to the deployment's rich-text format.

use serde_json::{Map, Value, json};

use super::{confine, project_of};
use crate::atlassian::jira::{self, issue_write};
use crate::atlassian::markup::{markdown_to_adf, markdown_to_wiki};
use crate::atlassian::{CallAuth, ServiceClient};
use crate::config::Deployment;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::ToolOutput;

/// Checks an issue key against `JIRA_PROJECTS_FILTER` and returns it trimmed. With a filter
/// set, numeric ids are refused: their project is unknown without an upstream call.
pub fn guard_issue(env: &ToolEnv, key: &str) -> Result<String, ToolOutput> {
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
        Some(_) => Err(outside(key, &env.jira_projects)),
        None => Err(ToolOutput::error(format!(
            "{key} is not an issue key; this server limits projects, so pass the key (e.g. {}-1).",
            env.jira_projects[0]
        ))),
    }
}

/// Checks a project key against `JIRA_PROJECTS_FILTER`; returns it upper-cased.
pub fn guard_project(env: &ToolEnv, project: &str) -> Result<String, ToolOutput> {
    let p = project.trim().to_ascii_uppercase();
    if p.is_empty() {
        return Err(ToolOutput::error(
            "project_key is empty; pass a key such as PROJ.",
        ));
    }
    if !env.jira_projects.is_empty() && !env.jira_projects.contains(&p) {
        return Err(outside(&p, &env.jira_projects));
    }
    Ok(p)
}

fn outside(what: &str, projects: &[String]) -> ToolOutput {
    ToolOutput::error(format!(
        "{what} is outside the projects this server may use ({}). Use one of them.",
        projects.join(", ")
    ))
}

/// Markdown as ADF (Cloud) or wiki markup (Server/DC).
pub fn rich_in(client: &ServiceClient, markdown: &str) -> Value {
    match client.deployment() {
        Deployment::Cloud => markdown_to_adf(markdown),
        Deployment::Server => Value::String(markdown_to_wiki(markdown)),
    }
}

/// Unwraps a `Result<T, ToolOutput>` inside a tool, returning the error output.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return e,
        }
    };
}
pub(crate) use tri;

/// A person named by the agent as the user reference this deployment wants:
/// `{"accountId"}` on Cloud, `{"name"}` on Server/DC. Account ids and user names are used
/// as given; an e-mail address or a display name is looked up.
pub async fn user_ref(
    client: &ServiceClient,
    auth: &CallAuth,
    who: &str,
) -> Result<Value, ToolOutput> {
    let who = who.trim();
    let cloud = client.deployment() == Deployment::Cloud;
    let id_field = if cloud { "accountId" } else { "name" };
    if is_direct_ref(cloud, who) {
        return Ok(json!({id_field: who}));
    }
    let found = issue_write::find_users(client, auth, who)
        .await
        .map_err(|e| upstream_error(&e))?;
    let exact = found.iter().find(|u| {
        ["emailAddress", "displayName", "name"]
            .iter()
            .any(|f| u[*f].as_str().is_some_and(|v| v.eq_ignore_ascii_case(who)))
    });
    match exact.or(if found.len() == 1 {
        found.first()
    } else {
        None
    }) {
        Some(u) => Ok(json!({id_field: u[id_field]})),
        None => Err(ToolOutput::error(format!(
            "No single Jira user matches {who:?}; pass an {} instead.",
            if cloud {
                "account id"
            } else {
                "exact user name"
            }
        ))),
    }
}

/// True when `who` can be sent as is: a Cloud account id (`5b10a2844c20165700ede022`,
/// `712020:0e5f...`), or a Server/DC user name; e-mail addresses and display names are not.
fn is_direct_ref(cloud: bool, who: &str) -> bool {
    if who.contains('@') || who.contains(char::is_whitespace) {
        return false;
    }
    !cloud
        || who.contains(':')
        || (who.len() >= 20 && who.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// Agent-friendly field values made Jira-shaped: Markdown `description` → ADF/wiki, a
/// person's name/e-mail for `assignee`/`reporter`, and plain names for `priority`,
/// `parent`, `components` and `labels` given as strings.
pub async fn normalise_fields(
    client: &ServiceClient,
    auth: &CallAuth,
    fields: Map<String, Value>,
) -> Result<Map<String, Value>, ToolOutput> {
    let mut out = Map::new();
    for (name, v) in fields {
        let v = match (name.as_str(), v) {
            ("description" | "environment", Value::String(md)) => rich_in(client, &md),
            ("assignee" | "reporter", Value::String(who)) => user_ref(client, auth, &who).await?,
            ("priority" | "issuetype" | "resolution", Value::String(n)) => json!({"name": n}),
            ("parent", Value::String(k)) => json!({"key": k}),
            ("components" | "fixVersions" | "versions", Value::String(list)) => Value::Array(
                names(&list)
                    .into_iter()
                    .map(|n| json!({"name": n}))
                    .collect(),
            ),
            ("labels", Value::String(list)) => json!(names(&list)),
            (_, other) => other,
        };
        out.insert(name, v);
    }
    Ok(out)
}

/// Items of a comma list, trimmed, blanks dropped.
pub fn names(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The issue as the agent reads it after a write, with `fields` (a Jira `fields` list);
/// references outside `JIRA_PROJECTS_FILTER` are dropped as on any read.
pub async fn read_back(
    env: &ToolEnv,
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
    fields: &str,
    extra: Value,
) -> ToolOutput {
    let opts = jira::GetIssue {
        fields,
        update_history: false,
        ..Default::default()
    };
    match jira::get_issue(client, auth, key, &opts).await {
        Ok(raw) => {
            let shaped = confine::shape(&env.jira_projects, &raw, client.site(), 0, None);
            let mut v = json!({"issue": shaped});
            if let (Value::Object(out), Value::Object(more)) = (&mut v, extra) {
                out.extend(more);
            }
            json_output(v)
        }
        Err(e) => ToolOutput::error(format!(
            "The change to {key} was made, but reading it back failed: {}",
            e.agent_message()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(projects: &[&str]) -> ToolEnv {
        ToolEnv {
            jira_projects: projects.iter().map(|p| (*p).to_owned()).collect(),
            ..ToolEnv::default()
        }
    }

    #[test]
    fn the_filter_guard_accepts_keys_inside_and_refuses_others_and_bare_ids() {
        let e = env(&["OPS"]);
        assert_eq!(guard_issue(&e, " ops-3 ").ok(), Some("ops-3".to_owned()));
        assert!(guard_issue(&e, "DEMO-3").is_err());
        assert!(guard_issue(&e, "10001").is_err());
        assert!(guard_issue(&e, "").is_err());
        assert_eq!(
            guard_issue(&env(&[]), "10001").ok(),
            Some("10001".to_owned())
        );
        assert_eq!(guard_project(&e, "ops").ok(), Some("OPS".to_owned()));
        assert!(guard_project(&e, "DEMO").is_err());
    }

    #[test]
    fn account_ids_and_user_names_are_used_as_given_but_emails_and_names_are_looked_up() {
        assert!(is_direct_ref(true, "5b10a2844c20165700ede022"));
        assert!(is_direct_ref(
            true,
            "712020:0e5f1d2c-1111-2222-3333-444455556666"
        ));
        assert!(!is_direct_ref(true, "alice"));
        assert!(!is_direct_ref(true, "alice@example.com"));
        assert!(is_direct_ref(false, "alice"));
        assert!(!is_direct_ref(false, "Alice Anders"));
    }

    #[test]
    fn comma_lists_are_trimmed_and_blanks_dropped() {
        assert_eq!(names(" a, ,b ,"), vec!["a", "b"]);
    }
}
