//! Sandbox-only admin endpoints (no authentication; never faulted):
//! `GET|POST|DELETE /__sandbox/faults` to read, arm or clear faults, and
//! `POST /__sandbox/reset` to return to the seed data set (also clears faults), and
//! `POST /__sandbox/confluence/concurrent-edit/{page_id}` to make another user edit that page
//! just before the next update of it arrives (a deterministic version conflict), and
//! `POST /__sandbox/confluence/view/{page_id}` to record a page view (Cloud analytics).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::sandbox::SandboxState;
use crate::sandbox::faults::FaultConfig;

/// Admin routes.
pub fn routes() -> Router<SandboxState> {
    Router::new()
        .route(
            "/__sandbox/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/__sandbox/reset", post(reset))
        .route(
            "/__sandbox/confluence/concurrent-edit/{id}",
            post(crate::sandbox::confluence::pages::arm_concurrent_edit),
        )
        .route(
            "/__sandbox/confluence/view/{id}",
            post(crate::sandbox::confluence::analytics::record_view),
        )
}

async fn get_faults(State(s): State<SandboxState>) -> Json<FaultConfig> {
    Json(s.faults().current())
}

async fn set_faults(
    State(s): State<SandboxState>,
    Json(config): Json<FaultConfig>,
) -> Json<FaultConfig> {
    s.faults().set(config);
    Json(s.faults().current())
}

async fn clear_faults(State(s): State<SandboxState>) -> StatusCode {
    s.faults().clear();
    StatusCode::NO_CONTENT
}

async fn reset(State(s): State<SandboxState>) -> StatusCode {
    s.reset();
    StatusCode::NO_CONTENT
}
