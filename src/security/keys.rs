//! API keys: format, hashing, verification and the live key set.
//!
//! Keys look like `mcpk_<id>_<43 base62 chars>`; only their SHA-256 is stored. `MCP_API_KEY`
//! is one more key with id `default` and both scopes. The set is swapped whole on reload, so
//! a request sees either the old keys or the new ones, never a mix.

use std::sync::{Arc, RwLock};

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// Prefix of generated keys.
pub const KEY_PREFIX: &str = "mcpk_";
/// Length of the random part.
pub const SECRET_LEN: usize = 43;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// SHA-256 of a key.
pub fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 64 hex characters.
pub fn from_hex(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

/// Compares without an early exit, so timing does not reveal how much of a hash matched.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// True for ids usable inside a key: lower-case letters, digits and `-`, 1-32 long.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Key generation failed (the OS random source is unavailable).
#[derive(Debug, thiserror::Error)]
#[error("cannot read the system's random source: {0}")]
pub struct RandomError(String);

/// A new key for `id`: `mcpk_<id>_<43 base62>`, from the OS random source.
pub fn generate_key(id: &str) -> Result<String, RandomError> {
    let mut out = String::with_capacity(KEY_PREFIX.len() + id.len() + 1 + SECRET_LEN);
    out.push_str(KEY_PREFIX);
    out.push_str(id);
    out.push('_');
    let mut produced = 0;
    while produced < SECRET_LEN {
        let mut buf = [0u8; 64];
        getrandom::fill(&mut buf).map_err(|e| RandomError(e.to_string()))?;
        // Rejection sampling keeps every character equally likely (248 = 4 × 62).
        for b in buf {
            if b < 248 && produced < SECRET_LEN {
                out.push(BASE62[(b % 62) as usize] as char);
                produced += 1;
            }
        }
    }
    Ok(out)
}

/// The id a generated key names, if it has the generated shape.
pub fn id_of(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (id, secret) = rest.rsplit_once('_')?;
    (secret.len() == SECRET_LEN && valid_id(id)).then_some(id)
}

/// One key's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// Key id (logged; never the key).
    pub id: String,
    /// SHA-256 of the current key.
    pub hash: [u8; 32],
    /// SHA-256 of the key it replaced, valid until `previous_valid_until`.
    pub previous_hash: Option<[u8; 32]>,
    /// End of the rotation grace period.
    pub previous_valid_until: Option<OffsetDateTime>,
    /// Creation time.
    pub created: Option<OffsetDateTime>,
    /// Expiry.
    pub expires: Option<OffsetDateTime>,
    /// May call write tools.
    pub write: bool,
    /// Revoked keys stay listed but never verify.
    pub enabled: bool,
    /// Per-key budget overriding `MCP_RATE_LIMIT_PER_MINUTE`.
    pub per_minute: Option<u32>,
    /// Per-key budget overriding `MCP_RATE_LIMIT_PER_HOUR`.
    pub per_hour: Option<u32>,
}

/// A key that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Key id.
    pub id: String,
    /// True when the key may only read.
    pub read_only: bool,
    /// The key's own per-minute budget, if it has one.
    pub per_minute: Option<u32>,
    /// The key's own per-hour budget, if it has one.
    pub per_hour: Option<u32>,
}

/// Why a key was refused; the reason goes into the 403 body and the log (never the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// No `X-API-Key` header.
    #[error("missing API key: send your key in the X-API-Key header")]
    Missing,
    /// No key matches.
    #[error("unknown API key")]
    Unknown,
    /// Past its expiry.
    #[error("expired API key: create a new one with mcp-atlassian keys rotate")]
    Expired,
    /// Revoked.
    #[error("revoked API key")]
    Revoked,
}

/// All keys in force.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    /// Records from the keys file.
    pub records: Vec<KeyRecord>,
    /// Hash of `MCP_API_KEY`.
    pub default_key: Option<[u8; 32]>,
    /// A key source is configured (`MCP_API_KEY` or `MCP_API_KEYS_FILE`): then an empty set
    /// refuses every request; it never means anonymous access.
    pub required: bool,
}

/// Id of the `MCP_API_KEY` key.
pub const DEFAULT_KEY_ID: &str = "default";

impl KeySet {
    /// True when no key is configured (the endpoints are open).
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.default_key.is_none()
    }

    /// True when requests need a key: a key source is configured, even if it lists none.
    pub fn requires_key(&self) -> bool {
        self.required || !self.is_empty()
    }

    /// Checks a presented key at time `now`.
    pub fn verify(&self, presented: &str, now: OffsetDateTime) -> Result<Verified, Denied> {
        let hash = hash_key(presented);
        if self.default_key.as_ref().is_some_and(|d| same(d, &hash)) {
            return self.verify_hash(DEFAULT_KEY_ID, &hash, now);
        }
        let Some(id) = id_of(presented) else {
            return Err(Denied::Unknown);
        };
        self.verify_hash(id, &hash, now)
    }

    /// Checks the key with SHA-256 `hash` that claims id `id`, at time `now`: what a session
    /// re-checks on every message and at every key reload, without holding the key itself.
    pub fn verify_hash(
        &self,
        id: &str,
        hash: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<Verified, Denied> {
        if id == DEFAULT_KEY_ID
            && let Some(d) = &self.default_key
            && same(d, hash)
        {
            return Ok(Verified {
                id: DEFAULT_KEY_ID.into(),
                read_only: false,
                per_minute: None,
                per_hour: None,
            });
        }
        let Some(rec) = self.records.iter().find(|r| r.id == id) else {
            return Err(Denied::Unknown);
        };
        let current = same(&rec.hash, hash);
        let previous = rec.previous_hash.as_ref().is_some_and(|p| same(p, hash))
            && rec.previous_valid_until.is_some_and(|until| now < until);
        if !current && !previous {
            return Err(Denied::Unknown);
        }
        if !rec.enabled {
            return Err(Denied::Revoked);
        }
        if rec.expires.is_some_and(|e| now >= e) {
            return Err(Denied::Expired);
        }
        Ok(Verified {
            id: rec.id.clone(),
            read_only: !rec.write,
            per_minute: rec.per_minute,
            per_hour: rec.per_hour,
        })
    }
}

/// The live key set, swapped whole on reload, and when each key was last used.
#[derive(Debug, Default)]
pub struct KeyStore {
    current: RwLock<Arc<KeySet>>,
    last_used: std::sync::Mutex<(std::collections::HashMap<String, OffsetDateTime>, bool)>,
    changed: tokio::sync::Notify,
}

impl KeyStore {
    /// A store holding `set`.
    pub fn new(set: KeySet) -> Self {
        KeyStore {
            current: RwLock::new(Arc::new(set)),
            last_used: Default::default(),
            changed: tokio::sync::Notify::new(),
        }
    }

    /// Resolves after the next [`KeyStore::replace`] (for re-checking open sessions at once).
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    /// The keys in force now.
    pub fn snapshot(&self) -> Arc<KeySet> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the key set.
    pub fn replace(&self, set: KeySet) {
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(set);
        self.changed.notify_waiters();
    }

    /// Notes that key `id` was just used.
    pub fn touch(&self, id: &str) {
        let mut g = self
            .last_used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.0.insert(id.to_owned(), OffsetDateTime::now_utc());
        g.1 = true;
    }

    /// When each key was last used, if anything changed since the last call.
    pub fn take_last_used_if_changed(&self) -> Option<std::collections::BTreeMap<String, String>> {
        let mut g = self
            .last_used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !g.1 {
            return None;
        }
        g.1 = false;
        let fmt = time::format_description::well_known::Rfc3339;
        Some(
            g.0.iter()
                .filter_map(|(k, t)| {
                    t.replace_nanosecond(0)
                        .ok()?
                        .format(&fmt)
                        .ok()
                        .map(|s| (k.clone(), s))
                })
                .collect(),
        )
    }
}

/// The `MCP_API_KEY` hash, if set.
pub fn default_key_hash(key: Option<&SecretString>) -> Option<[u8; 32]> {
    key.map(|k| hash_key(k.expose_secret()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn record(id: &str, key: &str) -> KeyRecord {
        KeyRecord {
            id: id.into(),
            hash: hash_key(key),
            previous_hash: None,
            previous_valid_until: None,
            created: None,
            expires: None,
            write: true,
            enabled: true,
            per_minute: None,
            per_hour: None,
        }
    }

    #[test]
    fn generated_keys_have_the_documented_shape_and_differ() {
        let a = generate_key("cursor-ann").expect("random");
        let b = generate_key("cursor-ann").expect("random");
        assert_ne!(a, b);
        assert!(a.starts_with("mcpk_cursor-ann_"));
        assert_eq!(id_of(&a), Some("cursor-ann"));
        assert_eq!(a.len(), "mcpk_cursor-ann_".len() + SECRET_LEN);
        assert!(
            a["mcpk_cursor-ann_".len()..]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric())
        );
    }

    #[test]
    fn keys_verify_by_hash_and_respect_expiry_revocation_and_scope() {
        let now = OffsetDateTime::now_utc();
        let key = generate_key("ci").expect("random");
        let mut rec = record("ci", &key);
        rec.write = false;
        let set = KeySet {
            records: vec![rec.clone()],
            default_key: Some(hash_key("the-default-key-123")),
            required: true,
        };
        assert_eq!(
            set.verify(&key, now),
            Ok(Verified {
                id: "ci".into(),
                read_only: true,
                per_minute: None,
                per_hour: None
            })
        );
        assert_eq!(
            set.verify("the-default-key-123", now).map(|v| v.id),
            Ok("default".into())
        );
        assert_eq!(set.verify("mcpk_ci_wrong", now), Err(Denied::Unknown));
        assert_eq!(
            set.verify(&generate_key("other").expect("random"), now),
            Err(Denied::Unknown)
        );
        let mut expired = rec.clone();
        expired.expires = Some(now - Duration::seconds(1));
        assert_eq!(
            KeySet {
                records: vec![expired],
                ..KeySet::default()
            }
            .verify(&key, now),
            Err(Denied::Expired)
        );
        let mut revoked = rec;
        revoked.enabled = false;
        assert_eq!(
            KeySet {
                records: vec![revoked],
                ..KeySet::default()
            }
            .verify(&key, now),
            Err(Denied::Revoked)
        );
    }

    #[test]
    fn a_rotated_key_keeps_working_until_the_grace_ends() {
        let now = OffsetDateTime::now_utc();
        let old = generate_key("bot").expect("random");
        let new = generate_key("bot").expect("random");
        let mut rec = record("bot", &new);
        rec.previous_hash = Some(hash_key(&old));
        rec.previous_valid_until = Some(now + Duration::hours(1));
        let set = KeySet {
            records: vec![rec],
            ..KeySet::default()
        };
        assert!(set.verify(&old, now).is_ok());
        assert!(set.verify_hash("bot", &hash_key(&old), now).is_ok());
        assert_eq!(
            set.verify_hash("bot", &hash_key(&old), now + Duration::hours(2)),
            Err(Denied::Unknown),
            "a session opened with the old key is refused once the grace ends"
        );
        assert!(set.verify(&new, now).is_ok());
        assert_eq!(
            set.verify(&old, now + Duration::hours(2)),
            Err(Denied::Unknown)
        );
        assert!(set.verify(&new, now + Duration::hours(2)).is_ok());
    }

    #[test]
    fn hex_round_trips() {
        let h = hash_key("x");
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(from_hex("zz"), None);
    }
}
