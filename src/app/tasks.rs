//! The server's side tasks, each taking the shutdown token: the audit-log writer, scheduled
//! config backups, the keys-file watcher (poll + SIGHUP), the signal handler and the upstream
//! readiness probe.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::KEY_FILE_POLL;
use crate::atlassian::{self, CallAuth, ErrorKind};
use crate::config::Config;
use crate::http::Readiness;
use crate::ops;
use crate::security::{self, KeyStore};
use crate::telemetry::audit::AuditLog;
use crate::tools::ToolEnv;

/// The audit log as configured: log events, plus the JSON-lines file when
/// `MCP_AUDIT_LOG_FILE` is set (with its writer task to stop after the last request).
pub fn audit_log(
    config: &Config,
) -> (
    AuditLog,
    Option<(CancellationToken, tokio::task::JoinHandle<()>)>,
) {
    match &config.security.audit_log_file {
        Some(path) => {
            let cancel = CancellationToken::new();
            let (log, task) = AuditLog::to_file(path.clone(), cancel.clone());
            (log, Some((cancel, task)))
        }
        None => (AuditLog::events_only(), None),
    }
}

/// Starts the backup schedule when `BACKUP_ENABLED`; it stops at `cancel` (after a run in
/// progress has finished writing). A failed run is logged and counted (the alert's metric)
/// by the job, and shown as the `backup` warning of `/readyz` until a run succeeds.
pub fn spawn_backup_schedule(
    config: &Config,
    readiness: Option<Arc<Readiness>>,
    cancel: CancellationToken,
) -> Option<tokio::task::JoinHandle<()>> {
    let cfg = config.backup.clone();
    if !cfg.enabled {
        return None;
    }
    if cfg.recipients.is_empty() {
        tracing::warn!(
            "BACKUP_ENCRYPTION_RECIPIENTS is unset: backups will hold plaintext secrets"
        );
    }
    tracing::info!(
        schedule = %cfg.schedule,
        timezone = %cfg.timezone,
        dir = %cfg.dir.display(),
        retention = cfg.retention_count,
        "config backups scheduled"
    );
    let (cron, zone) = (cfg.cron.clone(), cfg.timezone);
    Some(tokio::spawn(ops::schedule::run(
        cron,
        zone,
        Arc::new(ops::schedule::SystemClock),
        cancel,
        move |scheduled| {
            // Logged and counted inside; a failure is retried at the next tick.
            let result = ops::create(&cfg, time::OffsetDateTime::now_utc(), None);
            if let Some(readiness) = &readiness {
                readiness.set_warning(
                    "backup",
                    result.err().map(|e| {
                        format!(
                            "the scheduled config backup of {} failed: {e}",
                            scheduled.format("%Y-%m-%dT%H:%M:%SZ")
                        )
                    }),
                );
            }
        },
    )))
}

/// Reloads the API keys file when it changes and on SIGHUP, until `cancel`.
pub fn spawn_key_watcher(
    config: &Config,
    keys: Arc<KeyStore>,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let reload = Arc::new(tokio::sync::Notify::new());
    #[cfg(unix)]
    {
        let reload = reload.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let Ok(mut hup) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            else {
                tracing::warn!(
                    "cannot listen for SIGHUP; the keys file still reloads when it changes"
                );
                return;
            };
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    got = hup.recv() => if got.is_none() { return },
                }
                reload.notify_one();
            }
        });
    }
    tokio::spawn(security::watch_keys(
        config.security.clone(),
        keys,
        KEY_FILE_POLL,
        reload,
        cancel,
    ))
}

/// Cancels the token on SIGTERM or SIGINT.
pub fn spawn_signal_handler(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = ctrl_c => {}
                        _ = term.recv() => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM; only SIGINT stops the server");
                    let _ = ctrl_c.await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        tracing::info!("signal received");
        token.cancel();
    });
}

/// Probes each configured product with the global credentials every `interval` and records
/// the outcome for `/readyz`. Never runs per request; skipped in multi-tenant mode, where
/// the server has no credentials of its own.
pub async fn readiness_probe(
    env: Arc<ToolEnv>,
    readiness: Arc<Readiness>,
    interval: Duration,
    cancel: CancellationToken,
) {
    if env.multi_tenant {
        return;
    }
    let auth = CallAuth::default();
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = ticker.tick() => {}
        }
        if let Some(jira) = &env.atlassian.jira {
            let outcome = atlassian::jira::myself(jira, &auth).await.map(|_| ());
            record(&readiness, "jira", outcome);
        }
        if let Some(confluence) = &env.atlassian.confluence {
            let outcome = atlassian::confluence::current_user(confluence, &auth)
                .await
                .map(|_| ());
            record(&readiness, "confluence", outcome);
        }
    }
}

fn record(
    readiness: &Readiness,
    name: &'static str,
    outcome: Result<(), atlassian::AtlassianError>,
) {
    crate::telemetry::metrics::set_upstream_up(name, outcome.is_ok());
    let was_failing = readiness
        .not_ready_reason()
        .is_some_and(|r| r.contains(name));
    match outcome {
        Ok(()) => {
            if was_failing {
                tracing::info!(service = name, "upstream reachable again");
            }
            readiness.set_check(name, Ok(()));
        }
        Err(e) => {
            let reason = match e.kind {
                ErrorKind::Unauthorized | ErrorKind::Forbidden => "credentials rejected".to_owned(),
                ErrorKind::Connect | ErrorKind::Timeout => "unreachable".to_owned(),
                _ => format!(
                    "probe failed ({})",
                    e.status
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "no status".into())
                ),
            };
            if !was_failing {
                tracing::warn!(service = name, reason = %reason, error = %e, "upstream not ready");
            }
            readiness.set_check(name, Err(reason));
        }
    }
}
