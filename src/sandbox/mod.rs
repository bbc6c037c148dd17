//! Built-in Atlassian sandbox: a faithful, stateful, in-memory Jira (Cloud v3 and
//! Server/DC v2) and Confluence (Cloud v2 + v1 search, Data Center v1) speaking the real
//! REST API over HTTP. It backs the integration tests, the benchmarks and the quick-start
//! demo.
//!
//! Invariants:
//! - It shares no code with the project's Atlassian client: it is an independent oracle.
//! - The data set is a pure function of [`SandboxOptions::seed`] ([`seed`]).
//! - All state sits behind `std::sync::Mutex`es that are never held across an `.await`.
//! - Writes live as long as the process (or until `POST /__sandbox/reset`).
//! - Faults are deterministic counts, never randomness ([`faults`]).
//!
//! Endpoints (all under the seed credentials below):
//!
//! | family | paths |
//! |---|---|
//! | Jira Cloud v3 | `GET /rest/api/3/issue/{key}`, `PUT` same, `GET\|POST .../comment`, `GET\|POST /rest/api/3/search/jql`, `GET\|POST /rest/api/3/search` (410), `GET /rest/api/3/myself`, `GET /rest/api/3/serverInfo`, `GET /rest/api/3/user`, `GET .../user/search`, `GET .../user/assignable/search`, `GET\|POST\|DELETE .../issue/{key}/watchers`, `GET\|POST .../issue/{key}/worklog`, `GET /rest/api/3/project`, `GET /rest/api/3/project/search`, `GET .../project/{key}/versions\|components`, `POST .../version`, `GET\|PUT .../version/{id}`, `GET .../issue/createmeta/{project}/issuetypes[/{id}]`, `GET .../issueLinkType`, `POST .../issueLink`, `GET\|DELETE .../issueLink/{id}`, `GET\|POST .../issue/{key}/remotelink`; Jira Software `POST /rest/agile/1.0/epic/{epic}/issue` |
//! | Jira Server/DC v2 | the same under `/rest/api/2` (no `project/search`), with `GET\|POST /rest/api/2/search` (startAt/total) |
//! | Jira Service Management (both) | `GET /rest/servicedeskapi/servicedesk[/{id}]`, `GET .../servicedesk/{id}/queue[/{q}[/issue]]`, `GET .../servicedesk/{id}/requesttype[/{rt}/field]`, `POST /rest/servicedeskapi/request` |
//! | Jira Forms (Cloud, gateway) | `GET /_edge/tenant_info`, `GET /jira/forms/cloud/{cloudId}/issue/{key}/form`, `GET\|PUT .../form/{formId}` |
//! | Confluence Cloud | `GET /wiki/api/v2/pages/{id}`, `GET /wiki/api/v2/pages`, `GET /wiki/api/v2/spaces`, `GET /wiki/rest/api/search`, `GET /wiki/rest/api/user/current` |
//! | Confluence DC | `GET /rest/api/content/{id}`, `GET /rest/api/content`, `GET /rest/api/content/search`, `GET /rest/api/user/current` |
//! | admin (no auth) | `GET\|POST\|DELETE /__sandbox/faults`, `POST /__sandbox/reset` |
//!
//! Credentials (accepted on every path): Cloud-style basic auth with [`SANDBOX_EMAIL`] and
//! [`SANDBOX_API_TOKEN`], or a Server/DC personal access token [`SANDBOX_PAT`] as
//! `Authorization: Bearer`. Both authenticate as the seed user `sandbox`
//! ([`SANDBOX_ACCOUNT_ID`]).

pub mod admin;
pub mod auth;
pub mod confluence;
pub mod cql;
pub mod error;
pub mod faults;
pub mod jira;
pub mod jql;
pub mod model;
pub mod query_ast;
pub mod query_lex;
pub mod rng;
pub mod seed;
pub mod text;
pub mod timefmt;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::http::HeaderMap;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use auth::{
    SANDBOX_ACCOUNT_ID, SANDBOX_API_TOKEN, SANDBOX_EMAIL, SANDBOX_PAT, SANDBOX_USERNAME,
};
pub use faults::{ErrorFault, FaultConfig, RateLimitFault};
pub use seed::{MACRO_PAGE_IDS, RICH_PAGE_ID, RICH_PAGE_TITLE};

use crate::sandbox::faults::FaultState;
use crate::sandbox::model::Store;

/// Options of one sandbox instance.
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// Seed of the generated data set (same seed, same data). Default 0.
    pub seed: u64,
    /// Faults active from the start (see [`FaultConfig`]). Default: none.
    pub faults: FaultConfig,
}

struct Inner {
    seed: u64,
    store: Mutex<Store>,
    faults: Mutex<FaultState>,
}

/// Shared state of a sandbox: the data store and the fault injector.
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxState")
            .field("seed", &self.inner.seed)
            .finish_non_exhaustive()
    }
}

impl SandboxState {
    /// Generates the seed data set and arms the start-up faults.
    pub fn new(opts: SandboxOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                seed: opts.seed,
                store: Mutex::new(seed::generate(opts.seed)),
                faults: Mutex::new(FaultState::new(opts.faults)),
            }),
        }
    }

    /// Locks the data store. A poisoned lock is recovered: every write leaves the store
    /// consistent before it can panic, so the data is still usable.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.inner
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultState> {
        self.inner
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Drops all writes and faults: back to the seed data set.
    pub fn reset(&self) {
        let fresh = seed::generate(self.inner.seed);
        *self.store() = fresh;
        self.faults().clear();
    }
}

/// The base URL the client used, for `self` links (from the `Host` header).
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// The complete sandbox router: Jira, Confluence and the `/__sandbox` admin endpoints,
/// behind authentication and fault injection.
///
/// Dropped-connection faults need the connection handle that [`serve`] installs; on a
/// router served some other way they answer 500 instead.
pub fn router(state: SandboxState) -> Router {
    let api = Router::new()
        .merge(jira::routes())
        .merge(confluence::routes())
        .layer(axum::middleware::from_fn(auth::require_auth));
    Router::new()
        .merge(api)
        .merge(admin::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            faults::inject,
        ))
        .with_state(state)
}

async fn not_found(uri: axum::http::Uri) -> error::ApiError {
    let family = error::Family::of_path(uri.path());
    error::ApiError::not_found(family, format!("No sandbox endpoint at {}", uri.path()))
}

/// Serves the sandbox on `listener` until `shutdown` is cancelled, then finishes the
/// in-flight requests and returns.
pub async fn serve(
    listener: TcpListener,
    opts: SandboxOptions,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve_state(listener, SandboxState::new(opts), shutdown).await
}

/// Like [`serve`], with a state the caller keeps a handle to (to inspect or reset it).
pub async fn serve_state(
    listener: TcpListener,
    state: SandboxState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let app = router(state);
    let listener = faults::DroppableListener::new(listener);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<faults::ConnHandle>(),
    )
    .with_graceful_shutdown(shutdown.cancelled_owned())
    .await
}
