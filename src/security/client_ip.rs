//! The client's IP address: the socket peer, unless the peer is a trusted proxy, in which
//! case the right-most address of `X-Forwarded-For` that is not itself a trusted proxy (or
//! `X-Real-IP`). A client that connects directly cannot choose its IP through a header.

use std::net::IpAddr;

use http::HeaderMap;

use crate::config::Cidr;

/// Resolves the client IP of a request that arrived from `peer`.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect();
    if let Some(ip) = forwarded.iter().rev().find(|ip| !is_trusted(**ip)) {
        return *ip;
    }
    headers
        .get("x-real-ip")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<IpAddr>().ok())
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().expect("value"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn a_direct_client_cannot_spoof_its_address() {
        let trusted = [Cidr::parse("172.18.0.0/16").expect("cidr")];
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-real-ip", "5.6.7.8")]);
        assert_eq!(
            client_ip(ip("203.0.113.9"), &h, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = [Cidr::parse("172.18.0.0/16").expect("cidr")];
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 172.18.0.3")]);
        assert_eq!(client_ip(ip("172.18.0.2"), &h, &trusted), ip("203.0.113.9"));
        let h = headers(&[("x-real-ip", "198.51.100.7")]);
        assert_eq!(
            client_ip(ip("172.18.0.2"), &h, &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(ip("172.18.0.2"), &HeaderMap::new(), &trusted),
            ip("172.18.0.2")
        );
    }
}
