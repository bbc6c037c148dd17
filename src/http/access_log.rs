//! The access log: one structured line per HTTP request (`MCP_LOG_ACCESS`), with who
//! (`client.ip`, `api_key.id`), what (`http.method`, `http.route`, `mcp.method`, `mcp.tool`,
//! `mcp.session_id`, client name/version from `initialize`) and how (`http.status_code`,
//! `duration_ms`, bytes out). Header values are stripped of control characters so a client
//! cannot forge log lines; bodies, keys and tokens are never logged.

use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;

use super::auth::LoggedIdentity;

/// What a JSON-RPC message says about itself, for the log.
#[derive(Debug, Clone, Default)]
pub struct McpCallInfo {
    /// JSON-RPC method.
    pub method: Option<String>,
    /// Tool name of a `tools/call`.
    pub tool: Option<String>,
    /// Client name and version from `initialize`.
    pub client: Option<String>,
}

#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(borrow)]
    method: Option<&'a str>,
    #[serde(borrow)]
    params: Option<PeekParams<'a>>,
}

#[derive(Deserialize)]
struct PeekParams<'a> {
    #[serde(borrow)]
    name: Option<&'a str>,
    #[serde(rename = "clientInfo", borrow)]
    client_info: Option<PeekClient<'a>>,
}

#[derive(Deserialize)]
struct PeekClient<'a> {
    #[serde(borrow)]
    name: Option<&'a str>,
    #[serde(borrow)]
    version: Option<&'a str>,
}

/// Printable ASCII only, at most 200 characters: safe to put in a log line.
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
        },
        Err(_) => McpCallInfo::default(),
    }
}

/// Inner layer on MCP routes (inside the body limit): reads what the JSON-RPC body says about
/// itself and passes the body on unchanged.
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

/// Outer layer: times the request and writes the line.
pub async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = sanitize(request.uri().path());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(sanitize)
        .unwrap_or_default();
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(sanitize)
        .unwrap_or_default();
    let session = request
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(sanitize)
        .unwrap_or_default();
    let response = next.run(request).await;
    let who = response.extensions().get::<LoggedIdentity>();
    let call = response.extensions().get::<McpCallInfo>();
    let bytes_out = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let session = if session.is_empty() {
        response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(sanitize)
            .unwrap_or_default()
    } else {
        session
    };
    tracing::info!(
        target: "mcp_atlassian::access",
        request_id,
        client.ip = who.and_then(|w| w.client_ip).map(|ip| ip.to_string()).unwrap_or_default(),
        api_key.id = who.and_then(|w| w.api_key_id.clone()).unwrap_or_default(),
        http.method = %method,
        http.route = path,
        http.status_code = response.status().as_u16(),
        duration_ms = started.elapsed().as_millis() as u64,
        http.response.bytes = bytes_out,
        user_agent,
        mcp.method = call.and_then(|c| c.method.clone()).unwrap_or_default(),
        mcp.tool = call.and_then(|c| c.tool.clone()).unwrap_or_default(),
        mcp.session_id = session,
        mcp.client = call.and_then(|c| c.client.clone()).unwrap_or_default(),
        "access"
    );
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
    fn the_method_tool_and_client_are_read_from_json_rpc() {
        let call = peek(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"jira_search","arguments":{"jql":"x"}}}"#);
        assert_eq!(call.method.as_deref(), Some("tools/call"));
        assert_eq!(call.tool.as_deref(), Some("jira_search"));
        let init = peek(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"cursor","version":"1.2"}}}"#);
        assert_eq!(init.client.as_deref(), Some("cursor/1.2"));
        assert!(peek(b"not json").method.is_none());
    }
}
