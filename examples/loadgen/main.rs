//! The benchmark's load generator and driver (`scripts/bench.sh` runs it).
//!
//! Starts the sandbox (`mcp-atlassian sandbox`) and, one at a time, each server under test
//! pointed at it; measures cold start, resident memory with open SSE sessions, payload
//! sizes, tool-call latency and throughput over `/mcp` (stateful, stateless) and `/sse`, and
//! the floor (the same REST calls straight to the sandbox). Writes one table as Markdown and
//! JSON. It only ever talks to 127.0.0.1, every run is bounded by counts and wall-clock
//! caps, and every process it starts is killed when it is done.

mod load;
mod mcp;
mod report;
mod scenario;
mod server;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use scenario::Settings;
use server::{Kind, Launcher};

/// Benchmark mcp-atlassian (and optionally the reference server) against the sandbox.
#[derive(Debug, Parser)]
struct Args {
    /// Our server's binary (also serves the sandbox).
    #[arg(long)]
    ours: PathBuf,
    /// The reference server's `mcp-atlassian` script (Python, 0.23.1); omitted = ours only.
    #[arg(long)]
    reference: Option<PathBuf>,
    /// Directory for results.md and results.json (also the servers' working directory).
    #[arg(long)]
    out: PathBuf,
    /// Tiny counts: a smoke test of the benchmark, not figures.
    #[arg(long)]
    quick: bool,
}

fn full_count(c: usize) -> usize {
    match c {
        1 => 500,
        8 => 2000,
        _ => 4000,
    }
}

fn quick_count(c: usize) -> usize {
    20 * c
}

const FULL: Settings = Settings {
    cold_runs: 10,
    cold_budget: Duration::from_secs(100),
    sessions: [100, 1000],
    concurrency: &[1, 8, 64],
    count: full_count,
    cap: Duration::from_secs(8),
};

const QUICK: Settings = Settings {
    cold_runs: 2,
    cold_budget: Duration::from_secs(10),
    sessions: [10, 50],
    concurrency: &[1, 8],
    count: quick_count,
    cap: Duration::from_secs(2),
};

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let set = if args.quick { QUICK } else { FULL };
    let cwd = args.out.join("cwd");
    std::fs::create_dir_all(&cwd).map_err(|e| format!("{}: {e}", cwd.display()))?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| format!("http client: {e}"))?;
    let sandbox = server::start_sandbox(&http, &args.ours, &cwd).await?;
    let sb = sandbox.base.clone();
    let floor = scenario::floor(&http, &sb, &set).await;
    let ours = Launcher {
        kind: Kind::Ours,
        bin: args.ours.clone(),
        sandbox: sb.clone(),
        cwd: cwd.clone(),
    };
    let ours = scenario::measure(&http, &ours, &set).await;
    let reference = match &args.reference {
        Some(bin) => {
            let l = Launcher {
                kind: Kind::Reference,
                bin: bin.clone(),
                sandbox: sb.clone(),
                cwd: cwd.clone(),
            };
            Some(scenario::measure(&http, &l, &set).await)
        }
        None => None,
    };
    sandbox.stop().await;
    let report = report::Report::new(&set, floor, ours, reference);
    let md = report.markdown();
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(args.out.join("results.md"), &md).map_err(|e| e.to_string())?;
    std::fs::write(args.out.join("results.json"), json).map_err(|e| e.to_string())?;
    println!("{md}");
    if report.broken() {
        return Err("some measurements failed (see the notes above)".into());
    }
    Ok(())
}
