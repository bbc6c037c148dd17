//! Logging set-up, OTLP trace export (`traces`), and the Prometheus metrics (`metrics`:
//! every metric name lives there).
//!
//! Logs go to stderr by default so that stdout stays free for the stdio transport; the level
//! follows the reference server's switches, one step louder by default because a server run
//! by an operator should say that it started and where it listens.

pub mod audit;
pub mod metrics;
pub mod process;
pub mod traces;

use std::io::IsTerminal;

use tracing::{Level, Metadata};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{FilterExt, filter_fn};
use tracing_subscriber::fmt::format::{FmtSpan, Writer};
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogFormat, LoggingConfig, OtelConfig};

/// Logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// `RUST_LOG` did not parse.
    #[error("RUST_LOG is not a valid filter ({0}); use e.g. RUST_LOG=info,mcp_atlassian=debug")]
    Filter(String),
    /// A global subscriber was already installed.
    #[error("a log subscriber is already installed")]
    AlreadyInstalled,
    /// The OTLP exporter could not be built from the OTEL_* settings.
    #[error("cannot set up the OTLP trace exporter ({0}); check the OTEL_EXPORTER_OTLP_* settings")]
    Exporter(String),
}

/// The filter directives for a verbosity level (0 quiet libraries, 2 debug everything).
pub fn default_directives(verbosity: u8) -> &'static str {
    match verbosity {
        0 => "warn,mcp_atlassian=info",
        1 => "warn,mcp_atlassian=debug",
        _ => "debug",
    }
}

/// True for library events that print message contents, which no log level may show:
/// rmcp logs whole requests, tool results and notifications from `rmcp::service` (debug and
/// info) and raw messages from its transports (trace); reqwest logs request URLs, whose query
/// holds JQL/CQL, at debug; h2 and hyper print frames and headers at trace. Their events are
/// capped at warn / info / info / debug whatever `RUST_LOG` or `-vv` asks for.
pub fn carries_bodies(meta: &Metadata<'_>) -> bool {
    if !meta.is_event() {
        return false;
    }
    let target = meta.target();
    let level = *meta.level();
    let under = |prefix: &str| {
        target == prefix
            || target
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with("::"))
    };
    if under("rmcp::service") {
        level > Level::WARN
    } else if under("rmcp") || under("reqwest") {
        level > Level::INFO
    } else if under("h2") || under("hyper") || under("hyper_util") {
        level > Level::DEBUG
    } else {
        false
    }
}

/// Installs the global log subscriber. `RUST_LOG`, when set, replaces the verbosity switches.
pub fn init_logging(cfg: &LoggingConfig) -> Result<(), TelemetryError> {
    init(cfg, None)
}

/// Installs the global log subscriber and, when `otel` is given, the OTLP trace exporter
/// (call inside the Tokio runtime: the gRPC exporter's connection lives there).
pub fn init(cfg: &LoggingConfig, otel: Option<&OtelConfig>) -> Result<(), TelemetryError> {
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
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_span_events(FmtSpan::NONE);
    let filter = filter.and(filter_fn(|meta| !carries_bodies(meta)));
    // The log filter applies to log lines only: spans for export have their own filter, so a
    // quiet RUST_LOG does not switch tracing off.
    let logs = match format {
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .map_event_format(WithTraceId)
            .with_filter(filter)
            .boxed(),
        LogFormat::Pretty => fmt.with_ansi(is_terminal).with_filter(filter).boxed(),
    };
    let traces = otel.map(traces::layer).transpose()?;
    tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .try_init()
        .map_err(|_| TelemetryError::AlreadyInstalled)
}

/// Adds `trace_id` and `span_id` to a JSON log line written while a span is being exported,
/// so a log line leads to its trace.
struct WithTraceId<F>(F);

impl<S, N, F> FormatEvent<S, N> for WithTraceId<F>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let Some((trace_id, span_id)) = traces::current_ids() else {
            return self.0.format_event(ctx, writer, event);
        };
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        // The JSON formatter writes one object and a newline: add the ids before its `}`.
        if let Some(end) = line.rfind('}') {
            line.insert_str(
                end,
                &format!(",\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\""),
            );
        }
        writer.write_str(&line)
    }
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

    #[test]
    fn library_events_that_print_messages_are_capped_at_every_level() {
        use tracing::callsite::Identifier;
        use tracing::field::FieldSet;
        use tracing::metadata::Kind;
        struct Site;
        impl tracing::Callsite for Site {
            fn set_interest(&self, _: tracing::subscriber::Interest) {}
            fn metadata(&self) -> &Metadata<'_> {
                unreachable!("only the identifier is used")
            }
        }
        static SITE: Site = Site;
        let event = |target: &'static str, level: Level| {
            Metadata::new(
                "event",
                target,
                level,
                None,
                None,
                None,
                FieldSet::new(&[], Identifier(&SITE)),
                Kind::EVENT,
            )
        };
        for (target, level) in [
            ("rmcp::service", Level::DEBUG),
            ("rmcp::service", Level::INFO),
            (
                "rmcp::transport::streamable_http_server::tower",
                Level::TRACE,
            ),
            ("reqwest::connect", Level::DEBUG),
            ("h2::codec", Level::TRACE),
        ] {
            assert!(carries_bodies(&event(target, level)), "{target} {level}");
        }
        for (target, level) in [
            ("rmcp::service", Level::WARN),
            ("rmcp::transport::worker", Level::INFO),
            ("mcp_atlassian::access", Level::TRACE),
            ("rmcpx", Level::TRACE),
            ("hyper::proto", Level::DEBUG),
        ] {
            assert!(!carries_bodies(&event(target, level)), "{target} {level}");
        }
    }
}
