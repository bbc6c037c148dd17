//! Typed configuration from CLI flags, environment variables and an optional `.env` file.
//!
//! Precedence: flag > environment > `.env` file > default. Every option is listed once in
//! [`options::OPTIONS`]; `docs/configuration.md` mirrors that table (a test checks it).
//! Loading collects every error so one failed start shows all that is wrong; secrets stay in
//! `secrecy` types and are shown only as `***set***`.

pub mod atlassian;
pub mod backup;
pub mod logging;
pub mod metrics;
pub mod options;
pub mod otel;
pub mod reader;
pub mod security;
pub mod server;
pub mod settings;
pub mod sla;
pub mod tools;
pub mod unknown;

use std::collections::HashMap;
use std::path::Path;

pub use atlassian::{AtlassianConfig, Deployment, Product, ServiceConfig};
pub use backup::BackupConfig;
pub use logging::{LogFormat, LoggingConfig};
pub use metrics::MetricsConfig;
pub use otel::{OtelConfig, OtlpProtocol, TraceSampler};
pub use reader::ConfigError;
pub use security::{Cidr, RateLimits, SecurityConfig};
pub use server::{
    AllowList, ConnectionLimits, HostPattern, OriginPattern, ServerConfig, SessionLimits, Transport,
};
pub use settings::{RawArgs, Settings, Source};
pub use sla::SlaConfig;
pub use tools::ToolsConfig;

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listener and transports.
    pub server: ServerConfig,
    /// Logging.
    pub logging: LoggingConfig,
    /// Tool exposure.
    pub tools: ToolsConfig,
    /// Jira and Confluence connections.
    pub atlassian: AtlassianConfig,
    /// API keys, proxies, access log.
    pub security: SecurityConfig,
    /// Config backups and their schedule.
    pub backup: BackupConfig,
    /// The Prometheus metrics listener.
    pub metrics: MetricsConfig,
    /// The raw values this was built from, for `check-config`.
    pub settings: Settings,
    /// OTLP trace export; `None` when no endpoint is set.
    pub otel: Option<OtelConfig>,
}

/// Every configuration error found, in the order found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl Config {
    /// Builds the configuration from resolved settings.
    pub fn from_settings(settings: Settings) -> Result<Config, ConfigErrors> {
        let mut r = reader::Reader::new(&settings);
        let server = ServerConfig::read(&mut r);
        let logging = LoggingConfig::read(&mut r);
        let tools = ToolsConfig::read(&mut r);
        let atlassian = AtlassianConfig::read(&mut r, tools.multi_tenant);
        let security = SecurityConfig::read(&mut r);
        let otel = OtelConfig::read(&mut r);
        let backup = BackupConfig::read(&mut r);
        let metrics = MetricsConfig::read(&mut r);
        if server.transport.is_http()
            && !server.host.is_loopback()
            && !security.has_keys()
            && !security.allow_unauthenticated
        {
            r.rule(format!(
                "HOST={} exposes the MCP endpoints beyond this machine but no API key is configured: set MCP_API_KEY or MCP_API_KEYS_FILE (or HOST=127.0.0.1, or MCP_ALLOW_UNAUTHENTICATED=true to accept the risk)",
                server.host
            ));
        }
        if server.transport.is_http()
            && !server.host.is_loopback()
            && server.public_base_url.is_none()
            && settings.get("MCP_ALLOWED_HOSTS").is_none()
        {
            // Only localhost names would pass the Host check, so behind a proxy (which sends
            // the public name) every MCP request would be refused while /healthz looks fine.
            r.rule(format!(
                "PUBLIC_BASE_URL is unset but HOST={} serves other machines: behind a proxy such as Nginx Proxy Manager every MCP request would get 403 for its Host header; set PUBLIC_BASE_URL to the URL clients use (e.g. https://mcp-atlassian.example.com), or MCP_ALLOWED_HOSTS to the host names they send",
                server.host
            ));
        }
        if logging.to_stdout && server.transport == Transport::Stdio {
            r.rule("MCP_LOGGING_STDOUT=true cannot be used with TRANSPORT=stdio: stdout carries the MCP protocol there; unset it or use an HTTP transport");
        }
        let errors = std::mem::take(&mut r.errors);
        drop(r);
        if errors.is_empty() {
            Ok(Config {
                server,
                logging,
                tools,
                atlassian,
                security,
                backup,
                metrics,
                settings,
                otel,
            })
        } else {
            Err(ConfigErrors(errors))
        }
    }

    /// Resolves CLI arguments against the process environment and the `.env` file, then
    /// builds the configuration. `--env-file` must exist; an implicit `.env` is optional.
    pub fn load(args: &RawArgs) -> Result<Config, ConfigErrors> {
        Config::from_settings(Config::load_settings(args)?)
    }

    /// The raw settings [`Config::load`] would build from.
    pub fn load_settings(args: &RawArgs) -> Result<Settings, ConfigErrors> {
        let (file, path) = match &args.env_file {
            Some(p) => (
                settings::read_env_file(p).map_err(|e| ConfigErrors(vec![e]))?,
                Some(p.clone()),
            ),
            None => {
                let implicit = Path::new(".env");
                if implicit.is_file() {
                    (
                        settings::read_env_file(implicit).map_err(|e| ConfigErrors(vec![e]))?,
                        Some(implicit.to_path_buf()),
                    )
                } else {
                    (HashMap::new(), None)
                }
            }
        };
        let env = |name: &str| std::env::var(name).ok();
        let mut settings = Settings::resolve(args, &env, &file, path);
        let env_names: Vec<String> = std::env::vars_os()
            .filter_map(|(k, _)| k.into_string().ok())
            .collect();
        settings.unknown = unknown::find_unknown(
            env_names
                .iter()
                .map(|n| (n.as_str(), Source::Env))
                .chain(file.keys().map(|n| (n.as_str(), Source::EnvFile))),
        );
        Ok(settings)
    }

    /// Builds a configuration from `(ENV_NAME, value)` pairs only; for tests and embedders.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Config, ConfigErrors> {
        Config::from_settings(Settings::from_pairs(pairs))
    }

    /// The effective configuration, one `NAME=value (source)` line per option, secrets as
    /// `***set***`.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        if let Some(p) = &self.settings.env_file {
            out.push_str(&format!("# env file: {}\n", p.display()));
        }
        let mut group = "";
        for o in options::OPTIONS {
            if o.group != group {
                group = o.group;
                out.push_str(&format!("# {group}\n"));
            }
            let source = self.settings.source(o.env);
            let shown = match self.settings.get(o.env) {
                Some(_) if o.secret => "***set***".to_owned(),
                Some(v) => v.to_owned(),
                None => match o.default {
                    Some(d) => d.to_owned(),
                    None => "(unset)".to_owned(),
                },
            };
            out.push_str(&format!("{}={} ({})\n", o.env, shown, source.as_str()));
        }
        for u in &self.settings.unknown {
            out.push_str(&format!("# warning: {}\n", u.message()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_shows_sources_and_hides_secrets() {
        let c = Config::from_pairs([
            ("JIRA_URL", "https://a.atlassian.net"),
            ("JIRA_USERNAME", "me@a.com"),
            ("JIRA_API_TOKEN", "s3cr3t-value"),
        ])
        .expect("valid");
        let text = c.describe();
        assert!(!text.contains("s3cr3t-value"));
        assert!(text.contains("JIRA_API_TOKEN=***set*** (env)"), "{text}");
        assert!(text.contains("PORT=8000 (default)"), "{text}");
        assert!(
            text.contains("JIRA_URL=https://a.atlassian.net (env)"),
            "{text}"
        );
    }

    #[test]
    fn every_error_is_reported_not_just_the_first() {
        let errs = Config::from_pairs([
            ("PORT", "x"),
            ("TRANSPORT", "tcp"),
            ("STATELESS", "perhaps"),
        ])
        .expect_err("invalid");
        assert_eq!(errs.0.len(), 3, "{errs}");
    }

    #[test]
    fn stdout_logging_is_refused_with_stdio_transport() {
        let errs = Config::from_pairs([("MCP_LOGGING_STDOUT", "true")]).expect_err("invalid");
        assert!(
            errs.to_string()
                .contains("MCP_LOGGING_STDOUT=true cannot be used with TRANSPORT=stdio")
        );
    }
}
