//! The HTTP listener: accepts connections and serves the router on each, with the timeouts
//! `axum::serve` lacks (it runs hyper without a timer, so a client sending one header byte a
//! second was never closed).
//!
//! - `MCP_HEADER_READ_TIMEOUT_SECS`: the whole request head must arrive within it (HTTP/1);
//!   hyper applies it also while a kept-alive connection waits for its next request.
//! - `MCP_IDLE_CONNECTION_TIMEOUT_SECS`: a connection that moved no byte either way for this
//!   long is shut down gracefully (a request in flight is answered first; SSE keep-alives
//!   count as traffic). Once shut down, a connection that still moves nothing while no
//!   request is in flight (a client that stopped reading) is dropped.
//!
//! Shutdown: `shutdown` stops the accept loop and asks every connection to finish gracefully;
//! the future resolves when all of them have closed (the caller bounds the wait).

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::config::ConnectionLimits;

/// How long the accept loop waits after a failed accept (e.g. out of file descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` until `shutdown`, then waits for open connections to close.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let connections = TaskTracker::new();
    let mut accept_failing = false;
    loop {
        let (tcp, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(c) => {
                    accept_failing = false;
                    c
                }
                Err(e) => {
                    if !accept_failing {
                        tracing::warn!(error = %e, "cannot accept connections; retrying (logged once until it works again)");
                    }
                    accept_failing = true;
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        // Nagle off: a streamed response (the SSE answer to a POST /mcp) goes out as headers
        // then a body chunk, and Nagle held the chunk back until the client's delayed ACK,
        // about 40 ms per call (measured with scripts/bench.sh).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        connections.spawn(serve_connection(
            builder.clone(),
            tcp,
            peer,
            router.clone(),
            limits.idle_timeout,
            shutdown.clone(),
        ));
    }
    drop(listener);
    connections.close();
    connections.wait().await;
    Ok(())
}

/// When a connection last moved a byte, and how many of its requests await their response.
#[derive(Debug)]
struct Activity {
    base: Instant,
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Activity {
            base: Instant::now(),
            last_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        })
    }

    fn touch(&self) {
        self.last_ms
            .store(self.base.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.base.elapsed().saturating_sub(last)
    }
}

struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn serve_connection(
    builder: Arc<Builder<TokioExecutor>>,
    tcp: TcpStream,
    peer: SocketAddr,
    router: Router,
    idle: Duration,
    shutdown: CancellationToken,
) {
    let activity = Activity::new();
    let io = TokioIo::new(Watched {
        inner: tcp,
        activity: activity.clone(),
    });
    let counted = activity.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        counted.in_flight.fetch_add(1, Ordering::Relaxed);
        let pending = InFlight(counted.clone());
        let router = router.clone();
        async move {
            let response = router.oneshot(request).await;
            drop(pending);
            Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
        }
    });
    let conn = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        let wait = idle.saturating_sub(activity.idle_for());
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = shutdown.cancelled(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            () = tokio::time::sleep(wait) => {
                if activity.idle_for() < idle {
                    continue;
                }
                if !closing {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                    activity.touch();
                } else if activity.in_flight.load(Ordering::Relaxed) == 0 {
                    // Asked to finish and still nothing moves: the client stopped reading.
                    return;
                }
            }
        }
    }
}

/// A TCP stream that notes when it last read or wrote a byte.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
