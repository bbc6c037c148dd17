//! The write tools of `confluence_attachments`: upload one file or several to a page, and
//! delete an attachment.
//!
//! Invariant: files are given inline as base64, or by local path only where the Jira upload
//! rules allow it (stdio, or inside `ATTACHMENTS_DIR`); every path is judged and every file
//! loaded and size-checked before the first upstream call, and the page's space is checked
//! against `CONFLUENCE_SPACES_FILTER` before anything is written.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::attachments::{meta, page_of, summary};
use super::common::allowed_page;
use crate::atlassian::confluence::attachments;
use crate::tools::env::ToolEnv;
use crate::tools::jira::attachment_upload::{self, Source};
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

fn write_meta(name: &'static str, description: &'static str) -> Meta {
    Meta {
        access: Access::Write,
        idempotent: false,
        ..meta(name, description)
    }
}

/// Arguments of `confluence_upload_attachment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadArgs {
    content_id: String,
    /// Local path (stdio, or in ATTACHMENTS_DIR).
    file_path: Option<String>,
    /// Needs filename.
    content_base64: Option<String>,
    filename: Option<String>,
    /// Version comment.
    comment: Option<String>,
    /// Do not notify watchers.
    #[schemars(extend("default" = false))]
    minor_edit: Option<bool>,
}

/// Arguments of `confluence_upload_attachments`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadManyArgs {
    content_id: String,
    /// Comma list of paths, or JSON list of paths and {"filename","content_base64"}.
    file_paths: String,
    /// Version comment.
    comment: Option<String>,
    /// Do not notify watchers.
    #[schemars(extend("default" = false))]
    minor_edit: Option<bool>,
}

/// Arguments of `confluence_delete_attachment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteArgs {
    /// e.g. att123456.
    attachment_id: String,
}

struct Upload(Arc<ToolEnv>);
struct UploadMany(Arc<ToolEnv>);
struct Delete(Arc<ToolEnv>);

pub(super) fn upload_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        write_meta("confluence_upload_attachment", "Attach one file to a page."),
        Upload(env),
    )
}

pub(super) fn delete_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            destructive: true,
            ..write_meta("confluence_delete_attachment", "Delete an attachment.")
        },
        Delete(env),
    )
}

pub(super) fn upload_many_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        write_meta(
            "confluence_upload_attachments",
            "Attach several files to a page in one request.",
        ),
        UploadMany(env),
    )
}

fn given(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty())
}

/// Loads the files, checks the page, uploads, and reports what Confluence now lists.
async fn upload(
    env: &ToolEnv,
    ctx: &ToolContext,
    content_id: &str,
    sources: Vec<Source>,
    comment: Option<String>,
    minor_edit: bool,
) -> Result<ToolOutput, ToolOutput> {
    let (client, auth) = env.confluence_call(ctx)?;
    if sources.is_empty() {
        return Err(ToolOutput::error("No files were given; pass at least one."));
    }
    // Local checks first: a refused path or an oversized file costs no upstream call.
    let files = attachment_upload::load(env, sources).await?;
    let page = allowed_page(env, client, &auth, content_id).await?;
    let added = attachments::upload(
        client,
        &auth,
        &page.id,
        &files,
        given(comment).as_deref(),
        minor_edit,
    )
    .await
    .map_err(|e| upstream_error(&e))?;
    Ok(json_output(json!({
        "content_id": page.id,
        "uploaded": added.iter().map(summary).collect::<Vec<_>>(),
    })))
}

impl Logic for Upload {
    type Args = UploadArgs;

    async fn run(&self, ctx: &ToolContext, args: UploadArgs) -> ToolOutput {
        let source = match (given(args.content_base64), given(args.file_path)) {
            (Some(b64), None) => match given(args.filename) {
                Some(filename) => Source::Inline {
                    filename,
                    content_base64: b64,
                    mime_type: None,
                },
                None => {
                    return ToolOutput::error(
                        "content_base64 needs a filename; pass filename too.",
                    );
                }
            },
            (None, Some(p)) => Source::Path(p),
            _ => {
                return ToolOutput::error(
                    "Pass exactly one of content_base64 (with filename) or file_path.",
                );
            }
        };
        upload(
            &self.0,
            ctx,
            &args.content_id,
            vec![source],
            args.comment,
            args.minor_edit.unwrap_or(false),
        )
        .await
        .unwrap_or_else(|e| e)
    }
}

impl Logic for UploadMany {
    type Args = UploadManyArgs;

    async fn run(&self, ctx: &ToolContext, args: UploadManyArgs) -> ToolOutput {
        let sources = match attachment_upload::parse(&args.file_paths) {
            Ok(s) => s,
            Err(e) => return e,
        };
        upload(
            &self.0,
            ctx,
            &args.content_id,
            sources,
            args.comment,
            args.minor_edit.unwrap_or(false),
        )
        .await
        .unwrap_or_else(|e| e)
    }
}

impl Logic for Delete {
    type Args = DeleteArgs;

    async fn run(&self, ctx: &ToolContext, args: DeleteArgs) -> ToolOutput {
        let env = &self.0;
        let run = async {
            let (client, auth) = env.confluence_call(ctx)?;
            let id = args.attachment_id.trim();
            let a = attachments::get(client, &auth, id)
                .await
                .map_err(|e| upstream_error(&e))?;
            // The space filter is judged on the owning page before anything is deleted.
            allowed_page(env, client, &auth, &page_of(&a)?).await?;
            attachments::delete(client, &auth, id)
                .await
                .map_err(|e| upstream_error(&e))?;
            Ok(json_output(
                json!({"deleted": true, "attachment_id": id, "title": a.title}),
            ))
        };
        run.await.unwrap_or_else(|e: ToolOutput| e)
    }
}
