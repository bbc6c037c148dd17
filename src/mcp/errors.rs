//! JSON bodies for transport-level errors, so every 4xx a client gets is machine-readable.

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

/// 403 with a JSON body and no `WWW-Authenticate` (a 401 would start OAuth in clients).
pub fn forbidden(reason: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(serde_json::json!({"error": "forbidden", "reason": reason})),
    )
        .into_response()
}
