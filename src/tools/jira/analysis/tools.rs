//! `jira_get_project_epic_hierarchy` and `jira_get_cross_project_dependencies`.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::join_all;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{cross_links, cross_project_parent, group_links, project_part};
use crate::atlassian::jira::paging::search_up_to;
use crate::tools::env::ToolEnv;
use crate::tools::jira::common::{guard_project, tri};
use crate::tools::jira::confine;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Keys per `key in (...)` lookup of parent summaries.
const CHUNK: usize = 50;
const FIELDS: [&str; 5] = ["summary", "status", "issuetype", "issuelinks", "parent"];

/// Arguments of `jira_get_project_epic_hierarchy`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EpicArgs {
    project_key: String,
    #[schemars(range(min = 1, max = 500), extend("default" = 200))]
    max_epics: Option<u32>,
}

/// Arguments of `jira_get_cross_project_dependencies`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepArgs {
    project_key: String,
    #[schemars(range(min = 1, max = 500), extend("default" = 200))]
    max_issues: Option<u32>,
}

struct Epics(Arc<ToolEnv>);
struct Deps(Arc<ToolEnv>);

fn meta(name: &'static str, description: &'static str) -> Meta {
    Meta {
        name,
        description,
        toolset: "jira_project_analysis",
        product: Product::Jira,
        access: Access::Read,
        destructive: false,
        idempotent: true,
        availability: Availability::BOTH,
    }
}

pub(super) fn all(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    vec![
        Typed::tool(
            meta(
                "jira_get_project_epic_hierarchy",
                "A project's epics grouped by their parent issue in another project.",
            ),
            Epics(env.clone()),
        ),
        Typed::tool(
            meta(
                "jira_get_cross_project_dependencies",
                "A project's links to other projects, by project and link type.",
            ),
            Deps(env.clone()),
        ),
    ]
}

/// Under a filter, says that what lies outside it is not shown (a fixed sentence: it reveals
/// nothing about what is there).
fn scope_note(env: &ToolEnv) -> Option<&'static str> {
    (!env.jira_projects.is_empty()).then_some(confine::HIDDEN_NOTE)
}

fn bound(v: Option<u32>) -> usize {
    usize::try_from(v.unwrap_or(200).clamp(1, 500)).unwrap_or(200)
}

fn brief(issue: &Value) -> Value {
    json!({"key": issue["key"], "summary": issue["fields"]["summary"],
           "status": issue["fields"]["status"]["name"]})
}

impl Logic for Epics {
    type Args = EpicArgs;

    async fn run(&self, ctx: &ToolContext, args: EpicArgs) -> ToolOutput {
        let env = &self.0;
        let project = tri!(guard_project(env, &args.project_key));
        let (client, auth) = tri!(env.jira_call(ctx));
        let jql = format!("project = \"{project}\" AND issuetype = Epic ORDER BY updated DESC");
        let mut epics =
            match search_up_to(client, &auth, &jql, &FIELDS, bound(args.max_epics)).await {
                Ok(v) => v,
                Err(e) => return upstream_error(&e),
            };
        // A parent outside the filter is not shown: such an epic is grouped as unlinked.
        for e in &mut epics {
            confine::issue(&env.jira_projects, e);
        }
        let mut groups: BTreeMap<Option<String>, Vec<Value>> = BTreeMap::new();
        for e in &epics {
            groups
                .entry(cross_project_parent(e, &project))
                .or_default()
                .push(brief(e));
        }
        // Parents' summaries (every parent left is in a project this server may read).
        let keys: Vec<&str> = groups.keys().flatten().map(String::as_str).collect();
        let lookups = keys.chunks(CHUNK).map(|chunk| {
            let jql = format!("key in ({})", chunk.join(","));
            let auth = &auth;
            async move { search_up_to(client, auth, &jql, &["summary"], CHUNK).await }
        });
        let mut summaries: BTreeMap<String, Value> = BTreeMap::new();
        for r in join_all(lookups).await {
            match r {
                Ok(found) => {
                    for i in found {
                        if let Some(k) = i["key"].as_str() {
                            summaries.insert(k.to_owned(), i["fields"]["summary"].clone());
                        }
                    }
                }
                Err(e) => return upstream_error(&e),
            }
        }
        // Parents first (by key), the unlinked epics last.
        let mut out: Vec<Value> = Vec::new();
        let unlinked = groups.remove(&None);
        for (parent, list) in groups {
            let parent = parent.unwrap_or_default();
            out.push(json!({
                "parent": {"key": parent, "summary": summaries.get(&parent),
                           "project": project_part(&parent)},
                "epics": list,
            }));
        }
        if let Some(list) = unlinked {
            out.push(json!({"group_name": "Unlinked", "epics": list}));
        }
        json_output(
            json!({"project_key": project, "total_epics": epics.len(), "groups": out,
                           "note": scope_note(env)}),
        )
    }
}

impl Logic for Deps {
    type Args = DepArgs;

    async fn run(&self, ctx: &ToolContext, args: DepArgs) -> ToolOutput {
        let env = &self.0;
        let project = tri!(guard_project(env, &args.project_key));
        let (client, auth) = tri!(env.jira_call(ctx));
        let jql = format!("project = \"{project}\" ORDER BY updated DESC");
        let mut issues =
            match search_up_to(client, &auth, &jql, &FIELDS, bound(args.max_issues)).await {
                Ok(v) => v,
                Err(e) => return upstream_error(&e),
            };
        // Links into projects outside the filter are neither listed nor counted.
        for i in &mut issues {
            confine::issue(&env.jira_projects, i);
        }
        let links: Vec<_> = issues
            .iter()
            .flat_map(|i| cross_links(i, &project))
            .collect();
        let total = links.len();
        json_output(json!({
            "project_key": project, "total_issues_scanned": issues.len(),
            "total_cross_project_links": total, "by_project": group_links(links),
            "note": scope_note(env),
        }))
    }
}
