//! JSON bodies for transport-level errors, so every 4xx a client gets is machine-readable.
//!
//! Refusals (403, 429, 503, …) are JSON-RPC error objects, so every SDK shows their reason
//! (the Python SDK 2.x, and with it FastMCP and ADK, only surfaces a JSON-RPC error from a
//! non-2xx body); the descriptive fields (`reason`, `limit`, `retry_after_secs`) stay beside
//! it at the top level for scripts and dashboards.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rmcp::model::ClientJsonRpcMessage;

/// A JSON-RPC error object without id, with the HTTP status the MCP spec gives for the case.
pub fn jsonrpc_error_response(status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::BAD_REQUEST => -32600,
        StatusCode::NOT_FOUND => -32001,
        _ => -32000,
    };
    let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Parses one client JSON-RPC message; batches and malformed JSON get a 400 that says why.
#[allow(clippy::result_large_err)]
pub fn parse_client_message(bytes: &[u8]) -> Result<ClientJsonRpcMessage, Response> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": format!("Parse error: the body is not valid JSON ({e})")}});
        (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
    })?;
    if value.is_array() {
        return Err(jsonrpc_error_response(
            StatusCode::BAD_REQUEST,
            "Invalid Request: JSON-RPC batches are not supported; send one message per request",
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        jsonrpc_error_response(
            StatusCode::BAD_REQUEST,
            &format!("Invalid Request: not a JSON-RPC 2.0 message ({e})"),
        )
    })
}

/// JSON-RPC error code of a 403 refusal (implementation-defined range).
pub const CODE_FORBIDDEN: i64 = -32003;
/// JSON-RPC error code of a 429 refusal.
pub const CODE_RATE_LIMITED: i64 = -32004;
/// JSON-RPC error code of a 503 refusal (capacity, shutdown, shared limiter down).
pub const CODE_UNAVAILABLE: i64 = -32005;

/// A refusal: `status` with a JSON-RPC error whose message starts with what happened (the
/// `kind`, e.g. `forbidden`) and says why, answering request `id` when it is known; `extra`
/// fields go beside `reason` at the top level and into `error.data`.
pub fn refusal(
    status: StatusCode,
    kind: &str,
    reason: &str,
    id: Option<serde_json::Value>,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Response {
    let code = match status {
        StatusCode::FORBIDDEN => CODE_FORBIDDEN,
        StatusCode::TOO_MANY_REQUESTS => CODE_RATE_LIMITED,
        StatusCode::SERVICE_UNAVAILABLE => CODE_UNAVAILABLE,
        StatusCode::NOT_FOUND => -32001,
        StatusCode::BAD_REQUEST => -32600,
        _ => -32000,
    };
    let label = kind.replace('_', " ");
    let mut data = extra.clone();
    data.insert("status".into(), status.as_u16().into());
    data.insert("kind".into(), kind.into());
    let mut body = serde_json::Map::new();
    body.insert("jsonrpc".into(), "2.0".into());
    body.insert("id".into(), id.unwrap_or(serde_json::Value::Null));
    body.insert(
        "error".into(),
        serde_json::json!({"code": code, "message": format!("{label}: {reason}"), "data": data}),
    );
    body.insert("reason".into(), reason.into());
    body.extend(extra);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::Value::Object(body).to_string(),
    )
        .into_response()
}

/// 403 with a JSON-RPC error body and no `WWW-Authenticate` (a 401 would start OAuth in
/// clients).
pub fn forbidden(reason: &str) -> Response {
    refusal(
        StatusCode::FORBIDDEN,
        "forbidden",
        reason,
        None,
        serde_json::Map::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refusal_is_a_json_rpc_error_that_keeps_its_descriptive_fields() {
        let mut extra = serde_json::Map::new();
        extra.insert("limit".into(), "key_per_minute".into());
        let r = refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "retry in 3 s",
            Some(serde_json::json!(7)),
            extra,
        );
        assert_eq!(r.status(), 429);
        let bytes = axum::body::to_bytes(r.into_body(), 4096)
            .await
            .expect("body");
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(v["jsonrpc"], "2.0");
        assert_eq!(v["id"], 7);
        assert_eq!(v["error"]["code"], CODE_RATE_LIMITED);
        assert_eq!(v["error"]["message"], "rate limited: retry in 3 s");
        assert_eq!(v["error"]["data"]["limit"], "key_per_minute");
        assert_eq!(v["reason"], "retry in 3 s");
        assert_eq!(v["limit"], "key_per_minute");
    }
}
