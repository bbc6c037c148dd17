//! Page attachments in both flavours: Cloud v2 lists (`/wiki/api/v2/pages/{id}/attachments`),
//! one by id and delete (`/wiki/api/v2/attachments/{id}`); v1 lists and multipart uploads
//! (`/rest/api/content/{id}/child/attachment`, under `/wiki` on Cloud); content by
//! `/wiki/rest/api/content/{pageId}/child/attachment/{attId}/download` (Cloud) or
//! `/download/attachments/{pageId}/{filename}` (DC); DC reads and deletes attachment ids
//! through `/rest/api/content/{id}` (see [`dc_get`], [`dc_delete`]).
//!
//! Ids are `att` + a number, as Confluence gives them, which is how `/rest/api/content/{id}`
//! tells an attachment from a page.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::confluence::{limit_param, param};
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::attachments::{SEED_PNG, parse_multipart};
use crate::sandbox::model::{Attachment, Store};
use crate::sandbox::timefmt::{confluence as ts, now_secs};
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;
const V1: Family = Family::ConfluenceV1;
const V2: Family = Family::ConfluenceV2;

/// The text file seeded on the DEMO home page.
pub const SEED_MINUTES: &str = "Minutes\n1. ship it\n2. ünïcödé stays\n";

/// Attaches the seed files: an image and a text file on the DEMO home page, a text file on
/// the ENG home page.
pub(crate) fn seed(store: &mut Store) {
    let homes: Vec<(String, i64)> = store
        .spaces
        .iter()
        .filter_map(|s| store.pages.get(s.homepage))
        .map(|p| (p.id.clone(), p.created))
        .collect();
    let files: [(usize, &str, &str, &str, &[u8]); 3] = [
        (0, "att400001", "chart.png", "image/png", SEED_PNG),
        (
            0,
            "att400002",
            "minutes.txt",
            "text/plain",
            SEED_MINUTES.as_bytes(),
        ),
        (
            1,
            "att400003",
            "design.txt",
            "text/plain",
            b"Engineering design\n",
        ),
    ];
    for (space, id, filename, mime, data) in files {
        let Some((page_id, created)) = homes.get(space) else {
            continue;
        };
        store.page_attachments.push(Attachment {
            id: id.into(),
            issue_id: page_id.clone(),
            filename: filename.into(),
            mime_type: mime.into(),
            author: 0,
            created: *created,
            data: data.to_vec(),
        });
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn download_path(a: &Attachment) -> String {
    format!(
        "/download/attachments/{}/{}?version=1&api=v2",
        a.issue_id,
        enc(&a.filename)
    )
}

fn v2(a: &Attachment) -> Value {
    json!({
        "id": a.id, "status": "current", "title": a.filename, "createdAt": ts(a.created),
        "pageId": a.issue_id, "mediaType": a.mime_type, "comment": "",
        "fileId": format!("file-{}", a.id), "fileSize": a.data.len(),
        "webuiLink": format!("/pages/viewpageattachments.action?pageId={}", a.issue_id),
        "downloadLink": download_path(a),
        "version": {"number": 1, "createdAt": ts(a.created), "message": "", "minorEdit": false},
        "_links": {"download": download_path(a)},
    })
}

fn v1(a: &Attachment, base: &str) -> Value {
    json!({
        "id": a.id, "type": "attachment", "status": "current", "title": a.filename,
        "metadata": {"mediaType": a.mime_type, "comment": ""},
        "extensions": {"mediaType": a.mime_type, "fileSize": a.data.len(), "comment": ""},
        "container": {"id": a.issue_id, "type": "page"},
        "version": {"number": 1, "when": ts(a.created), "minorEdit": false},
        "_links": {
            "download": download_path(a),
            "self": format!("{base}/rest/api/content/{}", a.id),
        },
    })
}

fn missing_page(family: Family, id: &str) -> ApiError {
    ApiError::not_found(
        family,
        format!("No content found with id: ContentId{{id={id}}}"),
    )
}

fn missing(family: Family, id: &str) -> ApiError {
    ApiError::not_found(family, format!("No attachment found with id: {id}"))
}

/// The page's attachments after the `filename`/`mediaType` filters.
fn of_page<'a>(store: &'a Store, page: &str, q: &[(String, String)]) -> Vec<&'a Attachment> {
    store
        .page_attachments
        .iter()
        .filter(|a| a.issue_id == page)
        .filter(|a| param(q, "filename").is_none_or(|f| a.filename == f))
        .filter(|a| param(q, "mediaType").is_none_or(|m| a.mime_type == m))
        .collect()
}

/// `GET /wiki/api/v2/pages/{id}/attachments?limit=&filename=&mediaType=`.
pub async fn cloud_list(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let limit = limit_param(&q, "limit", 50, 250, V2)?;
    let store = state.store();
    store.page_index(&id).ok_or_else(|| missing_page(V2, &id))?;
    let results: Vec<Value> = of_page(&store, &id, &q)
        .into_iter()
        .take(limit)
        .map(v2)
        .collect();
    Ok(Json(json!({"results": results, "_links": {}})))
}

/// `GET /wiki/api/v2/attachments/{id}`.
pub async fn cloud_get(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    let a = store
        .page_attachments
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| missing(V2, &id))?;
    Ok(Json(v2(a)))
}

fn remove(state: &SandboxState, id: &str, family: Family) -> Result<StatusCode, ApiError> {
    let mut store = state.store();
    let before = store.page_attachments.len();
    store.page_attachments.retain(|a| a.id != id);
    if store.page_attachments.len() == before {
        return Err(missing(family, id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /wiki/api/v2/attachments/{id}` → 204.
pub async fn cloud_delete(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    remove(&state, &id, V2)
}

/// DC `GET /rest/api/content/{attId}` (called by the content route for `att…` ids).
pub fn dc_get(state: &SandboxState, id: &str, base: &str) -> Result<Json<Value>, ApiError> {
    let store = state.store();
    let a = store
        .page_attachments
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| missing_page(V1, id))?;
    Ok(Json(v1(a, base)))
}

/// DC `DELETE /rest/api/content/{attId}` (called by the content route for `att…` ids).
pub fn dc_delete(state: &SandboxState, id: &str) -> Result<StatusCode, ApiError> {
    remove(state, id, V1)
}

/// `GET /rest/api/content/{id}/child/attachment?start=&limit=&filename=&mediaType=`.
pub async fn v1_list(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let start = limit_param(&q, "start", 0, usize::MAX, V1)?;
    let limit = limit_param(&q, "limit", 25, 200, V1)?;
    let base = base_url(&headers);
    let store = state.store();
    store.page_index(&id).ok_or_else(|| missing_page(V1, &id))?;
    let results: Vec<Value> = of_page(&store, &id, &q)
        .into_iter()
        .skip(start)
        .take(limit)
        .map(|a| v1(a, &base))
        .collect();
    Ok(Json(json!({
        "results": results, "start": start, "limit": limit, "size": results.len(),
        "_links": {"base": base, "context": ""},
    })))
}

/// `POST /rest/api/content/{id}/child/attachment` (multipart, `X-Atlassian-Token:
/// no-check`); a file name already on the page is a 400, as in Confluence.
pub async fn v1_upload(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let token = headers
        .get("x-atlassian-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !token.eq_ignore_ascii_case("no-check") {
        return Err(ApiError::new(
            V1,
            StatusCode::FORBIDDEN,
            "XSRF check failed: send the header X-Atlassian-Token: no-check",
        ));
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let files: Vec<_> = parse_multipart(ct, &body)
        .map_err(|e| ApiError::bad_request(V1, e))?
        .into_iter()
        .filter(|p| p.name == "file" && p.filename.is_some())
        .collect();
    if files.is_empty() {
        return Err(ApiError::bad_request(
            V1,
            "No file parts named 'file' were found.",
        ));
    }
    let base = base_url(&headers);
    let mut store = state.store();
    store.page_index(&id).ok_or_else(|| missing_page(V1, &id))?;
    let now = now_secs();
    let mut added = Vec::new();
    for f in files {
        let filename = f.filename.unwrap_or_default();
        let taken = store
            .page_attachments
            .iter()
            .any(|a| a.issue_id == id && a.filename == filename);
        if taken {
            return Err(ApiError::bad_request(
                V1,
                format!(
                    "Cannot add a new attachment with same file name as an existing attachment: {filename}"
                ),
            ));
        }
        let n = store.fresh_id();
        let a = Attachment {
            id: format!("att{n}"),
            issue_id: id.clone(),
            filename,
            mime_type: f
                .mime_type
                .unwrap_or_else(|| "application/octet-stream".into()),
            author: me,
            created: now,
            data: f.data,
        };
        added.push(v1(&a, &base));
        store.page_attachments.push(a);
    }
    Ok(Json(json!({
        "results": added, "start": 0, "limit": added.len(), "size": added.len(),
        "_links": {"base": base, "context": ""},
    })))
}

fn bytes_of(a: &Attachment) -> Response {
    (
        [
            (header::CONTENT_TYPE, a.mime_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", a.filename.replace('"', "")),
            ),
        ],
        a.data.clone(),
    )
        .into_response()
}

/// Cloud `GET /wiki/rest/api/content/{pageId}/child/attachment/{attId}/download`.
pub async fn cloud_download(
    State(state): State<SandboxState>,
    Path((page, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let store = state.store();
    store
        .page_attachments
        .iter()
        .find(|a| a.id == id && a.issue_id == page)
        .map(bytes_of)
        .ok_or_else(|| missing(V1, &id))
}

/// DC `GET /download/attachments/{pageId}/{filename}`.
pub async fn dc_download(
    State(state): State<SandboxState>,
    Path((page, filename)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let store = state.store();
    store
        .page_attachments
        .iter()
        .find(|a| a.issue_id == page && a.filename == filename)
        .map(bytes_of)
        .ok_or_else(|| missing(V1, &filename))
}
