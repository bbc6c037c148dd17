//! Jira and Confluence connection settings: URLs, credentials, TLS, proxies, timeouts, filters.
//!
//! Values are validated here so a bad one stops the server at start; the client built from
//! them lives in `atlassian/`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use super::reader::Reader;

/// Which product a setting belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    /// Jira (platform and agile APIs).
    Jira,
    /// Confluence.
    Confluence,
}

impl Product {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Jira => "jira",
            Product::Confluence => "confluence",
        }
    }
}

/// Atlassian Cloud or a self-hosted Server/Data Center.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployment {
    /// `*.atlassian.net` and friends: REST v3 / v2 APIs, ADF, account ids.
    Cloud,
    /// Server or Data Center: REST v2 / v1 APIs, wiki markup, user names.
    Server,
}

/// Proxy settings for one product (product-specific values already override global ones).
#[derive(Debug, Clone, Default)]
pub struct ProxyConfig {
    /// For http:// URLs.
    pub http: Option<Url>,
    /// For https:// URLs.
    pub https: Option<Url>,
    /// SOCKS proxy for both schemes.
    pub socks: Option<Url>,
    /// Hosts that bypass the proxy.
    pub no_proxy: Vec<String>,
}

/// Connection settings of one product.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Which product.
    pub product: Product,
    /// `*_URL`; `None` means the product is not configured.
    pub url: Option<Url>,
    /// `*_USERNAME` for basic auth.
    pub username: Option<String>,
    /// `*_API_TOKEN` (Cloud API token or Server password).
    pub api_token: Option<SecretString>,
    /// `*_PERSONAL_TOKEN` (Bearer).
    pub personal_token: Option<SecretString>,
    /// `*_OAUTH_ACCESS_TOKEN` (Data Center bring-your-own OAuth token).
    pub oauth_access_token: Option<SecretString>,
    /// `*_SSL_VERIFY`.
    pub ssl_verify: bool,
    /// `JIRA_PROJECTS_FILTER` / `CONFLUENCE_SPACES_FILTER`, upper-cased for Jira.
    pub filter: Vec<String>,
    /// `*_TIMEOUT` in seconds.
    pub timeout: Duration,
    /// From `*_DEPLOYMENT`, or decided from the URL host.
    pub deployment: Deployment,
    /// `*_CUSTOM_HEADERS`: header names and (secret) values.
    pub custom_headers: Vec<(String, SecretString)>,
    /// Proxies.
    pub proxy: ProxyConfig,
    /// `*_CLIENT_CERT`.
    pub client_cert: Option<PathBuf>,
    /// `*_CLIENT_KEY`.
    pub client_key: Option<PathBuf>,
    /// `*_CLIENT_KEY_PASSWORD`.
    pub client_key_password: Option<SecretString>,
}

impl ServiceConfig {
    /// True when the service has a URL.
    pub fn is_configured(&self) -> bool {
        self.url.is_some()
    }

    /// True when some global credential is set.
    pub fn has_credentials(&self) -> bool {
        self.username.is_some()
            || self.personal_token.is_some()
            || self.oauth_access_token.is_some()
    }
}

/// OAuth 2.0 settings shared by both products.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    /// `ATLASSIAN_OAUTH_CLIENT_ID`.
    pub client_id: Option<String>,
    /// `ATLASSIAN_OAUTH_CLIENT_SECRET`.
    pub client_secret: Option<SecretString>,
    /// `ATLASSIAN_OAUTH_REDIRECT_URI`.
    pub redirect_uri: Option<Url>,
    /// `ATLASSIAN_OAUTH_SCOPE`.
    pub scope: Option<String>,
    /// `ATLASSIAN_OAUTH_CLOUD_ID`.
    pub cloud_id: Option<String>,
    /// `ATLASSIAN_OAUTH_ACCESS_TOKEN`.
    pub access_token: Option<SecretString>,
    /// `ATLASSIAN_OAUTH_ENABLE`: tokens come per request.
    pub enable: bool,
    /// `ATLASSIAN_OAUTH_API_BASE`.
    pub api_base: Url,
}

/// Settings of both products.
#[derive(Debug, Clone)]
pub struct AtlassianConfig {
    /// Jira.
    pub jira: ServiceConfig,
    /// Confluence.
    pub confluence: ServiceConfig,
    /// OAuth.
    pub oauth: OAuthConfig,
    /// `ATLASSIAN_RETRY_MAX_WAIT_SECS`.
    pub retry_max_wait: Duration,
    /// `ATLASSIAN_MAX_CONCURRENT_REQUESTS`.
    pub max_concurrent_requests: usize,
    /// `MCP_ALLOWED_URL_DOMAINS`, lower-case; empty disables per-request URLs.
    pub allowed_url_domains: Vec<String>,
}

/// Decides Cloud versus Server/DC from a URL host, as the reference server does: Atlassian's
/// own domains are Cloud; loopback, private addresses and everything else are Server/DC.
pub fn deployment_from_url(url: &Url) -> Deployment {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if host.parse::<IpAddr>().is_ok() || host == "localhost" {
        return Deployment::Server;
    }
    let cloud = [".atlassian.net", ".jira.com", ".jira-dev.com"]
        .iter()
        .any(|suffix| host.ends_with(suffix))
        || host == "api.atlassian.com";
    if cloud {
        Deployment::Cloud
    } else {
        Deployment::Server
    }
}

struct Names {
    url: &'static str,
    username: &'static str,
    api_token: &'static str,
    personal_token: &'static str,
    oauth_token: &'static str,
    ssl_verify: &'static str,
    filter: &'static str,
    timeout: &'static str,
    deployment: &'static str,
    headers: &'static str,
    http_proxy: &'static str,
    https_proxy: &'static str,
    socks_proxy: &'static str,
    no_proxy: &'static str,
    cert: &'static str,
    key: &'static str,
    key_password: &'static str,
}

const JIRA: Names = Names {
    url: "JIRA_URL",
    username: "JIRA_USERNAME",
    api_token: "JIRA_API_TOKEN",
    personal_token: "JIRA_PERSONAL_TOKEN",
    oauth_token: "JIRA_OAUTH_ACCESS_TOKEN",
    ssl_verify: "JIRA_SSL_VERIFY",
    filter: "JIRA_PROJECTS_FILTER",
    timeout: "JIRA_TIMEOUT",
    deployment: "JIRA_DEPLOYMENT",
    headers: "JIRA_CUSTOM_HEADERS",
    http_proxy: "JIRA_HTTP_PROXY",
    https_proxy: "JIRA_HTTPS_PROXY",
    socks_proxy: "JIRA_SOCKS_PROXY",
    no_proxy: "JIRA_NO_PROXY",
    cert: "JIRA_CLIENT_CERT",
    key: "JIRA_CLIENT_KEY",
    key_password: "JIRA_CLIENT_KEY_PASSWORD",
};

const CONFLUENCE: Names = Names {
    url: "CONFLUENCE_URL",
    username: "CONFLUENCE_USERNAME",
    api_token: "CONFLUENCE_API_TOKEN",
    personal_token: "CONFLUENCE_PERSONAL_TOKEN",
    oauth_token: "CONFLUENCE_OAUTH_ACCESS_TOKEN",
    ssl_verify: "CONFLUENCE_SSL_VERIFY",
    filter: "CONFLUENCE_SPACES_FILTER",
    timeout: "CONFLUENCE_TIMEOUT",
    deployment: "CONFLUENCE_DEPLOYMENT",
    headers: "CONFLUENCE_CUSTOM_HEADERS",
    http_proxy: "CONFLUENCE_HTTP_PROXY",
    https_proxy: "CONFLUENCE_HTTPS_PROXY",
    socks_proxy: "CONFLUENCE_SOCKS_PROXY",
    no_proxy: "CONFLUENCE_NO_PROXY",
    cert: "CONFLUENCE_CLIENT_CERT",
    key: "CONFLUENCE_CLIENT_KEY",
    key_password: "CONFLUENCE_CLIENT_KEY_PASSWORD",
};

impl AtlassianConfig {
    pub(super) fn read(r: &mut Reader<'_>, per_request_credentials: bool) -> AtlassianConfig {
        let global_proxy = ProxyConfig {
            http: r.url_with_scheme("HTTP_PROXY", &["http", "https"]),
            https: r.url_with_scheme("HTTPS_PROXY", &["http", "https"]),
            socks: r.url_with_scheme("SOCKS_PROXY", &["socks5", "socks5h", "socks4"]),
            no_proxy: r.list("NO_PROXY"),
        };
        let oauth = OAuthConfig {
            client_id: r.string("ATLASSIAN_OAUTH_CLIENT_ID"),
            client_secret: r.secret("ATLASSIAN_OAUTH_CLIENT_SECRET"),
            redirect_uri: r.http_url("ATLASSIAN_OAUTH_REDIRECT_URI"),
            scope: r.string("ATLASSIAN_OAUTH_SCOPE"),
            cloud_id: r.string("ATLASSIAN_OAUTH_CLOUD_ID"),
            access_token: r.secret("ATLASSIAN_OAUTH_ACCESS_TOKEN"),
            enable: r.bool("ATLASSIAN_OAUTH_ENABLE"),
            api_base: r
                .http_url("ATLASSIAN_OAUTH_API_BASE")
                .unwrap_or_else(default_oauth_api_base),
        };
        if oauth.access_token.is_some() && oauth.cloud_id.is_none() {
            r.rule("ATLASSIAN_OAUTH_ACCESS_TOKEN is set but ATLASSIAN_OAUTH_CLOUD_ID is not: set the cloud id of your site (see https://<site>.atlassian.net/_edge/tenant_info)");
        }
        let global_oauth = oauth.access_token.is_some() && oauth.cloud_id.is_some();
        let per_request = per_request_credentials || oauth.enable;
        let jira = read_service(
            r,
            Product::Jira,
            &JIRA,
            &global_proxy,
            global_oauth,
            per_request,
        );
        let confluence = read_service(
            r,
            Product::Confluence,
            &CONFLUENCE,
            &global_proxy,
            global_oauth,
            per_request,
        );
        let retry_max_wait = Duration::from_secs(r.u64_in("ATLASSIAN_RETRY_MAX_WAIT_SECS", 0, 600));
        let max_concurrent_requests =
            r.u64_in("ATLASSIAN_MAX_CONCURRENT_REQUESTS", 1, 1024) as usize;
        let allowed_url_domains = r
            .list("MCP_ALLOWED_URL_DOMAINS")
            .into_iter()
            .map(|d| {
                d.trim_start_matches("*.")
                    .trim_start_matches('.')
                    .to_ascii_lowercase()
            })
            .collect();
        AtlassianConfig {
            jira,
            confluence,
            oauth,
            retry_max_wait,
            max_concurrent_requests,
            allowed_url_domains,
        }
    }
}

fn default_oauth_api_base() -> Url {
    Url::parse("https://api.atlassian.com").expect("a constant URL that the unit tests parse")
}

fn read_service(
    r: &mut Reader<'_>,
    product: Product,
    n: &Names,
    global_proxy: &ProxyConfig,
    global_oauth: bool,
    per_request: bool,
) -> ServiceConfig {
    let url = r.http_url(n.url);
    let username = r.string(n.username);
    let api_token = r.secret(n.api_token);
    let personal_token = r.secret(n.personal_token);
    let oauth_access_token = r.secret(n.oauth_token);
    match (username.is_some(), api_token.is_some()) {
        (true, false) => r.rule(format!(
            "{} is set but {} is not: set both for basic auth, or unset {} and use {}",
            n.username, n.api_token, n.username, n.personal_token
        )),
        (false, true) => r.rule(format!(
            "{} is set but {} is not: basic auth needs the user name (your email on Cloud)",
            n.api_token, n.username
        )),
        _ => {}
    }
    let has_credentials =
        username.is_some() || personal_token.is_some() || oauth_access_token.is_some();
    if url.is_some() && !has_credentials && !global_oauth && !per_request {
        r.rule(format!(
            "{} is set but no credentials are: set {} and {} (Cloud), or {} (Server/DC), or MULTI_TENANT_MODE=true to take credentials from each request",
            n.url, n.username, n.api_token, n.personal_token
        ));
    }
    if url.is_none() && has_credentials {
        r.rule(format!(
            "{} credentials are set but {} is not: set the {} base URL",
            product.as_str(),
            n.url,
            product.as_str()
        ));
    }
    let deployment = match r.choice(n.deployment, &["auto", "cloud", "server"]) {
        "cloud" => Deployment::Cloud,
        "server" => Deployment::Server,
        _ => url
            .as_ref()
            .map(deployment_from_url)
            .unwrap_or(Deployment::Cloud),
    };
    let filter: Vec<String> = r
        .list(n.filter)
        .into_iter()
        .map(|k| {
            if product == Product::Jira {
                k.to_ascii_uppercase()
            } else {
                k
            }
        })
        .collect();
    if let Some(bad) = filter.iter().find(|k| {
        !k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '~' | '-'))
    }) {
        r.invalid(
            n.filter,
            format!(
                "key {bad:?} has characters keys cannot contain; use a comma list such as PROJ,OPS"
            ),
        );
    }
    let timeout = Duration::from_secs(r.u64_in(n.timeout, 1, 600));
    let custom_headers = match r.string(n.headers) {
        None => Vec::new(),
        Some(raw) => {
            match parse_custom_headers(&raw) {
                Some(h) => h,
                None => {
                    r.invalid(n.headers, "expected Name=value pairs separated by commas, e.g. X-Team=search,X-Env=prod");
                    Vec::new()
                }
            }
        }
    };
    let proxy = ProxyConfig {
        http: r
            .url_with_scheme(n.http_proxy, &["http", "https"])
            .or_else(|| global_proxy.http.clone()),
        https: r
            .url_with_scheme(n.https_proxy, &["http", "https"])
            .or_else(|| global_proxy.https.clone()),
        socks: r
            .url_with_scheme(n.socks_proxy, &["socks5", "socks5h", "socks4"])
            .or_else(|| global_proxy.socks.clone()),
        no_proxy: {
            let own = r.list(n.no_proxy);
            if own.is_empty() {
                global_proxy.no_proxy.clone()
            } else {
                own
            }
        },
    };
    let client_cert = r.string(n.cert).map(PathBuf::from);
    let client_key = r.string(n.key).map(PathBuf::from);
    if client_cert.is_some() != client_key.is_some() {
        r.rule(format!(
            "{} and {} go together: set both or neither",
            n.cert, n.key
        ));
    }
    for (env, path) in [(n.cert, &client_cert), (n.key, &client_key)] {
        if let Some(p) = path
            && !p.is_file()
        {
            r.invalid(env, "expected the path of a readable PEM file");
        }
    }
    ServiceConfig {
        product,
        url,
        username,
        api_token,
        personal_token,
        oauth_access_token,
        ssl_verify: r.bool(n.ssl_verify),
        filter,
        timeout,
        deployment,
        custom_headers,
        proxy,
        client_cert,
        client_key,
        client_key_password: r.secret(n.key_password),
    }
}

/// Parses `Name=value,Name2=value2`; header names must be HTTP tokens.
pub fn parse_custom_headers(raw: &str) -> Option<Vec<(String, SecretString)>> {
    let mut out = Vec::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=')?;
        let name = name.trim();
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token || value.bytes().any(|b| b.is_ascii_control()) {
            return None;
        }
        out.push((name.to_owned(), SecretString::from(value.trim().to_owned())));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use secrecy::ExposeSecret;

    fn read(pairs: &[(&str, &str)]) -> (AtlassianConfig, Vec<String>) {
        let s = Settings::from_pairs(pairs.iter().copied());
        let mut r = Reader::new(&s);
        let c = AtlassianConfig::read(&mut r, false);
        (c, r.errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn cloud_is_decided_from_atlassian_hosts_only() {
        let d = |u: &str| deployment_from_url(&Url::parse(u).expect("url"));
        assert_eq!(d("https://acme.atlassian.net"), Deployment::Cloud);
        assert_eq!(d("https://acme.jira.com"), Deployment::Cloud);
        assert_eq!(d("https://jira.acme.internal"), Deployment::Server);
        assert_eq!(d("http://127.0.0.1:8080"), Deployment::Server);
        assert_eq!(d("https://api.atlassian.com/ex/jira/x"), Deployment::Cloud);
    }

    #[test]
    fn an_explicit_deployment_overrides_the_host_rule() {
        let (c, errs) = read(&[
            ("JIRA_URL", "http://127.0.0.1:9"),
            ("JIRA_PERSONAL_TOKEN", "t"),
            ("JIRA_DEPLOYMENT", "cloud"),
        ]);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(c.jira.deployment, Deployment::Cloud);
    }

    #[test]
    fn a_url_without_credentials_says_which_variables_to_set() {
        let (_, errs) = read(&[("JIRA_URL", "https://acme.atlassian.net")]);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].contains("JIRA_USERNAME and JIRA_API_TOKEN"),
            "{errs:?}"
        );
    }

    #[test]
    fn a_username_without_a_token_is_an_error() {
        let (_, errs) = read(&[
            ("CONFLUENCE_URL", "https://a.atlassian.net/wiki"),
            ("CONFLUENCE_USERNAME", "me@x.com"),
        ]);
        assert!(
            errs.iter()
                .any(|e| e.contains("CONFLUENCE_API_TOKEN is not")),
            "{errs:?}"
        );
    }

    #[test]
    fn product_proxies_override_global_ones() {
        let (c, errs) = read(&[
            ("HTTPS_PROXY", "http://global:3128"),
            ("JIRA_HTTPS_PROXY", "http://jira:3128"),
        ]);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(
            c.jira.proxy.https.as_ref().map(Url::as_str),
            Some("http://jira:3128/")
        );
        assert_eq!(
            c.confluence.proxy.https.as_ref().map(Url::as_str),
            Some("http://global:3128/")
        );
    }

    #[test]
    fn custom_headers_parse_and_bad_ones_are_rejected() {
        let h = parse_custom_headers("X-A=1, X-B = two").expect("valid");
        assert_eq!(h[0].0, "X-A");
        assert_eq!(h[1].1.expose_secret(), "two");
        assert!(parse_custom_headers("no-equals-sign").is_none());
        assert!(parse_custom_headers("Bad Name=x").is_none());
    }

    #[test]
    fn the_oauth_api_base_default_parses() {
        let (c, _) = read(&[]);
        assert_eq!(c.oauth.api_base.as_str(), "https://api.atlassian.com/");
    }

    #[test]
    fn filters_are_upper_cased_for_jira_and_checked() {
        let (c, errs) = read(&[("JIRA_PROJECTS_FILTER", "demo, ops")]);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(c.jira.filter, vec!["DEMO", "OPS"]);
        let (_, errs) = read(&[("JIRA_PROJECTS_FILTER", "A) OR (B")]);
        assert!(errs[0].starts_with("JIRA_PROJECTS_FILTER="), "{errs:?}");
    }
}
