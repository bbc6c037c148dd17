//! Guarding caller-supplied Atlassian URLs (`X-Atlassian-Jira-Url` /
//! `X-Atlassian-Confluence-Url`) against server-side request forgery.
//!
//! Two checks, at two moments:
//! - [`check_site`], before any request: the URL is http(s) and its host is one of
//!   `MCP_ALLOWED_URL_DOMAINS` (or a subdomain); an IP literal must itself be listed (or sit in
//!   a listed CIDR).
//! - [`GuardedResolver`], when the connection is made: the name is resolved once, every
//!   address it resolves to must be public — loopback, private, link-local and similar ranges
//!   are refused unless that address (or a CIDR holding it) is listed — and the connection
//!   goes to exactly those checked addresses. There is no second lookup between the check and
//!   the connection, so a name that answers differently the next time (DNS rebinding) cannot
//!   slip through.
//!
//! The client that talks to caller-named sites runs [`check_site`] again on every redirect
//! hop (and the resolver on every hop it connects to), and carries neither the operator's
//! custom headers nor its client certificate; see `transport::build_caller_http`.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

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

fn listed_name(host: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|d| {
        host == d
            || host
                .strip_suffix(d.as_str())
                .is_some_and(|p| p.ends_with('.'))
    })
}

/// Checks a caller-supplied site URL before any request; the error says why it is refused.
/// The addresses a name resolves to are checked when the connection is made
/// ([`GuardedResolver`]), not here, so that the address checked is the address used.
pub fn check_site(url: &Url, allowed: &[String]) -> Result<(), String> {
    if allowed.is_empty() {
        return Err("per-request Atlassian URLs are disabled on this server (MCP_ALLOWED_URL_DOMAINS is unset)".into());
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{url} is not an http(s) URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{} carries credentials in the URL; send them in the Authorization header instead",
            url.host_str().unwrap_or("the URL")
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| format!("{url} has no host"))?
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    let host_allowed = match host.parse::<IpAddr>() {
        Ok(ip) => listed_ip(ip, allowed),
        Err(_) => listed_name(&host, allowed),
    };
    if !host_allowed {
        return Err(format!("{host} is not in MCP_ALLOWED_URL_DOMAINS"));
    }
    Ok(())
}

/// The address policy for one resolved name: every address must be public or listed.
pub fn check_addresses(host: &str, addrs: &[IpAddr], allowed: &[String]) -> Result<(), String> {
    if addrs.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    match addrs
        .iter()
        .find(|ip| is_internal(**ip) && !listed_ip(**ip, allowed))
    {
        Some(bad) => Err(format!(
            "{host} resolves to the internal address {bad}; list that address in MCP_ALLOWED_URL_DOMAINS to allow it"
        )),
        None => Ok(()),
    }
}

/// A future resolving one host name to its addresses.
pub type LookupFuture = Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;

/// Turns a host name into addresses. The system resolver in production; tests inject one
/// that answers what they need (e.g. differently on the second lookup).
pub trait HostLookup: Send + Sync + 'static {
    /// Resolves `host` (a name, never an IP literal).
    fn lookup(&self, host: &str) -> LookupFuture;
}

/// The operating system's resolver (`getaddrinfo` on a blocking thread, through tokio).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

impl HostLookup for SystemLookup {
    fn lookup(&self, host: &str) -> LookupFuture {
        let host = host.to_owned();
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .map(|a| a.ip())
                .collect())
        })
    }
}

/// A caller-named site refused by the address policy at connection time. Distinct from a
/// lookup that failed, so that it is reported as a refusal and never retried.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SiteRefused(pub String);

/// The resolver of the caller-site client: looks the name up once, applies the host list and
/// the address policy, and hands exactly the checked addresses to the connector.
pub struct GuardedResolver {
    allowed: Arc<[String]>,
    lookup: Arc<dyn HostLookup>,
}

impl GuardedResolver {
    /// A resolver enforcing `allowed` (`MCP_ALLOWED_URL_DOMAINS`) over `lookup`.
    pub fn new(allowed: &[String], lookup: Arc<dyn HostLookup>) -> Self {
        GuardedResolver {
            allowed: allowed.into(),
            lookup,
        }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let allowed = self.allowed.clone();
        let lookup = self.lookup.clone();
        Box::pin(async move {
            // The host was checked before the request; checking again here keeps the
            // resolver safe on its own (a redirect or a future caller cannot bypass it).
            if !listed_name(&host, &allowed) {
                return Err(
                    SiteRefused(format!("{host} is not in MCP_ALLOWED_URL_DOMAINS")).into(),
                );
            }
            let addrs = lookup.lookup(&host).await?;
            check_addresses(&host, &addrs, &allowed).map_err(SiteRefused)?;
            let addrs: reqwest::dns::Addrs =
                Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// The policy refusal somewhere in an error's source chain, if that is what it is.
pub fn refusal(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<SiteRefused>() {
            return Some(r.0.clone());
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    struct Fixed(Vec<IpAddr>);

    impl HostLookup for Fixed {
        fn lookup(&self, _host: &str) -> LookupFuture {
            let a = self.0.clone();
            Box::pin(async move { Ok(a) })
        }
    }

    async fn resolve(
        allowed: &[&str],
        answer: &[&str],
        host: &str,
    ) -> Result<Vec<SocketAddr>, String> {
        let r = GuardedResolver::new(
            &list(allowed),
            Arc::new(Fixed(
                answer.iter().map(|a| a.parse().expect("ip")).collect(),
            )),
        );
        match r.resolve(host.parse().expect("name")).await {
            Ok(a) => Ok(a.collect()),
            Err(e) => Err(refusal(e.as_ref()).unwrap_or_else(|| format!("not a refusal: {e}"))),
        }
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

    #[test]
    fn unlisted_hosts_literals_and_schemes_are_refused_before_any_request() {
        let allowed = list(&["atlassian.net", "localhost"]);
        let e = check_site(&url("http://127.0.0.1:8080"), &allowed).expect_err("literal");
        assert!(e.contains("not in MCP_ALLOWED_URL_DOMAINS"), "{e}");
        let e = check_site(&url("https://evil.example"), &allowed).expect_err("unlisted");
        assert!(e.contains("not in MCP_ALLOWED_URL_DOMAINS"), "{e}");
        let e = check_site(&url("https://evilatlassian.net"), &allowed).expect_err("suffix");
        assert!(e.contains("not in MCP_ALLOWED_URL_DOMAINS"), "{e}");
        assert!(
            check_site(&url("https://x.atlassian.net"), &[])
                .expect_err("disabled")
                .contains("disabled")
        );
        assert!(check_site(&url("ftp://x.atlassian.net"), &allowed).is_err());
        let e = check_site(&url("https://u:p@x.atlassian.net"), &allowed).expect_err("userinfo");
        assert!(e.contains("Authorization header"), "{e}");
        assert!(check_site(&url("https://acme.atlassian.net"), &allowed).is_ok());
        assert!(check_site(&url("http://127.0.0.1:8080"), &list(&["127.0.0.0/8"])).is_ok());
    }

    #[tokio::test]
    async fn the_resolver_hands_over_only_the_addresses_it_checked() {
        let ok = resolve(&["atlassian.net"], &["104.192.141.1"], "acme.atlassian.net")
            .await
            .expect("public address");
        assert_eq!(ok, vec!["104.192.141.1:0".parse().expect("addr")]);
        let e = resolve(
            &["atlassian.net"],
            &["104.192.141.1", "10.0.0.5"],
            "acme.atlassian.net",
        )
        .await
        .expect_err("one internal address refuses the name");
        assert!(e.contains("internal address 10.0.0.5"), "{e}");
        let e = resolve(&["atlassian.net"], &["104.192.141.1"], "evil.example")
            .await
            .expect_err("unlisted name");
        assert!(e.contains("not in MCP_ALLOWED_URL_DOMAINS"), "{e}");
        let e = resolve(&["atlassian.net"], &[], "acme.atlassian.net")
            .await
            .expect_err("no address");
        assert!(e.contains("no address"), "{e}");
        let listed = resolve(&["localhost", "127.0.0.0/8"], &["127.0.0.1"], "localhost")
            .await
            .expect("an explicitly listed internal address is allowed");
        assert_eq!(listed.len(), 1);
    }
}
