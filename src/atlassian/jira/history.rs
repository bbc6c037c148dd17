//! An issue's whole change history. Cloud pages `GET /rest/api/3/issue/{key}/changelog`
//! (`startAt`/`maxResults`, `isLast`); Server/DC has no such resource and returns every
//! history with `expand=changelog` on the issue itself.

use serde_json::Value;

use super::{api, encode};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::{AtlassianError, list_at};
use crate::config::Deployment;
use crate::config::Product;

/// Histories per Cloud page (Jira's maximum for this resource).
const PAGE: u64 = 100;
/// Pages at most: 5,000 histories is far beyond any issue a person edits by hand, and
/// bounds the work one tool call can cause.
const MAX_PAGES: u64 = 50;

/// The issue with `fields`, and on Server/DC its changelog expanded.
pub async fn issue_with_history(
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
    fields: &str,
) -> Result<Value, AtlassianError> {
    let mut query = vec![("fields", fields.to_owned())];
    if client.deployment() == Deployment::Server {
        query.push(("expand", "changelog".to_owned()));
    }
    let path = format!("{}/issue/{}", api(client), encode(key));
    Ok(client.get(auth, &path, &query).await?.body)
}

/// Every history of `issue` (as fetched by [`issue_with_history`]), oldest first as Jira
/// lists them: on Cloud page by page, on Server/DC from the expanded changelog.
pub async fn all_histories(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &Value,
) -> Result<Vec<Value>, AtlassianError> {
    if client.deployment() == Deployment::Server {
        return Ok(issue["changelog"]["histories"]
            .as_array()
            .cloned()
            .unwrap_or_default());
    }
    let key = issue["key"].as_str().unwrap_or_default();
    let path = format!("/rest/api/3/issue/{}/changelog", encode(key));
    let mut out: Vec<Value> = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = client
            .get(
                auth,
                &path,
                &[
                    ("startAt", out.len().to_string()),
                    ("maxResults", PAGE.to_string()),
                ],
            )
            .await?
            .body;
        let values = list_at(Product::Jira, &page, "values", &format!("GET {path}"))?;
        let got = values.len() as u64;
        out.extend(values);
        let total = page["total"].as_u64().unwrap_or(0);
        let last = page["isLast"]
            .as_bool()
            .unwrap_or(out.len() as u64 >= total);
        if last || got == 0 {
            break;
        }
    }
    Ok(out)
}
