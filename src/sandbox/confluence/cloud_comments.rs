//! Confluence Cloud v2 footer comments: a page's top-level comments, the replies to a
//! comment, one comment, and creating a comment or a reply (`parentCommentId`).

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::confluence::cloud_pages::cursor_page;
use crate::sandbox::confluence::param;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::model::{InlineMark, PageComment, Store};
use crate::sandbox::text::adf_to_html;
use crate::sandbox::timefmt::{confluence as ts, now_secs};
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;
const V2: Family = Family::ConfluenceV2;

/// The storage body of a comment.
pub fn comment_storage(c: &PageComment) -> String {
    match &c.storage {
        Some(s) => s.clone(),
        None => adf_to_html(&c.body.adf, true),
    }
}

pub(super) fn render(store: &Store, page: usize, c: &PageComment, with_body: bool) -> Value {
    let p = &store.pages[page];
    let key = store
        .spaces
        .get(p.space)
        .map(|s| s.key.clone())
        .unwrap_or_default();
    let mut v = json!({
        "id": c.id, "status": "current", "title": format!("Re: {}", p.title), "pageId": p.id,
        "version": {"createdAt": ts(c.created), "message": "", "number": 1, "minorEdit": false,
            "authorId": store.users.get(c.author).map(|u| u.account_id.clone())},
        "body": {},
        "_links": {"webui": format!("/spaces/{key}/pages/{}?focusedCommentId={}", p.id, c.id)}
    });
    if let Some(parent) = &c.parent {
        v["parentCommentId"] = json!(parent);
    }
    if with_body {
        v["body"] = json!({"storage": {"representation": "storage", "value": comment_storage(c)}});
    }
    if let Some(mark) = &c.inline {
        let status = if mark.resolved { "resolved" } else { "open" };
        v["resolutionStatus"] = json!(status);
        v["properties"] = json!({
            "inlineMarkerRef": mark.marker_ref,
            "inlineOriginalSelection": mark.selection,
        });
    }
    v
}

pub(super) fn wants_body(q: &[(String, String)]) -> Result<bool, ApiError> {
    match param(q, "body-format") {
        None => Ok(false),
        Some("storage") => Ok(true),
        Some(other) => Err(ApiError::bad_request(
            V2,
            format!("Invalid body-format '{other}': the sandbox supports storage"),
        )),
    }
}

/// Footer or inline: the two v2 comment families share shapes and paging, and differ only in
/// which comments they hold (an inline comment carries the text it highlights).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `footer-comments`.
    Footer,
    /// `inline-comments`.
    Inline,
}

impl Kind {
    fn segment(self) -> &'static str {
        match self {
            Kind::Footer => "footer-comments",
            Kind::Inline => "inline-comments",
        }
    }

    fn holds(self, c: &PageComment) -> bool {
        c.inline.is_some() == (self == Kind::Inline)
    }
}

/// `GET /wiki/api/v2/pages/{id}/{footer,inline}-comments`: top-level comments, oldest first.
pub(super) fn list_page(
    state: &SandboxState,
    kind: Kind,
    id: &str,
    q: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let body = wants_body(q)?;
    let base = base_url(headers);
    let store = state.store();
    let idx = store
        .page_index(id)
        .ok_or_else(|| ApiError::not_found(V2, "Not Found"))?;
    let items = store.pages[idx]
        .comments
        .iter()
        .filter(|c| c.parent.is_none() && kind.holds(c))
        .map(|c| render(&store, idx, c, body))
        .collect();
    cursor_page(q, items, &format!("/pages/{id}/{}", kind.segment()), &base)
}

/// `GET /wiki/api/v2/{footer,inline}-comments/{id}/children`: direct replies.
pub(super) fn list_replies(
    state: &SandboxState,
    kind: Kind,
    id: &str,
    q: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let body = wants_body(q)?;
    let base = base_url(headers);
    let store = state.store();
    let (page, _) = find(&store, kind, id)?;
    let items = store.pages[page]
        .comments
        .iter()
        .filter(|c| c.parent.as_deref() == Some(id))
        .map(|c| {
            let mut v = render(&store, page, c, body);
            if let Some(o) = v.as_object_mut() {
                o.remove("pageId");
            }
            v
        })
        .collect();
    cursor_page(
        q,
        items,
        &format!("/{}/{id}/children", kind.segment()),
        &base,
    )
}

/// The page and comment index of comment `id` of this kind.
pub(super) fn find(store: &Store, kind: Kind, id: &str) -> Result<(usize, usize), ApiError> {
    store
        .comment_index(id)
        .filter(|&(p, c)| kind.holds(&store.pages[p].comments[c]))
        .ok_or_else(|| ApiError::not_found(V2, "Not Found"))
}

/// `GET /wiki/api/v2/{footer,inline}-comments/{comment-id}`.
pub(super) fn get_one(
    state: &SandboxState,
    kind: Kind,
    id: &str,
    q: &[(String, String)],
) -> Result<Json<Value>, ApiError> {
    let body = wants_body(q)?;
    let store = state.store();
    let (page, ci) = find(&store, kind, id)?;
    Ok(Json(render(
        &store,
        page,
        &store.pages[page].comments[ci],
        body,
    )))
}

/// `GET /wiki/api/v2/pages/{id}/footer-comments`.
pub async fn page_comments(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    list_page(&state, Kind::Footer, &id, &q, &headers)
}

/// `GET /wiki/api/v2/footer-comments/{id}/children`.
pub async fn children(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    list_replies(&state, Kind::Footer, &id, &q, &headers)
}

/// `GET /wiki/api/v2/footer-comments/{id}`.
pub async fn get_comment(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    get_one(&state, Kind::Footer, &id, &q)
}

/// Appends a comment (or reply) to page `page`; returns its index.
pub fn add_comment(
    store: &mut Store,
    page: usize,
    parent: Option<String>,
    storage: &str,
    me: usize,
    inline: Option<InlineMark>,
) -> usize {
    let id = store.fresh_id();
    let body = super::pages::storage_plain(storage);
    let comments = &mut store.pages[page].comments;
    comments.push(PageComment {
        id,
        author: me,
        body,
        created: now_secs(),
        storage: Some(storage.to_owned()),
        parent,
        inline,
    });
    comments.len() - 1
}

/// `POST /wiki/api/v2/footer-comments` with `pageId` or `parentCommentId` (201).
pub async fn create(
    State(state): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let b = &body["body"];
    let storage = match b["representation"].as_str() {
        Some("storage") => b["value"].as_str().unwrap_or_default().to_owned(),
        other => {
            return Err(ApiError::bad_request(
                V2,
                format!("Unsupported body representation {other:?}: the sandbox accepts storage"),
            ));
        }
    };
    if storage.trim().is_empty() {
        return Err(ApiError::bad_request(V2, "Comment body cannot be empty"));
    }
    let mut store = state.store();
    let (page, parent) = match (body["pageId"].as_str(), body["parentCommentId"].as_str()) {
        (Some(p), None) => (
            store
                .page_index(p)
                .ok_or_else(|| ApiError::not_found(V2, "Not Found"))?,
            None,
        ),
        (None, Some(c)) => (
            store
                .comment_index(c)
                .ok_or_else(|| ApiError::not_found(V2, "Not Found"))?
                .0,
            Some(c.to_owned()),
        ),
        _ => {
            return Err(ApiError::bad_request(
                V2,
                "Provide exactly one of pageId or parentCommentId",
            ));
        }
    };
    let ci = add_comment(&mut store, page, parent, &storage, me, None);
    let v = render(&store, page, &store.pages[page].comments[ci], true);
    Ok((StatusCode::CREATED, Json(v)).into_response())
}
