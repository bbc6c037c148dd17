//! Builds everything, binds listeners, runs the transports and shuts down in order.
//!
//! Shutdown (SIGTERM/SIGINT or the token): `/readyz` turns 503 and no new connections are
//! accepted; MCP requests in flight get up to `MCP_SHUTDOWN_GRACE_SECS` to finish; then open
//! SSE streams are closed and the process exits 0.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Deployment, ServerConfig, Transport};
use crate::http::{HttpState, InFlight, Readiness, build_router};
use crate::mcp::{AtlassianMcp, SseSessions, serve_stdio};
use crate::tools::{self, Exposure, Flavor, Product, Registry, Tool};

/// Maps configuration to the registry's exposure rules.
pub fn exposure(config: &Config) -> Exposure {
    let mut products = HashMap::new();
    for (svc, product) in [
        (&config.atlassian.jira, Product::Jira),
        (&config.atlassian.confluence, Product::Confluence),
    ] {
        if svc.is_configured() {
            let flavor = match svc.deployment {
                Deployment::Cloud => Flavor::Cloud,
                Deployment::Server => Flavor::Server,
            };
            products.insert(product, flavor);
        }
    }
    Exposure {
        toolsets: config.tools.toolsets.clone(),
        enabled_tools: config.tools.enabled_tools.clone(),
        read_only: config.tools.read_only,
        products,
    }
}

/// Builds the registry from `tools`, or the one-line reason it cannot be built.
pub fn build_registry(config: &Config, tools: Vec<Arc<dyn Tool>>) -> Result<Registry, String> {
    let unknown: Vec<String> = Registry::unknown_enabled(&tools, &config.tools.enabled_tools)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let registry = Registry::build(tools, &exposure(config)).map_err(|e| e.to_string())?;
    if !unknown.is_empty() {
        tracing::warn!(names = %unknown.join(","), "ENABLED_TOOLS names tools that do not exist; check the spelling against tools/list");
    }
    Ok(registry)
}

/// Shared handles of a running HTTP server, for tests and the shutdown sequence.
#[derive(Clone)]
pub struct AppHandle {
    /// Readiness flags.
    pub readiness: Arc<Readiness>,
    /// Open legacy SSE sessions.
    pub sse_sessions: Arc<SseSessions>,
    /// MCP requests in flight.
    pub in_flight: Arc<InFlight>,
}

/// A bound, not yet running HTTP server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    handle: AppHandle,
    streams_close: CancellationToken,
    server: Arc<ServerConfig>,
}

impl Application {
    /// Binds `HOST:PORT` and builds the router for the Atlassian handler over `registry`.
    pub async fn build(config: &Config, registry: Registry) -> anyhow::Result<Application> {
        let handler = AtlassianMcp::new(registry);
        Application::build_with(&config.server, Arc::new(move || handler.clone())).await
    }

    /// Binds and builds the router for any rmcp handler (the conformance server uses this).
    pub async fn build_with<H>(
        server: &ServerConfig,
        factory: Arc<dyn Fn() -> H + Send + Sync>,
    ) -> anyhow::Result<Application>
    where
        H: rmcp::ServerHandler + Send + Sync + 'static,
    {
        let addr = SocketAddr::new(server.host, server.port);
        let listener = TcpListener::bind(addr).await.with_context(|| {
            format!(
                "cannot listen on {addr}; is another process using PORT {}? set PORT or HOST",
                server.port
            )
        })?;
        let server = Arc::new(server.clone());
        let readiness = Arc::new(Readiness::default());
        let in_flight = Arc::new(InFlight::default());
        let streams_close = CancellationToken::new();
        let (router, bridge) = build_router(HttpState {
            server: server.clone(),
            factory,
            readiness: readiness.clone(),
            in_flight: in_flight.clone(),
            streams_close: streams_close.clone(),
        });
        Ok(Application {
            listener,
            router,
            handle: AppHandle {
                readiness,
                sse_sessions: bridge.sessions.clone(),
                in_flight,
            },
            streams_close,
            server,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Handles for observing the server while it runs.
    pub fn handle(&self) -> AppHandle {
        self.handle.clone()
    }

    /// Serves until `shutdown` is cancelled, then shuts down gracefully.
    pub async fn run_until(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let Application {
            listener,
            router,
            handle,
            streams_close,
            server,
        } = self;
        let serve = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
        let mut serve_task = tokio::spawn(async move { serve.await });
        tokio::select! {
            result = &mut serve_task => {
                return result.context("HTTP server task failed")?.context("HTTP server failed");
            }
            () = shutdown.cancelled() => {}
        }
        let started = Instant::now();
        handle.readiness.begin_shutdown();
        tracing::info!(
            in_flight = handle.in_flight.current(),
            grace_secs = server.shutdown_grace.as_secs(),
            "shutting down: finishing requests in flight"
        );
        if tokio::time::timeout(server.shutdown_grace, handle.in_flight.wait_idle())
            .await
            .is_err()
        {
            tracing::warn!(
                in_flight = handle.in_flight.current(),
                "requests still in flight when MCP_SHUTDOWN_GRACE_SECS ran out; closing them"
            );
        }
        streams_close.cancel();
        handle.sse_sessions.close_all();
        let remaining = server
            .shutdown_grace
            .saturating_sub(started.elapsed())
            .max(std::time::Duration::from_secs(1));
        match tokio::time::timeout(remaining, &mut serve_task).await {
            Ok(result) => result
                .context("HTTP server task failed")?
                .context("HTTP server failed")?,
            Err(_) => {
                serve_task.abort();
                tracing::warn!("connections still open after the grace period; closed them");
            }
        }
        tracing::info!(
            duration_ms = started.elapsed().as_millis() as u64,
            "shutdown complete"
        );
        Ok(())
    }
}

/// Cancels the token on SIGTERM or SIGINT.
pub fn spawn_signal_handler(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = ctrl_c => {}
                        _ = term.recv() => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM; only SIGINT stops the server");
                    let _ = ctrl_c.await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        tracing::info!("signal received");
        token.cancel();
    });
}

/// Runs the server as configured: stdio or HTTP. Returns when it has shut down.
pub async fn run(config: Config, registry: Registry) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    spawn_signal_handler(shutdown.clone());
    let tools = registry.len();
    match config.server.transport {
        Transport::Stdio => {
            tracing::info!(tools, "serving MCP over stdio");
            serve_stdio(AtlassianMcp::new(registry), shutdown)
                .await
                .context("stdio transport failed")?;
        }
        Transport::Sse | Transport::StreamableHttp => {
            let app = Application::build(&config, registry).await?;
            let addr = app.local_addr().context("listener has no address")?;
            tracing::info!(
                %addr,
                streamable_http = %config.server.streamable_http_path,
                sse = "/sse",
                stateless = config.server.stateless,
                tools,
                "serving MCP over HTTP"
            );
            app.run_until(shutdown).await?;
        }
    }
    Ok(())
}

/// The checks `check-config` and start-up share beyond parsing: the registry builds.
pub fn validate(config: &Config) -> Result<Registry, String> {
    build_registry(config, tools::builtin())
}
