//! Host and Origin validation on MCP routes: the DNS-rebinding protection the MCP spec
//! requires of HTTP servers. A request without an Origin header passes (non-browser clients
//! send none); a bad Host or Origin gets 403 with a JSON body that names the setting to change.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::{AllowList, HostPattern, OriginPattern, server::parse_host_pattern};

/// The allow-lists, as configured.
#[derive(Debug, Clone)]
pub struct HostOriginGuard {
    /// Accepted Host values.
    pub hosts: AllowList<HostPattern>,
    /// Accepted Origin values.
    pub origins: AllowList<OriginPattern>,
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
                    let ok = list.iter().any(|a| {
                        a.host == p.host && a.port.is_none_or(|port| Some(port) == p.port)
                    });
                    if !ok {
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
        None
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
        };
        assert_eq!(
            g.refusal(&headers(&[("host", "x.y"), ("origin", "https://z")]), None),
            None
        );
    }
}
