//! The axum router and the whole middleware stack, readable in one function.
//!
//! Order, outermost first: request id → HTTP metrics → trace span → access log → client IP
//! (trusted proxies) → Host/Origin check → body limit → API key and session ownership (from
//! the headers: no body is read before the key passed) → JSON-RPC peek → budgets and session
//! caps (they count by method) → in-flight count → MCP transports (Streamable HTTP answers pass
//! the priming-event filter for pre-2025-11-25 clients). `/healthz` and `/readyz` sit outside
//! the MCP layers: no key, no upstream call.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any_service, get, post};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use super::access_log::access_log;
use super::auth::{AuthState, authenticate};
use super::client_addr::{ClientAddr, resolve_client_ip};
use super::guard::{HostOriginGuard, host_origin_guard};
use super::guarded::keep_until_body_ends;
use super::health::{Readiness, healthz, readyz};
use super::limits::{LimitState, limit};
use super::metrics::http_metrics;
use super::peek::peek_mcp;
use super::priming::priming_for_new_clients_only;
use crate::config::{Cidr, ServerConfig};
use crate::mcp::errors::{jsonrpc_error_response, refusal};
use crate::mcp::sessions::SessionTable;
use crate::mcp::{SseBridge, StreamableOptions, sse, streamable_service};
use crate::security::KeyStore;
use crate::security::ratelimit::RateLimiter;

/// Path of the legacy SSE message endpoint, as the reference server serves it.
pub const MESSAGES_PATH: &str = "/messages/";

/// Counts MCP requests in flight so shutdown can wait for them.
#[derive(Debug, Default)]
pub struct InFlight {
    count: AtomicUsize,
    idle: Notify,
}

impl InFlight {
    /// Requests currently in flight.
    pub fn current(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Resolves once no request is in flight.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            if self.current() == 0 {
                return;
            }
            notified.await;
        }
    }
}

struct InFlightGuard(Arc<InFlight>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// Everything the router needs.
pub struct HttpState<H> {
    /// Listener settings.
    pub server: Arc<ServerConfig>,
    /// Makes one MCP handler per session.
    pub factory: Arc<dyn Fn() -> H + Send + Sync>,
    /// Readiness flags.
    pub readiness: Arc<Readiness>,
    /// In-flight MCP requests.
    pub in_flight: Arc<InFlight>,
    /// Cancelled when open streams must close (after in-flight requests finished).
    pub streams_close: CancellationToken,
    /// The API keys in force.
    pub keys: Arc<KeyStore>,
    /// Request and failed-key budgets.
    pub limiter: Arc<RateLimiter>,
    /// Open sessions of both transports, their owners and caps.
    pub sessions: Arc<SessionTable>,
    /// `MCP_TRUSTED_PROXIES`.
    pub trusted_proxies: Vec<Cidr>,
    /// `MCP_LOG_ACCESS`.
    pub log_access: bool,
}

/// Builds the router; returns it with the SSE bridge (for session bookkeeping and shutdown).
pub fn build_router<H>(state: HttpState<H>) -> (Router, SseBridge<H>)
where
    H: rmcp::ServerHandler + Send + Sync + 'static,
{
    let server = &state.server;
    let streamable = streamable_service(
        state.factory.clone(),
        &StreamableOptions {
            stateless: server.stateless,
            keepalive: server.sse_keepalive,
            max_body_bytes: server.max_body_bytes,
        },
        state.streams_close.clone(),
    );
    let bridge = SseBridge::new(
        state.factory.clone(),
        server.sse_keepalive,
        MESSAGES_PATH,
        state.streams_close.clone(),
    );
    let guard = Arc::new(HostOriginGuard {
        hosts: server.allowed_hosts.clone(),
        origins: server.allowed_origins.clone(),
        stats: state.readiness.host_check(),
    });

    let streamable_routes = Router::new()
        .route_service(&server.streamable_http_path, any_service(streamable))
        .layer(middleware::from_fn(normalize_streamable_response))
        .layer(middleware::from_fn(priming_for_new_clients_only));
    let sse_routes = Router::new()
        .route("/sse", get(sse::open_stream::<H>))
        .route(MESSAGES_PATH, post(sse::post_message::<H>))
        .route("/messages", post(sse::post_message::<H>))
        .with_state(bridge.clone());
    let limits = Arc::new(LimitState {
        limiter: state.limiter.clone(),
        sessions: state.sessions.clone(),
        streamable_path: Arc::from(server.streamable_http_path.as_str()),
        stateful: !server.stateless,
        messages_path: MESSAGES_PATH,
    });
    let auth = Arc::new(AuthState {
        keys: state.keys.clone(),
        sessions: state.sessions.clone(),
        limiter: state.limiter.clone(),
        messages_path: MESSAGES_PATH,
    });
    let mcp_routes = streamable_routes
        .merge(sse_routes)
        .layer(middleware::from_fn_with_state(
            state.in_flight.clone(),
            track_in_flight,
        ))
        .layer(middleware::from_fn_with_state(limits, limit))
        // Inside the key check: nothing reads a body before the key passed.
        .layer(middleware::from_fn(peek_mcp))
        .layer(middleware::from_fn_with_state(auth, authenticate))
        .layer(RequestBodyLimitLayer::new(server.max_body_bytes))
        .layer(middleware::from_fn(json_payload_too_large))
        .layer(middleware::from_fn_with_state(guard, host_origin_guard));
    let health_routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state.readiness.clone());

    let mut router = Router::new()
        .merge(mcp_routes)
        .merge(health_routes)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            ClientAddr::new(state.trusted_proxies.clone()),
            resolve_client_ip,
        ));
    if state.log_access {
        router = router.layer(middleware::from_fn(access_log));
    }
    // Outside the access log so that its line carries the request's trace id.
    let router = router.layer(middleware::from_fn(
        crate::telemetry::traces::http_server_span,
    ));
    let router = router.layer(middleware::from_fn_with_state(
        Arc::<str>::from(server.streamable_http_path.as_str()),
        http_metrics,
    ));
    let router = router
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid));
    (router, bridge)
}

async fn not_found(request: Request) -> Response {
    let reason = format!(
        "no route for {} {}; MCP is served at the Streamable HTTP path (default /mcp) and at /sse",
        request.method(),
        request.uri().path()
    );
    refusal(
        StatusCode::NOT_FOUND,
        "not_found",
        &reason,
        None,
        serde_json::Map::new(),
    )
}

/// Counts POSTs (the requests that run tools) until their response is complete.
async fn track_in_flight(
    State(in_flight): State<Arc<InFlight>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    in_flight.count.fetch_add(1, Ordering::SeqCst);
    let guard = InFlightGuard(in_flight);
    let response = next.run(request).await;
    // A streamed response is only complete when its body ends: keep the guard alive with it.
    keep_until_body_ends(response, guard)
}

/// tower-http answers an oversized body with a plain-text 413; clients get JSON everywhere.
async fn json_payload_too_large(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json(&response) {
        return jsonrpc_error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload Too Large: the request body exceeds MCP_MAX_BODY_BYTES",
        );
    }
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Adjusts rmcp's Streamable HTTP answers to what clients depend on (DESIGN.md §7):
/// GET without a session is 405, DELETE of a session is 204, and error bodies are JSON.
async fn normalize_streamable_response(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if method == Method::GET && !request.headers().contains_key("mcp-session-id") {
        let mut response = jsonrpc_error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed: GET needs an Mcp-Session-Id header from initialize; send JSON-RPC with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, POST, DELETE"));
        return response;
    }
    let response = next.run(request).await;
    let status = response.status();
    if method == Method::DELETE && status == StatusCode::ACCEPTED {
        return StatusCode::NO_CONTENT.into_response();
    }
    if (status.is_client_error() || status.is_server_error()) && !is_json(&response) {
        let (parts, body) = response.into_parts();
        // rmcp's error bodies are one short line; cap what we read to keep this cheap.
        let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        let message = if text.trim().is_empty() {
            status.canonical_reason().unwrap_or("error")
        } else {
            text.trim()
        };
        // rmcp answers a body that is JSON but not one JSON-RPC message (a batch, say) with
        // 415 after it has already accepted the Content-Type; the MCP spec's answer is 400.
        if status == StatusCode::UNSUPPORTED_MEDIA_TYPE
            && message.starts_with("fail to deserialize")
        {
            return jsonrpc_error_response(
                StatusCode::BAD_REQUEST,
                "Invalid Request: the body must be one JSON-RPC 2.0 message; batches are not supported",
            );
        }
        let mut json = jsonrpc_error_response(status, message);
        if let Some(allow) = parts.headers.get(header::ALLOW) {
            json.headers_mut().insert(header::ALLOW, allow.clone());
        }
        return json;
    }
    response
}
