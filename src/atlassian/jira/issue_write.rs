//! Jira issue writes and the create metadata they depend on: create (one or in bulk),
//! edit, assign, delete, and the paginated create-screen metadata.

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{api, encode};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::{AtlassianError, list_at};
use crate::config::Deployment;
use crate::config::Product;

/// `POST /issue` → `{"id", "key", "self"}`.
pub async fn create(
    client: &ServiceClient,
    auth: &CallAuth,
    fields: &Map<String, Value>,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/issue", api(client));
    Ok(client
        .post(auth, &path, &json!({"fields": fields}))
        .await?
        .body)
}

/// `POST /issue/bulk` → `{"issues": [...], "errors": [...]}`.
pub async fn create_bulk(
    client: &ServiceClient,
    auth: &CallAuth,
    issues: &[Map<String, Value>],
) -> Result<Value, AtlassianError> {
    let updates: Vec<Value> = issues.iter().map(|f| json!({"fields": f})).collect();
    let path = format!("{}/issue/bulk", api(client));
    Ok(client
        .post(auth, &path, &json!({"issueUpdates": updates}))
        .await?
        .body)
}

/// `PUT /issue/{key}` with `fields`.
pub async fn edit(
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
    fields: &Map<String, Value>,
) -> Result<(), AtlassianError> {
    let path = format!("{}/issue/{}", api(client), encode(key));
    client
        .call(
            auth,
            Method::PUT,
            &path,
            &[],
            Some(&json!({"fields": fields})),
        )
        .await?;
    Ok(())
}

/// `PUT /issue/{key}/assignee`; `None` unassigns. `user` is an account id on Cloud and a
/// user name on Server/DC.
pub async fn assign(
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
    user: Option<&str>,
) -> Result<(), AtlassianError> {
    let body = match client.deployment() {
        Deployment::Cloud => json!({"accountId": user}),
        Deployment::Server => json!({"name": user}),
    };
    let path = format!("{}/issue/{}/assignee", api(client), encode(key));
    client
        .call(auth, Method::PUT, &path, &[], Some(&body))
        .await?;
    Ok(())
}

/// `DELETE /issue/{key}?deleteSubtasks=`.
pub async fn delete(
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
    delete_subtasks: bool,
) -> Result<(), AtlassianError> {
    let path = format!("{}/issue/{}", api(client), encode(key));
    client
        .call(
            auth,
            Method::DELETE,
            &path,
            &[("deleteSubtasks", delete_subtasks.to_string())],
            None,
        )
        .await?;
    Ok(())
}

/// Every page of a createmeta listing; `items` is `issueTypes`/`fields` on Cloud and
/// `values` on Server/DC.
async fn all_pages(
    client: &ServiceClient,
    auth: &CallAuth,
    path: &str,
    cloud_items: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let items = match client.deployment() {
        Deployment::Cloud => cloud_items,
        Deployment::Server => "values",
    };
    let mut out = Vec::new();
    // A bounded loop: create screens have tens of fields, never thousands.
    for _ in 0..20 {
        let page = client
            .get(
                auth,
                path,
                &[
                    ("startAt", out.len().to_string()),
                    ("maxResults", "100".into()),
                ],
            )
            .await?
            .body;
        let got = list_at(Product::Jira, &page, items, &format!("GET {path}"))?;
        let total = page["total"].as_u64().unwrap_or(0);
        let empty = got.is_empty();
        out.extend(got);
        if empty || out.len() as u64 >= total {
            break;
        }
    }
    Ok(out)
}

/// The issue types a project can create.
pub async fn create_issue_types(
    client: &ServiceClient,
    auth: &CallAuth,
    project: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!(
        "{}/issue/createmeta/{}/issuetypes",
        api(client),
        encode(project)
    );
    all_pages(client, auth, &path, "issueTypes").await
}

/// The create-screen fields of an issue type in a project (`fieldId`, `required`, ...).
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
    all_pages(client, auth, &path, "fields").await
}

/// `GET /user/search`: people matching an e-mail address or name.
pub async fn find_users(
    client: &ServiceClient,
    auth: &CallAuth,
    query: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let param = match client.deployment() {
        Deployment::Cloud => "query",
        Deployment::Server => "username",
    };
    let path = format!("{}/user/search", api(client));
    let body = client
        .get(auth, &path, &[(param, query.to_owned())])
        .await?
        .body;
    list_at(Product::Jira, &body, "", &format!("GET {path}"))
}

/// Cloud `POST /rest/api/3/bulk/issues/move` of issues into `project` as issue type
/// `issue_type_id`, letting Jira infer statuses and field defaults → the task id.
pub async fn move_issues(
    client: &ServiceClient,
    auth: &CallAuth,
    keys: &[&str],
    project: &str,
    issue_type_id: &str,
) -> Result<String, AtlassianError> {
    let body = json!({
        "sendBulkNotification": false,
        "targetToSourcesMapping": {
            format!("{project},{issue_type_id}"): {
                "issueIdsOrKeys": keys,
                "inferFieldDefaults": true,
                "inferStatusDefaults": true,
                "inferSubtaskTypeDefault": true,
                "inferClassificationDefaults": true,
            }
        }
    });
    let v = client
        .post(auth, "/rest/api/3/bulk/issues/move", &body)
        .await?
        .body;
    Ok(v["taskId"].as_str().unwrap_or_default().to_owned())
}

/// Cloud `GET /rest/api/3/bulk/queue/{taskId}`: a bulk task's progress.
pub async fn bulk_task(
    client: &ServiceClient,
    auth: &CallAuth,
    task_id: &str,
) -> Result<Value, AtlassianError> {
    let path = format!("/rest/api/3/bulk/queue/{}", encode(task_id));
    Ok(client.get(auth, &path, &[]).await?.body)
}
