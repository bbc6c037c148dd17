//! Issue attachments: metadata (`GET /attachment/{id}`), content (Cloud
//! `/rest/api/3/attachment/content/{id}`, Server/DC `/secure/attachment/{id}/{filename}`),
//! uploads (`POST /issue/{key}/attachments`, multipart with the XSRF header Jira demands)
//! and the issue's `attachment` field.
//!
//! The multipart parser is the sandbox's own, small and strict: parts named `file` with a
//! `filename` are attachments; anything else is ignored, as Jira does.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::issues::find;
use crate::sandbox::jira::render::{Ctx, Flavour};
use crate::sandbox::jira::{flavour, params};
use crate::sandbox::model::{Attachment, Issue, Store};
use crate::sandbox::timefmt::{jira as ts, now_secs};
use crate::sandbox::{SandboxState, base_url};

/// A 1×1 red PNG, seeded on DEMO-1.
pub const SEED_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The text file seeded on DEMO-1.
pub const SEED_TEXT: &str = "Release notes\n- parser fixed\n- ünïcödé kept\n";

/// Attaches the seed files to DEMO-1 (fixed ids, so other seeded ids do not move).
pub(crate) fn seed(store: &mut Store) {
    let Some(issue) = store.issues.iter().find(|i| i.key == "DEMO-1") else {
        return;
    };
    let (issue_id, created) = (issue.id.clone(), issue.created);
    for (id, filename, mime, data) in [
        ("10200", "diagram.png", "image/png", SEED_PNG.to_vec()),
        (
            "10201",
            "notes.txt",
            "text/plain",
            SEED_TEXT.as_bytes().to_vec(),
        ),
    ] {
        store.attachments.push(Attachment {
            id: id.into(),
            issue_id: issue_id.clone(),
            filename: filename.into(),
            mime_type: mime.into(),
            author: 0,
            created,
            data,
        });
    }
}

fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// One attachment as the issue field and the upload answer show it (`id` a string).
pub fn render(ctx: &Ctx<'_>, a: &Attachment) -> Value {
    let api = format!("{}/rest/api/{}", ctx.base, ctx.flavour.num());
    let content = match ctx.flavour {
        Flavour::V3 => format!("{api}/attachment/content/{}", a.id),
        Flavour::V2 => format!(
            "{}/secure/attachment/{}/{}",
            ctx.base,
            a.id,
            encode(&a.filename)
        ),
    };
    let mut v = json!({
        "self": format!("{api}/attachment/{}", a.id),
        "id": a.id,
        "filename": a.filename,
        "author": ctx.user_at(a.author),
        "created": ts(a.created),
        "size": a.data.len(),
        "mimeType": a.mime_type,
        "content": content,
    });
    if a.mime_type.starts_with("image/") {
        v["thumbnail"] = json!(match ctx.flavour {
            Flavour::V3 => format!("{api}/attachment/thumbnail/{}", a.id),
            Flavour::V2 => format!(
                "{}/secure/thumbnail/{}/{}",
                ctx.base,
                a.id,
                encode(&a.filename)
            ),
        });
    }
    v
}

/// The issue's `attachment` field.
pub fn field(ctx: &Ctx<'_>, issue: &Issue) -> Value {
    Value::Array(
        ctx.store
            .attachments
            .iter()
            .filter(|a| a.issue_id == issue.id)
            .map(|a| render(ctx, a))
            .collect(),
    )
}

fn missing(id: &str) -> ApiError {
    ApiError::not_found(
        Family::Jira,
        format!(
            "The attachment with id '{id}' does not exist or you do not have permission to see it."
        ),
    )
}

/// `GET /rest/api/{2,3}/attachment/{id}`; Cloud documents the id as a number here.
pub async fn get_attachment(
    State(state): State<SandboxState>,
    Path((ver, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    let a = store
        .attachments
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| missing(&id))?;
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    let mut v = render(&ctx, a);
    if flavour == Flavour::V3
        && let Ok(n) = a.id.parse::<u64>()
    {
        v["id"] = json!(n);
    }
    Ok(Json(v))
}

fn content(state: &SandboxState, id: &str) -> Result<Response, ApiError> {
    let store = state.store();
    let a = store
        .attachments
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| missing(id))?;
    Ok((
        [
            (header::CONTENT_TYPE, a.mime_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", a.filename.replace('"', "")),
            ),
        ],
        a.data.clone(),
    )
        .into_response())
}

/// Cloud `GET /rest/api/3/attachment/content/{id}`: like Jira Cloud, a 303 to where the
/// bytes are (here the same URL with `redirect=false`, which Jira also honours by serving
/// the content directly), so clients must follow redirects.
pub async fn content_cloud(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if params(&q, "redirect").first() == Some(&"false") {
        return content(&state, &id);
    }
    if !state.store().attachments.iter().any(|a| a.id == id) {
        return Err(missing(&id));
    }
    let location = format!(
        "{}/rest/api/3/attachment/content/{}?redirect=false",
        base_url(&headers),
        encode(&id)
    );
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

/// Server/DC `GET /secure/attachment/{id}/{filename}`; the name must match, as in Jira.
pub async fn content_dc(
    State(state): State<SandboxState>,
    Path((id, filename)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let known = state
        .store()
        .attachments
        .iter()
        .any(|a| a.id == id && a.filename == filename);
    if !known {
        return Err(missing(&id));
    }
    content(&state, &id)
}

/// One uploaded file.
#[derive(Debug, PartialEq, Eq)]
pub struct Part {
    /// The form field name.
    pub name: String,
    /// The file name, if the part is a file.
    pub filename: Option<String>,
    /// The part's `Content-Type`, if sent.
    pub mime_type: Option<String>,
    /// Bytes.
    pub data: Vec<u8>,
}

fn find_bytes(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn disposition_param(value: &str, name: &str) -> Option<String> {
    value.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Parses a `multipart/form-data` body, or says why it cannot.
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let boundary = disposition_param(content_type, "boundary")
        .filter(|_| content_type.trim_start().starts_with("multipart/form-data"))
        .ok_or("the request is not multipart/form-data with a boundary")?;
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut pos = find_bytes(body, &delim, 0).ok_or("the body has no multipart boundary")?;
    loop {
        pos += delim.len();
        if body.get(pos..pos + 2) == Some(b"--") {
            return Ok(parts);
        }
        let head_start = find_bytes(body, b"\r\n", pos).ok_or("truncated part")? + 2;
        let head_end = find_bytes(body, b"\r\n\r\n", head_start).ok_or("part without headers")?;
        let head = String::from_utf8_lossy(&body[head_start..head_end]);
        let data_start = head_end + 4;
        let mut next_delim = b"\r\n".to_vec();
        next_delim.extend_from_slice(&delim);
        let data_end = find_bytes(body, &next_delim, data_start).ok_or("unterminated part")?;
        let (mut name, mut filename, mut mime_type) = (String::new(), None, None);
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                name = disposition_param(v, "name").unwrap_or_default();
                filename = disposition_param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                mime_type = Some(v.trim().to_owned());
            }
        }
        parts.push(Part {
            name,
            filename,
            mime_type,
            data: body[data_start..data_end].to_vec(),
        });
        pos = data_end + 2;
    }
}

/// `POST /rest/api/{2,3}/issue/{key}/attachments` → the new attachments (200, an array).
pub async fn add_attachments(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let token = headers
        .get("x-atlassian-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !token.eq_ignore_ascii_case("no-check") {
        return Err(ApiError::new(
            Family::Jira,
            StatusCode::FORBIDDEN,
            "XSRF check failed: send the header X-Atlassian-Token: no-check",
        ));
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parts = parse_multipart(ct, &body).map_err(|e| ApiError::bad_request(Family::Jira, e))?;
    let files: Vec<Part> = parts
        .into_iter()
        .filter(|p| p.name == "file" && p.filename.is_some())
        .collect();
    if files.is_empty() {
        return Err(ApiError::bad_request(
            Family::Jira,
            "No file parts named 'file' were found in the request.",
        ));
    }
    let mut store = state.store();
    let idx = find(&store, &key)?;
    let issue_id = store.issues[idx].id.clone();
    let now = now_secs();
    let mut ids = Vec::new();
    for f in files {
        let id = store.fresh_id();
        ids.push(id.clone());
        store.attachments.push(Attachment {
            id,
            issue_id: issue_id.clone(),
            filename: f.filename.unwrap_or_default(),
            mime_type: f
                .mime_type
                .unwrap_or_else(|| "application/octet-stream".into()),
            author: me,
            created: now,
            data: f.data,
        });
    }
    store.issues[idx].updated = now;
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    let out: Vec<Value> = store
        .attachments
        .iter()
        .filter(|a| ids.contains(&a.id))
        .map(|a| render(&ctx, a))
        .collect();
    Ok((StatusCode::OK, Json(Value::Array(out))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_yield_their_file_parts_byte_for_byte() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a b.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\r\n\xff\r\n--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XyZ--\r\n";
        let parts = parse_multipart("multipart/form-data; boundary=XyZ", body).expect("parses");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].filename.as_deref(), Some("a b.bin"));
        assert_eq!(parts[0].data, b"\x00\r\n\xff");
        assert_eq!(parts[1].name, "other");
        assert!(parse_multipart("application/json", body).is_err());
    }
}
