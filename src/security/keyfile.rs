//! The API keys file (`MCP_API_KEYS_FILE`): TOML, one `[[keys]]` table per key, hashes only.
//! Writes are atomic (temp file, fsync, rename, fsync the directory; mode 0600), so a crash
//! leaves either the old file or the new one. A file that does not parse is an error that
//! names the problem; the caller keeps the keys it had.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::keys::{KeyRecord, from_hex, to_hex, valid_id};

/// The file could not be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// I/O.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Not valid TOML or not the documented shape.
    #[error("{path}: {reason}")]
    Invalid {
        /// File.
        path: PathBuf,
        /// What is wrong and where.
        reason: String,
    },
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRepr {
    /// `None` when the file does not mention `keys` at all (blank, or comments only).
    #[serde(default)]
    keys: Option<Vec<KeyRepr>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyRepr {
    id: String,
    hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous_valid_until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    #[serde(default = "default_scopes")]
    scopes: Vec<String>,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rate_limit_per_minute: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rate_limit_per_hour: Option<u32>,
}

fn default_scopes() -> Vec<String> {
    vec!["read".into(), "write".into()]
}

fn yes() -> bool {
    true
}

fn parse_time(
    field: &str,
    id: &str,
    raw: Option<&String>,
) -> Result<Option<OffsetDateTime>, String> {
    raw.map(|r| {
        OffsetDateTime::parse(r, &Rfc3339).map_err(|_| {
            format!("key {id}: {field} {r:?} is not an RFC 3339 time such as 2027-01-31T00:00:00Z")
        })
    })
    .transpose()
}

fn parse_hash(field: &str, id: &str, raw: &str) -> Result<[u8; 32], String> {
    raw.strip_prefix("sha256:")
        .and_then(from_hex)
        .ok_or_else(|| format!("key {id}: {field} must be sha256:<64 hex digits>"))
}

fn format_time(t: Option<OffsetDateTime>) -> Option<String> {
    t.and_then(|t| t.format(&Rfc3339).ok())
}

/// Parses the file's text; a file that does not mention `keys` is an empty list.
pub fn parse(text: &str) -> Result<Vec<KeyRecord>, String> {
    parse_declared(text).map(|(records, _)| records)
}

/// Parses the file's text; the flag says whether it declares its keys at all (`[[keys]]`
/// tables or `keys = []`), as opposed to being blank or only comments.
fn parse_declared(text: &str) -> Result<(Vec<KeyRecord>, bool), String> {
    let repr: FileRepr = toml::from_str(text).map_err(|e| e.to_string().trim().to_owned())?;
    let declared = repr.keys.is_some();
    let mut out: Vec<KeyRecord> = Vec::new();
    for k in repr.keys.unwrap_or_default() {
        if !valid_id(&k.id) {
            return Err(format!(
                "key id {:?} must be 1-32 lower-case letters, digits or -",
                k.id
            ));
        }
        if out.iter().any(|r| r.id == k.id) {
            return Err(format!("key id {} appears twice; ids must be unique", k.id));
        }
        let mut write = false;
        for s in &k.scopes {
            match s.as_str() {
                "read" => {}
                "write" => write = true,
                other => {
                    return Err(format!(
                        "key {}: scope {other:?} is not read or write",
                        k.id
                    ));
                }
            }
        }
        out.push(KeyRecord {
            hash: parse_hash("hash", &k.id, &k.hash)?,
            previous_hash: k
                .previous_hash
                .as_deref()
                .map(|h| parse_hash("previous_hash", &k.id, h))
                .transpose()?,
            previous_valid_until: parse_time(
                "previous_valid_until",
                &k.id,
                k.previous_valid_until.as_ref(),
            )?,
            created: parse_time("created", &k.id, k.created.as_ref())?,
            expires: parse_time("expires", &k.id, k.expires.as_ref())?,
            write,
            enabled: k.enabled,
            per_minute: k.rate_limit_per_minute,
            per_hour: k.rate_limit_per_hour,
            id: k.id,
        });
    }
    Ok((out, declared))
}

/// Renders records as the file's text.
pub fn render(records: &[KeyRecord]) -> Result<String, String> {
    let repr = FileRepr {
        keys: Some(
            records
                .iter()
                .map(|r| KeyRepr {
                    id: r.id.clone(),
                    hash: format!("sha256:{}", to_hex(&r.hash)),
                    previous_hash: r.previous_hash.map(|h| format!("sha256:{}", to_hex(&h))),
                    previous_valid_until: format_time(r.previous_valid_until),
                    created: format_time(r.created),
                    expires: format_time(r.expires),
                    scopes: if r.write {
                        default_scopes()
                    } else {
                        vec!["read".into()]
                    },
                    enabled: r.enabled,
                    rate_limit_per_minute: r.per_minute,
                    rate_limit_per_hour: r.per_hour,
                })
                .collect(),
        ),
    };
    let body = toml::to_string(&repr).map_err(|e| e.to_string())?;
    Ok(format!(
        "# mcp-atlassian API keys: SHA-256 hashes only. Manage with `mcp-atlassian keys`.\n{body}"
    ))
}

/// What the server reads: the file must exist and declare its keys. A missing, blank or
/// comment-only file is an error (a configured key source never degrades to "no keys", which
/// would mean anonymous access); `keys = []` is an intentionally empty list.
pub fn load_required(path: &Path) -> Result<Vec<KeyRecord>, KeyFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    })?;
    let invalid = |reason: String| KeyFileError::Invalid {
        path: path.to_owned(),
        reason,
    };
    match parse_declared(&text).map_err(invalid)? {
        (records, true) => Ok(records),
        (_, false) => Err(invalid(
            "declares no keys (the file is blank or only comments); add one with mcp-atlassian keys create --id NAME, or write keys = [] to refuse every request".into(),
        )),
    }
}

/// Reads and parses the file for the `keys` commands; a missing file is an empty key list
/// (the first `keys create` makes it).
pub fn load(path: &Path) -> Result<Vec<KeyRecord>, KeyFileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text).map_err(|reason| KeyFileError::Invalid {
            path: path.to_owned(),
            reason,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(KeyFileError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Writes the records atomically with mode 0600.
pub fn save(path: &Path, records: &[KeyRecord]) -> Result<(), KeyFileError> {
    let text = render(records).map_err(|reason| KeyFileError::Invalid {
        path: path.to_owned(),
        reason,
    })?;
    write_atomic(path, &text)
}

/// The file beside the keys file where the server notes when each key was last used.
pub fn last_used_path(keys_file: &Path) -> PathBuf {
    let mut name = keys_file
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".last-used.json");
    keys_file.with_file_name(name)
}

/// Key id → RFC 3339 time of last use, as the server last saved it (empty when none).
pub fn load_last_used(keys_file: &Path) -> std::collections::BTreeMap<String, String> {
    std::fs::read_to_string(last_used_path(keys_file))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Saves the last-use times atomically.
pub fn save_last_used(
    keys_file: &Path,
    map: &std::collections::BTreeMap<String, String>,
) -> Result<(), KeyFileError> {
    let path = last_used_path(keys_file);
    let text = serde_json::to_string_pretty(map).map_err(|e| KeyFileError::Invalid {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    write_atomic(&path, &text)
}

/// Temp file, fsync, rename, fsync the directory; mode 0600.
fn write_atomic(path: &Path, text: &str) -> Result<(), KeyFileError> {
    let io = |source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("keys"),
        std::process::id()
    ));
    let result = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::keys::hash_key;

    fn rec(id: &str) -> KeyRecord {
        KeyRecord {
            id: id.into(),
            hash: hash_key(id),
            previous_hash: None,
            previous_valid_until: None,
            created: Some(OffsetDateTime::UNIX_EPOCH),
            expires: None,
            write: id != "reader",
            enabled: true,
            per_minute: (id == "reader").then_some(5),
            per_hour: None,
        }
    }

    #[test]
    fn a_saved_file_loads_back_identically_with_mode_0600() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys.toml");
        let records = vec![rec("alice"), rec("reader")];
        save(&path, &records).expect("saved");
        assert_eq!(load(&path).expect("loaded"), records);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
            .collect();
        assert!(leftovers.is_empty(), "no temp file left behind");
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let dup = "[[keys]]\nid='a'\nhash='sha256:".to_owned()
            + &"0".repeat(64)
            + "'\n[[keys]]\nid='a'\nhash='sha256:"
            + &"1".repeat(64)
            + "'\n";
        assert!(
            parse(&dup)
                .expect_err("duplicate")
                .contains("appears twice")
        );
        assert!(
            parse("[[keys]]\nid='a'\nhash='md5:x'\n")
                .expect_err("bad hash")
                .contains("sha256:<64 hex digits>")
        );
        assert!(
            parse("[[keys]]\nid='A B'\nhash='x'\n")
                .expect_err("bad id")
                .contains("lower-case")
        );
        assert!(parse("keys = 3").is_err());
        let ok = format!(
            "[[keys]]\nid='a'\nhash='sha256:{}'\nscopes=['read']\n",
            "a".repeat(64)
        );
        assert_eq!(
            parse(&ok).expect("valid").first().map(|r| r.write),
            Some(false)
        );
    }

    #[test]
    fn a_missing_file_is_an_empty_key_list_for_the_keys_commands() {
        assert!(
            load(Path::new("/nonexistent/keys.toml"))
                .expect("ok")
                .is_empty()
        );
    }

    #[test]
    fn the_server_refuses_a_missing_blank_or_undeclared_file_but_takes_keys_equals_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys.toml");
        assert!(matches!(load_required(&path), Err(KeyFileError::Io { .. })));
        for text in ["", "  \n", "# only a comment\n"] {
            std::fs::write(&path, text).expect("write");
            let err = load_required(&path).expect_err("not declared").to_string();
            assert!(err.contains("keys = []"), "{err}");
        }
        save(&path, &[]).expect("saved");
        assert!(load_required(&path).expect("declared empty").is_empty());
        save(&path, &[rec("alice")]).expect("saved");
        assert_eq!(load_required(&path).expect("one key").len(), 1);
    }
}
