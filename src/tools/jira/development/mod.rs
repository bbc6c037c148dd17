//! Toolset `jira_development`: branches, commits and pull requests linked to issues, from
//! the dev-status API. Application types are discovered from the summary (falling back to
//! the common connectors when it is unavailable); the detail calls for each application and
//! data type run concurrently under the client's cap.

mod tools;

use std::sync::Arc;

use futures::future::join_all;
use serde_json::{Value, json};

use super::common::guard_issue;
use crate::atlassian::jira::{self, dev_status};
use crate::atlassian::{CallAuth, ErrorKind, ServiceClient};
use crate::tools::env::ToolEnv;
use crate::tools::output::{timestamp, upstream_error};
use crate::tools::registry::{Tool, ToolOutput};

/// The toolset's tools.
pub(super) fn tools(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    tools::all(env)
}

/// The data types the detail resource serves.
pub const DATA_TYPES: [&str; 3] = ["pullrequest", "branch", "repository"];
/// Tried when the summary cannot say which connectors exist (as the reference does).
const COMMON_APPS: [&str; 4] = ["stash", "bitbucket", "GitHub", "GitLab"];

/// The summary reports some types in lower case; the detail wants this casing.
fn app_casing(app: &str) -> String {
    match app.to_ascii_lowercase().as_str() {
        "github" => "GitHub".into(),
        "gitlab" => "GitLab".into(),
        _ => app.to_owned(),
    }
}

/// One issue's development information, or the tool error to return.
pub async fn issue_dev_info(
    env: &ToolEnv,
    client: &ServiceClient,
    auth: &CallAuth,
    issue_key: &str,
    app: Option<&str>,
    data_type: Option<&str>,
) -> Result<Value, ToolOutput> {
    let key = guard_issue(env, issue_key)?;
    let opts = jira::GetIssue {
        fields: "project",
        ..Default::default()
    };
    let issue = jira::get_issue(client, auth, &key, &opts)
        .await
        .map_err(|e| upstream_error(&e))?;
    if let Some(p) = issue["fields"]["project"]["key"].as_str()
        && !env.jira_projects.is_empty()
        && !env.jira_projects.iter().any(|x| x == p)
    {
        return Err(ToolOutput::error(format!(
            "{key} is outside the projects this server may use ({}).",
            env.jira_projects.join(", ")
        )));
    }
    let id = issue["id"].as_str().unwrap_or_default().to_owned();
    let key = issue["key"].as_str().unwrap_or(&key).to_owned();
    let types: Vec<&str> = match data_type {
        Some(t) => vec![t],
        None => DATA_TYPES.to_vec(),
    };
    let apps: Vec<String> = match app {
        Some(a) => vec![a.to_owned()],
        None => match dev_status::summary(client, auth, &id).await {
            Ok(s) => {
                let mut apps: Vec<String> = Vec::new();
                for t in &types {
                    for (name, v) in s["summary"][t]["byInstanceType"]
                        .as_object()
                        .into_iter()
                        .flatten()
                    {
                        let a = app_casing(name);
                        if v["count"].as_u64().unwrap_or(0) > 0 && !apps.contains(&a) {
                            apps.push(a);
                        }
                    }
                }
                apps.sort();
                apps
            }
            Err(e) if matches!(e.kind, ErrorKind::NotFound | ErrorKind::Forbidden) => {
                COMMON_APPS.iter().map(|a| (*a).to_owned()).collect()
            }
            Err(e) => return Err(upstream_error(&e)),
        },
    };
    let calls = apps.iter().flat_map(|a| {
        let id = id.clone();
        types.iter().map(move |t| {
            let id = id.clone();
            async move { dev_status::detail(client, auth, &id, a, t).await }
        })
    });
    let mut out = Merged::default();
    let mut note = None;
    for r in join_all(calls).await {
        match r {
            Ok(v) => out.add(&v),
            Err(e) if matches!(e.kind, ErrorKind::NotFound | ErrorKind::Forbidden) => {
                note = Some(
                    "development information is not available (the dev-status API is missing or not permitted)",
                );
            }
            Err(e) => return Err(upstream_error(&e)),
        }
    }
    let mut v = json!({"issue_key": key, "pull_requests": out.prs, "branches": out.branches,
                       "commits": out.commits, "repositories": out.repos});
    if let Some(n) = note {
        v["error"] = json!(n);
    }
    Ok(v)
}

#[derive(Default)]
struct Merged {
    prs: Vec<Value>,
    branches: Vec<Value>,
    commits: Vec<Value>,
    repos: Vec<Value>,
}

impl Merged {
    fn push_unique(list: &mut Vec<Value>, v: Value) {
        if !list.contains(&v) {
            list.push(v);
        }
    }

    fn add(&mut self, resp: &Value) {
        for d in resp["detail"].as_array().into_iter().flatten() {
            let instance = d["_instance"]["name"].as_str();
            for pr in d["pullRequests"].as_array().into_iter().flatten() {
                let reviewers: Vec<&str> = pr["reviewers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["name"].as_str())
                    .collect();
                Self::push_unique(
                    &mut self.prs,
                    json!({
                        "id": pr["id"], "name": pr["name"], "status": pr["status"], "url": pr["url"],
                        "source": pr["source"]["branch"], "destination": pr["destination"]["branch"],
                        "author": pr["author"]["name"], "reviewers": reviewers,
                        "last_update": pr["lastUpdate"].as_str().map(timestamp),
                        "repository": pr["source"]["repository"]["name"], "instance": instance,
                    }),
                );
            }
            for b in d["branches"].as_array().into_iter().flatten() {
                Self::push_unique(
                    &mut self.branches,
                    json!({
                        "name": b["name"], "url": b["url"],
                        "repository": b["repository"]["name"], "instance": instance,
                    }),
                );
            }
            for r in d["repositories"].as_array().into_iter().flatten() {
                for c in r["commits"].as_array().into_iter().flatten() {
                    Self::push_unique(
                        &mut self.commits,
                        json!({
                            "id": c["displayId"].as_str().or(c["id"].as_str()), "message": c["message"],
                            "author": c["author"]["name"],
                            "timestamp": c["authorTimestamp"].as_str().map(timestamp),
                            "url": c["url"], "repository": r["name"],
                        }),
                    );
                }
                Self::push_unique(&mut self.repos, json!({"name": r["name"], "url": r["url"]}));
            }
        }
    }
}
