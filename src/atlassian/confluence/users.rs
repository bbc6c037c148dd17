//! Confluence user search. Cloud: `/rest/api/search/user` with a CQL `user.fullname ~` query;
//! Server/DC has no user search endpoint, so the members of one group
//! (`/rest/api/group/{name}/member`) are read page by page and matched here.

use super::encode;
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;
use crate::config::Deployment;

use serde_json::Value;

/// Page size for reading DC group members (the API's own default).
const MEMBER_PAGE: usize = 200;
/// Upper bound on members read from one group, so a huge group cannot stall a call.
const MEMBER_CAP: usize = 5_000;

/// Escapes a value for a double-quoted CQL string.
fn cql_string(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// True when the DC user matches `query` (case-insensitive, in name, login or e-mail).
fn matches(user: &Value, query: &str) -> bool {
    let q = query.to_lowercase();
    ["displayName", "username", "email"]
        .iter()
        .filter_map(|k| user[*k].as_str())
        .any(|v| v.to_lowercase().contains(&q))
}

/// Users whose name matches `query`, at most `limit`, as user objects. On Server/DC the search
/// covers the members of `group`.
pub async fn search(
    client: &ServiceClient,
    auth: &CallAuth,
    query: &str,
    limit: usize,
    group: &str,
) -> Result<Vec<Value>, AtlassianError> {
    match client.deployment() {
        Deployment::Cloud => {
            let q = [
                ("cql", format!("user.fullname ~ \"{}\"", cql_string(query))),
                ("limit", limit.to_string()),
            ];
            let v = client.get(auth, "/rest/api/search/user", &q).await?.body;
            Ok(v["results"]
                .as_array()
                .map(|r| r.iter().map(|h| h["user"].clone()).collect())
                .unwrap_or_default())
        }
        Deployment::Server => {
            let path = format!("/rest/api/group/{}/member", encode(group));
            let mut found = Vec::new();
            let mut start = 0;
            while found.len() < limit && start < MEMBER_CAP {
                let q = [
                    ("start", start.to_string()),
                    ("limit", MEMBER_PAGE.to_string()),
                ];
                let v = client.get(auth, &path, &q).await?.body;
                let page = v["results"].as_array().cloned().unwrap_or_default();
                let n = page.len();
                found.extend(page.into_iter().filter(|u| matches(u, query)));
                if n == 0 || v["_links"]["next"].is_null() {
                    break;
                }
                start += n;
            }
            found.truncate(limit);
            Ok(found)
        }
    }
}
