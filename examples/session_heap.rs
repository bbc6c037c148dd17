//! Heap bytes per idle MCP session, with a `dhat` heap profile of where they go.
//!
//! ```sh
//! cargo run --example session_heap -- streamable 400
//! cargo run --example session_heap -- sse 400
//! ```
//!
//! Builds the real application (all tools, against an in-process sandbox) on loopback with
//! `dhat` as the global allocator, then starts this same binary again as a client process (so
//! that the client's allocations are not counted) which opens N sessions of the transport and
//! holds them: Streamable HTTP sessions get `initialize` + `notifications/initialized`, legacy
//! SSE sessions are `GET /sse` streams held open (as `scripts/bench.sh` opens them). Prints the
//! live heap bytes per session, and the allocation sites that hold the most of them, from the
//! profile taken while the sessions are still open (`dhat-heap-<transport>.json`, viewable in
//! dhat's viewer).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use mcp_atlassian::app::Application;
use mcp_atlassian::config::Config;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--client") {
        client(&args[2], &args[3], args[4].parse().expect("count"));
        return;
    }
    let transport = args.get(1).cloned().unwrap_or_else(|| "streamable".into());
    let n: usize = args.get(2).map_or(400, |s| s.parse().expect("count"));
    assert!(
        transport == "streamable" || transport == "sse",
        "usage: session_heap streamable|sse [N]"
    );
    let file = format!("dhat-heap-{transport}.json");
    let profiler = dhat::Profiler::builder()
        .file_name(&file)
        .trim_backtraces(Some(40))
        .build();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let stop = CancellationToken::new();
    let addr = rt.block_on(start(stop.clone()));
    // Let start-up tasks settle before the baseline.
    std::thread::sleep(Duration::from_millis(500));
    let before = dhat::HeapStats::get();

    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .args(["--client", &transport, &addr, &n.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("client process");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("client says it is done");
    assert!(line.starts_with("open "), "client: {line}");
    // Let the server finish what the last requests started.
    std::thread::sleep(Duration::from_millis(1000));
    let after = dhat::HeapStats::get();
    let bytes = after.curr_bytes as f64 - before.curr_bytes as f64;
    let blocks = after.curr_blocks as f64 - before.curr_blocks as f64;
    println!(
        "{transport}: {n} sessions ({}), live heap {} -> {} bytes: {:.0} bytes and {:.1} blocks per session",
        line.trim(),
        before.curr_bytes,
        after.curr_bytes,
        bytes / n as f64,
        blocks / n as f64
    );
    // The profile is written here, with the sessions still open: its "at t-end" figures are
    // what the sessions hold.
    drop(profiler);
    drop(child.stdin.take());
    let _ = child.wait();
    stop.cancel();
    rt.shutdown_timeout(Duration::from_secs(2));
    top_sites(&file, n);
}

async fn start(stop: CancellationToken) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sandbox");
    let sandbox = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(mcp_atlassian::sandbox::serve(
        listener,
        mcp_atlassian::sandbox::SandboxOptions::default(),
        stop.clone(),
    ));
    // The sandbox seeds its data before it answers: wait for that, so the seed is part of
    // the baseline.
    let http = reqwest::Client::new();
    http.get(format!("{sandbox}/status"))
        .send()
        .await
        .expect("sandbox answers");
    drop(http);
    let pat = mcp_atlassian::sandbox::auth::SANDBOX_PAT;
    let config = Config::from_pairs([
        ("TRANSPORT", "streamable-http"),
        ("HOST", "127.0.0.1"),
        ("PORT", "0"),
        ("TOOLSETS", "all"),
        ("MCP_RATE_LIMIT_PER_MINUTE", "0"),
        ("MCP_RATE_LIMIT_PER_HOUR", "0"),
        ("PROMETHEUS_PORT", "0"),
        ("MCP_MAX_SESSIONS", "10000"),
        ("MCP_MAX_SESSIONS_PER_KEY", "10000"),
        ("MCP_MAX_STREAMS", "10000"),
        ("MCP_MAX_STREAMS_PER_KEY", "10000"),
        ("JIRA_URL", sandbox.as_str()),
        ("JIRA_DEPLOYMENT", "server"),
        ("JIRA_PERSONAL_TOKEN", pat),
        ("CONFLUENCE_URL", sandbox.as_str()),
        ("CONFLUENCE_DEPLOYMENT", "server"),
        ("CONFLUENCE_PERSONAL_TOKEN", pat),
    ])
    .expect("config");
    let built = mcp_atlassian::app::validate(&config).expect("tools build");
    let app = Application::build(&config, built.registry)
        .await
        .expect("app builds");
    let addr = app.local_addr().expect("bound").to_string();
    tokio::spawn(app.run_until(stop));
    addr
}

/// Client process: opens `n` sessions, prints "open N", holds them until stdin closes.
fn client(transport: &str, addr: &str, n: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut held = Vec::new();
        let mut opened = 0;
        for _ in 0..n {
            opened += 1;
            // One connection per session, as separate clients would have.
            let http = reqwest::Client::builder().build().expect("client");
            if transport == "sse" {
                let resp = http
                    .get(format!("http://{addr}/sse"))
                    .send()
                    .await
                    .expect("GET /sse");
                assert!(resp.status().is_success(), "GET /sse: {}", resp.status());
                held.push((http, resp));
            } else {
                let resp = post(&http, addr, None, &init()).await;
                let id = resp
                    .headers()
                    .get("mcp-session-id")
                    .expect("session id")
                    .to_str()
                    .expect("ascii")
                    .to_owned();
                resp.bytes().await.expect("initialize result");
                let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
                let r = post(&http, addr, Some(&id), &note).await;
                assert!(r.status().is_success(), "initialized: {}", r.status());
                // The connection closes: an idle session is server state, not a socket.
                drop(http);
            }
        }
        println!("open {opened}");
        std::io::stdout().flush().expect("flush");
        let mut rest = String::new();
        let _ = tokio::task::spawn_blocking(move || std::io::stdin().read_line(&mut rest)).await;
        drop(held);
    });
}

fn init() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "session_heap", "version": "0"}}})
}

async fn post(
    http: &reqwest::Client,
    addr: &str,
    session: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = http
        .post(format!("http://{addr}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(body);
    if let Some(id) = session {
        req = req
            .header("mcp-session-id", id)
            .header("mcp-protocol-version", "2025-06-18");
    }
    req.send().await.expect("POST /mcp")
}

/// The bytes live with the sessions open, per session, grouped by what holds them: the
/// element type of a tokio channel's first block, the future of a spawned task, or the first
/// frame in the project's or a dependency's code. Sites of start-up (the sandbox's seed, the
/// tool registry) are left out by the per-session threshold.
fn top_sites(file: &str, n: usize) {
    let text = std::fs::read_to_string(file).expect("profile");
    let v: Value = serde_json::from_str(&text).expect("profile json");
    let frames: Vec<&str> = v["ftbl"]
        .as_array()
        .expect("ftbl")
        .iter()
        .map(|f| f.as_str().unwrap_or(""))
        .collect();
    let mut groups: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for p in v["pps"].as_array().expect("pps") {
        let fs: Vec<&str> = p["fs"]
            .as_array()
            .expect("fs")
            .iter()
            .filter_map(|i| frames.get(i.as_u64()? as usize).copied())
            .collect();
        if fs
            .iter()
            .any(|f| f.contains("sandbox::") || f.contains("sandbox/"))
        {
            continue;
        }
        let g = groups.entry(label(&fs)).or_default();
        g.0 += p["eb"].as_u64().unwrap_or(0);
        g.1 += p["ebk"].as_u64().unwrap_or(0);
    }
    let mut rows: Vec<_> = groups.into_iter().collect();
    rows.sort_by_key(|(_, (b, _))| std::cmp::Reverse(*b));
    println!("live bytes per session by holder (sites with >= 0.5 blocks per session):");
    let mut shown = 0u64;
    for (l, (b, k)) in rows {
        if (k as f64) < 0.5 * n as f64 {
            continue;
        }
        shown += b;
        println!(
            "{:>8.0} B {:>6.2} blocks  {l}",
            b as f64 / n as f64,
            k as f64 / n as f64
        );
    }
    println!("{:>8.0} B in those", shown as f64 / n as f64);
}

fn label(fs: &[&str]) -> String {
    let name = |f: &str| {
        let f = f.split_once(": ").map_or(f, |(_, r)| r);
        f.chars().take(150).collect::<String>()
    };
    for key in [
        "channel_from_index<",
        "tokio::task::spawn::spawn<",
        "spawn<",
    ] {
        if let Some(f) = fs.iter().find(|f| f.contains(key)) {
            return name(f);
        }
    }
    fs.iter()
        .find(|f| {
            (f.contains("rmcp") || f.contains("mcp_atlassian") || f.contains("hyper"))
                && !f.contains("alloc::")
        })
        .map_or_else(
            || fs.first().map_or_else(String::new, |f| name(f)),
            |f| name(f),
        )
}
