//! The HTTP face of the server: the axum router, its middleware stack, health and readiness.

pub mod access_log;
pub mod auth;
pub mod guard;
pub mod health;
pub mod metrics;
pub mod router;

pub use health::Readiness;
pub use router::{HttpState, InFlight, build_router};
