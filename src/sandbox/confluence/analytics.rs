//! Cloud page analytics: `GET /wiki/rest/api/analytics/content/{id}/views`. Views happen in the
//! web UI, not through the REST API, so reads do not count: each page starts with a seeded
//! count derived from its position, and `POST /__sandbox/confluence/view/{id}` records one
//! more view (what a person opening the page would do).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::sandbox::SandboxState;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::model::Store;

const V1: Family = Family::ConfluenceV1;

/// The page's views: the seeded count plus those recorded since.
fn views(store: &Store, idx: usize, id: &str) -> u64 {
    let seeded = 3 + (idx as u64 * 7) % 40;
    seeded + store.page_views.get(id).copied().unwrap_or(0)
}

/// `GET /wiki/rest/api/analytics/content/{contentId}/views`.
pub async fn page_views(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let num: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_request(V1, format!("Invalid content id '{id}'")))?;
    let store = state.store();
    let idx = store
        .page_index(&id)
        .ok_or_else(|| ApiError::not_found(V1, format!("No content with id {id}")))?;
    Ok(Json(json!({"id": num, "count": views(&store, idx, &id)})))
}

/// `POST /__sandbox/confluence/view/{id}`: one person viewed the page.
pub async fn record_view(State(state): State<SandboxState>, Path(id): Path<String>) -> StatusCode {
    let mut store = state.store();
    if store.page_index(&id).is_none() {
        return StatusCode::NOT_FOUND;
    }
    *store.page_views.entry(id).or_insert(0) += 1;
    StatusCode::NO_CONTENT
}
