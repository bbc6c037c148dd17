//! Jira worklogs: list an issue's worklogs and log work, with the optional estimate
//! adjustments Jira offers on the same call.

use reqwest::Method;
use serde_json::{Value, json};

use super::{api, encode};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;

/// `GET /issue/{key}/worklog` (first page of up to 5000 entries).
pub async fn worklogs(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/issue/{}/worklog", api(client), encode(issue));
    Ok(client.get(auth, &path, &[]).await?.body)
}

/// A new worklog entry.
#[derive(Debug, Clone)]
pub struct NewWorklog {
    /// Time spent in seconds.
    pub seconds: u64,
    /// Start in Jira's format (`2024-01-02T03:04:05.000+0000`).
    pub started: String,
    /// Comment in the deployment's rich-text form (ADF or wiki markup).
    pub comment: Option<Value>,
    /// Set the remaining estimate to this (`2h`), instead of reducing it automatically.
    pub remaining_estimate: Option<String>,
}

/// `POST /issue/{key}/worklog` → the created worklog.
pub async fn add_worklog(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
    w: &NewWorklog,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/issue/{}/worklog", api(client), encode(issue));
    let mut body = json!({"timeSpentSeconds": w.seconds, "started": w.started});
    if let Some(c) = &w.comment {
        body["comment"] = c.clone();
    }
    let mut query = Vec::new();
    if let Some(r) = &w.remaining_estimate {
        query.push(("adjustEstimate", "new".to_owned()));
        query.push(("newEstimate", r.clone()));
    }
    Ok(client
        .call(auth, Method::POST, &path, &query, Some(&body))
        .await?
        .body)
}

/// `PUT /issue/{key}` setting the original estimate (`timetracking.originalEstimate`).
pub async fn set_original_estimate(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
    estimate: &str,
) -> Result<(), AtlassianError> {
    let path = format!("{}/issue/{}", api(client), encode(issue));
    let body = json!({"fields": {"timetracking": {"originalEstimate": estimate}}});
    client
        .call(auth, Method::PUT, &path, &[], Some(&body))
        .await?;
    Ok(())
}
