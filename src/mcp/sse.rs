//! The legacy HTTP+SSE transport (MCP 2024-11-05), bridged onto rmcp's `(Sink, Stream)`
//! transport because rmcp no longer ships an SSE server.
//!
//! `GET /sse` opens a session: a channel pair drives one rmcp service task, the first event is
//! `endpoint` with the POST path, and every server message follows as `event: message`.
//! `POST /messages/?session_id=…` feeds a message into that session and answers 202.
//! Invariant: a session lives exactly as long as its stream. When the client goes away, the
//! server shuts down, the service ends, or the session table closes it (idle, key no longer
//! valid), the stream's guard cancels the service task and removes the session, so a later
//! POST for it gets 404. Who may post to a session (its key, re-verified on every message,
//! and its address) is decided by the HTTP layer from the [`SessionTable`] entry.
//!
//! [`SessionTable`]: super::sessions::SessionTable

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, Stream, StreamExt};
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, GetExtensions, ServerJsonRpcMessage};
use tokio_util::sync::CancellationToken;

use super::errors::{jsonrpc_error_response, parse_client_message, refusal};
use super::sessions::{SessionEntry, take_slot};

/// Outbound queue depth per session; a client that stops reading stalls only its own session.
const OUTBOUND_CAPACITY: usize = 64;
/// Inbound queue depth per session.
const INBOUND_CAPACITY: usize = 64;
/// Queue depth of refusals answered on the stream (see [`StreamRefusal`]).
const NOTICE_CAPACITY: usize = 8;

/// A refusal of a `POST /messages/` request (over a budget) that is answered on the session's
/// stream as the JSON-RPC error for that request id, with `202 Accepted` on the POST: SSE
/// clients read answers from the stream, and the Python SDK stops sending altogether after a
/// non-2xx POST. Only the session's own key reaches this (the HTTP layer checked it).
#[derive(Debug, Clone)]
pub struct StreamRefusal {
    /// The status the refusal has over HTTP (used when it cannot go on the stream).
    pub status: StatusCode,
    /// The JSON-RPC error object (`code`, `message`, `data`).
    pub error: serde_json::Value,
}

struct Session {
    /// Messages POSTed for the service (a futures channel: a tokio one would hold a first block
    /// of 32 slots of the ~360-byte message, 11.5 kB per idle session).
    inbound: futures::channel::mpsc::Sender<ClientJsonRpcMessage>,
    /// Refusals to answer on the stream (a futures channel: it allocates only when used).
    notices: futures::channel::mpsc::Sender<String>,
    cancel: CancellationToken,
    /// The session table's entry (owner, caps, idle clock), removed with the session.
    _entry: SessionEntry,
}

/// Live SSE sessions, shared by the `GET /sse` and `POST /messages/` handlers.
#[derive(Default)]
pub struct SseSessions {
    map: Mutex<HashMap<String, Session>>,
    tasks: AtomicUsize,
}

impl SseSessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding this lock cannot leave the map half-updated (single inserts
        // and removes), so a poisoned lock is still safe to use.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Number of open sessions.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no session is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of rmcp service tasks still running (goes to zero after the streams close).
    pub fn running_tasks(&self) -> usize {
        self.tasks.load(Ordering::SeqCst)
    }

    fn remove(&self, id: &str) {
        if let Some(s) = self.lock().remove(id) {
            s.cancel.cancel();
        }
    }

    /// Closes every session (at shutdown).
    pub fn close_all(&self) {
        for (_, s) in self.lock().drain() {
            s.cancel.cancel();
        }
    }
}

/// Settings and shared state of the SSE bridge for handler type `H`.
pub struct SseBridge<H> {
    /// Open sessions.
    pub sessions: Arc<SseSessions>,
    factory: Arc<dyn Fn() -> H + Send + Sync>,
    keepalive: Duration,
    messages_path: String,
    shutdown: CancellationToken,
}

impl<H> Clone for SseBridge<H> {
    fn clone(&self) -> Self {
        SseBridge {
            sessions: self.sessions.clone(),
            factory: self.factory.clone(),
            keepalive: self.keepalive,
            messages_path: self.messages_path.clone(),
            shutdown: self.shutdown.clone(),
        }
    }
}

impl<H> SseBridge<H>
where
    H: rmcp::ServerHandler + Send + Sync + 'static,
{
    /// A bridge making one handler per session; streams close when `shutdown` is cancelled.
    pub fn new(
        factory: Arc<dyn Fn() -> H + Send + Sync>,
        keepalive: Duration,
        messages_path: impl Into<String>,
        shutdown: CancellationToken,
    ) -> Self {
        SseBridge {
            sessions: Arc::new(SseSessions::default()),
            factory,
            keepalive,
            messages_path: messages_path.into(),
            shutdown,
        }
    }
}

/// Removes the session and cancels its task when the response stream is dropped.
struct StreamGuard {
    sessions: Arc<SseSessions>,
    id: String,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.sessions.remove(&self.id);
        tracing::debug!(mcp.session_id = %self.id, "sse session closed");
    }
}

/// Counts a running service task for its whole life.
struct TaskGuard(Arc<SseSessions>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.tasks.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `GET /sse`: opens a session and streams its messages.
pub async fn open_stream<H>(State(bridge): State<SseBridge<H>>, request: Request) -> Response
where
    H: rmcp::ServerHandler + Send + Sync + 'static,
{
    if bridge.shutdown.is_cancelled() {
        return refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is shutting down; reconnect to another instance",
            None,
            serde_json::Map::new(),
        );
    }
    let accepts = request
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/event-stream") || v.contains("*/*"));
    if !accepts && request.headers().contains_key(header::ACCEPT) {
        return jsonrpc_error_response(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable: GET /sse must accept text/event-stream",
        );
    }
    // The HTTP layer reserved room for this session against the caps; without it, no session.
    let Some(slot) = take_slot() else {
        return refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "no session slot was reserved for this request; retry shortly",
            None,
            serde_json::Map::new(),
        );
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (in_tx, in_rx) = futures::channel::mpsc::channel::<ClientJsonRpcMessage>(INBOUND_CAPACITY);
    let (out_tx, out_rx) =
        futures::channel::mpsc::channel::<ServerJsonRpcMessage>(OUTBOUND_CAPACITY);
    let (notice_tx, notice_rx) = futures::channel::mpsc::channel::<String>(NOTICE_CAPACITY);
    let cancel = bridge.shutdown.child_token();
    // Busy from the start: the session is its stream.
    let entry = slot.bind(&id, cancel.clone(), 1);
    bridge.sessions.lock().insert(
        id.clone(),
        Session {
            inbound: in_tx,
            notices: notice_tx,
            cancel: cancel.clone(),
            _entry: entry,
        },
    );
    bridge.sessions.tasks.fetch_add(1, Ordering::SeqCst);

    let handler = (bridge.factory)();
    let task_guard = TaskGuard(bridge.sessions.clone());
    let session_gauge = crate::telemetry::metrics::SessionGauge::open("sse");
    let task_cancel = cancel.clone();
    let task_id = id.clone();
    tokio::spawn(async move {
        let _guard = task_guard;
        let _gauge = session_gauge;
        match handler.serve_with_ct((out_tx, in_rx), task_cancel).await {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(e) => {
                tracing::debug!(mcp.session_id = %task_id, error = %e, "sse session ended before initialize")
            }
        }
    });
    tracing::debug!(mcp.session_id = %id, "sse session opened");

    let endpoint = Event::default()
        .event("endpoint")
        .data(format!("{}?session_id={}", bridge.messages_path, id));
    let guard = StreamGuard {
        sessions: bridge.sessions.clone(),
        id,
    };
    let messages = out_rx.map(|msg| {
        let data = serde_json::to_string(&msg).unwrap_or_else(|e| {
            // Server messages are rmcp types that always serialize; if one ever does not,
            // the client gets a JSON-RPC error instead of a silent gap.
            serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32603, "message": e.to_string()}}).to_string()
        });
        Event::default().event("message").data(data)
    });
    // The stream ends with the service's messages; refusals only ride along.
    let notices = notice_rx.map(|data| Some(Event::default().event("message").data(data)));
    let merged = futures::stream::select(
        messages
            .map(Some)
            .chain(futures::stream::once(async { None })),
        notices,
    )
    .take_while(|e| std::future::ready(e.is_some()))
    .filter_map(std::future::ready);
    let stream = futures::stream::once(async move { endpoint })
        .chain(merged)
        .take_until(cancel.cancelled_owned())
        .map(move |event| {
            let _keep = &guard;
            Ok::<Event, Infallible>(event)
        });
    sse_response(stream, bridge.keepalive)
}

fn sse_response<S>(stream: S, keepalive: Duration) -> Response
where
    S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
{
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(keepalive).text("keep-alive"))
        .into_response();
    // Proxies such as nginx buffer responses unless told not to, which would hold SSE events.
    response
        .headers_mut()
        .insert("x-accel-buffering", header::HeaderValue::from_static("no"));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    response
}

#[derive(serde::Deserialize)]
struct SessionQuery {
    session_id: Option<String>,
}

/// `POST /messages/?session_id=…`: hands one JSON-RPC message to the session.
pub async fn post_message<H>(State(bridge): State<SseBridge<H>>, request: Request) -> Response
where
    H: rmcp::ServerHandler + Send + Sync + 'static,
{
    let (parts, body) = request.into_parts();
    let query = axum::extract::Query::<SessionQuery>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|q| q.0.session_id);
    let Some(session_id) = query.filter(|s| !s.is_empty()) else {
        return jsonrpc_error_response(
            StatusCode::BAD_REQUEST,
            "Bad Request: the session_id query parameter is required; use the URL from the endpoint event of GET /sse",
        );
    };
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json {
        return jsonrpc_error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type: send Content-Type: application/json",
        );
    }
    let (mut inbound, mut notices) = match bridge.sessions.lock().get(&session_id) {
        Some(s) => (s.inbound.clone(), s.notices.clone()),
        None => return session_not_found(),
    };
    // The body limit layer above has already capped the size; this only collects it.
    let bytes = match axum::body::to_bytes(Body::new(body), usize::MAX).await {
        Ok(b) => b,
        Err(e) => return body_error(e),
    };
    let mut message = match parse_client_message(&bytes) {
        Ok(m) => m,
        Err(resp) => return resp,
    };
    if let Some(refusal) = parts.extensions.get::<StreamRefusal>() {
        return refuse_on_stream(&message, refusal, &mut notices);
    }
    match &mut message {
        ClientJsonRpcMessage::Request(req) => {
            req.request.extensions_mut().insert(parts);
        }
        ClientJsonRpcMessage::Notification(n) => {
            n.notification.extensions_mut().insert(parts);
        }
        _ => {}
    }
    if inbound.send(message).await.is_err() {
        return session_not_found();
    }
    (StatusCode::ACCEPTED, "Accepted").into_response()
}

/// Answers a refused request on the stream (202), or over HTTP when it has no id or the
/// stream's queue is full.
fn refuse_on_stream(
    message: &ClientJsonRpcMessage,
    refusal: &StreamRefusal,
    notices: &mut futures::channel::mpsc::Sender<String>,
) -> Response {
    if let ClientJsonRpcMessage::Request(req) = message {
        let answer = serde_json::json!({"jsonrpc": "2.0", "id": req.id, "error": refusal.error});
        if notices.try_send(answer.to_string()).is_ok() {
            return (StatusCode::ACCEPTED, "Accepted").into_response();
        }
    }
    let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": refusal.error});
    (
        refusal.status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn body_error(e: axum::Error) -> Response {
    // A length-limit error surfaces here as a boxed source; anything else is a broken upload.
    let too_large = std::error::Error::source(&e)
        .is_some_and(|s| s.to_string().contains("length limit"))
        || e.to_string().contains("length limit");
    if too_large {
        jsonrpc_error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload Too Large: the request body exceeds MCP_MAX_BODY_BYTES",
        )
    } else {
        jsonrpc_error_response(
            StatusCode::BAD_REQUEST,
            "Bad Request: the request body could not be read",
        )
    }
}

fn session_not_found() -> Response {
    jsonrpc_error_response(
        StatusCode::NOT_FOUND,
        "Not Found: no open SSE session has this session_id; open a new one with GET /sse",
    )
}
