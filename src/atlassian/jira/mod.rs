//! Jira REST calls: Cloud `/rest/api/3` (ADF, enhanced JQL search with `nextPageToken`) and
//! Server/DC `/rest/api/2` (wiki markup, classic `startAt` search).

pub mod agile;
pub mod attachments;
pub mod comments;
pub mod dev_status;
pub mod fields;
pub mod forms;
pub mod history;
pub mod issue_write;
pub mod links;
pub mod paging;
pub mod people;
pub mod projects;
pub mod servicedesk;
pub mod workflow;
pub mod worklog;

use serde_json::{Value, json};

use super::client::{CallAuth, ServiceClient};
use super::error::AtlassianError;
use crate::config::Deployment;

/// Path prefix of the platform API for this deployment.
pub fn api(client: &ServiceClient) -> &'static str {
    match client.deployment() {
        Deployment::Cloud => "/rest/api/3",
        Deployment::Server => "/rest/api/2",
    }
}

fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// Options of [`get_issue`].
#[derive(Debug, Clone, Default)]
pub struct GetIssue<'a> {
    /// Comma list of fields, `*all` or `*navigable`.
    pub fields: &'a str,
    /// Comma list of expansions.
    pub expand: Option<&'a str>,
    /// Comma list of issue property keys.
    pub properties: Option<&'a str>,
    /// Record the issue as viewed.
    pub update_history: bool,
}

/// `GET /issue/{key}`.
pub async fn get_issue(
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
    opts: &GetIssue<'_>,
) -> Result<Value, AtlassianError> {
    let mut query = vec![
        ("fields", opts.fields.to_owned()),
        ("updateHistory", opts.update_history.to_string()),
    ];
    if let Some(e) = opts.expand {
        query.push(("expand", e.to_owned()));
    }
    if let Some(p) = opts.properties {
        query.push(("properties", p.to_owned()));
    }
    let path = format!("{}/issue/{}", api(client), encode(key));
    Ok(client.get(auth, &path, &query).await?.body)
}

/// One page of a JQL search.
#[derive(Debug, Clone)]
pub struct SearchPage {
    /// Issues as Jira returned them.
    pub issues: Vec<Value>,
    /// Cloud: the token of the next page, if any.
    pub next_page_token: Option<String>,
    /// Server/DC: total matches.
    pub total: Option<u64>,
    /// Server/DC: offset of this page.
    pub start_at: Option<u64>,
    /// True when no page follows.
    pub is_last: bool,
    /// Field id → display name, when `names` was expanded.
    pub names: Option<serde_json::Map<String, Value>>,
}

/// Options of [`search`].
#[derive(Debug, Clone, Default)]
pub struct Search<'a> {
    /// The JQL.
    pub jql: &'a str,
    /// Fields to return.
    pub fields: Vec<String>,
    /// Page size.
    pub max_results: u32,
    /// Server/DC offset.
    pub start_at: u64,
    /// Cloud page token.
    pub page_token: Option<&'a str>,
    /// Comma list of expansions.
    pub expand: Option<&'a str>,
}

/// Runs a JQL search: `POST /rest/api/3/search/jql` on Cloud, `POST /rest/api/2/search` on
/// Server/DC.
pub async fn search(
    client: &ServiceClient,
    auth: &CallAuth,
    opts: &Search<'_>,
) -> Result<SearchPage, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let mut body =
                json!({"jql": opts.jql, "fields": opts.fields, "maxResults": opts.max_results});
            if let Some(t) = opts.page_token {
                body["nextPageToken"] = json!(t);
            }
            if let Some(e) = opts.expand {
                body["expand"] = json!(e);
            }
            let v = client
                .post(auth, "/rest/api/3/search/jql", &body)
                .await?
                .body;
            let next = v
                .get("nextPageToken")
                .and_then(Value::as_str)
                .map(str::to_owned);
            Ok(SearchPage {
                is_last: v
                    .get("isLast")
                    .and_then(Value::as_bool)
                    .unwrap_or(next.is_none()),
                issues: v
                    .get("issues")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                next_page_token: next,
                total: None,
                start_at: None,
                names: v.get("names").and_then(Value::as_object).cloned(),
            })
        }
        Deployment::Server => {
            let mut body = json!({"jql": opts.jql, "fields": opts.fields, "maxResults": opts.max_results, "startAt": opts.start_at});
            if let Some(e) = opts.expand {
                body["expand"] = json!(e.split(',').map(str::trim).collect::<Vec<_>>());
            }
            let v = client.post(auth, "/rest/api/2/search", &body).await?.body;
            let issues = v
                .get("issues")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let total = v.get("total").and_then(Value::as_u64);
            let start_at = v
                .get("startAt")
                .and_then(Value::as_u64)
                .unwrap_or(opts.start_at);
            let is_last = total.is_none_or(|t| start_at + issues.len() as u64 >= t);
            let names = v.get("names").and_then(Value::as_object).cloned();
            Ok(SearchPage {
                issues,
                next_page_token: None,
                total,
                start_at: Some(start_at),
                is_last,
                names,
            })
        }
    }
}

/// `GET /myself`: the account the credentials belong to (used by the readiness probe).
pub async fn myself(client: &ServiceClient, auth: &CallAuth) -> Result<Value, AtlassianError> {
    Ok(client
        .get(auth, &format!("{}/myself", api(client)), &[])
        .await?
        .body)
}
