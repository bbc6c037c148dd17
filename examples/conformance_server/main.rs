//! Test-only MCP server for the official conformance suite: the project's own router,
//! middleware and transports (`Application::build_with`) with the suite's fixture tools,
//! resources and prompts instead of the Atlassian tools.
//!
//! Binds 127.0.0.1 on an ephemeral port (or `PORT`), prints
//! `listening on http://127.0.0.1:PORT/mcp` on stdout once bound, and stops on SIGTERM/SIGINT.
//! Run by `scripts/conformance.sh` from `scripts/test.sh`.

mod fixtures;

use std::process::ExitCode;
use std::sync::Arc;

use mcp_atlassian::app::{Application, spawn_signal_handler};
use mcp_atlassian::config::Config;
use tokio_util::sync::CancellationToken;

use fixtures::{ConformanceServer, Shared};

#[tokio::main]
async fn main() -> ExitCode {
    let port = std::env::var("PORT").unwrap_or_else(|_| "0".into());
    let config = match Config::from_pairs([
        ("TRANSPORT", "streamable-http"),
        ("HOST", "127.0.0.1"),
        ("PORT", port.as_str()),
        // The suite sends bursts of requests from one address; budgets are tested elsewhere.
        ("MCP_RATE_LIMIT_PER_MINUTE", "0"),
        ("MCP_RATE_LIMIT_PER_HOUR", "0"),
        ("PROMETHEUS_PORT", "0"),
    ]) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("conformance_server: {e}");
            return ExitCode::from(2);
        }
    };
    let shared = match Shared::new() {
        Ok(shared) => shared,
        Err(e) => {
            eprintln!("conformance_server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let factory = Arc::new(move || ConformanceServer::new(shared.clone()));
    let app = match Application::build_with(&config, factory).await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("conformance_server: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(addr) = app.local_addr() else {
        eprintln!("conformance_server: the listener has no address");
        return ExitCode::FAILURE;
    };
    println!(
        "listening on http://{addr}{}",
        config.server.streamable_http_path
    );
    let shutdown = CancellationToken::new();
    spawn_signal_handler(shutdown.clone());
    match app.run_until(shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conformance_server: {e:#}");
            ExitCode::FAILURE
        }
    }
}
