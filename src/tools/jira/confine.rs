//! Keeping `JIRA_PROJECTS_FILTER` whole across references: an issue inside the filter may
//! point at issues outside it (a parent, an epic link, issue links, sub-tasks, custom issue
//! pickers, link history). Reads drop those references entirely, and writes refuse them.
//!
//! Decision (docs/security.md, "Project and space filters"): a reference to an issue outside
//! the filter is **omitted**, not shortened to its key. A key alone still tells the caller
//! that the other project exists, which issue it is and how many there are; omitting it
//! means nothing outside the filter is read or counted. Tools that report on references
//! (`jira_get_cross_project_dependencies`, `jira_get_project_epic_hierarchy`) say in a fixed
//! note that references outside the filter are not shown, so an absence is not mistaken for
//! "none exist".
//!
//! Which values are references: an object whose `key` is an issue key (`PROJ-123`) and that
//! carries `fields`, `summary`, `self` or `id` (Jira's issue reference shape, also nested as
//! in Advanced Roadmaps' "Parent Link"); in custom fields also a bare issue-key string (the
//! "Epic Link" field holds one). Rich text (descriptions, comments, worklogs) is content and
//! is left alone.

use serde_json::{Map, Value};

use super::{project_of, shape};

/// The sentence tools add when a filter hides references.
pub const HIDDEN_NOTE: &str =
    "references to issues outside the projects this server may use are not shown";

/// Fields that hold the issue's own content, never references to other issues.
const CONTENT_FIELDS: &[&str] = &[
    "summary",
    "description",
    "environment",
    "comment",
    "worklog",
    "attachment",
    "labels",
    "project",
    "status",
    "issuetype",
    "priority",
    "assignee",
    "reporter",
    "creator",
    "timetracking",
];

/// Changelog fields that record links to other issues.
const LINK_HISTORY_FIELDS: &[&str] = &[
    "link",
    "parent",
    "parent link",
    "parent issue",
    "issueparentassociation",
    "epic link",
    "epic child",
    "sub-task",
    "sub-tasks",
    "subtask",
    "subtasks",
];

/// True when `key` is a Jira issue key as Jira writes it (`PROJ-12`, upper case).
pub fn is_issue_key(key: &str) -> bool {
    let Some((project, number)) = key.rsplit_once('-') else {
        return false;
    };
    let mut p = project.chars();
    p.next().is_some_and(|c| c.is_ascii_uppercase())
        && p.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// True when the issue `key` may be shown: no filter, or its project is in it.
pub fn visible(filter: &[String], key: &str) -> bool {
    filter.is_empty() || project_of(key).is_some_and(|p| filter.contains(&p))
}

/// The issue key an object refers to, when it is shaped like an issue reference.
fn reference(o: &Map<String, Value>) -> Option<&str> {
    let key = o.get("key")?.as_str()?;
    (is_issue_key(key)
        && ["fields", "summary", "self", "id"]
            .iter()
            .any(|f| o.contains_key(*f)))
    .then_some(key)
}

fn hidden_value(filter: &[String], v: &Value, strings: bool) -> bool {
    match v {
        Value::Object(o) => reference(o).is_some_and(|k| !visible(filter, k)),
        Value::String(s) => strings && is_issue_key(s.trim()) && !visible(filter, s.trim()),
        _ => false,
    }
}

/// Removes hidden references inside `v`, at any depth. `strings`: bare issue-key strings
/// count as references (custom fields) or not (Jira's own shapes).
fn prune(filter: &[String], v: &mut Value, strings: bool) {
    match v {
        Value::Object(o) => {
            // A link entry is about the issue on its other side: hide the whole entry.
            o.retain(|_, child| !hidden_value(filter, child, strings));
            for child in o.values_mut() {
                prune(filter, child, strings);
            }
        }
        Value::Array(items) => {
            items.retain(|item| {
                !hidden_value(filter, item, strings)
                    && !item.as_object().is_some_and(|o| {
                        ["inwardIssue", "outwardIssue"].iter().any(|side| {
                            o.get(*side).is_some_and(|s| hidden_value(filter, s, false))
                        })
                    })
            });
            for item in items.iter_mut() {
                prune(filter, item, strings);
            }
        }
        _ => {}
    }
}

/// Drops every reference to an issue outside `filter` from a raw Jira issue (`fields`, and
/// the link history of an expanded `changelog`). A no-op without a filter.
pub fn issue(filter: &[String], raw: &mut Value) {
    if filter.is_empty() {
        return;
    }
    if let Some(fields) = raw.get_mut("fields").and_then(Value::as_object_mut) {
        fields.retain(|name, v| {
            CONTENT_FIELDS.contains(&name.as_str())
                || !hidden_value(filter, v, name.starts_with("customfield_"))
        });
        for (name, v) in fields.iter_mut() {
            if CONTENT_FIELDS.contains(&name.as_str())
                || v.get("type").and_then(Value::as_str) == Some("doc")
            {
                continue;
            }
            prune(filter, v, name.starts_with("customfield_"));
        }
    }
    if let Some(histories) = raw
        .pointer_mut("/changelog/histories")
        .and_then(Value::as_array_mut)
    {
        histories_in(filter, histories);
    }
}

/// [`shape::issue`] of `raw` with the references outside `filter` dropped first.
pub fn shape(
    filter: &[String],
    raw: &Value,
    site: &str,
    comment_limit: usize,
    display_names: Option<&Map<String, Value>>,
) -> Value {
    if filter.is_empty() {
        return shape::issue(raw, site, comment_limit, display_names);
    }
    let mut reduced = raw.clone();
    issue(filter, &mut reduced);
    shape::issue(&reduced, site, comment_limit, display_names)
}

/// Drops link-history items that name an issue outside `filter`, and the history entries
/// left empty. A no-op without a filter.
pub fn histories_in(filter: &[String], histories: &mut Vec<Value>) {
    if filter.is_empty() {
        return;
    }
    for h in histories.iter_mut() {
        if let Some(items) = h.get_mut("items").and_then(Value::as_array_mut) {
            items.retain(|i| !names_hidden_issue(filter, i));
        }
    }
    histories.retain(|h| h["items"].as_array().is_none_or(|i| !i.is_empty()));
}

fn names_hidden_issue(filter: &[String], item: &Value) -> bool {
    let field = item["field"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !LINK_HISTORY_FIELDS.contains(&field.as_str()) {
        return false;
    }
    ["from", "fromString", "to", "toString"].iter().any(|k| {
        item[*k].as_str().is_some_and(|text| {
            text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '[' | ']'))
                .any(|w| is_issue_key(w) && !visible(filter, w))
        })
    })
}

/// Refuses a write whose fields point at an issue outside `filter`: `parent` (by key; an id
/// cannot be checked without asking Jira, so under a filter it must be a key) and any custom
/// field naming an issue. `param` names the argument the fields came from.
pub fn check_write(
    filter: &[String],
    fields: &Map<String, Value>,
    param: &str,
) -> Result<(), String> {
    if filter.is_empty() {
        return Ok(());
    }
    let outside = |what: &str, key: &str| {
        format!(
            "{param}: {what} names {key}, which is outside the projects this server may use ({}); reference an issue in one of them",
            filter.join(", ")
        )
    };
    for (name, v) in fields {
        if name == "parent" {
            match v.get("key").and_then(Value::as_str).or(v.as_str()) {
                Some(k) if visible(filter, k.trim()) => {}
                Some(k) => return Err(outside("parent", k.trim())),
                None if v.is_null() => {}
                None => {
                    return Err(format!(
                        "{param}: parent must be given by key (e.g. {}-1) on this server, which limits projects; an id cannot be checked against the filter",
                        filter[0]
                    ));
                }
            }
            continue;
        }
        if !name.starts_with("customfield_") {
            continue;
        }
        let mut named = Vec::new();
        collect_keys(v, &mut named);
        if let Some(k) = named.into_iter().find(|k| !visible(filter, k)) {
            return Err(outside(name, &k));
        }
    }
    Ok(())
}

fn collect_keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if is_issue_key(s.trim()) => out.push(s.trim().to_owned()),
        Value::Object(o) => {
            if let Some(k) = o
                .get("key")
                .and_then(Value::as_str)
                .filter(|k| is_issue_key(k))
            {
                out.push(k.to_owned());
            }
            o.values().for_each(|c| collect_keys(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_keys(c, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn demo() -> Vec<String> {
        vec!["DEMO".to_owned()]
    }

    fn r(key: &str) -> Value {
        json!({"id": "1", "key": key, "self": "x", "fields": {"summary": format!("secret of {key}")}})
    }

    #[test]
    fn references_outside_the_filter_are_dropped_at_every_depth() {
        let mut raw = json!({"key": "DEMO-1", "fields": {
            "summary": "see OPS-1",
            "parent": r("OPS-2"),
            "subtasks": [r("DEMO-3"), r("OPS-4")],
            "issuelinks": [
                {"id": "10", "type": {"name": "Blocks"}, "outwardIssue": r("OPS-5")},
                {"id": "11", "type": {"name": "Blocks"}, "inwardIssue": r("DEMO-6")},
            ],
            "customfield_10014": "OPS-7",
            "customfield_10018": {"hasEpicLinkFieldDependency": false,
                                  "data": {"id": 9, "key": "OPS-8", "summary": "roadmap secret"}},
            "customfield_10020": [{"id": 3, "name": "Sprint 3", "state": "active"}],
            "labels": ["OPS-9"],
            "description": {"type": "doc", "content": [{"type": "text", "text": "OPS-10"}]},
        }, "changelog": {"histories": [
            {"items": [{"field": "Link", "toString": "This issue blocks OPS-5"}]},
            {"items": [{"field": "status", "fromString": "To Do", "toString": "Done"},
                       {"field": "Epic Link", "fromString": "DEMO-2", "toString": "OPS-7"}]},
            {"items": [{"field": "summary", "toString": "mentions OPS-1"}]},
        ]}});
        issue(&demo(), &mut raw);
        let f = &raw["fields"];
        assert!(f.get("parent").is_none(), "{f}");
        assert_eq!(f["subtasks"].as_array().map(Vec::len), Some(1));
        assert_eq!(f["subtasks"][0]["key"], "DEMO-3");
        assert_eq!(f["issuelinks"].as_array().map(Vec::len), Some(1));
        assert_eq!(f["issuelinks"][0]["inwardIssue"]["key"], "DEMO-6");
        assert!(f.get("customfield_10014").is_none());
        assert!(f["customfield_10018"].get("data").is_none(), "{f}");
        assert_eq!(f["customfield_10020"][0]["name"], "Sprint 3");
        assert_eq!(f["labels"], json!(["OPS-9"]), "labels are content");
        assert_eq!(f["summary"], "see OPS-1");
        let h = raw["changelog"]["histories"].as_array().expect("histories");
        assert_eq!(h.len(), 2, "{h:?}");
        assert_eq!(h[0]["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(h[1]["items"][0]["toString"], "mentions OPS-1");
        let text = raw.to_string();
        for gone in [
            "OPS-2",
            "OPS-4",
            "OPS-5",
            "OPS-7",
            "OPS-8",
            "roadmap secret",
        ] {
            assert!(!text.contains(gone), "{gone} survived: {text}");
        }
    }

    #[test]
    fn without_a_filter_nothing_changes() {
        let mut raw = json!({"fields": {"parent": r("OPS-2")}});
        let before = raw.clone();
        issue(&[], &mut raw);
        assert_eq!(raw, before);
    }

    #[test]
    fn writes_naming_an_issue_outside_the_filter_are_refused_with_the_parameter() {
        let f = |v: Value| v.as_object().cloned().expect("object");
        let e = check_write(
            &demo(),
            &f(json!({"parent": {"key": "OPS-1"}})),
            "additional_fields",
        )
        .expect_err("outside parent");
        assert!(
            e.starts_with("additional_fields: parent names OPS-1"),
            "{e}"
        );
        assert!(e.contains("(DEMO)"), "{e}");
        let e =
            check_write(&demo(), &f(json!({"parent": {"id": "10001"}})), "fields").expect_err("id");
        assert!(e.contains("by key"), "{e}");
        let e = check_write(
            &demo(),
            &f(json!({"customfield_10014": "OPS-7"})),
            "issues[2]",
        )
        .expect_err("epic link");
        assert!(e.contains("customfield_10014 names OPS-7"), "{e}");
        assert!(
            check_write(
                &demo(),
                &f(json!({"parent": {"key": "DEMO-1"}, "customfield_1": "x-1"})),
                "f"
            )
            .is_ok()
        );
        assert!(check_write(&[], &f(json!({"parent": {"key": "OPS-1"}})), "f").is_ok());
    }

    #[test]
    fn issue_keys_are_recognised_as_jira_writes_them() {
        assert!(is_issue_key("DEMO-12"));
        assert!(is_issue_key("MY_PROJ2-1"));
        assert!(!is_issue_key("demo-12"));
        assert!(!is_issue_key("DEMO-"));
        assert!(!is_issue_key("10001"));
        assert!(!is_issue_key("JIRAUSER10000"));
    }
}
