//! Jira issue attachments: the list on an issue, their content (size-capped, held in memory
//! only) and multipart uploads.
//!
//! Content is fetched from a path built from the attachment id, never from the `content` URL
//! in Jira's JSON, so a tampered answer cannot send the credentials to another host.

use reqwest::Method;
use serde_json::Value;

use super::{api, encode};
use crate::atlassian::client::{CallAuth, FilePart, RequestBody, ServiceClient};
use crate::atlassian::error::AtlassianError;
use crate::config::Deployment;

/// One attachment as listed on an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    /// Attachment id.
    pub id: String,
    /// File name.
    pub filename: String,
    /// MIME type Jira recorded.
    pub mime_type: String,
    /// Size in bytes Jira recorded.
    pub size: u64,
}

impl AttachmentInfo {
    /// Reads one entry of the issue's `attachment` field (ids come as strings or numbers).
    pub fn from_json(v: &Value) -> Option<AttachmentInfo> {
        let id = match v.get("id")? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some(AttachmentInfo {
            id,
            filename: v.get("filename")?.as_str()?.to_owned(),
            mime_type: v
                .get("mimeType")
                .and_then(Value::as_str)
                .unwrap_or("application/octet-stream")
                .to_owned(),
            size: v.get("size").and_then(Value::as_u64).unwrap_or(0),
        })
    }
}

/// `GET /issue/{key}?fields=attachment` → the issue's attachments, oldest first.
pub async fn list(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
) -> Result<Vec<AttachmentInfo>, AtlassianError> {
    let path = format!("{}/issue/{}", api(client), encode(issue));
    let body = client
        .get(auth, &path, &[("fields", "attachment".to_owned())])
        .await?
        .body;
    Ok(body
        .pointer("/fields/attachment")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(AttachmentInfo::from_json).collect())
        .unwrap_or_default())
}

/// The content of one attachment, refused once it grows past `max_bytes`.
pub async fn download(
    client: &ServiceClient,
    auth: &CallAuth,
    a: &AttachmentInfo,
    max_bytes: u64,
) -> Result<bytes::Bytes, AtlassianError> {
    let path = match client.deployment() {
        Deployment::Cloud => format!("/rest/api/3/attachment/content/{}", encode(&a.id)),
        Deployment::Server => format!(
            "/secure/attachment/{}/{}",
            encode(&a.id),
            encode(&a.filename).replace('+', "%20")
        ),
    };
    Ok(client
        .call_raw(
            auth,
            Method::GET,
            &path,
            &[],
            RequestBody::Empty,
            Some(max_bytes),
        )
        .await?
        .bytes)
}

/// `POST /issue/{key}/attachments` (multipart) → the new attachments as Jira lists them.
pub async fn upload(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
    files: &[FilePart],
) -> Result<Vec<AttachmentInfo>, AtlassianError> {
    let path = format!("{}/issue/{}/attachments", api(client), encode(issue));
    let raw = client
        .call_raw(
            auth,
            Method::POST,
            &path,
            &[],
            RequestBody::Files(files),
            None,
        )
        .await?;
    let body: Value = serde_json::from_slice(&raw.bytes).unwrap_or(Value::Null);
    Ok(body
        .as_array()
        .map(|a| a.iter().filter_map(AttachmentInfo::from_json).collect())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attachment_ids_are_read_whether_jira_sends_strings_or_numbers() {
        let a = AttachmentInfo::from_json(
            &json!({"id": 10000, "filename": "a.png", "mimeType": "image/png", "size": 3}),
        )
        .expect("parsed");
        assert_eq!(a.id, "10000");
        assert_eq!(a.size, 3);
        let b = AttachmentInfo::from_json(&json!({"id": "7", "filename": "b"})).expect("parsed");
        assert_eq!(b.mime_type, "application/octet-stream");
        assert!(AttachmentInfo::from_json(&json!({"filename": "c"})).is_none());
    }
}
