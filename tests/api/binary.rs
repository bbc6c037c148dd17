//! The real binary as an attacker meets it: `mcp-atlassian` in its own process on a loopback
//! port, its JSON log collected line by line, typed helpers for MCP over real HTTP, and a
//! real `redis-server` for the shared budgets. The hostile suites (`hostile_*.rs`) and the
//! Redis test run on this.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{DEADLINE, initialize_request, mcp_post, read_rpc_response};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_mcp-atlassian");

/// A running server process, killed when dropped.
pub struct Binary {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The `/metrics` URL, when the server logged one.
    pub metrics: Option<String>,
    /// `http://<sandbox address>` with `--sandbox`.
    pub sandbox: Option<String>,
    log: Arc<Mutex<Vec<String>>>,
    /// A client with the test deadline as its timeout.
    pub client: reqwest::Client,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound and released; tests race only with themselves).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn command(args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .current_dir(std::env::temp_dir())
        .args(args)
        .env("LOG_FORMAT", "json")
        .env("PROMETHEUS_PORT", "0");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

/// Settings of a plain HTTP server on a loopback port with Jira configured (no upstream call
/// is needed for the protocol itself).
const PLAIN: &[(&str, &str)] = &[
    ("TRANSPORT", "streamable-http"),
    ("HOST", "127.0.0.1"),
    ("PORT", "0"),
    ("JIRA_URL", "http://127.0.0.1:9"),
    ("JIRA_PERSONAL_TOKEN", "unused-token"),
];

/// Starts the server with `envs` over [`PLAIN`] (later entries win).
pub fn start(envs: &[(&str, &str)]) -> Binary {
    let all: Vec<(&str, &str)> = PLAIN.iter().chain(envs).copied().collect();
    launch(command(&[], &all))
}

/// Starts the server with `--sandbox` (real tools against the built-in Jira and Confluence).
pub fn start_sandbox(envs: &[(&str, &str)]) -> Binary {
    let all: Vec<(&str, &str)> = [("PORT", "0")].iter().chain(envs).copied().collect();
    launch(command(&["--sandbox"], &all))
}

/// Runs the binary to its exit; returns the exit code, stdout and stderr.
pub fn run_to_exit(args: &[&str], envs: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let all: Vec<(&str, &str)> = PLAIN.iter().chain(envs).copied().collect();
    let mut child = command(args, &all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawned");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut out = String::new();
            let mut err = String::new();
            child
                .stdout
                .take()
                .expect("stdout")
                .read_to_string(&mut out)
                .expect("stdout");
            child
                .stderr
                .take()
                .expect("stderr")
                .read_to_string(&mut err)
                .expect("stderr");
            return (status.code(), out, err);
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("{args:?} did not exit within the deadline (the server started?)");
        }
        std::thread::sleep(Duration::from_millis(10)); // poll interval; bounded by the deadline
    }
}

fn launch(mut cmd: Command) -> Binary {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawned");
    let stderr = child.stderr.take().expect("stderr");
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel::<[Option<String>; 3]>();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && v["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("serving MCP over HTTP"))
            {
                let field = |name: &str| v[name].as_str().map(str::to_owned);
                let _ = tx.send([field("addr"), field("metrics"), field("sandbox")]);
            }
            sink.lock().expect("log").push(line);
        }
    });
    let Ok([Some(addr), metrics, sandbox]) = rx.recv_timeout(DEADLINE) else {
        let _ = child.kill();
        let lines = log.lock().expect("log").join("\n");
        panic!("the server did not start:\n{lines}");
    };
    Binary {
        child,
        base: format!("http://{addr}"),
        metrics,
        sandbox: sandbox.map(|s| format!("http://{s}")),
        log,
        client: reqwest::Client::builder()
            .timeout(DEADLINE)
            .build()
            .expect("client"),
    }
}

/// The parsed JSON log lines that satisfy `pred`.
pub fn lines_where(lines: &[String], pred: impl Fn(&Value) -> bool) -> Vec<Value> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| pred(v))
        .collect()
}

impl Binary {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The address the server listens on (`127.0.0.1:<port>`).
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Every log line so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }

    /// Waits until a JSON log line satisfies `pred` and returns it.
    pub async fn wait_log(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let started = tokio::time::Instant::now();
        loop {
            if let Some(v) = lines_where(&self.log(), &pred).into_iter().next() {
                return v;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "timed out waiting for a log line: {what}\n{}",
                self.log().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A POST of one JSON-RPC message to `/mcp` with the headers a conforming client sends.
    pub fn post(
        &self,
        key: Option<&str>,
        session: Option<&str>,
        body: &Value,
    ) -> reqwest::RequestBuilder {
        let req = mcp_post(&self.client, &self.url("/mcp"), body, session);
        match key {
            Some(k) => req.header("x-api-key", k),
            None => req,
        }
    }

    /// `initialize` + `notifications/initialized`; the session id, or the refusal's status.
    pub async fn session(&self, key: Option<&str>) -> Result<String, reqwest::Response> {
        let resp = self
            .post(key, None, &initialize_request(1))
            .send()
            .await
            .expect("initialize sent");
        if resp.status() != 200 {
            return Err(resp);
        }
        let id = resp.headers()["mcp-session-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        read_rpc_response(resp, 1).await;
        let ack = self
            .post(
                key,
                Some(&id),
                &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            )
            .send()
            .await
            .expect("initialized sent");
        assert_eq!(ack.status(), 202);
        Ok(id)
    }

    /// One request on a session; the HTTP status and, for 200, the JSON-RPC answer.
    pub async fn rpc(
        &self,
        key: Option<&str>,
        session: &str,
        id: i64,
        method: &str,
        params: Value,
    ) -> (u16, Value) {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let resp = self
            .post(key, Some(session), &body)
            .send()
            .await
            .expect("sent");
        let status = resp.status().as_u16();
        if status == 200 {
            (status, read_rpc_response(resp, id).await)
        } else {
            (status, resp.json().await.unwrap_or(Value::Null))
        }
    }

    /// `GET /sse` with `key`; the response (a stream on success).
    pub async fn open_sse(&self, key: Option<&str>) -> reqwest::Response {
        let mut req = self
            .client
            .get(self.url("/sse"))
            .header("accept", "text/event-stream");
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        req.send().await.expect("GET /sse")
    }

    /// A key-less POST of `body` to an SSE session's message URL (`post_path` from its
    /// endpoint event); the status.
    pub async fn sse_post(&self, post_path: &str, body: &Value) -> u16 {
        self.client
            .post(self.url(post_path))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("POST /messages/")
            .status()
            .as_u16()
    }

    /// The value of one series (`name{labels}` exactly as rendered) in a scrape.
    pub async fn metric(&self, series: &str) -> f64 {
        let url = self.metrics.as_deref().expect("metrics are served");
        let text = self
            .client
            .get(url)
            .send()
            .await
            .expect("scrape")
            .text()
            .await
            .expect("body");
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("{series} is not in the scrape:\n{text}"))
            .parse()
            .expect("number")
    }
}

/// A `redis-server` on a free loopback port, killed when dropped.
pub struct Redis {
    child: Child,
    pub port: u16,
}

impl Redis {
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Stops it now (to test the servers without it).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts `redis-server` (installed by scripts/test.sh) without persistence.
pub fn start_redis() -> Redis {
    let port = free_port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is installed (scripts/test.sh installs Debian's redis-server)");
    let redis = Redis { child, port };
    let started = Instant::now();
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let mut buf = [0u8; 16];
            if s.write_all(b"PING\r\n").is_ok()
                && s.read(&mut buf)
                    .is_ok_and(|n| buf[..n].starts_with(b"+PONG"))
            {
                return redis;
            }
        }
        assert!(started.elapsed() < DEADLINE, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20)); // poll interval; bounded by the deadline
    }
}
