//! Content permission check (Cloud only; Server/DC has no such API):
//! `POST /rest/api/content/{id}/permission/check`.

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
