//! The HTTP face of the server: the listener (with its connection timeouts), the axum router
//! and its middleware stack (client IP, key check, body peek, budgets and session caps),
//! health and readiness, and the session sweep.

pub mod access_log;
pub mod auth;
pub mod client_addr;
pub mod guard;
pub mod guarded;
pub mod health;
pub mod limits;
pub mod metrics;
pub mod peek;
pub mod priming;
pub mod refusal;
pub mod router;
pub mod serve;
pub mod upkeep;

pub use health::Readiness;
pub use router::{HttpState, InFlight, build_router};
