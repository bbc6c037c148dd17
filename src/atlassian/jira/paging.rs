//! Collecting a JQL search across pages, up to a bound: Cloud follows `nextPageToken`,
//! Server/DC advances `startAt`. Pages are requested one after another because each
//! depends on the previous answer.

use serde_json::Value;

use super::{Search, search};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;

/// Largest page asked for (Jira caps lower for some field sets and says so in its answer).
const PAGE: usize = 100;

/// Up to `max` issues matching `jql`, in the search's order.
pub async fn search_up_to(
    client: &ServiceClient,
    auth: &CallAuth,
    jql: &str,
    fields: &[&str],
    max: usize,
) -> Result<Vec<Value>, AtlassianError> {
    let mut out: Vec<Value> = Vec::new();
    let mut token: Option<String> = None;
    while out.len() < max {
        let want = (max - out.len()).min(PAGE);
        let opts = Search {
            jql,
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            max_results: u32::try_from(want).unwrap_or(100),
            start_at: out.len() as u64,
            page_token: token.as_deref(),
            expand: None,
        };
        let page = search(client, auth, &opts).await?;
        let got = page.issues.len();
        out.extend(page.issues.into_iter().take(want));
        token = page.next_page_token;
        // A Cloud page without a token, or any empty page, is the last one.
        let cloud_done = page.start_at.is_none() && token.is_none();
        if page.is_last || got == 0 || cloud_done {
            break;
        }
    }
    Ok(out)
}
