//! The table of every configuration option: environment variable, CLI flag, default and help.
//!
//! This table is the single source of truth for `--help`, `check-config` output and
//! `docs/configuration.md` (a test compares the two). Each concern file of `config/` reads its
//! values by environment-variable name through [`super::Settings`].

/// How an option takes its value on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `--flag VALUE` or `--flag=VALUE`.
    Value,
    /// A boolean: `--flag` alone means `true`; `--flag=false` is accepted too.
    Bool,
}

/// One configuration option.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// Environment variable, also the key in `.env` files.
    pub env: &'static str,
    /// Long CLI flag without the leading dashes.
    pub flag: &'static str,
    /// Default as shown in the docs; `None` means unset.
    pub default: Option<&'static str>,
    /// Never printed or logged when true.
    pub secret: bool,
    /// How the flag takes its value.
    pub kind: Kind,
    /// Group heading in `--help` and the docs.
    pub group: &'static str,
    /// One-line description.
    pub help: &'static str,
}

const fn opt(
    env: &'static str,
    flag: &'static str,
    default: Option<&'static str>,
    group: &'static str,
    help: &'static str,
) -> OptionSpec {
    OptionSpec {
        env,
        flag,
        default,
        secret: false,
        kind: Kind::Value,
        group,
        help,
    }
}

const fn flag(
    env: &'static str,
    flag: &'static str,
    default: &'static str,
    group: &'static str,
    help: &'static str,
) -> OptionSpec {
    OptionSpec {
        env,
        flag,
        default: Some(default),
        secret: false,
        kind: Kind::Bool,
        group,
        help,
    }
}

const fn secret(
    env: &'static str,
    flag: &'static str,
    group: &'static str,
    help: &'static str,
) -> OptionSpec {
    OptionSpec {
        env,
        flag,
        default: None,
        secret: true,
        kind: Kind::Value,
        group,
        help,
    }
}

const SERVER: &str = "Server";
const LOGGING: &str = "Logging";
const TOOLS: &str = "Tools";
const JIRA: &str = "Jira";
const CONFLUENCE: &str = "Confluence";
const ATLASSIAN: &str = "Atlassian (both services)";
const SECURITY: &str = "Security";
const TRACES: &str = "Traces (OpenTelemetry)";
const BACKUP: &str = "Backup";
const METRICS: &str = "Metrics";

/// Every option, in the order `--help` and the docs list them.
pub const OPTIONS: &[OptionSpec] = &[
    // Server
    opt(
        "TRANSPORT",
        "transport",
        Some("stdio"),
        SERVER,
        "stdio, sse or streamable-http; sse and streamable-http both serve /mcp and /sse on one port",
    ),
    opt(
        "HOST",
        "host",
        Some("0.0.0.0"),
        SERVER,
        "address the HTTP server binds (HTTP transports only)",
    ),
    opt(
        "PORT",
        "port",
        Some("8000"),
        SERVER,
        "TCP port of the HTTP server",
    ),
    opt(
        "STREAMABLE_HTTP_PATH",
        "path",
        Some("/mcp"),
        SERVER,
        "path of the Streamable HTTP endpoint",
    ),
    flag(
        "STATELESS",
        "stateless",
        "false",
        SERVER,
        "Streamable HTTP without sessions, answering plain JSON (for load balancers and serverless callers)",
    ),
    opt(
        "PUBLIC_BASE_URL",
        "public-base-url",
        None,
        SERVER,
        "URL clients use to reach this server (e.g. https://mcp.example.com); its host is allowed by default; required (or MCP_ALLOWED_HOSTS) when HOST is not loopback",
    ),
    opt(
        "MCP_ALLOWED_HOSTS",
        "allowed-hosts",
        Some("localhost,127.0.0.1,::1 + host of PUBLIC_BASE_URL"),
        SERVER,
        "comma list of Host header values accepted on MCP routes (host or host:port, where host:443 and host:80 also take the bare host; * allows any)",
    ),
    opt(
        "MCP_ALLOWED_ORIGINS",
        "allowed-origins",
        Some("origins whose host is an allowed host"),
        SERVER,
        "comma list of Origin values accepted on MCP routes (scheme://host[:port]; * allows any); requests without Origin always pass",
    ),
    opt(
        "MCP_MAX_BODY_BYTES",
        "max-body-bytes",
        Some("4194304"),
        SERVER,
        "largest request body accepted; larger bodies get 413",
    ),
    opt(
        "MCP_SSE_KEEPALIVE_SECS",
        "sse-keepalive-secs",
        Some("15"),
        SERVER,
        "seconds between keep-alive comments on SSE streams (1-300)",
    ),
    opt(
        "MCP_SHUTDOWN_GRACE_SECS",
        "shutdown-grace-secs",
        Some("20"),
        SERVER,
        "seconds in-flight requests get to finish after SIGTERM/SIGINT (0-3600)",
    ),
    opt(
        "MCP_HEADER_READ_TIMEOUT_SECS",
        "header-read-timeout-secs",
        Some("10"),
        SERVER,
        "seconds a connection gets to send a complete request head (also the wait for the next request on a kept-alive connection) before it is closed (1-300)",
    ),
    opt(
        "MCP_IDLE_CONNECTION_TIMEOUT_SECS",
        "idle-connection-timeout-secs",
        Some("60"),
        SERVER,
        "seconds a connection may move no byte either way before it is closed; a request in flight is finished first (1-3600, longer than MCP_SSE_KEEPALIVE_SECS)",
    ),
    opt(
        "MCP_MAX_SESSIONS",
        "max-sessions",
        Some("2000"),
        SERVER,
        "open MCP sessions (Streamable HTTP and legacy SSE together) the server holds; past it a new session gets 503 (1-1000000)",
    ),
    opt(
        "MCP_MAX_SESSIONS_PER_KEY",
        "max-sessions-per-key",
        Some("200"),
        SERVER,
        "open MCP sessions one API key may hold; past it a new session gets 429 (1-1000000)",
    ),
    opt(
        "MCP_MAX_STREAMS",
        "max-streams",
        Some("2000"),
        SERVER,
        "open SSE streams (GET /sse and GET on the Streamable HTTP path) the server holds; past it a new stream gets 503 (1-1000000)",
    ),
    opt(
        "MCP_MAX_STREAMS_PER_KEY",
        "max-streams-per-key",
        Some("100"),
        SERVER,
        "open SSE streams one API key may hold; past it a new stream gets 429 (1-1000000)",
    ),
    opt(
        "MCP_SESSION_IDLE_SECS",
        "session-idle-secs",
        Some("300"),
        SERVER,
        "seconds a Streamable HTTP session with no open stream and no request lives before it is closed (1-86400)",
    ),
    opt(
        "MCP_STREAM_IDLE_SECS",
        "stream-idle-secs",
        Some("86400"),
        SERVER,
        "seconds a session (with its streams) lives without a client message, even while a stream is open; keep-alives do not count (0 = no limit, up to 604800)",
    ),
    // Metrics
    flag(
        "PROMETHEUS_ENABLED",
        "prometheus-enabled",
        "true",
        METRICS,
        "serve Prometheus metrics at /metrics on their own listener (HTTP transports only; stdio never does)",
    ),
    opt(
        "PROMETHEUS_HOST",
        "prometheus-host",
        Some("127.0.0.1"),
        METRICS,
        "address the metrics listener binds; open it to the monitoring network deliberately",
    ),
    opt(
        "PROMETHEUS_PORT",
        "prometheus-port",
        Some("9090"),
        METRICS,
        "TCP port of the metrics listener (0 = any free port)",
    ),
    // Logging
    flag(
        "MCP_VERBOSE",
        "mcp-verbose",
        "false",
        LOGGING,
        "debug logs from this server (same as -v)",
    ),
    flag(
        "MCP_VERY_VERBOSE",
        "mcp-very-verbose",
        "false",
        LOGGING,
        "debug logs from this server and its libraries (same as -vv)",
    ),
    flag(
        "MCP_LOGGING_STDOUT",
        "logging-stdout",
        "false",
        LOGGING,
        "write logs to stdout instead of stderr (not allowed with the stdio transport)",
    ),
    opt(
        "LOG_FORMAT",
        "log-format",
        Some("json when the log stream is not a terminal, else pretty"),
        LOGGING,
        "json or pretty",
    ),
    // Traces (OpenTelemetry): the SDK's standard names, read here so mistakes stop the start.
    opt(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "otel-exporter-otlp-endpoint",
        None,
        TRACES,
        "OTLP collector base URL (e.g. http://127.0.0.1:4318); traces are exported only when this or the traces endpoint is set",
    ),
    opt(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "otel-exporter-otlp-traces-endpoint",
        None,
        TRACES,
        "full traces URL, used as is (overrides the base URL)",
    ),
    opt(
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "otel-exporter-otlp-protocol",
        Some("http/protobuf"),
        TRACES,
        "http/protobuf (POST to <endpoint>/v1/traces) or grpc",
    ),
    secret(
        "OTEL_EXPORTER_OTLP_HEADERS",
        "otel-exporter-otlp-headers",
        TRACES,
        "headers (gRPC metadata) sent to the collector, as key=value,key2=value2 with %-escaped values",
    ),
    opt(
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        "otel-exporter-otlp-timeout",
        Some("10000"),
        TRACES,
        "milliseconds one export may take before it is dropped",
    ),
    opt(
        "OTEL_SERVICE_NAME",
        "otel-service-name",
        Some("mcp-atlassian"),
        TRACES,
        "service.name of the exported spans",
    ),
    opt(
        "OTEL_TRACES_SAMPLER",
        "otel-traces-sampler",
        Some("parentbased_always_on"),
        TRACES,
        "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio",
    ),
    opt(
        "OTEL_TRACES_SAMPLER_ARG",
        "otel-traces-sampler-arg",
        Some("1.0"),
        TRACES,
        "sampling ratio from 0 to 1 for the traceidratio samplers",
    ),
    // Tools
    flag(
        "READ_ONLY_MODE",
        "read-only",
        "false",
        TOOLS,
        "hide and refuse every tool that writes",
    ),
    opt(
        "ENABLED_TOOLS",
        "enabled-tools",
        None,
        TOOLS,
        "comma list of tool names; only these are exposed (intersected with TOOLSETS)",
    ),
    opt(
        "TOOLSETS",
        "toolsets",
        Some("default"),
        TOOLS,
        "comma list of toolset names, or default, or all, or dynamic (below); an unknown name stops the server",
    ),
    flag(
        "MULTI_TENANT_MODE",
        "multi-tenant-mode",
        "false",
        TOOLS,
        "never use the global Atlassian credentials for MCP requests; each request must bring its own",
    ),
    opt(
        "ATTACHMENT_MAX_BYTES",
        "attachment-max-bytes",
        Some("10485760"),
        TOOLS,
        "largest attachment the attachment tools download or upload, in bytes",
    ),
    opt(
        "ATTACHMENTS_DIR",
        "attachments-dir",
        None,
        TOOLS,
        "directory whose files jira_update_issue may attach by path over HTTP transports; unset: paths only with stdio",
    ),
    // Jira
    opt(
        "JIRA_URL",
        "jira-url",
        None,
        JIRA,
        "Jira base URL, e.g. https://your-company.atlassian.net",
    ),
    opt(
        "JIRA_USERNAME",
        "jira-username",
        None,
        JIRA,
        "Jira user (email on Cloud) for basic auth",
    ),
    secret(
        "JIRA_API_TOKEN",
        "jira-token",
        JIRA,
        "Jira API token (Cloud) or password (Server/DC) for basic auth",
    ),
    secret(
        "JIRA_PERSONAL_TOKEN",
        "jira-personal-token",
        JIRA,
        "Jira personal access token (Server/DC), sent as Bearer",
    ),
    secret(
        "JIRA_OAUTH_ACCESS_TOKEN",
        "jira-oauth-access-token",
        JIRA,
        "OAuth access token for Jira Data Center (bring your own token)",
    ),
    flag(
        "JIRA_SSL_VERIFY",
        "jira-ssl-verify",
        "true",
        JIRA,
        "verify Jira's TLS certificate",
    ),
    opt(
        "JIRA_PROJECTS_FILTER",
        "jira-projects-filter",
        None,
        JIRA,
        "comma list of project keys; every search and read is confined to them",
    ),
    opt(
        "JIRA_TIMEOUT",
        "jira-timeout",
        Some("75"),
        JIRA,
        "seconds before a Jira request times out (1-600)",
    ),
    opt(
        "JIRA_DEPLOYMENT",
        "jira-deployment",
        Some("auto"),
        JIRA,
        "auto, cloud or server; auto decides from the URL host (*.atlassian.net and similar are Cloud)",
    ),
    secret(
        "JIRA_CUSTOM_HEADERS",
        "jira-custom-headers",
        JIRA,
        "extra headers on every Jira request: Name=value,Name2=value2",
    ),
    opt(
        "JIRA_HTTP_PROXY",
        "jira-http-proxy",
        None,
        JIRA,
        "proxy for http:// Jira URLs (overrides HTTP_PROXY)",
    ),
    opt(
        "JIRA_HTTPS_PROXY",
        "jira-https-proxy",
        None,
        JIRA,
        "proxy for https:// Jira URLs (overrides HTTPS_PROXY)",
    ),
    opt(
        "JIRA_SOCKS_PROXY",
        "jira-socks-proxy",
        None,
        JIRA,
        "SOCKS proxy for Jira (overrides SOCKS_PROXY)",
    ),
    opt(
        "JIRA_NO_PROXY",
        "jira-no-proxy",
        None,
        JIRA,
        "comma list of hosts that bypass the Jira proxy (overrides NO_PROXY)",
    ),
    opt(
        "JIRA_CLIENT_CERT",
        "jira-client-cert",
        None,
        JIRA,
        "PEM client certificate for mutual TLS to Jira",
    ),
    opt(
        "JIRA_CLIENT_KEY",
        "jira-client-key",
        None,
        JIRA,
        "PEM private key for JIRA_CLIENT_CERT",
    ),
    secret(
        "JIRA_CLIENT_KEY_PASSWORD",
        "jira-client-key-password",
        JIRA,
        "password of an encrypted JIRA_CLIENT_KEY",
    ),
    opt(
        "JIRA_SLA_METRICS",
        "jira-sla-metrics",
        Some("cycle_time,time_in_status"),
        JIRA,
        "metrics jira_get_issue_sla computes by default: cycle_time, lead_time, time_in_status, due_date_compliance, resolution_time, first_response_time",
    ),
    flag(
        "JIRA_SLA_WORKING_HOURS_ONLY",
        "jira-sla-working-hours-only",
        "false",
        JIRA,
        "SLA durations count working hours only",
    ),
    opt(
        "JIRA_SLA_WORKING_HOURS_START",
        "jira-sla-working-hours-start",
        Some("09:00"),
        JIRA,
        "start of the working day (HH:MM, 24-hour, in JIRA_SLA_TIMEZONE)",
    ),
    opt(
        "JIRA_SLA_WORKING_HOURS_END",
        "jira-sla-working-hours-end",
        Some("17:00"),
        JIRA,
        "end of the working day (HH:MM, after the start)",
    ),
    opt(
        "JIRA_SLA_WORKING_DAYS",
        "jira-sla-working-days",
        Some("1,2,3,4,5"),
        JIRA,
        "working days as ISO weekdays, 1 = Monday ... 7 = Sunday",
    ),
    opt(
        "JIRA_SLA_TIMEZONE",
        "jira-sla-timezone",
        Some("UTC"),
        JIRA,
        "IANA time zone of the working hours, e.g. Europe/Berlin",
    ),
    // Confluence
    opt(
        "CONFLUENCE_URL",
        "confluence-url",
        None,
        CONFLUENCE,
        "Confluence base URL, e.g. https://your-company.atlassian.net/wiki",
    ),
    opt(
        "CONFLUENCE_USERNAME",
        "confluence-username",
        None,
        CONFLUENCE,
        "Confluence user (email on Cloud) for basic auth",
    ),
    secret(
        "CONFLUENCE_API_TOKEN",
        "confluence-token",
        CONFLUENCE,
        "Confluence API token (Cloud) or password (Server/DC) for basic auth",
    ),
    secret(
        "CONFLUENCE_PERSONAL_TOKEN",
        "confluence-personal-token",
        CONFLUENCE,
        "Confluence personal access token (Server/DC), sent as Bearer",
    ),
    secret(
        "CONFLUENCE_OAUTH_ACCESS_TOKEN",
        "confluence-oauth-access-token",
        CONFLUENCE,
        "OAuth access token for Confluence Data Center (bring your own token)",
    ),
    flag(
        "CONFLUENCE_SSL_VERIFY",
        "confluence-ssl-verify",
        "true",
        CONFLUENCE,
        "verify Confluence's TLS certificate",
    ),
    opt(
        "CONFLUENCE_SPACES_FILTER",
        "confluence-spaces-filter",
        None,
        CONFLUENCE,
        "comma list of space keys; every search and read is confined to them",
    ),
    opt(
        "CONFLUENCE_TIMEOUT",
        "confluence-timeout",
        Some("75"),
        CONFLUENCE,
        "seconds before a Confluence request times out (1-600)",
    ),
    opt(
        "CONFLUENCE_DEPLOYMENT",
        "confluence-deployment",
        Some("auto"),
        CONFLUENCE,
        "auto, cloud or server; auto decides from the URL host",
    ),
    secret(
        "CONFLUENCE_CUSTOM_HEADERS",
        "confluence-custom-headers",
        CONFLUENCE,
        "extra headers on every Confluence request: Name=value,Name2=value2",
    ),
    opt(
        "CONFLUENCE_HTTP_PROXY",
        "confluence-http-proxy",
        None,
        CONFLUENCE,
        "proxy for http:// Confluence URLs (overrides HTTP_PROXY)",
    ),
    opt(
        "CONFLUENCE_HTTPS_PROXY",
        "confluence-https-proxy",
        None,
        CONFLUENCE,
        "proxy for https:// Confluence URLs (overrides HTTPS_PROXY)",
    ),
    opt(
        "CONFLUENCE_SOCKS_PROXY",
        "confluence-socks-proxy",
        None,
        CONFLUENCE,
        "SOCKS proxy for Confluence (overrides SOCKS_PROXY)",
    ),
    opt(
        "CONFLUENCE_NO_PROXY",
        "confluence-no-proxy",
        None,
        CONFLUENCE,
        "comma list of hosts that bypass the Confluence proxy (overrides NO_PROXY)",
    ),
    opt(
        "CONFLUENCE_CLIENT_CERT",
        "confluence-client-cert",
        None,
        CONFLUENCE,
        "PEM client certificate for mutual TLS to Confluence",
    ),
    opt(
        "CONFLUENCE_CLIENT_KEY",
        "confluence-client-key",
        None,
        CONFLUENCE,
        "PEM private key for CONFLUENCE_CLIENT_CERT",
    ),
    secret(
        "CONFLUENCE_CLIENT_KEY_PASSWORD",
        "confluence-client-key-password",
        CONFLUENCE,
        "password of an encrypted CONFLUENCE_CLIENT_KEY",
    ),
    // Atlassian, both services
    opt(
        "HTTP_PROXY",
        "http-proxy",
        None,
        ATLASSIAN,
        "proxy for http:// Atlassian URLs",
    ),
    opt(
        "HTTPS_PROXY",
        "https-proxy",
        None,
        ATLASSIAN,
        "proxy for https:// Atlassian URLs",
    ),
    opt(
        "SOCKS_PROXY",
        "socks-proxy",
        None,
        ATLASSIAN,
        "SOCKS proxy for Atlassian requests",
    ),
    opt(
        "NO_PROXY",
        "no-proxy",
        None,
        ATLASSIAN,
        "comma list of hosts that bypass the proxy",
    ),
    opt(
        "ATLASSIAN_OAUTH_CLIENT_ID",
        "oauth-client-id",
        None,
        ATLASSIAN,
        "OAuth 2.0 client id",
    ),
    secret(
        "ATLASSIAN_OAUTH_CLIENT_SECRET",
        "oauth-client-secret",
        ATLASSIAN,
        "OAuth 2.0 client secret",
    ),
    opt(
        "ATLASSIAN_OAUTH_REDIRECT_URI",
        "oauth-redirect-uri",
        None,
        ATLASSIAN,
        "OAuth 2.0 redirect URI",
    ),
    opt(
        "ATLASSIAN_OAUTH_SCOPE",
        "oauth-scope",
        None,
        ATLASSIAN,
        "OAuth 2.0 scopes, space separated",
    ),
    opt(
        "ATLASSIAN_OAUTH_CLOUD_ID",
        "oauth-cloud-id",
        None,
        ATLASSIAN,
        "Atlassian Cloud id used with OAuth access tokens",
    ),
    secret(
        "ATLASSIAN_OAUTH_ACCESS_TOKEN",
        "oauth-access-token",
        ATLASSIAN,
        "OAuth 2.0 access token you manage yourself (bring your own token)",
    ),
    flag(
        "ATLASSIAN_OAUTH_ENABLE",
        "oauth-enable",
        "false",
        ATLASSIAN,
        "accept OAuth tokens per request without global credentials",
    ),
    opt(
        "ATLASSIAN_OAUTH_API_BASE",
        "oauth-api-base",
        Some("https://api.atlassian.com"),
        ATLASSIAN,
        "base of the Atlassian API gateway (OAuth /ex/jira/{cloudId}, Jira Forms); override only for tests",
    ),
    opt(
        "ATLASSIAN_RETRY_MAX_WAIT_SECS",
        "retry-max-wait-secs",
        Some("30"),
        ATLASSIAN,
        "longest Retry-After the client waits out before giving up (0-600)",
    ),
    opt(
        "ATLASSIAN_MAX_CONCURRENT_REQUESTS",
        "max-concurrent-requests",
        Some("16"),
        ATLASSIAN,
        "cap on concurrent upstream requests per service (1-1024)",
    ),
    // Security
    secret(
        "MCP_API_KEY",
        "api-key",
        SECURITY,
        "one API key (id default, read and write) clients send as X-API-Key",
    ),
    opt(
        "MCP_API_KEYS_FILE",
        "api-keys-file",
        None,
        SECURITY,
        "TOML file of hashed API keys (manage it with mcp-atlassian keys ...); reloaded when it changes and on SIGHUP",
    ),
    flag(
        "MCP_ALLOW_UNAUTHENTICATED",
        "allow-unauthenticated",
        "false",
        SECURITY,
        "allow binding a non-loopback HOST with no API key configured",
    ),
    opt(
        "MCP_TRUSTED_PROXIES",
        "trusted-proxies",
        None,
        SECURITY,
        "comma list of proxy addresses or CIDRs whose X-Forwarded-For / X-Real-IP is believed (docker-compose.yml: 172.16.0.0/12,192.168.0.0/16)",
    ),
    flag(
        "MCP_LOG_ACCESS",
        "log-access",
        "true",
        SECURITY,
        "one structured access-log line per HTTP request",
    ),
    opt(
        "MCP_RATE_LIMIT_PER_MINUTE",
        "rate-limit-per-minute",
        Some("60"),
        SECURITY,
        "MCP messages per API key per minute (0 = no limit)",
    ),
    opt(
        "MCP_RATE_LIMIT_PER_HOUR",
        "rate-limit-per-hour",
        Some("1000"),
        SECURITY,
        "MCP messages per API key per hour (0 = no limit)",
    ),
    opt(
        "MCP_RATE_LIMIT_IP_PER_MINUTE",
        "rate-limit-ip-per-minute",
        Some("MCP_RATE_LIMIT_PER_MINUTE"),
        SECURITY,
        "MCP messages per client IP per minute (0 = no limit)",
    ),
    opt(
        "MCP_RATE_LIMIT_IP_PER_HOUR",
        "rate-limit-ip-per-hour",
        Some("MCP_RATE_LIMIT_PER_HOUR"),
        SECURITY,
        "MCP messages per client IP per hour (0 = no limit)",
    ),
    opt(
        "MCP_AUTH_FAILURES_PER_MINUTE",
        "auth-failures-per-minute",
        Some("10"),
        SECURITY,
        "failed API-key attempts per client IP per minute before even a correct key from it waits (0 = no limit)",
    ),
    opt(
        "MCP_AUDIT_LOG_FILE",
        "audit-log-file",
        None,
        SECURITY,
        "also append every write tool call to this file as JSON lines (fsync'd, never truncated)",
    ),
    secret(
        "MCP_RATE_LIMIT_REDIS_URL",
        "rate-limit-redis-url",
        SECURITY,
        "redis://host:6379/0 to share the request budgets across replicas (in-process when unset)",
    ),
    opt(
        "MCP_RATE_LIMIT_REDIS_FAILURE",
        "rate-limit-redis-failure",
        Some("open"),
        SECURITY,
        "when Redis is unreachable: open (fall back to in-process limits, logged and counted) or closed (answer 503)",
    ),
    opt(
        "MCP_ALLOWED_URL_DOMAINS",
        "allowed-url-domains",
        None,
        SECURITY,
        "comma list of domains (and IPs/CIDRs) a caller may name in X-Atlassian-Jira-Url / X-Atlassian-Confluence-Url; unset disables those headers",
    ),
    // Backup
    flag(
        "BACKUP_ENABLED",
        "backup-enabled",
        "false",
        BACKUP,
        "run config backups inside the server on BACKUP_SCHEDULE",
    ),
    opt(
        "BACKUP_SCHEDULE",
        "backup-schedule",
        Some("0 2 * * *"),
        BACKUP,
        "cron expression, 5 fields (min hour day month weekday) or 6 with seconds first",
    ),
    opt(
        "BACKUP_TIMEZONE",
        "backup-timezone",
        Some("TZ, else UTC"),
        BACKUP,
        "IANA zone BACKUP_SCHEDULE is read in, e.g. Europe/Berlin",
    ),
    opt(
        "BACKUP_DIR",
        "backup-dir",
        Some("backups"),
        BACKUP,
        "directory the backups are written to (created if missing, files mode 0600)",
    ),
    opt(
        "BACKUP_RETENTION_COUNT",
        "backup-retention-count",
        Some("14"),
        BACKUP,
        "how many newest backups to keep (1-10000); older ones are deleted after a successful run",
    ),
    opt(
        "BACKUP_INCLUDE",
        "backup-include",
        None,
        BACKUP,
        "comma list of extra files to back up besides the env file and MCP_API_KEYS_FILE, e.g. docker-compose.yml",
    ),
    opt(
        "BACKUP_ENCRYPTION_RECIPIENTS",
        "backup-encryption-recipients",
        None,
        BACKUP,
        "comma list of age public keys (age1...) to encrypt backups to; unset writes plaintext (warned on every run)",
    ),
];

/// The option with this environment variable name.
pub fn find(env: &str) -> Option<&'static OptionSpec> {
    OPTIONS.iter().find(|o| o.env == env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_env_name_and_flag_is_unique() {
        let mut envs = HashSet::new();
        let mut flags = HashSet::new();
        for o in OPTIONS {
            assert!(envs.insert(o.env), "duplicate env {}", o.env);
            assert!(flags.insert(o.flag), "duplicate flag {}", o.flag);
        }
    }

    #[test]
    fn option_names_with_a_unit_say_it() {
        for o in OPTIONS {
            if o.env.ends_with("_TIMEOUT") {
                continue; // reference names, kept for compatibility; the docs give the unit
            }
            if o.help.starts_with("seconds") {
                assert!(
                    o.env.ends_with("_SECS"),
                    "{} is in seconds but its name does not say so",
                    o.env
                );
            }
        }
    }
}
