//! The `attachments` argument of `jira_update_issue`: files given inline as base64, or by
//! local path where that is safe.
//!
//! Invariant: an HTTP caller never reads the server's disk. A path is accepted only with
//! `TRANSPORT=stdio` (the caller is the local user who started the server) or, over HTTP,
//! when `ATTACHMENTS_DIR` is set and the path, with symlinks resolved, lies inside it. A path
//! with a `..` component is refused everywhere. All of this is checked, and every file read
//! and size-checked, before any upstream call.

use std::path::{Component, Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::atlassian::client::FilePart;
use crate::tools::env::ToolEnv;
use crate::tools::registry::ToolOutput;

/// One file the caller wants attached, before it is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Inline content.
    Inline {
        /// File name to give it.
        filename: String,
        /// Base64 content as sent.
        content_base64: String,
        /// MIME type, if given.
        mime_type: Option<String>,
    },
    /// A path on the server's machine.
    Path(String),
}

const FORMAT: &str = "Pass attachments as a JSON list such as [{\"filename\": \"a.txt\", \"content_base64\": \"aGk=\", \"mime_type\": \"text/plain\"}]";

fn bad(msg: impl std::fmt::Display) -> ToolOutput {
    ToolOutput::error(format!("attachments is not valid: {msg}. {FORMAT}."))
}

fn source_of(v: &Value) -> Result<Source, ToolOutput> {
    match v {
        Value::String(p) if !p.trim().is_empty() => Ok(Source::Path(p.trim().to_owned())),
        Value::Object(o) => {
            if let Some(k) = o
                .keys()
                .find(|k| !["filename", "content_base64", "mime_type"].contains(&k.as_str()))
            {
                return Err(bad(format!("unknown key {k:?}")));
            }
            let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
            let filename = text("filename")
                .filter(|f| !f.trim().is_empty())
                .ok_or_else(|| bad("an entry has no filename"))?;
            let content_base64 = text("content_base64")
                .ok_or_else(|| bad(format!("{filename:?} has no content_base64")))?;
            Ok(Source::Inline {
                filename,
                content_base64,
                mime_type: text("mime_type").filter(|m| !m.trim().is_empty()),
            })
        }
        other => Err(bad(format!("unexpected entry {other}"))),
    }
}

/// Parses the argument: a JSON list (or one object) of inline files or path strings, or a
/// comma-separated list of paths as the reference server accepts.
pub fn parse(raw: &str) -> Result<Vec<Source>, ToolOutput> {
    let raw = raw.trim();
    if raw.starts_with('[') || raw.starts_with('{') {
        let v: Value = serde_json::from_str(raw).map_err(|e| bad(format!("not JSON ({e})")))?;
        return match v {
            Value::Array(items) => items.iter().map(source_of).collect(),
            one => Ok(vec![source_of(&one)?]),
        };
    }
    Ok(raw
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| Source::Path(p.to_owned()))
        .collect())
}

fn guess_mime(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

fn base_name(name: &str) -> String {
    name.rsplit(['/', '\\']).next().unwrap_or(name).to_owned()
}

/// Where a path may be read from, or why it may not.
pub fn resolve(env: &ToolEnv, raw: &str) -> Result<PathBuf, ToolOutput> {
    let path = Path::new(raw);
    if path.components().any(|c| c == Component::ParentDir) {
        return Err(ToolOutput::error(format!(
            "The attachment path {raw:?} contains '..', which is not allowed; name the file directly."
        )));
    }
    let Some(dir) = &env.attachments_dir else {
        if env.stdio {
            return Ok(path.to_path_buf());
        }
        return Err(ToolOutput::error(
            "This server does not read attachments from its disk for HTTP clients; send the file inline as {\"filename\", \"content_base64\"}, or ask the operator to set ATTACHMENTS_DIR.",
        ));
    };
    let outside = || {
        ToolOutput::error(format!(
            "The attachment path {raw:?} is not a file inside this server's attachments directory; use a path relative to it, or send the file inline as content_base64."
        ))
    };
    let root = dir.canonicalize().map_err(|_| {
        ToolOutput::error(
            "The server's ATTACHMENTS_DIR does not exist; send the file inline as content_base64.",
        )
    })?;
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    // canonicalize resolves symlinks, so a link inside the directory that points out of it
    // is judged by where it leads.
    let real = joined.canonicalize().map_err(|_| outside())?;
    if !real.starts_with(&root) || !real.is_file() {
        return Err(outside());
    }
    Ok(real)
}

fn too_large(name: &str, size: u64, limit: u64) -> ToolOutput {
    ToolOutput::error(format!(
        "Attachment {name:?} is {size} bytes, over this server's limit of {limit} bytes (ATTACHMENT_MAX_BYTES); attach a smaller file."
    ))
}

enum Pending {
    Inline {
        filename: String,
        content_base64: String,
        mime_type: Option<String>,
    },
    File(PathBuf),
}

fn decode_inline(
    filename: &str,
    content_base64: &str,
    mime_type: Option<String>,
    limit: u64,
) -> Result<FilePart, ToolOutput> {
    // Agents often send a data URL; its payload is the base64.
    let b64 = content_base64
        .split_once(";base64,")
        .map_or(content_base64, |(_, b)| b);
    let clean: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let data = STANDARD.decode(clean.as_bytes()).map_err(|e| {
        bad(format!(
            "the content_base64 of {filename:?} is not base64 ({e})"
        ))
    })?;
    let name = base_name(filename);
    if data.len() as u64 > limit {
        return Err(too_large(&name, data.len() as u64, limit));
    }
    Ok(FilePart {
        mime_type: mime_type.unwrap_or_else(|| guess_mime(&name).to_owned()),
        filename: name,
        data: data.into(),
    })
}

async fn read_file(path: &Path, limit: u64) -> Result<FilePart, ToolOutput> {
    let shown = path.display().to_string();
    let cannot = |e: std::io::Error| {
        ToolOutput::error(format!("Cannot read the attachment {shown:?}: {e}."))
    };
    let meta = tokio::fs::metadata(path).await.map_err(cannot)?;
    if meta.len() > limit {
        return Err(too_large(&shown, meta.len(), limit));
    }
    let data = tokio::fs::read(path).await.map_err(cannot)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "attachment".into());
    Ok(FilePart {
        mime_type: guess_mime(&name).to_owned(),
        filename: name,
        data: data.into(),
    })
}

/// Checks and loads every file; nothing is sent anywhere yet.
pub async fn load(env: &ToolEnv, sources: Vec<Source>) -> Result<Vec<FilePart>, ToolOutput> {
    let limit = env.attachment_max_bytes;
    // Every path is judged before any file is read, so one refusal reads nothing.
    let mut pending = Vec::with_capacity(sources.len());
    for s in sources {
        pending.push(match s {
            Source::Path(p) => Pending::File(resolve(env, &p)?),
            Source::Inline {
                filename,
                content_base64,
                mime_type,
            } => Pending::Inline {
                filename,
                content_base64,
                mime_type,
            },
        });
    }
    let mut parts = Vec::with_capacity(pending.len());
    for p in pending {
        parts.push(match p {
            Pending::Inline {
                filename,
                content_base64,
                mime_type,
            } => decode_inline(&filename, &content_base64, mime_type, limit)?,
            Pending::File(path) => read_file(&path, limit).await?,
        });
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_argument_takes_json_lists_single_objects_and_comma_separated_paths() {
        let list = parse(r#"[{"filename": "a.txt", "content_base64": "aGk="}, "/tmp/b.png"]"#)
            .expect("parses");
        assert_eq!(list.len(), 2);
        assert_eq!(list[1], Source::Path("/tmp/b.png".into()));
        assert_eq!(parse("a.txt, b.txt").expect("parses").len(), 2);
        assert!(parse(r#"{"filename": "a", "content_base64": "x", "extra": 1}"#).is_err());
        assert!(parse(r#"[{"content_base64": "x"}]"#).is_err());
    }

    #[test]
    fn paths_are_refused_over_http_without_a_directory_and_with_dot_dot_anywhere() {
        let http = ToolEnv::default();
        assert!(resolve(&http, "/etc/hostname").is_err());
        let stdio = ToolEnv {
            stdio: true,
            ..ToolEnv::default()
        };
        assert!(resolve(&stdio, "/tmp/x.txt").is_ok());
        assert!(resolve(&stdio, "/tmp/../etc/passwd").is_err());
    }

    #[test]
    fn inside_the_directory_only_real_files_that_stay_inside_are_accepted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let other = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("ok.txt"), "ok").expect("write");
        std::fs::write(other.path().join("secret.txt"), "no").expect("write");
        std::os::unix::fs::symlink(other.path().join("secret.txt"), dir.path().join("link.txt"))
            .expect("symlink");
        let env = ToolEnv {
            attachments_dir: Some(dir.path().to_path_buf()),
            ..ToolEnv::default()
        };
        assert!(resolve(&env, "ok.txt").is_ok());
        assert!(resolve(&env, &dir.path().join("ok.txt").display().to_string()).is_ok());
        assert!(resolve(&env, "link.txt").is_err());
        assert!(resolve(&env, &other.path().join("secret.txt").display().to_string()).is_err());
        assert!(resolve(&env, "missing.txt").is_err());
    }
}
