//! `/healthz` (liveness) and `/readyz` (readiness). Neither calls upstream nor needs a key:
//! readiness reads flags that background probes and the shutdown sequence set.
//!
//! Besides the checks that make `/readyz` answer 503 (upstream unreachable, shutting down),
//! readiness carries *warnings*: problems that do not stop this replica from serving but mean
//! something is wrong, e.g. the last scheduled backup failed, or every MCP request so far was
//! refused by the Host check (a `PUBLIC_BASE_URL` that is not the name clients use). They are
//! listed under `"warnings"` with `/readyz` still 200, so a scanner sending a bad Host can
//! never take a replica out of rotation; `scripts/health_check.sh` turns them into WARN/CRIT.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::guard::HostCheckStats;

/// What `/readyz` reports.
#[derive(Debug, Default)]
pub struct Readiness {
    shutting_down: AtomicBool,
    failing: Mutex<BTreeMap<String, String>>,
    warnings: Mutex<BTreeMap<String, String>>,
    host_check: Arc<HostCheckStats>,
}

impl Readiness {
    /// The Host check's counters, shared with the guard that updates them.
    pub fn host_check(&self) -> Arc<HostCheckStats> {
        self.host_check.clone()
    }

    /// Sets (`Some`) or clears (`None`) a named warning; warnings never make `/readyz` fail.
    pub fn set_warning(&self, name: &str, warning: Option<String>) {
        let mut warnings = self.warnings.lock().unwrap_or_else(PoisonError::into_inner);
        match warning {
            Some(w) => {
                warnings.insert(name.to_owned(), w);
            }
            None => {
                warnings.remove(name);
            }
        }
    }

    /// Every warning in force, by name (the Host check's computed now).
    pub fn warnings(&self) -> BTreeMap<String, String> {
        let mut out = self
            .warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(w) = self.host_check.warning() {
            out.insert("host_check".into(), w);
        }
        out
    }

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

/// `GET /readyz`: 200 `{"status":"ready"}` or 503 with the reason; either with
/// `"warnings": {name: sentence}` when there are any.
pub async fn readyz(State(readiness): State<Arc<Readiness>>) -> Response {
    let warnings = readiness.warnings();
    let (status, mut body) = match readiness.not_ready_reason() {
        None => (StatusCode::OK, serde_json::json!({"status": "ready"})),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"status": "unavailable", "reason": reason}),
        ),
    };
    if !warnings.is_empty() {
        body["warnings"] = serde_json::json!(warnings);
    }
    (status, Json(body)).into_response()
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

    #[test]
    fn warnings_are_listed_and_cleared_without_failing_readiness() {
        let r = Readiness::default();
        r.set_warning("backup", Some("last run failed".into()));
        assert_eq!(r.not_ready_reason(), None);
        assert_eq!(
            r.warnings().get("backup").map(String::as_str),
            Some("last run failed")
        );
        r.set_warning("backup", None);
        assert!(r.warnings().is_empty());
    }
}
