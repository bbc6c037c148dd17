//! The answers to requests over a budget or a cap: 429 with `Retry-After` and the IETF
//! `RateLimit-Policy` / `RateLimit` headers, 503 when the server (or its shared limiter) has
//! no room. Bodies are JSON-RPC errors ([`crate::mcp::errors::refusal`]) that keep the
//! descriptive fields (`reason`, `limit`, `retry_after_secs`) beside the error; every refusal
//! is counted.

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};

use super::peek::McpCallInfo;
use crate::mcp::errors::refusal;
use crate::mcp::sessions::CapReached;
use crate::security::ratelimit::{Denial, Refusal};
use crate::telemetry::metrics;

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

/// Answers a request refused by a limiter; a refusal over a budget is counted, and so is the
/// tool call it carried (when the peeked body names a registered tool).
pub fn refused(r: &Refusal, call: Option<&McpCallInfo>) -> Response {
    let id = call.and_then(|c| c.id.clone());
    match r {
        Refusal::Over(d) => {
            metrics::record_rate_limited(scope_label(d.limit));
            if let Some(tool) = call
                .filter(|c| c.method.as_deref() == Some("tools/call"))
                .and_then(|c| c.tool.as_deref())
                .and_then(metrics::known_tool)
            {
                metrics::record_tool_call(tool, "rate_limited", None);
            }
            too_many(d, id)
        }
        Refusal::Unavailable => refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the shared rate limiter (Redis) is unreachable and MCP_RATE_LIMIT_REDIS_FAILURE=closed; retry shortly",
            id,
            Map::new(),
        ),
    }
}

/// Whole seconds to wait, rounded up, at least 1.
fn wait_secs(d: &Denial) -> u64 {
    (d.retry_after.as_secs() + u64::from(d.retry_after.subsec_nanos() > 0)).max(1)
}

/// 429 naming the budget, with the headers clients and proxies read.
fn too_many(d: &Denial, id: Option<Value>) -> Response {
    let secs = wait_secs(d);
    let mut extra = Map::new();
    extra.insert("limit".into(), d.limit.into());
    extra.insert("retry_after_secs".into(), secs.into());
    let reason = format!(
        "retry in {secs} s; over the {} limit of {} per {} s",
        d.limit, d.quota, d.window_secs
    );
    let mut response = refusal(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        &reason,
        id,
        extra,
    );
    let h = response.headers_mut();
    for (name, value) in [
        ("retry-after", secs.to_string()),
        (
            "ratelimit-policy",
            format!("\"{}\";q={};w={}", d.limit, d.quota, d.window_secs),
        ),
        ("ratelimit", format!("\"{}\";r=0;t={}", d.limit, secs)),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    response
}

/// A new session or stream refused by a cap: 429 for the caller's own cap, 503 for the
/// server's; counted by cap.
pub fn capacity(cap: CapReached, call: Option<&McpCallInfo>) -> Response {
    metrics::record_capacity_refused(cap.label());
    let mut extra = Map::new();
    extra.insert("limit".into(), cap.label().into());
    extra.insert("cap".into(), cap.cap().into());
    let (status, kind) = if cap.per_key() {
        (StatusCode::TOO_MANY_REQUESTS, "too_many_sessions")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "at_capacity")
    };
    let mut response = refusal(
        status,
        kind,
        &cap.reason(),
        call.and_then(|c| c.id.clone()),
        extra,
    );
    if !cap.per_key() {
        response
            .headers_mut()
            .insert("retry-after", HeaderValue::from_static("5"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn waits_round_up_to_whole_seconds() {
        let d = |ms| Denial {
            limit: "key_per_minute",
            quota: 60,
            window_secs: 60,
            retry_after: Duration::from_millis(ms),
        };
        assert_eq!(wait_secs(&d(1)), 1);
        assert_eq!(wait_secs(&d(1000)), 1);
        assert_eq!(wait_secs(&d(1001)), 2);
    }
}
