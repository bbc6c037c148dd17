//! Deterministic fault injection: added latency, the next N requests answered 500/503 or
//! every Nth one, a burst of N 429s with `Retry-After` and the `X-RateLimit-*` headers, and
//! the next N connections dropped without a response. Optionally scoped to a path prefix.
//!
//! Invariants: faults are counts, never randomness, so tests are reproducible; the
//! `/__sandbox` admin paths are never faulted; the fault lock is released before any await.
//! Dropping a connection needs [`DroppableListener`] (installed by `serve`): the middleware
//! marks the connection dead and its writes then fail, so not one response byte is sent.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::{IncomingStream, Listener};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::sandbox::SandboxState;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::timefmt::{now_secs, rfc3339};

/// Server errors to inject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ErrorFault {
    /// Status to answer: 500 or 503 (default 500).
    pub status: u16,
    /// Answer the next `count` requests with `status`.
    pub count: u32,
    /// Also answer every `every_nth` request (counted from when the fault was set) with
    /// `status`; 0 disables. A deterministic error rate of 1/`every_nth`.
    pub every_nth: u32,
}

/// A burst of 429 Too Many Requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitFault {
    /// Answer the next `count` requests with 429.
    pub count: u32,
    /// `Retry-After` in seconds (default 1).
    pub retry_after_secs: u64,
    /// `RateLimit-Reason` header (default `jira-burst-based`).
    pub reason: String,
}

impl Default for RateLimitFault {
    fn default() -> Self {
        Self {
            count: 0,
            retry_after_secs: 1,
            reason: "jira-burst-based".into(),
        }
    }
}

/// The faults to inject; also the JSON body of `POST /__sandbox/faults` and the answer of
/// `GET /__sandbox/faults` (with the counts still remaining).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Latency added to every faulted request, in milliseconds.
    pub latency_ms: u64,
    /// Injected 500/503 answers.
    pub errors: ErrorFault,
    /// Injected 429 answers.
    pub rate_limit: RateLimitFault,
    /// Close the next `drop_connections` connections without any response.
    pub drop_connections: u32,
    /// Only requests whose path starts with this prefix are faulted (all when absent).
    pub path_prefix: Option<String>,
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Serve normally.
    Pass,
    /// Close the connection without an answer.
    Drop,
    /// 429 with these headers.
    RateLimit {
        /// `Retry-After` seconds.
        retry_after_secs: u64,
        /// `RateLimit-Reason`.
        reason: String,
    },
    /// Server error with this status.
    Error(StatusCode),
}

/// Live fault state: the configuration with its counters.
#[derive(Debug, Default)]
pub struct FaultState {
    config: FaultConfig,
    seen: u64,
}

impl FaultState {
    /// Arms `config`.
    pub fn new(config: FaultConfig) -> Self {
        Self { config, seen: 0 }
    }
    /// Replaces the configuration and restarts the counters.
    pub fn set(&mut self, config: FaultConfig) {
        *self = Self::new(config);
    }
    /// Removes every fault.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
    /// The configuration with the remaining counts.
    pub fn current(&self) -> FaultConfig {
        self.config.clone()
    }

    /// Decides the fate of a request to `path` and consumes one count if a fault fires.
    /// Order: drop, then 429, then counted errors, then every-Nth errors.
    pub fn decide(&mut self, path: &str) -> (u64, Action) {
        let c = &mut self.config;
        if c.path_prefix
            .as_deref()
            .is_some_and(|p| !path.starts_with(p))
        {
            return (0, Action::Pass);
        }
        self.seen += 1;
        let status = StatusCode::from_u16(c.errors.status)
            .ok()
            .filter(|s| s.is_server_error())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let action = if c.drop_connections > 0 {
            c.drop_connections -= 1;
            Action::Drop
        } else if c.rate_limit.count > 0 {
            c.rate_limit.count -= 1;
            Action::RateLimit {
                retry_after_secs: c.rate_limit.retry_after_secs,
                reason: c.rate_limit.reason.clone(),
            }
        } else if c.errors.count > 0 {
            c.errors.count -= 1;
            Action::Error(status)
        } else if c.errors.every_nth > 0 && self.seen.is_multiple_of(u64::from(c.errors.every_nth))
        {
            Action::Error(status)
        } else {
            Action::Pass
        };
        (c.latency_ms, action)
    }
}

/// Middleware applying the armed faults.
pub async fn inject(State(state): State<SandboxState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/__sandbox") {
        return next.run(req).await;
    }
    let (latency_ms, action) = state.faults().decide(&path);
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    let family = Family::of_path(&path);
    if action != Action::Pass {
        tracing::debug!(http.path = %path, fault = ?action, "sandbox fault injected");
    }
    match action {
        Action::Pass => next.run(req).await,
        Action::Drop => match req.extensions().get::<ConnectInfo<ConnHandle>>() {
            Some(ConnectInfo(handle)) => {
                handle.kill();
                // Never written: the connection refuses all writes from now on.
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
            None => ApiError::new(
                family,
                StatusCode::INTERNAL_SERVER_ERROR,
                "dropped-connection fault needs the sandbox served by sandbox::serve",
            )
            .into_response(),
        },
        Action::RateLimit {
            retry_after_secs,
            reason,
        } => rate_limited(family, retry_after_secs, &reason),
        Action::Error(status) => {
            let msg = if status == StatusCode::SERVICE_UNAVAILABLE {
                "Service Unavailable"
            } else {
                "Internal server error"
            };
            ApiError::new(family, status, msg).into_response()
        }
    }
}

fn rate_limited(family: Family, retry_after: u64, reason: &str) -> Response {
    let mut resp = ApiError::new(
        family,
        StatusCode::TOO_MANY_REQUESTS,
        "Rate limit exceeded.",
    )
    .into_response();
    let reset = rfc3339(now_secs().saturating_add(i64::try_from(retry_after).unwrap_or(0)));
    let h = resp.headers_mut();
    let pairs = [
        ("retry-after", retry_after.to_string()),
        ("x-ratelimit-limit", "100".to_owned()),
        ("x-ratelimit-remaining", "0".to_owned()),
        ("x-ratelimit-reset", reset),
        ("x-ratelimit-nearlimit", "true".to_owned()),
        ("ratelimit-reason", reason.to_owned()),
    ];
    for (name, value) in pairs {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    resp
}

/// Per-connection handle: lets a request kill its own connection.
#[derive(Debug, Clone, Default)]
pub struct ConnHandle {
    dead: Arc<AtomicBool>,
}

impl ConnHandle {
    /// Marks the connection dead: reads see EOF and writes fail from now on.
    pub fn kill(&self) {
        self.dead.store(true, Ordering::SeqCst);
    }
    fn is_dead(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }
}

/// A TCP stream whose writes fail once its [`ConnHandle`] is killed.
#[derive(Debug)]
pub struct DroppableStream {
    inner: TcpStream,
    handle: ConnHandle,
}

fn killed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "sandbox fault: connection dropped",
    )
}

impl AsyncRead for DroppableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.handle.is_dead() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for DroppableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.handle.is_dead() {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.handle.is_dead() {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.handle.is_dead() {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A TCP listener handing out [`DroppableStream`]s.
#[derive(Debug)]
pub struct DroppableListener {
    inner: TcpListener,
}

impl DroppableListener {
    /// Wraps a bound listener.
    pub fn new(inner: TcpListener) -> Self {
        Self { inner }
    }
}

impl Listener for DroppableListener {
    type Io = DroppableStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((inner, addr)) => {
                    let _ = inner.set_nodelay(true);
                    return (
                        DroppableStream {
                            inner,
                            handle: ConnHandle::default(),
                        },
                        addr,
                    );
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "sandbox accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

impl Connected<IncomingStream<'_, DroppableListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, DroppableListener>) -> Self {
        stream.io().handle.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_fire_in_order_then_stop() {
        let mut s = FaultState::new(FaultConfig {
            drop_connections: 1,
            rate_limit: RateLimitFault {
                count: 2,
                retry_after_secs: 7,
                reason: "jira-burst-based".into(),
            },
            errors: ErrorFault {
                status: 503,
                count: 1,
                every_nth: 0,
            },
            ..FaultConfig::default()
        });
        assert_eq!(s.decide("/x").1, Action::Drop);
        assert!(matches!(
            s.decide("/x").1,
            Action::RateLimit {
                retry_after_secs: 7,
                ..
            }
        ));
        assert!(matches!(s.decide("/x").1, Action::RateLimit { .. }));
        assert_eq!(
            s.decide("/x").1,
            Action::Error(StatusCode::SERVICE_UNAVAILABLE)
        );
        assert_eq!(s.decide("/x").1, Action::Pass);
    }

    #[test]
    fn every_nth_and_path_prefix_are_deterministic() {
        let mut s = FaultState::new(FaultConfig {
            errors: ErrorFault {
                status: 500,
                count: 0,
                every_nth: 3,
            },
            path_prefix: Some("/rest/api/3".into()),
            ..FaultConfig::default()
        });
        let got: Vec<Action> = (0..6).map(|_| s.decide("/rest/api/3/myself").1).collect();
        assert_eq!(
            got.iter()
                .filter(|a| **a == Action::Error(StatusCode::INTERNAL_SERVER_ERROR))
                .count(),
            2
        );
        assert_eq!(got[2], Action::Error(StatusCode::INTERNAL_SERVER_ERROR));
        assert_eq!(s.decide("/wiki/api/v2/pages").1, Action::Pass);
    }

    #[test]
    fn the_config_reads_from_partial_json() {
        let c: FaultConfig =
            serde_json::from_str(r#"{"rate_limit":{"count":2}}"#).expect("valid json");
        assert_eq!(c.rate_limit.retry_after_secs, 1);
        assert_eq!(c.rate_limit.reason, "jira-burst-based");
        assert_eq!(c.errors.count, 0);
    }
}
