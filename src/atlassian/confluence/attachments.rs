//! Confluence attachments: listing (Cloud v2 `/api/v2/pages/{id}/attachments`, DC v1
//! `/rest/api/content/{id}/child/attachment`), one by id, content (size-capped, in memory
//! only), multipart uploads (v1 on both) and deletion.
//!
//! Content is fetched from a path built from the page id and attachment id (Cloud) or file
//! name (DC), never from a URL in the answer, so a tampered answer cannot send the
//! credentials to another host.

use reqwest::Method;
use serde_json::Value;

use super::encode;
use crate::atlassian::client::{CallAuth, FilePart, RequestBody, ServiceClient};
use crate::atlassian::error::AtlassianError;
use crate::config::Deployment;

/// One attachment, normalised across Cloud v2 and v1.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachmentInfo {
    /// Attachment id (`att…`).
    pub id: String,
    /// File name.
    pub title: String,
    /// MIME type.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// The page (or blog post) it is attached to.
    pub page_id: Option<String>,
    /// Upload comment.
    pub comment: Option<String>,
}

fn text(v: &Value, ptr: &str) -> Option<String> {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl AttachmentInfo {
    /// Reads a v2 attachment.
    pub fn from_v2(v: &Value) -> Option<AttachmentInfo> {
        Some(AttachmentInfo {
            id: text(v, "/id")?,
            title: text(v, "/title")?,
            media_type: text(v, "/mediaType").unwrap_or_else(|| "application/octet-stream".into()),
            size: v["fileSize"].as_u64().unwrap_or(0),
            page_id: text(v, "/pageId").or_else(|| text(v, "/blogPostId")),
            comment: text(v, "/comment"),
        })
    }

    /// Reads a v1 attachment (`extensions` carry type and size; `container` the page).
    pub fn from_v1(v: &Value) -> Option<AttachmentInfo> {
        Some(AttachmentInfo {
            id: text(v, "/id")?,
            title: text(v, "/title")?,
            media_type: text(v, "/extensions/mediaType")
                .or_else(|| text(v, "/metadata/mediaType"))
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: v["extensions"]["fileSize"].as_u64().unwrap_or(0),
            page_id: text(v, "/container/id"),
            comment: text(v, "/extensions/comment").or_else(|| text(v, "/metadata/comment")),
        })
    }
}

/// Filters for [`list`].
#[derive(Debug, Default)]
pub struct ListQuery {
    /// Items to skip.
    pub start: u64,
    /// Items to return.
    pub limit: u64,
    /// Exact file name.
    pub filename: Option<String>,
    /// Exact MIME type.
    pub media_type: Option<String>,
}

/// The attachments of page `page_id`, `start`/`limit` applied.
pub async fn list(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
    q: &ListQuery,
) -> Result<Vec<AttachmentInfo>, AtlassianError> {
    let mut query = Vec::new();
    if let Some(f) = &q.filename {
        query.push(("filename", f.clone()));
    }
    if let Some(m) = &q.media_type {
        query.push(("mediaType", m.clone()));
    }
    match client.deployment() {
        Deployment::Cloud => {
            // v2 pages by cursor only; one page of start+limit items covers the window.
            let want = (q.start + q.limit).min(250);
            query.push(("limit", want.to_string()));
            let path = format!("/api/v2/pages/{}/attachments", encode(page_id));
            let body = client.get(auth, &path, &query).await?.body;
            Ok(results(&body, AttachmentInfo::from_v2)
                .into_iter()
                .skip(usize::try_from(q.start).unwrap_or(usize::MAX))
                .take(usize::try_from(q.limit).unwrap_or(usize::MAX))
                .collect())
        }
        Deployment::Server => {
            query.push(("start", q.start.to_string()));
            query.push(("limit", q.limit.to_string()));
            query.push(("expand", "container,extensions".into()));
            let path = format!("/rest/api/content/{}/child/attachment", encode(page_id));
            let body = client.get(auth, &path, &query).await?.body;
            Ok(results(&body, AttachmentInfo::from_v1))
        }
    }
}

fn results(body: &Value, read: fn(&Value) -> Option<AttachmentInfo>) -> Vec<AttachmentInfo> {
    body["results"]
        .as_array()
        .map(|a| a.iter().filter_map(read).collect())
        .unwrap_or_default()
}

/// One attachment by id, with the page it belongs to.
pub async fn get(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<AttachmentInfo, AtlassianError> {
    let body = match client.deployment() {
        Deployment::Cloud => {
            let path = format!("/api/v2/attachments/{}", encode(id));
            let body = client.get(auth, &path, &[]).await?.body;
            AttachmentInfo::from_v2(&body)
        }
        Deployment::Server => {
            let path = format!("/rest/api/content/{}", encode(id));
            let query = [("expand", "container,extensions".to_owned())];
            let body = client.get(auth, &path, &query).await?.body;
            AttachmentInfo::from_v1(&body)
        }
    };
    Ok(body.unwrap_or_else(|| AttachmentInfo {
        id: id.to_owned(),
        ..AttachmentInfo::default()
    }))
}

/// The content of attachment `a` on page `page_id`, refused once it grows past `max_bytes`.
pub async fn download(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
    a: &AttachmentInfo,
    max_bytes: u64,
) -> Result<bytes::Bytes, AtlassianError> {
    let path = match client.deployment() {
        Deployment::Cloud => format!(
            "/rest/api/content/{}/child/attachment/{}/download",
            encode(page_id),
            encode(&a.id)
        ),
        Deployment::Server => format!(
            "/download/attachments/{}/{}",
            encode(page_id),
            encode(&a.title).replace('+', "%20")
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

/// `POST /rest/api/content/{id}/child/attachment` (multipart) → the new attachments.
pub async fn upload(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
    files: &[FilePart],
    comment: Option<&str>,
    minor_edit: bool,
) -> Result<Vec<AttachmentInfo>, AtlassianError> {
    let path = format!("/rest/api/content/{}/child/attachment", encode(page_id));
    let mut fields = vec![("minorEdit", minor_edit.to_string())];
    if let Some(c) = comment {
        fields.push(("comment", c.to_owned()));
    }
    let raw = client
        .call_raw(
            auth,
            Method::POST,
            &path,
            &[],
            RequestBody::FilesWithFields(files, &fields),
            None,
        )
        .await?;
    let body: Value = serde_json::from_slice(&raw.bytes).unwrap_or(Value::Null);
    Ok(results(&body, AttachmentInfo::from_v1))
}

/// Deletes attachment `id` (Cloud v2 moves it to the trash; DC v1 likewise).
pub async fn delete(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<(), AtlassianError> {
    let path = match client.deployment() {
        Deployment::Cloud => format!("/api/v2/attachments/{}", encode(id)),
        Deployment::Server => format!("/rest/api/content/{}", encode(id)),
    };
    client
        .call_raw(auth, Method::DELETE, &path, &[], RequestBody::Empty, None)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn v2_and_v1_attachments_read_the_same_fields_from_their_own_places() {
        let a = AttachmentInfo::from_v2(&json!({"id": "att1", "title": "a.png",
            "mediaType": "image/png", "fileSize": 3, "pageId": "42", "comment": ""}))
        .expect("v2");
        assert_eq!(
            (a.size, a.page_id.as_deref(), a.comment),
            (3, Some("42"), None)
        );
        let b = AttachmentInfo::from_v1(&json!({"id": "att2", "title": "b.txt",
            "extensions": {"mediaType": "text/plain", "fileSize": 5, "comment": "why"},
            "container": {"id": "7"}}))
        .expect("v1");
        assert_eq!(b.media_type, "text/plain");
        assert_eq!((b.size, b.page_id.as_deref()), (5, Some("7")));
        assert_eq!(b.comment.as_deref(), Some("why"));
        assert!(AttachmentInfo::from_v1(&json!({"title": "no id"})).is_none());
    }
}
