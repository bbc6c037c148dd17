//! Confluence Data Center comments as content: `GET /rest/api/content/{id}/child/comment`
//! (`depth=all` includes replies, which carry their parent in `ancestors`), comment content
//! by id, and `POST /rest/api/content` with `type: comment`.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::sandbox::confluence::cloud_comments::{add_comment, comment_storage};
use crate::sandbox::confluence::dc_pages::list;
use crate::sandbox::confluence::render::{dc_person, view_html};
use crate::sandbox::confluence::{list_param, param};
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::model::{InlineMark, PageComment, Store};
use crate::sandbox::timefmt::confluence as ts;
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;
const V1: Family = Family::ConfluenceV1;

/// Where a comment sits, as the `location` query parameter names it.
fn location(c: &PageComment) -> &'static str {
    match &c.inline {
        None => "footer",
        Some(m) if m.resolved => "resolved",
        Some(_) => "inline",
    }
}

/// `extensions`: the location always; inline properties and resolution when expanded.
fn extensions(c: &PageComment, expand: &BTreeSet<String>) -> Value {
    let Some(mark) = &c.inline else {
        return json!({"location": "footer"});
    };
    let mut v = json!({"location": "inline"});
    if expand.contains("extensions.inlineProperties") {
        v["inlineProperties"] =
            json!({"originalSelection": mark.selection, "markerRef": mark.marker_ref});
    }
    if expand.contains("extensions.resolution") {
        let status = if mark.resolved { "resolved" } else { "open" };
        v["resolution"] = json!({"status": status});
    }
    v
}

/// A comment as v1 content, with the requested expansions.
pub fn render(
    store: &Store,
    page: usize,
    ci: usize,
    expand: &BTreeSet<String>,
    base: &str,
) -> Value {
    let p = &store.pages[page];
    let c = &p.comments[ci];
    let key = store
        .spaces
        .get(p.space)
        .map(|s| s.key.clone())
        .unwrap_or_default();
    let person = store.users.get(c.author).map(|u| dc_person(u, base));
    let mut v = json!({
        "id": c.id, "type": "comment", "status": "current", "title": format!("Re: {}", p.title),
        "extensions": extensions(c, expand),
        "_links": {"webui": format!("/display/{key}/{}?focusedCommentId={}#comment-{}", p.title.replace(' ', "+"), c.id, c.id),
            "self": format!("{base}/rest/api/content/{}", c.id)},
        "_expandable": {}
    });
    let mut body = serde_json::Map::new();
    if expand.contains("body.storage") {
        body.insert(
            "storage".into(),
            json!({"value": comment_storage(c), "representation": "storage"}),
        );
    }
    if expand.contains("body.view") {
        body.insert(
            "view".into(),
            json!({"value": view_html(c.storage.as_deref(), &c.body.adf), "representation": "view"}),
        );
    }
    if !body.is_empty() {
        v["body"] = Value::Object(body);
    }
    if expand.contains("version") {
        v["version"] = json!({"by": person, "when": ts(c.created), "message": "", "number": 1, "minorEdit": false, "hidden": false});
    }
    if expand.contains("history") {
        v["history"] = json!({"latest": true, "createdBy": person, "createdDate": ts(c.created)});
    }
    if expand.contains("ancestors") {
        let anc: Vec<Value> = c
            .parent
            .iter()
            .map(|id| json!({"id": id, "type": "comment", "status": "current", "title": format!("Re: {}", p.title)}))
            .collect();
        v["ancestors"] = json!(anc);
    }
    if expand.contains("container") {
        v["container"] = json!({"id": p.id, "type": "page", "status": "current", "title": p.title,
            "_links": {"self": format!("{base}/rest/api/content/{}", p.id)}});
    }
    if expand.contains("space") {
        v["space"] = json!({"key": key});
    }
    v
}

/// `GET /rest/api/content/{id}/child/comment?depth=all&expand=`.
pub async fn page_comments(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let store = state.store();
    let idx = store.page_index(&id).ok_or_else(|| {
        ApiError::not_found(
            V1,
            format!("No content found with id: ContentId{{id={id}}}"),
        )
    })?;
    let all = param(&q, "depth").is_some_and(|d| d.eq_ignore_ascii_case("all"));
    // `location` may repeat; none means every location.
    let locations: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "location")
        .map(|(_, v)| v.as_str())
        .collect();
    let expand: BTreeSet<String> = list_param(&q, "expand").into_iter().collect();
    let items = store.pages[idx]
        .comments
        .iter()
        .enumerate()
        .filter(|(_, c)| all || c.parent.is_none())
        .filter(|(_, c)| locations.is_empty() || locations.contains(&location(c)))
        .map(|(ci, _)| render(&store, idx, ci, &expand, &base))
        .collect();
    Ok(Json(list(
        &q,
        items,
        &format!("/rest/api/content/{id}/child/comment"),
        &base,
    )?))
}

/// `POST /rest/api/content` with `type: comment`, `container: {id}` and, for a reply,
/// `ancestors: [{id: parent comment}]`.
pub fn create_comment(
    state: &SandboxState,
    me: usize,
    base: &str,
    body: &Value,
) -> Result<Json<Value>, ApiError> {
    let storage = body["body"]["storage"]["value"]
        .as_str()
        .unwrap_or_default();
    if storage.trim().is_empty() {
        return Err(ApiError::bad_request(V1, "Comment body cannot be empty"));
    }
    let mut store = state.store();
    let container = body["container"]["id"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| body["container"]["id"].as_u64().map(|n| n.to_string()))
        .ok_or_else(|| ApiError::bad_request(V1, "A comment needs a container"))?;
    let page = store.page_index(&container).ok_or_else(|| {
        ApiError::not_found(
            V1,
            format!("No content found with id: ContentId{{id={container}}}"),
        )
    })?;
    let parent = body["ancestors"]
        .as_array()
        .and_then(|a| a.last())
        .and_then(|a| a["id"].as_str().map(str::to_owned));
    if let Some(pid) = &parent
        && store.comment_index(pid).map(|(p, _)| p) != Some(page)
    {
        return Err(ApiError::bad_request(
            V1,
            format!("Parent comment {pid} is not a comment on content {container}"),
        ));
    }
    let inline = match body["extensions"]["location"].as_str() {
        None | Some("footer") => None,
        Some("inline") => Some(inline_mark(&store, page, parent.as_deref(), body)?),
        Some(other) => {
            return Err(ApiError::bad_request(
                V1,
                format!("Unknown comment location '{other}': use footer or inline"),
            ));
        }
    };
    let ci = add_comment(&mut store, page, parent, storage, me, inline);
    let expand = [
        "body.storage",
        "version",
        "ancestors",
        "container",
        "history",
        "extensions.inlineProperties",
        "extensions.resolution",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    Ok(Json(render(&store, page, ci, &expand, base)))
}

/// The highlight of a new DC inline comment: a reply shares its parent's; a top-level one
/// must name text that occurs on the page (`inlineProperties.originalSelection`, with
/// `matchIndex` below the number of occurrences).
fn inline_mark(
    store: &Store,
    page: usize,
    parent: Option<&str>,
    body: &Value,
) -> Result<InlineMark, ApiError> {
    if let Some(pid) = parent {
        return store
            .comment_index(pid)
            .and_then(|(p, c)| store.pages[p].comments[c].inline.clone())
            .ok_or_else(|| {
                ApiError::bad_request(V1, format!("Comment {pid} is not an inline comment"))
            });
    }
    let props = &body["extensions"]["inlineProperties"];
    let selection = props["originalSelection"].as_str().unwrap_or_default();
    let index = props["matchIndex"].as_u64().unwrap_or(0);
    super::inline_comments::check_selection(store, page, selection, index)
        .map_err(|m| ApiError::bad_request(V1, m))?;
    Ok(InlineMark {
        selection: selection.to_owned(),
        marker_ref: uuid::Uuid::new_v4().to_string(),
        resolved: false,
    })
}
