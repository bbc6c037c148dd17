//! The in-server backup schedule: a cron expression read in an IANA zone, driven by a
//! [`Clock`] so tests move time instead of waiting for it.
//!
//! Runs are sequential by construction (the next time is computed after a run returns, from
//! the later of now and the last fire time), so two runs never overlap and a slow run skips
//! the ticks it missed instead of queueing them. A failed run is logged and counted by the
//! job and simply tried again at the next tick. The task ends when its token is cancelled,
//! after any run in progress has finished (a backup is never cut off half-written).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use croner::Cron;
use tokio_util::sync::CancellationToken;

/// A source of time that can wait.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
    /// Resolves once [`Clock::now`] has reached `t`.
    fn sleep_until(&self, t: DateTime<Utc>) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, t: DateTime<Utc>) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            // Sleep in bounded steps and look at the wall clock again: tokio's timer follows
            // a monotonic clock, which drifts from wall time across suspend or NTP steps.
            loop {
                let left = t - Utc::now();
                let Ok(left) = left.to_std() else { return };
                if left.is_zero() {
                    return;
                }
                tokio::time::sleep(left.min(std::time::Duration::from_secs(60))).await;
            }
        })
    }
}

/// A clock that only moves when told to; it reports every wake-up time asked of it.
pub struct ManualClock {
    now: tokio::sync::watch::Sender<DateTime<Utc>>,
    asked: Mutex<Option<tokio::sync::mpsc::UnboundedSender<DateTime<Utc>>>>,
}

impl ManualClock {
    /// A clock at `start`, and the receiver of the times [`Clock::sleep_until`] is asked for.
    pub fn new(
        start: DateTime<Utc>,
    ) -> (
        Arc<ManualClock>,
        tokio::sync::mpsc::UnboundedReceiver<DateTime<Utc>>,
    ) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let clock = ManualClock {
            now: tokio::sync::watch::channel(start).0,
            asked: Mutex::new(Some(tx)),
        };
        (Arc::new(clock), rx)
    }

    /// Moves the clock to `t`.
    pub fn set(&self, t: DateTime<Utc>) {
        self.now.send_replace(t);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(&self, t: DateTime<Utc>) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        if let Ok(guard) = self.asked.lock()
            && let Some(tx) = guard.as_ref()
        {
            let _ = tx.send(t);
        }
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            loop {
                if *rx.borrow_and_update() >= t {
                    return;
                }
                if rx.changed().await.is_err() {
                    return std::future::pending().await;
                }
            }
        })
    }
}

/// The first fire time of `cron`, read in `zone`, strictly after `after`.
pub fn next_run(cron: &Cron, zone: chrono_tz::Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron.find_next_occurrence(&after.with_timezone(&zone), false)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Runs `job` (blocking code, on the blocking pool) at every fire time of `cron` in `zone`
/// until `cancel`. `job` gets the scheduled instant.
pub async fn run<F>(
    cron: Cron,
    zone: chrono_tz::Tz,
    clock: Arc<dyn Clock>,
    cancel: CancellationToken,
    job: F,
) where
    F: Fn(DateTime<Utc>) + Send + Sync + 'static,
{
    let job = Arc::new(job);
    let mut last: Option<DateTime<Utc>> = None;
    loop {
        let now = clock.now();
        let after = last.map_or(now, |l| l.max(now));
        let Some(next) = next_run(&cron, zone, after) else {
            tracing::warn!(
                pattern = cron.pattern.to_string(),
                "the backup schedule has no future fire time; no more scheduled backups"
            );
            return;
        };
        tracing::debug!(next = %next.with_timezone(&zone), "next config backup");
        tokio::select! {
            () = cancel.cancelled() => return,
            () = clock.sleep_until(next) => {}
        }
        last = Some(next);
        let job = job.clone();
        // Awaited to the end even when cancelled meanwhile: the run finishes its file.
        if let Err(e) = tokio::task::spawn_blocking(move || job(next)).await {
            tracing::error!(error = %e, "the backup run panicked; trying again at the next tick");
        }
        if cancel.is_cancelled() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backup::parse_cron;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid time")
    }

    fn runs(expr: &str, zone: chrono_tz::Tz, from: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        let cron = parse_cron(expr).expect("cron");
        let mut out = Vec::new();
        let mut t = from;
        for _ in 0..n {
            t = next_run(&cron, zone, t).expect("next");
            out.push(t);
        }
        out
    }

    #[test]
    fn two_am_in_berlin_is_one_am_utc_in_winter_and_midnight_in_summer() {
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(
            runs("0 2 * * *", berlin, utc(2026, 1, 10, 12, 0), 1),
            vec![utc(2026, 1, 11, 1, 0)]
        );
        assert_eq!(
            runs("0 2 * * *", berlin, utc(2026, 7, 10, 12, 0), 1),
            vec![utc(2026, 7, 11, 0, 0)]
        );
    }

    #[test]
    fn across_the_autumn_change_a_repeated_hour_runs_once() {
        // 2026-10-25 03:00 CEST becomes 02:00 CET in Berlin: 02:30 happens twice.
        let got = runs(
            "30 2 * * *",
            chrono_tz::Europe::Berlin,
            utc(2026, 10, 24, 12, 0),
            2,
        );
        assert_eq!(got[0].date_naive(), utc(2026, 10, 25, 0, 0).date_naive());
        assert_eq!(got[1], utc(2026, 10, 26, 1, 30));
    }

    #[test]
    fn a_time_skipped_by_the_spring_change_runs_when_the_clocks_resume() {
        // 2026-03-29 02:00 CET jumps to 03:00 CEST in Berlin: 02:30 does not exist that day,
        // so the run comes at 03:00 CEST (01:00 UTC), as classic cron does; never skipped.
        assert_eq!(
            runs(
                "30 2 * * *",
                chrono_tz::Europe::Berlin,
                utc(2026, 3, 28, 2, 0),
                2
            ),
            vec![utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)]
        );
    }

    #[test]
    fn seconds_are_honoured_in_six_field_expressions() {
        assert_eq!(
            runs("30 15 4 * * *", chrono_tz::UTC, utc(2026, 1, 1, 0, 0), 1),
            vec![utc(2026, 1, 1, 4, 15) + chrono::Duration::seconds(30)]
        );
    }
}
