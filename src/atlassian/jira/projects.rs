//! Jira projects and their metadata: listing and searching projects, issue types and create
//! fields (the paged `createmeta/{project}/issuetypes` API of Cloud and Server/DC 8.4+, with
//! the classic `createmeta?expand=projects.issuetypes.fields` for older Servers),
//! versions and components.

use reqwest::Method;
use serde_json::Value;

use super::{api, encode};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::{AtlassianError, ErrorKind, list_at};
use crate::config::Deployment;
use crate::config::Product;

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
                let values = list_at(
                    Product::Jira,
                    &v,
                    "values",
                    "GET /rest/api/3/project/search",
                )?;
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
            list_at(Product::Jira, &v, "", "GET /rest/api/2/project")
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
            list_at(
                Product::Jira,
                &v,
                "values",
                "GET /rest/api/3/project/search",
            )
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

/// Items of a create-metadata page: `key` (`issueTypes`/`fields`) on Cloud, `values` on
/// Server/DC; any other shape is an error naming the endpoint.
fn page_items(v: &Value, key: &str, path: &str) -> Result<Vec<Value>, AtlassianError> {
    let key = if v.get(key).is_some() { key } else { "values" };
    list_at(Product::Jira, v, key, &format!("GET {path}"))
}

/// The classic `GET /issue/createmeta?projectKeys=&expand=projects.issuetypes.fields` of
/// Jira Server before 8.4 (which has no paged createmeta), read into the paged API's items:
/// issue types, or (with `issue_type_id`) that type's fields, each with its `fieldId`.
async fn classic_createmeta(
    client: &ServiceClient,
    auth: &CallAuth,
    project: &str,
    issue_type_id: Option<&str>,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!("{}/issue/createmeta", api(client));
    let mut q = vec![
        ("projectKeys", project.to_owned()),
        ("expand", "projects.issuetypes.fields".to_owned()),
    ];
    if let Some(id) = issue_type_id {
        q.push(("issuetypeIds", id.to_owned()));
    }
    let body = client.get(auth, &path, &q).await?.body;
    let endpoint = format!("GET {path}");
    let projects = list_at(Product::Jira, &body, "projects", &endpoint)?;
    let Some(p) = projects.first() else {
        return Err(AtlassianError::new(
            Product::Jira,
            ErrorKind::NotFound,
            format!("No project {project} is visible to this account for creating issues"),
        ));
    };
    let types = list_at(Product::Jira, p, "issuetypes", &endpoint)?;
    let Some(id) = issue_type_id else {
        return Ok(types
            .into_iter()
            .map(|mut t| {
                if let Value::Object(m) = &mut t {
                    m.remove("fields");
                }
                t
            })
            .collect());
    };
    let Some(t) = types.iter().find(|t| t["id"].as_str() == Some(id)) else {
        return Err(AtlassianError::new(
            Product::Jira,
            ErrorKind::NotFound,
            format!("Issue type {id} is not offered for creating issues in {project}"),
        ));
    };
    let Some(fields) = t["fields"].as_object() else {
        return Err(AtlassianError::new(
            Product::Jira,
            ErrorKind::Decode,
            format!("{endpoint} answered issue type {id} without its `fields`"),
        ));
    };
    Ok(fields
        .iter()
        .map(|(field_id, meta)| {
            let mut m = meta.clone();
            if let Value::Object(o) = &mut m {
                o.entry("fieldId")
                    .or_insert_with(|| Value::String(field_id.clone()));
            }
            m
        })
        .collect())
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
        let items = page_items(&v, key, path)?;
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
    match paged_createmeta(client, auth, &path, "issueTypes").await {
        Err(e) if legacy_server(client, &e) => {
            classic_createmeta(client, auth, project, None).await
        }
        other => other,
    }
}

/// Jira Server before 8.4 has no paged createmeta: its 404 there means "use the classic one".
fn legacy_server(client: &ServiceClient, e: &AtlassianError) -> bool {
    client.deployment() == Deployment::Server && e.kind == ErrorKind::NotFound
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
    match paged_createmeta(client, auth, &path, "fields").await {
        Err(e) if legacy_server(client, &e) => {
            classic_createmeta(client, auth, project, Some(issue_type_id)).await
        }
        other => other,
    }
}

/// `GET /project/{key}/versions`.
pub async fn versions(
    client: &ServiceClient,
    auth: &CallAuth,
    project: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!("{}/project/{}/versions", api(client), encode(project));
    let body = client.get(auth, &path, &[]).await?.body;
    list_at(Product::Jira, &body, "", &format!("GET {path}"))
}

/// `GET /project/{key}/components`.
pub async fn components(
    client: &ServiceClient,
    auth: &CallAuth,
    project: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!("{}/project/{}/components", api(client), encode(project));
    let body = client.get(auth, &path, &[]).await?.body;
    list_at(Product::Jira, &body, "", &format!("GET {path}"))
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
