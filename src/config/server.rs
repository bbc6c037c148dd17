//! Settings of the MCP listener: transport, address, paths, HTTP limits and DNS-rebinding lists.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use url::Url;

use super::reader::Reader;

/// Which transport `mcp-atlassian` serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// MCP over stdin/stdout (the reference's default).
    Stdio,
    /// HTTP: `/sse` + `/messages/` and Streamable HTTP on one port.
    Sse,
    /// HTTP: the same endpoints as `Sse`; the name is kept for compatibility.
    StreamableHttp,
}

impl Transport {
    /// True for the HTTP transports.
    pub fn is_http(self) -> bool {
        !matches!(self, Transport::Stdio)
    }

    /// The name as written in `TRANSPORT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Stdio => "stdio",
            Transport::Sse => "sse",
            Transport::StreamableHttp => "streamable-http",
        }
    }
}

/// One entry of `MCP_ALLOWED_HOSTS`: a host name or address, optionally with a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    /// Lower-case host without brackets.
    pub host: String,
    /// Port, when the entry names one.
    pub port: Option<u16>,
}

/// One entry of `MCP_ALLOWED_ORIGINS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    /// `http` or `https`.
    pub scheme: String,
    /// Lower-case host.
    pub host: String,
    /// `None` matches any port.
    pub port: Option<u16>,
}

/// Host and Origin checks on MCP routes (DNS-rebinding protection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowList<T> {
    /// `*`: anything passes.
    Any,
    /// Only these.
    Only(Vec<T>),
}

/// Listener settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `TRANSPORT`, default stdio.
    pub transport: Transport,
    /// `HOST`, default 0.0.0.0.
    pub host: IpAddr,
    /// `PORT`, default 8000.
    pub port: u16,
    /// `STREAMABLE_HTTP_PATH`, default `/mcp`.
    pub streamable_http_path: String,
    /// `STATELESS`, default false.
    pub stateless: bool,
    /// `PUBLIC_BASE_URL`.
    pub public_base_url: Option<Url>,
    /// `MCP_ALLOWED_HOSTS`.
    pub allowed_hosts: AllowList<HostPattern>,
    /// `MCP_ALLOWED_ORIGINS`.
    pub allowed_origins: AllowList<OriginPattern>,
    /// `MCP_MAX_BODY_BYTES`, default 4 MiB.
    pub max_body_bytes: usize,
    /// `MCP_SSE_KEEPALIVE_SECS`, default 15 s.
    pub sse_keepalive: Duration,
    /// `MCP_SHUTDOWN_GRACE_SECS`, default 20 s.
    pub shutdown_grace: Duration,
    /// Connection timeouts.
    pub connections: ConnectionLimits,
    /// Caps and idle expiry of MCP sessions and SSE streams.
    pub sessions: SessionLimits,
}

/// How long a connection may take and stay idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// `MCP_HEADER_READ_TIMEOUT_SECS`, default 10 s: the whole request head must arrive
    /// within it (HTTP/1), also when a kept-alive connection waits for its next request.
    pub header_read_timeout: Duration,
    /// `MCP_IDLE_CONNECTION_TIMEOUT_SECS`, default 60 s: no byte either way for this long and
    /// the connection is shut down gracefully (a request in flight is answered first).
    pub idle_timeout: Duration,
}

/// Caps on open MCP sessions and SSE streams, and when idle ones close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// `MCP_MAX_SESSIONS`, default 2000: Streamable HTTP and legacy SSE sessions together.
    pub max_sessions: usize,
    /// `MCP_MAX_SESSIONS_PER_KEY`, default 200.
    pub max_sessions_per_key: usize,
    /// `MCP_MAX_STREAMS`, default 2000: open `GET /sse` and `GET <streamable path>` streams.
    pub max_streams: usize,
    /// `MCP_MAX_STREAMS_PER_KEY`, default 100.
    pub max_streams_per_key: usize,
    /// `MCP_SESSION_IDLE_SECS`, default 300 s: a session with no open stream and no request
    /// for this long is closed.
    pub idle: Duration,
    /// `MCP_STREAM_IDLE_SECS`, default 86400 s (`None` = 0, never): a session whose client
    /// sent no message for this long is closed even while its stream is open.
    pub stream_idle: Option<Duration>,
}

/// Paths the server owns besides the Streamable HTTP path.
pub const RESERVED_PATHS: &[&str] = &["/sse", "/messages", "/messages/", "/healthz", "/readyz"];

impl ServerConfig {
    pub(super) fn read(r: &mut Reader<'_>) -> ServerConfig {
        let transport = match r.choice("TRANSPORT", &["stdio", "sse", "streamable-http"]) {
            "sse" => Transport::Sse,
            "streamable-http" => Transport::StreamableHttp,
            _ => Transport::Stdio,
        };
        let host = match r.string("HOST") {
            None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Some(h) if h.eq_ignore_ascii_case("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(h) => match h.trim_matches(['[', ']']).parse::<IpAddr>() {
                Ok(ip) => ip,
                Err(_) => {
                    r.invalid(
                        "HOST",
                        "expected an IP address such as 0.0.0.0, 127.0.0.1 or ::, or localhost",
                    );
                    IpAddr::V4(Ipv4Addr::UNSPECIFIED)
                }
            },
        };
        let port = r.u64_in("PORT", 0, 65535) as u16;
        let streamable_http_path = r
            .string("STREAMABLE_HTTP_PATH")
            .unwrap_or_else(|| "/mcp".into());
        let path_ok = streamable_http_path.starts_with('/')
            && streamable_http_path.len() > 1
            && !streamable_http_path.contains(['?', '#', ' ', '*', '{', '}'])
            && !RESERVED_PATHS.contains(&streamable_http_path.as_str());
        if !path_ok {
            r.invalid(
                "STREAMABLE_HTTP_PATH",
                "expected a path starting with / such as /mcp, other than /sse, /messages/, /healthz and /readyz",
            );
        }
        let stateless = r.bool("STATELESS");
        let public_base_url = r.http_url("PUBLIC_BASE_URL");
        let allowed_hosts = read_hosts(r, public_base_url.as_ref());
        let allowed_origins = read_origins(r, &allowed_hosts);
        let max_body_bytes = r.u64_in("MCP_MAX_BODY_BYTES", 1024, 1 << 30) as usize;
        let sse_keepalive = Duration::from_secs(r.u64_in("MCP_SSE_KEEPALIVE_SECS", 1, 300));
        let shutdown_grace = Duration::from_secs(r.u64_in("MCP_SHUTDOWN_GRACE_SECS", 0, 3600));
        let connections = ConnectionLimits {
            header_read_timeout: Duration::from_secs(r.u64_in(
                "MCP_HEADER_READ_TIMEOUT_SECS",
                1,
                300,
            )),
            idle_timeout: Duration::from_secs(r.u64_in(
                "MCP_IDLE_CONNECTION_TIMEOUT_SECS",
                1,
                3600,
            )),
        };
        if connections.idle_timeout <= sse_keepalive {
            r.invalid(
                "MCP_IDLE_CONNECTION_TIMEOUT_SECS",
                format!(
                    "must be longer than MCP_SSE_KEEPALIVE_SECS ({} s): SSE keep-alives are what keeps a quiet stream's connection from counting as idle",
                    sse_keepalive.as_secs()
                ),
            );
        }
        const MAX_CAP: u64 = 1_000_000;
        let sessions = SessionLimits {
            max_sessions: r.u64_in("MCP_MAX_SESSIONS", 1, MAX_CAP) as usize,
            max_sessions_per_key: r.u64_in("MCP_MAX_SESSIONS_PER_KEY", 1, MAX_CAP) as usize,
            max_streams: r.u64_in("MCP_MAX_STREAMS", 1, MAX_CAP) as usize,
            max_streams_per_key: r.u64_in("MCP_MAX_STREAMS_PER_KEY", 1, MAX_CAP) as usize,
            idle: Duration::from_secs(r.u64_in("MCP_SESSION_IDLE_SECS", 1, 86_400)),
            stream_idle: match r.u64_in("MCP_STREAM_IDLE_SECS", 0, 604_800) {
                0 => None,
                secs => Some(Duration::from_secs(secs)),
            },
        };
        ServerConfig {
            transport,
            host,
            port,
            streamable_http_path: if path_ok {
                streamable_http_path
            } else {
                "/mcp".into()
            },
            stateless,
            public_base_url,
            allowed_hosts,
            allowed_origins,
            max_body_bytes,
            sse_keepalive,
            shutdown_grace,
            connections,
            sessions,
        }
    }
}

fn loopback_hosts() -> Vec<HostPattern> {
    ["localhost", "127.0.0.1", "::1"]
        .into_iter()
        .map(|h| HostPattern {
            host: h.into(),
            port: None,
        })
        .collect()
}

fn read_hosts(r: &mut Reader<'_>, public: Option<&Url>) -> AllowList<HostPattern> {
    let items = r.list("MCP_ALLOWED_HOSTS");
    if items.iter().any(|i| i == "*") {
        return AllowList::Any;
    }
    let mut hosts = loopback_hosts();
    if let Some(h) = public.and_then(Url::host_str) {
        hosts.push(HostPattern {
            host: h.trim_matches(['[', ']']).to_ascii_lowercase(),
            port: None,
        });
    }
    for item in items {
        match parse_host_pattern(&item) {
            Some(p) => hosts.push(p),
            None => r.invalid(
                "MCP_ALLOWED_HOSTS",
                format!("entry {item:?} is not a host or host:port; use e.g. mcp.example.com,mcp.example.com:8443 or *"),
            ),
        }
    }
    AllowList::Only(hosts)
}

/// Parses `host`, `host:port`, `[v6]` or `[v6]:port`.
pub fn parse_host_pattern(raw: &str) -> Option<HostPattern> {
    let raw = raw.trim().to_ascii_lowercase();
    if raw.is_empty() || raw.contains(['/', ' ', '@']) {
        return None;
    }
    if let Some(rest) = raw.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        host.parse::<Ipv6Addr>().ok()?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse::<u16>().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some(HostPattern {
            host: host.into(),
            port,
        });
    }
    if raw.parse::<Ipv6Addr>().is_ok() {
        return Some(HostPattern {
            host: raw,
            port: None,
        });
    }
    match raw.rsplit_once(':') {
        Some((h, p)) => Some(HostPattern {
            host: h.into(),
            port: Some(p.parse().ok()?),
        }),
        None => Some(HostPattern {
            host: raw,
            port: None,
        }),
    }
}

fn read_origins(r: &mut Reader<'_>, hosts: &AllowList<HostPattern>) -> AllowList<OriginPattern> {
    let items = r.list("MCP_ALLOWED_ORIGINS");
    if items.iter().any(|i| i == "*") {
        return AllowList::Any;
    }
    let mut origins = Vec::new();
    if items.is_empty() {
        // Browsers on a page served from an allowed host may call us; anything else is the
        // DNS-rebinding case the check exists for.
        match hosts {
            AllowList::Any => return AllowList::Any,
            AllowList::Only(hs) => {
                for h in hs {
                    for scheme in ["http", "https"] {
                        origins.push(OriginPattern {
                            scheme: scheme.into(),
                            host: h.host.clone(),
                            port: None,
                        });
                    }
                }
            }
        }
    }
    for item in items {
        match parse_origin_pattern(&item) {
            Some(o) => origins.push(o),
            None => r.invalid(
                "MCP_ALLOWED_ORIGINS",
                format!("entry {item:?} is not an origin; use e.g. https://app.example.com or http://localhost:3000 or *"),
            ),
        }
    }
    AllowList::Only(origins)
}

/// Parses `scheme://host[:port]`; a `:*` port matches any port.
pub fn parse_origin_pattern(raw: &str) -> Option<OriginPattern> {
    let raw = raw.trim().to_ascii_lowercase();
    let (scheme, rest) = raw.split_once("://")?;
    if !matches!(scheme, "http" | "https") || rest.contains('/') {
        return None;
    }
    let (host, port) = if let Some(h) = rest.strip_suffix(":*") {
        (h.to_owned(), None)
    } else {
        let p = parse_host_pattern(rest)?;
        (p.host, p.port)
    };
    if host.is_empty() {
        return None;
    }
    Some(OriginPattern {
        scheme: scheme.into(),
        host: host.trim_matches(['[', ']']).into(),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn read(pairs: &[(&str, &str)]) -> (ServerConfig, Vec<String>) {
        let s = Settings::from_pairs(pairs.iter().copied());
        let mut r = Reader::new(&s);
        let c = ServerConfig::read(&mut r);
        (c, r.errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn defaults_follow_the_reference_server() {
        let (c, errs) = read(&[]);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(c.transport, Transport::Stdio);
        assert_eq!(c.host.to_string(), "0.0.0.0");
        assert_eq!(c.port, 8000);
        assert_eq!(c.streamable_http_path, "/mcp");
        assert!(!c.stateless);
        assert_eq!(c.max_body_bytes, 4 * 1024 * 1024);
        assert_eq!(c.sse_keepalive, Duration::from_secs(15));
        assert_eq!(c.shutdown_grace, Duration::from_secs(20));
        assert_eq!(c.connections.header_read_timeout, Duration::from_secs(10));
        assert_eq!(c.connections.idle_timeout, Duration::from_secs(60));
        assert_eq!(
            (
                c.sessions.max_sessions,
                c.sessions.max_sessions_per_key,
                c.sessions.max_streams,
                c.sessions.max_streams_per_key
            ),
            (2000, 200, 2000, 100)
        );
        assert_eq!(c.sessions.idle, Duration::from_secs(300));
        assert_eq!(c.sessions.stream_idle, Some(Duration::from_secs(86_400)));
        let (c, errs) = read(&[("MCP_STREAM_IDLE_SECS", "0")]);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(c.sessions.stream_idle, None, "0 means no limit");
    }

    #[test]
    fn the_public_base_url_host_is_allowed_by_default() {
        let (c, _) = read(&[("PUBLIC_BASE_URL", "https://mcp.example.com/x")]);
        let AllowList::Only(hosts) = c.allowed_hosts else {
            panic!("expected a list")
        };
        assert!(
            hosts
                .iter()
                .any(|h| h.host == "mcp.example.com" && h.port.is_none())
        );
        assert!(hosts.iter().any(|h| h.host == "127.0.0.1"));
    }

    #[test]
    fn a_reserved_or_relative_streamable_path_is_rejected() {
        for bad in ["mcp", "/sse", "/healthz", "/"] {
            let (_, errs) = read(&[("STREAMABLE_HTTP_PATH", bad)]);
            assert!(
                errs[0].starts_with("STREAMABLE_HTTP_PATH="),
                "{bad}: {errs:?}"
            );
        }
    }

    #[test]
    fn host_and_origin_entries_parse_with_ports_and_ipv6() {
        assert_eq!(
            parse_host_pattern("Example.com:8443"),
            Some(HostPattern {
                host: "example.com".into(),
                port: Some(8443)
            })
        );
        assert_eq!(
            parse_host_pattern("[::1]:80"),
            Some(HostPattern {
                host: "::1".into(),
                port: Some(80)
            })
        );
        assert_eq!(parse_host_pattern("http://x"), None);
        assert_eq!(
            parse_origin_pattern("http://localhost:*"),
            Some(OriginPattern {
                scheme: "http".into(),
                host: "localhost".into(),
                port: None
            })
        );
        assert_eq!(parse_origin_pattern("ftp://x"), None);
    }

    #[test]
    fn an_idle_timeout_shorter_than_the_keepalive_is_refused() {
        let (_, errs) = read(&[
            ("MCP_SSE_KEEPALIVE_SECS", "30"),
            ("MCP_IDLE_CONNECTION_TIMEOUT_SECS", "30"),
        ]);
        assert!(
            errs[0].starts_with("MCP_IDLE_CONNECTION_TIMEOUT_SECS=")
                && errs[0].contains("MCP_SSE_KEEPALIVE_SECS"),
            "{errs:?}"
        );
    }

    #[test]
    fn a_bad_host_names_the_variable() {
        let (_, errs) = read(&[("HOST", "my host")]);
        assert!(
            errs[0].starts_with("HOST=\"my host\": expected an IP address"),
            "{errs:?}"
        );
    }
}
