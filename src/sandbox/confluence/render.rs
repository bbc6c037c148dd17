//! JSON rendering of Confluence entities: v2 pages and spaces, v1 content (Cloud search
//! results and Data Center content with `expand`), and users.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::sandbox::model::{Page, Store, User};
use crate::sandbox::text::adf_to_html;
use crate::sandbox::timefmt::confluence as ts;

/// The storage-format (XHTML) body of a page.
pub fn storage(page: &Page) -> String {
    match &page.storage {
        Some(s) => s.clone(),
        None => adf_to_html(&page.body.adf, true),
    }
}

fn account(store: &Store, idx: usize) -> String {
    store
        .users
        .get(idx)
        .map(|u| u.account_id.clone())
        .unwrap_or_default()
}

/// Which body representation a v2 request asked for (`body-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// Storage format (XHTML).
    Storage,
    /// ADF as a JSON string.
    AtlasDocFormat,
    /// One of the rendered HTML representations a single page can be read in (`view`,
    /// `export_view`, `anonymous_export_view`, `styled_view`) or `editor`, by name.
    Rendered(&'static str),
}

impl BodyFormat {
    /// Parses `body-format`; `None` when absent, `Err` when unknown.
    pub fn parse(v: Option<&str>) -> Result<Option<Self>, String> {
        match v {
            None => Ok(None),
            Some("storage") => Ok(Some(Self::Storage)),
            Some("atlas_doc_format") => Ok(Some(Self::AtlasDocFormat)),
            Some(other) => Err(format!(
                "Invalid body-format '{other}': the sandbox supports storage and atlas_doc_format"
            )),
        }
    }
}

impl BodyFormat {
    /// Parses `body-format` of a single-page read, which takes the whole
    /// `PrimaryBodyRepresentationSingle` enum.
    pub fn parse_single(v: Option<&str>) -> Result<Option<Self>, String> {
        const RENDERED: [&str; 5] = [
            "view",
            "export_view",
            "anonymous_export_view",
            "styled_view",
            "editor",
        ];
        match v {
            Some(name) => match RENDERED.iter().find(|r| **r == name) {
                Some(r) => Ok(Some(Self::Rendered(r))),
                None => Self::parse(v).map_err(|_| {
                    format!("Invalid body-format '{name}': expected one of storage, atlas_doc_format, {}", RENDERED.join(", "))
                }),
            },
            None => Ok(None),
        }
    }
}

/// The `view` (rendered HTML) form of a body: written storage is shown as it is (plain
/// XHTML renders as itself; macros are not expanded), seeded bodies render from ADF.
pub fn view_html(storage: Option<&str>, adf: &Value) -> String {
    match storage {
        Some(s) => s.to_owned(),
        None => adf_to_html(adf, false),
    }
}

/// A v2 page (`PageSingle`/`PageBulk`).
pub fn v2_page(store: &Store, idx: usize, body: Option<BodyFormat>, base: &str) -> Value {
    let Some(p) = store.pages.get(idx) else {
        return Value::Null;
    };
    let space = store.spaces.get(p.space);
    let mut m = Map::new();
    m.insert("id".into(), json!(p.id));
    m.insert("status".into(), json!("current"));
    m.insert("title".into(), json!(p.title));
    m.insert("spaceId".into(), json!(space.map(|s| s.id.clone())));
    if let Some(parent) = p.parent.and_then(|i| store.pages.get(i)) {
        m.insert("parentId".into(), json!(parent.id));
        m.insert("parentType".into(), json!("page"));
    }
    m.insert("position".into(), json!(p.position));
    m.insert("authorId".into(), json!(account(store, p.creator)));
    m.insert("ownerId".into(), json!(account(store, p.creator)));
    m.insert("lastOwnerId".into(), Value::Null);
    m.insert("createdAt".into(), json!(ts(p.created)));
    m.insert(
        "version".into(),
        json!({
            "createdAt": ts(p.modified), "message": p.message, "number": p.version, "minorEdit": p.minor,
            "authorId": account(store, p.modifier)
        }),
    );
    let body_value = match body {
        Some(BodyFormat::Storage) => {
            json!({"storage": {"representation": "storage", "value": storage(p)}})
        }
        Some(BodyFormat::AtlasDocFormat) => {
            json!({"atlas_doc_format": {"representation": "atlas_doc_format", "value": p.body.adf.to_string()}})
        }
        // `editor` is the storage form the editor loads; the view forms are rendered HTML.
        Some(BodyFormat::Rendered("editor")) => {
            json!({"editor": {"representation": "editor", "value": storage(p)}})
        }
        Some(BodyFormat::Rendered(name)) => {
            json!({name: {"representation": name, "value": view_html(p.storage.as_deref(), &p.body.adf)}})
        }
        None => json!({}),
    };
    m.insert("body".into(), body_value);
    let key = space.map(|s| s.key.clone()).unwrap_or_default();
    m.insert(
        "_links".into(),
        json!({
            "webui": format!("/spaces/{key}/pages/{}", p.id),
            "editui": format!("/pages/resumedraft.action?draftId={}", p.id),
            "tinyui": format!("/x/{}", p.id),
            "base": format!("{base}/wiki"),
        }),
    );
    Value::Object(m)
}

/// A v2 space (`SpaceBulk`).
pub fn v2_space(store: &Store, idx: usize) -> Value {
    let Some(s) = store.spaces.get(idx) else {
        return Value::Null;
    };
    let home = store.pages.get(s.homepage);
    json!({
        "id": s.id, "key": s.key, "name": s.name, "type": "global", "status": "current",
        "authorId": account(store, 0), "createdAt": ts(home.map(|h| h.created).unwrap_or(0)),
        "homepageId": home.map(|h| h.id.clone()),
        "_links": {"webui": format!("/spaces/{}", s.key)}
    })
}

/// A Data Center person (`type: known`).
pub fn dc_person(u: &User, base: &str) -> Value {
    json!({
        "type": "known", "username": u.name, "userKey": u.key, "displayName": u.display_name,
        "profilePicture": {"path": "/images/icons/profilepics/default.svg", "width": 48, "height": 48, "isDefault": true},
        "_links": {"self": format!("{base}/rest/api/user?key={}", u.key)}
    })
}

/// A Cloud v1 user.
pub fn cloud_user(u: &User, base: &str) -> Value {
    json!({
        "type": "known", "accountId": u.account_id, "accountType": "atlassian", "email": u.email,
        "publicName": u.display_name, "displayName": u.display_name, "timeZone": "Etc/UTC",
        "isExternalCollaborator": false,
        "profilePicture": {"path": "/wiki/aa-avatar/default.png", "width": 48, "height": 48, "isDefault": true},
        "_links": {"self": format!("{base}/wiki/rest/api/user?accountId={}", u.account_id), "base": format!("{base}/wiki"), "context": "/wiki"}
    })
}

/// Expansions supported on DC content.
pub const DC_EXPANDABLE: [&str; 7] = [
    "space",
    "version",
    "ancestors",
    "history",
    "body.storage",
    "body.view",
    "metadata.labels",
];

/// A v1 content object (DC `/rest/api/content`), with the requested `expand`s.
pub fn dc_content(store: &Store, idx: usize, expand: &BTreeSet<String>, base: &str) -> Value {
    let Some(p) = store.pages.get(idx) else {
        return Value::Null;
    };
    let person = |i: usize| {
        store
            .users
            .get(i)
            .map(|u| dc_person(u, base))
            .unwrap_or(Value::Null)
    };
    let space = store.spaces.get(p.space);
    let key = space.map(|s| s.key.clone()).unwrap_or_default();
    let mut m = Map::new();
    m.insert("id".into(), json!(p.id));
    m.insert("type".into(), json!("page"));
    m.insert("status".into(), json!("current"));
    m.insert("title".into(), json!(p.title));
    let mut expandable = Map::new();
    for e in [
        "space",
        "version",
        "ancestors",
        "history",
        "body",
        "metadata",
        "children",
        "descendants",
        "container",
    ] {
        expandable.insert(
            e.into(),
            json!(format!("/rest/api/content/{}?expand={e}", p.id)),
        );
    }
    if expand.contains("space") {
        if let Some(s) = space {
            m.insert("space".into(), json!({"id": s.id.parse::<u64>().unwrap_or(0), "key": s.key, "name": s.name, "type": "global", "status": "current",
                "_links": {"webui": format!("/display/{}", s.key), "self": format!("{base}/rest/api/space/{}", s.key)}, "_expandable": {}}));
        }
        expandable.remove("space");
    }
    if expand.contains("history") {
        m.insert(
            "history".into(),
            json!({"latest": true, "createdBy": person(p.creator), "createdDate": ts(p.created)}),
        );
        expandable.remove("history");
    }
    if expand.contains("version") {
        m.insert("version".into(), json!({"by": person(p.modifier), "when": ts(p.modified), "message": p.message, "number": p.version, "minorEdit": p.minor, "hidden": false}));
        expandable.remove("version");
    }
    if expand.contains("ancestors") {
        let anc: Vec<Value> = store.ancestors(idx).into_iter().filter_map(|a| store.pages.get(a)).map(|a| json!({
            "id": a.id, "type": "page", "status": "current", "title": a.title,
            "_links": {"webui": format!("/display/{key}/{}", a.title.replace(' ', "+")), "self": format!("{base}/rest/api/content/{}", a.id)}
        })).collect();
        m.insert("ancestors".into(), Value::Array(anc));
        expandable.remove("ancestors");
    }
    let mut body = Map::new();
    if expand.contains("body.storage") {
        body.insert(
            "storage".into(),
            json!({"value": storage(p), "representation": "storage"}),
        );
    }
    if expand.contains("body.view") {
        body.insert(
            "view".into(),
            json!({"value": adf_to_html(&p.body.adf, false), "representation": "view"}),
        );
    }
    if !body.is_empty() {
        m.insert("body".into(), Value::Object(body));
        expandable.remove("body");
    }
    if expand.contains("metadata.labels") {
        let labels: Vec<Value> = p
            .labels
            .iter()
            .map(|l| json!({"prefix": "global", "name": l, "id": l, "label": l}))
            .collect();
        let n = labels.len();
        m.insert(
            "metadata".into(),
            json!({"labels": {"results": labels, "start": 0, "limit": 200, "size": n}}),
        );
        expandable.remove("metadata");
    }
    m.insert(
        "_links".into(),
        json!({
            "webui": format!("/display/{key}/{}", p.title.replace(' ', "+")),
            "edit": format!("/pages/resumedraft.action?draftId={}", p.id),
            "tinyui": format!("/x/{}", p.id),
            "self": format!("{base}/rest/api/content/{}", p.id),
        }),
    );
    m.insert("_expandable".into(), Value::Object(expandable));
    Value::Object(m)
}

/// A Cloud v1 search result (`SearchResult`) for a page.
pub fn cloud_search_result(store: &Store, idx: usize, base: &str) -> Value {
    search_result(store, idx, base, "/wiki")
}

/// A v1 search result (`SearchResult`) under a context path (`/wiki` on Cloud, `` on
/// Data Center).
pub fn search_result(store: &Store, idx: usize, base: &str, context: &str) -> Value {
    let Some(p) = store.pages.get(idx) else {
        return Value::Null;
    };
    let space = store.spaces.get(p.space);
    let key = space.map(|s| s.key.clone()).unwrap_or_default();
    let plain = p.body.plain().replace('\n', " ");
    let excerpt: String = plain.chars().take(200).collect();
    json!({
        "content": {
            "id": p.id, "type": "page", "status": "current", "title": p.title,
            "_links": {"webui": format!("/spaces/{key}/pages/{}", p.id), "self": format!("{base}{context}/rest/api/content/{}", p.id), "tinyui": format!("/x/{}", p.id)},
            "_expandable": {"space": format!("/rest/api/space/{key}"), "version": "", "body": "", "ancestors": "", "history": format!("/rest/api/content/{}/history", p.id)}
        },
        "title": p.title,
        "excerpt": excerpt.trim(),
        "url": format!("/spaces/{key}/pages/{}", p.id),
        "resultGlobalContainer": {"title": space.map(|s| s.name.clone()).unwrap_or_default(), "displayUrl": format!("/spaces/{key}")},
        "breadcrumbs": [],
        "entityType": "content",
        "iconCssClass": "aui-icon content-type-page",
        "lastModified": ts(p.modified),
        "friendlyLastModified": ts(p.modified),
        "score": 1.0
    })
}
