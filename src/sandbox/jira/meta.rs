//! `GET /myself` and `GET /serverInfo` for both flavours.

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::flavour;
use crate::sandbox::jira::render::{Ctx, Flavour};
use crate::sandbox::timefmt::{jira as ts, now_secs};
use crate::sandbox::{SandboxState, base_url};

/// `GET /rest/api/{2,3}/myself`.
pub async fn myself(
    State(state): State<SandboxState>,
    Path(ver): Path<String>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    let user = store
        .users
        .get(me)
        .ok_or_else(|| ApiError::not_found(Family::Jira, "The user does not exist"))?;
    Ok(Json(
        Ctx {
            store: &store,
            flavour,
            base: &base,
        }
        .myself(user),
    ))
}

/// `GET /rest/api/{2,3}/serverInfo`.
pub async fn server_info(
    Path(ver): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let now = ts(now_secs());
    Ok(Json(match flavour(&ver)? {
        Flavour::V3 => json!({
            "baseUrl": base, "displayUrl": base, "version": "1001.0.0-SNAPSHOT", "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud", "buildNumber": 100_289, "buildDate": "2026-07-01T00:00:00.000+0000",
            "serverTime": now, "scmInfo": "sandbox", "serverTitle": "Jira Sandbox",
            "serverTimeZone": "Etc/UTC",
        }),
        Flavour::V2 => json!({
            "baseUrl": base, "version": "10.3.0", "versionNumbers": [10, 3, 0], "deploymentType": "Server",
            "buildNumber": 10_030_000, "buildDate": "2024-12-01T00:00:00.000+0000", "serverTime": now,
            "scmInfo": "sandbox", "serverTitle": "Jira Sandbox",
        }),
    }))
}
