//! What the Service Management tools share: resolving a service desk id to its project and
//! checking that against `JIRA_PROJECTS_FILTER` (desks, queues and requests outside the
//! filter are refused), and the `start`/`limit` page summary.

use serde_json::{Value, json};

use crate::atlassian::jira::servicedesk;
use crate::atlassian::{CallAuth, ErrorKind, ServiceClient};
use crate::tools::env::ToolEnv;
use crate::tools::output::upstream_error;
use crate::tools::registry::ToolOutput;

/// A trimmed, non-empty id argument, or the tool error naming it.
pub fn required(name: &str, value: &str) -> Result<String, ToolOutput> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ToolOutput::error(format!(
            "{name} is empty; pass the id (a number as text, e.g. \"1\")."
        )));
    }
    Ok(v.to_owned())
}

/// The service desk's id (as Jira answers it) and its `ServiceDeskDTO`, when its project is
/// inside the project filter. Under a filter this read happens before any write, so an
/// out-of-scope desk is refused before anything is created.
pub async fn desk_in_scope(
    env: &ToolEnv,
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<(String, Value), ToolOutput> {
    let id = required("service_desk_id", id)?;
    let desk = match servicedesk::service_desk(client, auth, &id).await {
        Ok(d) => d,
        Err(e) if e.kind == ErrorKind::NotFound => {
            return Err(ToolOutput::error(format!(
                "Service desk {id} does not exist or is not visible. Find the id with jira_get_service_desk_for_project."
            )));
        }
        Err(e) => return Err(upstream_error(&e)),
    };
    let project = desk["projectKey"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_uppercase();
    if !env.jira_projects.is_empty() && !env.jira_projects.contains(&project) {
        return Err(ToolOutput::error(format!(
            "Service desk {id} belongs to a project outside the ones this server may use ({}).",
            env.jira_projects.join(", ")
        )));
    }
    let id = desk["id"].as_str().map_or(id, str::to_owned);
    Ok((id, desk))
}

/// The paging fields of a `PagedDTO` answer, for the next call.
pub fn page_info(v: &Value, start: u64) -> Value {
    let size = v["size"].as_u64().unwrap_or(0);
    let last = v["isLastPage"].as_bool().unwrap_or(true);
    json!({
        "start_at": v["start"].as_u64().unwrap_or(start),
        "size": size,
        "is_last_page": last,
        "next_start_at": if last { Value::Null } else { json!(v["start"].as_u64().unwrap_or(start) + size) },
    })
}

/// Merges the page fields into `out`.
pub fn with_page(mut out: Value, page: Value) -> Value {
    if let (Value::Object(o), Value::Object(p)) = (&mut out, page) {
        o.extend(p);
    }
    out
}

/// The `values` of a page.
pub fn values(v: &Value) -> &[Value] {
    v["values"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}
