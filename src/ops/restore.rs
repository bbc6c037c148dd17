//! Restore: verify the whole backup, compare it with what is on disk, then change every file
//! or none.
//!
//! Every new file is first staged under a temp name in its destination directory (with its
//! recorded mode, fsync'd) and every file to be replaced is copied to
//! `<file>.pre-restore-<timestamp>`; only then are the staged files renamed into place. A
//! failure before the renames removes the staged files; a failure during them undoes the
//! renames already made. Files that differ from the backup are only replaced with `force`.

use std::io::Write;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use super::bundle::{BundleFile, FileEntry, Manifest};
use super::{OpsError, job, store};

/// How to restore.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// age identity file for encrypted backups.
    pub identity: Option<PathBuf>,
    /// Restore every file as `<target>/<name>` instead of its recorded path.
    pub target: Option<PathBuf>,
    /// `(from, to)` path prefixes: a recorded path under `from` is restored under `to` (a
    /// backup taken inside the container, `/config/.env`, restored on the host as
    /// `/opt/mcp-atlassian/.env`). The first matching prefix wins; `target` wins over all.
    pub map: Vec<(PathBuf, PathBuf)>,
    /// Only show what would change.
    pub dry_run: bool,
    /// Replace files that differ from the backup.
    pub force: bool,
    /// Simulates a failure when renaming the n-th staged file (tests and drills only).
    pub fail_at: Option<usize>,
}

/// What a restore does to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// It does not exist; it will be created.
    Create,
    /// It exists with the same content and mode.
    Unchanged,
    /// It exists and differs; it will be replaced (with `force`).
    Replace,
}

/// One file of a restore plan.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    /// The manifest entry.
    pub entry: FileEntry,
    /// Where it goes.
    pub dest: PathBuf,
    /// What happens to it.
    pub change: Change,
}

/// What a restore would do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The verified backup's manifest.
    pub manifest: Manifest,
    /// Each file.
    pub files: Vec<PlannedFile>,
}

impl Plan {
    /// One line per file: `create|unchanged|replace  PATH (mode, bytes)`.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "backup of {} taken {} by {} {}: {} file(s), all checksums match\n",
            self.manifest.host,
            self.manifest.created,
            self.manifest.tool,
            self.manifest.version,
            self.manifest.files.len()
        );
        for f in &self.files {
            let what = match f.change {
                Change::Create => "create   ",
                Change::Unchanged => "unchanged",
                Change::Replace => "replace  ",
            };
            out.push_str(&format!(
                "  {what} {} (mode {:04o}, {} bytes)\n",
                f.dest.display(),
                f.entry.mode,
                f.entry.size
            ));
        }
        out
    }

    /// Files that exist and differ from the backup.
    pub fn changed(&self) -> Vec<&PlannedFile> {
        self.files
            .iter()
            .filter(|f| f.change == Change::Replace)
            .collect()
    }
}

/// `path` with the first matching prefix of `map` replaced.
fn mapped(path: &Path, map: &[(PathBuf, PathBuf)]) -> PathBuf {
    map.iter()
        .find_map(|(from, to)| path.strip_prefix(from).ok().map(|rest| to.join(rest)))
        .unwrap_or_else(|| path.to_path_buf())
}

/// Parses `FROM=TO` of `restore --map`; both must be absolute.
pub fn parse_map(raw: &str) -> Result<(PathBuf, PathBuf), OpsError> {
    let (from, to) = raw
        .split_once('=')
        .map(|(a, b)| (PathBuf::from(a.trim()), PathBuf::from(b.trim())))
        .filter(|(a, b)| a.is_absolute() && b.is_absolute())
        .ok_or_else(|| {
            OpsError::Usage(format!(
                "--map {raw:?} must be FROM=TO with two absolute paths, e.g. --map /config=/opt/mcp-atlassian"
            ))
        })?;
    Ok((from, to))
}

/// Verifies `backup` and compares it with the destination files.
pub fn plan(backup: &Path, opts: &RestoreOptions) -> Result<(Plan, Vec<BundleFile>), OpsError> {
    let (manifest, files) = job::open(backup, opts.identity.as_deref())?;
    let mut planned = Vec::new();
    for f in &files {
        let dest = match &opts.target {
            Some(dir) => dir.join(&f.entry.name),
            None => mapped(&f.entry.path, &opts.map),
        };
        let change = match std::fs::symlink_metadata(&dest) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Change::Create,
            Err(e) => {
                return Err(OpsError::Usage(format!(
                    "cannot inspect {}: {e}",
                    dest.display()
                )));
            }
            Ok(meta) if !meta.is_file() => {
                return Err(OpsError::Refused(format!(
                    "{} exists and is not a regular file; move it away first",
                    dest.display()
                )));
            }
            Ok(meta) => {
                let same = std::fs::read(&dest)
                    .map_err(|e| OpsError::Usage(format!("cannot read {}: {e}", dest.display())))?
                    == f.data
                    && mode_of(&meta) == f.entry.mode;
                if same {
                    Change::Unchanged
                } else {
                    Change::Replace
                }
            }
        };
        planned.push(PlannedFile {
            entry: f.entry.clone(),
            dest,
            change,
        });
    }
    Ok((
        Plan {
            manifest,
            files: planned,
        },
        files,
    ))
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_meta: &std::fs::Metadata) -> u32 {
    0o600
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The plan it followed.
    pub plan: Plan,
    /// Files written.
    pub written: Vec<PathBuf>,
    /// Copies of the replaced files.
    pub kept: Vec<PathBuf>,
}

struct Staged {
    tmp: PathBuf,
    dest: PathBuf,
    /// The pre-restore copy of the file it replaces, if any.
    kept: Option<PathBuf>,
}

/// Verifies, plans and (unless `dry_run`) restores. Returns the plan either way.
pub fn restore(
    backup: &Path,
    opts: &RestoreOptions,
    now: OffsetDateTime,
) -> Result<Restored, OpsError> {
    let (plan, files) = plan(backup, opts)?;
    if opts.dry_run {
        return Ok(Restored {
            plan,
            written: Vec::new(),
            kept: Vec::new(),
        });
    }
    let changed = plan.changed();
    if !changed.is_empty() && !opts.force {
        let names: Vec<String> = changed
            .iter()
            .map(|f| f.dest.display().to_string())
            .collect();
        return Err(OpsError::Refused(format!(
            "{} differ(s) from the backup; check with --dry-run, then add --force to replace (the current files are kept as *.pre-restore-<timestamp>)",
            names.join(", ")
        )));
    }
    let suffix = format!(".pre-restore-{}", store::stamp(now));
    let mut staged: Vec<Staged> = Vec::new();
    let todo = plan
        .files
        .iter()
        .zip(&files)
        .filter(|(p, _)| p.change != Change::Unchanged);
    for (p, f) in todo {
        match stage(p, f, &suffix) {
            Ok(s) => staged.push(s),
            Err(e) => {
                discard(&staged);
                return Err(OpsError::RolledBack(format!(
                    "cannot stage {}: {e}",
                    p.dest.display()
                )));
            }
        }
    }
    for i in 0..staged.len() {
        let result = if opts.fail_at == Some(i) {
            Err(std::io::Error::other("simulated failure"))
        } else {
            std::fs::rename(&staged[i].tmp, &staged[i].dest)
        };
        if let Err(e) = result {
            undo(&staged[..i]);
            discard(&staged[i..]);
            return Err(OpsError::RolledBack(format!(
                "cannot move {} into place: {e}",
                staged[i].dest.display()
            )));
        }
    }
    for s in &staged {
        if let Some(parent) = s.dest.parent() {
            let _ = store::sync_dir(parent);
        }
    }
    Ok(Restored {
        written: staged.iter().map(|s| s.dest.clone()).collect(),
        kept: staged.iter().filter_map(|s| s.kept.clone()).collect(),
        plan,
    })
}

fn stage(p: &PlannedFile, f: &BundleFile, suffix: &str) -> std::io::Result<Staged> {
    let parent = p
        .dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(
        ".{}.restore-{}",
        f.entry.name,
        uuid::Uuid::new_v4().simple()
    ));
    let written = (|| {
        let mut file = store::create_new(&tmp, f.entry.mode)?;
        file.write_all(&f.data)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let mut kept = None;
    if p.change == Change::Replace {
        let mut copy = p.dest.clone().into_os_string();
        copy.push(suffix);
        let copy = PathBuf::from(copy);
        // std::fs::copy keeps the permission bits, so a 0600 secret stays 0600.
        if let Err(e) =
            std::fs::copy(&p.dest, &copy).and_then(|_| std::fs::File::open(&copy)?.sync_all())
        {
            let _ = std::fs::remove_file(&tmp);
            let _ = std::fs::remove_file(&copy);
            return Err(e);
        }
        kept = Some(copy);
    }
    Ok(Staged {
        tmp,
        dest: p.dest.clone(),
        kept,
    })
}

/// Removes staged files and pre-restore copies that were never used.
fn discard(staged: &[Staged]) {
    for s in staged {
        let _ = std::fs::remove_file(&s.tmp);
        if let Some(k) = &s.kept {
            let _ = std::fs::remove_file(k);
        }
    }
}

/// Puts back what the renames replaced: the kept copy over a replaced file, nothing where
/// the file was new.
fn undo(done: &[Staged]) {
    for s in done.iter().rev() {
        let restored = match &s.kept {
            Some(k) => std::fs::rename(k, &s.dest),
            None => std::fs::remove_file(&s.dest),
        };
        if let Err(e) = restored {
            tracing::error!(path = %s.dest.display(), error = %e, "cannot undo a partial restore of this file; fix it by hand");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_container_path_is_restored_under_the_mapped_host_directory() {
        let map = vec![
            parse_map("/config=/opt/mcp").expect("valid"),
            parse_map("/data=/opt/mcp/data").expect("valid"),
        ];
        assert_eq!(
            mapped(Path::new("/config/.env"), &map),
            PathBuf::from("/opt/mcp/.env")
        );
        assert_eq!(
            mapped(Path::new("/data/keys/keys.toml"), &map),
            PathBuf::from("/opt/mcp/data/keys/keys.toml")
        );
        // Prefixes match whole components only, and unmapped paths stay as recorded.
        assert_eq!(
            mapped(Path::new("/configs/x"), &map),
            PathBuf::from("/configs/x")
        );
    }

    #[test]
    fn a_map_needs_two_absolute_paths() {
        for bad in ["/a", "a=/b", "/a=b", "=/b"] {
            let err = parse_map(bad).expect_err(bad).to_string();
            assert!(err.contains("FROM=TO"), "{bad}: {err}");
        }
    }
}
