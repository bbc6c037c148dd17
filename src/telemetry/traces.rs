//! OpenTelemetry traces: the OTLP exporter, and the spans of DESIGN.md §8.
//!
//! Spans are ordinary `tracing` spans with OpenTelemetry field names (`otel.name`,
//! `otel.kind`, semantic-convention attributes); `tracing-opentelemetry` turns them into OTel
//! spans. Three kinds exist: the HTTP request (server), `tools/call {tool}` (server, MCP
//! semantic conventions) and one client span per upstream Atlassian call, with retries as span
//! events. A caller's W3C `traceparent` — HTTP header, or `params._meta.traceparent` in the
//! MCP request, which wins because it names the exact caller of this one message — continues
//! the caller's trace.
//!
//! Export never sits on the request path: finished spans go into the SDK batch processor's
//! bounded queue (dropped when full) and a background thread exports them with a timeout, so
//! a slow or dead collector costs a request nothing. [`shutdown`] flushes what is queued.
//! When no endpoint is configured, every helper here returns a disabled span and the
//! middleware passes requests straight through.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracerProvider,
};
use tracing::{Instrument, Span, field};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::registry::LookupSpan;

use super::TelemetryError;
use crate::config::{OtelConfig, OtlpProtocol, TraceSampler};

/// Target of events that exist only to become span events (retries), not log lines.
pub const SPAN_EVENT_TARGET: &str = "mcp_atlassian_span_event";

static ENABLED: AtomicBool = AtomicBool::new(false);
static PROVIDER: Mutex<Option<SdkTracerProvider>> = Mutex::new(None);

/// How long [`shutdown`] waits for the last export.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

// Integers are recorded as i64: tracing-opentelemetry turns unsigned values into strings.

/// Whether spans are exported.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

fn sampler(s: &TraceSampler) -> Sampler {
    match s {
        TraceSampler::AlwaysOn => Sampler::AlwaysOn,
        TraceSampler::AlwaysOff => Sampler::AlwaysOff,
        TraceSampler::Ratio(r) => Sampler::TraceIdRatioBased(*r),
        TraceSampler::ParentBased(inner) => Sampler::ParentBased(Box::new(sampler(inner))),
    }
}

/// Builds the exporter and the tracing layer feeding it. The gRPC exporter's connection lives
/// on the Tokio runtime, so call this inside one (`Runtime::enter`).
pub fn layer<S>(cfg: &OtelConfig) -> Result<impl Layer<S> + use<S>, TelemetryError>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    let exporter = match cfg.protocol {
        OtlpProtocol::HttpProtobuf => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(cfg.endpoint.as_str())
            .with_timeout(cfg.timeout)
            .with_headers(cfg.headers.iter().cloned().collect())
            .build(),
        OtlpProtocol::Grpc => {
            let mut headers = http::HeaderMap::new();
            for (k, v) in &cfg.headers {
                // Validated by the config reader; a failure here cannot happen.
                if let (Ok(k), Ok(v)) = (
                    http::HeaderName::from_bytes(k.as_bytes()),
                    http::HeaderValue::from_str(v),
                ) {
                    headers.insert(k, v);
                }
            }
            opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(cfg.endpoint.as_str())
                .with_timeout(cfg.timeout)
                .with_metadata(
                    opentelemetry_otlp::tonic_types::metadata::MetadataMap::from_headers(headers),
                )
                .build()
        }
    }
    .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
    // Default batch settings (queue 2048, export every 5 s; OTEL_BSP_* adjust them): the
    // queue is bounded and drops spans when full rather than slowing requests.
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(BatchConfigBuilder::default().build())
        .build();
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(cfg.service_name.clone())
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_sampler(sampler(&cfg.sampler))
        .with_resource(resource)
        .build();
    let tracer = provider.tracer("mcp-atlassian");
    if let Ok(mut slot) = PROVIDER.lock() {
        *slot = Some(provider);
    }
    ENABLED.store(true, Ordering::Relaxed);
    let targets = Targets::new()
        .with_target("mcp_atlassian", tracing::Level::INFO)
        .with_target(SPAN_EVENT_TARGET, tracing::Level::INFO);
    Ok(tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(targets))
}

/// Exports the spans still queued and stops the exporter (waits at most 5 s). Idempotent.
pub async fn shutdown() {
    let provider = PROVIDER.lock().ok().and_then(|mut p| p.take());
    let Some(provider) = provider else { return };
    ENABLED.store(false, Ordering::Relaxed);
    // The SDK blocks while it flushes; keep that off the async workers.
    let outcome =
        tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(SHUTDOWN_TIMEOUT)).await;
    match outcome {
        Ok(Ok(())) => tracing::debug!("trace exporter flushed"),
        Ok(Err(e)) => tracing::warn!(error = %e, "could not flush the last traces"),
        Err(e) => tracing::warn!(error = %e, "the trace flush task failed"),
    }
}

/// The OTel context a W3C `traceparent` (and optional `tracestate`) names, if it parses.
pub fn remote_context(
    traceparent: &str,
    tracestate: Option<&str>,
) -> Option<opentelemetry::Context> {
    let mut carrier = std::collections::HashMap::new();
    carrier.insert("traceparent".to_owned(), traceparent.to_owned());
    if let Some(state) = tracestate {
        carrier.insert("tracestate".to_owned(), state.to_owned());
    }
    let cx = TraceContextPropagator::new().extract(&carrier);
    cx.span().span_context().is_valid().then_some(cx)
}

/// The trace and span id of the active OTel span, for log lines.
pub fn current_ids() -> Option<(String, String)> {
    if !enabled() {
        return None;
    }
    let cx = opentelemetry::Context::current();
    let span = cx.span();
    let sc = span.span_context();
    sc.is_valid()
        .then(|| (sc.trace_id().to_string(), sc.span_id().to_string()))
}

/// The server span of the HTTP request that carried an MCP message, for the MCP handler,
/// which runs in a session task outside the request's future.
#[derive(Clone, Debug)]
pub struct HttpSpan(pub Span);

/// The caller's context from the `traceparent` / `tracestate` headers.
fn header_context(headers: &http::HeaderMap) -> Option<opentelemetry::Context> {
    let traceparent = headers.get("traceparent")?.to_str().ok()?;
    let tracestate = headers.get("tracestate").and_then(|v| v.to_str().ok());
    remote_context(traceparent, tracestate)
}

/// Middleware: a server span per HTTP request (health checks excluded), continuing an
/// incoming `traceparent` header; the span lasts until the response body ends.
pub async fn http_server_span(mut request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    if !enabled() || matches!(route.as_deref(), Some("/healthz" | "/readyz")) {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let name = match &route {
        Some(r) => format!("{method} {r}"),
        None => method.clone(),
    };
    let span = tracing::info_span!(
        "http request",
        otel.name = name,
        otel.kind = "server",
        http.request.method = method,
        url.path = request.uri().path(),
        http.route = route.as_deref(),
        http.response.status_code = field::Empty,
        otel.status_code = field::Empty,
    );
    if let Some(cx) = header_context(request.headers()) {
        let _ = span.set_parent(cx);
    }
    request.extensions_mut().insert(HttpSpan(span.clone()));
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    span.record("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.record("otel.status_code", "error");
    }
    // Streamed answers (SSE) are only done when their body ends: the span goes with it.
    let (parts, body) = response.into_parts();
    let stream = futures::StreamExt::map(body.into_data_stream(), move |chunk| {
        let _keep = &span;
        chunk
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// The `tools/call {tool}` span (MCP semantic conventions). Its parent is the caller's
/// `params._meta.traceparent` when given, else the HTTP request span.
pub fn tool_call_span(
    tool: &str,
    session_id: Option<&str>,
    request_id: &str,
    meta_traceparent: Option<(&str, Option<&str>)>,
    http: Option<&HttpSpan>,
) -> Span {
    if !enabled() {
        return Span::none();
    }
    let span = tracing::info_span!(
        parent: http.map(|h| h.0.id()).unwrap_or(None),
        "tools/call",
        otel.name = format!("tools/call {tool}"),
        otel.kind = "server",
        mcp.method.name = "tools/call",
        gen_ai.operation.name = "execute_tool",
        gen_ai.tool.name = tool,
        mcp.session.id = session_id,
        jsonrpc.request.id = request_id,
        network.transport = "tcp",
        error.type = field::Empty,
        otel.status_code = field::Empty,
    );
    if let Some(cx) = meta_traceparent.and_then(|(tp, ts)| remote_context(tp, ts)) {
        let _ = span.set_parent(cx);
    }
    span
}

/// Marks a failed tool call: `error.type` is `tool_error` for an `isError` result, or the
/// JSON-RPC error code.
pub fn tool_call_failed(span: &Span, error_type: &str) {
    span.record("error.type", error_type);
    span.record("otel.status_code", "error");
}

/// The client span of one upstream Atlassian call (all its attempts); the target is added
/// by [`upstream_target`] once the URL is known.
pub fn upstream_span(product: &str, method: &str) -> Span {
    if !enabled() {
        return Span::none();
    }
    tracing::info_span!(
        "upstream call",
        otel.name = method,
        otel.kind = "client",
        http.request.method = method,
        server.address = field::Empty,
        server.port = field::Empty,
        url.full = field::Empty,
        atlassian.product = product,
        http.response.status_code = field::Empty,
        http.request.resend_count = field::Empty,
        error.type = field::Empty,
        otel.status_code = field::Empty,
    )
}

/// Records the URL on the current upstream span. The URL is built without the query
/// string, so no JQL or CQL ends up in a trace.
pub fn upstream_target(url: &url::Url) {
    if !enabled() {
        return;
    }
    let span = Span::current();
    span.record("server.address", url.host_str().unwrap_or_default());
    if let Some(port) = url.port_or_known_default() {
        span.record("server.port", i64::from(port));
    }
    span.record("url.full", url.as_str());
}

/// Records how an upstream call ended: the last status (if any) and the error type.
pub fn upstream_done(span: &Span, status: Option<u16>, error: Option<&str>) {
    if let Some(s) = status {
        span.record("http.response.status_code", i64::from(s));
    }
    if let Some(e) = error {
        span.record("error.type", e);
        span.record("otel.status_code", "error");
    }
}

/// A retry: an event on the current upstream span, whose resend count it updates.
pub fn retry_event(reason: &str, status: Option<u16>, attempt: u32, wait: Duration) {
    if !enabled() {
        return;
    }
    Span::current().record("http.request.resend_count", i64::from(attempt));
    tracing::event!(
        target: SPAN_EVENT_TARGET,
        tracing::Level::INFO,
        retry.reason = reason,
        http.response.status_code = status.map(i64::from),
        retry.attempt = i64::from(attempt),
        retry.wait_ms = wait.as_millis() as i64,
        "retry"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::TraceContextExt;

    #[test]
    fn a_w3c_traceparent_yields_the_callers_ids_and_garbage_yields_none() {
        let cx = remote_context(
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            None,
        )
        .expect("valid traceparent");
        let sc = cx.span().span_context().clone();
        assert_eq!(
            sc.trace_id().to_string(),
            "0af7651916cd43dd8448eb211c80319c"
        );
        assert_eq!(sc.span_id().to_string(), "b7ad6b7169203331");
        assert!(sc.is_sampled() && sc.is_remote());
        assert!(remote_context("00-nothex-b7ad6b7169203331-01", None).is_none());
        assert!(remote_context("", None).is_none());
    }

    #[test]
    fn samplers_map_one_to_one() {
        assert!(matches!(
            sampler(&TraceSampler::ParentBased(Box::new(TraceSampler::Ratio(
                0.5
            )))),
            Sampler::ParentBased(_)
        ));
        assert!(matches!(
            sampler(&TraceSampler::Ratio(0.5)),
            Sampler::TraceIdRatioBased(r) if r == 0.5
        ));
    }
}
