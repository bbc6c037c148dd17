//! Jira issues as agents get them: a flat, compact object with Markdown text, shaped users,
//! UTC times and a browser URL; fields the shape does not know pass through by id (or by
//! display name when asked).

use serde_json::{Map, Value, json};

use crate::atlassian::markup::{adf_to_markdown, wiki_to_markdown};
use crate::tools::output::{time_value, user};

/// Rich text (ADF on Cloud, wiki markup on Server/DC) as Markdown.
pub fn rich_text(v: &Value) -> Value {
    match v {
        Value::Object(_) => Value::String(adf_to_markdown(v).trim().to_owned()),
        Value::String(s) => Value::String(wiki_to_markdown(s).trim().to_owned()),
        _ => Value::Null,
    }
}

fn name_of(v: &Value) -> Value {
    v.get("name")
        .or_else(|| v.get("value"))
        .cloned()
        .unwrap_or(Value::Null)
}

fn names(v: &Value) -> Value {
    Value::Array(
        v.as_array()
            .map(|a| a.iter().map(name_of).collect())
            .unwrap_or_default(),
    )
}

/// Fields the shape renders itself.
const KNOWN: &[&str] = &[
    "summary",
    "status",
    "issuetype",
    "priority",
    "assignee",
    "reporter",
    "creator",
    "labels",
    "created",
    "updated",
    "resolutiondate",
    "resolution",
    "duedate",
    "description",
    "comment",
    "parent",
    "components",
    "fixVersions",
    "versions",
    "project",
];

/// One comment.
pub fn comment(c: &Value) -> Value {
    json!({
        "id": c["id"],
        "author": user(&c["author"]),
        "created": time_value(c.get("created")),
        "updated": if c.get("updated") != c.get("created") { time_value(c.get("updated")) } else { Value::Null },
        "body": rich_text(&c["body"]),
    })
}

/// Shapes an issue. `comment_limit` keeps the newest comments; `display_names` maps field ids
/// to names for pass-through fields.
pub fn issue(
    v: &Value,
    site: &str,
    comment_limit: usize,
    display_names: Option<&Map<String, Value>>,
) -> Value {
    let f = &v["fields"];
    let key = v["key"].as_str().unwrap_or_default();
    let mut out = json!({
        "key": key,
        "id": v["id"],
        "url": format!("{site}/browse/{key}"),
        "summary": f["summary"],
        "status": if f["status"].is_object() { json!({"name": f["status"]["name"], "category": f["status"]["statusCategory"]["name"]}) } else { Value::Null },
        "issue_type": name_of(&f["issuetype"]),
        "priority": name_of(&f["priority"]),
        "project": f["project"]["key"],
        "assignee": user(&f["assignee"]),
        "reporter": user(&f["reporter"]),
        "labels": f["labels"],
        "created": time_value(f.get("created")),
        "updated": time_value(f.get("updated")),
        "resolved": time_value(f.get("resolutiondate")),
        "resolution": name_of(&f["resolution"]),
        "due_date": f["duedate"],
        "parent": if f["parent"].is_object() { json!({"key": f["parent"]["key"], "summary": f["parent"]["fields"]["summary"]}) } else { Value::Null },
        "components": names(&f["components"]),
        "fix_versions": names(&f["fixVersions"]),
        "versions": names(&f["versions"]),
        "description": rich_text(&f["description"]),
    });
    if comment_limit > 0
        && let Some(list) = f["comment"]["comments"].as_array()
    {
        let skip = list.len().saturating_sub(comment_limit);
        out["comments"] = Value::Array(list.iter().skip(skip).map(comment).collect());
        out["comment_total"] = f["comment"]["total"].clone();
    }
    let mut extra = Map::new();
    if let Some(fields) = f.as_object() {
        for (id, value) in fields {
            if KNOWN.contains(&id.as_str()) || value.is_null() {
                continue;
            }
            let name = display_names
                .and_then(|n| n.get(id))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| id.clone());
            let shaped = if value.get("type").and_then(Value::as_str) == Some("doc") {
                rich_text(value)
            } else {
                value.clone()
            };
            extra.insert(name, shaped);
        }
    }
    if !extra.is_empty() {
        out["fields"] = Value::Object(extra);
    }
    if let Some(changelog) = v["changelog"]["histories"].as_array() {
        out["changelog"] = Value::Array(
            changelog
                .iter()
                .map(|h| {
                    json!({
                        "author": user(&h["author"]),
                        "created": time_value(h.get("created")),
                        "items": h["items"].as_array().map(|items| items.iter().map(|i| json!({"field": i["field"], "from": i["fromString"], "to": i["toString"]})).collect::<Vec<_>>()),
                    })
                })
                .collect(),
        );
    }
    if let Some(transitions) = v["transitions"].as_array() {
        out["transitions"] = Value::Array(
            transitions
                .iter()
                .map(|t| json!({"id": t["id"], "name": t["name"], "to": t["to"]["name"]}))
                .collect(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cloud_issue_is_flattened_with_markdown_and_utc_times() {
        let raw = json!({
            "id": "10001", "key": "DEMO-1",
            "fields": {
                "summary": "Fix login",
                "status": {"name": "In Progress", "statusCategory": {"name": "In Progress"}},
                "issuetype": {"name": "Bug"},
                "priority": {"name": "High"},
                "assignee": {"accountId": "a1", "displayName": "Ann", "avatarUrls": {}},
                "reporter": null,
                "labels": ["auth"],
                "created": "2024-01-02T03:04:05.000+0100",
                "description": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Hello"}]}]},
                "comment": {"total": 3, "comments": [
                    {"id": "1", "author": {"displayName": "A"}, "created": "2024-01-01T00:00:00.000+0000", "updated": "2024-01-01T00:00:00.000+0000", "body": "one"},
                    {"id": "2", "author": {"displayName": "B"}, "created": "2024-01-01T00:00:00.000+0000", "body": "two"},
                    {"id": "3", "author": {"displayName": "C"}, "created": "2024-01-01T00:00:00.000+0000", "body": "three"}
                ]},
                "customfield_10010": 5
            }
        });
        let names: Map<String, Value> = [("customfield_10010".to_owned(), json!("Story Points"))]
            .into_iter()
            .collect();
        let v =
            crate::tools::output::prune(issue(&raw, "https://acme.atlassian.net", 2, Some(&names)));
        assert_eq!(v["url"], "https://acme.atlassian.net/browse/DEMO-1");
        assert_eq!(
            v["status"],
            json!({"name": "In Progress", "category": "In Progress"})
        );
        assert_eq!(
            v["assignee"],
            json!({"display_name": "Ann", "account_id": "a1"})
        );
        assert!(v.get("reporter").is_none());
        assert_eq!(v["created"], "2024-01-02T02:04:05Z");
        assert_eq!(v["description"], "Hello");
        assert_eq!(v["comments"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["comments"][0]["id"], "2");
        assert_eq!(v["comment_total"], 3);
        assert_eq!(v["fields"]["Story Points"], 5);
    }
}
