//! The text behind `mcp-atlassian backup …` and `restore`: each command returns what to
//! print, or the error to print; `main` only maps that to an exit code.

use std::path::Path;

use time::OffsetDateTime;

use super::restore::{Change, RestoreOptions};
use super::{OpsError, job, restore, store};
use crate::config::BackupConfig;

/// `backup create`.
pub fn create(cfg: &BackupConfig, now: OffsetDateTime) -> Result<String, OpsError> {
    let c = job::create(cfg, now, None)?;
    let mut out = format!(
        "{}\t{} bytes\t{} file(s)\t{}\n",
        c.path.display(),
        c.size,
        c.files,
        if c.encrypted {
            "encrypted"
        } else {
            "PLAINTEXT: holds secrets unencrypted, set BACKUP_ENCRYPTION_RECIPIENTS"
        }
    );
    for d in &c.deleted {
        out.push_str(&format!("# retention deleted {}\n", d.display()));
    }
    Ok(out)
}

/// A short age such as `3d 4h`, `2h 5m`, `42s`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// `backup list`: newest first, with size, age and whether each verifies. Fails (after
/// listing all) when any backup that could be checked does not verify.
pub fn list(dir: &Path, identity: Option<&Path>, now: OffsetDateTime) -> Result<String, OpsError> {
    let backups = store::list(dir)
        .map_err(|e| OpsError::Usage(format!("cannot list {}: {e}", dir.display())))?;
    if backups.is_empty() {
        return Ok(format!("# no backups in {}\n", dir.display()));
    }
    let mut out = String::from("# name\tbytes\tage\tstatus\n");
    let mut bad = 0;
    for b in &backups {
        let taken = time::PrimitiveDateTime::parse(
            &b.stamp.0,
            time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
        )
        .map(|t| t.assume_utc());
        let how_old = taken
            .map(|t| age((now - t).whole_seconds()))
            .unwrap_or_else(|_| "?".into());
        let status = if b.encrypted && identity.is_none() {
            "encrypted, not checked (pass --identity)".to_owned()
        } else {
            match job::open(&b.path, identity) {
                Ok((m, _)) => format!("ok, {} file(s)", m.files.len()),
                Err(e) => {
                    bad += 1;
                    format!("FAILED: {e}")
                }
            }
        };
        let name = b.path.file_name().map(|n| n.to_string_lossy().into_owned());
        out.push_str(&format!(
            "{}\t{}\t{how_old}\t{status}\n",
            name.unwrap_or_default(),
            b.size
        ));
    }
    if bad > 0 {
        return Err(OpsError::Usage(format!(
            "{out}{bad} backup(s) in {} do not verify",
            dir.display()
        )));
    }
    Ok(out)
}

/// `backup verify FILE`.
pub fn verify(file: &Path, identity: Option<&Path>) -> Result<String, OpsError> {
    let (m, files) = job::open(file, identity)?;
    let mut out = format!(
        "{}: ok, taken {} on {} by {} {}\n",
        file.display(),
        m.created,
        m.host,
        m.tool,
        m.version
    );
    for f in files {
        out.push_str(&format!(
            "  {} (mode {:04o}, {} bytes, sha256 {})\n",
            f.entry.path.display(),
            f.entry.mode,
            f.entry.size,
            f.entry.sha256
        ));
    }
    Ok(out)
}

/// `restore FILE`.
pub fn restore(
    file: &Path,
    opts: &RestoreOptions,
    now: OffsetDateTime,
) -> Result<String, OpsError> {
    let done = restore::restore(file, opts, now)?;
    let mut out = done.plan.describe();
    if opts.dry_run {
        let changed = done.plan.changed().len();
        out.push_str(&if changed > 0 && !opts.force {
            format!("# dry run: nothing written; {changed} file(s) differ, so a real run needs --force\n")
        } else {
            "# dry run: nothing written\n".to_owned()
        });
        return Ok(out);
    }
    if done.written.is_empty() {
        out.push_str("# every file already matches the backup; nothing written\n");
    }
    for w in &done.written {
        out.push_str(&format!("# restored {}\n", w.display()));
    }
    for k in &done.kept {
        out.push_str(&format!("# previous version kept as {}\n", k.display()));
    }
    let unchanged = done
        .plan
        .files
        .iter()
        .filter(|f| f.change == Change::Unchanged)
        .count();
    if unchanged > 0 && !done.written.is_empty() {
        out.push_str(&format!("# {unchanged} file(s) already matched\n"));
    }
    Ok(out)
}

/// `backup keygen --output FILE`: a new age identity (mode 0600, never overwritten); prints
/// the public key for BACKUP_ENCRYPTION_RECIPIENTS.
pub fn keygen(output: &Path, now: OffsetDateTime) -> Result<String, OpsError> {
    use std::io::Write;
    let (text, public) = super::crypt::keygen(now);
    let mut file = store::create_new(output, 0o600).map_err(|e| {
        OpsError::Usage(format!(
            "cannot create {}: {e} (an existing identity is never overwritten)",
            output.display()
        ))
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| OpsError::Usage(format!("cannot write {}: {e}", output.display())))?;
    Ok(format!(
        "{public}\n# BACKUP_ENCRYPTION_RECIPIENTS={public}\n# keep {} OFF this host: without it no encrypted backup can be restored\n",
        output.display()
    ))
}
