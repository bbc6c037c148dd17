//! `mcp-atlassian keys …`: create, list, revoke and rotate API keys in the keys file. Runs
//! outside the server (plain blocking file I/O); a running server picks the change up by
//! itself. A new key is printed once and never stored.

use std::path::Path;
use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::keyfile::{self, KeyFileError};
use super::keys::{KeyRecord, RandomError, generate_key, hash_key, valid_id};

/// A keys command failed; the message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// File problem.
    #[error(transparent)]
    File(#[from] KeyFileError),
    /// No random source.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// Bad id, duration or state.
    #[error("{0}")]
    Usage(String),
}

/// Parses `90d`, `24h`, `30m`, `45s` (or a bare number of seconds).
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let (num, unit) = raw.split_at(raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len()));
    let n: u64 = num.parse().ok()?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

fn fmt(t: Option<OffsetDateTime>) -> String {
    t.and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "-".into())
}

/// Adds a key; returns the key (to print once).
pub fn create(
    path: &Path,
    id: &str,
    write: bool,
    expires_in: Option<Duration>,
    now: OffsetDateTime,
) -> Result<String, KeysError> {
    if !valid_id(id) {
        return Err(KeysError::Usage(format!(
            "--id {id:?} must be 1-32 lower-case letters, digits or -"
        )));
    }
    let mut records = keyfile::load(path)?;
    if records.iter().any(|r| r.id == id) {
        return Err(KeysError::Usage(format!(
            "a key with id {id} exists; use keys rotate {id}, or pick another id"
        )));
    }
    let key = generate_key(id)?;
    records.push(KeyRecord {
        id: id.to_owned(),
        hash: hash_key(&key),
        previous_hash: None,
        previous_valid_until: None,
        created: Some(now.replace_nanosecond(0).unwrap_or(now)),
        expires: expires_in.map(|d| now + d),
        write,
        enabled: true,
        per_minute: None,
        per_hour: None,
    });
    keyfile::save(path, &records)?;
    Ok(key)
}

/// One line per key: id, scopes, state, created, expires, last used — never keys or hashes.
pub fn list(path: &Path, now: OffsetDateTime) -> Result<String, KeysError> {
    let records = keyfile::load(path)?;
    let last_used = keyfile::load_last_used(path);
    let mut out = format!(
        "{:<32} {:<11} {:<8} {:<21} {:<21} {:<21}\n",
        "ID", "SCOPES", "STATE", "CREATED", "EXPIRES", "LAST USED"
    );
    for r in &records {
        let state = if !r.enabled {
            "revoked"
        } else if r.expires.is_some_and(|e| now >= e) {
            "expired"
        } else if r.previous_valid_until.is_some_and(|u| now < u) {
            "rotating"
        } else {
            "active"
        };
        let scopes = if r.write { "read,write" } else { "read" };
        let used = last_used.get(&r.id).map(String::as_str).unwrap_or("-");
        out.push_str(&format!(
            "{:<32} {:<11} {:<8} {:<21} {:<21} {:<21}\n",
            r.id,
            scopes,
            state,
            fmt(r.created),
            fmt(r.expires),
            used
        ));
    }
    Ok(out)
}

/// Disables a key at once.
pub fn revoke(path: &Path, id: &str) -> Result<(), KeysError> {
    let mut records = keyfile::load(path)?;
    let rec = records
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| KeysError::Usage(format!("no key has id {id}; see keys list")))?;
    rec.enabled = false;
    rec.previous_hash = None;
    rec.previous_valid_until = None;
    keyfile::save(path, &records)?;
    Ok(())
}

/// Issues a new key for `id`; the old one keeps working for `grace`. Returns the new key.
pub fn rotate(
    path: &Path,
    id: &str,
    grace: Duration,
    now: OffsetDateTime,
) -> Result<String, KeysError> {
    let mut records = keyfile::load(path)?;
    let rec = records
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| KeysError::Usage(format!("no key has id {id}; see keys list")))?;
    if !rec.enabled {
        return Err(KeysError::Usage(format!(
            "key {id} is revoked; create a new key instead"
        )));
    }
    let key = generate_key(id)?;
    rec.previous_hash = (!grace.is_zero()).then_some(rec.hash);
    rec.previous_valid_until = (!grace.is_zero()).then(|| now + grace);
    rec.hash = hash_key(&key);
    rec.created = Some(now.replace_nanosecond(0).unwrap_or(now));
    keyfile::save(path, &records)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::keys::KeySet;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(
            parse_duration("90d"),
            Some(Duration::from_secs(90 * 86_400))
        );
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("15"), Some(Duration::from_secs(15)));
        assert_eq!(parse_duration("3w"), None);
    }

    #[test]
    fn create_list_rotate_revoke_work_on_a_real_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys.toml");
        let now = OffsetDateTime::now_utc();
        let key =
            create(&path, "cursor", true, Some(Duration::from_secs(3600)), now).expect("created");
        assert!(
            create(&path, "cursor", true, None, now).is_err(),
            "ids are unique"
        );
        let text = std::fs::read_to_string(&path).expect("file");
        assert!(!text.contains(&key), "the key itself is never stored");
        let set = KeySet {
            records: keyfile::load(&path).expect("load"),
            ..KeySet::default()
        };
        assert!(set.verify(&key, now).is_ok());
        let listing = list(&path, now).expect("list");
        assert!(
            listing.contains("cursor") && listing.contains("active") && !listing.contains(&key)
        );

        let new = rotate(&path, "cursor", Duration::from_secs(60), now).expect("rotated");
        let set = KeySet {
            records: keyfile::load(&path).expect("load"),
            ..KeySet::default()
        };
        assert!(
            set.verify(&key, now).is_ok(),
            "old key works during the grace"
        );
        assert!(set.verify(&new, now).is_ok());
        assert!(
            set.verify(&key, now + time::Duration::seconds(61)).is_err(),
            "old key stops after it"
        );
        assert!(list(&path, now).expect("list").contains("rotating"));

        revoke(&path, "cursor").expect("revoked");
        let set = KeySet {
            records: keyfile::load(&path).expect("load"),
            ..KeySet::default()
        };
        assert!(set.verify(&new, now).is_err());
        assert!(list(&path, now).expect("list").contains("revoked"));
        assert!(revoke(&path, "nobody").is_err());
    }
}
