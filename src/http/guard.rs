//! Host and Origin validation on MCP routes: the DNS-rebinding protection the MCP spec
//! requires of HTTP servers. A request without an Origin header passes (non-browser clients
//! send none); a bad Host or Origin gets 403 with a JSON body that names the setting to change.
//!
//! A Host without a port means the scheme's default port: an entry `name:443` (or `name:80`)
//! accepts `Host: name`, which is what Nginx Proxy Manager sends (`$host` has no port).
//! [`HostCheckStats`] counts what the check refused and accepted, so `/readyz` can warn when
//! every request from outside is being refused (the proxy's name is not the configured one).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::{AllowList, HostPattern, OriginPattern, server::parse_host_pattern};

/// Longest Host value kept for the readiness warning; longer ones are cut.
const MAX_HOST_SHOWN: usize = 100;

/// What the Host check saw since start, for the `/readyz` warning.
#[derive(Debug, Default)]
pub struct HostCheckStats {
    refused: AtomicU64,
    accepted_public: AtomicU64,
    last_refused: Mutex<Option<String>>,
}

impl HostCheckStats {
    fn refused(&self, host: &str) {
        self.refused.fetch_add(1, Ordering::Relaxed);
        let shown: String = host
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(MAX_HOST_SHOWN)
            .collect();
        *self
            .last_refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(shown);
    }

    fn accepted(&self, host: Option<&str>) {
        // Local probes (health_check.sh on 127.0.0.1) must not hide that outside clients fail.
        let local = host
            .and_then(parse_host_pattern)
            .is_none_or(|p| matches!(p.host.as_str(), "localhost" | "127.0.0.1" | "::1"));
        if !local {
            self.accepted_public.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A sentence when requests were refused for their Host and none with a public name was
    /// accepted: the signature of a `PUBLIC_BASE_URL` that is not the name clients use.
    pub fn warning(&self) -> Option<String> {
        let refused = self.refused.load(Ordering::Relaxed);
        if refused == 0 || self.accepted_public.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let last = self
            .last_refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .unwrap_or_default();
        let name = parse_host_pattern(&last)
            .map(|p| p.host)
            .unwrap_or_default();
        Some(format!(
            "{refused} MCP request(s) refused for their Host header and none with a public host name accepted since start; the last had Host {last:?}: if clients use that name, set PUBLIC_BASE_URL=https://{name} (or add it to MCP_ALLOWED_HOSTS)"
        ))
    }
}

/// The allow-lists, as configured.
#[derive(Debug, Clone)]
pub struct HostOriginGuard {
    /// Accepted Host values.
    pub hosts: AllowList<HostPattern>,
    /// Accepted Origin values.
    pub origins: AllowList<OriginPattern>,
    /// Counters for the readiness warning (shared with [`super::Readiness`]).
    pub stats: Arc<HostCheckStats>,
}

impl HostOriginGuard {
    /// Why a request is refused, or `None` when it passes.
    pub fn refusal(
        &self,
        headers: &HeaderMap,
        uri_authority: Option<&str>,
    ) -> Option<&'static str> {
        let host = headers
            .get(header::HOST)
            .map(|v| v.to_str().ok())
            .unwrap_or(uri_authority.map(Some).unwrap_or(None));
        if let AllowList::Only(list) = &self.hosts {
            match host {
                None if headers.contains_key(header::HOST) => {
                    return Some("the Host header is not valid text");
                }
                None => {}
                Some(h) => {
                    let Some(p) = parse_host_pattern(h) else {
                        return Some("the Host header is malformed");
                    };
                    let ok = list.iter().any(|a| a.host == p.host && port_matches(a, &p));
                    if !ok {
                        self.stats.refused(h);
                        return Some(
                            "Host is not allowed; add it to MCP_ALLOWED_HOSTS or set PUBLIC_BASE_URL",
                        );
                    }
                }
            }
        }
        if let (AllowList::Only(list), Some(origin)) = (&self.origins, headers.get(header::ORIGIN))
        {
            let Some(o) = origin.to_str().ok().and_then(parse_origin) else {
                return Some("Origin is not allowed; add it to MCP_ALLOWED_ORIGINS");
            };
            let ok = list
                .iter()
                .any(|a| a.scheme == o.0 && a.host == o.1 && a.port.is_none_or(|p| p == o.2));
            if !ok {
                return Some("Origin is not allowed; add it to MCP_ALLOWED_ORIGINS");
            }
        }
        self.stats.accepted(host);
        None
    }
}

/// An entry without a port takes any port; `name:443` and `name:80` also take a Host without
/// a port (the scheme's default, as proxies forward it).
fn port_matches(allowed: &HostPattern, got: &HostPattern) -> bool {
    match (allowed.port, got.port) {
        (None, _) => true,
        (Some(a), Some(g)) => a == g,
        (Some(a), None) => a == 443 || a == 80,
    }
}

/// `(scheme, host, port)` of an Origin value, with the scheme's default port filled in.
fn parse_origin(raw: &str) -> Option<(String, String, u16)> {
    let raw = raw.trim().to_ascii_lowercase();
    let (scheme, rest) = raw.split_once("://")?;
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let p = parse_host_pattern(rest.trim_end_matches('/'))?;
    Some((scheme.to_owned(), p.host, p.port.unwrap_or(default_port)))
}

/// Axum middleware applying the guard.
pub async fn host_origin_guard(
    State(guard): State<std::sync::Arc<HostOriginGuard>>,
    request: Request,
    next: Next,
) -> Response {
    let authority = request.uri().authority().map(|a| a.as_str().to_owned());
    if let Some(reason) = guard.refusal(request.headers(), authority.as_deref()) {
        tracing::info!(reason, "refused request by Host/Origin check");
        return forbidden(reason);
    }
    next.run(request).await
}

pub use crate::mcp::errors::forbidden;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::server::parse_origin_pattern;

    fn guard() -> HostOriginGuard {
        HostOriginGuard {
            hosts: AllowList::Only(vec![
                HostPattern {
                    host: "localhost".into(),
                    port: None,
                },
                HostPattern {
                    host: "mcp.example.com".into(),
                    port: Some(443),
                },
            ]),
            origins: AllowList::Only(vec![
                parse_origin_pattern("https://app.example.com").expect("valid"),
                parse_origin_pattern("http://localhost:*").expect("valid"),
            ]),
            stats: Arc::default(),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header value"));
        }
        h
    }

    #[test]
    fn allowed_hosts_pass_with_or_without_ports_as_listed() {
        let g = guard();
        assert_eq!(
            g.refusal(&headers(&[("host", "localhost:8000")]), None),
            None
        );
        assert_eq!(
            g.refusal(&headers(&[("host", "mcp.example.com:443")]), None),
            None
        );
        assert!(
            g.refusal(&headers(&[("host", "mcp.example.com:8443")]), None)
                .is_some()
        );
        assert!(
            g.refusal(&headers(&[("host", "evil.example")]), None)
                .is_some()
        );
    }

    #[test]
    fn an_entry_with_the_default_port_accepts_a_host_without_a_port_as_proxies_send_it() {
        let g = guard();
        assert_eq!(
            g.refusal(&headers(&[("host", "mcp.example.com")]), None),
            None
        );
        let plain = HostPattern {
            host: "a.example".into(),
            port: Some(8443),
        };
        let bare = HostPattern {
            host: "a.example".into(),
            port: None,
        };
        assert!(!port_matches(&plain, &bare));
    }

    #[test]
    fn refusals_without_any_public_host_accepted_make_a_readiness_warning() {
        let g = guard();
        assert_eq!(g.stats.warning(), None);
        assert!(
            g.refusal(&headers(&[("host", "mcp.other.example")]), None)
                .is_some()
        );
        // A local probe passing does not hide it.
        assert_eq!(
            g.refusal(&headers(&[("host", "localhost:9889")]), None),
            None
        );
        let w = g.stats.warning().expect("warning");
        assert!(
            w.contains("PUBLIC_BASE_URL=https://mcp.other.example"),
            "{w}"
        );
        assert!(w.starts_with("1 MCP request(s) refused"), "{w}");
        // One public name accepted: the configuration works for someone; no warning.
        assert_eq!(
            g.refusal(&headers(&[("host", "mcp.example.com")]), None),
            None
        );
        assert_eq!(g.stats.warning(), None);
    }

    #[test]
    fn requests_without_origin_pass_and_foreign_origins_do_not() {
        let g = guard();
        assert_eq!(g.refusal(&headers(&[("host", "localhost")]), None), None);
        assert_eq!(
            g.refusal(
                &headers(&[("host", "localhost"), ("origin", "https://app.example.com")]),
                None
            ),
            None
        );
        assert_eq!(
            g.refusal(
                &headers(&[("host", "localhost"), ("origin", "http://localhost:6274")]),
                None
            ),
            None
        );
        let r = g.refusal(
            &headers(&[("host", "localhost"), ("origin", "https://evil.example")]),
            None,
        );
        assert_eq!(
            r,
            Some("Origin is not allowed; add it to MCP_ALLOWED_ORIGINS")
        );
        assert!(
            g.refusal(&headers(&[("host", "localhost"), ("origin", "null")]), None)
                .is_some()
        );
    }

    #[test]
    fn any_disables_the_checks() {
        let g = HostOriginGuard {
            hosts: AllowList::Any,
            origins: AllowList::Any,
            stats: Arc::default(),
        };
        assert_eq!(
            g.refusal(&headers(&[("host", "x.y"), ("origin", "https://z")]), None),
            None
        );
    }
}
