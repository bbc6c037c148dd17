//! Jira Service Management (`/rest/servicedeskapi`, the same paths on Cloud and Server/DC):
//! service desks, queues and their issues, request types and their fields, and creating
//! customer requests. Pages are `start`/`limit` with `isLastPage`.
//!
//! Every call carries `X-ExperimentalApi: opt-in`: Atlassian marks several of these
//! resources experimental (queues on older DC releases, request type fields), answers them
//! only with that header, and ignores it elsewhere.

use reqwest::Method;
use serde_json::Value;

use super::encode;
use crate::atlassian::client::{CallAuth, CallOptions, ServiceClient};
use crate::atlassian::error::AtlassianError;

const BASE: &str = "/rest/servicedeskapi";
const OPT_IN: &[(&str, &str)] = &[("X-ExperimentalApi", "opt-in")];

async fn get(
    client: &ServiceClient,
    auth: &CallAuth,
    path: &str,
    query: &[(&str, String)],
) -> Result<Value, AtlassianError> {
    let opts = CallOptions {
        headers: OPT_IN,
        gateway: false,
    };
    Ok(client
        .call_with(auth, Method::GET, path, query, None, opts)
        .await?
        .body)
}

fn page(start: u64, limit: u64) -> Vec<(&'static str, String)> {
    vec![("start", start.to_string()), ("limit", limit.to_string())]
}

/// `GET /servicedesk` (one page).
pub async fn service_desks(
    client: &ServiceClient,
    auth: &CallAuth,
    start: u64,
    limit: u64,
) -> Result<Value, AtlassianError> {
    get(
        client,
        auth,
        &format!("{BASE}/servicedesk"),
        &page(start, limit),
    )
    .await
}

/// `GET /servicedesk/{id}`.
pub async fn service_desk(
    client: &ServiceClient,
    auth: &CallAuth,
    id: &str,
) -> Result<Value, AtlassianError> {
    get(
        client,
        auth,
        &format!("{BASE}/servicedesk/{}", encode(id)),
        &[],
    )
    .await
}

/// `GET /servicedesk/{id}/queue?includeCount=true` (one page).
pub async fn queues(
    client: &ServiceClient,
    auth: &CallAuth,
    desk: &str,
    start: u64,
    limit: u64,
) -> Result<Value, AtlassianError> {
    let mut q = page(start, limit);
    q.push(("includeCount", "true".into()));
    let path = format!("{BASE}/servicedesk/{}/queue", encode(desk));
    get(client, auth, &path, &q).await
}

/// `GET /servicedesk/{id}/queue/{queueId}?includeCount=true`.
pub async fn queue(
    client: &ServiceClient,
    auth: &CallAuth,
    desk: &str,
    queue: &str,
) -> Result<Value, AtlassianError> {
    let path = format!(
        "{BASE}/servicedesk/{}/queue/{}",
        encode(desk),
        encode(queue)
    );
    get(client, auth, &path, &[("includeCount", "true".into())]).await
}

/// `GET /servicedesk/{id}/queue/{queueId}/issue` (one page of issue beans).
pub async fn queue_issues(
    client: &ServiceClient,
    auth: &CallAuth,
    desk: &str,
    queue: &str,
    start: u64,
    limit: u64,
) -> Result<Value, AtlassianError> {
    let path = format!(
        "{BASE}/servicedesk/{}/queue/{}/issue",
        encode(desk),
        encode(queue)
    );
    get(client, auth, &path, &page(start, limit)).await
}

/// `GET /servicedesk/{id}/requesttype` (one page).
pub async fn request_types(
    client: &ServiceClient,
    auth: &CallAuth,
    desk: &str,
    start: u64,
    limit: u64,
) -> Result<Value, AtlassianError> {
    let path = format!("{BASE}/servicedesk/{}/requesttype", encode(desk));
    get(client, auth, &path, &page(start, limit)).await
}

/// `GET /servicedesk/{id}/requesttype/{requestTypeId}/field`.
pub async fn request_type_fields(
    client: &ServiceClient,
    auth: &CallAuth,
    desk: &str,
    request_type: &str,
) -> Result<Value, AtlassianError> {
    let path = format!(
        "{BASE}/servicedesk/{}/requesttype/{}/field",
        encode(desk),
        encode(request_type)
    );
    get(client, auth, &path, &[]).await
}

/// `POST /request` with `{serviceDeskId, requestTypeId, requestFieldValues,
/// raiseOnBehalfOf?, requestParticipants?}` → the created customer request.
pub async fn create_request(
    client: &ServiceClient,
    auth: &CallAuth,
    body: &Value,
) -> Result<Value, AtlassianError> {
    let opts = CallOptions {
        headers: OPT_IN,
        gateway: false,
    };
    Ok(client
        .call_with(
            auth,
            Method::POST,
            &format!("{BASE}/request"),
            &[],
            Some(body),
            opts,
        )
        .await?
        .body)
}
