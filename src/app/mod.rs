//! Builds everything, binds listeners, runs the transports and shuts down in order.
//!
//! Shutdown (SIGTERM/SIGINT or the token): `/readyz` turns 503 and no new connections are
//! accepted; MCP requests in flight get up to `MCP_SHUTDOWN_GRACE_SECS` to finish; then open
//! SSE streams are closed and the process exits 0.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::atlassian::Atlassian;
use crate::config::{Config, Deployment, ServerConfig, Transport};
use crate::http::metrics::{MetricsState, metrics_router};
use crate::http::{HttpState, InFlight, Readiness, build_router};
use crate::mcp::sessions::SessionTable;
use crate::mcp::{AtlassianMcp, SseSessions, serve_stdio};
use crate::sandbox::SandboxOptions;
use crate::sandbox_mode;
use crate::security::ratelimit::RateLimiter;
use crate::security::{self, KeyStore};
use crate::telemetry::metrics;
use crate::tools::{self, Exposure, Flavor, Product, Registry, Tool, ToolEnv};
use metrics_exporter_prometheus::PrometheusHandle;

pub mod preflight;
mod tasks;
pub use tasks::{
    audit_log, readiness_probe, spawn_backup_schedule, spawn_key_watcher, spawn_signal_handler,
};

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
    /// The API keys in force.
    pub keys: Arc<KeyStore>,
    /// Open sessions of both HTTP transports.
    pub sessions: Arc<SessionTable>,
    /// Where `/metrics` is served, when enabled.
    pub metrics_addr: Option<SocketAddr>,
}

/// A bound, not yet running HTTP server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    handle: AppHandle,
    streams_close: CancellationToken,
    server: Arc<ServerConfig>,
    /// The audit-file writer, stopped after the last request.
    audit: Option<(CancellationToken, tokio::task::JoinHandle<()>)>,
    /// The metrics listener, when `PROMETHEUS_ENABLED`.
    metrics: Option<MetricsListener>,
}

/// The bound metrics listener and what it serves.
struct MetricsListener {
    listener: TcpListener,
    router: Router,
    handle: PrometheusHandle,
}

/// How often histogram samples are folded into their buckets when nobody scrapes, so memory
/// stays bounded without a Prometheus server.
const METRICS_UPKEEP: Duration = Duration::from_secs(5);

/// Serves `/metrics` until `stop`, running the recorder's upkeep meanwhile.
async fn serve_metrics(m: MetricsListener, stop: CancellationToken) -> anyhow::Result<()> {
    let serve =
        axum::serve(m.listener, m.router).with_graceful_shutdown(stop.clone().cancelled_owned());
    let handle = m.handle;
    let upkeep = async move {
        let mut ticker = tokio::time::interval(METRICS_UPKEEP);
        loop {
            ticker.tick().await;
            handle.run_upkeep();
        }
    };
    tokio::select! {
        result = serve => result.context("metrics server failed"),
        () = upkeep => Ok(()),
    }
}

impl Application {
    /// Binds `HOST:PORT` and builds the router for the Atlassian handler over `registry`.
    pub async fn build(config: &Config, registry: Registry) -> anyhow::Result<Application> {
        let (audit, writer) = audit_log(config);
        let handler = AtlassianMcp::new(registry, audit);
        let tools = handler.clone();
        // Each session gets its own toolset choice (TOOLSETS=dynamic).
        let mut app =
            Application::build_with(config, Arc::new(move || handler.for_session())).await?;
        app.audit = writer;
        if app.metrics.is_some() {
            metrics::register_tools(
                tools
                    .registry()
                    .visible(&crate::tools::Caller::default())
                    .map(|t| t.spec().name),
            );
        }
        Ok(app)
    }

    /// Binds and builds the router for any rmcp handler (the conformance server uses this).
    pub async fn build_with<H>(
        config: &Config,
        factory: Arc<dyn Fn() -> H + Send + Sync>,
    ) -> anyhow::Result<Application>
    where
        H: rmcp::ServerHandler + Send + Sync + 'static,
    {
        let server = &config.server;
        let sec = config.security.clone();
        let keys = tokio::task::spawn_blocking(move || security::load_keys(&sec))
            .await
            .context("the API keys loader failed")?
            .context("cannot load the API keys from MCP_API_KEYS_FILE; create it with mcp-atlassian keys create --id NAME (or write keys = [] to refuse every request), fix the file named above, or point MCP_API_KEYS_FILE elsewhere")?;
        for line in
            security::describe_auth(&config.security, config.server.host.is_loopback(), &keys)
        {
            tracing::info!("{line}");
        }
        let keys = Arc::new(KeyStore::new(keys));
        let addr = SocketAddr::new(server.host, server.port);
        let listener = TcpListener::bind(addr).await.with_context(|| {
            format!(
                "cannot listen on {addr}; is another process using PORT {}? set PORT or HOST",
                server.port
            )
        })?;
        let metrics = bind_metrics(config, keys.clone()).await?;
        let server = Arc::new(server.clone());
        let readiness = Arc::new(Readiness::default());
        let in_flight = Arc::new(InFlight::default());
        let streams_close = CancellationToken::new();
        let limiter = Arc::new(match &config.security.redis_url {
            Some(url) => RateLimiter::shared(
                &config.security.limits,
                url,
                config.security.redis_fail_closed,
            )
            .map_err(anyhow::Error::msg)?,
            None => RateLimiter::local(&config.security.limits),
        });
        let sessions = SessionTable::new(server.sessions);
        let (router, bridge) = build_router(HttpState {
            server: server.clone(),
            factory,
            readiness: readiness.clone(),
            in_flight: in_flight.clone(),
            streams_close: streams_close.clone(),
            keys: keys.clone(),
            limiter,
            sessions: sessions.clone(),
            trusted_proxies: config.security.trusted_proxies.clone(),
            log_access: config.security.log_access,
        });
        Ok(Application {
            listener,
            router,
            handle: AppHandle {
                readiness,
                sse_sessions: bridge.sessions.clone(),
                in_flight,
                keys,
                sessions,
                metrics_addr: metrics.as_ref().and_then(|m| m.listener.local_addr().ok()),
            },
            streams_close,
            server,
            audit: None,
            metrics,
        })
    }

    /// The bound address of the metrics listener, when it is enabled.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.handle.metrics_addr
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
            audit,
            metrics,
        } = self;
        // Metrics stay scrapeable through the shutdown grace period; they stop last.
        let metrics_stop = CancellationToken::new();
        let metrics_task = metrics.map(|m| tokio::spawn(serve_metrics(m, metrics_stop.clone())));
        let sweep_stop = CancellationToken::new();
        let sweep = tokio::spawn(crate::http::upkeep::sweep_sessions(
            handle.sessions.clone(),
            handle.keys.clone(),
            sweep_stop.clone(),
        ));
        let serve =
            crate::http::serve::serve(listener, router, server.connections, shutdown.clone());
        let mut serve_task = tokio::spawn(serve);
        tokio::select! {
            result = &mut serve_task => {
                metrics_stop.cancel();
                sweep_stop.cancel();
                let _ = sweep.await;
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
        sweep_stop.cancel();
        let _ = sweep.await;
        if let Some((cancel, writer)) = audit {
            cancel.cancel();
            let _ = writer.await;
        }
        crate::telemetry::traces::shutdown().await;
        metrics_stop.cancel();
        if let Some(task) = metrics_task {
            match task.await {
                Ok(Err(e)) => tracing::warn!(error = %e, "metrics listener failed"),
                Err(e) => tracing::warn!(error = %e, "metrics listener task failed"),
                Ok(Ok(())) => {}
            }
        }
        tracing::info!(
            duration_ms = started.elapsed().as_millis() as u64,
            "shutdown complete"
        );
        Ok(())
    }
}

/// Installs the recorder and binds the metrics listener when an HTTP transport runs with
/// `PROMETHEUS_ENABLED`; a port that cannot be bound stops start-up.
async fn bind_metrics(
    config: &Config,
    keys: Arc<KeyStore>,
) -> anyhow::Result<Option<MetricsListener>> {
    if !config.server.transport.is_http() || !config.metrics.enabled {
        return Ok(None);
    }
    let handle = metrics::install().context("metrics are enabled (PROMETHEUS_ENABLED)")?;
    for (svc, name) in [
        (&config.atlassian.jira, "jira"),
        (&config.atlassian.confluence, "confluence"),
    ] {
        if svc.is_configured() {
            metrics::register_service(name);
        }
    }
    let addr = SocketAddr::new(config.metrics.host, config.metrics.port);
    let listener = TcpListener::bind(addr).await.with_context(|| {
        format!(
            "cannot listen for metrics on {addr}; is another process (a Prometheus server?) using PROMETHEUS_PORT {}? set PROMETHEUS_PORT, or PROMETHEUS_ENABLED=false",
            config.metrics.port
        )
    })?;
    let router = metrics_router(MetricsState {
        handle: handle.clone(),
        keys,
    });
    Ok(Some(MetricsListener {
        listener,
        router,
        handle,
    }))
}

/// Runs the HTTP server with its side tasks (readiness probe, keys-file watcher) until
/// `shutdown`, then joins them.
async fn serve_with_side_tasks(
    config: &Config,
    app: Application,
    env: Arc<ToolEnv>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let handle = app.handle();
    let probe = tokio::spawn(readiness_probe(
        env,
        handle.readiness.clone(),
        PROBE_INTERVAL,
        shutdown.clone(),
    ));
    let watcher = spawn_key_watcher(config, handle.keys.clone(), shutdown.clone());
    let backups = spawn_backup_schedule(config, Some(handle.readiness.clone()), shutdown.clone());
    let result = app.run_until(shutdown).await;
    let _ = probe.await;
    let _ = watcher.await;
    if let Some(b) = backups {
        let _ = b.await;
    }
    result
}

/// How often the keys file is checked for changes.
pub const KEY_FILE_POLL: Duration = Duration::from_secs(2);

/// Runs the server as configured: stdio or HTTP. Returns when it has shut down.
pub async fn run(config: Config, built: Built) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    spawn_signal_handler(shutdown.clone());
    let (env, registry) = built.log_start(&config);
    let tools = registry.len();
    match config.server.transport {
        Transport::Stdio => {
            tracing::info!(tools, "serving MCP over stdio");
            let (audit, writer) = audit_log(&config);
            let backups = spawn_backup_schedule(&config, None, shutdown.clone());
            let result = serve_stdio(AtlassianMcp::new(registry, audit), shutdown.clone()).await;
            if let Some((cancel, task)) = writer {
                cancel.cancel();
                let _ = task.await;
            }
            if let Some(b) = backups {
                shutdown.cancel();
                let _ = b.await;
            }
            result.context("stdio transport failed")?;
        }
        Transport::Sse | Transport::StreamableHttp => {
            let app = Application::build(&config, registry).await?;
            let addr = app.local_addr().context("listener has no address")?;
            tracing::info!(
                %addr,
                metrics = app.metrics_addr().map(|a| format!("http://{a}/metrics")),
                streamable_http = %config.server.streamable_http_path,
                sse = "/sse",
                stateless = config.server.stateless,
                tools,
                "serving MCP over HTTP"
            );
            serve_with_side_tasks(&config, app, env, shutdown).await?;
        }
    }
    Ok(())
}

/// `--sandbox`: the sandbox on its own loopback listener, the MCP server in front of it.
pub async fn run_with_sandbox(
    config: Config,
    built: Built,
    sandbox_listener: std::net::TcpListener,
    sandbox_addr: SocketAddr,
    opts: SandboxOptions,
) -> anyhow::Result<()> {
    let seed = opts.seed;
    let sandbox_stop = CancellationToken::new();
    let sandbox_task = tokio::spawn(sandbox_mode::serve(
        sandbox_listener,
        opts,
        sandbox_stop.clone(),
    ));
    let shutdown = CancellationToken::new();
    spawn_signal_handler(shutdown.clone());
    let (env, registry) = built.log_start(&config);
    let app = Application::build(&config, registry).await?;
    let addr = app.local_addr().context("listener has no address")?;
    println!(
        "{}",
        sandbox_mode::banner(
            addr,
            &config.server.streamable_http_path,
            sandbox_addr,
            if config.security.api_key.is_some() {
                sandbox_mode::BannerKey::Single
            } else if config.security.api_keys_file.is_some() {
                sandbox_mode::BannerKey::File
            } else {
                sandbox_mode::BannerKey::None
            },
        )
    );
    if let Some(m) = app.metrics_addr() {
        println!("Metrics (Prometheus): http://{m}/metrics");
    }
    tracing::info!(
        %addr,
        sandbox = %sandbox_addr,
        metrics = app.metrics_addr().map(|a| format!("http://{a}/metrics")),
        seed,
        "serving MCP over HTTP against the built-in sandbox"
    );
    let result = serve_with_side_tasks(&config, app, env, shutdown).await;
    sandbox_stop.cancel();
    sandbox_task.await.context("sandbox task failed")??;
    result
}

/// `mcp-atlassian sandbox`: only the sandbox, until SIGTERM/SIGINT.
pub async fn run_sandbox_only(
    host: std::net::IpAddr,
    port: u16,
    opts: SandboxOptions,
) -> anyhow::Result<()> {
    let listener = std::net::TcpListener::bind((host, port))
        .with_context(|| format!("cannot bind the sandbox to {host}:{port}; set PORT"))?;
    listener
        .set_nonblocking(true)
        .context("cannot make the sandbox listener non-blocking")?;
    let addr = listener.local_addr().context("listener has no address")?;
    let shutdown = CancellationToken::new();
    spawn_signal_handler(shutdown.clone());
    println!("sandbox listening on http://{addr} (Jira) and http://{addr}/wiki (Confluence)");
    tracing::info!(%addr, seed = opts.seed, "serving the built-in sandbox");
    sandbox_mode::serve(listener, opts, shutdown).await
}

/// The tool environment: product clients (one pooled HTTP client each) and filters.
pub fn tool_env(config: &Config) -> Result<Arc<ToolEnv>, String> {
    let atlassian = Atlassian::from_config(&config.atlassian).map_err(|e| e.to_string())?;
    Ok(tool_env_with(config, atlassian))
}

/// The tool environment around product clients built elsewhere (tests inject a resolver).
pub fn tool_env_with(config: &Config, atlassian: Atlassian) -> Arc<ToolEnv> {
    Arc::new(ToolEnv {
        atlassian,
        multi_tenant: config.tools.multi_tenant,
        jira_projects: config.atlassian.jira.filter.clone(),
        confluence_spaces: config.atlassian.confluence.filter.clone(),
        attachment_max_bytes: config.tools.attachment_max_bytes,
        stdio: config.server.transport == crate::config::Transport::Stdio,
        attachments_dir: config.tools.attachments_dir.clone(),
        sla: config.tools.sla.clone(),
    })
}

/// Loads the API keys as the HTTP server will and says how requests are authenticated, one
/// fact per line (for `check-config`, and checked before the server starts); the error says
/// what to fix when a configured keys file is missing, unreadable, blank or broken.
pub fn auth_report(config: &Config) -> Result<Vec<String>, String> {
    if !config.server.transport.is_http() {
        return Ok(vec![
            "TRANSPORT=stdio: API keys do not apply (the client started this process)".into(),
        ]);
    }
    let set = security::load_keys(&config.security).map_err(|e| {
        format!(
            "cannot load the API keys ({e}); create the file with mcp-atlassian keys create --id NAME (or write keys = [] to refuse every request), or point MCP_API_KEYS_FILE elsewhere"
        )
    })?;
    Ok(security::describe_auth(
        &config.security,
        config.server.host.is_loopback(),
        &set,
    ))
}

/// What start-up builds beyond parsing; `check-config` runs the same.
pub struct Built {
    /// Clients and filters.
    pub env: Arc<ToolEnv>,
    /// The exposed tools.
    pub registry: Registry,
    /// Start-up warnings to log once logging is up (unknown variables, unused credentials,
    /// directories the server cannot write).
    pub warnings: Vec<String>,
}

/// Builds the clients and the registry and runs the start-up checks, or says why it cannot:
/// one line per problem.
pub fn validate(config: &Config) -> Result<Built, String> {
    let checks = preflight::check(config);
    if !checks.errors.is_empty() {
        return Err(checks.errors.join("\n"));
    }
    let atlassian = Atlassian::from_config(&config.atlassian).map_err(|e| e.to_string())?;
    finish_validate(config, atlassian, checks.warnings)
}

/// Like [`validate`], over product clients built elsewhere (tests inject a resolver).
pub fn validate_with(config: &Config, atlassian: Atlassian) -> Result<Built, String> {
    let checks = preflight::check(config);
    if !checks.errors.is_empty() {
        return Err(checks.errors.join("\n"));
    }
    finish_validate(config, atlassian, checks.warnings)
}

fn finish_validate(
    config: &Config,
    atlassian: Atlassian,
    preflight_warnings: Vec<String>,
) -> Result<Built, String> {
    let env = tool_env_with(config, atlassian);
    let registry = build_registry(config, tools::builtin(&env))?;
    let mut warnings: Vec<String> = config
        .settings
        .unknown
        .iter()
        .map(|u| u.message())
        .collect();
    warnings.extend(preflight_warnings);
    Ok(Built {
        env,
        registry,
        warnings,
    })
}

impl Built {
    /// Logs the start-up warnings and which Atlassian credentials MCP requests use, once
    /// logging is up; hands back what the server runs with.
    fn log_start(self, config: &Config) -> (Arc<ToolEnv>, Registry) {
        for w in &self.warnings {
            tracing::warn!("{w}");
        }
        tracing::info!("{}", preflight::credentials_line(config));
        (self.env, self.registry)
    }
}

/// How often the readiness probe checks upstream.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(30);
