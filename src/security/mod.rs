//! Who may use the MCP endpoints and how they are identified: API keys (hashed, reloadable,
//! rotatable), the client IP behind trusted proxies.

pub mod admin;
pub mod client_ip;
pub mod keyfile;
pub mod keys;
pub mod ratelimit;
pub mod redis_limit;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

pub use client_ip::client_ip;
pub use keys::{Denied, KeySet, KeyStore, Verified};

use crate::config::SecurityConfig;

/// Loads the configured keys (keys file + `MCP_API_KEY`).
pub fn load_keys(cfg: &SecurityConfig) -> Result<KeySet, keyfile::KeyFileError> {
    let records = match &cfg.api_keys_file {
        Some(p) => keyfile::load(p)?,
        None => Vec::new(),
    };
    Ok(KeySet {
        records,
        default_key: keys::default_key_hash(cfg.api_key.as_ref()),
    })
}

fn fingerprint(path: &PathBuf) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Reloads the keys file when it changes (polled every `every`) or when `reload` fires
/// (SIGHUP). A file that does not parse keeps the previous keys and is logged once per
/// change. Open sessions are untouched: they keep their bound key id.
pub async fn watch_keys(
    cfg: SecurityConfig,
    store: Arc<KeyStore>,
    every: Duration,
    reload: Arc<tokio::sync::Notify>,
    cancel: CancellationToken,
) {
    let Some(path) = cfg.api_keys_file.clone() else {
        return;
    };
    let mut seen = fingerprint(&path);
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_save = tokio::time::Instant::now();
    loop {
        let forced = tokio::select! {
            _ = cancel.cancelled() => {
                save_last_used(&path, &store).await;
                return;
            }
            _ = ticker.tick() => false,
            _ = reload.notified() => true,
        };
        if last_save.elapsed() >= LAST_USED_EVERY {
            last_save = tokio::time::Instant::now();
            save_last_used(&path, &store).await;
        }
        let now = fingerprint(&path);
        if !forced && now == seen {
            continue;
        }
        seen = now;
        // Reading a small file is quick, but it is still blocking I/O: keep it off the runtime.
        let c = cfg.clone();
        match tokio::task::spawn_blocking(move || load_keys(&c)).await {
            Ok(Ok(set)) => {
                tracing::info!(keys = set.records.len(), path = %path.display(), "API keys reloaded");
                store.replace(set);
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "API keys file not reloaded; keeping the previous keys")
            }
            Err(e) => tracing::error!(error = %e, "API keys reload task failed"),
        }
    }
}

/// How often last-use times are written beside the keys file (for `keys list`).
const LAST_USED_EVERY: Duration = Duration::from_secs(30);

async fn save_last_used(path: &std::path::Path, store: &KeyStore) {
    let Some(map) = store.take_last_used_if_changed() else {
        return;
    };
    let path = path.to_owned();
    match tokio::task::spawn_blocking(move || keyfile::save_last_used(&path, &map)).await {
        Ok(Ok(())) => {}
        // A read-only volume only costs the "last used" column of `keys list`.
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot record when API keys were last used"),
        Err(e) => tracing::warn!(error = %e, "last-used writer failed"),
    }
}
