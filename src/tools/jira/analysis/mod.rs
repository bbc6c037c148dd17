//! Toolset `jira_project_analysis`: a project's epics grouped under their cross-project
//! parents, and its issue links into other projects. Upstream work is bounded by
//! `max_epics` / `max_issues`; searches page through the shared helper; the parents'
//! summaries are fetched in concurrent chunks under the client's cap.

mod tools;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::tools::registry::Tool;

/// The toolset's tools.
pub(super) fn tools(env: &Arc<crate::tools::env::ToolEnv>) -> Vec<Arc<dyn Tool>> {
    tools::all(env)
}

/// Link labels saying "this issue is the child" (the reference server's built-in set).
const CHILD_OF: [&str; 3] = ["is child of", "is contained by", "split from"];

/// The project part of an issue key.
pub fn project_part(key: &str) -> &str {
    key.rsplit_once('-').map_or(key, |(p, _)| p)
}

/// An epic's parent in another project: its `parent` field, else a link whose label says
/// the epic is the child.
pub fn cross_project_parent(issue: &Value, own: &str) -> Option<String> {
    let f = &issue["fields"];
    if let Some(p) = f["parent"]["key"].as_str()
        && project_part(p) != own
    {
        return Some(p.to_owned());
    }
    for link in f["issuelinks"].as_array().into_iter().flatten() {
        let t = &link["type"];
        let name = t["name"].as_str().unwrap_or_default().to_lowercase();
        for (side, label) in [("inwardIssue", "inward"), ("outwardIssue", "outward")] {
            let Some(other) = link[side]["key"].as_str() else {
                continue;
            };
            let label = t[label].as_str().unwrap_or_default().to_lowercase();
            if project_part(other) != own
                && (CHILD_OF.contains(&name.as_str()) || CHILD_OF.contains(&label.as_str()))
            {
                return Some(other.to_owned());
            }
        }
    }
    None
}

/// Links from `issue` to issues of other projects: (target project, link type, entry).
pub fn cross_links(issue: &Value, own: &str) -> Vec<(String, String, Value)> {
    let key = issue["key"].as_str().unwrap_or_default();
    let mut out = Vec::new();
    for link in issue["fields"]["issuelinks"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let kind = link["type"]["name"].as_str().unwrap_or_default().to_owned();
        for (side, direction) in [("outwardIssue", "outward"), ("inwardIssue", "inward")] {
            if let Some(target) = link[side]["key"].as_str()
                && project_part(target) != own
            {
                out.push((
                    project_part(target).to_owned(),
                    kind.clone(),
                    json!({"source": key, "target": target, "direction": direction}),
                ));
            }
        }
    }
    out
}

/// Groups cross-project links: project → {total_links, by_link_type: type → entries}.
pub fn group_links(links: Vec<(String, String, Value)>) -> Value {
    let mut by: BTreeMap<String, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
    for (p, kind, entry) in links {
        by.entry(p)
            .or_default()
            .entry(kind)
            .or_default()
            .push(entry);
    }
    let out: serde_json::Map<String, Value> = by
        .into_iter()
        .map(|(p, kinds)| {
            let total: usize = kinds.values().map(Vec::len).sum();
            (p, json!({"total_links": total, "by_link_type": kinds}))
        })
        .collect();
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_come_from_the_parent_field_or_child_of_links_in_other_projects() {
        let by_field = json!({"fields": {"parent": {"key": "OPS-2"}}});
        assert_eq!(
            cross_project_parent(&by_field, "MKT").as_deref(),
            Some("OPS-2")
        );
        let same = json!({"fields": {"parent": {"key": "MKT-9"}}});
        assert_eq!(cross_project_parent(&same, "MKT"), None);
        let link = json!({"fields": {"issuelinks": [
            {"type": {"name": "Relates", "inward": "relates to", "outward": "relates to"},
             "outwardIssue": {"key": "OPS-3"}},
            {"type": {"name": "Hierarchy", "inward": "is parent of", "outward": "is child of"},
             "outwardIssue": {"key": "PLAN-1"}}]}});
        assert_eq!(
            cross_project_parent(&link, "MKT").as_deref(),
            Some("PLAN-1")
        );
    }

    #[test]
    fn cross_links_are_grouped_by_project_and_type() {
        let issue = json!({"key": "DEMO-1", "fields": {"issuelinks": [
            {"type": {"name": "Blocks"}, "outwardIssue": {"key": "OPS-3"}},
            {"type": {"name": "Blocks"}, "inwardIssue": {"key": "OPS-4"}},
            {"type": {"name": "Relates"}, "inwardIssue": {"key": "DEMO-4"}}]}});
        let g = group_links(cross_links(&issue, "DEMO"));
        assert_eq!(g["OPS"]["total_links"], 2);
        assert_eq!(g["OPS"]["by_link_type"]["Blocks"][1]["direction"], "inward");
        assert!(g.get("DEMO").is_none());
    }
}
