//! One pooled HTTP client per product: base URL, authentication, timeouts, proxies, TLS,
//! custom headers, a cap on concurrent requests, and the retry loop.

use std::sync::Arc;
use std::time::Instant;

use reqwest::{Method, header};
use serde_json::Value;
use tokio::sync::Semaphore;
use tracing::Instrument;
use url::Url;

use super::auth::{Auth, RequestCredentials, global_auth};
use super::error::{AtlassianError, ErrorKind};
use super::retry::{RetryPolicy, parse_retry_after};
use super::ssrf::{HostLookup, SystemLookup};
use super::transport::{
    SendError, build_bare_http, build_caller_http, build_http, follow_off_origin, send,
};
use crate::config::{AtlassianConfig, Deployment, Product, ServiceConfig};
use crate::telemetry::metrics;
use crate::telemetry::traces;

/// Building a client failed (bad certificate, proxy, header).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the {product} client: {reason}")]
pub struct ClientBuildError {
    /// `jira` or `confluence`.
    pub product: &'static str,
    /// What is wrong and what to change.
    pub reason: String,
}

/// Who a call is made for.
#[derive(Debug, Clone, Default)]
pub struct CallAuth {
    /// Credentials the MCP request brought, if any.
    pub request: Option<RequestCredentials>,
    /// True in multi-tenant mode: global credentials must not be used.
    pub multi_tenant: bool,
    /// A site URL the caller named (`X-Atlassian-*-Url`), checked against
    /// `MCP_ALLOWED_URL_DOMAINS` before any request is sent; only with the caller's own
    /// credentials.
    pub site: Option<Url>,
}

/// A response body with the headers callers look at.
#[derive(Debug, Clone)]
pub struct JsonResponse {
    /// Status code.
    pub status: u16,
    /// Parsed body (`Null` for empty bodies).
    pub body: Value,
    /// `Link` header, for Confluence v2 cursors.
    pub link: Option<String>,
}

/// A 2xx answer as it came: status, headers and bytes.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: header::HeaderMap,
    /// Body.
    pub bytes: bytes::Bytes,
}

/// A file sent in a multipart upload (form field `file`).
#[derive(Debug, Clone)]
pub struct FilePart {
    /// File name as Jira will show it.
    pub filename: String,
    /// MIME type.
    pub mime_type: String,
    /// Content.
    pub data: bytes::Bytes,
}

/// What a request carries.
#[derive(Debug, Clone, Copy)]
pub enum RequestBody<'a> {
    /// Nothing.
    Empty,
    /// A JSON document.
    Json(&'a Value),
    /// `multipart/form-data` with one `file` part per file.
    Files(&'a [FilePart]),
    /// Like `Files`, plus plain text fields (Confluence takes `comment` and `minorEdit`).
    FilesWithFields(&'a [FilePart], &'a [(&'a str, String)]),
}

/// The client of one product.
pub struct ServiceClient {
    product: Product,
    deployment: Deployment,
    site: Url,
    oauth_api_base: Url,
    allowed_url_domains: Vec<String>,
    http: reqwest::Client,
    /// `http` without the custom headers, for redirects off the site's origin; `None` when
    /// no custom headers are set (then `http` follows redirects itself).
    bare_http: Option<reqwest::Client>,
    /// For caller-named sites; `None` when `MCP_ALLOWED_URL_DOMAINS` is unset.
    caller_http: Option<reqwest::Client>,
    global: Option<Auth>,
    permits: Arc<Semaphore>,
    retry: RetryPolicy,
    cloud_id: Option<String>,
    tenant_cloud_id: std::sync::OnceLock<String>,
}

/// Per-call extras beyond method, path, query and body.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallOptions<'a> {
    /// Extra request headers (e.g. `X-ExperimentalApi: opt-in` for Service Management).
    pub headers: &'a [(&'static str, &'static str)],
    /// Send to the API gateway (`ATLASSIAN_OAUTH_API_BASE` + path) instead of the site:
    /// APIs such as Jira Forms live only there, whatever the credentials.
    pub gateway: bool,
}

impl std::fmt::Debug for ServiceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceClient")
            .field("product", &self.product)
            .field("deployment", &self.deployment)
            .field("site", &self.site.as_str())
            .field("auth", &self.global.as_ref().map(Auth::kind))
            .finish()
    }
}

impl ServiceClient {
    /// Builds the client of a configured product; `None` when the product has no URL.
    pub fn from_config(
        cfg: &AtlassianConfig,
        svc: &ServiceConfig,
    ) -> Result<Option<ServiceClient>, ClientBuildError> {
        Self::from_config_with(cfg, svc, Arc::new(SystemLookup))
    }

    /// Like [`ServiceClient::from_config`], resolving caller-named sites through `lookup`
    /// (tests inject answers; production uses the system resolver).
    pub fn from_config_with(
        cfg: &AtlassianConfig,
        svc: &ServiceConfig,
        lookup: Arc<dyn HostLookup>,
    ) -> Result<Option<ServiceClient>, ClientBuildError> {
        let Some(site) = svc.url.clone() else {
            return Ok(None);
        };
        let global = global_auth(
            svc,
            cfg.oauth.access_token.as_ref(),
            cfg.oauth.cloud_id.as_deref(),
        );
        Ok(Some(ServiceClient {
            product: svc.product,
            deployment: svc.deployment,
            site,
            oauth_api_base: cfg.oauth.api_base.clone(),
            allowed_url_domains: cfg.allowed_url_domains.clone(),
            http: build_http(svc)?,
            bare_http: build_bare_http(svc)?,
            caller_http: if cfg.allowed_url_domains.is_empty() {
                None
            } else {
                Some(build_caller_http(svc, &cfg.allowed_url_domains, lookup)?)
            },
            global,
            permits: Arc::new(Semaphore::new(cfg.max_concurrent_requests)),
            retry: RetryPolicy {
                max_wait: cfg.retry_max_wait,
                ..RetryPolicy::default()
            },
            cloud_id: cfg.oauth.cloud_id.clone(),
            tenant_cloud_id: std::sync::OnceLock::new(),
        }))
    }

    /// Replaces the retry policy (tests use short backoff steps).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Which product.
    pub fn product(&self) -> Product {
        self.product
    }

    /// Cloud or Server/DC.
    pub fn deployment(&self) -> Deployment {
        self.deployment
    }

    /// The site URL people open (e.g. for `/browse/KEY` links), without a trailing slash.
    pub fn site(&self) -> &str {
        self.site.as_str().trim_end_matches('/')
    }

    fn choose_auth<'a>(&'a self, call: &'a CallAuth) -> Result<&'a Auth, AtlassianError> {
        if let Some(r) = &call.request {
            return Ok(&r.auth);
        }
        if call.multi_tenant {
            return Err(AtlassianError::new(
                self.product,
                ErrorKind::MissingCredentials,
                "Send your own credentials with the MCP request: an 'Authorization: Basic <base64 email:api_token>', 'Token <personal access token>' or 'Bearer <OAuth token>' header (plus X-Atlassian-Cloud-Id for OAuth on Cloud)",
            ));
        }
        self.global.as_ref().ok_or_else(|| {
            AtlassianError::new(self.product, ErrorKind::MissingCredentials, "No credentials are configured; set them in the server's environment or send an Authorization header")
        })
    }

    fn url_for(&self, auth: &Auth, path: &str) -> Result<Url, AtlassianError> {
        let base = match auth.gateway_cloud_id() {
            Some(cloud) => {
                let mut b = self
                    .oauth_api_base
                    .as_str()
                    .trim_end_matches('/')
                    .to_owned();
                match self.product {
                    Product::Jira => b.push_str(&format!("/ex/jira/{cloud}")),
                    Product::Confluence => b.push_str(&format!("/ex/confluence/{cloud}/wiki")),
                }
                b
            }
            None => self.site().to_owned(),
        };
        Url::parse(&format!("{base}{path}")).map_err(|e| {
            AtlassianError::new(
                self.product,
                ErrorKind::Other,
                format!("cannot build the request URL: {e}"),
            )
        })
    }

    fn gateway_url(&self, path: &str) -> Result<Url, AtlassianError> {
        let base = self.oauth_api_base.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{path}")).map_err(|e| {
            AtlassianError::new(
                self.product,
                ErrorKind::Other,
                format!("cannot build the gateway URL: {e}"),
            )
        })
    }

    /// The cloud id of the site a call goes to: the OAuth credentials' own, else
    /// `ATLASSIAN_OAUTH_CLOUD_ID`, else the site's public `/_edge/tenant_info` (cached for
    /// the configured site; a caller-named site is asked each time).
    pub async fn cloud_id(&self, auth: &CallAuth) -> Result<String, AtlassianError> {
        if let Some(c) = self.choose_auth(auth)?.gateway_cloud_id() {
            return Ok(c.to_owned());
        }
        if auth.site.is_none()
            && let Some(c) = self.cloud_id.as_ref().or(self.tenant_cloud_id.get())
        {
            return Ok(c.clone());
        }
        let info = self.get(auth, "/_edge/tenant_info", &[]).await?.body;
        let id = info
            .get("cloudId")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                AtlassianError::new(
                    self.product,
                    ErrorKind::Decode,
                    "the site's /_edge/tenant_info has no cloudId; set ATLASSIAN_OAUTH_CLOUD_ID",
                )
            })?
            .to_owned();
        if auth.site.is_none() {
            let _ = self.tenant_cloud_id.set(id.clone());
        }
        Ok(id)
    }

    /// Sends one request with retries and returns the JSON body of a 2xx answer.
    pub async fn call(
        &self,
        auth: &CallAuth,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<JsonResponse, AtlassianError> {
        self.call_with(auth, method, path, query, body, CallOptions::default())
            .await
    }

    /// Like [`ServiceClient::call`], with extra headers or to the API gateway.
    pub async fn call_with(
        &self,
        auth: &CallAuth,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        opts: CallOptions<'_>,
    ) -> Result<JsonResponse, AtlassianError> {
        let body = body.map_or(RequestBody::Empty, RequestBody::Json);
        let raw = self
            .send(auth, method.clone(), path, query, body, None, opts)
            .await?;
        let parsed = if raw.bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw.bytes).map_err(|e| {
                AtlassianError::new(
                    self.product,
                    ErrorKind::Decode,
                    format!("the response to {method} {path} is not JSON ({e})"),
                )
            })?
        };
        let link = raw
            .headers
            .get(header::LINK)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(JsonResponse {
            status: raw.status,
            body: parsed,
            link,
        })
    }

    /// Sends one request with retries and returns the raw 2xx answer; a body longer than
    /// `limit` bytes is refused while it streams in (`ErrorKind::TooLarge`), never buffered
    /// whole. Multipart uploads carry `X-Atlassian-Token: no-check`, which Jira's XSRF
    /// protection demands for form posts.
    pub async fn call_raw(
        &self,
        auth: &CallAuth,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: RequestBody<'_>,
        limit: Option<u64>,
    ) -> Result<RawResponse, AtlassianError> {
        self.send(
            auth,
            method,
            path,
            query,
            body,
            limit,
            CallOptions::default(),
        )
        .await
    }

    /// One upstream call in its client span (`error.type` and status recorded at the end).
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        auth: &CallAuth,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: RequestBody<'_>,
        limit: Option<u64>,
        opts: CallOptions<'_>,
    ) -> Result<RawResponse, AtlassianError> {
        let span = traces::upstream_span(self.product.as_str(), method.as_str());
        let result = self
            .attempts(auth, method, path, query, body, limit, opts)
            .instrument(span.clone())
            .await;
        if traces::enabled() {
            // error.type: the HTTP status, or the transport failure (connect, timeout, ...).
            let (status, error) = match &result {
                Ok(r) => (Some(r.status), None),
                Err(e) => (
                    e.status,
                    Some(match e.status {
                        Some(s) => s.to_string(),
                        None => format!("{:?}", e.kind).to_ascii_lowercase(),
                    }),
                ),
            };
            traces::upstream_done(&span, status, error.as_deref());
        }
        result
    }

    /// [`Self::send`] without its span: the request, retried as the policy says.
    #[allow(clippy::too_many_arguments)]
    async fn attempts(
        &self,
        auth: &CallAuth,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: RequestBody<'_>,
        limit: Option<u64>,
        opts: CallOptions<'_>,
    ) -> Result<RawResponse, AtlassianError> {
        let chosen = self.choose_auth(auth)?;
        let (url, http) = match &auth.site {
            // The gateway is the operator's setting, so a caller-named site does not apply.
            _ if opts.gateway => (self.gateway_url(path)?, &self.http),
            Some(site) => (self.caller_url(auth, site, path)?, self.caller_client()?),
            None => (self.url_for(chosen, path)?, &self.http),
        };
        let authorization = {
            let mut v = header::HeaderValue::from_str(&chosen.header_value()).map_err(|_| {
                AtlassianError::new(
                    self.product,
                    ErrorKind::Unauthorized,
                    "the credentials contain characters not allowed in an HTTP header",
                )
            })?;
            v.set_sensitive(true);
            v
        };
        traces::upstream_target(&url);
        let service = self.product.as_str();
        let method_label = metrics::method_label(&method);
        let mut retry = 0;
        loop {
            let mut req = http
                .request(method.clone(), url.clone())
                .header(header::AUTHORIZATION, authorization.clone());
            if !query.is_empty() {
                req = req.query(query);
            }
            match &body {
                RequestBody::Empty => {}
                RequestBody::Json(b) => req = req.json(b),
                RequestBody::Files(files) | RequestBody::FilesWithFields(files, _) => {
                    let mut form = reqwest::multipart::Form::new();
                    if let RequestBody::FilesWithFields(_, fields) = &body {
                        for (name, value) in fields.iter() {
                            form = form.text(name.to_string(), value.clone());
                        }
                    }
                    for f in files.iter() {
                        let part = reqwest::multipart::Part::stream(f.data.clone())
                            .file_name(f.filename.clone())
                            .mime_str(&f.mime_type)
                            .map_err(|e| {
                                AtlassianError::new(
                                    self.product,
                                    ErrorKind::Other,
                                    format!("the MIME type {:?} is not valid: {e}", f.mime_type),
                                )
                            })?;
                        form = form.part("file", part);
                    }
                    req = req.header("X-Atlassian-Token", "no-check").multipart(form);
                }
            }
            for (name, value) in opts.headers {
                req = req.header(*name, *value);
            }
            if limit.is_some() {
                // Attachment content is whatever type the file has, not JSON.
                req = req.header(header::ACCEPT, "*/*");
            }
            let outcome = {
                let _permit = self.permits.acquire().await.map_err(|_| {
                    AtlassianError::new(
                        self.product,
                        ErrorKind::Other,
                        "the client is shutting down",
                    )
                })?;
                let started = Instant::now();
                let mut outcome = send(req, limit).await;
                if std::ptr::eq(http, &self.http) {
                    outcome =
                        follow_off_origin(self.bare_http.as_ref(), &method, &url, outcome, limit)
                            .await;
                }
                let status = match &outcome {
                    Ok((status, _, _)) => Some(*status),
                    Err(_) => None,
                };
                metrics::record_upstream(service, method_label, status, started.elapsed());
                outcome
            };
            let (status, retry_after, failure) = match outcome {
                Ok((status, headers, bytes)) if (200..300).contains(&status) => {
                    return Ok(RawResponse {
                        status,
                        headers,
                        bytes,
                    });
                }
                Ok((status, headers, bytes)) => {
                    let retry_after = headers
                        .get(header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    (
                        Some(status),
                        retry_after,
                        AtlassianError::from_response(self.product, status, &bytes, retry_after),
                    )
                }
                // Retrying would only fetch the same oversized body again, or be refused again.
                Err(e @ (SendError::TooLarge(_) | SendError::Refused(_))) => {
                    return Err(e.into_error(self.product));
                }
                Err(e) => (None, None, e.into_error(self.product)),
            };
            match self.retry.decide(&method, status, retry_after, retry) {
                Some((reason, wait)) => {
                    metrics::record_upstream_retry(service, reason.as_str());
                    tracing::debug!(
                        service = self.product.as_str(),
                        http.request.method = %method,
                        path,
                        status = status.unwrap_or(0),
                        reason = reason.as_str(),
                        wait_ms = wait.as_millis() as u64,
                        attempt = retry + 1,
                        "retrying upstream call"
                    );
                    traces::retry_event(reason.as_str(), status, retry + 1, wait);
                    tokio::time::sleep(wait).await;
                    retry += 1;
                }
                None => return Err(failure),
            }
        }
    }

    /// The request URL on a caller-named site, after the checks that need no network: the
    /// caller's own credentials are present and the host is in `MCP_ALLOWED_URL_DOMAINS`.
    /// The addresses are checked when the connection is made (`ssrf::GuardedResolver`).
    fn caller_url(&self, auth: &CallAuth, site: &Url, path: &str) -> Result<Url, AtlassianError> {
        // The server's own credentials must never be sent to a caller-chosen host.
        if auth.request.is_none() {
            return Err(AtlassianError::new(
                self.product,
                ErrorKind::MissingCredentials,
                "A per-request Atlassian URL needs your own credentials in the Authorization header",
            ));
        }
        super::ssrf::check_site(site, &self.allowed_url_domains)
            .map_err(|reason| AtlassianError::new(self.product, ErrorKind::SiteRefused, reason))?;
        Url::parse(&format!("{}{path}", site.as_str().trim_end_matches('/'))).map_err(|e| {
            AtlassianError::new(
                self.product,
                ErrorKind::Other,
                format!("cannot build the request URL: {e}"),
            )
        })
    }

    fn caller_client(&self) -> Result<&reqwest::Client, AtlassianError> {
        self.caller_http.as_ref().ok_or_else(|| {
            AtlassianError::new(
                self.product,
                ErrorKind::SiteRefused,
                "per-request Atlassian URLs are disabled on this server (MCP_ALLOWED_URL_DOMAINS is unset)",
            )
        })
    }

    /// `GET path?query` → JSON.
    pub async fn get(
        &self,
        auth: &CallAuth,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<JsonResponse, AtlassianError> {
        self.call(auth, Method::GET, path, query, None).await
    }

    /// `POST path` with a JSON body → JSON.
    pub async fn post(
        &self,
        auth: &CallAuth,
        path: &str,
        body: &Value,
    ) -> Result<JsonResponse, AtlassianError> {
        self.call(auth, Method::POST, path, &[], Some(body)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlassian::auth::RequestCredentials;
    use crate::config::Config;

    fn client(pairs: &[(&str, &str)], jira: bool) -> ServiceClient {
        let config = Config::from_pairs(pairs.iter().copied()).expect("valid");
        let svc = if jira {
            &config.atlassian.jira
        } else {
            &config.atlassian.confluence
        };
        ServiceClient::from_config(&config.atlassian, svc)
            .expect("builds")
            .expect("configured")
    }

    #[test]
    fn oauth_requests_with_a_cloud_id_go_through_the_gateway() {
        let c = client(
            &[
                ("JIRA_URL", "https://acme.atlassian.net"),
                ("JIRA_USERNAME", "me@acme.com"),
                ("JIRA_API_TOKEN", "t"),
                ("ATLASSIAN_OAUTH_API_BASE", "http://127.0.0.1:9/gw"),
            ],
            true,
        );
        let creds = RequestCredentials::parse("Bearer tok", Some("cloud-9")).expect("creds");
        let url = c
            .url_for(&creds.auth, "/rest/api/3/issue/X-1")
            .expect("url");
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/gw/ex/jira/cloud-9/rest/api/3/issue/X-1"
        );
        let basic = c.global.as_ref().expect("global basic auth");
        assert_eq!(
            c.url_for(basic, "/rest/api/3/myself")
                .expect("url")
                .as_str(),
            "https://acme.atlassian.net/rest/api/3/myself"
        );
    }

    #[tokio::test]
    async fn gateway_calls_use_the_oauth_cloud_id_then_the_configured_one_without_asking_the_site()
    {
        // Port 9 refuses connections: any upstream call here would fail the test.
        let pairs = [
            ("JIRA_URL", "http://127.0.0.1:9"),
            ("JIRA_USERNAME", "me@acme.com"),
            ("JIRA_API_TOKEN", "t"),
            ("ATLASSIAN_OAUTH_API_BASE", "http://127.0.0.1:9/gw/"),
        ];
        let c = client(&pairs, true);
        assert_eq!(
            c.gateway_url("/jira/forms/cloud/c1/issue/X-1/form")
                .expect("url")
                .as_str(),
            "http://127.0.0.1:9/gw/jira/forms/cloud/c1/issue/X-1/form"
        );
        let oauth = CallAuth {
            request: Some(RequestCredentials::parse("Bearer tok", Some("cloud-9")).expect("creds")),
            ..CallAuth::default()
        };
        assert_eq!(c.cloud_id(&oauth).await.expect("id"), "cloud-9");
        let mut configured = pairs.to_vec();
        configured.push(("ATLASSIAN_OAUTH_CLOUD_ID", "cloud-cfg"));
        let c = client(&configured, true);
        assert_eq!(
            c.cloud_id(&CallAuth::default()).await.expect("id"),
            "cloud-cfg"
        );
    }

    #[test]
    fn confluence_gateway_urls_keep_the_wiki_prefix() {
        let c = client(
            &[
                ("CONFLUENCE_URL", "https://acme.atlassian.net/wiki"),
                ("ATLASSIAN_OAUTH_CLOUD_ID", "c1"),
                ("ATLASSIAN_OAUTH_ACCESS_TOKEN", "tok"),
            ],
            false,
        );
        let global = c.global.as_ref().expect("global OAuth");
        assert_eq!(global.kind(), "oauth");
        assert_eq!(
            c.url_for(global, "/api/v2/pages/1").expect("url").as_str(),
            "https://api.atlassian.com/ex/confluence/c1/wiki/api/v2/pages/1"
        );
    }

    #[test]
    fn multi_tenant_calls_without_credentials_say_which_header_to_send() {
        let c = client(
            &[
                ("JIRA_URL", "https://acme.atlassian.net"),
                ("MULTI_TENANT_MODE", "true"),
            ],
            true,
        );
        let err = c
            .choose_auth(&CallAuth {
                request: None,
                multi_tenant: true,
                site: None,
            })
            .expect_err("no credentials");
        assert_eq!(err.kind, ErrorKind::MissingCredentials);
        assert!(
            err.agent_message().contains("Authorization: Basic"),
            "{}",
            err.agent_message()
        );
    }

    #[test]
    fn server_dc_prefers_the_personal_access_token() {
        let c = client(
            &[
                ("JIRA_URL", "https://jira.corp.example"),
                ("JIRA_PERSONAL_TOKEN", "pat"),
                ("JIRA_USERNAME", "u"),
                ("JIRA_API_TOKEN", "p"),
            ],
            true,
        );
        assert_eq!(c.deployment(), Deployment::Server);
        assert_eq!(c.global.as_ref().map(Auth::kind), Some("pat"));
    }
}
