//! Content permission check (Cloud only; Server/DC has no such API):
//! `POST /rest/api/content/{id}/permission/check`; space permissions: Cloud v2
//! `spaces/{id}/permissions` (cursor paged), Data Center `space/{key}/permissions` (all at once).

use serde_json::json;

use super::encode;
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;

/// Whether the subject may perform `operation`, with the reasons Confluence gives when not.
pub async fn check_content(
    client: &ServiceClient,
    auth: &CallAuth,
    content_id: &str,
    subject_type: &str,
    identifier: &str,
    operation: &str,
) -> Result<(bool, Vec<String>), AtlassianError> {
    let path = format!("/rest/api/content/{}/permission/check", encode(content_id));
    let body = json!({"subject": {"type": subject_type, "identifier": identifier},
        "operation": operation});
    let v = client.post(auth, &path, &body).await?.body;
    let reasons = v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m["translation"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok((v["hasPermission"].as_bool().unwrap_or(false), reasons))
}

/// One page of a Cloud space's permission assignments and the cursor of the next page.
pub async fn space_permissions(
    client: &ServiceClient,
    auth: &CallAuth,
    space_id: &str,
    limit: u32,
    cursor: Option<&str>,
) -> Result<(Vec<serde_json::Value>, Option<String>), AtlassianError> {
    let path = format!("/api/v2/spaces/{}/permissions", encode(space_id));
    let mut q = vec![("limit", limit.to_string())];
    if let Some(c) = cursor {
        q.push(("cursor", c.to_owned()));
    }
    let resp = client.get(auth, &path, &q).await?;
    let next = resp.body["_links"]["next"]
        .as_str()
        .and_then(|n| url::Url::parse(&format!("http://x{n}")).ok())
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "cursor")
                .map(|(_, v)| v.into_owned())
        });
    let results = resp.body["results"].as_array().cloned().unwrap_or_default();
    Ok((results, next))
}

/// Every permission grant of a Data Center space, as (subject type, subject display name,
/// operation, target type).
pub async fn dc_space_permissions(
    client: &ServiceClient,
    auth: &CallAuth,
    space_key: &str,
) -> Result<Vec<[String; 4]>, AtlassianError> {
    let path = format!("/rest/api/space/{}/permissions", encode(space_key));
    let v = client.get(auth, &path, &[]).await?.body;
    let s = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_owned();
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            [
                s(&p["subject"]["type"]),
                s(&p["subject"]["displayName"]),
                s(&p["operation"]["operationKey"]),
                s(&p["operation"]["targetType"]),
            ]
        })
        .collect())
}

/// The key of the Data Center space with numeric id `space_id`, if there is one.
pub async fn dc_space_key(
    client: &ServiceClient,
    auth: &CallAuth,
    space_id: &str,
) -> Result<Option<String>, AtlassianError> {
    let v = client
        .get(auth, "/rest/api/space", &[("spaceId", space_id.to_owned())])
        .await?
        .body;
    Ok(v["results"][0]["key"].as_str().map(str::to_owned))
}
