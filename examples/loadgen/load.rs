//! Closed-loop load: `c` workers, each with its own session, share a fixed request count
//! and a wall-clock cap; each worker warms up first, then all start together. Latency is
//! measured per call from send to the matching response.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Barrier;

/// What one cell of the table measured.
#[derive(Debug, Clone, Serialize)]
pub struct LoadResult {
    pub concurrency: usize,
    pub completed: usize,
    pub errors: usize,
    pub secs: f64,
    pub throughput: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    /// The first error seen, to tell a broken setup from a slow one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

/// Fixed count, time cap and warm-up of one cell.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub count: usize,
    pub cap: Duration,
    pub warmup_per_worker: usize,
}

/// A worker: something that makes one call at a time and says whether it succeeded.
pub trait Worker: Send + 'static {
    fn call(&mut self) -> impl Future<Output = Result<(), String>> + Send;
}

pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

/// Runs `plan` with `workers` (their number is the concurrency).
pub async fn run<W: Worker>(workers: Vec<W>, plan: Plan) -> LoadResult {
    let concurrency = workers.len();
    let left = Arc::new(AtomicUsize::new(plan.count));
    // Two rendezvous: everyone warm, then the deadline is set and everyone starts.
    let warm = Arc::new(Barrier::new(concurrency + 1));
    let go = Arc::new(Barrier::new(concurrency + 1));
    let deadline = Arc::new(std::sync::OnceLock::<Instant>::new());
    let mut handles = Vec::with_capacity(concurrency);
    for mut w in workers {
        let (left, warm, go, deadline) = (left.clone(), warm.clone(), go.clone(), deadline.clone());
        handles.push(tokio::spawn(async move {
            for _ in 0..plan.warmup_per_worker {
                let _ = w.call().await;
            }
            warm.wait().await;
            go.wait().await;
            let end = *deadline.get().unwrap_or(&Instant::now());
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut first_error = None;
            while Instant::now() < end
                && left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
            {
                let t = Instant::now();
                match w.call().await {
                    Ok(()) => lat.push(t.elapsed()),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (lat, errors, first_error)
        }));
    }
    warm.wait().await;
    // All workers are warm and waiting: the clock starts now.
    let _ = deadline.set(Instant::now() + plan.cap);
    go.wait().await;
    let t0 = Instant::now();
    let mut lat = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for h in handles {
        match h.await {
            Ok((l, e, f)) => {
                lat.extend(l);
                errors += e;
                if first_error.is_none() {
                    first_error = f;
                }
            }
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(format!("worker panicked: {e}"));
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    lat.sort();
    LoadResult {
        concurrency,
        completed: lat.len(),
        errors,
        secs,
        throughput: lat.len() as f64 / secs,
        p50_ms: percentile(&lat, 0.50),
        p90_ms: percentile(&lat, 0.90),
        p99_ms: percentile(&lat, 0.99),
        first_error,
    }
}
