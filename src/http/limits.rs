//! Request budgets and session caps, after the key check and the body peek.
//!
//! Budgets count work, not protocol chatter: a `tools/call` (on any transport) and the
//! creation of a session (`initialize` without a session on Streamable HTTP, `GET /sse`) each
//! spend one request from the client IP's and the key's budgets; `initialize` on an open SSE
//! session, `notifications/*`, `tools/list`, `ping`, DELETE and stream GETs spend nothing. A
//! key-less message on an SSE session is charged to the key that owns the session.
//!
//! A new session reserves a slot against `MCP_MAX_SESSIONS[_PER_KEY]` before it exists, and an
//! SSE stream one against `MCP_MAX_STREAMS[_PER_KEY]` for as long as its body is open; every
//! request on a session keeps it from idling out, and so does any of its responses still
//! being written (see [`crate::mcp::sessions`]).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use super::auth::{Identity, sse_session_id, streamable_session_id};
use super::guarded::keep_until_body_ends;
use super::peek::McpCallInfo;
use super::refusal::{capacity, refused};
use crate::mcp::StreamRefusal;
use crate::mcp::errors::forbidden;
use crate::mcp::sessions::{SessionTable, with_slot};
use crate::security::ratelimit::RateLimiter;

/// What the limits need.
pub struct LimitState {
    /// Request budgets.
    pub limiter: Arc<RateLimiter>,
    /// Open sessions, their caps and idle clocks.
    pub sessions: Arc<SessionTable>,
    /// The Streamable HTTP path.
    pub streamable_path: Arc<str>,
    /// Streamable HTTP keeps sessions (not `STATELESS`).
    pub stateful: bool,
    /// The SSE message endpoint.
    pub messages_path: &'static str,
}

/// How a request counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kind {
    creates_session: bool,
    opens_stream: bool,
    spends_budget: bool,
}

fn classify(state: &LimitState, request: &Request, method: Option<&str>) -> Kind {
    let path = request.uri().path();
    let verb = request.method();
    let streamable = path == &*state.streamable_path;
    let sse_open = verb == Method::GET && path == "/sse";
    let has_session = streamable_session_id(request).is_some();
    let creates_session = sse_open
        || (state.stateful
            && streamable
            && verb == Method::POST
            && !has_session
            && method == Some("initialize"));
    Kind {
        creates_session,
        opens_stream: sse_open || (streamable && verb == Method::GET && has_session),
        spends_budget: creates_session || method == Some("tools/call"),
    }
}

/// The middleware.
pub async fn limit(State(state): State<Arc<LimitState>>, request: Request, next: Next) -> Response {
    // The key check always runs first; without its verdict nothing passes.
    let Some(identity) = request.extensions().get::<Identity>().cloned() else {
        return forbidden("the request was not authenticated");
    };
    let call = request.extensions().get::<McpCallInfo>().cloned();
    let kind = classify(
        &state,
        &request,
        call.as_ref().and_then(|c| c.method.as_deref()),
    );
    if kind.spends_budget {
        let mut over = None;
        if let Some(ip) = identity.owner.client_ip
            && let Err(r) = state.limiter.check_ip(ip).await
        {
            over = Some(r);
        } else if let Some(id) = &identity.owner.key_id
            && let Err(r) = state.limiter.check_key(id, identity.own_limits).await
        {
            over = Some(r);
        }
        if let Some(r) = over {
            let response = refused(&r, call.as_ref());
            if sse_session_id(&request, state.messages_path).is_some() {
                return answer_on_stream(response, request, next).await;
            }
            return response;
        }
    }
    let slot = match kind
        .creates_session
        .then(|| state.sessions.reserve_session(identity.owner.clone()))
        .transpose()
    {
        Ok(slot) => slot,
        Err(cap) => return capacity(cap, call.as_ref()),
    };
    let session = streamable_session_id(&request)
        .or_else(|| sse_session_id(&request, state.messages_path))
        .map(str::to_owned);
    let stream = match kind
        .opens_stream
        .then(|| {
            state
                .sessions
                .open_stream(identity.owner.key_id.clone(), session.as_deref())
        })
        .transpose()
    {
        Ok(stream) => stream,
        Err(cap) => return capacity(cap, call.as_ref()),
    };
    // A Streamable HTTP response in progress keeps its session alive (an SSE session is its
    // stream; a new stream's slot already holds its session).
    let busy = match (&session, &stream) {
        (Some(id), None) if streamable_session_id(&request).is_some() => {
            Some(state.sessions.busy(id))
        }
        _ => None,
    };
    if let Some(id) = &session {
        state.sessions.touch(id, request.method() == Method::POST);
    }
    let deletes = request.method() == Method::DELETE;
    let response = match slot {
        Some(slot) => with_slot(slot, next.run(request)).await,
        None => next.run(request).await,
    };
    if deletes
        && response.status().is_success()
        && let Some(id) = &session
    {
        state.sessions.forget(id);
    }
    match (stream, busy) {
        (None, None) => response,
        guards => keep_until_body_ends(response, guards),
    }
}

/// A refused message to an SSE session: its error goes on the session's stream as the answer
/// to the request (see [`StreamRefusal`]); the POST gets 202 with the refusal's headers.
async fn answer_on_stream(refusal: Response, mut request: Request, next: Next) -> Response {
    let (parts, body) = refusal.into_parts();
    let error = axum::body::to_bytes(body, 64 * 1024)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .map(|v| v["error"].clone())
        .unwrap_or_default();
    request.extensions_mut().insert(StreamRefusal {
        status: parts.status,
        error,
    });
    let mut response = next.run(request).await;
    for name in ["retry-after", "ratelimit-policy", "ratelimit"] {
        if let Some(v) = parts.headers.get(name) {
            response.headers_mut().insert(name, v.clone());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SessionLimits;
    use std::time::Duration;

    fn state(stateful: bool) -> LimitState {
        LimitState {
            limiter: Arc::new(RateLimiter::local(&Default::default())),
            sessions: SessionTable::new(SessionLimits {
                max_sessions: 1,
                max_sessions_per_key: 1,
                max_streams: 1,
                max_streams_per_key: 1,
                idle: Duration::from_secs(1),
                stream_idle: None,
            }),
            streamable_path: Arc::from("/mcp"),
            stateful,
            messages_path: "/messages/",
        }
    }

    fn req(method: Method, uri: &str, session: bool) -> Request {
        let mut b = Request::builder().method(method).uri(uri);
        if session {
            b = b.header("mcp-session-id", "s1");
        }
        b.body(axum::body::Body::empty()).expect("request")
    }

    #[test]
    fn only_tool_calls_and_new_sessions_spend_the_budget() {
        let s = state(true);
        let spends = |m: Method, uri: &str, session: bool, method: Option<&str>| {
            classify(&s, &req(m, uri, session), method).spends_budget
        };
        assert!(spends(Method::POST, "/mcp", false, Some("initialize")));
        assert!(spends(Method::POST, "/mcp", true, Some("tools/call")));
        assert!(
            spends(Method::POST, "/mcp", false, Some("tools/call")),
            "stateless 2026-07-28 call"
        );
        assert!(spends(Method::GET, "/sse", false, None));
        assert!(spends(
            Method::POST,
            "/messages/?session_id=a",
            false,
            Some("tools/call")
        ));
        for (m, uri, session, method) in [
            (Method::POST, "/mcp", true, Some("tools/list")),
            (Method::POST, "/mcp", true, Some("ping")),
            (
                Method::POST,
                "/mcp",
                true,
                Some("notifications/initialized"),
            ),
            (Method::POST, "/mcp", false, Some("server/discover")),
            (Method::DELETE, "/mcp", true, None),
            (Method::GET, "/mcp", true, None),
            (
                Method::POST,
                "/messages/?session_id=a",
                false,
                Some("initialize"),
            ),
        ] {
            assert!(
                !spends(m.clone(), uri, session, method),
                "{m} {uri} {method:?}"
            );
        }
        let stateless = state(false);
        assert!(
            !classify(
                &stateless,
                &req(Method::POST, "/mcp", false),
                Some("initialize")
            )
            .creates_session,
            "STATELESS=true keeps no sessions"
        );
    }

    #[test]
    fn streams_are_the_sse_get_and_gets_on_a_session() {
        let s = state(true);
        assert!(classify(&s, &req(Method::GET, "/sse", false), None).opens_stream);
        assert!(classify(&s, &req(Method::GET, "/mcp", true), None).opens_stream);
        assert!(!classify(&s, &req(Method::GET, "/mcp", false), None).opens_stream);
        assert!(!classify(&s, &req(Method::POST, "/mcp", true), Some("tools/call")).opens_stream);
    }
}
