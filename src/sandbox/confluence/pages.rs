//! Page writes shared by both flavours: create, update (with version checks), trash, move
//! and copy. Handlers translate the request shape; the rules live here once.
//!
//! Invariant: an update must name exactly the next version number, as Confluence demands;
//! anything else is a conflict and changes nothing.

use crate::sandbox::model::{Page, PageVersion, Store};
use crate::sandbox::text::RichText;

/// Why a page write was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// 400 with this message.
    Invalid(String),
    /// 404 with this message.
    Missing(String),
    /// 409: the version sent was not current + 1.
    Conflict(u64),
}

/// Plain text of a storage body, one line per block, so CQL `text ~` sees written pages.
pub fn storage_plain(storage: &str) -> RichText {
    let mut out = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for ch in storage.chars() {
        match (in_tag, ch) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let t = tag.trim_start_matches('/');
                if tag.starts_with('/')
                    && matches!(
                        t,
                        "p" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "tr" | "pre"
                    )
                {
                    out.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    let text = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    RichText::from_wiki(&text)
}

fn title_taken(store: &Store, space: usize, title: &str, except: Option<usize>) -> bool {
    store
        .pages
        .iter()
        .enumerate()
        .any(|(i, p)| !p.trashed && p.space == space && p.title == title && Some(i) != except)
}

fn next_position(store: &Store, parent: Option<usize>) -> u64 {
    store
        .pages
        .iter()
        .filter(|p| !p.trashed && p.parent == parent)
        .map(|p| p.position + 1)
        .max()
        .unwrap_or(0)
}

/// Creates a page; `parent` defaults to the space home page.
pub fn create(
    store: &mut Store,
    space: usize,
    parent: Option<usize>,
    title: &str,
    storage: &str,
    me: usize,
    now: i64,
) -> Result<usize, WriteError> {
    if title.trim().is_empty() {
        return Err(WriteError::Invalid("Title is required".into()));
    }
    if title_taken(store, space, title, None) {
        return Err(WriteError::Invalid(format!(
            "A page with this title already exists: A page already exists with the title {title} in this space"
        )));
    }
    let parent = match parent {
        Some(p) if store.pages.get(p).is_some_and(|x| x.space != space) => {
            return Err(WriteError::Invalid(
                "The parent page is in another space".into(),
            ));
        }
        Some(p) => Some(p),
        None => store.spaces.get(space).map(|s| s.homepage),
    };
    let id = store.fresh_id();
    let position = next_position(store, parent);
    store.pages.push(Page {
        id,
        space,
        title: title.to_owned(),
        parent,
        position,
        body: storage_plain(storage),
        labels: Vec::new(),
        creator: me,
        modifier: me,
        created: now,
        modified: now,
        version: 1,
        comments: Vec::new(),
        storage: Some(storage.to_owned()),
        history: Vec::new(),
        message: String::new(),
        minor: false,
        trashed: false,
        restrictions: Vec::new(),
    });
    Ok(store.pages.len() - 1)
}

/// What an update changes.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// New title.
    pub title: String,
    /// New storage body (`None` keeps the current one).
    pub storage: Option<String>,
    /// New parent (`None` keeps it).
    pub parent: Option<usize>,
    /// Space the page should be in (DC `space.key`); a parent in another space needs it.
    pub space: Option<usize>,
    /// The version number the caller claims to write.
    pub version: u64,
    /// Version message.
    pub message: String,
    /// Minor edit.
    pub minor: bool,
}

/// Applies an update, keeping the replaced version in the page history.
pub fn update(
    store: &mut Store,
    idx: usize,
    u: Update,
    me: usize,
    now: i64,
) -> Result<(), WriteError> {
    let Some(page) = store.pages.get(idx) else {
        return Err(WriteError::Missing("Page not found".into()));
    };
    if let Some(pos) = store.concurrent_edits.iter().position(|p| *p == page.id) {
        store.concurrent_edits.remove(pos);
        let other = Update {
            title: page.title.clone(),
            storage: Some(format!(
                "{}<p>Edited concurrently by another user.</p>",
                crate::sandbox::confluence::render::storage(page)
            )),
            parent: None,
            space: None,
            version: page.version + 1,
            message: "concurrent edit".into(),
            minor: false,
        };
        let editor = if me == 1 { 2 } else { 1 };
        update(store, idx, other, editor, now)?;
    }
    let Some(page) = store.pages.get(idx) else {
        return Err(WriteError::Missing("Page not found".into()));
    };
    if u.version != page.version + 1 {
        return Err(WriteError::Conflict(page.version));
    }
    let space = page.space;
    if u.title.trim().is_empty() {
        return Err(WriteError::Invalid("Title is required".into()));
    }
    if title_taken(store, space, &u.title, Some(idx)) {
        return Err(WriteError::Invalid(format!(
            "A page with this title already exists: A page already exists with the title {} in this space",
            u.title
        )));
    }
    let new_space = match u.parent {
        Some(parent) if store.pages[parent].space != space => {
            if u.space != Some(store.pages[parent].space) {
                return Err(WriteError::Invalid(
                    "The parent page is in another space; send that space too".into(),
                ));
            }
            Some(store.pages[parent].space)
        }
        _ => None,
    };
    if let Some(parent) = u.parent
        && (parent == idx || store.ancestors(parent).contains(&idx))
    {
        return Err(WriteError::Invalid(
            "A page cannot become a child of itself or its descendants".into(),
        ));
    }
    if let Some(to) = new_space {
        for m in subtree(store, idx) {
            store.pages[m].space = to;
        }
    }
    let current = crate::sandbox::confluence::render::storage(&store.pages[idx]);
    let page = &mut store.pages[idx];
    page.history.push(PageVersion {
        number: page.version,
        title: page.title.clone(),
        storage: current,
        author: page.modifier,
        when: page.modified,
        message: std::mem::take(&mut page.message),
        minor: page.minor,
    });
    page.title = u.title;
    if let Some(s) = u.storage {
        page.body = storage_plain(&s);
        page.storage = Some(s);
    }
    if let Some(parent) = u.parent
        && page.parent != Some(parent)
    {
        page.parent = Some(parent);
        // A page moved by re-parenting goes last among its new siblings.
        page.position = u64::MAX;
    }
    page.version = u.version;
    page.message = u.message;
    page.modifier = me;
    page.modified = now;
    // The minor flag only matters for notifications, which the sandbox does not send; it is
    // recorded with the version once that version is replaced.
    page.minor = u.minor;
    if store.pages[idx].position == u64::MAX {
        let parent = store.pages[idx].parent;
        store.pages[idx].position = 0;
        let last = store
            .pages
            .iter()
            .enumerate()
            .filter(|(i, p)| *i != idx && !p.trashed && p.parent == parent)
            .map(|(_, p)| p.position + 1)
            .max()
            .unwrap_or(0);
        store.pages[idx].position = last;
    }
    Ok(())
}

/// `POST /__sandbox/confluence/concurrent-edit/{id}`: the next update of page `id` finds
/// that another user saved a version first.
pub async fn arm_concurrent_edit(
    axum::extract::State(state): axum::extract::State<crate::sandbox::SandboxState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::http::StatusCode {
    let mut store = state.store();
    if store.page_index(&id).is_none() {
        return axum::http::StatusCode::NOT_FOUND;
    }
    store.concurrent_edits.push(id);
    axum::http::StatusCode::NO_CONTENT
}

/// The page and all its descendants.
pub fn subtree(store: &Store, idx: usize) -> Vec<usize> {
    let mut out = vec![idx];
    let mut i = 0;
    while i < out.len() {
        let cur = out[i];
        out.extend(
            (0..store.pages.len())
                .filter(|&c| !store.pages[c].trashed && store.pages[c].parent == Some(cur)),
        );
        i += 1;
    }
    out
}

/// Moves a page: `append` makes it the last child of `target`; `before`/`after` make it a
/// sibling of `target`. Its descendants follow it into the target's space.
pub fn move_page(
    store: &mut Store,
    idx: usize,
    position: &str,
    target: usize,
    now: i64,
) -> Result<(), WriteError> {
    if subtree(store, idx).contains(&target) {
        return Err(WriteError::Invalid(
            "Cannot move a page to be a child or sibling of itself or its descendants".into(),
        ));
    }
    let (parent, pos) = match position {
        "append" => (Some(target), next_position(store, Some(target))),
        "before" | "after" => {
            let t = &store.pages[target];
            let pos = if position == "before" {
                t.position
            } else {
                t.position + 1
            };
            let parent = t.parent;
            for p in store.pages.iter_mut() {
                if p.parent == parent && p.position >= pos {
                    p.position += 1;
                }
            }
            (parent, pos)
        }
        other => {
            return Err(WriteError::Invalid(format!(
                "Invalid position '{other}': use append, before or after"
            )));
        }
    };
    let space = store.pages[target].space;
    let moved = subtree(store, idx);
    let clash = moved.iter().any(|&m| {
        store.pages[m].space != space && title_taken(store, space, &store.pages[m].title, Some(m))
    });
    if clash {
        return Err(WriteError::Invalid(
            "A page with the same title already exists in the target space".into(),
        ));
    }
    for m in moved {
        store.pages[m].space = space;
    }
    let page = &mut store.pages[idx];
    page.parent = parent;
    page.position = pos;
    page.modified = now;
    Ok(())
}

/// Copies a page (body and labels, not comments or history) under `parent` in `space`.
pub fn copy_page(
    store: &mut Store,
    idx: usize,
    space: usize,
    parent: Option<usize>,
    title: &str,
    me: usize,
    now: i64,
) -> Result<usize, WriteError> {
    let body = crate::sandbox::confluence::render::storage(&store.pages[idx]);
    let labels = store.pages[idx].labels.clone();
    let new = create(store, space, parent, title, &body, me, now)?;
    store.pages[new].labels = labels;
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::seed;

    #[test]
    fn an_update_must_name_the_next_version_and_keeps_the_old_one() {
        let mut s = seed::generate(1);
        let idx = s.page_index(crate::sandbox::RICH_PAGE_ID).expect("page");
        let v = s.pages[idx].version;
        let stale = Update {
            title: "New".into(),
            storage: Some("<p>x</p>".into()),
            version: v,
            ..Update::default()
        };
        assert_eq!(
            update(&mut s, idx, stale, 0, 1),
            Err(WriteError::Conflict(v))
        );
        let ok = Update {
            title: "New".into(),
            storage: Some("<p>x</p>".into()),
            version: v + 1,
            ..Update::default()
        };
        update(&mut s, idx, ok, 0, 1).expect("update");
        assert_eq!(s.pages[idx].history.last().map(|h| h.number), Some(v));
        assert!(s.pages[idx].body.plain().contains('x'));
    }
}
