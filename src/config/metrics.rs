//! Settings of the Prometheus metrics listener.

use std::net::{IpAddr, Ipv4Addr};

use super::reader::Reader;

/// `PROMETHEUS_*`.
#[derive(Debug, Clone)]
pub struct MetricsConfig {
    /// `PROMETHEUS_ENABLED`, default true; only HTTP transports serve metrics.
    pub enabled: bool,
    /// `PROMETHEUS_HOST`, default 127.0.0.1.
    pub host: IpAddr,
    /// `PROMETHEUS_PORT`, default 9090.
    pub port: u16,
}

impl MetricsConfig {
    pub(super) fn read(r: &mut Reader<'_>) -> MetricsConfig {
        let enabled = r.bool("PROMETHEUS_ENABLED");
        let host = match r.string("PROMETHEUS_HOST") {
            None => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(h) if h.eq_ignore_ascii_case("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(h) => h
                .trim_matches(['[', ']'])
                .parse::<IpAddr>()
                .unwrap_or_else(|_| {
                    r.invalid(
                        "PROMETHEUS_HOST",
                        "expected an IP address such as 127.0.0.1, 0.0.0.0 or ::, or localhost",
                    );
                    IpAddr::V4(Ipv4Addr::LOCALHOST)
                }),
        };
        let port = r.u64_in("PROMETHEUS_PORT", 0, 65535) as u16;
        MetricsConfig {
            enabled,
            host,
            port,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn metrics_default_to_loopback_port_9090_and_a_bad_host_names_the_variable() {
        let s = Settings::from_pairs([]);
        let mut r = Reader::new(&s);
        let c = MetricsConfig::read(&mut r);
        assert!(c.enabled);
        assert_eq!((c.host.to_string().as_str(), c.port), ("127.0.0.1", 9090));
        let s = Settings::from_pairs([("PROMETHEUS_HOST", "monitoring net")]);
        let mut r = Reader::new(&s);
        MetricsConfig::read(&mut r);
        assert!(
            r.errors[0].to_string().starts_with("PROMETHEUS_HOST="),
            "{:?}",
            r.errors
        );
    }
}
