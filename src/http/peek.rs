//! What a JSON-RPC request body says about itself (method, tool, id, client name), read once
//! after the API key passed and before the rate limits, which count by method.
//!
//! Runs inside the body limit, so the read is bounded by `MCP_MAX_BODY_BYTES`; the body goes
//! on unchanged, and a body that is not JSON passes through for the transport to answer.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;

/// What a JSON-RPC message says about itself, for the limits, the log and the metrics.
#[derive(Debug, Clone, Default)]
pub struct McpCallInfo {
    /// JSON-RPC method.
    pub method: Option<String>,
    /// Tool name of a `tools/call`.
    pub tool: Option<String>,
    /// Client name and version from `initialize`.
    pub client: Option<String>,
    /// The request id (number or string), so a refusal can answer it.
    pub id: Option<serde_json::Value>,
    /// `params.protocolVersion` of an `initialize`: the version the client asks for.
    pub protocol_version: Option<String>,
}

#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(borrow)]
    method: Option<&'a str>,
    #[serde(borrow)]
    params: Option<PeekParams<'a>>,
    id: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct PeekParams<'a> {
    #[serde(borrow)]
    name: Option<&'a str>,
    #[serde(rename = "clientInfo", borrow)]
    client_info: Option<PeekClient<'a>>,
    #[serde(rename = "protocolVersion", borrow)]
    protocol_version: Option<&'a str>,
}

#[derive(Deserialize)]
struct PeekClient<'a> {
    #[serde(borrow)]
    name: Option<&'a str>,
    #[serde(borrow)]
    version: Option<&'a str>,
}

/// Printable characters only, at most 200: safe to put in a log line.
pub fn sanitize(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).take(200).collect()
}

fn peek(bytes: &[u8]) -> McpCallInfo {
    match serde_json::from_slice::<Peek<'_>>(bytes) {
        Ok(p) => McpCallInfo {
            method: p.method.map(sanitize),
            tool: p.params.as_ref().and_then(|x| x.name).map(sanitize),
            client: p
                .params
                .as_ref()
                .and_then(|x| x.client_info.as_ref())
                .map(|c| {
                    sanitize(&format!(
                        "{}/{}",
                        c.name.unwrap_or("?"),
                        c.version.unwrap_or("?")
                    ))
                }),
            protocol_version: p
                .params
                .as_ref()
                .and_then(|x| x.protocol_version)
                .map(sanitize),
            // Only the shapes JSON-RPC allows, so a refusal never echoes a large value.
            id: p
                .id
                .filter(|v| v.is_i64() || v.is_u64() || v.as_str().is_some_and(|s| s.len() <= 200)),
        },
        Err(_) => McpCallInfo::default(),
    }
}

/// The layer: reads what a POST's JSON-RPC body says about itself and passes the body on.
pub async fn peek_mcp(request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        // Let the transport answer the broken body the way it does.
        Err(_) => Bytes::new(),
    };
    let info = peek(&bytes);
    parts.extensions.insert(info.clone());
    let mut response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    response.extensions_mut().insert(info);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_forge_log_lines() {
        assert_eq!(
            sanitize("curl\n{\"level\":\"ERROR\"}\r"),
            "curl{\"level\":\"ERROR\"}"
        );
        assert_eq!(sanitize(&"x".repeat(500)).len(), 200);
    }

    #[test]
    fn the_method_tool_id_and_client_are_read_from_json_rpc() {
        let call = peek(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"jira_search","arguments":{"jql":"x"}}}"#);
        assert_eq!(call.method.as_deref(), Some("tools/call"));
        assert_eq!(call.tool.as_deref(), Some("jira_search"));
        assert_eq!(call.id, Some(serde_json::json!(1)));
        let init = peek(br#"{"jsonrpc":"2.0","id":"a","method":"initialize","params":{"clientInfo":{"name":"cursor","version":"1.2"}}}"#);
        assert_eq!(init.client.as_deref(), Some("cursor/1.2"));
        assert_eq!(init.id, Some(serde_json::json!("a")));
        let asks = peek(br#"{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}"#);
        assert_eq!(asks.protocol_version.as_deref(), Some("2025-06-18"));
        assert!(peek(br#"{"id":{"x":1},"method":"ping"}"#).id.is_none());
        assert!(peek(b"not json").method.is_none());
    }
}
