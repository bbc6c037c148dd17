//! Prometheus metrics: every metric name, its HELP text and buckets, the one global recorder,
//! and small recording functions the hot paths call (`record_tool_call`, `record_upstream`,
//! ...). `docs/metrics.md` documents each family; keep the two in step.
//!
//! Invariants: label values are bounded sets of `&'static str` (routes, methods, status
//! classes, tool names from the registry, outcomes, reasons), never issue keys, session ids or
//! IPs; recording takes no lock held across an await and allocates nothing where a static
//! string will do. Without an installed recorder every call is a no-op (stdio, unit tests).

use std::collections::HashSet;
use std::future::Future;
use std::sync::{OnceLock, RwLock};
use std::time::Duration;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub use super::process::render_process_metrics;

/// `mcp_atlassian_http_requests_total{route,method,status_class}`.
pub const HTTP_REQUESTS_TOTAL: &str = "mcp_atlassian_http_requests_total";
/// `mcp_atlassian_http_request_duration_seconds{route,method}`.
pub const HTTP_REQUEST_DURATION: &str = "mcp_atlassian_http_request_duration_seconds";
/// `mcp_atlassian_tool_calls_total{tool,outcome}`.
pub const TOOL_CALLS_TOTAL: &str = "mcp_atlassian_tool_calls_total";
/// `mcp_atlassian_tool_call_duration_seconds{tool}`.
pub const TOOL_CALL_DURATION: &str = "mcp_atlassian_tool_call_duration_seconds";
/// `mcp_atlassian_tool_result_bytes{tool}`: bytes of content a tool call put into the model's
/// context (text, plus the base64 data of images and embedded files).
pub const TOOL_RESULT_BYTES: &str = "mcp_atlassian_tool_result_bytes";
/// `mcp_atlassian_tools_list_bytes{mode}`: bytes of the `tools` array of a `tools/list` answer.
pub const TOOLS_LIST_BYTES: &str = "mcp_atlassian_tools_list_bytes";
/// `mcp_atlassian_sessions_active{transport}`.
pub const SESSIONS_ACTIVE: &str = "mcp_atlassian_sessions_active";
/// `mcp_atlassian_sessions_total{transport}`.
pub const SESSIONS_TOTAL: &str = "mcp_atlassian_sessions_total";
/// `mcp_atlassian_sessions_closed_total{reason}`: sessions the server closed itself.
pub const SESSIONS_CLOSED_TOTAL: &str = "mcp_atlassian_sessions_closed_total";
/// `mcp_atlassian_capacity_refused_total{cap}`: new sessions or streams refused by a cap.
pub const CAPACITY_REFUSED_TOTAL: &str = "mcp_atlassian_capacity_refused_total";
/// `mcp_atlassian_auth_failures_total{reason}`.
pub const AUTH_FAILURES_TOTAL: &str = "mcp_atlassian_auth_failures_total";
/// `mcp_atlassian_rate_limited_total{scope}`.
pub const RATE_LIMITED_TOTAL: &str = "mcp_atlassian_rate_limited_total";
/// `mcp_atlassian_rate_limit_backend_errors_total`.
pub const RATE_LIMIT_BACKEND_ERRORS_TOTAL: &str = "mcp_atlassian_rate_limit_backend_errors_total";
/// `mcp_atlassian_upstream_requests_total{service,method,status_class}`.
pub const UPSTREAM_REQUESTS_TOTAL: &str = "mcp_atlassian_upstream_requests_total";
/// `mcp_atlassian_upstream_request_duration_seconds{service}`.
pub const UPSTREAM_REQUEST_DURATION: &str = "mcp_atlassian_upstream_request_duration_seconds";
/// `mcp_atlassian_upstream_retries_total{service,reason}`.
pub const UPSTREAM_RETRIES_TOTAL: &str = "mcp_atlassian_upstream_retries_total";
/// `mcp_atlassian_upstream_throttled_total{service}`.
pub const UPSTREAM_THROTTLED_TOTAL: &str = "mcp_atlassian_upstream_throttled_total";
/// `mcp_atlassian_upstream_up{service}`.
pub const UPSTREAM_UP: &str = "mcp_atlassian_upstream_up";
/// `mcp_atlassian_api_keys{state}` (rendered at scrape time from the live key set).
pub const API_KEYS: &str = "mcp_atlassian_api_keys";
/// `mcp_atlassian_api_key_expiry_timestamp_seconds{key_id}` (rendered at scrape time).
pub const API_KEY_EXPIRY: &str = "mcp_atlassian_api_key_expiry_timestamp_seconds";
/// `mcp_atlassian_backup_runs_total{outcome}` (recorded by the backup scheduler).
pub const BACKUP_RUNS_TOTAL: &str = "mcp_atlassian_backup_runs_total";
/// `mcp_atlassian_backup_last_success_timestamp_seconds` (recorded by the backup scheduler).
pub const BACKUP_LAST_SUCCESS: &str = "mcp_atlassian_backup_last_success_timestamp_seconds";
/// `mcp_atlassian_backup_last_size_bytes` (recorded by the backup scheduler).
pub const BACKUP_LAST_SIZE: &str = "mcp_atlassian_backup_last_size_bytes";
/// `mcp_atlassian_build_info{version}`, always 1.
pub const BUILD_INFO: &str = "mcp_atlassian_build_info";

/// Values of `outcome` on `mcp_atlassian_backup_runs_total`.
pub const BACKUP_OUTCOMES: [&str; 2] = ["ok", "error"];
/// Values of `transport` on the session families.
pub const TRANSPORTS: [&str; 3] = ["streamable_http", "sse", "stdio"];
/// Values of `reason` on `mcp_atlassian_sessions_closed_total`.
pub const SESSION_CLOSE_REASONS: [&str; 3] = ["idle", "stream_idle", "key_invalid"];
/// Values of `cap` on `mcp_atlassian_capacity_refused_total`.
pub const CAPACITY_CAPS: [&str; 4] = [
    "sessions_per_key",
    "sessions_total",
    "streams_per_key",
    "streams_total",
];
/// Values of `scope` on `mcp_atlassian_rate_limited_total`.
pub const RATE_LIMIT_SCOPES: [&str; 5] = [
    "key_minute",
    "key_hour",
    "ip_minute",
    "ip_hour",
    "auth_failures",
];
/// Values of `reason` on `mcp_atlassian_auth_failures_total`.
pub const AUTH_FAILURE_REASONS: [&str; 6] = [
    "missing",
    "unknown",
    "expired",
    "revoked",
    "key_in_url",
    "session_mismatch",
];
/// Values of `outcome` on `mcp_atlassian_tool_calls_total`.
pub const TOOL_OUTCOMES: [&str; 5] = [
    "ok",
    "tool_error",
    "upstream_error",
    "denied",
    "rate_limited",
];

/// Values of the `mode` label of [`TOOLS_LIST_BYTES`]: the tools `TOOLSETS` selects, as a
/// full or a read-only key sees them, narrowed by the request's `X-MCP-Toolsets`, or a
/// `TOOLSETS=dynamic` session's discovery tools plus what it enabled.
pub const TOOLS_LIST_MODES: [&str; 4] = ["static", "static_read_only", "header", "dynamic"];

/// Buckets of the two byte histograms (tool results, tools/list): 256 B to 4 MiB. A lean
/// result is under 1 KiB; a page or an attachment can reach megabytes.
pub const BYTES_BUCKETS: &[f64] = &[
    256.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0, 32768.0, 65536.0, 131072.0, 524288.0,
    1048576.0, 4194304.0,
];

/// Buckets of the HTTP request histogram, in seconds: 5 ms to 60 s (SSE streams that stay
/// open longer land in +Inf).
pub const HTTP_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// Buckets of the tool call histogram, in seconds: 10 ms to 60 s (a call waits out at most a
/// few upstream retries).
pub const TOOL_BUCKETS: &[f64] = &[
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// Buckets of the upstream request histogram, in seconds: 5 ms to 30 s (the client timeout).
pub const UPSTREAM_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The recorder could not be installed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot install the metrics recorder: {0}")]
pub struct MetricsError(String);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder (once; later calls return the same handle),
/// describes every family and registers the ones that must exist before their first event.
pub fn install() -> Result<PrometheusHandle, MetricsError> {
    if let Some(h) = HANDLE.get() {
        return Ok(h.clone());
    }
    let builder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_REQUEST_DURATION.into()), HTTP_BUCKETS)
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full(TOOL_CALL_DURATION.into()), TOOL_BUCKETS)
        })
        .and_then(|b| {
            b.set_buckets_for_metric(
                Matcher::Full(UPSTREAM_REQUEST_DURATION.into()),
                UPSTREAM_BUCKETS,
            )
        })
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full(TOOL_RESULT_BYTES.into()), BYTES_BUCKETS)
        })
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full(TOOLS_LIST_BYTES.into()), BYTES_BUCKETS)
        })
        .map_err(|e| MetricsError(e.to_string()))?;
    // Two threads may race here; only one recorder can win, the other reads its handle.
    let handle = HANDLE.get_or_init(|| {
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows only what this one records");
        }
        handle
    });
    describe();
    register_initial();
    Ok(handle.clone())
}

/// HELP text and units for every family the recorder holds.
fn describe() {
    describe_counter!(
        HTTP_REQUESTS_TOTAL,
        "HTTP requests answered, by route, method and status class."
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "Time from request to response headers, by route and method."
    );
    describe_counter!(
        TOOL_CALLS_TOTAL,
        "MCP tool calls, by tool and outcome (ok, tool_error, upstream_error, denied, rate_limited)."
    );
    describe_histogram!(
        TOOL_CALL_DURATION,
        Unit::Seconds,
        "Time a tool call took, by tool."
    );
    describe_histogram!(
        TOOL_RESULT_BYTES,
        Unit::Bytes,
        "Bytes of content a tool call returned into the model's context, by tool."
    );
    describe_histogram!(
        TOOLS_LIST_BYTES,
        Unit::Bytes,
        "Bytes of the tools array a tools/list answer carried, by session mode."
    );
    describe_gauge!(SESSIONS_ACTIVE, "MCP sessions open now, by transport.");
    describe_counter!(SESSIONS_TOTAL, "MCP sessions opened, by transport.");
    describe_counter!(
        SESSIONS_CLOSED_TOTAL,
        "MCP sessions the server closed itself, by reason (idle, stream_idle, key_invalid)."
    );
    describe_counter!(
        CAPACITY_REFUSED_TOTAL,
        "New MCP sessions or SSE streams refused by a cap, by cap (sessions_per_key, sessions_total, streams_per_key, streams_total)."
    );
    describe_counter!(
        AUTH_FAILURES_TOTAL,
        "Requests refused for their API key, by reason."
    );
    describe_counter!(
        RATE_LIMITED_TOTAL,
        "Requests refused by a rate limit, by scope."
    );
    describe_counter!(
        RATE_LIMIT_BACKEND_ERRORS_TOTAL,
        "Rate-limit checks the shared backend (Redis) could not answer."
    );
    describe_counter!(
        UPSTREAM_REQUESTS_TOTAL,
        "HTTP requests sent to Jira/Confluence (each attempt), by service, method and status class."
    );
    describe_histogram!(
        UPSTREAM_REQUEST_DURATION,
        Unit::Seconds,
        "Time one upstream attempt took, by service."
    );
    describe_counter!(
        UPSTREAM_RETRIES_TOTAL,
        "Upstream attempts retried, by service and reason."
    );
    describe_counter!(
        UPSTREAM_THROTTLED_TOTAL,
        "429 and 503 answers from Atlassian, by service."
    );
    describe_gauge!(
        UPSTREAM_UP,
        "1 when the readiness probe last reached the service with the server's credentials, else 0."
    );
    describe_counter!(
        BACKUP_RUNS_TOTAL,
        "Configuration backup runs, by outcome (ok, error)."
    );
    describe_gauge!(
        BACKUP_LAST_SUCCESS,
        Unit::Seconds,
        "Unix time of the last successful backup."
    );
    describe_gauge!(
        BACKUP_LAST_SIZE,
        Unit::Bytes,
        "Size of the last successful backup archive."
    );
    describe_gauge!(
        BUILD_INFO,
        "Always 1; the version label names the running build."
    );
}

/// Families an alert needs before their first event: counters at zero for every label value,
/// and the build info. The backup last-success gauge is deliberately left absent until a
/// backup succeeds, so "backup missing" fires on a server that never backed up.
fn register_initial() {
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    for outcome in BACKUP_OUTCOMES {
        counter!(BACKUP_RUNS_TOTAL, "outcome" => outcome).absolute(0);
    }
    for transport in TRANSPORTS {
        counter!(SESSIONS_TOTAL, "transport" => transport).absolute(0);
        gauge!(SESSIONS_ACTIVE, "transport" => transport).increment(0.0);
    }
    for scope in RATE_LIMIT_SCOPES {
        counter!(RATE_LIMITED_TOTAL, "scope" => scope).absolute(0);
    }
    for reason in SESSION_CLOSE_REASONS {
        counter!(SESSIONS_CLOSED_TOTAL, "reason" => reason).absolute(0);
    }
    for cap in CAPACITY_CAPS {
        counter!(CAPACITY_REFUSED_TOTAL, "cap" => cap).absolute(0);
    }
    for reason in AUTH_FAILURE_REASONS {
        counter!(AUTH_FAILURES_TOTAL, "reason" => reason).absolute(0);
    }
    counter!(RATE_LIMIT_BACKEND_ERRORS_TOTAL).absolute(0);
    gauge!(BACKUP_LAST_SIZE).set(0.0);
}

/// Appends the HELP and TYPE of families that exist without a sample yet (the recorder only
/// renders what has a value): the backup last-success time before the first success.
pub fn render_empty_families(out: &mut String) {
    if !out.contains(&format!("# TYPE {BACKUP_LAST_SUCCESS} ")) {
        out.push_str(&format!(
            "# HELP {BACKUP_LAST_SUCCESS} Unix time of the last successful backup.\n# TYPE {BACKUP_LAST_SUCCESS} gauge\n\n"
        ));
    }
}

/// Registers the tools of a registry at zero for every outcome, so a tool's error ratio is
/// defined (0) before its first failure.
pub fn register_tools(names: impl IntoIterator<Item = &'static str>) {
    let mut known = KNOWN_TOOLS
        .get_or_init(Default::default)
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for tool in names {
        known.insert(tool);
        for outcome in TOOL_OUTCOMES {
            counter!(TOOL_CALLS_TOTAL, "tool" => tool, "outcome" => outcome).absolute(0);
        }
    }
}

/// Tool names registered so far: the only values the `tool` label takes.
static KNOWN_TOOLS: OnceLock<RwLock<HashSet<&'static str>>> = OnceLock::new();

/// The registered tool of this name, as a static label value; `None` for any other string (a
/// client-chosen name must never become a label value).
pub fn known_tool(name: &str) -> Option<&'static str> {
    KNOWN_TOOLS
        .get()?
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(name)
        .copied()
}

/// Registers `service` for the upstream families (throttled at zero).
pub fn register_service(service: &'static str) {
    counter!(UPSTREAM_THROTTLED_TOTAL, "service" => service).absolute(0);
}

/// The bounded `route` label of an HTTP request path.
pub fn route_label(path: &str, streamable_path: &str) -> &'static str {
    match path {
        "/sse" => "/sse",
        "/messages" | "/messages/" => "/messages",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        p if p == streamable_path => "/mcp",
        _ => "other",
    }
}

/// The bounded `method` label of an HTTP method.
pub fn method_label(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::DELETE => "DELETE",
        http::Method::PATCH => "PATCH",
        http::Method::HEAD => "HEAD",
        http::Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `1xx`..`5xx` (`error` for no status at all: the request never got an answer).
pub fn status_class(status: Option<u16>) -> &'static str {
    match status {
        Some(100..=199) => "1xx",
        Some(200..=299) => "2xx",
        Some(300..=399) => "3xx",
        Some(400..=499) => "4xx",
        Some(500..=599) => "5xx",
        _ => "error",
    }
}

/// One answered HTTP request on the MCP listener.
pub fn record_http_request(route: &'static str, method: &'static str, status: u16, took: Duration) {
    counter!(HTTP_REQUESTS_TOTAL, "route" => route, "method" => method, "status_class" => status_class(Some(status))).increment(1);
    histogram!(HTTP_REQUEST_DURATION, "route" => route, "method" => method)
        .record(took.as_secs_f64());
}

/// One tool call and how it ended (`outcome` is one of [`TOOL_OUTCOMES`]).
pub fn record_tool_call(tool: &'static str, outcome: &'static str, took: Option<Duration>) {
    counter!(TOOL_CALLS_TOTAL, "tool" => tool, "outcome" => outcome).increment(1);
    if let Some(took) = took {
        histogram!(TOOL_CALL_DURATION, "tool" => tool).record(took.as_secs_f64());
    }
}

/// What one tool call put into the model's context, in bytes.
pub fn record_tool_result_bytes(tool: &'static str, bytes: usize) {
    histogram!(TOOL_RESULT_BYTES, "tool" => tool).record(bytes as f64);
}

/// The size of one `tools/list` answer's tools (`mode` is one of [`TOOLS_LIST_MODES`]).
pub fn record_tools_list_bytes(mode: &'static str, bytes: usize) {
    histogram!(TOOLS_LIST_BYTES, "mode" => mode).record(bytes as f64);
}

/// A refused API key (`reason` is one of [`AUTH_FAILURE_REASONS`]).
pub fn record_auth_failure(reason: &'static str) {
    counter!(AUTH_FAILURES_TOTAL, "reason" => reason).increment(1);
}

/// A request refused by a rate limit (`scope` is one of [`RATE_LIMIT_SCOPES`]).
pub fn record_rate_limited(scope: &'static str) {
    counter!(RATE_LIMITED_TOTAL, "scope" => scope).increment(1);
}

/// A session the server closed (`reason` is one of [`SESSION_CLOSE_REASONS`]).
pub fn record_session_closed(reason: &'static str) {
    counter!(SESSIONS_CLOSED_TOTAL, "reason" => reason).increment(1);
}

/// A new session or stream refused by a cap (`cap` is one of [`CAPACITY_CAPS`]).
pub fn record_capacity_refused(cap: &'static str) {
    counter!(CAPACITY_REFUSED_TOTAL, "cap" => cap).increment(1);
}

/// A rate-limit check the shared backend could not answer.
pub fn record_rate_limit_backend_error() {
    counter!(RATE_LIMIT_BACKEND_ERRORS_TOTAL).increment(1);
}

/// One upstream attempt: its status (`None` when no answer came) and duration.
pub fn record_upstream(
    service: &'static str,
    method: &'static str,
    status: Option<u16>,
    took: Duration,
) {
    counter!(UPSTREAM_REQUESTS_TOTAL, "service" => service, "method" => method, "status_class" => status_class(status)).increment(1);
    histogram!(UPSTREAM_REQUEST_DURATION, "service" => service).record(took.as_secs_f64());
    if matches!(status, Some(429 | 503)) {
        counter!(UPSTREAM_THROTTLED_TOTAL, "service" => service).increment(1);
    }
}

/// A backup run that wrote its file: counts it and sets the last-success time and size.
pub fn record_backup_success(size_bytes: u64, unix_seconds: i64) {
    counter!(BACKUP_RUNS_TOTAL, "outcome" => "ok").increment(1);
    gauge!(BACKUP_LAST_SUCCESS).set(unix_seconds as f64);
    gauge!(BACKUP_LAST_SIZE).set(size_bytes as f64);
}

/// A backup run that failed (the previous backups are untouched).
pub fn record_backup_failure() {
    counter!(BACKUP_RUNS_TOTAL, "outcome" => "error").increment(1);
}

/// An upstream attempt that is retried (`reason`: rate_limited, server_error, transport).
pub fn record_upstream_retry(service: &'static str, reason: &'static str) {
    counter!(UPSTREAM_RETRIES_TOTAL, "service" => service, "reason" => reason).increment(1);
}

/// The readiness probe's verdict on a service.
pub fn set_upstream_up(service: &'static str, up: bool) {
    gauge!(UPSTREAM_UP, "service" => service).set(if up { 1.0 } else { 0.0 });
}

/// Counts an open session for as long as it lives.
#[derive(Debug)]
pub struct SessionGauge(&'static str);

impl SessionGauge {
    /// A session on `transport` (one of [`TRANSPORTS`]) opened.
    pub fn open(transport: &'static str) -> SessionGauge {
        counter!(SESSIONS_TOTAL, "transport" => transport).increment(1);
        gauge!(SESSIONS_ACTIVE, "transport" => transport).increment(1.0);
        SessionGauge(transport)
    }
}

impl Drop for SessionGauge {
    fn drop(&mut self) {
        gauge!(SESSIONS_ACTIVE, "transport" => self.0).decrement(1.0);
    }
}

tokio::task_local! {
    /// Set by `upstream_error` inside a tool call: the tool failed because Atlassian did.
    static UPSTREAM_FAILED: std::cell::Cell<bool>;
}

/// Runs a tool call, reporting whether it ended in an upstream failure (see
/// [`note_upstream_failure`]).
pub async fn watch_tool_call<F: Future>(call: F) -> (F::Output, bool) {
    UPSTREAM_FAILED
        .scope(std::cell::Cell::new(false), async move {
            let out = call.await;
            (out, UPSTREAM_FAILED.with(std::cell::Cell::get))
        })
        .await
}

/// Marks the running tool call as failed upstream (no-op outside [`watch_tool_call`]).
pub fn note_upstream_failure() {
    let _ = UPSTREAM_FAILED.try_with(|c| c.set(true));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_a_bounded_set() {
        assert_eq!(route_label("/mcp", "/mcp"), "/mcp");
        assert_eq!(route_label("/custom", "/custom"), "/mcp");
        assert_eq!(route_label("/messages/", "/mcp"), "/messages");
        assert_eq!(route_label("/wp-admin/x.php", "/mcp"), "other");
        assert_eq!(status_class(Some(429)), "4xx");
        assert_eq!(status_class(None), "error");
    }

    #[tokio::test]
    async fn an_upstream_failure_is_seen_only_by_its_own_call() {
        let ((), failed) = watch_tool_call(async { note_upstream_failure() }).await;
        assert!(failed);
        let ((), failed) = watch_tool_call(async {}).await;
        assert!(!failed);
        note_upstream_failure(); // outside a call: nothing to mark, no panic
    }
}
