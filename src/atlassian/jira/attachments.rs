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
    /// Some servers leave `id` out; it is then read from the `self` URL
    /// (`.../attachment/10200`) or the `content` URL (`.../attachment/content/10200`,
    /// `/secure/attachment/10200/name`). `None` when no id can be found.
    pub fn from_json(v: &Value) -> Option<AttachmentInfo> {
        let id = match v.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => id_from_urls(v)?,
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

/// The numeric id in an attachment's `self` or `content` URL: the segment after
/// `/attachment/` (skipping `content/`).
fn id_from_urls(v: &Value) -> Option<String> {
    ["self", "content"].iter().find_map(|k| {
        let url = v.get(*k)?.as_str()?;
        let (_, rest) = url.split_once("/attachment/")?;
        let rest = rest.strip_prefix("content/").unwrap_or(rest);
        let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!id.is_empty()).then_some(id)
    })
}

/// An issue's attachments: the ones that can be fetched, and the file names of the ones
/// Jira listed without any id (they cannot be downloaded, but they exist).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Attachments with an id.
    pub files: Vec<AttachmentInfo>,
    /// File names (or `(unnamed)`) of entries without a readable id.
    pub without_id: Vec<String>,
}

/// Splits the issue's `attachment` field into fetchable entries and the rest.
pub fn listing(field: Option<&Value>) -> Listing {
    let mut out = Listing::default();
    for v in field.and_then(Value::as_array).into_iter().flatten() {
        match AttachmentInfo::from_json(v) {
            Some(a) => out.files.push(a),
            None => out.without_id.push(
                v.get("filename")
                    .and_then(Value::as_str)
                    .unwrap_or("(unnamed)")
                    .to_owned(),
            ),
        }
    }
    out
}

/// `GET /issue/{key}?fields=attachment` → the issue's attachments, oldest first.
pub async fn list(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
) -> Result<Listing, AtlassianError> {
    let path = format!("{}/issue/{}", api(client), encode(issue));
    let body = client
        .get(auth, &path, &[("fields", "attachment".to_owned())])
        .await?
        .body;
    Ok(listing(body.pointer("/fields/attachment")))
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
        // Without `id`, the id comes from `self` or `content`.
        let c = AttachmentInfo::from_json(
            &json!({"self": "https://x/rest/api/2/attachment/10200", "filename": "c"}),
        );
        assert_eq!(c.map(|c| c.id), Some("10200".into()));
        let d = AttachmentInfo::from_json(
            &json!({"content": "https://x/secure/attachment/10300/d.png", "filename": "d.png"}),
        );
        assert_eq!(d.map(|d| d.id), Some("10300".into()));
        let e = AttachmentInfo::from_json(
            &json!({"content": "https://x/rest/api/3/attachment/content/10400", "filename": "e"}),
        );
        assert_eq!(e.map(|e| e.id), Some("10400".into()));
        let l = listing(Some(
            &json!([{"id": "1", "filename": "a"}, {"filename": "lost.txt"}, {}]),
        ));
        assert_eq!(l.files.len(), 1);
        assert_eq!(l.without_id, ["lost.txt", "(unnamed)"]);
    }
}
