//! The dev-status API behind the development panel (internal to Jira, undocumented, the
//! same on Cloud and Server/DC): `/rest/dev-status/latest/issue/{summary,detail}`. Both
//! take the numeric issue id, not the key.

use serde_json::Value;

use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;

/// `GET /rest/dev-status/latest/issue/summary?issueId=`: counts per data type and
/// application type.
pub async fn summary(
    client: &ServiceClient,
    auth: &CallAuth,
    issue_id: &str,
) -> Result<Value, AtlassianError> {
    Ok(client
        .get(
            auth,
            "/rest/dev-status/latest/issue/summary",
            &[("issueId", issue_id.to_owned())],
        )
        .await?
        .body)
}

/// `GET /rest/dev-status/latest/issue/detail`: one application type's branches, pull
/// requests or repositories (with commits), by `data_type`.
pub async fn detail(
    client: &ServiceClient,
    auth: &CallAuth,
    issue_id: &str,
    application_type: &str,
    data_type: &str,
) -> Result<Value, AtlassianError> {
    Ok(client
        .get(
            auth,
            "/rest/dev-status/latest/issue/detail",
            &[
                ("issueId", issue_id.to_owned()),
                ("applicationType", application_type.to_owned()),
                ("dataType", data_type.to_owned()),
            ],
        )
        .await?
        .body)
}
