//! Client identification on MCP routes: the client IP (behind trusted proxies), the API key
//! (`X-API-Key`, 403 with a JSON body when missing or wrong), and the binding of Streamable
//! HTTP sessions to the key that opened them.
//!
//! The caller's identity leaves here as typed request extensions (`ClientIp`, `Caller`); the
//! key itself is never stored, logged or passed on.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use super::access_log::McpCallInfo;
use super::guard::forbidden;
use crate::config::Cidr;
use crate::mcp::{Caller, ClientIp, NoKeyPresented};
use crate::security::ratelimit::{Denial, RateLimiter, Refusal};
use crate::security::{KeyStore, client_ip};
use crate::telemetry::metrics;

/// Header clients send the API key in.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The key id that served a request, for the access log (a response extension).
#[derive(Debug, Clone)]
pub struct LoggedIdentity {
    /// Client IP.
    pub client_ip: Option<std::net::IpAddr>,
    /// API key id.
    pub api_key_id: Option<String>,
}

/// What the auth middleware needs.
pub struct AuthState {
    /// Live keys.
    pub keys: Arc<KeyStore>,
    /// Proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<Cidr>,
    /// Streamable HTTP session id → key id that opened it.
    sessions: Mutex<HashMap<String, Option<String>>>,
    /// Path of the SSE message endpoint (exempt from needing a key header).
    pub messages_path: &'static str,
    /// Request budgets.
    pub limiter: RateLimiter,
}

/// Bound on remembered session bindings; the oldest half is forgotten past it, which only
/// means such a session is no longer tied to its key (the key is still checked).
const MAX_BINDINGS: usize = 100_000;

impl AuthState {
    /// New state over a key store.
    pub fn new(
        keys: Arc<KeyStore>,
        trusted_proxies: Vec<Cidr>,
        limiter: RateLimiter,
        messages_path: &'static str,
    ) -> Self {
        AuthState {
            keys,
            trusted_proxies,
            sessions: Mutex::new(HashMap::new()),
            messages_path,
            limiter,
        }
    }

    fn bindings(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<String>>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }
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

/// The middleware: resolves the client IP, checks the key, binds sessions.
pub async fn authenticate(
    State(state): State<Arc<AuthState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = peer.map(|p| client_ip(p, request.headers(), &state.trusted_proxies));
    if let Some(ip) = ip {
        request.extensions_mut().insert(ClientIp(ip));
    }
    if key_in_query(&request) {
        metrics::record_auth_failure("key_in_url");
        return forbidden(
            "send the API key in the X-API-Key header, not in the URL (URLs end up in logs)",
        );
    }
    // Counted: every POST (one MCP message) and every new SSE stream; not keep-alives.
    let counted = request.method() == Method::POST
        || (request.method() == Method::GET && request.uri().path() == "/sse");
    if counted
        && let Some(ip) = ip
        && let Err(r) = state.limiter.check_ip(ip).await
    {
        return refused(&r, &request);
    }
    let keys = state.keys.snapshot();
    let presented = request
        .headers()
        .get(API_KEY_HEADER)
        .map(|v| v.to_str().map(str::trim));
    if presented.is_some()
        && !keys.is_empty()
        && let Some(ip) = ip
        && let Err(d) = state.limiter.check_failures(ip)
    {
        return refused(&Refusal::Over(d), &request);
    }
    let mut key_limits = (None, None);
    let caller = if keys.is_empty() {
        Caller::default()
    } else {
        match presented {
            Some(Ok(key)) if !key.is_empty() => match keys.verify(key, OffsetDateTime::now_utc()) {
                Ok(v) => {
                    state.keys.touch(&v.id);
                    key_limits = (v.per_minute, v.per_hour);
                    Caller {
                        api_key_id: Some(v.id),
                        read_only: v.read_only,
                    }
                }
                Err(denied) => {
                    tracing::info!(client.ip = ?ip, reason = %denied, "refused API key");
                    metrics::record_auth_failure(denied_label(denied));
                    if let Some(ip) = ip {
                        state.limiter.record_failure(ip);
                    }
                    return forbidden(&denied.to_string());
                }
            },
            Some(_) => {
                metrics::record_auth_failure("missing");
                return forbidden("the X-API-Key header is empty or not valid text");
            }
            None if request
                .uri()
                .path()
                .starts_with(state.messages_path.trim_end_matches('/'))
                && request.method() == Method::POST =>
            {
                // Some SSE clients drop custom headers on these POSTs; the session decides.
                request.extensions_mut().insert(NoKeyPresented);
                Caller::default()
            }
            None => {
                metrics::record_auth_failure("missing");
                return forbidden(&crate::security::Denied::Missing.to_string());
            }
        }
    };
    // Streamable HTTP: a session belongs to the key that opened it.
    let session = request
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(id) = &session
        && let Some(bound) = state.bindings().get(id)
        && *bound != caller.api_key_id
    {
        metrics::record_auth_failure("session_mismatch");
        return forbidden("this MCP session belongs to another API key; initialize a new session");
    }
    if counted
        && let Some(id) = &caller.api_key_id
        && let Err(r) = state.limiter.check_key(id, key_limits).await
    {
        return refused(&r, &request);
    }
    let is_delete = request.method() == Method::DELETE;
    let key_id = caller.api_key_id.clone();
    request.extensions_mut().insert(caller);
    let mut response = next.run(request).await;
    match (
        &session,
        response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok()),
    ) {
        (None, Some(new_id)) => {
            let mut b = state.bindings();
            if b.len() >= MAX_BINDINGS {
                let drop: Vec<String> = b.keys().take(MAX_BINDINGS / 2).cloned().collect();
                for k in drop {
                    b.remove(&k);
                }
            }
            b.insert(new_id.to_owned(), key_id.clone());
        }
        (Some(id), _) if is_delete && response.status().is_success() => {
            state.bindings().remove(id);
        }
        _ => {}
    }
    response.extensions_mut().insert(LoggedIdentity {
        client_ip: ip,
        api_key_id: key_id,
    });
    response
}

fn denied_label(d: crate::security::Denied) -> &'static str {
    use crate::security::Denied;
    match d {
        Denied::Missing => "missing",
        Denied::Unknown => "unknown",
        Denied::Expired => "expired",
        Denied::Revoked => "revoked",
    }
}

/// The `scope` label of a budget.
fn scope_label(limit: &str) -> &'static str {
    match limit {
        "key_per_minute" => "key_minute",
        "key_per_hour" => "key_hour",
        "ip_per_minute" => "ip_minute",
        "ip_per_hour" => "ip_hour",
        _ => "auth_failures",
    }
}

/// Answers a refused request; a refusal over a budget is counted, and so is the tool call it
/// carried (when the peeked body names a registered tool).
fn refused(r: &Refusal, request: &Request) -> Response {
    match r {
        Refusal::Over(d) => {
            metrics::record_rate_limited(scope_label(d.limit));
            if let Some(tool) = request
                .extensions()
                .get::<McpCallInfo>()
                .filter(|c| c.method.as_deref() == Some("tools/call"))
                .and_then(|c| c.tool.as_deref())
                .and_then(metrics::known_tool)
            {
                metrics::record_tool_call(tool, "rate_limited", None);
            }
            too_many(d)
        }
        Refusal::Unavailable => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"error": "unavailable", "reason": "the shared rate limiter (Redis) is unreachable and MCP_RATE_LIMIT_REDIS_FAILURE=closed; retry shortly"})),
        )
            .into_response(),
    }
}

/// 429 with `Retry-After`, the IETF `RateLimit-Policy` / `RateLimit` headers and a JSON body
/// naming the limit.
fn too_many(d: &Denial) -> Response {
    let secs = (d.retry_after.as_secs() + u64::from(d.retry_after.subsec_nanos() > 0)).max(1);
    let body = serde_json::json!({
        "error": "rate_limited",
        "reason": format!("over the {} limit of {} per {} s; retry after {} s", d.limit, d.quota, d.window_secs, secs),
        "limit": d.limit,
        "retry_after_secs": secs,
    });
    let mut response =
        (axum::http::StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    let h = response.headers_mut();
    for (name, value) in [
        ("retry-after", secs.to_string()),
        (
            "ratelimit-policy",
            format!("\"{}\";q={};w={}", d.limit, d.quota, d.window_secs),
        ),
        ("ratelimit", format!("\"{}\";r=0;t={}", d.limit, secs)),
    ] {
        if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_the_query_string_are_recognised() {
        let r = |uri: &str| {
            Request::builder()
                .uri(uri)
                .body(axum::body::Body::empty())
                .expect("request")
        };
        assert!(key_in_query(&r("/mcp?api_key=abc")));
        assert!(key_in_query(&r("/sse?x=1&Key=abc")));
        assert!(!key_in_query(&r("/messages/?session_id=abc")));
        assert!(!key_in_query(&r("/mcp")));
    }
}
