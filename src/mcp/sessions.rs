//! Open MCP sessions of both HTTP transports, who owns each, and what bounds them.
//!
//! [`SessionTable`] is the one record of live sessions (Streamable HTTP and legacy SSE): the
//! key (id and SHA-256 of the credential) and client IP that opened each, when its client last
//! spoke, and how many response streams it holds open. It enforces the caps per key and in
//! total for sessions and for SSE streams, and tells the owner's sweep which sessions to close
//! (idle, or their key no longer verifies).
//!
//! Invariants: a session's entry lives exactly as long as its transport. The slot is reserved
//! before the session exists (so a cap is never overshot) and handed to the session when it is
//! created; the entry is removed when the transport drops, however the session ends (idle
//! expiry, revocation, shutdown; a DELETE removes it as soon as it is answered). Closing a session means cancelling its token: the
//! transport then reports end-of-input and rmcp winds the session down.
//!
//! The slot of a session the current request may create travels in a task-local set by the
//! HTTP layer around that request ([`with_slot`], [`take_slot`]); the Streamable HTTP session
//! manager (`session_manager.rs`) and the SSE bridge take it from there.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::config::SessionLimits;
use crate::telemetry::metrics;

pub use super::session_manager::CountingSessionManager;

/// Who opened a session; later messages must come from the same key (and, for legacy SSE,
/// the same address).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Owner {
    /// API key id; `None` for anonymous access (no key source configured).
    pub key_id: Option<Arc<str>>,
    /// SHA-256 of the key last presented for this session: re-verified against the key store
    /// on every key-less message and at every reload (the key itself is never kept).
    pub credential: Option<[u8; 32]>,
    /// Client IP that opened it.
    pub client_ip: Option<IpAddr>,
}

/// A cap that refused a new session or stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapReached {
    /// `MCP_MAX_SESSIONS_PER_KEY`.
    SessionsPerKey(usize),
    /// `MCP_MAX_SESSIONS`.
    Sessions(usize),
    /// `MCP_MAX_STREAMS_PER_KEY`.
    StreamsPerKey(usize),
    /// `MCP_MAX_STREAMS`.
    Streams(usize),
}

impl CapReached {
    /// The metric label and the `limit` field of the refusal.
    pub fn label(self) -> &'static str {
        match self {
            CapReached::SessionsPerKey(_) => "sessions_per_key",
            CapReached::Sessions(_) => "sessions_total",
            CapReached::StreamsPerKey(_) => "streams_per_key",
            CapReached::Streams(_) => "streams_total",
        }
    }

    /// True for the per-key caps (the caller can fix it: 429); false for the server's (503).
    pub fn per_key(self) -> bool {
        matches!(
            self,
            CapReached::SessionsPerKey(_) | CapReached::StreamsPerKey(_)
        )
    }

    /// The cap's size.
    pub fn cap(self) -> usize {
        match self {
            CapReached::SessionsPerKey(n)
            | CapReached::Sessions(n)
            | CapReached::StreamsPerKey(n)
            | CapReached::Streams(n) => n,
        }
    }

    /// A sentence saying what happened and what to do.
    pub fn reason(self) -> String {
        match self {
            CapReached::SessionsPerKey(n) => format!(
                "this API key already holds {n} open MCP sessions (MCP_MAX_SESSIONS_PER_KEY); close unused ones with DELETE, or wait until idle ones expire"
            ),
            CapReached::Sessions(n) => format!(
                "the server holds its maximum of {n} open MCP sessions (MCP_MAX_SESSIONS); retry shortly"
            ),
            CapReached::StreamsPerKey(n) => format!(
                "this API key already holds {n} open SSE streams (MCP_MAX_STREAMS_PER_KEY); close unused ones first"
            ),
            CapReached::Streams(n) => format!(
                "the server holds its maximum of {n} open SSE streams (MCP_MAX_STREAMS); retry shortly"
            ),
        }
    }
}

/// Why the sweep closed a session (the `reason` label of the metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// No open stream and no request for `MCP_SESSION_IDLE_SECS`.
    Idle,
    /// No client message for `MCP_STREAM_IDLE_SECS`.
    StreamIdle,
    /// Its key no longer verifies (revoked, expired, rotated past its grace, removed).
    KeyInvalid,
}

impl CloseReason {
    fn label(self) -> &'static str {
        match self {
            CloseReason::Idle => "idle",
            CloseReason::StreamIdle => "stream_idle",
            CloseReason::KeyInvalid => "key_invalid",
        }
    }
}

struct Entry {
    owner: Owner,
    cancel: CancellationToken,
    /// Last client message (POST): what `MCP_STREAM_IDLE_SECS` measures.
    last_message: Instant,
    /// Last request of any kind, or the end of a response stream: what `MCP_SESSION_IDLE_SECS`
    /// measures while nothing is open.
    last_seen: Instant,
    /// Response bodies of this session still being written (streams, answers in progress).
    busy: u32,
    /// Cancelled by the sweep; waiting for its transport to drop.
    closing: bool,
}

#[derive(Default)]
struct Counts {
    sessions: usize,
    streams: usize,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Arc<str>, Entry>,
    per_key: HashMap<Arc<str>, Counts>,
    total: Counts,
}

impl Inner {
    fn counts(&mut self, key: &Option<Arc<str>>) -> Option<&mut Counts> {
        let k = key.as_ref()?;
        Some(self.per_key.entry(k.clone()).or_default())
    }

    fn forget_key_if_unused(&mut self, key: &Option<Arc<str>>) {
        if let Some(k) = key
            && self
                .per_key
                .get(k)
                .is_some_and(|c| c.sessions == 0 && c.streams == 0)
        {
            self.per_key.remove(k);
        }
    }
}

/// Live sessions of both HTTP transports with their owners, caps and idle clocks.
pub struct SessionTable {
    inner: Mutex<Inner>,
    limits: SessionLimits,
}

impl SessionTable {
    /// An empty table enforcing `limits`.
    pub fn new(limits: SessionLimits) -> Arc<Self> {
        Arc::new(SessionTable {
            inner: Mutex::new(Inner::default()),
            limits,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every critical section is a handful of map operations that cannot panic halfway.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The limits in force.
    pub fn limits(&self) -> SessionLimits {
        self.limits
    }

    /// Open sessions (both transports).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when no session is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Open SSE streams.
    pub fn streams(&self) -> usize {
        self.lock().total.streams
    }

    /// Reserves room for one new session of `owner`, or names the cap that is reached. The
    /// per-key cap applies to keyed callers; anonymous ones (no key source) only meet the total.
    pub fn reserve_session(self: &Arc<Self>, owner: Owner) -> Result<SessionSlot, CapReached> {
        let mut inner = self.lock();
        if inner.total.sessions >= self.limits.max_sessions {
            return Err(CapReached::Sessions(self.limits.max_sessions));
        }
        let per_key = self.limits.max_sessions_per_key;
        if let Some(c) = inner.counts(&owner.key_id) {
            if c.sessions >= per_key {
                return Err(CapReached::SessionsPerKey(per_key));
            }
            c.sessions += 1;
        }
        inner.total.sessions += 1;
        Ok(SessionSlot {
            table: self.clone(),
            owner: Some(owner),
        })
    }

    /// Reserves room for one new SSE stream of the caller with `key_id`, attached to the
    /// session `session` when it has one (an open stream keeps its session alive).
    pub fn open_stream(
        self: &Arc<Self>,
        key_id: Option<Arc<str>>,
        session: Option<&str>,
    ) -> Result<StreamSlot, CapReached> {
        let mut inner = self.lock();
        if inner.total.streams >= self.limits.max_streams {
            return Err(CapReached::Streams(self.limits.max_streams));
        }
        let per_key = self.limits.max_streams_per_key;
        if let Some(c) = inner.counts(&key_id) {
            if c.streams >= per_key {
                return Err(CapReached::StreamsPerKey(per_key));
            }
            c.streams += 1;
        }
        inner.total.streams += 1;
        drop(inner);
        Ok(StreamSlot {
            table: self.clone(),
            key_id,
            _busy: session.map(|s| self.busy(s)),
        })
    }

    /// Marks `session` as writing a response until the guard drops (an answer in progress or
    /// an open stream keeps a session from idling out). Unknown ids give an inert guard.
    pub fn busy(self: &Arc<Self>, session: &str) -> Busy {
        let mut inner = self.lock();
        let id = inner.entries.get_key_value(session).map(|(k, _)| k.clone());
        if let Some(e) = id.as_ref().and_then(|k| inner.entries.get_mut(k)) {
            e.busy += 1;
        }
        Busy {
            table: self.clone(),
            session: id,
        }
    }

    /// Who owns `session`, if it is open.
    pub fn owner(&self, session: &str) -> Option<Owner> {
        self.lock().entries.get(session).map(|e| e.owner.clone())
    }

    /// Notes a request on `session`; `message` for a client message (a POST).
    pub fn touch(&self, session: &str, message: bool) {
        let now = Instant::now();
        if let Some(e) = self.lock().entries.get_mut(session) {
            e.last_seen = now;
            if message {
                e.last_message = now;
            }
        }
    }

    /// Remembers the credential a request on `session` just presented (same key id), so a
    /// rotated key's new secret keeps the session valid after the old one's grace ends.
    pub fn refresh_credential(&self, session: &str, credential: [u8; 32]) {
        if let Some(e) = self.lock().entries.get_mut(session) {
            e.owner.credential = Some(credential);
        }
    }

    /// Closes (cancels) every session that is idle at `now` or whose owner `still_valid`
    /// rejects; returns how many it closed. Their entries go when their transports drop.
    pub fn sweep(&self, now: Instant, still_valid: impl Fn(&Owner) -> bool) -> usize {
        let mut closed = 0;
        let mut inner = self.lock();
        for e in inner.entries.values_mut().filter(|e| !e.closing) {
            let reason = if !still_valid(&e.owner) {
                Some(CloseReason::KeyInvalid)
            } else if self
                .limits
                .stream_idle
                .is_some_and(|t| now.saturating_duration_since(e.last_message) >= t)
            {
                Some(CloseReason::StreamIdle)
            } else if e.busy == 0 && now.saturating_duration_since(e.last_seen) >= self.limits.idle
            {
                Some(CloseReason::Idle)
            } else {
                None
            };
            if let Some(r) = reason {
                e.closing = true;
                e.cancel.cancel();
                metrics::record_session_closed(r.label());
                closed += 1;
            }
        }
        closed
    }

    /// How often the sweep should run for these limits: often enough that an idle session
    /// closes within a small fraction of its timeout.
    pub fn sweep_interval(&self) -> Duration {
        let shortest = self
            .limits
            .stream_idle
            .map_or(self.limits.idle, |s| s.min(self.limits.idle));
        (shortest / 4).clamp(Duration::from_millis(50), Duration::from_secs(1))
    }

    fn bind(&self, id: &str, owner: Owner, cancel: CancellationToken, busy: u32) -> Arc<str> {
        let id: Arc<str> = Arc::from(id);
        let now = Instant::now();
        self.lock().entries.insert(
            id.clone(),
            Entry {
                owner,
                cancel,
                last_message: now,
                last_seen: now,
                busy,
                closing: false,
            },
        );
        id
    }

    fn release_session(&self, key: &Option<Arc<str>>) {
        let mut inner = self.lock();
        inner.total.sessions = inner.total.sessions.saturating_sub(1);
        if let Some(c) = inner.counts(key) {
            c.sessions = c.sessions.saturating_sub(1);
        }
        inner.forget_key_if_unused(key);
    }

    /// Forgets session `id` now (its DELETE was answered), rather than when its transport
    /// drops a moment later: a client that deleted a session may open the next one at once.
    pub fn forget(&self, id: &str) {
        self.remove(id);
    }

    fn remove(&self, id: &str) {
        let key = {
            let mut inner = self.lock();
            match inner.entries.remove(id) {
                Some(e) => e.owner.key_id,
                None => return,
            }
        };
        self.release_session(&key);
    }
}

/// Room for one session, reserved before it exists; released on drop unless bound.
pub struct SessionSlot {
    table: Arc<SessionTable>,
    owner: Option<Owner>,
}

impl SessionSlot {
    /// Turns the reservation into the session `id`'s entry; `busy` counts streams that are
    /// open from the start (a legacy SSE session is its stream). The entry goes when the
    /// returned guard drops.
    pub fn bind(mut self, id: &str, cancel: CancellationToken, busy: u32) -> SessionEntry {
        let owner = self.owner.take().unwrap_or_default();
        let id = self.table.bind(id, owner, cancel, busy);
        SessionEntry {
            table: self.table.clone(),
            id,
        }
    }
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        if let Some(owner) = self.owner.take() {
            self.table.release_session(&owner.key_id);
        }
    }
}

/// A live session's entry; dropping it removes the entry and frees its slot.
pub struct SessionEntry {
    table: Arc<SessionTable>,
    id: Arc<str>,
}

impl Drop for SessionEntry {
    fn drop(&mut self) {
        self.table.remove(&self.id);
    }
}

/// One open SSE stream, counted against the caps until dropped.
pub struct StreamSlot {
    table: Arc<SessionTable>,
    key_id: Option<Arc<str>>,
    _busy: Option<Busy>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut inner = self.table.lock();
        inner.total.streams = inner.total.streams.saturating_sub(1);
        if let Some(c) = inner.counts(&self.key_id) {
            c.streams = c.streams.saturating_sub(1);
        }
        inner.forget_key_if_unused(&self.key_id);
    }
}

/// A response of a session still being written; see [`SessionTable::busy`].
pub struct Busy {
    table: Arc<SessionTable>,
    session: Option<Arc<str>>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        let Some(id) = &self.session else { return };
        if let Some(e) = self.table.lock().entries.get_mut(id) {
            e.busy = e.busy.saturating_sub(1);
            e.last_seen = Instant::now();
        }
    }
}

tokio::task_local! {
    /// The slot reserved for the session the current request may create.
    static PENDING: RefCell<Option<SessionSlot>>;
}

/// Runs `fut` (the request that may create a session) with `slot` available to
/// [`take_slot`].
pub async fn with_slot<F: Future>(slot: SessionSlot, fut: F) -> F::Output {
    PENDING.scope(RefCell::new(Some(slot)), fut).await
}

/// The slot reserved for the current request, once.
pub fn take_slot() -> Option<SessionSlot> {
    PENDING.try_with(|p| p.borrow_mut().take()).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SessionLimits {
        SessionLimits {
            max_sessions: 3,
            max_sessions_per_key: 2,
            max_streams: 3,
            max_streams_per_key: 1,
            idle: Duration::from_secs(60),
            stream_idle: Some(Duration::from_secs(600)),
        }
    }

    fn owner(key: &str) -> Owner {
        Owner {
            key_id: Some(Arc::from(key)),
            credential: Some([7; 32]),
            client_ip: None,
        }
    }

    #[test]
    fn caps_hold_per_key_and_in_total_and_slots_come_back() {
        let t = SessionTable::new(limits());
        let a1 = t.reserve_session(owner("a")).expect("first");
        let a2 = t.reserve_session(owner("a")).expect("second");
        assert_eq!(
            t.reserve_session(owner("a")).err(),
            Some(CapReached::SessionsPerKey(2))
        );
        let _b = t.reserve_session(owner("b")).expect("other key");
        assert_eq!(
            t.reserve_session(owner("c")).err(),
            Some(CapReached::Sessions(3))
        );
        drop(a1);
        let _a3 = t
            .reserve_session(owner("a"))
            .expect("an unbound slot came back");
        let entry = a2.bind("s-1", CancellationToken::new(), 0);
        assert_eq!(t.len(), 1);
        drop(entry);
        assert_eq!(t.len(), 0, "the entry dies with its session");
        t.reserve_session(owner("a"))
            .expect("the bound slot came back with the entry");
    }

    #[test]
    fn streams_are_capped_separately() {
        let t = SessionTable::new(limits());
        let s = t.open_stream(Some(Arc::from("a")), None).expect("first");
        assert_eq!(
            t.open_stream(Some(Arc::from("a")), None).err(),
            Some(CapReached::StreamsPerKey(1))
        );
        let _anon1 = t
            .open_stream(None, None)
            .expect("anonymous meets only the total");
        let _anon2 = t
            .open_stream(None, None)
            .expect("anonymous meets only the total");
        assert_eq!(
            t.open_stream(None, None).err(),
            Some(CapReached::Streams(3))
        );
        drop(s);
        assert_eq!(t.streams(), 2);
    }

    #[test]
    fn the_sweep_spares_busy_sessions_and_closes_idle_or_invalid_ones() {
        let t = SessionTable::new(limits());
        let busy_token = CancellationToken::new();
        let idle_token = CancellationToken::new();
        let revoked_token = CancellationToken::new();
        let _e1 = t
            .reserve_session(owner("a"))
            .expect("slot")
            .bind("busy", busy_token.clone(), 0);
        let _e2 = t
            .reserve_session(owner("b"))
            .expect("slot")
            .bind("idle", idle_token.clone(), 0);
        let _e3 = t.reserve_session(owner("gone")).expect("slot").bind(
            "revoked",
            revoked_token.clone(),
            0,
        );
        let _stream = t.open_stream(None, Some("busy")).expect("stream");
        let later = Instant::now() + Duration::from_secs(61);
        let valid = |o: &Owner| o.key_id.as_deref() != Some("gone");
        assert_eq!(t.sweep(later, valid), 2);
        assert!(!busy_token.is_cancelled(), "an open stream keeps it alive");
        assert!(idle_token.is_cancelled());
        assert!(revoked_token.is_cancelled());
        assert_eq!(
            t.sweep(later, valid),
            0,
            "closing sessions are not counted twice"
        );
        let much_later = Instant::now() + Duration::from_secs(601);
        t.sweep(much_later, valid);
        assert!(
            busy_token.is_cancelled(),
            "no client message for MCP_STREAM_IDLE_SECS closes it even with a stream"
        );
    }
}
