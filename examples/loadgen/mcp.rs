//! A minimal MCP client for the benchmark: JSON-RPC over Streamable HTTP (`/mcp`, with or
//! without a session) and over the legacy SSE transport (`GET /sse` + `POST /messages/`).
//! Hand-rolled on reqwest so that the same code measures both servers and adds as little
//! of its own work as possible; every wait is bounded by [`CALL_TIMEOUT`].

use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use serde_json::{Value, json};

/// The longest any single request or event wait may take before it counts as an error.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
const PROTOCOL: &str = "2025-06-18";

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// One server-sent event.
#[derive(Debug, Default)]
pub struct Event {
    pub event: String,
    pub data: String,
}

/// Incremental `text/event-stream` parser over a response body.
pub struct EventReader {
    body: ByteStream,
    buf: Vec<u8>,
}

impl EventReader {
    pub fn new(resp: reqwest::Response) -> Self {
        Self {
            body: Box::pin(resp.bytes_stream()),
            buf: Vec::new(),
        }
    }

    /// The next event with data, or `None` when the stream ends.
    pub async fn next(&mut self) -> Result<Option<Event>, String> {
        loop {
            if let Some(ev) = self.take_event() {
                if ev.data.is_empty() && ev.event.is_empty() {
                    continue;
                }
                return Ok(Some(ev));
            }
            match tokio::time::timeout(CALL_TIMEOUT, self.body.next()).await {
                Err(_) => return Err("timed out waiting for an event".into()),
                Ok(None) => return Ok(None),
                Ok(Some(Err(e))) => return Err(format!("stream broke: {e}")),
                Ok(Some(Ok(chunk))) => self.buf.extend_from_slice(&chunk),
            }
        }
    }

    fn take_event(&mut self) -> Option<Event> {
        let (end, sep) = find_blank_line(&self.buf)?;
        let raw: Vec<u8> = self.buf.drain(..end + sep).collect();
        let text = String::from_utf8_lossy(&raw[..end]);
        let mut ev = Event::default();
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if let Some(v) = line.strip_prefix("data:") {
                if !ev.data.is_empty() {
                    ev.data.push('\n');
                }
                ev.data.push_str(v.strip_prefix(' ').unwrap_or(v));
            } else if let Some(v) = line.strip_prefix("event:") {
                ev.event = v.trim().to_owned();
            }
        }
        Some(ev)
    }

    /// Reads what is left (the server should end the stream right after the response), so
    /// that the connection goes back to the pool; gives up after a short wait.
    pub async fn drain(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while let Some(Ok(_)) = self.body.next().await {}
        })
        .await;
    }
}

fn find_blank_line(buf: &[u8]) -> Option<(usize, usize)> {
    for i in 0..buf.len() {
        if buf[i..].starts_with(b"\n\n") {
            return Some((i, 2));
        }
        if buf[i..].starts_with(b"\r\n\r\n") {
            return Some((i, 4));
        }
    }
    None
}

/// A JSON-RPC response and the size of the message that carried it.
#[derive(Debug)]
pub struct Reply {
    pub msg: Value,
    pub bytes: usize,
}

impl Reply {
    /// Whether this is a failed call: a JSON-RPC error or a tool result with `isError`.
    pub fn failed(&self) -> bool {
        self.msg.get("error").is_some()
            || self.msg["result"]["isError"].as_bool().unwrap_or(false)
            || self.msg.get("result").is_none()
    }
}

fn request(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

fn init_params() -> Value {
    json!({
        "protocolVersion": PROTOCOL,
        "capabilities": {},
        "clientInfo": {"name": "mcp-atlassian-loadgen", "version": "1"}
    })
}

/// A client session (or none, for stateless servers) on `/mcp`.
pub struct Streamable {
    http: reqwest::Client,
    url: String,
    session: Option<String>,
    next_id: u64,
}

impl Streamable {
    pub fn new(http: reqwest::Client, base: &str) -> Self {
        Self {
            http,
            url: format!("{base}/mcp"),
            session: None,
            next_id: 1,
        }
    }

    /// `initialize` + `notifications/initialized`; keeps the session id the server hands out.
    pub async fn initialize(&mut self) -> Result<Reply, String> {
        let reply = self.call("initialize", init_params()).await?;
        self.notify("notifications/initialized").await?;
        Ok(reply)
    }

    async fn notify(&self, method: &str) -> Result<(), String> {
        let body = json!({"jsonrpc": "2.0", "method": method});
        let resp = self.post(&body).await?;
        if !resp.status().is_success() {
            return Err(format!("{method}: HTTP {}", resp.status()));
        }
        let _ = resp.bytes().await;
        Ok(())
    }

    async fn post(&self, body: &Value) -> Result<reqwest::Response, String> {
        let mut req = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", PROTOCOL)
            .json(body)
            .timeout(CALL_TIMEOUT);
        if let Some(s) = &self.session {
            req = req.header("mcp-session-id", s);
        }
        req.send().await.map_err(|e| format!("POST /mcp: {e}"))
    }

    /// Sends one request and waits for its response (JSON or a one-response event stream).
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Reply, String> {
        let id = self.next_id;
        self.next_id += 1;
        let resp = self.post(&request(id, method, params)).await?;
        let status = resp.status();
        if !status.is_success() {
            let text = resp.text().await.unwrap_or_default();
            return Err(format!("{method}: HTTP {status}: {text:.200}"));
        }
        if let Some(s) = resp.headers().get("mcp-session-id")
            && let Ok(s) = s.to_str()
        {
            self.session = Some(s.to_owned());
        }
        let is_sse = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !is_sse {
            let body = resp.bytes().await.map_err(|e| format!("{method}: {e}"))?;
            let msg = serde_json::from_slice(&body).map_err(|e| format!("{method}: {e}"))?;
            return Ok(Reply {
                msg,
                bytes: body.len(),
            });
        }
        let mut events = EventReader::new(resp);
        loop {
            let Some(ev) = events.next().await? else {
                return Err(format!("{method}: stream ended without a response"));
            };
            if let Some(reply) = match_reply(&ev, id) {
                events.drain().await;
                return Ok(reply);
            }
        }
    }
}

fn match_reply(ev: &Event, id: u64) -> Option<Reply> {
    let msg: Value = serde_json::from_str(&ev.data).ok()?;
    (msg["id"].as_u64() == Some(id)).then_some(Reply {
        bytes: ev.data.len(),
        msg,
    })
}

/// A legacy SSE session: the open `GET /sse` stream and the URL its messages go to.
pub struct Sse {
    http: reqwest::Client,
    events: EventReader,
    post_url: String,
    next_id: u64,
}

impl Sse {
    /// Opens `GET /sse` and reads the `endpoint` event.
    pub async fn open(http: reqwest::Client, base: &str) -> Result<Self, String> {
        let resp = http
            .get(format!("{base}/sse"))
            .header("accept", "text/event-stream")
            .send()
            .await
            .map_err(|e| format!("GET /sse: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("GET /sse: HTTP {}", resp.status()));
        }
        let mut events = EventReader::new(resp);
        let endpoint = loop {
            match events.next().await? {
                None => return Err("GET /sse ended before the endpoint event".into()),
                Some(ev) if ev.event == "endpoint" => break ev.data,
                Some(_) => {}
            }
        };
        let post_url = if endpoint.starts_with("http") {
            endpoint
        } else {
            format!("{base}{endpoint}")
        };
        Ok(Self {
            http,
            events,
            post_url,
            next_id: 1,
        })
    }

    pub async fn initialize(&mut self) -> Result<Reply, String> {
        let reply = self.call("initialize", init_params()).await?;
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await?;
        Ok(reply)
    }

    // `&mut self`: the open event stream is not `Sync`, so a shared borrow would make the
    // future `!Send`.
    async fn send(&mut self, body: &Value) -> Result<(), String> {
        let resp = self
            .http
            .post(&self.post_url)
            .json(body)
            .timeout(CALL_TIMEOUT)
            .send()
            .await
            .map_err(|e| format!("POST /messages/: {e}"))?;
        let status = resp.status();
        let _ = resp.bytes().await;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("POST /messages/: HTTP {status}"))
        }
    }

    /// Posts one request and waits for its response on the stream.
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Reply, String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&request(id, method, params)).await?;
        loop {
            let Some(ev) = self.events.next().await? else {
                return Err(format!("{method}: the SSE stream ended"));
            };
            if let Some(reply) = match_reply(&ev, id) {
                return Ok(reply);
            }
        }
    }
}

/// Either transport behind one call interface.
pub enum Session {
    Mcp(Streamable),
    Sse(Sse),
}

impl Session {
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Reply, String> {
        match self {
            Session::Mcp(s) => s.call(method, params).await,
            Session::Sse(s) => s.call(method, params).await,
        }
    }
}
