//! The dev-status API behind Jira's development panel (internal, undocumented):
//! `GET /rest/dev-status/{1.0|latest}/issue/summary?issueId=` and
//! `GET /rest/dev-status/{1.0|latest}/issue/detail?issueId=&applicationType=&dataType=`.
//!
//! Shapes follow what the reference server parses (sooperset/mcp-atlassian
//! `jira/development.py` and its tests) and the responses Atlassian staff show in the
//! community thread "How to get development information via REST API": a `summary` keyed by
//! data type with `overall` and `byInstanceType`, and a `detail` array with one entry per
//! instance (`_instance`, `branches`, `pullRequests`, `repositories` with `commits`).
//! Seeded data: `DEMO-1` on GitHub and `OPS-1` on Bitbucket Server (`stash`); other issues
//! have none.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};

use crate::sandbox::SandboxState;
use crate::sandbox::error::{ApiError, Family};

/// One seeded connection: application type, instance name, base URL, repository, branch,
/// pull request (id, title, status), commits (id, message).
struct Dev {
    app: &'static str,
    instance: &'static str,
    base: &'static str,
    repo: &'static str,
    branch: &'static str,
    pr: (&'static str, &'static str, &'static str),
    commits: &'static [(&'static str, &'static str)],
}

fn seeded(key: &str) -> Option<Dev> {
    match key {
        "DEMO-1" => Some(Dev {
            app: "GitHub",
            instance: "GitHub",
            base: "https://github.com",
            repo: "acme/sandbox-api",
            branch: "feature/DEMO-1-showcase",
            pr: ("#42", "DEMO-1 Render rich descriptions", "OPEN"),
            commits: &[
                ("9f2c1e4a7b", "DEMO-1 add the table renderer"),
                ("1a3b5c7d9e", "DEMO-1 render code blocks"),
            ],
        }),
        "OPS-1" => Some(Dev {
            app: "stash",
            instance: "Bitbucket Server",
            base: "https://stash.example.com",
            repo: "ops-tools",
            branch: "bugfix/OPS-1-rotate-logs",
            pr: ("17", "OPS-1 Rotate logs daily", "MERGED"),
            commits: &[("c0ffee1234", "OPS-1 rotate logs at midnight")],
        }),
        _ => None,
    }
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn issue_key(state: &SandboxState, q: &[(String, String)]) -> Result<String, ApiError> {
    let id = param(q, "issueId")
        .ok_or_else(|| ApiError::bad_request(Family::Jira, "issueId is required."))?;
    let store = state.store();
    // The API takes the numeric id only, as Jira's does.
    store
        .issues
        .iter()
        .find(|i| i.id == id)
        .map(|i| i.key.clone())
        .ok_or_else(|| ApiError::not_found(Family::Jira, "Issue does not exist."))
}

fn repo_url(d: &Dev) -> String {
    format!("{}/{}", d.base, d.repo)
}

/// `GET /rest/dev-status/{ver}/issue/summary`.
pub async fn summary(
    State(state): State<SandboxState>,
    Path(_ver): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let key = issue_key(&state, &q)?;
    let dev = seeded(&key);
    let section = |count: usize| -> Value {
        let by = match &dev {
            Some(d) if count > 0 => {
                json!({d.app.to_ascii_lowercase(): {"count": count, "name": d.instance}})
            }
            _ => json!({}),
        };
        json!({"overall": {"count": count, "lastUpdated": null}, "byInstanceType": by})
    };
    let n = usize::from(dev.is_some());
    Ok(Json(json!({
        "errors": [], "configErrors": [],
        "summary": {
            "pullrequest": section(n), "branch": section(n), "repository": section(n),
            "build": section(0), "review": section(0), "deployment-environment": section(0),
        }
    })))
}

/// `GET /rest/dev-status/{ver}/issue/detail`.
pub async fn detail(
    State(state): State<SandboxState>,
    Path(_ver): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let key = issue_key(&state, &q)?;
    let app = param(&q, "applicationType").unwrap_or_default();
    let data_type = param(&q, "dataType").unwrap_or_default();
    // Application types are case-sensitive upstream: a mismatch is simply empty.
    let Some(d) = seeded(&key).filter(|d| d.app == app) else {
        return Ok(Json(json!({"errors": [], "detail": []})));
    };
    let repository =
        json!({"name": d.repo, "url": repo_url(&d), "avatar": format!("{}/avatar.png", d.base)});
    let branch = json!({
        "name": d.branch, "url": format!("{}/tree/{}", repo_url(&d), d.branch),
        "createPullRequestUrl": format!("{}/compare/{}", repo_url(&d), d.branch),
        "repository": repository,
    });
    let mut entry = json!({
        "_instance": {"name": d.instance, "baseUrl": d.base, "type": d.app, "singleInstance": true},
        "branches": [], "pullRequests": [], "repositories": [],
    });
    match data_type {
        "branch" => {
            entry["branches"] = json!([branch]);
            entry["repositories"] = json!([repository]);
        }
        "pullrequest" => {
            entry["branches"] = json!([branch]);
            entry["pullRequests"] = json!([{
                "id": d.pr.0, "name": d.pr.1, "status": d.pr.2,
                "url": format!("{}/pull/{}", repo_url(&d), d.pr.0.trim_start_matches('#')),
                "author": {"name": "Alice Anders"}, "reviewers": [{"name": "Bob Brown", "approved": true}],
                "lastUpdate": "2025-01-08T10:30:00.000+0000", "commentCount": 2,
                "source": {"branch": d.branch, "repository": repository},
                "destination": {"branch": "main"},
            }]);
        }
        "repository" => {
            let mut repo = repository.clone();
            repo["commits"] = d
                .commits
                .iter()
                .map(|(id, msg)| json!({
                    "id": id, "displayId": &id[..7], "message": msg,
                    "author": {"name": "Alice Anders"}, "authorTimestamp": "2025-01-07T15:00:00.000+0000",
                    "url": format!("{}/commit/{id}", repo_url(&d)), "fileCount": 1, "merge": false,
                }))
                .collect();
            entry["repositories"] = json!([repo]);
        }
        _ => {
            return Err(ApiError::bad_request(
                Family::Jira,
                "dataType must be one of branch, pullrequest, repository.",
            ));
        }
    }
    Ok(Json(json!({"errors": [], "detail": [entry]})))
}
