//! `jira_download_attachments` and `jira_get_issue_images`: an issue's attachments returned
//! inside the MCP result (embedded resources or image content, base64).
//!
//! Invariant: nothing touches the server's disk; bytes go from Jira to the caller in memory,
//! each attachment capped at `ATTACHMENT_MAX_BYTES` (checked on Jira's recorded size first,
//! then again while the content streams in).

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{guard_issue, tri};
use crate::atlassian::error::ErrorKind;
use crate::atlassian::jira::attachments::{self, AttachmentInfo};
use crate::tools::env::ToolEnv;
use crate::tools::output::upstream_error;
use crate::tools::registry::{
    Access, Availability, Content, Product, Tool, ToolContext, ToolOutput,
};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of both attachment tools.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
}

struct Download(Arc<ToolEnv>);
struct Images(Arc<ToolEnv>);

fn meta(name: &'static str, description: &'static str) -> Meta {
    Meta {
        name,
        description,
        toolset: "jira_attachments",
        product: Product::Jira,
        access: Access::Read,
        destructive: false,
        idempotent: true,
        availability: Availability::BOTH,
    }
}

pub(super) fn download_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta(
            "jira_download_attachments",
            "An issue's attachments as embedded resources after a JSON summary.",
        ),
        Download(env),
    )
}

pub(super) fn images_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta(
            "jira_get_issue_images",
            "An issue's image attachments as images.",
        ),
        Images(env),
    )
}

const IMAGE_EXTENSIONS: [&str; 7] = ["png", "jpg", "jpeg", "gif", "webp", "bmp", "svg"];

/// True for image attachments; Jira sometimes records images as octet-stream, so the file
/// extension counts too.
fn is_image(a: &AttachmentInfo) -> bool {
    if a.mime_type.starts_with("image/") {
        return true;
    }
    let ext = a
        .filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    a.mime_type == "application/octet-stream"
        && ext.is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str()))
}

fn image_mime(a: &AttachmentInfo) -> String {
    if a.mime_type.starts_with("image/") {
        return a.mime_type.clone();
    }
    match a
        .filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("jpg" | "jpeg") => "image/jpeg".into(),
        Some("svg") => "image/svg+xml".into(),
        Some(e) => format!("image/{e}"),
        None => a.mime_type.clone(),
    }
}

fn too_large(key: &str, a: &AttachmentInfo, limit: u64) -> ToolOutput {
    ToolOutput::error(format!(
        "Attachment {:?} on {key} is {} bytes, over this server's limit of {limit} bytes (ATTACHMENT_MAX_BYTES); open it in Jira instead.",
        a.filename, a.size
    ))
}

fn summary(a: &AttachmentInfo, uri: Option<&str>) -> Value {
    let mut v =
        json!({"id": a.id, "filename": a.filename, "mime_type": a.mime_type, "size": a.size});
    if let Some(u) = uri {
        v["uri"] = json!(u);
    }
    v
}

/// The attachments to fetch (after `keep`), each checked against the limit, then fetched.
async fn fetch(
    env: &ToolEnv,
    ctx: &ToolContext,
    issue_key: &str,
    keep: fn(&AttachmentInfo) -> bool,
) -> Result<Fetched, ToolOutput> {
    let (client, auth) = env.jira_call(ctx)?;
    let key = guard_issue(env, issue_key)?;
    let listing = attachments::list(client, &auth, &key)
        .await
        .map_err(|e| upstream_error(&e))?;
    let limit = env.attachment_max_bytes;
    let wanted: Vec<AttachmentInfo> = listing.files.into_iter().filter(keep).collect();
    if let Some(big) = wanted.iter().find(|a| a.size > limit) {
        return Err(too_large(&key, big, limit));
    }
    let mut out = Vec::with_capacity(wanted.len());
    for a in wanted {
        match attachments::download(client, &auth, &a, limit).await {
            Ok(bytes) => out.push((a, bytes)),
            Err(e) if e.kind == ErrorKind::TooLarge => return Err(too_large(&key, &a, limit)),
            Err(e) => return Err(upstream_error(&e)),
        }
    }
    Ok(Fetched {
        key,
        files: out,
        without_id: listing.without_id,
    })
}

/// What [`fetch`] got: the fetched files, and the names of attachments Jira listed without
/// an id (so they could not be fetched; they are reported, never dropped silently).
struct Fetched {
    key: String,
    files: Vec<(AttachmentInfo, bytes::Bytes)>,
    without_id: Vec<String>,
}

/// Adds the attachments that could not be fetched to a tool's summary.
fn with_unfetchable(mut text: Value, without_id: &[String]) -> Value {
    if !without_id.is_empty() {
        text["not_downloadable"] = json!(without_id
            .iter()
            .map(|f| json!({"filename": f, "reason": "Jira listed this attachment without an id, so it cannot be fetched; open it in Jira"}))
            .collect::<Vec<_>>());
    }
    text
}

impl Logic for Download {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let Fetched {
            key,
            files,
            without_id,
        } = tri!(fetch(&self.0, ctx, &args.issue_key, |_| true).await);
        let mut listed = Vec::new();
        let mut content = Vec::new();
        for (mut a, bytes) in files {
            a.size = bytes.len() as u64;
            let uri = format!(
                "jira-attachment://{key}/{}/{}",
                a.id,
                url::form_urlencoded::byte_serialize(a.filename.as_bytes()).collect::<String>()
            );
            listed.push(summary(&a, Some(&uri)));
            content.push(Content::Blob {
                uri,
                mime_type: a.mime_type.clone(),
                data: STANDARD.encode(&bytes),
            });
        }
        let text = with_unfetchable(
            json!({"issue_key": key, "count": listed.len(), "attachments": listed}),
            &without_id,
        );
        content.insert(0, Content::Text(text.to_string()));
        ToolOutput {
            content,
            is_error: false,
        }
    }
}

impl Logic for Images {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let Fetched {
            key,
            files,
            without_id,
        } = tri!(fetch(&self.0, ctx, &args.issue_key, is_image).await);
        let mut listed = Vec::new();
        let mut content = Vec::new();
        for (mut a, bytes) in files {
            a.size = bytes.len() as u64;
            a.mime_type = image_mime(&a);
            listed.push(summary(&a, None));
            content.push(Content::Image {
                data: STANDARD.encode(&bytes),
                mime_type: a.mime_type.clone(),
            });
        }
        let text = with_unfetchable(
            json!({"issue_key": key, "count": listed.len(), "images": listed}),
            &without_id,
        );
        content.insert(0, Content::Text(text.to_string()));
        ToolOutput {
            content,
            is_error: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(filename: &str, mime: &str) -> AttachmentInfo {
        AttachmentInfo {
            id: "1".into(),
            filename: filename.into(),
            mime_type: mime.into(),
            size: 1,
        }
    }

    #[test]
    fn images_are_recognised_by_mime_type_or_by_extension_when_jira_recorded_octet_stream() {
        assert!(is_image(&info("a.bin", "image/png")));
        assert!(is_image(&info("Shot.JPG", "application/octet-stream")));
        assert_eq!(
            image_mime(&info("Shot.JPG", "application/octet-stream")),
            "image/jpeg"
        );
        assert!(!is_image(&info("notes.txt", "text/plain")));
        assert!(!is_image(&info("a.png", "text/plain")));
    }
}
