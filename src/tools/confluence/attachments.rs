//! The read tools of `confluence_attachments`: list a page's attachments, download one or
//! all of them as embedded resources, and a page's images as image content.
//!
//! Invariant: nothing touches the server's disk; bytes go from Confluence to the caller in
//! memory, each file capped at `ATTACHMENT_MAX_BYTES` (checked on the recorded size first,
//! then again while the content streams in). Every read checks the page's space against
//! `CONFLUENCE_SPACES_FILTER` first.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::allowed_page;
use crate::atlassian::confluence::attachments::{self, AttachmentInfo, ListQuery};
use crate::atlassian::error::ErrorKind;
use crate::atlassian::{CallAuth, ServiceClient};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{
    Access, Availability, Content, Product, Tool, ToolContext, ToolOutput,
};
use crate::tools::typed::{Logic, Meta, Typed};

pub(super) fn meta(name: &'static str, description: &'static str) -> Meta {
    Meta {
        name,
        description,
        toolset: "confluence_attachments",
        product: Product::Confluence,
        access: Access::Read,
        destructive: false,
        idempotent: true,
        availability: Availability::BOTH,
    }
}

/// The short JSON form of an attachment.
pub(super) fn summary(a: &AttachmentInfo) -> Value {
    json!({"id": a.id, "title": a.title, "media_type": a.media_type, "file_size": a.size,
        "page_id": a.page_id, "comment": a.comment})
}

/// Arguments of `confluence_get_attachments`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    content_id: String,
    #[schemars(extend("default" = 0), range(min = 0))]
    start: Option<u64>,
    #[schemars(extend("default" = 50), range(min = 1, max = 100))]
    limit: Option<u64>,
    /// Exact match.
    filename: Option<String>,
    /// Exact, e.g. image/png.
    media_type: Option<String>,
}

/// Arguments naming a page.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageArgs {
    content_id: String,
}

/// Arguments naming an attachment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdArgs {
    /// e.g. att123456.
    attachment_id: String,
}

struct List(Arc<ToolEnv>);
struct DownloadOne(Arc<ToolEnv>);
struct DownloadAll(Arc<ToolEnv>);
struct Images(Arc<ToolEnv>);

pub(super) fn list_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta(
            "confluence_get_attachments",
            "A page's attachments: id, file name, MIME type, size.",
        ),
        List(env),
    )
}

pub(super) fn download_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta(
            "confluence_download_attachment",
            "One attachment as an embedded resource (base64).",
        ),
        DownloadOne(env),
    )
}

pub(super) fn images_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta(
            "confluence_get_page_images",
            "A page's image attachments as images.",
        ),
        Images(env),
    )
}

pub(super) fn download_all_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        meta(
            "confluence_download_content_attachments",
            "A page's attachments as embedded resources after a JSON summary.",
        ),
        DownloadAll(env),
    )
}

fn too_large(a: &AttachmentInfo, limit: u64) -> ToolOutput {
    ToolOutput::error(format!(
        "Attachment {:?} is {} bytes, over this server's limit of {limit} bytes (ATTACHMENT_MAX_BYTES); open it in Confluence instead.",
        a.title, a.size
    ))
}

const IMAGE_EXTENSIONS: [&str; 7] = ["png", "jpg", "jpeg", "gif", "webp", "bmp", "svg"];

fn extension(a: &AttachmentInfo) -> Option<String> {
    a.title
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
}

/// Images by MIME type, or by extension when Confluence recorded octet-stream.
fn is_image(a: &AttachmentInfo) -> bool {
    a.media_type.starts_with("image/")
        || (a.media_type == "application/octet-stream"
            && extension(a).is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str())))
}

fn image_mime(a: &AttachmentInfo) -> String {
    if a.media_type.starts_with("image/") {
        return a.media_type.clone();
    }
    match extension(a).as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg".into(),
        Some("svg") => "image/svg+xml".into(),
        Some(e) => format!("image/{e}"),
        None => a.media_type.clone(),
    }
}

type Fetched = Vec<(AttachmentInfo, bytes::Bytes)>;

/// Checks every file against the limit, then fetches each.
async fn fetch(
    env: &ToolEnv,
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
    wanted: Vec<AttachmentInfo>,
) -> Result<Fetched, ToolOutput> {
    let limit = env.attachment_max_bytes;
    if let Some(big) = wanted.iter().find(|a| a.size > limit) {
        return Err(too_large(big, limit));
    }
    let mut out = Vec::with_capacity(wanted.len());
    for mut a in wanted {
        match attachments::download(client, auth, page_id, &a, limit).await {
            Ok(bytes) => {
                a.size = bytes.len() as u64;
                out.push((a, bytes));
            }
            Err(e) if e.kind == ErrorKind::TooLarge => return Err(too_large(&a, limit)),
            Err(e) => return Err(upstream_error(&e)),
        }
    }
    Ok(out)
}

/// Every attachment of a page the filter allows (up to 250).
async fn all_of(
    env: &ToolEnv,
    client: &ServiceClient,
    auth: &CallAuth,
    content_id: &str,
) -> Result<(String, Vec<AttachmentInfo>), ToolOutput> {
    let page = allowed_page(env, client, auth, content_id).await?;
    let q = ListQuery {
        start: 0,
        limit: 250,
        ..ListQuery::default()
    };
    let list = attachments::list(client, auth, &page.id, &q)
        .await
        .map_err(|e| upstream_error(&e))?;
    Ok((page.id, list))
}

fn resource(page_id: &str, a: &AttachmentInfo, bytes: &[u8]) -> Content {
    let name: String = url::form_urlencoded::byte_serialize(a.title.as_bytes()).collect();
    Content::Blob {
        uri: format!("confluence-attachment://{page_id}/{}/{name}", a.id),
        mime_type: a.media_type.clone(),
        data: STANDARD.encode(bytes),
    }
}

fn with_summary(text: Value, mut content: Vec<Content>) -> ToolOutput {
    content.insert(0, Content::Text(text.to_string()));
    ToolOutput {
        content,
        is_error: false,
    }
}

impl Logic for List {
    type Args = ListArgs;

    async fn run(&self, ctx: &ToolContext, args: ListArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let page = match allowed_page(env, client, &auth, &args.content_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let q = ListQuery {
            start: args.start.unwrap_or(0),
            limit: args.limit.unwrap_or(50).clamp(1, 100),
            filename: args.filename.filter(|s| !s.trim().is_empty()),
            media_type: args.media_type.filter(|s| !s.trim().is_empty()),
        };
        match attachments::list(client, &auth, &page.id, &q).await {
            Ok(list) => json_output(json!({
                "content_id": page.id,
                "start": q.start,
                "count": list.len(),
                "attachments": list.iter().map(summary).collect::<Vec<_>>(),
            })),
            Err(e) => upstream_error(&e),
        }
    }
}

impl Logic for DownloadOne {
    type Args = IdArgs;

    async fn run(&self, ctx: &ToolContext, args: IdArgs) -> ToolOutput {
        let env = &self.0;
        let run = async {
            let (client, auth) = env.confluence_call(ctx)?;
            let a = attachments::get(client, &auth, args.attachment_id.trim())
                .await
                .map_err(|e| upstream_error(&e))?;
            let page_id = page_of(&a)?;
            let page = allowed_page(env, client, &auth, &page_id).await?;
            let files = fetch(env, client, &auth, &page.id, vec![a]).await?;
            let content: Vec<Content> = files
                .iter()
                .map(|(a, b)| resource(&page.id, a, b))
                .collect();
            let listed: Vec<Value> = files.iter().map(|(a, _)| summary(a)).collect();
            Ok(with_summary(
                listed.into_iter().next().unwrap_or(Value::Null),
                content,
            ))
        };
        run.await.unwrap_or_else(|e: ToolOutput| e)
    }
}

/// The page an attachment belongs to, or the error when Confluence did not say.
pub(super) fn page_of(a: &AttachmentInfo) -> Result<String, ToolOutput> {
    a.page_id.clone().ok_or_else(|| {
        ToolOutput::error(format!(
            "Confluence did not say which page attachment {} belongs to; list it with confluence_get_attachments and its page id.",
            a.id
        ))
    })
}

impl Logic for DownloadAll {
    type Args = PageArgs;

    async fn run(&self, ctx: &ToolContext, args: PageArgs) -> ToolOutput {
        let env = &self.0;
        let run = async {
            let (client, auth) = env.confluence_call(ctx)?;
            let (page_id, list) = all_of(env, client, &auth, &args.content_id).await?;
            let files = fetch(env, client, &auth, &page_id, list).await?;
            let content = files
                .iter()
                .map(|(a, b)| resource(&page_id, a, b))
                .collect();
            let listed: Vec<Value> = files.iter().map(|(a, _)| summary(a)).collect();
            Ok(with_summary(
                json!({"content_id": page_id, "count": listed.len(), "attachments": listed}),
                content,
            ))
        };
        run.await.unwrap_or_else(|e: ToolOutput| e)
    }
}

impl Logic for Images {
    type Args = PageArgs;

    async fn run(&self, ctx: &ToolContext, args: PageArgs) -> ToolOutput {
        let env = &self.0;
        let run = async {
            let (client, auth) = env.confluence_call(ctx)?;
            let (page_id, list) = all_of(env, client, &auth, &args.content_id).await?;
            let wanted = list.into_iter().filter(is_image).collect();
            let files = fetch(env, client, &auth, &page_id, wanted).await?;
            let mut listed = Vec::new();
            let mut content = Vec::new();
            for (mut a, bytes) in files {
                a.media_type = image_mime(&a);
                listed.push(summary(&a));
                content.push(Content::Image {
                    data: STANDARD.encode(&bytes),
                    mime_type: a.media_type.clone(),
                });
            }
            Ok(with_summary(
                json!({"content_id": page_id, "count": listed.len(), "images": listed}),
                content,
            ))
        };
        run.await.unwrap_or_else(|e: ToolOutput| e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(title: &str, mime: &str) -> AttachmentInfo {
        AttachmentInfo {
            title: title.into(),
            media_type: mime.into(),
            ..AttachmentInfo::default()
        }
    }

    #[test]
    fn images_are_known_by_mime_type_or_by_extension_when_recorded_as_octet_stream() {
        assert!(is_image(&info("a.bin", "image/gif")));
        assert!(is_image(&info("Shot.JPEG", "application/octet-stream")));
        assert_eq!(
            image_mime(&info("x.jpg", "application/octet-stream")),
            "image/jpeg"
        );
        assert!(!is_image(&info("a.png", "text/plain")));
    }
}
