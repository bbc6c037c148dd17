//! Jira projects and their metadata: listing and searching projects, issue types and create
//! fields (the paged `createmeta/{project}/issuetypes` API of Cloud and Server/DC 9+),
//! versions and components.

use reqwest::Method;
use serde_json::Value;

use super::{api, encode};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;
use crate::config::Deployment;

/// Upper bound on pages fetched by one listing, so a huge instance cannot keep a tool
/// call looping.
const MAX_PAGES: u64 = 20;

/// Every project the account can browse. Cloud pages through `/project/search` (which
/// knows archived projects); Server/DC answers `/project` in one go.
pub async fn all_projects(
    client: &ServiceClient,
    auth: &CallAuth,
    include_archived: bool,
) -> Result<Vec<Value>, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let mut out = Vec::new();
            for page in 0..MAX_PAGES {
                // `status` is a repeated parameter, not a comma list.
                let mut query = vec![
                    ("startAt", (page * 100).to_string()),
                    ("maxResults", "100".to_owned()),
                    ("status", "live".to_owned()),
                ];
                if include_archived {
                    query.push(("status", "archived".to_owned()));
                }
                let v = client
                    .get(auth, "/rest/api/3/project/search", &query)
                    .await?
                    .body;
                let values = list(&v["values"]);
                let done = v["isLast"].as_bool().unwrap_or(true) || values.is_empty();
                out.extend(values);
                if done {
                    break;
                }
            }
            Ok(out)
        }
        Deployment::Server => {
            let query = [("includeArchived", include_archived.to_string())];
            let v = client.get(auth, "/rest/api/2/project", &query).await?.body;
            Ok(list(&v))
        }
    }
}

/// Projects whose key or name contains `text`, at most `max`. Cloud searches upstream;
/// Server/DC has no search endpoint, so the full list is filtered here.
pub async fn search_projects(
    client: &ServiceClient,
    auth: &CallAuth,
    text: &str,
    max: u32,
) -> Result<Vec<Value>, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let query = [("query", text.to_owned()), ("maxResults", max.to_string())];
            let v = client
                .get(auth, "/rest/api/3/project/search", &query)
                .await?
                .body;
            Ok(list(&v["values"]))
        }
        Deployment::Server => {
            let needle = text.to_lowercase();
            Ok(all_projects(client, auth, false)
                .await?
                .into_iter()
                .filter(|p| {
                    ["key", "name"].iter().any(|f| {
                        p[*f]
                            .as_str()
                            .is_some_and(|s| s.to_lowercase().contains(&needle))
                    })
                })
                .take(max as usize)
                .collect())
        }
    }
}

fn list(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// Items of a create-metadata page: `key` (`issueTypes`/`fields`) on Cloud, `values` on
/// Server/DC.
fn page_items(v: &Value, key: &str) -> Vec<Value> {
    list(v.get(key).unwrap_or(&v["values"]))
}

async fn paged_createmeta(
    client: &ServiceClient,
    auth: &CallAuth,
    path: &str,
    key: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let mut out = Vec::new();
    for page in 0..MAX_PAGES {
        let query = [
            ("startAt", (page * 50).to_string()),
            ("maxResults", "50".to_owned()),
        ];
        let v = client.get(auth, path, &query).await?.body;
        let items = page_items(&v, key);
        let total = v["total"].as_u64().unwrap_or(0);
        let fetched = page * 50 + items.len() as u64;
        let done = items.is_empty() || fetched >= total;
        out.extend(items);
        if done {
            break;
        }
    }
    Ok(out)
}

/// The issue types a project offers for creating issues.
pub async fn issue_types(
    client: &ServiceClient,
    auth: &CallAuth,
    project: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!(
        "{}/issue/createmeta/{}/issuetypes",
        api(client),
        encode(project)
    );
    paged_createmeta(client, auth, &path, "issueTypes").await
}

/// The fields of the create screen for one issue type in a project.
pub async fn create_fields(
    client: &ServiceClient,
    auth: &CallAuth,
    project: &str,
    issue_type_id: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!(
        "{}/issue/createmeta/{}/issuetypes/{}",
        api(client),
        encode(project),
        encode(issue_type_id)
    );
    paged_createmeta(client, auth, &path, "fields").await
}

/// `GET /project/{key}/versions`.
pub async fn versions(
    client: &ServiceClient,
    auth: &CallAuth,
    project: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!("{}/project/{}/versions", api(client), encode(project));
    Ok(list(&client.get(auth, &path, &[]).await?.body))
}

/// `GET /project/{key}/components`.
pub async fn components(
    client: &ServiceClient,
    auth: &CallAuth,
    project: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!("{}/project/{}/components", api(client), encode(project));
    Ok(list(&client.get(auth, &path, &[]).await?.body))
}

/// `POST /version` with a body holding `project`, `name` and optional fields → the version.
pub async fn create_version(
    client: &ServiceClient,
    auth: &CallAuth,
    body: &Value,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/version", api(client));
    Ok(client.post(auth, &path, body).await?.body)
}

/// `GET /version/{id}`.
pub async fn get_version(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/version/{}", api(client), encode(id));
    Ok(client.get(auth, &path, &[]).await?.body)
}

/// `PUT /version/{id}` with the fields to change → the version.
pub async fn update_version(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
    body: &Value,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/version/{}", api(client), encode(id));
    Ok(client
        .call(auth, Method::PUT, &path, &[], Some(body))
        .await?
        .body)
}
