//! `mcp-atlassian healthcheck`: one `GET /healthz` against the configured HOST and PORT, for
//! the Docker `HEALTHCHECK` (the runtime image has no shell and no curl).
//!
//! Deliberately plain `std::net` with short timeouts and no async runtime: the probe runs
//! every 30 s inside the container and must neither hang nor cost more than a few
//! milliseconds. A wildcard bind address (`0.0.0.0`, `::`) is probed on loopback.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

use thiserror::Error;

/// Why the probe failed; the message is printed on stderr by the binary.
#[derive(Debug, Error)]
pub enum ProbeError {
    /// HOST or PORT does not parse.
    #[error("{0}")]
    Config(String),
    /// Connecting, writing or reading failed or timed out.
    #[error("GET http://{addr}/healthz failed: {source}")]
    Io {
        /// Address probed.
        addr: SocketAddr,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The server answered, but not 200.
    #[error("GET http://{addr}/healthz answered {status_line:?}")]
    Status {
        /// Address probed.
        addr: SocketAddr,
        /// First line of the answer.
        status_line: String,
    },
}

/// The address to probe for a server bound to `host`:`port` (the raw HOST and PORT values,
/// `None` for the defaults 0.0.0.0 and 8000).
pub fn target(host: Option<&str>, port: Option<&str>) -> Result<SocketAddr, ProbeError> {
    let host = host.unwrap_or("0.0.0.0");
    let ip: IpAddr = host
        .trim_matches(['[', ']'])
        .parse()
        .map_err(|_| ProbeError::Config(format!("HOST={host:?} is not an IP address")))?;
    let ip = match ip {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other,
    };
    let port = port.unwrap_or("8000");
    let port: u16 = port.parse().ok().filter(|p| *p != 0).ok_or_else(|| {
        ProbeError::Config(format!("PORT={port:?} is not a port from 1 to 65535"))
    })?;
    Ok(SocketAddr::new(ip, port))
}

/// Sends `GET /healthz` to `addr` and succeeds only on a 200 answer within `timeout`
/// (applied to the connect and to each read and write).
pub fn probe(addr: SocketAddr, timeout: Duration) -> Result<(), ProbeError> {
    let io = |source| ProbeError::Io { addr, source };
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(io)?;
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nUser-Agent: mcp-atlassian-healthcheck\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    // The status line is all we need; 256 bytes hold it with room to spare.
    let mut buf = [0u8; 256];
    let mut len = 0;
    while len < buf.len() && !buf[..len].contains(&b'\n') {
        match stream.read(&mut buf[len..]).map_err(io)? {
            0 => break,
            n => len += n,
        }
    }
    let head = String::from_utf8_lossy(&buf[..len]);
    let status_line = head.lines().next().unwrap_or_default().to_owned();
    let mut parts = status_line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(version), Some("200")) if version.starts_with("HTTP/1.") => Ok(()),
        _ => Err(ProbeError::Status { addr, status_line }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_are_probed_on_loopback_and_defaults_apply() {
        let probed = |h, p| {
            target(h, p)
                .map(|a| a.to_string())
                .map_err(|e| e.to_string())
        };
        assert_eq!(probed(None, None), Ok("127.0.0.1:8000".to_owned()));
        assert_eq!(
            probed(Some("::"), Some("9889")),
            Ok("[::1]:9889".to_owned())
        );
        assert_eq!(
            probed(Some("10.1.2.3"), Some("9889")),
            Ok("10.1.2.3:9889".to_owned())
        );
    }

    #[test]
    fn a_host_name_or_a_zero_port_is_a_configuration_error() {
        assert!(matches!(
            target(Some("localhost"), None),
            Err(ProbeError::Config(_))
        ));
        assert!(matches!(
            target(None, Some("0")),
            Err(ProbeError::Config(_))
        ));
    }
}
