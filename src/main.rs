//! The `mcp-atlassian` binary: parses the command line and hands over to `app`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mcp_atlassian::config::{Config, RawArgs};
use mcp_atlassian::{app, telemetry};

/// MCP server for Jira and Confluence (Streamable HTTP, SSE and stdio).
#[derive(Debug, Parser)]
#[command(name = "mcp-atlassian", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    args: RawArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the effective configuration (secrets hidden) and exit 0, or list the errors and exit 2.
    CheckConfig,
}

/// Exit code for configuration errors, as clap uses for usage errors.
const CONFIG_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.args) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("mcp-atlassian: configuration error: {e}");
            }
            return ExitCode::from(CONFIG_ERROR);
        }
    };
    let registry = match app::validate(&config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mcp-atlassian: configuration error: {e}");
            return ExitCode::from(CONFIG_ERROR);
        }
    };
    if let Some(Command::CheckConfig) = cli.command {
        print!("{}", config.describe());
        println!("# {} tools exposed", registry.len());
        return ExitCode::SUCCESS;
    }
    if let Err(e) = telemetry::init_logging(&config.logging) {
        eprintln!("mcp-atlassian: {e}");
        return ExitCode::from(CONFIG_ERROR);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mcp-atlassian: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(app::run(config, registry)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "server stopped with an error");
            eprintln!("mcp-atlassian: {e:#}");
            ExitCode::FAILURE
        }
    }
}
