//! Page templates: `GET template/page` lists a space's (or the global) templates;
//! `GET template/{id}` returns one with its storage body. Cloud serves them under v1
//! `/rest/api`, Data Center only under `/rest/experimental` (same `ContentTemplate` shape).

use serde_json::Value;

use super::encode;
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::{AtlassianError, list_at};
use crate::config::Deployment;
use crate::config::Product;

fn api(client: &ServiceClient) -> &'static str {
    match client.deployment() {
        Deployment::Cloud => "/rest/api/template",
        Deployment::Server => "/rest/experimental/template",
    }
}

/// Page templates of a space, or the global ones when `space_key` is none.
pub async fn list(
    client: &ServiceClient,
    auth: &CallAuth,
    space_key: Option<&str>,
    limit: u32,
) -> Result<Vec<Value>, AtlassianError> {
    let mut q = vec![("limit", limit.to_string())];
    if let Some(k) = space_key {
        q.push(("spaceKey", k.to_owned()));
    }
    let path = format!("{}/page", api(client));
    let v = client.get(auth, &path, &q).await?.body;
    list_at(Product::Confluence, &v, "results", &format!("GET {path}"))
}

/// One template with its body.
pub async fn get(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/{}", api(client), encode(id));
    Ok(client.get(auth, &path, &[]).await?.body)
}
