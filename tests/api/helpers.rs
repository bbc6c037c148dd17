//! The test harness: `spawn_app()` starts the real application on 127.0.0.1:0 and typed
//! helpers speak MCP to it over real HTTP (Streamable HTTP and legacy SSE).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use mcp_atlassian::app::{AppHandle, Application, build_registry};
use mcp_atlassian::config::Config;
use mcp_atlassian::tools::{
    Access, Availability, CallError, Product, Tool, ToolContext, ToolFuture, ToolOutput, ToolSpec,
};
use serde_json::{Map, Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long any single wait in a test may take before it fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The protocol version the helpers negotiate.
pub const PROTOCOL: &str = "2025-06-18";

/// A running application.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub handle: AppHandle,
    pub shutdown: CancellationToken,
    pub join: Option<JoinHandle<anyhow::Result<()>>>,
    /// Permits released to let [`GateTool`] calls finish.
    pub gate: Arc<Semaphore>,
}

/// Settings every test app starts from: HTTP on an ephemeral loopback port, Jira configured
/// (no upstream call is made by the test tools).
pub fn base_settings() -> Vec<(&'static str, String)> {
    vec![
        ("TRANSPORT", "streamable-http".into()),
        ("HOST", "127.0.0.1".into()),
        ("PORT", "0".into()),
        ("JIRA_URL", "http://127.0.0.1:9".into()),
        ("JIRA_PERSONAL_TOKEN", "test-token".into()),
        ("TOOLSETS", "all".into()),
        ("MCP_SHUTDOWN_GRACE_SECS", "10".into()),
        // Tests make many requests from 127.0.0.1; the budget tests set their own limits.
        ("MCP_RATE_LIMIT_PER_MINUTE", "0".into()),
        ("MCP_RATE_LIMIT_PER_HOUR", "0".into()),
        // Metrics on any free port: tests run many apps at once.
        ("PROMETHEUS_PORT", "0".into()),
    ]
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the app with `overrides` applied on top of [`base_settings`].
pub async fn spawn_app_with(overrides: &[(&'static str, &str)]) -> TestApp {
    let mut settings = base_settings();
    for (k, v) in overrides {
        settings.retain(|(name, _)| name != k);
        settings.push((k, (*v).to_owned()));
    }
    let config = Config::from_pairs(settings.iter().map(|(k, v)| (*k, v.as_str())))
        .expect("test config is valid");
    let gate = Arc::new(Semaphore::new(0));
    let tools: Vec<Arc<dyn Tool>> = vec![
        Arc::new(EchoTool::new()),
        Arc::new(GateTool::new(gate.clone())),
        Arc::new(WriteTool::new()),
    ];
    let registry = build_registry(&config, tools).expect("registry builds");
    let app = Application::build(&config, registry)
        .await
        .expect("app builds");
    let addr = app.local_addr().expect("bound");
    let handle = app.handle();
    let shutdown = CancellationToken::new();
    mcp_atlassian::app::spawn_key_watcher(&config, handle.keys.clone(), shutdown.clone());
    let join = tokio::spawn(app.run_until(shutdown.clone()));
    TestApp {
        addr,
        client: reqwest::Client::builder()
            .timeout(DEADLINE)
            .build()
            .expect("client"),
        handle,
        shutdown,
        join: Some(join),
        gate,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A POST to the Streamable HTTP endpoint with the headers a conforming client sends.
    pub fn post_mcp(&self, body: &Value, session: Option<&str>) -> reqwest::RequestBuilder {
        mcp_post(&self.client, &self.url("/mcp"), body, session)
    }

    /// Initializes a Streamable HTTP session; returns its id (None in stateless mode) and the result.
    pub async fn initialize(&self) -> (Option<String>, Value) {
        let resp = self
            .post_mcp(&initialize_request(1), None)
            .send()
            .await
            .expect("initialize sent");
        assert_eq!(resp.status(), 200, "initialize status");
        let session = resp
            .headers()
            .get("mcp-session-id")
            .map(|v| v.to_str().expect("ascii").to_owned());
        let result = read_rpc_response(resp, 1).await;
        if let Some(s) = &session {
            let ack = self
                .post_mcp(
                    &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
                    Some(s),
                )
                .send()
                .await
                .expect("initialized sent");
            assert_eq!(ack.status(), 202, "initialized notification status");
        }
        (session, result)
    }

    /// One JSON-RPC request over Streamable HTTP; returns the whole response object.
    pub async fn rpc(&self, session: Option<&str>, id: i64, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let resp = self
            .post_mcp(&body, session)
            .send()
            .await
            .expect("request sent");
        assert_eq!(resp.status(), 200, "{method} status");
        read_rpc_response(resp, id).await
    }

    /// Stops the app and waits for it to exit.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(j) = self.join.take() {
            tokio::time::timeout(DEADLINE, j)
                .await
                .expect("shut down in time")
                .expect("task joined")
                .expect("clean exit");
        }
    }
}

/// A POST of one JSON-RPC message to `url` with the headers a conforming client sends, on
/// `session` when given.
pub fn mcp_post(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    session: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut req = client
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_string());
    if let Some(s) = session {
        req = req
            .header("mcp-session-id", s)
            .header("mcp-protocol-version", PROTOCOL);
    }
    req
}

pub fn initialize_request(id: i64) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL,
            "capabilities": {},
            "clientInfo": {"name": "api-tests", "version": "1.0"}
        }
    })
}

/// Reads a JSON or SSE response body and returns the JSON-RPC message answering `id`.
pub async fn read_rpc_response(resp: reqwest::Response, id: i64) -> Value {
    let is_sse = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !is_sse {
        return resp.json::<Value>().await.expect("json body");
    }
    let mut reader = SseReader::new(resp);
    loop {
        let event = reader
            .next_event()
            .await
            .expect("a response event before the stream ended");
        if let Ok(v) = serde_json::from_str::<Value>(&event.data)
            && v.get("id") == Some(&json!(id))
        {
            return v;
        }
    }
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
}

/// Incremental SSE parser over a streaming response.
pub struct SseReader {
    stream: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
}

impl SseReader {
    pub fn new(resp: reqwest::Response) -> Self {
        SseReader {
            stream: resp.bytes_stream().boxed(),
            buf: String::new(),
        }
    }

    /// The next event with data (comments and keep-alives skipped); None when the stream ends.
    pub async fn next_event(&mut self) -> Option<SseEvent> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = String::from("message");
                let mut data = Vec::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
                    }
                }
                if !data.is_empty() && !data.iter().all(|d| d.is_empty()) {
                    return Some(SseEvent {
                        event,
                        data: data.join("\n"),
                    });
                }
            }
            let chunk = tokio::time::timeout(DEADLINE, self.stream.next())
                .await
                .expect("SSE event within the deadline")?;
            self.buf
                .push_str(&String::from_utf8_lossy(&chunk.ok()?).replace("\r\n", "\n"));
        }
    }
}

/// A legacy SSE session: the open stream plus the POST URL from its endpoint event.
pub struct SseSession {
    pub reader: SseReader,
    pub post_url: String,
}

impl TestApp {
    /// Opens `GET /sse` and reads the endpoint event.
    pub async fn open_sse(&self) -> SseSession {
        let resp = self
            .client
            .get(self.url("/sse"))
            .header("accept", "text/event-stream")
            .send()
            .await
            .expect("GET /sse");
        assert_eq!(resp.status(), 200);
        let mut reader = SseReader::new(resp);
        let endpoint = reader.next_event().await.expect("endpoint event");
        assert_eq!(endpoint.event, "endpoint");
        assert!(
            endpoint.data.starts_with("/messages/?session_id="),
            "{}",
            endpoint.data
        );
        SseSession {
            reader,
            post_url: self.url(&endpoint.data),
        }
    }

    /// POSTs one message to an SSE session and returns the HTTP status.
    pub async fn sse_post(&self, session: &SseSession, body: &Value) -> reqwest::StatusCode {
        self.client
            .post(&session.post_url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("POST /messages/")
            .status()
    }
}

impl SseSession {
    /// Reads events until the response to `id` arrives.
    pub async fn response(&mut self, id: i64) -> Value {
        loop {
            let ev = self
                .reader
                .next_event()
                .await
                .expect("message before the stream ended");
            assert_eq!(ev.event, "message");
            let v: Value = serde_json::from_str(&ev.data).expect("json message");
            if v.get("id") == Some(&json!(id)) {
                return v;
            }
        }
    }
}

/// Polls `check` until it holds or the deadline passes.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = tokio::time::Instant::now();
    while !check() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn schema(props: Value, required: &[&str]) -> Arc<Map<String, Value>> {
    let v = json!({"type": "object", "properties": props, "required": required});
    Arc::new(v.as_object().cloned().expect("object"))
}

/// Echoes its `text` argument: a read tool in the default toolset.
pub struct EchoTool(ToolSpec);

impl EchoTool {
    pub fn new() -> Self {
        EchoTool(ToolSpec {
            name: "test_echo",
            description: "Returns the text it is given.",
            toolset: "jira_issues",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
            input_schema: schema(json!({"text": {"type": "string"}}), &["text"]),
        })
    }
}

impl Tool for EchoTool {
    fn spec(&self) -> &ToolSpec {
        &self.0
    }
    fn call<'a>(&'a self, _ctx: &'a ToolContext, args: Map<String, Value>) -> ToolFuture<'a> {
        Box::pin(async move {
            match args.get("text").and_then(Value::as_str) {
                Some(t) => Ok(ToolOutput::text(format!("echo: {t}"))),
                None => Err(CallError::InvalidArguments {
                    tool: "test_echo".into(),
                    reason: "text is required".into(),
                }),
            }
        })
    }
}

/// Waits for a permit on the test's gate before answering: an in-flight call the test controls.
pub struct GateTool(ToolSpec, Arc<Semaphore>);

impl GateTool {
    pub fn new(gate: Arc<Semaphore>) -> Self {
        GateTool(
            ToolSpec {
                name: "test_gate",
                description: "Answers once the test opens the gate.",
                toolset: "jira_issues",
                product: Product::Jira,
                access: Access::Read,
                destructive: false,
                idempotent: true,
                availability: Availability::BOTH,
                input_schema: schema(json!({}), &[]),
            },
            gate,
        )
    }
}

impl Tool for GateTool {
    fn spec(&self) -> &ToolSpec {
        &self.0
    }
    fn call<'a>(&'a self, _ctx: &'a ToolContext, _args: Map<String, Value>) -> ToolFuture<'a> {
        Box::pin(async move {
            match self.1.acquire().await {
                Ok(permit) => {
                    permit.forget();
                    Ok(ToolOutput::text("gate opened"))
                }
                Err(_) => Ok(ToolOutput::error("gate closed")),
            }
        })
    }
}

/// A write tool in a non-default toolset, to observe filtering.
pub struct WriteTool(ToolSpec);

impl WriteTool {
    pub fn new() -> Self {
        WriteTool(ToolSpec {
            name: "test_write",
            description: "Pretends to change something.",
            toolset: "jira_agile",
            product: Product::Jira,
            access: Access::Write,
            destructive: true,
            idempotent: false,
            availability: Availability::BOTH,
            input_schema: schema(json!({}), &[]),
        })
    }
}

impl Tool for WriteTool {
    fn spec(&self) -> &ToolSpec {
        &self.0
    }
    fn call<'a>(&'a self, _ctx: &'a ToolContext, _args: Map<String, Value>) -> ToolFuture<'a> {
        Box::pin(async move { Ok(ToolOutput::text("written")) })
    }
}

/// A running sandbox plus the app pointed at it with the real Atlassian tools.
pub struct SandboxApp {
    pub app: TestApp,
    pub sandbox: SocketAddr,
    pub sandbox_stop: CancellationToken,
}

/// Settings that point the app at a sandbox in the given flavour (`cloud` or `server`).
pub fn sandbox_settings(addr: SocketAddr, flavour: &str) -> Vec<(&'static str, String)> {
    let base = format!("http://{addr}");
    let mut s = vec![
        ("TRANSPORT", "streamable-http".to_owned()),
        ("HOST", "127.0.0.1".into()),
        ("PORT", "0".into()),
        ("TOOLSETS", "all".into()),
        ("MCP_RATE_LIMIT_PER_MINUTE", "0".into()),
        ("MCP_RATE_LIMIT_PER_HOUR", "0".into()),
        ("PROMETHEUS_PORT", "0".into()),
        ("JIRA_URL", base.clone()),
        ("JIRA_DEPLOYMENT", flavour.into()),
        ("CONFLUENCE_DEPLOYMENT", flavour.into()),
        // The sandbox stands in for the API gateway too (Jira Forms).
        ("ATLASSIAN_OAUTH_API_BASE", base.clone()),
    ];
    if flavour == "cloud" {
        s.extend([
            (
                "JIRA_USERNAME",
                mcp_atlassian::sandbox::auth::SANDBOX_EMAIL.to_owned(),
            ),
            (
                "JIRA_API_TOKEN",
                mcp_atlassian::sandbox::auth::SANDBOX_API_TOKEN.to_owned(),
            ),
            ("CONFLUENCE_URL", format!("{base}/wiki")),
            (
                "CONFLUENCE_USERNAME",
                mcp_atlassian::sandbox::auth::SANDBOX_EMAIL.to_owned(),
            ),
            (
                "CONFLUENCE_API_TOKEN",
                mcp_atlassian::sandbox::auth::SANDBOX_API_TOKEN.to_owned(),
            ),
        ]);
    } else {
        s.extend([
            (
                "JIRA_PERSONAL_TOKEN",
                mcp_atlassian::sandbox::auth::SANDBOX_PAT.to_owned(),
            ),
            ("CONFLUENCE_URL", base),
            (
                "CONFLUENCE_PERSONAL_TOKEN",
                mcp_atlassian::sandbox::auth::SANDBOX_PAT.to_owned(),
            ),
        ]);
    }
    s
}

/// Starts a sandbox on 127.0.0.1:0.
pub async fn start_sandbox() -> (SocketAddr, CancellationToken) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sandbox");
    let addr = listener.local_addr().expect("addr");
    let stop = CancellationToken::new();
    tokio::spawn(mcp_atlassian::sandbox::serve(
        listener,
        mcp_atlassian::sandbox::SandboxOptions::default(),
        stop.clone(),
    ));
    (addr, stop)
}

/// Starts a sandbox and the app in `flavour`, with `overrides` applied (an empty value unsets).
pub async fn spawn_with_sandbox(flavour: &str, overrides: &[(&'static str, &str)]) -> SandboxApp {
    let (addr, sandbox_stop) = start_sandbox().await;
    let mut settings = sandbox_settings(addr, flavour);
    for (k, v) in overrides {
        settings.retain(|(name, _)| name != k);
        if !v.is_empty() {
            settings.push((k, (*v).to_owned()));
        }
    }
    let config = Config::from_pairs(settings.iter().map(|(k, v)| (*k, v.as_str())))
        .expect("sandbox config is valid");
    let built = mcp_atlassian::app::validate(&config).expect("tools build");
    SandboxApp {
        app: start_app(&config, built.registry).await,
        sandbox: addr,
        sandbox_stop,
    }
}

/// Builds and runs the application over `registry` (the real tools, however their clients
/// were built).
pub async fn start_app(config: &Config, registry: mcp_atlassian::tools::Registry) -> TestApp {
    let app = Application::build(config, registry)
        .await
        .expect("app builds");
    let addr = app.local_addr().expect("bound");
    let handle = app.handle();
    let shutdown = CancellationToken::new();
    let join = tokio::spawn(app.run_until(shutdown.clone()));
    TestApp {
        addr,
        client: reqwest::Client::builder()
            .timeout(DEADLINE)
            .build()
            .expect("client"),
        handle,
        shutdown,
        join: Some(join),
        gate: Arc::new(Semaphore::new(0)),
    }
}

/// A tool result: its first text and whether it is an error.
#[derive(Debug)]
pub struct ToolResult {
    pub text: String,
    pub is_error: bool,
}

impl ToolResult {
    pub fn json(&self) -> Value {
        assert!(!self.is_error, "tool failed: {}", self.text);
        serde_json::from_str(&self.text).expect("tool output is JSON")
    }
}

fn tool_result(resp: &Value) -> ToolResult {
    let result = &resp["result"];
    assert!(result.is_object(), "not a tool result: {resp}");
    ToolResult {
        text: result["content"][0]["text"]
            .as_str()
            .expect("text content")
            .to_owned(),
        is_error: result["isError"].as_bool().unwrap_or(false),
    }
}

impl SandboxApp {
    /// Calls a tool over Streamable HTTP in a fresh session.
    pub async fn call(&self, name: &str, args: Value) -> ToolResult {
        self.call_with_headers(name, args, &[]).await
    }

    /// Calls a tool over Streamable HTTP with extra request headers (e.g. Authorization).
    pub async fn call_with_headers(
        &self,
        name: &str,
        args: Value,
        headers: &[(&str, &str)],
    ) -> ToolResult {
        let app = &self.app;
        let (session, _) = app.initialize().await;
        let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": name, "arguments": args}});
        let mut req = app.post_mcp(&body, session.as_deref());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("tools/call sent");
        assert_eq!(resp.status(), 200);
        tool_result(&read_rpc_response(resp, 2).await)
    }

    /// Calls a tool over the legacy SSE transport.
    pub async fn call_sse(&self, name: &str, args: Value) -> ToolResult {
        let app = &self.app;
        let mut s = app.open_sse().await;
        assert_eq!(app.sse_post(&s, &initialize_request(1)).await, 202);
        s.response(1).await;
        assert_eq!(
            app.sse_post(
                &s,
                &json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
            )
            .await,
            202
        );
        let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": name, "arguments": args}});
        assert_eq!(app.sse_post(&s, &call).await, 202);
        tool_result(&s.response(2).await)
    }

    /// Sets sandbox faults through its admin endpoint.
    pub async fn faults(&self, config: Value) {
        let r = self
            .app
            .client
            .post(format!("http://{}/__sandbox/faults", self.sandbox))
            .json(&config)
            .send()
            .await
            .expect("faults set");
        assert!(r.status().is_success(), "faults: {}", r.status());
    }

    /// The sandbox's remaining faults.
    pub async fn remaining_faults(&self) -> Value {
        self.app
            .client
            .get(format!("http://{}/__sandbox/faults", self.sandbox))
            .send()
            .await
            .expect("faults read")
            .json()
            .await
            .expect("json")
    }

    pub async fn stop(self) {
        self.app.stop().await;
        self.sandbox_stop.cancel();
    }
}
