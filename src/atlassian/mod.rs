//! Outbound HTTP to Jira and Confluence: authentication, retries and backoff, concurrency
//! caps, typed errors, and the REST calls tools make. The only module that calls Atlassian.
//!
//! Invariant: one pooled `reqwest::Client` per product, built at start-up (and a second one
//! for caller-named sites when `MCP_ALLOWED_URL_DOMAINS` is set, see `transport`); no
//! per-call client, no blocking I/O.

pub mod auth;
pub mod client;
pub mod confluence;
pub mod error;
pub mod jira;
pub mod markup;
pub mod retry;
pub mod ssrf;
mod transport;

use std::sync::Arc;

pub use auth::{Auth, RequestCredentials};
pub use client::{CallAuth, ClientBuildError, ServiceClient};
pub use error::{AtlassianError, ErrorKind};

use crate::config::AtlassianConfig;

/// Makes rustls' ring provider the process default, once; every TLS client (ours, the OTLP
/// exporter's) uses it. Called by `main` before anything else and by every client builder
/// here, so library users need not call it. Harmless when a provider is already installed.
pub fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another provider was installed first (test code may): that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The configured products' clients.
#[derive(Debug, Clone, Default)]
pub struct Atlassian {
    /// Jira, when `JIRA_URL` is set.
    pub jira: Option<Arc<ServiceClient>>,
    /// Confluence, when `CONFLUENCE_URL` is set.
    pub confluence: Option<Arc<ServiceClient>>,
}

impl Atlassian {
    /// Builds one client per configured product.
    pub fn from_config(cfg: &AtlassianConfig) -> Result<Atlassian, ClientBuildError> {
        Self::from_config_with(cfg, Arc::new(ssrf::SystemLookup))
    }

    /// Like [`Atlassian::from_config`], resolving caller-named sites (`X-Atlassian-*-Url`)
    /// through `lookup`: tests inject answers (a name that rebinds, an internal address).
    pub fn from_config_with(
        cfg: &AtlassianConfig,
        lookup: Arc<dyn ssrf::HostLookup>,
    ) -> Result<Atlassian, ClientBuildError> {
        Ok(Atlassian {
            jira: ServiceClient::from_config_with(cfg, &cfg.jira, lookup.clone())?.map(Arc::new),
            confluence: ServiceClient::from_config_with(cfg, &cfg.confluence, lookup)?
                .map(Arc::new),
        })
    }
}
