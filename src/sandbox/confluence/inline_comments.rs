//! Confluence Cloud v2 inline comments: a page's top-level inline comments, the replies to
//! one, one by id, and creating one on a text selection (or a reply). Shapes follow
//! `PageInlineCommentModel`, `InlineCommentChildrenModel` and `InlineCommentModel` of the
//! official v2 document; the selection rules (text must occur on the page, match index below
//! the match count) are shared with the Data Center handler.

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::sandbox::SandboxState;
use crate::sandbox::auth::CurrentUser;
use crate::sandbox::confluence::cloud_comments::{
    Kind, add_comment, find, get_one, list_page, list_replies, render,
};
use crate::sandbox::confluence::pages::storage_plain;
use crate::sandbox::confluence::render::storage;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::model::{InlineMark, Store};

type Q = Query<Vec<(String, String)>>;
const V2: Family = Family::ConfluenceV2;

/// How often `selection` occurs in the page's text (tags stripped, entities decoded).
pub fn occurrences(store: &Store, page: usize, selection: &str) -> usize {
    if selection.is_empty() {
        return 0;
    }
    storage_plain(&storage(&store.pages[page]))
        .wiki
        .matches(selection)
        .count()
}

/// Refuses a selection that is empty, absent from the page, or whose match index is out of
/// range — as Confluence does, since it could not place the highlight.
pub fn check_selection(
    store: &Store,
    page: usize,
    selection: &str,
    index: u64,
) -> Result<(), String> {
    if selection.trim().is_empty() {
        return Err("An inline comment needs a non-empty text selection".into());
    }
    let found = occurrences(store, page, selection);
    if found == 0 {
        return Err(format!(
            "Cannot find the text selection '{selection}' on the page"
        ));
    }
    if usize::try_from(index).map_or(true, |i| i >= found) {
        return Err(format!(
            "Match index {index} is out of range: the selection occurs {found} time(s)"
        ));
    }
    Ok(())
}

/// `GET /wiki/api/v2/pages/{id}/inline-comments`: top-level inline comments, oldest first.
pub async fn page_comments(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    list_page(&state, Kind::Inline, &id, &q, &headers)
}

/// `GET /wiki/api/v2/inline-comments/{id}/children`: direct replies.
pub async fn children(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    list_replies(&state, Kind::Inline, &id, &q, &headers)
}

/// `GET /wiki/api/v2/inline-comments/{comment-id}`.
pub async fn get_comment(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    get_one(&state, Kind::Inline, &id, &q)
}

/// `POST /wiki/api/v2/inline-comments`: `pageId` with `inlineCommentProperties` for a new
/// highlight, or `parentCommentId` for a reply (201).
pub async fn create(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let b = &body["body"];
    if b["representation"].as_str() != Some("storage") {
        return Err(ApiError::bad_request(
            V2,
            format!(
                "Unsupported body representation {:?}: the sandbox accepts storage",
                b["representation"].as_str()
            ),
        ));
    }
    let storage = b["value"].as_str().unwrap_or_default().to_owned();
    if storage.trim().is_empty() {
        return Err(ApiError::bad_request(V2, "Comment body cannot be empty"));
    }
    let mut store = state.store();
    let (page, parent, mark) = match (body["pageId"].as_str(), body["parentCommentId"].as_str()) {
        (Some(p), None) => {
            let page = store
                .page_index(p)
                .ok_or_else(|| ApiError::not_found(V2, "Not Found"))?;
            let props = &body["inlineCommentProperties"];
            let selection = props["textSelection"].as_str().unwrap_or_default();
            let index = props["textSelectionMatchIndex"].as_u64().unwrap_or(0);
            check_selection(&store, page, selection, index)
                .map_err(|m| ApiError::bad_request(V2, m))?;
            let count = props["textSelectionMatchCount"].as_u64();
            if count.is_some_and(|n| n <= index) {
                return Err(ApiError::bad_request(
                    V2,
                    "textSelectionMatchCount must be greater than textSelectionMatchIndex",
                ));
            }
            let mark = InlineMark {
                selection: selection.to_owned(),
                marker_ref: uuid::Uuid::new_v4().to_string(),
                resolved: false,
            };
            (page, None, Some(mark))
        }
        (None, Some(c)) => {
            let (page, ci) = find(&store, Kind::Inline, c)?;
            let mark = store.pages[page].comments[ci].inline.clone();
            (page, Some(c.to_owned()), mark)
        }
        _ => {
            return Err(ApiError::bad_request(
                V2,
                "Provide exactly one of pageId or parentCommentId",
            ));
        }
    };
    let ci = add_comment(&mut store, page, parent, &storage, me, mark);
    let v = render(&store, page, &store.pages[page].comments[ci], true);
    Ok((StatusCode::CREATED, Json(v)).into_response())
}
