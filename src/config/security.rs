//! Who may reach the MCP endpoints: API keys, the unauthenticated-bind guard, trusted
//! proxies for client IPs, and the access log switch.

use std::net::IpAddr;
use std::path::PathBuf;

use secrecy::SecretString;

use super::reader::Reader;

/// An address block such as `172.18.0.0/16` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// Network address.
    pub addr: IpAddr,
    /// Prefix length in bits.
    pub prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d[/n]` or `v6[/n]`.
    pub fn parse(raw: &str) -> Option<Cidr> {
        let (addr, prefix) = match raw.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (raw.trim().parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    /// True when `ip` lies in this block (IPv4-mapped IPv6 addresses match IPv4 blocks).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(self.prefix))
                };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(self.prefix))
                };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Security settings.
#[derive(Debug, Clone, Default)]
pub struct SecurityConfig {
    /// `MCP_API_KEY`.
    pub api_key: Option<SecretString>,
    /// `MCP_API_KEYS_FILE`.
    pub api_keys_file: Option<PathBuf>,
    /// `MCP_ALLOW_UNAUTHENTICATED`.
    pub allow_unauthenticated: bool,
    /// `MCP_TRUSTED_PROXIES`.
    pub trusted_proxies: Vec<Cidr>,
    /// `MCP_LOG_ACCESS`.
    pub log_access: bool,
    /// Rate limits.
    pub limits: RateLimits,
    /// `MCP_AUDIT_LOG_FILE`.
    pub audit_log_file: Option<PathBuf>,
    /// `MCP_RATE_LIMIT_REDIS_URL`.
    pub redis_url: Option<SecretString>,
    /// `MCP_RATE_LIMIT_REDIS_FAILURE=closed`: refuse (503) instead of limiting locally.
    pub redis_fail_closed: bool,
}

/// Request budgets; 0 means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimits {
    /// `MCP_RATE_LIMIT_PER_MINUTE`.
    pub key_per_minute: u32,
    /// `MCP_RATE_LIMIT_PER_HOUR`.
    pub key_per_hour: u32,
    /// `MCP_RATE_LIMIT_IP_PER_MINUTE`.
    pub ip_per_minute: u32,
    /// `MCP_RATE_LIMIT_IP_PER_HOUR`.
    pub ip_per_hour: u32,
    /// `MCP_AUTH_FAILURES_PER_MINUTE`.
    pub auth_failures_per_minute: u32,
}

impl SecurityConfig {
    /// True when any key is configured.
    pub fn has_keys(&self) -> bool {
        self.api_key.is_some() || self.api_keys_file.is_some()
    }

    pub(super) fn read(r: &mut Reader<'_>) -> SecurityConfig {
        let api_key = r.secret("MCP_API_KEY");
        if let Some(k) = r.string("MCP_API_KEY")
            && k.len() < 16
        {
            r.invalid("MCP_API_KEY", "expected at least 16 characters; generate one with: mcp-atlassian keys create --id NAME, or openssl rand -base64 32");
            let _ = k;
        }
        let mut trusted = Vec::new();
        for item in r.list("MCP_TRUSTED_PROXIES") {
            match Cidr::parse(&item) {
                Some(c) => trusted.push(c),
                None => r.invalid(
                    "MCP_TRUSTED_PROXIES",
                    format!("entry {item:?} is not an address or CIDR such as 172.18.0.0/16"),
                ),
            }
        }
        SecurityConfig {
            api_key,
            api_keys_file: r.string("MCP_API_KEYS_FILE").map(PathBuf::from),
            allow_unauthenticated: r.bool("MCP_ALLOW_UNAUTHENTICATED"),
            trusted_proxies: trusted,
            log_access: r.bool("MCP_LOG_ACCESS"),
            limits: read_limits(r),
            audit_log_file: r.string("MCP_AUDIT_LOG_FILE").map(PathBuf::from),
            redis_url: {
                let url = r.string("MCP_RATE_LIMIT_REDIS_URL");
                if let Some(u) = &url
                    && !(u.starts_with("redis://") || u.starts_with("rediss://"))
                {
                    r.invalid(
                        "MCP_RATE_LIMIT_REDIS_URL",
                        "expected a redis:// or rediss:// URL such as redis://redis:6379/0",
                    );
                }
                r.secret("MCP_RATE_LIMIT_REDIS_URL")
            },
            redis_fail_closed: r.choice("MCP_RATE_LIMIT_REDIS_FAILURE", &["open", "closed"])
                == "closed",
        }
    }
}

fn read_limits(r: &mut Reader<'_>) -> RateLimits {
    const MAX: u64 = 10_000_000;
    let key_per_minute = r.u64_in("MCP_RATE_LIMIT_PER_MINUTE", 0, MAX) as u32;
    let key_per_hour = r.u64_in("MCP_RATE_LIMIT_PER_HOUR", 0, MAX) as u32;
    // The IP limits default to the key limits (the documented default names them).
    let mut ip = |env: &'static str, fallback: u32| {
        if r.string(env).is_some() {
            r.u64_in(env, 0, MAX) as u32
        } else {
            fallback
        }
    };
    let ip_per_minute = ip("MCP_RATE_LIMIT_IP_PER_MINUTE", key_per_minute);
    let ip_per_hour = ip("MCP_RATE_LIMIT_IP_PER_HOUR", key_per_hour);
    RateLimits {
        key_per_minute,
        key_per_hour,
        ip_per_minute,
        ip_per_hour,
        auth_failures_per_minute: r.u64_in("MCP_AUTH_FAILURES_PER_MINUTE", 0, MAX) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_limits_default_to_the_key_limits() {
        let s = crate::config::Settings::from_pairs([("MCP_RATE_LIMIT_PER_MINUTE", "5")]);
        let mut r = Reader::new(&s);
        let l = read_limits(&mut r);
        assert!(r.errors.is_empty());
        assert_eq!(
            (
                l.key_per_minute,
                l.ip_per_minute,
                l.key_per_hour,
                l.ip_per_hour,
                l.auth_failures_per_minute
            ),
            (5, 5, 1000, 1000, 10)
        );
    }

    #[test]
    fn cidrs_match_their_blocks() {
        let c = Cidr::parse("172.18.0.0/16").expect("valid");
        assert!(c.contains("172.18.3.4".parse().expect("ip")));
        assert!(!c.contains("172.19.0.1".parse().expect("ip")));
        assert!(
            c.contains("::ffff:172.18.0.9".parse().expect("ip")),
            "IPv4-mapped"
        );
        let one = Cidr::parse("10.0.0.5").expect("valid");
        assert!(one.contains("10.0.0.5".parse().expect("ip")));
        assert!(!one.contains("10.0.0.6".parse().expect("ip")));
        assert!(
            Cidr::parse("fd00::/8")
                .expect("v6")
                .contains("fd12::1".parse().expect("ip"))
        );
        assert!(
            Cidr::parse("0.0.0.0/0")
                .expect("any")
                .contains("8.8.8.8".parse().expect("ip"))
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("nope").is_none());
    }
}
