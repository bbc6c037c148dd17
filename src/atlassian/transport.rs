//! The HTTP plumbing under `ServiceClient`: building the pooled reqwest clients from a
//! product's settings (TLS, proxies, client certificates, custom headers, timeouts) and
//! sending one request with an optional response-size cap.
//!
//! Two clients per product, both built once at start-up:
//! - the configured-site client carries the operator's custom headers, proxies and client
//!   certificate;
//! - the caller-site client (only when `MCP_ALLOWED_URL_DOMAINS` is set) carries none of
//!   them, connects directly (a proxy would resolve the name itself, out of reach of the
//!   address check) and resolves every connection through [`GuardedResolver`]. It follows a
//!   redirect only when the next hop passes the same host check as the first
//!   ([`ssrf::check_site`]); the resolver then checks the hop's addresses as it connects, and
//!   reqwest drops `Authorization` when the host changes (Jira Cloud sends attachment
//!   downloads to its media host with a token in the URL).
//!
//! With `*_CUSTOM_HEADERS` set, the configured-site client follows a redirect only within the
//! site's origin: reqwest drops `Authorization` and `Cookie` on a host change but would send
//! the custom headers (often a gateway secret) to wherever the site points. A hop to another
//! origin comes back as the 3xx, and the caller follows it with the bare client ([`build_bare_http`]),
//! which carries no custom headers and no credentials.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header;
use secrecy::ExposeSecret;

use super::client::ClientBuildError;
use super::error::{AtlassianError, ErrorKind};
use super::ssrf::{self, GuardedResolver, HostLookup, SiteRefused};
use crate::config::{Product, ServiceConfig};

/// Redirect hops a caller-named site may send us through.
const MAX_REDIRECTS: usize = 10;

fn base_builder(svc: &ServiceConfig, headers: header::HeaderMap) -> reqwest::ClientBuilder {
    super::install_tls_provider();
    reqwest::Client::builder()
        .user_agent(concat!("mcp-atlassian/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers)
        .timeout(svc.timeout)
        .connect_timeout(svc.timeout.min(Duration::from_secs(10)))
        .pool_idle_timeout(Duration::from_secs(90))
        .tls_danger_accept_invalid_certs(!svc.ssl_verify)
        .no_proxy()
}

fn json_accept() -> header::HeaderMap {
    let mut headers = header::HeaderMap::new();
    headers.insert(
        header::ACCEPT,
        header::HeaderValue::from_static("application/json"),
    );
    headers
}

/// Follows a redirect only when the next hop passes [`ssrf::check_site`]; its addresses are
/// checked by the resolver when it is connected to.
fn checked_redirects(allowed: &[String]) -> reqwest::redirect::Policy {
    let allowed: Arc<[String]> = allowed.into();
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(SiteRefused(format!(
                "the site redirected more than {MAX_REDIRECTS} times"
            )));
        }
        match ssrf::check_site(attempt.url(), &allowed) {
            Ok(()) => attempt.follow(),
            Err(reason) => {
                let to = attempt.url().origin().ascii_serialization();
                attempt.error(SiteRefused(format!(
                    "the site redirected to {to}, and {reason}"
                )))
            }
        }
    })
}

/// The client for sites a caller names: no custom headers, no proxy, no client certificate,
/// redirects only to hops that pass the same checks, every connection resolved through the
/// address policy.
pub(super) fn build_caller_http(
    svc: &ServiceConfig,
    allowed: &[String],
    lookup: Arc<dyn HostLookup>,
) -> Result<reqwest::Client, ClientBuildError> {
    base_builder(svc, json_accept())
        .redirect(checked_redirects(allowed))
        .dns_resolver(GuardedResolver::new(allowed, lookup))
        .build()
        .map_err(|e| ClientBuildError {
            product: svc.product.as_str(),
            reason: e.to_string(),
        })
}

/// Follows redirects within the first request's origin only; a hop to another origin is
/// returned as the 3xx response, for the caller to follow without the custom headers.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(SiteRefused(format!(
                "the site redirected more than {MAX_REDIRECTS} times"
            )));
        }
        let same = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if same {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// The configured-site client: the operator's custom headers, proxies and client certificate.
pub(super) fn build_http(svc: &ServiceConfig) -> Result<reqwest::Client, ClientBuildError> {
    build_configured(svc, true)
}

/// The configured site's settings without its custom headers (proxies, TLS and certificate
/// stay: the network path to a media host is the site's). Built only when custom headers
/// are set; follows reqwest's default redirect policy (which drops `Authorization` on a host
/// change), used for the hops [`build_http`] stops at.
pub(super) fn build_bare_http(
    svc: &ServiceConfig,
) -> Result<Option<reqwest::Client>, ClientBuildError> {
    if svc.custom_headers.is_empty() {
        return Ok(None);
    }
    build_configured(svc, false).map(Some)
}

fn build_configured(
    svc: &ServiceConfig,
    with_custom_headers: bool,
) -> Result<reqwest::Client, ClientBuildError> {
    let product = svc.product.as_str();
    let err = |reason: String| ClientBuildError { product, reason };
    let mut headers = json_accept();
    let custom: &[_] = if with_custom_headers {
        &svc.custom_headers
    } else {
        &[]
    };
    for (name, value) in custom {
        let n = header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| err(format!("custom header {name}: {e}")))?;
        let mut v = header::HeaderValue::from_str(value.expose_secret())
            .map_err(|e| err(format!("custom header {name}: {e}")))?;
        v.set_sensitive(true);
        headers.insert(n, v);
    }
    let mut builder = base_builder(svc, headers);
    if !custom.is_empty() {
        builder = builder.redirect(same_origin_redirects());
    }
    let no_proxy = reqwest::NoProxy::from_string(&svc.proxy.no_proxy.join(","));
    if let Some(p) = &svc.proxy.socks {
        builder = builder.proxy(
            reqwest::Proxy::all(p.as_str())
                .map_err(|e| err(format!("SOCKS proxy: {e}")))?
                .no_proxy(no_proxy.clone()),
        );
    }
    if let Some(p) = &svc.proxy.https {
        builder = builder.proxy(
            reqwest::Proxy::https(p.as_str())
                .map_err(|e| err(format!("HTTPS proxy: {e}")))?
                .no_proxy(no_proxy.clone()),
        );
    }
    if let Some(p) = &svc.proxy.http {
        builder = builder.proxy(
            reqwest::Proxy::http(p.as_str())
                .map_err(|e| err(format!("HTTP proxy: {e}")))?
                .no_proxy(no_proxy),
        );
    }
    if let (Some(cert), Some(key)) = (&svc.client_cert, &svc.client_key) {
        if svc.client_key_password.is_some() {
            return Err(err("encrypted client keys are not supported; decrypt it (openssl pkey -in key.pem -out plain.pem) and unset the *_CLIENT_KEY_PASSWORD".into()));
        }
        let mut pem =
            std::fs::read(cert).map_err(|e| err(format!("reading {}: {e}", cert.display())))?;
        pem.extend(std::fs::read(key).map_err(|e| err(format!("reading {}: {e}", key.display())))?);
        let identity = reqwest::Identity::from_pem(&pem)
            .map_err(|e| err(format!("client certificate: {e}")))?;
        builder = builder.identity(identity);
    }
    builder.build().map_err(|e| err(e.to_string()))
}

pub(super) enum SendError {
    TooLarge(u64),
    /// A caller-named site refused by the address policy at connection time.
    Refused(String),
    Timeout,
    Connect(String),
    Other(String),
}

impl SendError {
    pub(super) fn into_error(self, product: Product) -> AtlassianError {
        match self {
            SendError::TooLarge(limit) => AtlassianError::new(
                product,
                ErrorKind::TooLarge,
                format!("the response is larger than {limit} bytes"),
            ),
            SendError::Timeout => {
                AtlassianError::new(product, ErrorKind::Timeout, "the request timed out")
            }
            SendError::Refused(m) => AtlassianError::new(product, ErrorKind::SiteRefused, m),
            SendError::Connect(m) => AtlassianError::new(product, ErrorKind::Connect, m),
            SendError::Other(m) => AtlassianError::new(product, ErrorKind::Connect, m),
        }
    }
}

pub(super) async fn send(
    req: reqwest::RequestBuilder,
    limit: Option<u64>,
) -> Result<(u16, header::HeaderMap, bytes::Bytes), SendError> {
    let classify = |e: reqwest::Error| {
        if let Some(reason) = super::ssrf::refusal(&e) {
            SendError::Refused(reason)
        } else if e.is_timeout() {
            SendError::Timeout
        } else if e.is_connect() {
            SendError::Connect(format!("connection failed: {}", root_cause(&e)))
        } else {
            SendError::Other(format!("request failed: {}", root_cause(&e)))
        }
    };
    let mut resp = req.send().await.map_err(classify)?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let Some(limit) = limit else {
        let bytes = resp.bytes().await.map_err(classify)?;
        return Ok((status, headers, bytes));
    };
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(SendError::TooLarge(limit));
    }
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(classify)? {
        if (buf.len() + chunk.len()) as u64 > limit {
            return Err(SendError::TooLarge(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((status, headers, buf.freeze()))
}

/// A redirect the configured-site client stopped at because it leaves the site's origin
/// (custom headers set): followed by `bare`, without the custom headers or the credentials.
/// Only reads are followed; a write redirected elsewhere is an error. Without `bare` (no
/// custom headers) the outcome is returned as it is.
pub(super) async fn follow_off_origin(
    bare: Option<&reqwest::Client>,
    method: &reqwest::Method,
    from: &url::Url,
    outcome: Result<(u16, header::HeaderMap, bytes::Bytes), SendError>,
    limit: Option<u64>,
) -> Result<(u16, header::HeaderMap, bytes::Bytes), SendError> {
    let Some(bare) = bare else {
        return outcome;
    };
    let next = match &outcome {
        Ok((301 | 302 | 303 | 307 | 308, headers, _)) => headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|loc| from.join(loc).ok()),
        _ => None,
    };
    let Some(next) = next else {
        return outcome;
    };
    if *method != reqwest::Method::GET && *method != reqwest::Method::HEAD {
        return Err(SendError::Refused(format!(
            "the site redirected a {method} to {}, another origin; it is not followed, so the custom headers stay with the site",
            next.origin().ascii_serialization()
        )));
    }
    let mut req = bare.request(method.clone(), next);
    if limit.is_some() {
        req = req.header(header::ACCEPT, "*/*");
    }
    send(req, limit).await
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
