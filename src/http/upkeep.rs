//! The session sweep: a side task that closes sessions which are idle, or whose key no longer
//! verifies against the key store (revoked, expired, rotated past its grace, removed). It runs
//! a few times per idle timeout and at once after every key reload, so a revoked key's open
//! SSE streams and Streamable HTTP sessions close within the keys file's reload interval.

use std::sync::Arc;
use std::time::Instant;

use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use crate::mcp::sessions::{Owner, SessionTable};
use crate::security::{KeySet, KeyStore};

/// True while `owner`'s key still verifies (anonymous owners: while no key is required).
pub fn owner_still_valid(keys: &KeySet, owner: &Owner, now: OffsetDateTime) -> bool {
    match (&owner.key_id, &owner.credential) {
        (None, _) => !keys.requires_key(),
        (Some(id), Some(credential)) => keys.verify_hash(id, credential, now).is_ok(),
        (Some(_), None) => false,
    }
}

/// Sweeps `table` until `cancel`.
pub async fn sweep_sessions(
    table: Arc<SessionTable>,
    keys: Arc<KeyStore>,
    cancel: CancellationToken,
) {
    let mut ticker = tokio::time::interval(table.sweep_interval());
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = ticker.tick() => {}
            () = keys.changed() => {}
        }
        let set = keys.snapshot();
        let now = OffsetDateTime::now_utc();
        let closed = table.sweep(Instant::now(), |o| owner_still_valid(&set, o, now));
        if closed > 0 {
            tracing::debug!(closed, "sessions closed by the sweep");
        }
    }
}
