//! MCP protocol plumbing: the rmcp handler, the Streamable HTTP service, the legacy SSE bridge
//! and stdio.
//!
//! Everything here is generic over the rmcp handler type so the conformance server (an
//! example binary with fixture tools) runs through exactly the same transports.

pub mod dynamic;
pub mod errors;
pub mod handler;
pub mod session_manager;
pub mod sessions;
pub mod sse;

use std::sync::Arc;
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

pub use crate::tools::Caller;
pub use handler::{AtlassianMcp, implementation};

/// The client's IP address as the HTTP layer resolved it (behind trusted proxies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

pub use sse::{SseBridge, SseSessions, StreamRefusal};

/// How the Streamable HTTP endpoint behaves.
#[derive(Debug, Clone)]
pub struct StreamableOptions {
    /// No sessions; each POST answered with plain JSON.
    pub stateless: bool,
    /// Keep-alive interval on SSE response streams.
    pub keepalive: Duration,
    /// Body size cap (the HTTP layer enforces it first).
    pub max_body_bytes: usize,
}

/// rmcp's Streamable HTTP service for handler `H`. Host/Origin validation is done by our own
/// middleware for every MCP route, so rmcp's copy is switched off here.
pub fn streamable_service<H>(
    factory: Arc<dyn Fn() -> H + Send + Sync>,
    opts: &StreamableOptions,
    cancel: CancellationToken,
) -> StreamableHttpService<H, sessions::CountingSessionManager>
where
    H: rmcp::ServerHandler + Send + Sync + 'static,
{
    let config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .disable_allowed_origins()
        .with_sse_keep_alive(Some(opts.keepalive))
        .with_max_request_body_bytes(opts.max_body_bytes)
        .with_cancellation_token(cancel)
        .with_legacy_session_mode(!opts.stateless)
        .with_json_response(opts.stateless);
    StreamableHttpService::new(
        move || Ok(factory()),
        Arc::new(sessions::CountingSessionManager::default()),
        config,
    )
}

/// Errors of the stdio transport.
#[derive(Debug, thiserror::Error)]
pub enum StdioError {
    /// The client went away or sent garbage before `initialize` completed.
    #[error("stdio session did not start: {0}")]
    Initialize(String),
    /// The service task failed.
    #[error("stdio session failed: {0}")]
    Join(String),
}

/// Serves one MCP session over stdin/stdout until the client closes stdin or `cancel` fires.
pub async fn serve_stdio<H>(handler: H, cancel: CancellationToken) -> Result<(), StdioError>
where
    H: rmcp::ServerHandler + Send + Sync + 'static,
{
    let _session = crate::telemetry::metrics::SessionGauge::open("stdio");
    let running = handler
        .serve_with_ct(rmcp::transport::io::stdio(), cancel)
        .await
        .map_err(|e| StdioError::Initialize(e.to_string()))?;
    running
        .waiting()
        .await
        .map_err(|e| StdioError::Join(e.to_string()))?;
    Ok(())
}
