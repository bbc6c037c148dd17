//! What the Jira write tools share: the project-filter guard that runs before any upstream
//! call, and Markdown converted to the deployment's rich-text format.

use serde_json::Value;

use super::project_of;
use crate::atlassian::ServiceClient;
use crate::atlassian::markup::{markdown_to_adf, markdown_to_wiki};
use crate::config::Deployment;
use crate::tools::env::ToolEnv;
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
