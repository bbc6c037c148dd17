//! Log verbosity, format and stream.

use super::reader::Reader;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable, coloured when the stream is a terminal.
    Pretty,
}

/// Logging settings.
#[derive(Debug, Clone)]
pub struct LoggingConfig {
    /// 0 = info, 1 = debug for this crate (`MCP_VERBOSE`, `-v`), 2 = debug for all (`MCP_VERY_VERBOSE`, `-vv`).
    pub verbosity: u8,
    /// `MCP_LOGGING_STDOUT`: stdout instead of stderr.
    pub to_stdout: bool,
    /// `LOG_FORMAT`; `None` = json unless the log stream is a terminal.
    pub format: Option<LogFormat>,
}

impl LoggingConfig {
    pub(super) fn read(r: &mut Reader<'_>) -> LoggingConfig {
        let cli = r.settings().verbose;
        let very = r.bool("MCP_VERY_VERBOSE");
        let verbose = r.bool("MCP_VERBOSE");
        let verbosity = if cli > 0 {
            cli.min(2)
        } else if very {
            2
        } else {
            u8::from(verbose)
        };
        let to_stdout = r.bool("MCP_LOGGING_STDOUT");
        let format = r.string("LOG_FORMAT").is_some().then(|| {
            match r.choice("LOG_FORMAT", &["json", "pretty"]) {
                "pretty" => LogFormat::Pretty,
                _ => LogFormat::Json,
            }
        });
        LoggingConfig {
            verbosity,
            to_stdout,
            format,
        }
    }
}
