//! Logging set-up, the Prometheus metrics (`metrics`: every metric name lives there) and, as
//! they land, traces.
//!
//! Logs go to stderr by default so that stdout stays free for the stdio transport; the level
//! follows the reference server's switches, one step louder by default because a server run
//! by an operator should say that it started and where it listens.

pub mod audit;
pub mod metrics;
pub mod process;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;

use crate::config::{LogFormat, LoggingConfig};

/// Logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// `RUST_LOG` did not parse.
    #[error("RUST_LOG is not a valid filter ({0}); use e.g. RUST_LOG=info,mcp_atlassian=debug")]
    Filter(String),
    /// A global subscriber was already installed.
    #[error("a log subscriber is already installed")]
    AlreadyInstalled,
}

/// The filter directives for a verbosity level (0 quiet libraries, 2 debug everything).
pub fn default_directives(verbosity: u8) -> &'static str {
    match verbosity {
        0 => "warn,mcp_atlassian=info",
        1 => "warn,mcp_atlassian=debug",
        _ => "debug",
    }
}

/// Installs the global log subscriber. `RUST_LOG`, when set, replaces the verbosity switches.
pub fn init_logging(cfg: &LoggingConfig) -> Result<(), TelemetryError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => {
            EnvFilter::try_new(directives).map_err(|e| TelemetryError::Filter(e.to_string()))?
        }
        _ => EnvFilter::new(default_directives(cfg.verbosity)),
    };
    let is_terminal = if cfg.to_stdout {
        std::io::stdout().is_terminal()
    } else {
        std::io::stderr().is_terminal()
    };
    let writer = if cfg.to_stdout {
        BoxMakeWriter::new(std::io::stdout)
    } else {
        BoxMakeWriter::new(std::io::stderr)
    };
    let format = cfg.format.unwrap_or(if is_terminal {
        LogFormat::Pretty
    } else {
        LogFormat::Json
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.with_ansi(is_terminal).try_init(),
    };
    result.map_err(|_| TelemetryError::AlreadyInstalled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verbosity_level_yields_a_valid_filter() {
        for v in 0..=3 {
            assert!(
                EnvFilter::try_new(default_directives(v)).is_ok(),
                "level {v}"
            );
        }
        assert_eq!(default_directives(0), "warn,mcp_atlassian=info");
    }
}
