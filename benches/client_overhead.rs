//! The Atlassian client's own overhead per call, against the in-process sandbox.
//!
//! Runs the same `GET /rest/api/3/issue/DEMO-1` three ways, sequentially, after a warm-up:
//! a bare pooled `reqwest` call (the floor), through `ServiceClient::get` (auth header,
//! concurrency permit, retry loop, JSON decode), and the whole `jira_get_issue` tool
//! (client + ADF→Markdown + output shaping). Prints medians and p90s; the differences are
//! the overhead, metrics recording included. Not a timed test: run
//! `cargo bench --bench client_overhead`.

use std::time::{Duration, Instant};

use mcp_atlassian::app::tool_env;
use mcp_atlassian::atlassian::{CallAuth, jira};
use mcp_atlassian::config::Config;
use mcp_atlassian::sandbox::{self, SandboxOptions};
use mcp_atlassian::tools::{ToolContext, builtin};

const WARMUP: usize = 200;
const CALLS: usize = 2000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let (p50, p90) = (percentile(&samples, 0.5), percentile(&samples, 0.9));
    println!(
        "{name:<34} p50 {:>7.1} µs   p90 {:>7.1} µs",
        p50.as_secs_f64() * 1e6,
        p90.as_secs_f64() * 1e6
    );
    p50
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // As in production: the Prometheus recorder is installed, so every upstream attempt below
    // pays for its metrics (counters and a histogram sample).
    mcp_atlassian::telemetry::metrics::install().expect("metrics recorder");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(sandbox::serve(
        listener,
        SandboxOptions::default(),
        stop.clone(),
    ));
    let base = format!("http://{addr}");
    let config = Config::from_pairs([
        ("JIRA_URL", base.as_str()),
        ("JIRA_USERNAME", sandbox::auth::SANDBOX_EMAIL),
        ("JIRA_API_TOKEN", sandbox::auth::SANDBOX_API_TOKEN),
        ("JIRA_DEPLOYMENT", "cloud"),
    ])
    .expect("config");
    let env = tool_env(&config).expect("env");
    let client = env.atlassian.jira.clone().expect("jira client");
    let raw = reqwest::Client::new();
    let url = format!("{base}/rest/api/3/issue/DEMO-1");
    let auth_header = format!(
        "Basic {}",
        mcp_atlassian::atlassian::auth::base64_encode(
            format!(
                "{}:{}",
                sandbox::auth::SANDBOX_EMAIL,
                sandbox::auth::SANDBOX_API_TOKEN
            )
            .as_bytes()
        )
    );
    let fields = mcp_atlassian::tools::jira::DEFAULT_FIELDS;
    let query = [
        ("fields", fields.to_owned()),
        ("updateHistory", "true".to_owned()),
    ];
    let tools = builtin(&env);
    let tool = tools
        .iter()
        .find(|t| t.spec().name == "jira_get_issue")
        .expect("tool");
    let ctx = ToolContext::default();
    let args = serde_json::json!({"issue_key": "DEMO-1", "comment_limit": 0});
    let args = args.as_object().cloned().expect("object");

    let mut floor = Vec::with_capacity(CALLS);
    let mut client_samples = Vec::with_capacity(CALLS);
    let mut tool_samples = Vec::with_capacity(CALLS);
    for i in 0..WARMUP + CALLS {
        // Interleave the three so machine noise hits them alike.
        let t = Instant::now();
        let r = raw
            .get(&url)
            .header("authorization", &auth_header)
            .query(&query)
            .send()
            .await
            .expect("raw");
        let _: serde_json::Value = r.json().await.expect("json");
        let raw_d = t.elapsed();
        let t = Instant::now();
        let opts = jira::GetIssue {
            fields,
            expand: None,
            properties: None,
            update_history: true,
        };
        jira::get_issue(&client, &CallAuth::default(), "DEMO-1", &opts)
            .await
            .expect("client");
        let client_d = t.elapsed();
        let t = Instant::now();
        let out = tool.call(&ctx, args.clone()).await.expect("tool");
        assert!(!out.is_error);
        let tool_d = t.elapsed();
        if i >= WARMUP {
            floor.push(raw_d);
            client_samples.push(client_d);
            tool_samples.push(tool_d);
        }
    }
    println!(
        "client overhead against the sandbox, {CALLS} sequential calls after {WARMUP} warm-up"
    );
    let f = report("bare reqwest (floor)", floor);
    let c = report("ServiceClient::get", client_samples);
    let t = report("jira_get_issue tool (no MCP)", tool_samples);
    println!(
        "client overhead p50: {:+.1} µs; tool overhead p50 (client + shaping): {:+.1} µs",
        (c.as_secs_f64() - f.as_secs_f64()) * 1e6,
        (t.as_secs_f64() - f.as_secs_f64()) * 1e6
    );
    stop.cancel();
}
