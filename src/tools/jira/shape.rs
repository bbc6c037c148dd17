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

/// Pass-through fields that are noise to a reader (vote and watch counters, progress bars).
const NOISE: [&str; 4] = ["votes", "watches", "progress", "aggregateprogress"];

/// Keys dropped from any object passed through: links back into the API and icons.
const LINK_KEYS: [&str; 5] = ["self", "avatarUrls", "iconUrl", "expand", "avatarId"];

fn is_user(o: &Map<String, Value>) -> bool {
    o.contains_key("displayName")
        && (o.contains_key("accountId")
            || o.contains_key("emailAddress")
            || (o.contains_key("name") && o.contains_key("key")))
}

/// A pass-through value made readable like the rest of the issue: every user in the house
/// shape, every Atlassian timestamp in UTC RFC 3339, and API links and avatars dropped —
/// at any depth.
pub fn tidy(v: &Value) -> Value {
    match v {
        Value::Object(o) if is_user(o) => user(v),
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("doc") => rich_text(v),
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| !LINK_KEYS.contains(&k.as_str()))
                .map(|(k, x)| (k.clone(), tidy(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(tidy).collect()),
        Value::String(s) if looks_like_time(s) => time_value(Some(v)),
        other => other.clone(),
    }
}

/// `2024-01-02T03:04:05...`: a date, a `T` and a time (cheap test before parsing).
fn looks_like_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':'
}

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
            if KNOWN.contains(&id.as_str()) || NOISE.contains(&id.as_str()) || value.is_null() {
                continue;
            }
            let name = display_names
                .and_then(|n| n.get(id))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| id.clone());
            extra.insert(name, tidy(value));
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

    #[test]
    fn pass_through_fields_get_house_users_utc_times_and_no_link_noise() {
        let raw = json!({"key": "DEMO-2", "fields": {
            "customfield_10050": {"accountId": "a9", "displayName": "Zed", "avatarUrls": {"48x48": "x"}, "self": "https://x/user"},
            "customfield_10051": [{"name": "bob", "key": "JIRAUSER1", "displayName": "Bob", "emailAddress": "b@x"}],
            "customfield_10020": [{"id": 5, "name": "Sprint 5", "startDate": "2025-01-06T09:00:00.000+0100", "self": "https://x/sprint/5"}],
            "customfield_10030": {"self": "https://x/option/1", "value": "Major", "id": "10101"},
            "statuscategorychangedate": "2025-02-01T10:00:00.000-0500",
            "lastViewed": "2025-02-02T10:00:00.000+0000",
            "issuelinks": [{"id": "1", "self": "https://x/link/1", "type": {"name": "Blocks", "self": "s"},
                            "outwardIssue": {"key": "DEMO-3", "fields": {"status": {"name": "Done", "iconUrl": "i"}}}}],
            "votes": {"votes": 0, "hasVoted": false, "self": "v"},
            "watches": {"watchCount": 1, "isWatching": true},
            "progress": {"progress": 0, "total": 0},
            "aggregateprogress": {"progress": 0, "total": 0},
            "environment": "Linux 2025-01-01 build"
        }});
        let v = issue(&raw, "https://acme", 0, None);
        let f = &v["fields"];
        assert_eq!(
            f["customfield_10050"],
            json!({"display_name": "Zed", "account_id": "a9"})
        );
        assert_eq!(
            f["customfield_10051"][0],
            json!({"display_name": "Bob", "name": "bob", "email": "b@x"})
        );
        assert_eq!(
            f["customfield_10020"][0],
            json!({"id": 5, "name": "Sprint 5", "startDate": "2025-01-06T08:00:00Z"})
        );
        assert_eq!(
            f["customfield_10030"],
            json!({"value": "Major", "id": "10101"})
        );
        assert_eq!(f["statuscategorychangedate"], "2025-02-01T15:00:00Z");
        assert_eq!(f["lastViewed"], "2025-02-02T10:00:00Z");
        assert_eq!(
            f["issuelinks"][0],
            json!({"id": "1", "type": {"name": "Blocks"},
            "outwardIssue": {"key": "DEMO-3", "fields": {"status": {"name": "Done"}}}})
        );
        assert_eq!(f["environment"], "Linux 2025-01-01 build");
        for noise in ["votes", "watches", "progress", "aggregateprogress"] {
            assert!(f.get(noise).is_none(), "{noise} kept");
        }
    }
}
