//! Jira users and watchers. Cloud names people by account id (`accountId=`, user search by
//! `query=`); Server/DC by user name (`username=` for both lookup and search).

use reqwest::Method;
use serde_json::{Value, json};

use super::{api, encode};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;
use crate::config::Deployment;

/// The query parameter that names one user in this deployment.
fn id_param(client: &ServiceClient) -> &'static str {
    match client.deployment() {
        Deployment::Cloud => "accountId",
        Deployment::Server => "username",
    }
}

/// The query parameter that carries user-search text in this deployment.
fn search_param(client: &ServiceClient) -> &'static str {
    match client.deployment() {
        Deployment::Cloud => "query",
        Deployment::Server => "username",
    }
}

/// `GET /user?accountId=` (Cloud) or `?username=` (Server/DC).
pub async fn get_user(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/user", api(client));
    let query = [(id_param(client), id.to_owned())];
    Ok(client.get(auth, &path, &query).await?.body)
}

/// `GET /user/search`: users whose name, display name or e-mail starts with `text`.
pub async fn search_users(
    client: &ServiceClient,
    auth: &CallAuth,
    text: &str,
    max: u32,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!("{}/user/search", api(client));
    let query = [
        (search_param(client), text.to_owned()),
        ("maxResults", max.to_string()),
    ];
    Ok(as_list(client.get(auth, &path, &query).await?.body))
}

/// `GET /user/assignable/search` in a project and/or for an issue.
pub async fn assignable_users(
    client: &ServiceClient,
    auth: &CallAuth,
    text: &str,
    project: Option<&str>,
    issue: Option<&str>,
    max: u32,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!("{}/user/assignable/search", api(client));
    let mut query = vec![
        (search_param(client), text.to_owned()),
        ("maxResults", max.to_string()),
    ];
    if let Some(p) = project {
        query.push(("project", p.to_owned()));
    }
    if let Some(i) = issue {
        query.push(("issueKey", i.to_owned()));
    }
    Ok(as_list(client.get(auth, &path, &query).await?.body))
}

fn as_list(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        _ => Vec::new(),
    }
}

/// `GET /issue/{key}/watchers`.
pub async fn watchers(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/issue/{}/watchers", api(client), encode(issue));
    Ok(client.get(auth, &path, &[]).await?.body)
}

/// `POST /issue/{key}/watchers` with the account id (Cloud) or user name (Server/DC) as a
/// JSON string.
pub async fn add_watcher(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
    user: &str,
) -> Result<(), AtlassianError> {
    let path = format!("{}/issue/{}/watchers", api(client), encode(issue));
    client.post(auth, &path, &json!(user)).await?;
    Ok(())
}

/// `DELETE /issue/{key}/watchers?accountId=` (Cloud) or `?username=` (Server/DC).
pub async fn remove_watcher(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
    user: &str,
) -> Result<(), AtlassianError> {
    let path = format!("{}/issue/{}/watchers", api(client), encode(issue));
    let query = [(id_param(client), user.to_owned())];
    client
        .call(auth, Method::DELETE, &path, &query, None)
        .await?;
    Ok(())
}
