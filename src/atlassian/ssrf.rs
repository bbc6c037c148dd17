//! Guarding caller-supplied Atlassian URLs (`X-Atlassian-Jira-Url` /
//! `X-Atlassian-Confluence-Url`) against server-side request forgery: the host must be one of
//! `MCP_ALLOWED_URL_DOMAINS` (or a subdomain), and every address it resolves to must be
//! public — loopback, private, link-local and similar ranges are refused unless that address
//! (or a CIDR holding it) is itself listed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

use crate::config::Cidr;

fn internal_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || (o[0] == 100 && (64..128).contains(&o[1])) // carrier-grade NAT
        || o[0] == 0
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return internal_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

/// True for addresses that are not on the public internet.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn listed_ip(ip: IpAddr, allowed: &[String]) -> bool {
    allowed
        .iter()
        .filter_map(|a| Cidr::parse(a))
        .any(|c| c.contains(ip))
}

/// Checks a caller-supplied site URL; the error says why it is refused.
pub async fn check_site(url: &Url, allowed: &[String]) -> Result<(), String> {
    if allowed.is_empty() {
        return Err("per-request Atlassian URLs are disabled on this server (MCP_ALLOWED_URL_DOMAINS is unset)".into());
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{url} is not an http(s) URL"));
    }
    let host = url
        .host_str()
        .ok_or_else(|| format!("{url} has no host"))?
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    let literal = host.parse::<IpAddr>().ok();
    let host_allowed = match literal {
        Some(ip) => listed_ip(ip, allowed),
        None => allowed
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}"))),
    };
    if !host_allowed {
        return Err(format!("{host} is not in MCP_ALLOWED_URL_DOMAINS"));
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match literal {
        Some(ip) => vec![ip],
        None => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| format!("{host} does not resolve: {e}"))?
            .map(|a| a.ip())
            .collect(),
    };
    if addrs.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    if let Some(bad) = addrs
        .iter()
        .find(|ip| is_internal(**ip) && !listed_ip(**ip, allowed))
    {
        return Err(format!(
            "{host} resolves to the internal address {bad}; list that address in MCP_ALLOWED_URL_DOMAINS to allow it"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn internal_ranges_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["104.192.141.1", "2606:4700::1"] {
            assert!(!is_internal(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[tokio::test]
    async fn loopback_and_unlisted_hosts_are_refused() {
        let allowed = list(&["atlassian.net", "localhost"]);
        let e = check_site(&url("http://127.0.0.1:8080"), &allowed)
            .await
            .expect_err("literal loopback");
        assert!(e.contains("not in MCP_ALLOWED_URL_DOMAINS"), "{e}");
        let e = check_site(&url("http://localhost:8080"), &allowed)
            .await
            .expect_err("resolves to loopback");
        assert!(e.contains("internal address"), "{e}");
        let e = check_site(&url("https://evil.example"), &allowed)
            .await
            .expect_err("unlisted");
        assert!(e.contains("not in MCP_ALLOWED_URL_DOMAINS"), "{e}");
        assert!(
            check_site(&url("https://x.atlassian.net"), &[])
                .await
                .expect_err("disabled")
                .contains("disabled")
        );
        assert!(
            check_site(&url("ftp://x.atlassian.net"), &allowed)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn an_explicitly_listed_internal_address_is_allowed() {
        assert!(
            check_site(&url("http://127.0.0.1:8080"), &list(&["127.0.0.1"]))
                .await
                .is_ok()
        );
        assert!(
            check_site(
                &url("http://localhost:8080"),
                &list(&["localhost", "127.0.0.0/8", "::1"])
            )
            .await
            .is_ok()
        );
    }
}
