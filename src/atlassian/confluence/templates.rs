//! Page templates (Cloud v1): `GET /rest/api/template/page` lists a space's (or the global)
//! templates; `GET /rest/api/template/{id}` returns one with its storage body.

use serde_json::Value;

use super::encode;
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;

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
    let v = client.get(auth, "/rest/api/template/page", &q).await?.body;
    Ok(v["results"].as_array().cloned().unwrap_or_default())
}

/// One template with its body.
pub async fn get(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<Value, AtlassianError> {
    let path = format!("/rest/api/template/{}", encode(id));
    Ok(client.get(auth, &path, &[]).await?.body)
}
