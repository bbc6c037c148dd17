//! Jira issue links, remote (web) links and epic membership. Epic membership goes through
//! Jira Software's `POST /rest/agile/1.0/epic/{epic}/issue`, which Cloud and Server/DC
//! share, so no deployment-specific epic field is needed.

use reqwest::Method;
use serde_json::{Value, json};

use super::{api, encode};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::{AtlassianError, list_at};
use crate::config::Product;

/// `GET /issueLinkType` → the link types.
pub async fn link_types(
    client: &ServiceClient,
    auth: &CallAuth,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!("{}/issueLinkType", api(client));
    let v = client.get(auth, &path, &[]).await?.body;
    list_at(Product::Jira, &v, "issueLinkTypes", &format!("GET {path}"))
}

/// `POST /issueLink`: `inward` <outward description> `outward` (for Blocks: inward blocks
/// outward). `comment` is already in the deployment's rich-text form.
pub async fn create_link(
    client: &ServiceClient,
    auth: &CallAuth,
    link_type: &str,
    inward: &str,
    outward: &str,
    comment: Option<Value>,
) -> Result<(), AtlassianError> {
    let path = format!("{}/issueLink", api(client));
    let mut body = json!({
        "type": {"name": link_type},
        "inwardIssue": {"key": inward},
        "outwardIssue": {"key": outward},
    });
    if let Some(c) = comment {
        body["comment"] = c;
    }
    client.post(auth, &path, &body).await?;
    Ok(())
}

/// `GET /issueLink/{id}`.
pub async fn get_link(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/issueLink/{}", api(client), encode(id));
    Ok(client.get(auth, &path, &[]).await?.body)
}

/// `DELETE /issueLink/{id}`.
pub async fn delete_link(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<(), AtlassianError> {
    let path = format!("{}/issueLink/{}", api(client), encode(id));
    client.call(auth, Method::DELETE, &path, &[], None).await?;
    Ok(())
}

/// `POST /issue/{key}/remotelink` with a `{globalId?, relationship?, object}` body →
/// `{id, self}`.
pub async fn create_remote_link(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
    body: &Value,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/issue/{}/remotelink", api(client), encode(issue));
    Ok(client.post(auth, &path, body).await?.body)
}

/// `POST /rest/agile/1.0/epic/{epic}/issue`: moves `issue` into `epic`.
pub async fn add_to_epic(
    client: &ServiceClient,
    auth: &CallAuth,
    epic: &str,
    issue: &str,
) -> Result<(), AtlassianError> {
    let path = format!("/rest/agile/1.0/epic/{}/issue", encode(epic));
    client
        .post(auth, &path, &json!({"issues": [issue]}))
        .await?;
    Ok(())
}
