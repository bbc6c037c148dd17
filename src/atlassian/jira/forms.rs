//! Jira Forms (formerly ProForma) on Cloud: the Forms REST API lives on the API gateway,
//! `{ATLASSIAN_OAUTH_API_BASE}/jira/forms/cloud/{cloudId}/issue/{issueIdOrKey}/form...`,
//! and takes the same credentials as the site (basic e-mail + token, or OAuth). Server/DC
//! has no such API.

use reqwest::Method;
use serde_json::{Value, json};

use super::encode;
use crate::atlassian::client::{CallAuth, CallOptions, ServiceClient};
use crate::atlassian::error::AtlassianError;

const GATEWAY: CallOptions<'static> = CallOptions {
    headers: &[],
    gateway: true,
};

async fn base(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
) -> Result<String, AtlassianError> {
    let cloud = client.cloud_id(auth).await?;
    Ok(format!(
        "/jira/forms/cloud/{}/issue/{}/form",
        encode(&cloud),
        encode(issue)
    ))
}

/// `GET .../issue/{key}/form`: the form index (a JSON array of forms).
pub async fn list(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
) -> Result<Value, AtlassianError> {
    let path = base(client, auth, issue).await?;
    Ok(client
        .call_with(auth, Method::GET, &path, &[], None, GATEWAY)
        .await?
        .body)
}

/// `GET .../issue/{key}/form/{formId}`: design (questions) and state (answers, status).
pub async fn get(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
    form: &str,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/{}", base(client, auth, issue).await?, encode(form));
    Ok(client
        .call_with(auth, Method::GET, &path, &[], None, GATEWAY)
        .await?
        .body)
}

/// `PUT .../issue/{key}/form/{formId}` with `{"answers": {questionId: answer}}` → the form.
pub async fn save_answers(
    client: &ServiceClient,
    auth: &CallAuth,
    issue: &str,
    form: &str,
    answers: &serde_json::Map<String, Value>,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/{}", base(client, auth, issue).await?, encode(form));
    let body = json!({ "answers": answers });
    Ok(client
        .call_with(auth, Method::PUT, &path, &[], Some(&body), GATEWAY)
        .await?
        .body)
}
