//! Jira field metadata: every field, and the options of select custom fields (Cloud by
//! field context, Server/DC through the custom field options resource).

use serde_json::{Value, json};

use super::{api, encode};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::{AtlassianError, list_at};
use crate::config::Product;

/// `GET /field`: system and custom fields.
pub async fn all(client: &ServiceClient, auth: &CallAuth) -> Result<Vec<Value>, AtlassianError> {
    let path = format!("{}/field", api(client));
    let body = client.get(auth, &path, &[]).await?.body;
    list_at(Product::Jira, &body, "", &format!("GET {path}"))
}

/// Every item of a Cloud `PageBean` listing (`values`, `isLast`), in pages of 100.
async fn page_bean(
    client: &ServiceClient,
    auth: &CallAuth,
    path: &str,
    cap: usize,
) -> Result<Vec<Value>, AtlassianError> {
    let mut out = Vec::new();
    while out.len() < cap {
        let page = client
            .get(
                auth,
                path,
                &[
                    ("startAt", out.len().to_string()),
                    ("maxResults", "100".into()),
                ],
            )
            .await?
            .body;
        let got = list_at(Product::Jira, &page, "values", &format!("GET {path}"))?;
        let done = got.is_empty() || page["isLast"].as_bool().unwrap_or(true);
        out.extend(got);
        if done {
            break;
        }
    }
    out.truncate(cap);
    Ok(out)
}

/// Cloud: the contexts of a custom field.
pub async fn contexts(
    client: &ServiceClient,
    auth: &CallAuth,
    field: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!("/rest/api/3/field/{}/context", encode(field));
    page_bean(client, auth, &path, 1000).await
}

/// Cloud: the options of a custom field in one context.
pub async fn context_options(
    client: &ServiceClient,
    auth: &CallAuth,
    field: &str,
    context: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let path = format!(
        "/rest/api/3/field/{}/context/{}/option",
        encode(field),
        encode(context)
    );
    page_bean(client, auth, &path, 10_000).await
}

/// Server/DC: `GET /rest/api/2/customFields/{numeric id}/options`.
pub async fn dc_options(
    client: &ServiceClient,
    auth: &CallAuth,
    field: &str,
    query: Option<&str>,
) -> Result<Vec<Value>, AtlassianError> {
    let id = field.trim_start_matches("customfield_");
    let path = format!("/rest/api/2/customFields/{}/options", encode(id));
    let mut q = vec![("maxResults", "1000".to_owned())];
    if let Some(s) = query {
        q.push(("query", s.to_owned()));
    }
    let body = client.get(auth, &path, &q).await?.body;
    list_at(Product::Jira, &body, "options", &format!("GET {path}"))
}

/// One page of Cloud `POST /rest/api/3/changelog/bulkfetch`.
pub async fn changelogs(
    client: &ServiceClient,
    auth: &CallAuth,
    keys: &[String],
    fields: &[String],
    page_token: Option<&str>,
) -> Result<Value, AtlassianError> {
    let mut body = json!({"issueIdsOrKeys": keys, "maxResults": 1000});
    if !fields.is_empty() {
        body["fieldIds"] = json!(fields);
    }
    if let Some(t) = page_token {
        body["nextPageToken"] = json!(t);
    }
    Ok(client
        .post(auth, "/rest/api/3/changelog/bulkfetch", &body)
        .await?
        .body)
}
