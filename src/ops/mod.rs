//! Operations: config backups (bundle, encryption, atomic write, retention), verification,
//! restore and the in-server schedule.
//!
//! Invariants: a backup file gets its final name only when complete; retention deletes only
//! after a successful run and never the newest; a restore verifies the whole backup first
//! and then changes every file or none. All file work here is blocking: callers on the async
//! runtime go through `spawn_blocking`.

pub mod bundle;
pub mod cli;
pub mod crypt;
pub mod job;
pub mod restore;
pub mod schedule;
pub mod store;

use std::path::PathBuf;

pub use job::{Created, create, open};
pub use restore::{Plan, RestoreOptions};

/// An operation failed; the message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// A file to back up could not be read.
    #[error("cannot read {}: {source}; check that it exists and is readable, or remove it from BACKUP_INCLUDE", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The backup could not be written; earlier backups are untouched.
    #[error("cannot write the backup into {}: {source}; check that BACKUP_DIR is writable and has free space (earlier backups are untouched)", dir.display())]
    Write {
        /// `BACKUP_DIR`.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The backup is damaged or not one of ours.
    #[error("backup {file} is corrupt: {reason}; nothing was restored, use another backup")]
    Corrupt {
        /// The backup file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The backup could not be decrypted.
    #[error("cannot decrypt {file}: {reason}; nothing was restored")]
    Decrypt {
        /// The backup file.
        file: String,
        /// Why.
        reason: String,
    },
    /// Another backup run holds the lock.
    #[error("another backup run is in progress in {}; this one was skipped", .0.display())]
    Busy(PathBuf),
    /// A restore would overwrite files that differ from the backup.
    #[error("restore refused: {0}")]
    Refused(String),
    /// A restore failed part-way and was rolled back.
    #[error("restore failed and was rolled back, no file was changed: {0}")]
    RolledBack(String),
    /// Bad arguments or inputs.
    #[error("{0}")]
    Usage(String),
}
