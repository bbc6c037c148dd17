//! The measurements for one server: cold start, memory with open SSE sessions, payload
//! sizes and tool-call load over each transport; and the direct-to-sandbox floor.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};

use crate::load::{self, LoadResult, Plan, Worker};
use crate::mcp::{Session, Sse, Streamable};
use crate::server::{Kind, Launcher, Mode, Running};

/// The two tools measured, with the same arguments for both servers.
pub const TOOLS: [&str; 2] = ["jira_get_issue", "jira_search"];
const JQL: &str = "project = DEMO ORDER BY key ASC";

pub fn tool_args(tool: &str) -> Value {
    match tool {
        "jira_get_issue" => json!({"issue_key": "DEMO-1"}),
        _ => json!({"jql": JQL, "limit": 10}),
    }
}

/// The ten tools agents call most, whose result bytes are measured (issue 19): reads and
/// the usual writes, with arguments both servers take (JSON fields as text, as the reference
/// expects them).
pub const PAYLOAD_TOOLS: [&str; 10] = [
    "jira_get_issue",
    "jira_search",
    "jira_get_transitions",
    "jira_get_all_projects",
    "jira_create_issue",
    "jira_update_issue",
    "jira_add_comment",
    "confluence_search",
    "confluence_get_page",
    "confluence_create_page",
];

/// Arguments of a [`PAYLOAD_TOOLS`] call; `run` makes the new page's title unique per server.
pub fn payload_args(tool: &str, run: &str) -> Value {
    match tool {
        "jira_get_issue" | "jira_search" => tool_args(tool),
        "jira_get_transitions" => json!({"issue_key": "DEMO-1"}),
        "jira_get_all_projects" => json!({}),
        "jira_create_issue" => json!({
            "project_key": "DEMO", "summary": "Benchmark issue", "issue_type": "Task",
            "description": "Created by the **benchmark**."
        }),
        "jira_update_issue" => {
            json!({"issue_key": "DEMO-2", "fields": "{\"summary\": \"Renamed by the benchmark\"}"})
        }
        "jira_add_comment" => json!({"issue_key": "DEMO-1", "body": "A benchmark comment."}),
        "confluence_search" => json!({"query": "type = page AND space = DEMO", "limit": 10}),
        "confluence_get_page" => json!({"page_id": "196610"}),
        _ => json!({
            "space_key": "DEMO", "title": format!("Benchmark page {run}"),
            "content": "# Hello\n\nWritten by the benchmark."
        }),
    }
}

/// Sizes and counts of one run.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub cold_runs: usize,
    /// Stop cold starts early (after at least 3) once they have taken this long.
    pub cold_budget: Duration,
    pub sessions: [usize; 2],
    pub concurrency: &'static [usize],
    pub count: fn(usize) -> usize,
    pub cap: Duration,
}

impl Settings {
    pub fn plan(&self, c: usize) -> Plan {
        Plan {
            count: (self.count)(c),
            cap: self.cap,
            warmup_per_worker: 16usize.div_ceil(c),
        }
    }
}

/// One load cell: transport, tool, concurrency.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub transport: &'static str,
    pub tool: &'static str,
    #[serde(flatten)]
    pub result: LoadResult,
}

/// Everything measured for one server.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Figures {
    pub cold_healthz_ms: Vec<f64>,
    pub cold_ready_ms: Vec<f64>,
    pub tools_count: usize,
    pub tools_list_bytes: usize,
    /// Our `TOOLSETS=dynamic` initial `tools/list` (tools, JSON-RPC message bytes).
    pub dynamic_list: Option<(usize, usize)>,
    pub result_bytes: Vec<(String, usize)>,
    pub rss_idle_bytes: Option<u64>,
    /// Legacy SSE streams held open: (sessions asked for, sessions opened, RSS bytes).
    pub rss_sessions: Vec<(usize, usize, Option<u64>)>,
    /// Idle Streamable HTTP sessions (`initialize` + `notifications/initialized`, then no
    /// connection): (sessions asked for, sessions opened, RSS bytes).
    pub rss_streamable: Vec<(usize, usize, Option<u64>)>,
    pub cells: Vec<Cell>,
    pub notes: Vec<String>,
}

pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

struct McpWorker {
    session: Session,
    tool: &'static str,
    args: Value,
}

impl Worker for McpWorker {
    async fn call(&mut self) -> Result<(), String> {
        let params = json!({"name": self.tool, "arguments": self.args});
        let reply = self.session.call("tools/call", params).await?;
        if reply.failed() {
            return Err(format!("{:.300}", reply.msg.to_string()));
        }
        Ok(())
    }
}

async fn open_session(
    http: &reqwest::Client,
    base: &str,
    transport: &str,
) -> Result<Session, String> {
    if transport == "/sse" {
        let mut s = Sse::open(http.clone(), base).await?;
        s.initialize().await?;
        Ok(Session::Sse(s))
    } else {
        let mut s = Streamable::new(http.clone(), base);
        s.initialize().await?;
        Ok(Session::Mcp(s))
    }
}

async fn load_cells(
    http: &reqwest::Client,
    srv: &Running,
    transport: &'static str,
    set: &Settings,
    out: &mut Figures,
) {
    for tool in TOOLS {
        for &c in set.concurrency {
            let mut workers = Vec::with_capacity(c);
            for _ in 0..c {
                match open_session(http, &srv.base, transport).await {
                    Ok(session) => workers.push(McpWorker {
                        session,
                        tool,
                        args: tool_args(tool),
                    }),
                    Err(e) => {
                        out.notes
                            .push(format!("{transport} {tool} c={c}: no session: {e}"));
                        break;
                    }
                }
            }
            if workers.len() < c {
                continue;
            }
            let result = load::run(workers, set.plan(c)).await;
            eprintln!(
                "  {transport:<14} {tool:<15} c={c:<3} {:>8.1} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  n={} err={}",
                result.throughput, result.p50_ms, result.p99_ms, result.completed, result.errors
            );
            out.cells.push(Cell {
                transport,
                tool,
                result,
            });
        }
    }
}

/// Cold starts: spawn, time to `/healthz` 200 and to `initialize` + `tools/list` done.
async fn cold_starts(http: &reqwest::Client, l: &Launcher, set: &Settings, out: &mut Figures) {
    let t0 = Instant::now();
    for i in 0..set.cold_runs {
        if i >= 3 && t0.elapsed() > set.cold_budget {
            out.notes.push(format!(
                "cold start: {i} runs (the {:?} budget ran out)",
                set.cold_budget
            ));
            break;
        }
        let start = Instant::now();
        let (srv, healthz) = match l.start(http, Mode::Stateful).await {
            Ok(r) => r,
            Err(e) => {
                out.notes.push(format!("cold start failed: {e}"));
                return;
            }
        };
        let mut s = Streamable::new(http.clone(), &srv.base);
        let listed = match s.initialize().await {
            Ok(_) => s.call("tools/list", json!({})).await,
            Err(e) => Err(e),
        };
        let ready = start.elapsed();
        srv.stop().await;
        match listed {
            Ok(reply) => {
                out.cold_healthz_ms.push(healthz.as_secs_f64() * 1e3);
                out.cold_ready_ms.push(ready.as_secs_f64() * 1e3);
                out.tools_list_bytes = reply.bytes;
                out.tools_count = reply.msg["result"]["tools"].as_array().map_or(0, Vec::len);
            }
            Err(e) => out
                .notes
                .push(format!("cold start: tools/list failed: {e}")),
        }
    }
}

/// Payload sizes of the ten results, from a fresh session.
async fn payloads(http: &reqwest::Client, srv: &Running, out: &mut Figures) {
    let mut s = Streamable::new(http.clone(), &srv.base);
    if let Err(e) = s.initialize().await {
        out.notes.push(format!("payload: {e}"));
        return;
    }
    let run = format!(
        "{}-{}",
        srv.base.rsplit(':').next().unwrap_or("0"),
        std::process::id()
    );
    for tool in PAYLOAD_TOOLS {
        match s
            .call(
                "tools/call",
                json!({"name": tool, "arguments": payload_args(tool, &run)}),
            )
            .await
        {
            Ok(r) if !r.failed() => out.result_bytes.push((tool.to_owned(), r.bytes)),
            Ok(r) => out.notes.push(format!(
                "payload {tool}: failed: {:.300}",
                r.msg.to_string()
            )),
            Err(e) => out.notes.push(format!("payload {tool}: {e}")),
        }
    }
}

/// Opens SSE streams until `want` are open (or the time runs out); returns them.
async fn open_streams(
    http: &reqwest::Client,
    base: &str,
    have: &mut Vec<Sse>,
    want: usize,
    cap: Duration,
) -> Option<String> {
    let t0 = Instant::now();
    while have.len() < want && t0.elapsed() < cap {
        let batch = (want - have.len()).min(32);
        let opens = (0..batch).map(|_| Sse::open(http.clone(), base));
        for r in futures::future::join_all(opens).await {
            match r {
                Ok(s) => have.push(s),
                Err(e) => return Some(e),
            }
        }
    }
    None
}

async fn memory(srv: &Running, set: &Settings, out: &mut Figures) {
    // Let start-up allocations settle before reading the idle figure.
    tokio::time::sleep(Duration::from_millis(500)).await;
    out.rss_idle_bytes = srv.rss_bytes();
    // One connection per stream: a separate client, so the load's pool is not disturbed.
    let Ok(streams_http) = reqwest::Client::builder().build() else {
        return;
    };
    let mut open = Vec::new();
    for want in set.sessions {
        if let Some(e) = open_streams(
            &streams_http,
            &srv.base,
            &mut open,
            want,
            Duration::from_secs(60),
        )
        .await
        {
            out.notes
                .push(format!("SSE sessions: stopped at {}: {e}", open.len()));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        out.rss_sessions.push((want, open.len(), srv.rss_bytes()));
        eprintln!(
            "  {} SSE sessions open: RSS {:.1} MB",
            open.len(),
            srv.rss_bytes().unwrap_or(0) as f64 / 1e6
        );
    }
}

/// RSS with 100 and 1,000 idle Streamable HTTP sessions, on a server started for it.
async fn streamable_memory(srv: &Running, set: &Settings, out: &mut Figures) {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut opened = 0;
    let t0 = Instant::now();
    for want in set.sessions {
        while opened < want && t0.elapsed() < Duration::from_secs(60) {
            let batch = (want - opened).min(32);
            let opens = (0..batch).map(|_| async {
                // A client of its own: the session outlives its connection, as an idle
                // client's does.
                let http = reqwest::Client::builder()
                    .build()
                    .map_err(|e| e.to_string())?;
                Streamable::new(http, &srv.base)
                    .initialize()
                    .await
                    .map(|_| ())
            });
            let results = futures::future::join_all(opens).await;
            if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
                out.notes.push(format!(
                    "Streamable HTTP sessions: stopped at {opened}: {e}"
                ));
                break;
            }
            opened += batch;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        out.rss_streamable.push((want, opened, srv.rss_bytes()));
        eprintln!(
            "  {opened} Streamable HTTP sessions open: RSS {:.1} MB",
            srv.rss_bytes().unwrap_or(0) as f64 / 1e6
        );
        if opened < want {
            break;
        }
    }
}

/// All measurements for the server `l` starts.
pub async fn measure(http: &reqwest::Client, l: &Launcher, set: &Settings) -> Figures {
    let mut out = Figures::default();
    eprintln!("{:?}: cold starts", l.kind);
    cold_starts(http, l, set, &mut out).await;
    for (mode, transport) in [
        (Mode::Sse, "/sse"),
        (Mode::Stateful, "/mcp stateful"),
        (Mode::Stateless, "/mcp stateless"),
    ] {
        let srv = match l.start(http, mode).await {
            Ok((srv, _)) => srv,
            Err(e) => {
                out.notes.push(format!("{transport}: {e}"));
                continue;
            }
        };
        match mode {
            Mode::Sse => memory(&srv, set, &mut out).await,
            Mode::Stateful => payloads(http, &srv, &mut out).await,
            Mode::Stateless => {}
        }
        let load_transport = if mode == Mode::Sse { "/sse" } else { transport };
        // The SSE streams opened for the memory figures are closed by now (dropped).
        load_cells(http, &srv, load_transport, set, &mut out).await;
        srv.stop().await;
    }
    if l.kind == Kind::Ours {
        dynamic_list(http, l, &mut out).await;
    }
    // On a server of its own: the load cells' sessions would count in the figure.
    match l.start(http, Mode::Stateful).await {
        Ok((srv, _)) => {
            streamable_memory(&srv, set, &mut out).await;
            srv.stop().await;
        }
        Err(e) => out.notes.push(format!("Streamable HTTP sessions: {e}")),
    }
    out
}

/// The first `tools/list` of a `TOOLSETS=dynamic` session: the discovery tools only.
async fn dynamic_list(http: &reqwest::Client, l: &Launcher, out: &mut Figures) {
    let srv = match l
        .start_with(http, Mode::Stateful, &[("TOOLSETS", "dynamic")])
        .await
    {
        Ok((srv, _)) => srv,
        Err(e) => {
            out.notes.push(format!("TOOLSETS=dynamic: {e}"));
            return;
        }
    };
    let mut s = Streamable::new(http.clone(), &srv.base);
    let listed = match s.initialize().await {
        Ok(_) => s.call("tools/list", json!({})).await,
        Err(e) => Err(e),
    };
    srv.stop().await;
    match listed {
        Ok(reply) => {
            let n = reply.msg["result"]["tools"].as_array().map_or(0, Vec::len);
            out.dynamic_list = Some((n, reply.bytes));
        }
        Err(e) => out.notes.push(format!("TOOLSETS=dynamic tools/list: {e}")),
    }
}

/// The floor: the Atlassian REST calls our tools make, straight to the sandbox.
struct FloorWorker {
    http: reqwest::Client,
    sandbox: String,
    tool: &'static str,
}

const FIELDS: &str = "summary,created,reporter,labels,updated,description,issuetype,versions,assignee,status,priority";

impl Worker for FloorWorker {
    async fn call(&mut self) -> Result<(), String> {
        let req = if self.tool == "jira_get_issue" {
            self.http
                .get(format!("{}/rest/api/2/issue/DEMO-1", self.sandbox))
                .query(&[
                    ("fields", format!("{FIELDS},comment,project")),
                    ("updateHistory", "true".into()),
                ])
        } else {
            let mut fields: Vec<&str> = FIELDS.split(',').collect();
            fields.push("project");
            self.http
                .post(format!("{}/rest/api/2/search", self.sandbox))
                .json(&json!({"jql": JQL, "fields": fields, "maxResults": 10, "startAt": 0}))
        };
        let resp = req
            .bearer_auth("sandbox-pat")
            .timeout(crate::mcp::CALL_TIMEOUT)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        // Decoding is part of any client's work; keep it in the floor.
        let _: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {status}"))
        }
    }
}

pub async fn floor(http: &reqwest::Client, sandbox: &str, set: &Settings) -> Vec<Cell> {
    let mut cells = Vec::new();
    eprintln!("floor: direct REST calls to the sandbox");
    for tool in TOOLS {
        for &c in set.concurrency {
            let workers = (0..c)
                .map(|_| FloorWorker {
                    http: http.clone(),
                    sandbox: sandbox.to_owned(),
                    tool,
                })
                .collect();
            let result = load::run(workers, set.plan(c)).await;
            eprintln!(
                "  {:<14} {tool:<15} c={c:<3} {:>8.1} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  n={} err={}",
                "REST",
                result.throughput,
                result.p50_ms,
                result.p99_ms,
                result.completed,
                result.errors
            );
            cells.push(Cell {
                transport: "floor (REST)",
                tool,
                result,
            });
        }
    }
    cells
}
