//! HTTP side of the metrics: the middleware counting and timing every request on the MCP
//! listener, and the `/metrics` endpoint of the separate metrics listener.
//!
//! A scrape renders the recorder, then the families computed from live state at scrape time
//! (API keys by state and their expiry, process metrics from `/proc`), on a blocking thread
//! because reading procfs is file I/O.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use time::OffsetDateTime;

use crate::security::{KeySet, KeyStore};
use crate::telemetry::metrics::{
    API_KEY_EXPIRY, API_KEYS, method_label, record_http_request, render_empty_families,
    render_process_metrics, route_label,
};
use crate::telemetry::process::{escape_label, write_family};

/// Content type of the Prometheus text exposition format.
pub const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Outermost-but-one layer on the MCP listener: one count and one duration per request.
pub async fn http_metrics(
    State(streamable_path): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let route = route_label(request.uri().path(), &streamable_path);
    let method = method_label(request.method());
    let response = next.run(request).await;
    record_http_request(route, method, response.status().as_u16(), started.elapsed());
    response
}

/// What a scrape reads.
#[derive(Clone)]
pub struct MetricsState {
    /// The installed recorder.
    pub handle: PrometheusHandle,
    /// The live API keys.
    pub keys: Arc<KeyStore>,
}

/// The router of the metrics listener: `GET /metrics` only.
pub fn metrics_router(state: MetricsState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

async fn scrape(State(state): State<MetricsState>) -> Response {
    match tokio::task::spawn_blocking(move || render(&state)).await {
        Ok(text) => ([(header::CONTENT_TYPE, TEXT_FORMAT)], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering the metrics failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The whole scrape body.
pub fn render(state: &MetricsState) -> String {
    let mut out = state.handle.render();
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    render_empty_families(&mut out);
    render_key_metrics(&state.keys.snapshot(), OffsetDateTime::now_utc(), &mut out);
    render_process_metrics(&mut out);
    out
}

/// `mcp_atlassian_api_keys{state}` (every state, zeros included) and the expiry time of each
/// key that works now and has one. `MCP_API_KEY` counts as an active key without expiry.
pub fn render_key_metrics(keys: &KeySet, now: OffsetDateTime, out: &mut String) {
    let (mut active, mut expired, mut revoked) = (0u32, 0u32, 0u32);
    let mut expiries = Vec::new();
    for r in &keys.records {
        if !r.enabled {
            revoked += 1;
        } else if r.expires.is_some_and(|e| now >= e) {
            expired += 1;
        } else {
            active += 1;
            if let Some(e) = r.expires {
                expiries.push((
                    format!("key_id=\"{}\"", escape_label(&r.id)),
                    e.unix_timestamp() as f64,
                ));
            }
        }
    }
    if keys.default_key.is_some() {
        active += 1;
    }
    let states = [
        ("active", active),
        ("expired", expired),
        ("revoked", revoked),
    ]
    .map(|(s, n)| (format!("state=\"{s}\""), f64::from(n)));
    write_family(
        out,
        API_KEYS,
        "gauge",
        "API keys in the keys file (plus MCP_API_KEY), by state (active, expired, revoked).",
        &states,
    );
    write_family(
        out,
        API_KEY_EXPIRY,
        "gauge",
        "Unix time at which each active API key with an expiry stops working.",
        &expiries,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::keys::{KeyRecord, hash_key};

    fn record(id: &str, enabled: bool, expires: Option<OffsetDateTime>) -> KeyRecord {
        KeyRecord {
            id: id.into(),
            hash: hash_key(id),
            previous_hash: None,
            previous_valid_until: None,
            created: None,
            expires,
            write: true,
            enabled,
            per_minute: None,
            per_hour: None,
        }
    }

    #[test]
    fn keys_are_counted_by_state_and_only_working_keys_report_an_expiry() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
        let set = KeySet {
            records: vec![
                record("ci", true, Some(now + time::Duration::days(3))),
                record("old", true, Some(now - time::Duration::days(1))),
                record("gone", false, Some(now + time::Duration::days(3))),
                record("forever", true, None),
            ],
            default_key: Some(hash_key("x")),
            required: true,
        };
        let mut out = String::new();
        render_key_metrics(&set, now, &mut out);
        assert!(
            out.contains("mcp_atlassian_api_keys{state=\"active\"} 3\n"),
            "{out}"
        );
        assert!(
            out.contains("mcp_atlassian_api_keys{state=\"expired\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains("mcp_atlassian_api_keys{state=\"revoked\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains(
                "mcp_atlassian_api_key_expiry_timestamp_seconds{key_id=\"ci\"} 1800259200\n"
            ),
            "{out}"
        );
        assert_eq!(out.matches("key_id=").count(), 1, "{out}");
    }
}
