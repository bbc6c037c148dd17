//! The client IP of every request (`MCP_TRUSTED_PROXIES`), resolved once, outermost after
//! the access log: it goes into the request extensions for the layers below and into the
//! response extensions for the access log, so refusals name their client too.
//!
//! Forwarded headers from a peer that is not a trusted proxy are ignored (a direct client
//! cannot choose its IP). When such a peer is a private or loopback address, it is almost
//! always a reverse proxy the operator forgot to trust — every client behind it would then
//! share one IP, one per-IP budget and one failed-key budget — so the server says so, once.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use crate::config::Cidr;
use crate::mcp::ClientIp;
use crate::security::client_ip;

/// Trusted proxies, and whether the untrusted-proxy warning was given.
#[derive(Debug)]
pub struct ClientAddr {
    trusted: Vec<Cidr>,
    warned: AtomicBool,
}

impl ClientAddr {
    /// Believes forwarded headers from `trusted` only.
    pub fn new(trusted: Vec<Cidr>) -> Arc<Self> {
        Arc::new(ClientAddr {
            trusted,
            warned: AtomicBool::new(false),
        })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|c| c.contains(ip))
    }

    /// The client IP of a request from `peer`; warns once about an untrusted private proxy.
    pub fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer)
            && is_private(peer)
            && has_forwarding_headers(headers)
            && !self.warned.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                peer = %peer,
                "a request from a private address carries X-Forwarded-For/X-Real-IP/Forwarded, but that peer is not in MCP_TRUSTED_PROXIES: the headers are ignored and every client behind this proxy shares its IP, one per-IP budget and one failed-key budget; set MCP_TRUSTED_PROXIES to the proxy's address or network (e.g. 172.16.0.0/12 for Docker networks); logged once"
            );
        }
        client_ip(peer, headers, &self.trusted)
    }
}

fn has_forwarding_headers(headers: &HeaderMap) -> bool {
    ["x-forwarded-for", "x-real-ip", "forwarded"]
        .iter()
        .any(|h| headers.contains_key(*h))
}

/// Loopback, private (RFC 1918, IPv6 unique local), link-local and carrier-grade NAT addresses:
/// where a reverse proxy in front of this server lives.
pub fn is_private(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

/// The layer: puts [`ClientIp`] into the request and the response.
pub async fn resolve_client_ip(
    State(addr): State<Arc<ClientAddr>>,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| addr.resolve(c.0.ip(), request.headers()));
    if let Some(ip) = ip {
        request.extensions_mut().insert(ClientIp(ip));
    }
    let mut response = next.run(request).await;
    if let Some(ip) = ip {
        response.extensions_mut().insert(ClientIp(ip));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn private_means_where_a_proxy_would_live() {
        for p in [
            "127.0.0.1",
            "10.1.2.3",
            "172.18.0.2",
            "192.168.1.1",
            "100.64.0.1",
            "169.254.1.1",
            "::1",
            "fd12::1",
            "fe80::1",
            "::ffff:172.18.0.2",
        ] {
            assert!(is_private(ip(p)), "{p}");
        }
        for p in ["203.0.113.9", "8.8.8.8", "172.32.0.1", "2001:db8::1"] {
            assert!(!is_private(ip(p)), "{p}");
        }
    }

    #[test]
    fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
        let a = ClientAddr::new(Vec::new());
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.2.3.4".parse().expect("value"));
        assert_eq!(a.resolve(ip("172.18.0.2"), &h), ip("172.18.0.2"));
        assert!(a.warned.load(Ordering::Relaxed));
        let trusted = ClientAddr::new(vec![Cidr::parse("172.16.0.0/12").expect("cidr")]);
        assert_eq!(trusted.resolve(ip("172.18.0.2"), &h), ip("1.2.3.4"));
        assert!(!trusted.warned.load(Ordering::Relaxed));
    }
}
