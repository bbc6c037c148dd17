//! The toolset vocabulary of the reference server, and how `TOOLSETS` selects from it.

use std::collections::BTreeSet;

/// Every toolset name, as the reference server spells it.
pub const ALL: &[&str] = &[
    "jira_issues",
    "jira_fields",
    "jira_comments",
    "jira_transitions",
    "jira_projects",
    "jira_agile",
    "jira_links",
    "jira_worklog",
    "jira_attachments",
    "jira_users",
    "jira_watchers",
    "jira_service_desk",
    "jira_forms",
    "jira_metrics",
    "jira_development",
    "jira_project_analysis",
    "confluence_pages",
    "confluence_comments",
    "confluence_labels",
    "confluence_users",
    "confluence_attachments",
    "confluence_templates",
    "confluence_permissions",
    "confluence_analytics",
];

/// The toolsets `TOOLSETS=default` (and an unset `TOOLSETS`) selects.
pub const DEFAULT: &[&str] = &[
    "jira_issues",
    "jira_fields",
    "jira_comments",
    "jira_transitions",
    "confluence_pages",
    "confluence_comments",
];

/// `TOOLSETS` named toolsets that do not exist.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("TOOLSETS names unknown toolsets: {}; valid names are default, all, dynamic, {}", unknown.join(", "), ALL.join(", "))]
pub struct UnknownToolsets {
    /// The names that did not match.
    pub unknown: Vec<String>,
}

/// Resolves `TOOLSETS` entries (`default`, `all` or names, any case) to toolset names.
pub fn resolve(names: &[String]) -> Result<BTreeSet<&'static str>, UnknownToolsets> {
    let mut out = BTreeSet::new();
    let mut unknown = Vec::new();
    for name in names {
        let name = name.trim().to_ascii_lowercase();
        match name.as_str() {
            "all" => out.extend(ALL.iter().copied()),
            "default" => out.extend(DEFAULT.iter().copied()),
            other => match ALL.iter().find(|t| **t == other) {
                Some(t) => {
                    out.insert(*t);
                }
                None => unknown.push(other.to_owned()),
            },
        }
    }
    if unknown.is_empty() {
        Ok(out)
    } else {
        Err(UnknownToolsets { unknown })
    }
}

/// `TOOLSETS=dynamic`: the session starts with the discovery tools only and enables toolsets
/// on demand (with other names beside it, only those may be enabled).
pub const DYNAMIC: &str = "dynamic";

/// One line per toolset for the discovery tool `list_toolsets`.
pub fn summary(toolset: &str) -> &'static str {
    match toolset {
        "jira_issues" => {
            "Get, search, create, update, move and delete issues; changelogs, bulk create"
        }
        "jira_fields" => "Find field ids and a select field's allowed values",
        "jira_comments" => "Add and edit issue comments",
        "jira_transitions" => "Workflow transitions: list them, move an issue",
        "jira_projects" => "Projects, their issue types, versions, components and create fields",
        "jira_agile" => "Boards, sprints and their issues; create and change sprints",
        "jira_links" => "Issue links, web links and epics",
        "jira_worklog" => "Read and log work time",
        "jira_attachments" => "Download an issue's attachments and images",
        "jira_users" => "User profiles and assignable users",
        "jira_watchers" => "Who watches an issue; add or remove watchers",
        "jira_service_desk" => "Service desks, queues, request types, customer requests",
        "jira_forms" => "Forms on issues: read them, save answers",
        "jira_metrics" => "Issue dates, time in status and SLA metrics",
        "jira_development" => "Branches, commits and pull requests linked to issues",
        "jira_project_analysis" => "Epic hierarchy and cross-project links",
        "confluence_pages" => {
            "Search, read, create, update, move, copy and delete pages; history and diffs"
        }
        "confluence_comments" => "Page comments and inline comments",
        "confluence_labels" => "Page labels",
        "confluence_users" => "Find Confluence users",
        "confluence_attachments" => "List, download, upload and delete page attachments",
        "confluence_templates" => "Page templates and pages from them",
        "confluence_permissions" => "Page restrictions, content and space permissions",
        "confluence_analytics" => "Page views",
        _ => "",
    }
}

/// The request header by which a client narrows the toolsets for one request (for clients
/// that cannot follow `notifications/tools/list_changed`); it never adds a toolset the server
/// does not expose.
pub const HEADER: &str = "x-mcp-toolsets";

/// The toolsets an `X-MCP-Toolsets` value names (comma list of names, `default`, `all`).
pub fn from_header(value: &str) -> Result<BTreeSet<&'static str>, UnknownToolsets> {
    let names: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    resolve(&names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn default_and_names_combine() {
        let set = resolve(&names(&["default", "JIRA_AGILE"])).expect("valid");
        assert!(set.contains("jira_agile"));
        assert!(set.contains("confluence_pages"));
        assert_eq!(set.len(), DEFAULT.len() + 1);
    }

    #[test]
    fn every_toolset_has_a_one_line_summary() {
        for t in ALL {
            assert!(!summary(t).is_empty() && summary(t).len() < 90, "{t}");
        }
    }

    #[test]
    fn the_header_is_a_comma_list_of_the_same_names() {
        let set = from_header(" jira_issues, Confluence_Pages ,").expect("valid");
        assert_eq!(
            set.into_iter().collect::<Vec<_>>(),
            ["confluence_pages", "jira_issues"]
        );
        assert_eq!(from_header("").expect("empty").len(), 0);
        assert_eq!(
            from_header("jira_nope").expect_err("unknown").unknown,
            ["jira_nope"]
        );
    }

    #[test]
    fn all_selects_every_toolset() {
        assert_eq!(resolve(&names(&["all"])).expect("valid").len(), ALL.len());
    }

    #[test]
    fn an_unknown_name_is_an_error_that_lists_the_valid_ones() {
        let err = resolve(&names(&["jira_issues", "jira_isues"])).expect_err("unknown");
        assert_eq!(err.unknown, vec!["jira_isues"]);
        let text = err.to_string();
        assert!(text.contains("jira_isues"));
        assert!(text.contains("valid names are default, all, dynamic, jira_issues"));
    }
}
