//! SSE priming events only for clients that understand them.
//!
//! rmcp starts every Streamable HTTP SSE response with a priming event (SEP-1699: an event
//! with an `id` and/or `retry` and an empty `data:` line), whatever protocol version the client
//! negotiated. Clients older than 2025-11-25 do not expect it: the TypeScript SDK before 1.23
//! (Gemini CLI's generation) parses the empty data as JSON and drops the server, the Python
//! SDK 1.x logs a traceback. This layer removes such data-less events from the SSE responses
//! of those clients and leaves everything else byte for byte.
//!
//! The client's version is read from the request: for `initialize`, the version it asks for
//! (`params.protocolVersion`, which the server grants when it supports it); for any other
//! request, the `MCP-Protocol-Version` header, whose absence means 2025-03-26 (the spec's
//! fallback). Versions are ISO dates, so they compare as strings.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;

use super::peek::McpCallInfo;

/// The first revision whose clients expect priming events.
pub const FIRST_PRIMING_VERSION: &str = "2025-11-25";

/// What the spec says a server assumes when a request carries no `MCP-Protocol-Version`.
const VERSION_WITHOUT_HEADER: &str = "2025-03-26";

/// The protocol version the client of `request` speaks.
fn client_version(request: &Request) -> String {
    let info = request.extensions().get::<McpCallInfo>();
    if let Some(info) = info
        && info.method.as_deref() == Some("initialize")
        && let Some(v) = &info.protocol_version
    {
        return v.clone();
    }
    request
        .headers()
        .get("mcp-protocol-version")
        .and_then(|v| v.to_str().ok())
        .unwrap_or(VERSION_WITHOUT_HEADER)
        .trim()
        .to_owned()
}

/// Whether a client on `version` should get priming events.
pub fn wants_priming(version: &str) -> bool {
    version >= FIRST_PRIMING_VERSION
}

/// Whether one SSE frame is a priming event: only `id:`/`retry:` lines and empty `data:` lines,
/// with at least one `retry:` or `id:` (a keep-alive comment is not one).
fn is_priming(frame: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(frame) else {
        return false;
    };
    if !text.ends_with("\n\n") {
        return false;
    }
    let mut hint = false;
    for line in text.lines().filter(|l| !l.is_empty()) {
        if line.starts_with("id:") || line.starts_with("retry:") {
            hint = true;
        } else if let Some(data) = line.strip_prefix("data:") {
            if !data.trim().is_empty() {
                return false;
            }
        } else {
            return false;
        }
    }
    hint
}

/// The layer: strips priming events from the SSE responses of pre-2025-11-25 clients.
pub async fn priming_for_new_clients_only(request: Request, next: Next) -> Response {
    let old_client = !wants_priming(&client_version(&request));
    let response = next.run(request).await;
    let is_sse = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !old_client || !is_sse {
        return response;
    }
    let (parts, body) = response.into_parts();
    // rmcp writes each event as one frame, so a frame-wise filter sees whole events.
    let stream = body.into_data_stream().filter(|chunk| {
        let keep = match chunk {
            Ok(bytes) => !is_priming(bytes),
            Err(_) => true,
        };
        std::future::ready(keep)
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rmcp_priming_events_are_recognised_and_messages_and_keepalives_are_not() {
        assert!(is_priming(b"data: \nid: 0\nretry: 3000\n\n"));
        assert!(is_priming(b"data: \nretry: 3000\n\n"));
        assert!(is_priming(b"data:\nid: 0\n\n"));
        assert!(!is_priming(b"data: {\"jsonrpc\":\"2.0\"}\nid: 1\n\n"));
        assert!(!is_priming(b":\n\n"));
        assert!(!is_priming(b"data: \n\n"));
        assert!(!is_priming(b"event: endpoint\ndata: /x\n\n"));
    }

    #[test]
    fn only_2025_11_25_and_later_want_priming() {
        assert!(wants_priming("2025-11-25"));
        assert!(wants_priming("2026-07-28"));
        assert!(!wants_priming("2025-06-18"));
        assert!(!wants_priming("2024-11-05"));
        assert!(!wants_priming(VERSION_WITHOUT_HEADER));
    }
}
