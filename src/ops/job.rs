//! One backup run (the same code for the schedule and `backup create`), and opening a backup
//! for verification or restore. A run counts as a success only once it is verified: the
//! bundle reads back with every checksum, and the file on disk holds exactly what was written.

use std::io::Read;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::bundle::{self, BundleFile, Manifest};
use super::{OpsError, crypt, store};
use crate::config::BackupConfig;
use crate::telemetry::metrics;

/// Name of the lock file that keeps two runs (server and CLI) from overlapping.
pub const LOCK_FILE: &str = ".mcp-atlassian-backup.lock";
/// Attempts at the lock, 25 ms apart, before a run is skipped as overlapping.
const LOCK_TRIES: u32 = 20;

/// A backup that was written.
#[derive(Debug, Clone)]
pub struct Created {
    /// The new file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// How many config files it holds.
    pub files: usize,
    /// Whether it is encrypted.
    pub encrypted: bool,
    /// Older backups deleted by retention.
    pub deleted: Vec<PathBuf>,
}

/// Runs one backup at `now`: logs the outcome, records the metrics, returns the new file.
/// `fail_after` simulates a full disk after that many bytes (tests and drills only).
pub fn create(
    cfg: &BackupConfig,
    now: OffsetDateTime,
    fail_after: Option<usize>,
) -> Result<Created, OpsError> {
    let result = create_locked(cfg, now, fail_after);
    match &result {
        Ok(c) => {
            metrics::record_backup_success(c.size, now.unix_timestamp());
            if !c.encrypted {
                tracing::warn!(
                    path = %c.path.display(),
                    "the backup holds plaintext secrets: set BACKUP_ENCRYPTION_RECIPIENTS to an age public key (mcp-atlassian backup keygen)"
                );
            }
            tracing::info!(
                path = %c.path.display(),
                size_bytes = c.size,
                files = c.files,
                encrypted = c.encrypted,
                deleted = c.deleted.len(),
                verified = true,
                "config backup written"
            );
        }
        Err(e) => {
            metrics::record_backup_failure();
            tracing::error!(error = %e, dir = %cfg.dir.display(), "config backup failed");
        }
    }
    result
}

fn create_locked(
    cfg: &BackupConfig,
    now: OffsetDateTime,
    fail_after: Option<usize>,
) -> Result<Created, OpsError> {
    let write_err = |source| OpsError::Write {
        dir: cfg.dir.clone(),
        source,
    };
    let sources = cfg.sources();
    if sources.is_empty() {
        return Err(OpsError::Usage(
            "nothing to back up: no env file was loaded, MCP_API_KEYS_FILE and BACKUP_INCLUDE are unset".into(),
        ));
    }
    // Read everything first: a missing file fails the run before the directory is touched.
    let files = bundle::collect(&sources)?;
    if !cfg.dir.is_dir() {
        std::fs::create_dir_all(&cfg.dir).map_err(write_err)?;
        // Only the server's user needs to see the backups.
        store::set_mode(&cfg.dir, 0o700).map_err(write_err)?;
    }
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(cfg.dir.join(LOCK_FILE))
        .map_err(write_err)?;
    // An OS lock, so a crashed run never leaves the directory locked. A few short retries:
    // a process forked elsewhere in this program holds a copy of a just-released lock until
    // it execs, and that must not cost a backup.
    let mut tries = 0;
    while lock.try_lock().is_err() {
        tries += 1;
        if tries >= LOCK_TRIES {
            return Err(OpsError::Busy(cfg.dir.clone()));
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let stale = store::remove_stale_temps(&cfg.dir).map_err(write_err)?;
    if stale > 0 {
        tracing::info!(
            count = stale,
            "removed temp files left by an interrupted backup run"
        );
    }
    let manifest = Manifest {
        format: bundle::FORMAT,
        tool: env!("CARGO_PKG_NAME").into(),
        version: env!("CARGO_PKG_VERSION").into(),
        host: host_name(),
        created: now
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(now)
            .format(&Rfc3339)
            .unwrap_or_default(),
        files: files.iter().map(|f| f.entry.clone()).collect(),
    };
    let plain = bundle::write(&manifest, &files).map_err(write_err)?;
    // The bundle must read back with every checksum before it is encrypted and kept.
    if let Err(e) = bundle::read(&plain, "the new backup") {
        return Err(OpsError::Usage(format!(
            "the new backup does not verify, so nothing was written ({e}); earlier backups are untouched"
        )));
    }
    let encrypted = !cfg.recipients.is_empty();
    let data = if encrypted {
        crypt::encrypt(&plain, &cfg.recipients)?
    } else {
        plain
    };
    let name = store::next_name(&cfg.dir, now, encrypted);
    let path = store::write_atomic(&cfg.dir, &name, &data, 0o600, fail_after).map_err(write_err)?;
    // Read back what reached the disk; a backup that differs is removed, not kept as good.
    if std::fs::read(&path).map_err(write_err)? != data {
        let _ = std::fs::remove_file(&path);
        return Err(write_err(std::io::Error::other(
            "the file read back differs from what was written, so it was removed (failing disk?)",
        )));
    }
    // Retention only after the new backup is complete, which also makes it the newest kept.
    let deleted = store::prune(&cfg.dir, cfg.retention_count, &path).map_err(write_err)?;
    drop(lock);
    Ok(Created {
        path,
        size: data.len() as u64,
        files: files.len(),
        encrypted,
        deleted,
    })
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// Reads, decrypts (when `.age`) and checks a backup. Encrypted backups need `identity`.
pub fn open(path: &Path, identity: Option<&Path>) -> Result<(Manifest, Vec<BundleFile>), OpsError> {
    let label = path.display().to_string();
    let mut raw = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut raw))
        .map_err(|e| OpsError::Usage(format!("cannot read backup {label}: {e}")))?;
    let encrypted = raw.starts_with(b"age-encryption.org/");
    let plain = if encrypted {
        let Some(identity) = identity else {
            return Err(OpsError::Usage(format!(
                "{label} is encrypted: pass --identity FILE (the age identity matching BACKUP_ENCRYPTION_RECIPIENTS)"
            )));
        };
        let ids = crypt::load_identities(identity)?;
        crypt::decrypt(&raw, &ids, &label)?
    } else if path.to_string_lossy().ends_with(store::ENCRYPTED) {
        return Err(OpsError::Corrupt {
            file: label,
            reason: "its name says age-encrypted but it has no age header".into(),
        });
    } else {
        raw
    };
    bundle::read(&plain, &label)
}
