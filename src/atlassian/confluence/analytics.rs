//! Page analytics (Cloud only): `GET /rest/api/analytics/content/{id}/views`.

use super::encode;
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;

/// Total views of a page.
pub async fn page_views(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
) -> Result<u64, AtlassianError> {
    let path = format!("/rest/api/analytics/content/{}/views", encode(page_id));
    let v = client.get(auth, &path, &[]).await?.body;
    Ok(v["count"].as_u64().unwrap_or(0))
}
