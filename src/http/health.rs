//! `/healthz` (liveness) and `/readyz` (readiness). Neither calls upstream nor needs a key:
//! readiness reads flags that background probes and the shutdown sequence set.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// What `/readyz` reports.
#[derive(Debug, Default)]
pub struct Readiness {
    shutting_down: AtomicBool,
    failing: Mutex<BTreeMap<String, String>>,
}

impl Readiness {
    /// From now on `/readyz` answers 503.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    /// True once shutdown began.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// Records the outcome of a named check (e.g. `jira`); `Err` makes `/readyz` fail.
    pub fn set_check(&self, name: &str, outcome: Result<(), String>) {
        let mut failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Ok(()) => {
                failing.remove(name);
            }
            Err(reason) => {
                failing.insert(name.to_owned(), reason);
            }
        }
    }

    /// `None` when ready, else the reason.
    pub fn not_ready_reason(&self) -> Option<String> {
        if self.is_shutting_down() {
            return Some("shutting down".into());
        }
        let failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        if failing.is_empty() {
            None
        } else {
            Some(
                failing
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        }
    }
}

/// `GET /healthz`.
pub async fn healthz() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

/// `GET /readyz`.
pub async fn readyz(State(readiness): State<Arc<Readiness>>) -> Response {
    match readiness.not_ready_reason() {
        None => Json(serde_json::json!({"status": "ready"})).into_response(),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "unavailable", "reason": reason})),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_reports_failing_checks_and_shutdown() {
        let r = Readiness::default();
        assert_eq!(r.not_ready_reason(), None);
        r.set_check("jira", Err("unreachable".into()));
        assert_eq!(r.not_ready_reason().as_deref(), Some("jira: unreachable"));
        r.set_check("jira", Ok(()));
        assert_eq!(r.not_ready_reason(), None);
        r.begin_shutdown();
        assert_eq!(r.not_ready_reason().as_deref(), Some("shutting down"));
    }
}
