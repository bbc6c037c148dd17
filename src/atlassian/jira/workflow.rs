//! Jira workflow calls: list and perform issue transitions.

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{api, encode};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::{AtlassianError, list_at};
use crate::config::Product;

/// `GET /issue/{key}/transitions`: the transitions the caller may perform now.
pub async fn transitions(
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!("{}/issue/{}/transitions", api(client), encode(key));
    let body = client.get(auth, &path, &[]).await?.body;
    list_at(Product::Jira, &body, "transitions", &format!("GET {path}"))
}

/// `POST /issue/{key}/transitions` with optional screen fields and a comment body already in
/// the deployment's rich-text format (ADF on Cloud, wiki markup on Server/DC).
pub async fn transition(
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
    transition_id: &str,
    fields: Option<&Map<String, Value>>,
    comment: Option<Value>,
) -> Result<(), AtlassianError> {
    let mut body = json!({"transition": {"id": transition_id}});
    if let Some(f) = fields.filter(|f| !f.is_empty()) {
        body["fields"] = Value::Object(f.clone());
    }
    if let Some(c) = comment {
        body["update"] = json!({"comment": [{"add": {"body": c}}]});
    }
    let path = format!("{}/issue/{}/transitions", api(client), encode(key));
    client
        .call(auth, Method::POST, &path, &[], Some(&body))
        .await?;
    Ok(())
}
