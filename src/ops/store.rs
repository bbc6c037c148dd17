//! The backup directory: file names, atomic writes, listing and retention.
//!
//! A backup gets its final name only after its bytes are on disk (temp name in the same
//! directory, fsync, rename, fsync of the directory), so a crash or a full disk never leaves
//! a partial file under a final name. Retention runs only after a successful write and only
//! ever deletes files whose names this module gave them.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::macros::format_description;

/// File-name prefix of every backup.
pub const PREFIX: &str = "mcp-atlassian-config-";
/// Suffix of a plaintext backup.
pub const PLAIN: &str = ".tar.gz";
/// Suffix of an encrypted backup.
pub const ENCRYPTED: &str = ".tar.gz.age";

/// A backup file in the backup directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBackup {
    /// Full path.
    pub path: PathBuf,
    /// The UTC timestamp in its name (`20261124T020000Z`) and its same-second counter.
    pub stamp: (String, u32),
    /// Whether it is age-encrypted.
    pub encrypted: bool,
    /// Size in bytes.
    pub size: u64,
}

/// `20261124T020000Z`.
pub fn stamp(now: OffsetDateTime) -> String {
    let utc = now.to_offset(time::UtcOffset::UTC);
    utc.format(format_description!(
        "[year][month][day]T[hour][minute][second]Z"
    ))
    .unwrap_or_else(|_| "00000000T000000Z".into())
}

/// Parses a backup file name into (stamp, counter, encrypted); `None` for any other file.
pub fn parse_name(name: &str) -> Option<(String, u32, bool)> {
    let rest = name.strip_prefix(PREFIX)?;
    let (body, encrypted) = match rest.strip_suffix(ENCRYPTED) {
        Some(b) => (b, true),
        None => (rest.strip_suffix(PLAIN)?, false),
    };
    let (stamp, counter) = match body.split_once('-') {
        Some((s, n)) => (s, n.parse::<u32>().ok().filter(|n| *n >= 2)?),
        None => (body, 1),
    };
    let shape = stamp.len() == 16
        && stamp.as_bytes()[8] == b'T'
        && stamp.ends_with('Z')
        && stamp[..8].bytes().all(|b| b.is_ascii_digit())
        && stamp[9..15].bytes().all(|b| b.is_ascii_digit());
    shape.then(|| (stamp.to_owned(), counter, encrypted))
}

/// Every backup in `dir`, newest first. A missing directory has none.
pub fn list(dir: &Path) -> std::io::Result<Vec<StoredBackup>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((stamp, counter, encrypted)) = parse_name(&name) else {
            continue;
        };
        let meta = entry.metadata()?;
        if !meta.is_file() {
            continue;
        }
        out.push(StoredBackup {
            path: entry.path(),
            stamp: (stamp, counter),
            encrypted,
            size: meta.len(),
        });
    }
    out.sort_by(|a, b| b.stamp.cmp(&a.stamp));
    Ok(out)
}

/// The final name for a backup made at `now`, unused in `dir`.
pub fn next_name(dir: &Path, now: OffsetDateTime, encrypted: bool) -> String {
    let suffix = if encrypted { ENCRYPTED } else { PLAIN };
    let base = stamp(now);
    let taken = |name: &str| {
        // Either flavour with this stamp counts, so the two never share a timestamp.
        let other = if encrypted { PLAIN } else { ENCRYPTED };
        let stem = name.strip_suffix(suffix).unwrap_or(name);
        dir.join(name).exists() || dir.join(format!("{stem}{other}")).exists()
    };
    let mut name = format!("{PREFIX}{base}{suffix}");
    let mut n = 2;
    while taken(&name) {
        name = format!("{PREFIX}{base}-{n}{suffix}");
        n += 1;
    }
    name
}

/// Writes `data` to `dir/name` atomically with `mode`: a temp file in the same directory,
/// fsync, rename, fsync of the directory. On error the temp file is removed and nothing has
/// the final name. `fail_after` simulates a full disk after that many bytes (tests, drills).
pub fn write_atomic(
    dir: &Path,
    name: &str,
    data: &[u8],
    mode: u32,
    fail_after: Option<usize>,
) -> std::io::Result<PathBuf> {
    let target = dir.join(name);
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = (|| {
        let mut file = create_new(&tmp, mode)?;
        match fail_after {
            Some(n) if n < data.len() => {
                file.write_all(&data[..n])?;
                return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
            }
            _ => file.write_all(data)?,
        }
        file.sync_all()?;
        drop(file);
        if target.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists already", target.display()),
            ));
        }
        std::fs::rename(&tmp, &target)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| target)
}

/// Creates a new file with `mode` from the start (never briefly world-readable).
pub fn create_new(path: &Path, mode: u32) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    let file = opts.open(path)?;
    // The umask may have cleared bits of `mode`; set exactly what was asked.
    set_mode(path, mode)?;
    Ok(file)
}

/// Sets the permission bits of `path`.
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// fsyncs a directory so a rename in it survives a crash.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Removes temp files a crashed run left behind (`.mcp-atlassian-config-….tmp-…`). Call
/// only while holding the backup lock: then no live run owns one.
pub fn remove_stale_temps(dir: &Path) -> std::io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with(&format!(".{PREFIX}")) && name.contains(".tmp-") {
            std::fs::remove_file(dir.join(&name))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Deletes all but the newest `keep` backups and returns the deleted paths. `just_written`
/// is never deleted (even if a clock set back made it look old), so at least one good
/// backup always remains. Call only after that backup was written successfully.
pub fn prune(dir: &Path, keep: usize, just_written: &Path) -> std::io::Result<Vec<PathBuf>> {
    let others = keep.max(1) - 1;
    let mut deleted = Vec::new();
    let older = list(dir)?.into_iter().filter(|b| b.path != just_written);
    for old in older.skip(others) {
        std::fs::remove_file(&old.path)?;
        deleted.push(old.path);
    }
    if !deleted.is_empty() {
        sync_dir(dir)?;
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_this_module_gives_are_recognised() {
        assert_eq!(
            parse_name("mcp-atlassian-config-20261124T020000Z.tar.gz"),
            Some(("20261124T020000Z".into(), 1, false))
        );
        assert_eq!(
            parse_name("mcp-atlassian-config-20261124T020000Z-3.tar.gz.age"),
            Some(("20261124T020000Z".into(), 3, true))
        );
        for other in [
            "mcp-atlassian-config-20261124T020000Z.tar",
            ".mcp-atlassian-config-20261124T020000Z.tar.gz.tmp-1-x",
            "mcp-atlassian-config-latest.tar.gz",
            "mcp-atlassian-config-20261124T020000Z-1.tar.gz",
            "notes.txt",
        ] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[test]
    fn a_second_backup_in_the_same_second_gets_a_counter_and_sorts_newer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = time::macros::datetime!(2026-11-24 02:00:00 UTC);
        let first = next_name(dir.path(), now, false);
        write_atomic(dir.path(), &first, b"1", 0o600, None).expect("write");
        let second = next_name(dir.path(), now, true);
        assert_eq!(second, "mcp-atlassian-config-20261124T020000Z-2.tar.gz.age");
        write_atomic(dir.path(), &second, b"2", 0o600, None).expect("write");
        let listed = list(dir.path()).expect("list");
        assert_eq!(listed[0].path.file_name().expect("name"), second.as_str());
    }

    #[test]
    fn a_failed_atomic_write_leaves_no_file_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = write_atomic(dir.path(), "x.tar.gz", b"0123456789", 0o600, Some(4))
            .expect_err("simulated full disk");
        assert_eq!(err.raw_os_error(), Some(28));
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }
}
