//! JSON rendering of Jira entities for both flavours: Cloud v3 (ADF, account ids) and
//! Server/DC v2 (wiki markup, user name/key). Field selection (`fields=`) and `expand=`
//! are applied here.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::sandbox::auth::cloud_site;
use crate::sandbox::model::{Comment, Issue, Store, Transition, User, Worklog};
use crate::sandbox::text::RichText;
use crate::sandbox::timefmt::jira as ts;

/// Which Jira REST flavour is being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Server/DC `/rest/api/2`: wiki markup, users by name/key.
    V2,
    /// Cloud `/rest/api/3`: ADF, users by account id.
    V3,
}

impl Flavour {
    /// `2` or `3`.
    pub fn num(self) -> u8 {
        match self {
            Flavour::V2 => 2,
            Flavour::V3 => 3,
        }
    }
}

/// Everything rendering needs besides the data.
#[derive(Debug, Clone)]
pub struct Ctx<'a> {
    /// The data.
    pub store: &'a Store,
    /// Flavour.
    pub flavour: Flavour,
    /// `http://host:port`.
    pub base: &'a str,
}

impl Ctx<'_> {
    fn api(&self) -> String {
        format!("{}/rest/api/{}", self.base, self.flavour.num())
    }

    /// Rich text in this flavour's wire form.
    pub fn rich(&self, t: &RichText) -> Value {
        match self.flavour {
            Flavour::V3 => t.adf.clone(),
            Flavour::V2 if cloud_site() => Value::String(t.wiki.clone()),
            Flavour::V2 => Value::String(crate::sandbox::text::mentions_by_name(&t.wiki, |id| {
                self.store
                    .users
                    .iter()
                    .find(|u| u.account_id == id)
                    .map(|u| u.name.clone())
            })),
        }
    }

    fn avatars(&self, seed: &str) -> Value {
        let url = |s: u32| format!("{}/secure/useravatar?size={s}&ownerId={seed}", self.base);
        json!({"48x48": url(48), "24x24": url(24), "16x16": url(16), "32x32": url(32)})
    }

    /// A user as it appears inside issues and comments.
    pub fn user(&self, u: &User) -> Value {
        // Cloud's `/rest/api/2` has Cloud users (account ids), only bodies differ from v3.
        let cloud = self.flavour == Flavour::V3 || cloud_site();
        match if cloud { Flavour::V3 } else { Flavour::V2 } {
            Flavour::V3 => json!({
                "self": format!("{}/user?accountId={}", self.api(), u.account_id),
                "accountId": u.account_id,
                "emailAddress": u.email,
                "avatarUrls": self.avatars(&u.account_id),
                "displayName": u.display_name,
                "active": true,
                "timeZone": "Etc/UTC",
                "accountType": "atlassian",
            }),
            Flavour::V2 => json!({
                "self": format!("{}/user?username={}", self.api(), u.name),
                "name": u.name,
                "key": u.key,
                "emailAddress": u.email,
                "avatarUrls": self.avatars(&u.key),
                "displayName": u.display_name,
                "active": true,
                "timeZone": "Etc/UTC",
            }),
        }
    }

    pub(crate) fn user_at(&self, idx: usize) -> Value {
        self.store
            .users
            .get(idx)
            .map(|u| self.user(u))
            .unwrap_or(Value::Null)
    }

    /// `GET /myself`.
    pub fn myself(&self, u: &User) -> Value {
        let mut v = self.user(u);
        if let Value::Object(m) = &mut v {
            m.insert("locale".into(), json!("en_US"));
            m.insert(
                "groups".into(),
                json!({"size": 1, "items": [{"name": "jira-software-users"}]}),
            );
            m.insert("applicationRoles".into(), json!({"size": 1, "items": []}));
            m.insert("expand".into(), json!("groups,applicationRoles"));
        }
        v
    }

    /// One comment; `rendered` adds `renderedBody` (HTML).
    pub fn comment(&self, issue: &Issue, c: &Comment, rendered: bool) -> Value {
        let mut v = json!({
            "self": format!("{}/issue/{}/comment/{}", self.api(), issue.id, c.id),
            "id": c.id,
            "author": self.user_at(c.author),
            "body": self.rich(&c.body),
            "updateAuthor": self.user_at(c.author),
            "created": ts(c.created),
            "updated": ts(c.updated),
        });
        if let Value::Object(m) = &mut v {
            if self.flavour == Flavour::V3 {
                m.insert("jsdPublic".into(), json!(true));
            }
            if rendered {
                m.insert("renderedBody".into(), json!(c.body.html()));
            }
        }
        v
    }

    /// One worklog entry.
    pub fn worklog(&self, issue: &Issue, w: &Worklog) -> Value {
        let comment = self.rich(&w.comment);
        json!({
            "self": format!("{}/issue/{}/worklog/{}", self.api(), issue.id, w.id),
            "id": w.id, "issueId": issue.id,
            "author": self.user_at(w.author), "updateAuthor": self.user_at(w.author),
            "comment": comment,
            "started": ts(w.started), "created": ts(w.started), "updated": ts(w.started),
            "timeSpentSeconds": w.seconds, "timeSpent": crate::sandbox::jira::worklog::duration(w.seconds),
        })
    }

    /// One workflow transition as `GET /transitions` lists it.
    pub fn transition(&self, t: &Transition) -> Value {
        json!({
            "id": t.id, "name": t.name, "to": self.status(t.to), "hasScreen": false,
            "isGlobal": t.from.is_empty(), "isInitial": false, "isAvailable": true,
            "isConditional": false, "isLooped": false,
        })
    }

    /// A status by index.
    pub fn status(&self, idx: usize) -> Value {
        let Some(s) = self.store.statuses.get(idx) else {
            return Value::Null;
        };
        let (cat_id, color, cat_name) = match s.category {
            "new" => (2, "blue-gray", "To Do"),
            "done" => (3, "green", "Done"),
            _ => (4, "yellow", "In Progress"),
        };
        json!({
            "self": format!("{}/status/{}", self.api(), s.id),
            "description": "",
            "iconUrl": format!("{}/images/icons/statuses/generic.png", self.base),
            "name": s.name,
            "id": s.id,
            "statusCategory": {
                "self": format!("{}/statuscategory/{cat_id}", self.api()),
                "id": cat_id, "key": s.category, "colorName": color, "name": cat_name
            }
        })
    }

    fn named(&self, kind: &str, id: &str, name: &str) -> Value {
        json!({"self": format!("{}/{kind}/{id}", self.api(), ), "id": id, "name": name,
               "iconUrl": format!("{}/images/icons/{kind}/{id}.svg", self.base)})
    }

    pub(crate) fn issue_type(&self, idx: usize) -> Value {
        let Some(t) = self.store.issue_types.get(idx) else {
            return Value::Null;
        };
        let mut v = self.named("issuetype", &t.id, &t.name);
        if let Value::Object(m) = &mut v {
            m.insert(
                "description".into(),
                json!(format!("A {}.", t.name.to_lowercase())),
            );
            m.insert("subtask".into(), json!(false));
            if self.flavour == Flavour::V3 {
                m.insert(
                    "hierarchyLevel".into(),
                    json!(if t.name == "Epic" { 1 } else { 0 }),
                );
            }
        }
        v
    }

    fn project(&self, idx: usize) -> Value {
        let Some(p) = self.store.projects.get(idx) else {
            return Value::Null;
        };
        json!({
            "self": format!("{}/project/{}", self.api(), p.id),
            "id": p.id, "key": p.key, "name": p.name, "projectTypeKey": "software", "simplified": false,
            "avatarUrls": self.avatars(&p.key),
        })
    }

    fn issue_ref(&self, idx: usize) -> Value {
        let Some(i) = self.store.issues.get(idx) else {
            return Value::Null;
        };
        json!({
            "id": i.id, "key": i.key, "self": format!("{}/issue/{}", self.api(), i.id),
            "fields": {
                "summary": i.summary, "status": self.status(i.status),
                "priority": self.priority(i.priority), "issuetype": self.issue_type(i.issue_type)
            }
        })
    }

    pub(crate) fn priority(&self, idx: usize) -> Value {
        self.store
            .priorities
            .get(idx)
            .map(|p| self.named("priority", &p.id, &p.name))
            .unwrap_or(Value::Null)
    }

    fn sprint(&self, idx: usize) -> Value {
        let Some(s) = self.store.sprints.get(idx) else {
            return Value::Null;
        };
        let board = self.store.boards.get(s.board).map(|b| b.id).unwrap_or(0);
        let mut v = json!({"id": s.id, "name": s.name, "state": s.state, "boardId": board,
               "goal": s.goal});
        if let (Some(start), Some(end)) = (s.start, s.end) {
            v["startDate"] = json!(ts(start));
            v["endDate"] = json!(ts(end));
        }
        v
    }

    fn links(&self, idx: usize) -> Value {
        let mut out = Vec::new();
        for l in &self.store.links {
            let (type_id, name, inward, outward) = crate::sandbox::jira::links::link_type(l.kind);
            let kind = json!({"id": type_id, "name": name, "inward": inward, "outward": outward,
                              "self": format!("{}/issueLinkType/{type_id}", self.api())});
            let link_self = format!("{}/issueLink/{}", self.api(), l.id);
            if l.outward == idx {
                out.push(json!({"id": l.id, "self": link_self, "type": kind, "outwardIssue": self.issue_ref(l.inward)}));
            } else if l.inward == idx {
                out.push(json!({"id": l.id, "self": link_self, "type": kind, "inwardIssue": self.issue_ref(l.outward)}));
            }
        }
        Value::Array(out)
    }

    /// All fields of an issue, by field id.
    pub fn all_fields(&self, idx: usize) -> Map<String, Value> {
        let mut f = Map::new();
        let Some(i) = self.store.issues.get(idx) else {
            return f;
        };
        let done = self
            .store
            .statuses
            .get(i.status)
            .is_some_and(|s| s.category == "done");
        f.insert("summary".into(), json!(i.summary));
        f.insert(
            "description".into(),
            i.description
                .as_ref()
                .map(|d| self.rich(d))
                .unwrap_or(Value::Null),
        );
        f.insert("issuetype".into(), self.issue_type(i.issue_type));
        f.insert("project".into(), self.project(i.project));
        f.insert("status".into(), self.status(i.status));
        f.insert("priority".into(), self.priority(i.priority));
        f.insert("labels".into(), json!(i.labels));
        f.insert(
            "assignee".into(),
            i.assignee.map(|a| self.user_at(a)).unwrap_or(Value::Null),
        );
        f.insert("reporter".into(), self.user_at(i.reporter));
        f.insert("creator".into(), self.user_at(i.reporter));
        f.insert("created".into(), json!(ts(i.created)));
        f.insert("updated".into(), json!(ts(i.updated)));
        f.insert(
            "resolution".into(),
            if done {
                json!({"id": "10000", "name": "Done", "description": "Work has been completed."})
            } else {
                Value::Null
            },
        );
        f.insert(
            "resolutiondate".into(),
            if done {
                json!(ts(i.updated))
            } else {
                Value::Null
            },
        );
        if let Some(due) = self.store.due_dates.get(&idx) {
            f.insert("duedate".into(), json!(due));
        }
        crate::sandbox::jira::screen::render(self, idx, &mut f);
        f.insert("issuelinks".into(), self.links(idx));
        f.insert(
            "attachment".into(),
            crate::sandbox::jira::attachments::field(self, i),
        );
        f.insert(
            "timetracking".into(),
            crate::sandbox::jira::worklog::timetracking(self.store, idx),
        );
        let sprints: Vec<Value> = i.sprint.map(|s| self.sprint(s)).into_iter().collect();
        f.insert(
            "customfield_10020".into(),
            if sprints.is_empty() {
                Value::Null
            } else {
                Value::Array(sprints)
            },
        );
        match (self.flavour, i.epic) {
            (Flavour::V3, Some(e)) => {
                f.insert("parent".into(), self.issue_ref(e));
            }
            (Flavour::V2, e) => {
                let key = e
                    .and_then(|e| self.store.issues.get(e))
                    .map(|e| json!(e.key))
                    .unwrap_or(Value::Null);
                f.insert("customfield_10014".into(), key);
            }
            _ => {}
        }
        let comments: Vec<Value> = i
            .comments
            .iter()
            .map(|c| self.comment(i, c, false))
            .collect();
        let n = comments.len();
        f.insert(
            "comment".into(),
            json!({"comments": comments, "maxResults": n, "total": n, "startAt": 0,
            "self": format!("{}/issue/{}/comment", self.api(), i.id)}),
        );
        let worklogs: Vec<Value> = i.worklogs.iter().map(|w| self.worklog(i, w)).collect();
        let n = worklogs.len();
        f.insert(
            "worklog".into(),
            json!({"startAt": 0, "maxResults": 20, "total": n, "worklogs": worklogs}),
        );
        f
    }

    /// One issue with selected fields and expansions.
    pub fn issue(&self, idx: usize, sel: &FieldSelection, expand: &BTreeSet<String>) -> Value {
        let Some(i) = self.store.issues.get(idx) else {
            return Value::Null;
        };
        let mut out = Map::new();
        out.insert(
            "expand".into(),
            json!(
                "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
            ),
        );
        out.insert("id".into(), json!(i.id));
        out.insert(
            "self".into(),
            json!(format!("{}/issue/{}", self.api(), i.id)),
        );
        out.insert("key".into(), json!(i.key));
        let fields: Map<String, Value> = self
            .all_fields(idx)
            .into_iter()
            .filter(|(k, _)| sel.includes(k))
            .collect();
        if expand.contains("renderedFields") {
            let comments: Vec<Value> = i
                .comments
                .iter()
                .map(|c| {
                    let mut v = self.comment(i, c, false);
                    v["body"] = json!(c.body.html());
                    v
                })
                .collect();
            let mut r = Map::new();
            if sel.includes("description") {
                r.insert(
                    "description".into(),
                    i.description
                        .as_ref()
                        .map(|d| json!(d.html()))
                        .unwrap_or(Value::Null),
                );
            }
            if sel.includes("comment") {
                let n = comments.len();
                r.insert(
                    "comment".into(),
                    json!({"comments": comments, "maxResults": n, "total": n, "startAt": 0}),
                );
            }
            out.insert("renderedFields".into(), Value::Object(r));
        }
        if expand.contains("names") {
            let names: Map<String, Value> = fields
                .keys()
                .map(|k| (k.clone(), json!(display_name(k))))
                .collect();
            out.insert("names".into(), Value::Object(names));
        }
        if expand.contains("changelog") {
            let histories: Vec<Value> = i
                .history
                .iter()
                .map(|h| {
                    json!({
                        "id": h.id, "author": self.user_at(h.author), "created": ts(h.created),
                        "items": h.items.iter().map(|(f, from, to)| json!({
                            "field": f, "fieldtype": "jira", "fromString": from, "toString": to
                        })).collect::<Vec<_>>()
                    })
                })
                .collect();
            let n = histories.len();
            out.insert(
                "changelog".into(),
                json!({"startAt": 0, "maxResults": n, "total": n, "histories": histories}),
            );
        }
        out.insert("fields".into(), Value::Object(fields));
        Value::Object(out)
    }
}

fn display_name(field: &str) -> String {
    match field {
        "customfield_10020" => "Sprint".into(),
        "customfield_10014" => "Epic Link".into(),
        "issuetype" => "Issue Type".into(),
        "issuelinks" => "Linked Issues".into(),
        "resolutiondate" => "Resolved".into(),
        other => {
            let mut c = other.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

/// Which fields to include (`fields=` semantics: names, `*all`, `*navigable`, `-name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSelection {
    all: bool,
    navigable: bool,
    include: BTreeSet<String>,
    exclude: BTreeSet<String>,
}

/// Fields that are not navigable (left out of `*navigable`).
const NOT_NAVIGABLE: [&str; 2] = ["comment", "worklog"];

impl FieldSelection {
    /// Every field.
    pub fn all() -> Self {
        Self {
            all: true,
            navigable: false,
            include: BTreeSet::new(),
            exclude: BTreeSet::new(),
        }
    }
    /// Navigable fields only.
    pub fn navigable() -> Self {
        Self {
            all: false,
            navigable: true,
            include: BTreeSet::new(),
            exclude: BTreeSet::new(),
        }
    }
    /// No fields at all (`/search/jql` default: ids only).
    pub fn none() -> Self {
        Self {
            all: false,
            navigable: false,
            include: BTreeSet::new(),
            exclude: BTreeSet::new(),
        }
    }
    /// True when no field is selected (`id` alone selects no field: ids only).
    pub fn is_empty(&self) -> bool {
        !self.all && !self.navigable && self.include.iter().all(|f| f == "id")
    }

    /// Parses `fields` values (each may be comma-separated) over `default`.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>, default: Self) -> Self {
        let tokens: Vec<String> = values
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        if tokens.is_empty() {
            return default;
        }
        // Only exclusions: they apply to the default, or to the navigable fields when the
        // default is ids only (Cloud `/search/jql`: "`-description` returns all navigable
        // fields except description").
        let mut sel = if tokens.iter().all(|t| t.starts_with('-')) {
            if default.is_empty() {
                Self::navigable()
            } else {
                default
            }
        } else {
            Self::none()
        };
        for t in tokens {
            match t.as_str() {
                "*all" => sel.all = true,
                "*navigable" => sel.navigable = true,
                _ => match t.strip_prefix('-') {
                    Some(x) => {
                        sel.exclude.insert(x.to_owned());
                    }
                    None => {
                        sel.include.insert(t);
                    }
                },
            }
        }
        sel
    }

    /// True when field `name` is selected.
    pub fn includes(&self, name: &str) -> bool {
        if self.exclude.contains(name) {
            return false;
        }
        self.all
            || self.include.contains(name)
            || (self.navigable && !NOT_NAVIGABLE.contains(&name))
    }
}

/// Parses `expand` values (comma-separated, possibly repeated).
pub fn parse_expand<'a>(values: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_selection_follows_jira_semantics() {
        let s = FieldSelection::parse(["summary,status"], FieldSelection::none());
        assert!(s.includes("summary") && s.includes("status") && !s.includes("labels"));
        let s = FieldSelection::parse(["*all", "-comment"], FieldSelection::none());
        assert!(s.includes("labels") && !s.includes("comment"));
        let s = FieldSelection::parse(["-labels"], FieldSelection::navigable());
        assert!(s.includes("summary") && !s.includes("labels") && !s.includes("comment"));
        assert!(FieldSelection::parse([], FieldSelection::none()).is_empty());
        assert!(FieldSelection::parse(["id"], FieldSelection::navigable()).is_empty());
        let s = FieldSelection::parse(["-description"], FieldSelection::none());
        assert!(s.includes("summary") && !s.includes("description"));
    }
}
