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

/// Loads the configured keys (keys file + `MCP_API_KEY`). A configured keys file that is
/// missing, unreadable, blank or broken is an error, never "no keys".
pub fn load_keys(cfg: &SecurityConfig) -> Result<KeySet, keyfile::KeyFileError> {
    let records = match &cfg.api_keys_file {
        Some(p) => keyfile::load_required(p)?,
        None => Vec::new(),
    };
    Ok(KeySet {
        records,
        default_key: keys::default_key_hash(cfg.api_key.as_ref()),
        required: cfg.has_keys(),
    })
}

/// How requests are authenticated, in one line per fact, for `check-config` and the start
/// log: where keys come from, how many are usable, and whether anonymous access is possible.
pub fn describe_auth(cfg: &SecurityConfig, loopback_bind: bool, set: &KeySet) -> Vec<String> {
    let now = time::OffsetDateTime::now_utc();
    let mut out = Vec::new();
    if let Some(p) = &cfg.api_keys_file {
        let usable = set
            .records
            .iter()
            .filter(|r| r.enabled && r.expires.is_none_or(|e| now < e))
            .count();
        out.push(format!(
            "API keys file {}: {} listed, {usable} usable (reloaded on change; a missing or broken file keeps the last good keys)",
            p.display(),
            set.records.len()
        ));
    }
    if cfg.api_key.is_some() {
        out.push("MCP_API_KEY: one key, id default".into());
    }
    if set.requires_key() {
        if !set.records.iter().any(|r| r.enabled) && set.default_key.is_none() {
            out.push("no usable API key: every MCP request is refused (403)".into());
        } else {
            out.push("every MCP request needs a valid X-API-Key; anonymous access is off".into());
        }
    } else if loopback_bind {
        out.push(
            "no API key configured: anonymous access, allowed because HOST is loopback".into(),
        );
    } else if cfg.allow_unauthenticated {
        out.push(
            "no API key configured: anonymous access, allowed by MCP_ALLOW_UNAUTHENTICATED=true"
                .into(),
        );
    } else {
        out.push("no API key configured: anonymous access".into());
    }
    out
}

fn fingerprint(path: &PathBuf) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Reloads the keys file when it changes (polled every `every`) or when `reload` fires
/// (SIGHUP). A file that is missing, blank or does not parse keeps the previous keys and is
/// logged once per change. Open sessions are re-checked by their owner after each reload
/// ([`KeyStore::changed`]): those whose key no longer verifies are closed.
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
