//! The access log: one structured line per HTTP request (`MCP_LOG_ACCESS`), refusals
//! included, with who (`client.ip`, `api_key.id` when known), what (`http.method`,
//! `http.route`, `mcp.method`, `mcp.tool`, `mcp.session_id`, client name/version from
//! `initialize`) and how (`http.status_code`, `duration_ms`, bytes out). Header values are stripped of control characters so a client
//! cannot forge log lines; bodies, keys and tokens are never logged.

use std::time::Instant;

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

pub use super::peek::{McpCallInfo, sanitize};
use crate::mcp::ClientIp;

/// The API key id that a request acted as (or presented, when refused after the key was
/// known), for the access log: a response extension set by the key check.
#[derive(Debug, Clone)]
pub struct LoggedIdentity {
    /// API key id.
    pub api_key_id: Option<String>,
}

/// Outer layer: times the request and writes the line.
pub async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = sanitize(request.uri().path());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(sanitize)
        .unwrap_or_default();
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(sanitize)
        .unwrap_or_default();
    let session = request
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(sanitize)
        .unwrap_or_default();
    let response = next.run(request).await;
    let who = response.extensions().get::<LoggedIdentity>();
    let client_ip = response.extensions().get::<ClientIp>().map(|c| c.0);
    let call = response.extensions().get::<McpCallInfo>();
    let bytes_out = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let session = if session.is_empty() {
        response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(sanitize)
            .unwrap_or_default()
    } else {
        session
    };
    tracing::info!(
        target: "mcp_atlassian::access",
        request_id,
        client.ip = client_ip.map(|ip| ip.to_string()).unwrap_or_default(),
        api_key.id = who.and_then(|w| w.api_key_id.clone()).unwrap_or_default(),
        http.method = %method,
        http.route = path,
        http.status_code = response.status().as_u16(),
        duration_ms = started.elapsed().as_millis() as u64,
        http.response.bytes = bytes_out,
        user_agent,
        mcp.method = call.and_then(|c| c.method.clone()).unwrap_or_default(),
        mcp.tool = call.and_then(|c| c.tool.clone()).unwrap_or_default(),
        mcp.session_id = session,
        mcp.client = call.and_then(|c| c.client.clone()).unwrap_or_default(),
        "access"
    );
    response
}
