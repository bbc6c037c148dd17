//! The API key check on MCP routes, from the headers alone (no body is read before it): the
//! key (`X-API-Key`, 403 with a JSON-RPC error and no `WWW-Authenticate` when missing or
//! wrong), the failed-key budget of the client IP, and the session the request names.
//!
//! A session belongs to the key that opened it. A legacy SSE `POST /messages/` without a key
//! acts as its session's key — re-verified against the key store as it is now, so a revoked,
//! expired or rotated-past-grace key is refused on its next message — and must come from the
//! address that opened the session. With no key source configured at all, requests are
//! anonymous; a configured source that lists no usable key refuses everything.
//!
//! The caller's identity leaves here as typed request extensions (`Caller`, [`Identity`]);
//! the key itself is never stored, logged or passed on (only its SHA-256, for re-checks).

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use time::OffsetDateTime;

use super::access_log::LoggedIdentity;
use super::refusal::refused;
use crate::mcp::errors::{forbidden, jsonrpc_error_response};
use crate::mcp::sessions::{Owner, SessionTable};
use crate::mcp::{Caller, ClientIp};
use crate::security::keys::{hash_key, id_of};
use crate::security::ratelimit::RateLimiter;
use crate::security::{Denied, KeySet, KeyStore, Verified};
use crate::telemetry::metrics;

/// Header clients send the API key in.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Who a request acts as, for the rate limits and session caps after the body is read.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// Key id, credential hash and client IP (the owner of any session it opens).
    pub owner: Owner,
    /// The key's own (minute, hour) budgets from the keys file.
    pub own_limits: (Option<u32>, Option<u32>),
}

/// What the key check needs.
pub struct AuthState {
    /// Live keys.
    pub keys: Arc<KeyStore>,
    /// Open sessions and their owners.
    pub sessions: Arc<SessionTable>,
    /// The failed-key budget (shared with the request budgets' backend).
    pub limiter: Arc<RateLimiter>,
    /// Path of the SSE message endpoint (its POSTs may go without a key header).
    pub messages_path: &'static str,
}

fn key_in_query(request: &Request) -> bool {
    request.uri().query().is_some_and(|q| {
        q.split('&').any(|pair| {
            let name = pair
                .split('=')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            matches!(
                name.as_str(),
                "api_key" | "apikey" | "key" | "x-api-key" | "token"
            )
        })
    })
}

/// The `session_id` of a POST to the SSE message endpoint.
pub fn sse_session_id<'a>(request: &'a Request, messages_path: &str) -> Option<&'a str> {
    if request.method() != Method::POST
        || !request
            .uri()
            .path()
            .starts_with(messages_path.trim_end_matches('/'))
    {
        return None;
    }
    request.uri().query()?.split('&').find_map(|pair| {
        pair.strip_prefix("session_id=")
            .filter(|v| !v.is_empty() && v.len() <= 64)
    })
}

/// The `Mcp-Session-Id` a request names.
pub fn streamable_session_id(request: &Request) -> Option<&str> {
    request
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
}

/// The middleware: checks the key, then hands [`Caller`] and [`Identity`] on.
pub async fn authenticate(
    State(state): State<Arc<AuthState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = request.extensions().get::<ClientIp>().map(|c| c.0);
    let asked = Asked::of(&request, state.messages_path);
    let (key_id, outcome) = identify(&state, asked, ip).await;
    let mut response = match outcome {
        Ok((caller, identity)) => {
            request.extensions_mut().insert(caller);
            request.extensions_mut().insert(identity);
            next.run(request).await
        }
        Err(refusal) => refusal,
    };
    response
        .extensions_mut()
        .insert(LoggedIdentity { api_key_id: key_id });
    response
}

/// What a request presents, read from its head (owned: the check awaits the limiter).
struct Asked {
    key_in_query: bool,
    /// `None`: no header; `Some(None)`: a header that is not text.
    key: Option<Option<String>>,
    sse_session: Option<String>,
    streamable_session: Option<String>,
}

impl Asked {
    fn of(request: &Request, messages_path: &str) -> Asked {
        Asked {
            key_in_query: key_in_query(request),
            key: request
                .headers()
                .get(API_KEY_HEADER)
                .map(|v| v.to_str().ok().map(|k| k.trim().to_owned())),
            sse_session: sse_session_id(request, messages_path).map(str::to_owned),
            streamable_session: streamable_session_id(request).map(str::to_owned),
        }
    }
}

/// The key id (when known, also for a refusal) and either who the request acts as or the
/// refusal.
async fn identify(
    state: &AuthState,
    asked: Asked,
    ip: Option<IpAddr>,
) -> (Option<String>, Result<(Caller, Identity), Response>) {
    if asked.key_in_query {
        metrics::record_auth_failure("key_in_url");
        return (
            None,
            Err(forbidden(
                "send the API key in the X-API-Key header, not in the URL (URLs end up in logs)",
            )),
        );
    }
    let keys = state.keys.snapshot();
    let sse_session = asked.sse_session.as_deref();
    let streamable_session = asked.streamable_session.as_deref();
    let now = OffsetDateTime::now_utc();
    let (verified, credential) = if !keys.requires_key() {
        (None, None)
    } else {
        match asked.key.as_ref().map(|k| k.as_deref()) {
            Some(Some(key)) if !key.is_empty() => {
                if let Some(ip) = ip
                    && let Err(r) = state.limiter.check_failures(ip).await
                {
                    return (None, Err(refused(&r, None)));
                }
                match keys.verify(key, now) {
                    Ok(v) => (Some(v), Some(hash_key(key))),
                    Err(denied) => {
                        // An expired or revoked key matched its record: its id is known (an
                        // unknown key's claimed id is the caller's text and is not logged).
                        let known = matches!(denied, Denied::Expired | Denied::Revoked)
                            .then(|| id_of(key).map(str::to_owned))
                            .flatten();
                        tracing::info!(client.ip = ?ip, api_key.id = known.as_deref(), reason = %denied, "refused API key");
                        metrics::record_auth_failure(denied_label(denied));
                        if let Some(ip) = ip {
                            state.limiter.record_failure(ip).await;
                        }
                        return (known, Err(forbidden(&denied.to_string())));
                    }
                }
            }
            Some(_) => {
                metrics::record_auth_failure("missing");
                return (
                    None,
                    Err(forbidden("the X-API-Key header is empty or not valid text")),
                );
            }
            // Some SSE clients drop custom headers on these POSTs: the session's own key
            // decides, as the key store holds it now.
            None => match sse_session {
                Some(id) => match session_key(state, &keys, id, now) {
                    Ok(found) => found,
                    Err(refusal) => return (None, Err(refusal)),
                },
                None => {
                    metrics::record_auth_failure("missing");
                    return (None, Err(forbidden(&Denied::Missing.to_string())));
                }
            },
        }
    };
    let key_id: Option<Arc<str>> = verified.as_ref().map(|v| Arc::from(v.id.as_str()));
    let logged = key_id.as_deref().map(str::to_owned);
    if let Some(v) = &verified {
        state.keys.touch(&v.id);
    }
    if let Err(refusal) = check_sessions(
        state,
        &key_id,
        credential,
        ip,
        streamable_session,
        sse_session,
    ) {
        return (logged, Err(refusal));
    }
    let caller = Caller {
        api_key_id: logged.clone(),
        read_only: verified.as_ref().is_some_and(|v| v.read_only),
    };
    let identity = Identity {
        owner: Owner {
            key_id,
            credential,
            client_ip: ip,
        },
        own_limits: verified
            .as_ref()
            .map_or((None, None), |v| (v.per_minute, v.per_hour)),
    };
    (logged, Ok((caller, identity)))
}

/// The key that owns SSE session `id`, verified now.
#[allow(clippy::result_large_err)]
fn session_key(
    state: &AuthState,
    keys: &KeySet,
    id: &str,
    now: OffsetDateTime,
) -> Result<(Option<Verified>, Option<[u8; 32]>), Response> {
    let Some(owner) = state.sessions.owner(id) else {
        return Err(jsonrpc_error_response(
            axum::http::StatusCode::NOT_FOUND,
            "Not Found: no open SSE session has this session_id; open a new one with GET /sse",
        ));
    };
    let (Some(key_id), Some(credential)) = (owner.key_id.as_deref(), owner.credential) else {
        metrics::record_auth_failure("missing");
        return Err(forbidden(&Denied::Missing.to_string()));
    };
    match keys.verify_hash(key_id, &credential, now) {
        Ok(v) => Ok((Some(v), Some(credential))),
        Err(denied) => {
            metrics::record_auth_failure(denied_label(denied));
            Err(forbidden(&format!(
                "the API key that opened this SSE session is no longer valid ({denied}); open a new session with GET /sse and a valid key"
            )))
        }
    }
}

/// A named session must belong to this key (and, for legacy SSE, this address).
#[allow(clippy::result_large_err)]
fn check_sessions(
    state: &AuthState,
    key_id: &Option<Arc<str>>,
    credential: Option<[u8; 32]>,
    ip: Option<IpAddr>,
    streamable: Option<&str>,
    sse: Option<&str>,
) -> Result<(), Response> {
    if let Some(id) = streamable
        && let Some(owner) = state.sessions.owner(id)
    {
        if owner.key_id != *key_id {
            metrics::record_auth_failure("session_mismatch");
            return Err(forbidden(
                "this MCP session belongs to another API key; initialize a new session",
            ));
        }
        if let Some(c) = credential {
            state.sessions.refresh_credential(id, c);
        }
    }
    if let Some(id) = sse
        && let Some(owner) = state.sessions.owner(id)
    {
        // A session id is not a credential: a message must come from where the session was
        // opened and, when it carries a key, with the key that opened it.
        if owner.client_ip.is_some() && owner.client_ip != ip {
            return Err(forbidden(
                "this SSE session was opened from another address; open a new one with GET /sse",
            ));
        }
        if owner.key_id != *key_id {
            metrics::record_auth_failure("session_mismatch");
            return Err(forbidden(
                "this SSE session belongs to another API key; open a new one with GET /sse",
            ));
        }
        if let Some(c) = credential {
            state.sessions.refresh_credential(id, c);
        }
    }
    Ok(())
}

fn denied_label(d: Denied) -> &'static str {
    match d {
        Denied::Missing => "missing",
        Denied::Unknown => "unknown",
        Denied::Expired => "expired",
        Denied::Revoked => "revoked",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(method: Method, uri: &str) -> Request {
        Request::builder()
            .method(method)
            .uri(uri)
            .body(axum::body::Body::empty())
            .expect("request")
    }

    #[test]
    fn keys_in_the_query_string_are_recognised() {
        assert!(key_in_query(&r(Method::GET, "/mcp?api_key=abc")));
        assert!(key_in_query(&r(Method::GET, "/sse?x=1&Key=abc")));
        assert!(!key_in_query(&r(Method::POST, "/messages/?session_id=abc")));
        assert!(!key_in_query(&r(Method::GET, "/mcp")));
    }

    #[test]
    fn the_sse_session_id_is_read_only_from_message_posts() {
        let m = "/messages/";
        assert_eq!(
            sse_session_id(&r(Method::POST, "/messages/?session_id=ab12"), m),
            Some("ab12")
        );
        assert_eq!(
            sse_session_id(&r(Method::POST, "/messages?x=1&session_id=ab12"), m),
            Some("ab12")
        );
        assert_eq!(
            sse_session_id(&r(Method::GET, "/messages/?session_id=ab12"), m),
            None
        );
        assert_eq!(
            sse_session_id(&r(Method::POST, "/mcp?session_id=ab12"), m),
            None
        );
        assert_eq!(
            sse_session_id(&r(Method::POST, "/messages/?session_id="), m),
            None
        );
    }
}
