//! The config bundle: a gzip'd tar holding `manifest.json` first, then each file under
//! `files/<name>`. The manifest records where each file came from, its size, mode and SHA-256;
//! [`read`] accepts an archive only when every file is present, nothing else is, and every
//! size and checksum matches, so a damaged bundle is refused before anything is restored.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::OpsError;

/// The manifest's entry name in the archive.
pub const MANIFEST: &str = "manifest.json";
/// Largest single file a bundle takes: these are config files, not data.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Manifest format version.
pub const FORMAT: u32 = 1;

/// What a bundle holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version ([`FORMAT`]).
    pub format: u32,
    /// `mcp-atlassian`.
    pub tool: String,
    /// Version of the tool that wrote it.
    pub version: String,
    /// Host name it was written on.
    pub host: String,
    /// RFC 3339 UTC time it was written.
    pub created: String,
    /// The files, in archive order.
    pub files: Vec<FileEntry>,
}

/// One file in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Absolute path it was read from (and is restored to without `--target`).
    pub path: PathBuf,
    /// Name inside the archive (`files/<name>`), unique; also its name under `--target`.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Unix permission bits, e.g. 0o600.
    pub mode: u32,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
}

/// A file read from disk or from a verified bundle.
#[derive(Debug, Clone)]
pub struct BundleFile {
    /// Its manifest entry.
    pub entry: FileEntry,
    /// Its content.
    pub data: Vec<u8>,
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    let digest: [u8; 32] = Sha256::digest(data).into();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the files to back up. Every path must be a readable regular file.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<BundleFile>, OpsError> {
    let mut out: Vec<BundleFile> = Vec::new();
    for path in paths {
        let read_err = |source| OpsError::Read {
            path: path.clone(),
            source,
        };
        let abs = std::path::absolute(path).map_err(read_err)?;
        let meta = std::fs::metadata(&abs).map_err(read_err)?;
        if !meta.is_file() {
            return Err(OpsError::Usage(format!(
                "{} is not a regular file; BACKUP_INCLUDE takes files, not directories",
                abs.display()
            )));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(OpsError::Usage(format!(
                "{} is larger than {} MiB; BACKUP_INCLUDE is for config files",
                abs.display(),
                MAX_FILE_BYTES / (1024 * 1024)
            )));
        }
        let data = std::fs::read(&abs).map_err(read_err)?;
        let name = unique_name(&abs, &out);
        out.push(BundleFile {
            entry: FileEntry {
                path: abs,
                name,
                size: data.len() as u64,
                mode: mode_of(&meta),
                sha256: sha256_hex(&data),
            },
            data,
        });
    }
    Ok(out)
}

/// The base name, made unique among `taken` with a numeric prefix (`2-config.yml`).
fn unique_name(path: &Path, taken: &[BundleFile]) -> String {
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|f| f.entry.name == name) {
        name = format!("{n}-{base}");
        n += 1;
    }
    name
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

/// Writes the gzip'd tar of `manifest` + `files`.
pub fn write(manifest: &Manifest, files: &[BundleFile]) -> std::io::Result<Vec<u8>> {
    let json = serde_json::to_vec_pretty(manifest).map_err(std::io::Error::other)?;
    let mtime = time::OffsetDateTime::parse(
        &manifest.created,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| t.unix_timestamp().max(0) as u64)
    .unwrap_or(0);
    let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    let mut append = |name: &str, mode: u32, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, name, data)
    };
    append(MANIFEST, 0o600, &json)?;
    for f in files {
        append(&format!("files/{}", f.entry.name), f.entry.mode, &f.data)?;
    }
    let gz = tar.into_inner()?;
    let mut bytes = gz.finish()?;
    bytes.flush()?;
    Ok(bytes)
}

/// Reads and checks a bundle: the manifest first, then exactly the files it lists, each with
/// the recorded size and SHA-256, and a gzip stream intact to its last byte. `label` names
/// the backup in error messages.
pub fn read(bytes: &[u8], label: &str) -> Result<(Manifest, Vec<BundleFile>), OpsError> {
    let corrupt = |reason: String| OpsError::Corrupt {
        file: label.to_owned(),
        reason,
    };
    let damaged = |e: std::io::Error| {
        corrupt(format!(
            "not a complete gzip'd tar archive, it is truncated or damaged ({e})"
        ))
    };
    let mut archive = tar::Archive::new(GzDecoder::new(bytes));
    let mut manifest: Option<Manifest> = None;
    let mut found: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in archive.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        let name = entry
            .path()
            .map_err(damaged)?
            .to_string_lossy()
            .into_owned();
        if entry.size() > MAX_FILE_BYTES {
            return Err(corrupt(format!("entry {name} is implausibly large")));
        }
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(damaged)?;
        if manifest.is_none() {
            if name != MANIFEST {
                return Err(corrupt(format!(
                    "the first entry is {name}, not {MANIFEST}: not an mcp-atlassian config backup"
                )));
            }
            let m: Manifest = serde_json::from_slice(&data)
                .map_err(|e| corrupt(format!("{MANIFEST} does not parse ({e})")))?;
            manifest = Some(m);
        } else {
            found.push((name, data));
        }
    }
    // The tar reader stops at the end-of-archive blocks; reading the rest makes the gzip
    // decoder check its CRC and length trailer, which catches damage after the last file.
    let mut rest = archive.into_inner();
    std::io::copy(&mut rest, &mut std::io::sink()).map_err(damaged)?;
    let manifest = manifest.ok_or_else(|| corrupt(format!("it holds no {MANIFEST}")))?;
    if manifest.format != FORMAT {
        return Err(corrupt(format!(
            "manifest format {} is not supported by this version (expected {FORMAT})",
            manifest.format
        )));
    }
    let mut files = Vec::new();
    for entry in &manifest.files {
        let want = format!("files/{}", entry.name);
        let Some(pos) = found.iter().position(|(n, _)| *n == want) else {
            return Err(corrupt(format!(
                "{} is listed in the manifest but missing from the archive",
                entry.name
            )));
        };
        let (_, data) = found.swap_remove(pos);
        if data.len() as u64 != entry.size {
            return Err(corrupt(format!(
                "{} has {} bytes, the manifest says {}",
                entry.name,
                data.len(),
                entry.size
            )));
        }
        let sum = sha256_hex(&data);
        if sum != entry.sha256 {
            return Err(corrupt(format!(
                "{} fails its checksum (SHA-256 {sum}, the manifest says {})",
                entry.name, entry.sha256
            )));
        }
        files.push(BundleFile {
            entry: entry.clone(),
            data,
        });
    }
    if let Some((extra, _)) = found.first() {
        return Err(corrupt(format!("{extra} is not listed in the manifest")));
    }
    Ok((manifest, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Manifest, Vec<BundleFile>) {
        let data = b"JIRA_URL=https://x.atlassian.net\n".to_vec();
        let f = BundleFile {
            entry: FileEntry {
                path: PathBuf::from("/srv/.env"),
                name: ".env".into(),
                size: data.len() as u64,
                mode: 0o600,
                sha256: sha256_hex(&data),
            },
            data,
        };
        let m = Manifest {
            format: FORMAT,
            tool: "mcp-atlassian".into(),
            version: "0.0.0".into(),
            host: "h".into(),
            created: "2026-11-24T02:00:00Z".into(),
            files: vec![f.entry.clone()],
        };
        (m, vec![f])
    }

    #[test]
    fn a_bundle_reads_back_what_was_written() {
        let (m, files) = sample();
        let bytes = write(&m, &files).expect("write");
        let (m2, files2) = read(&bytes, "b").expect("read");
        assert_eq!(m2, m);
        assert_eq!(files2[0].data, files[0].data);
    }

    #[test]
    fn every_truncation_of_a_bundle_is_refused() {
        let (m, files) = sample();
        let bytes = write(&m, &files).expect("write");
        for cut in [1, 10, bytes.len() / 2, bytes.len() - 1] {
            let err = read(&bytes[..cut], "b").expect_err("truncated");
            assert!(matches!(err, OpsError::Corrupt { .. }), "cut {cut}: {err}");
        }
    }

    #[test]
    fn a_checksum_that_does_not_match_is_named() {
        let (mut m, files) = sample();
        m.files[0].sha256 = "00".repeat(32);
        let bytes = write(&m, &files).expect("write");
        let err = read(&bytes, "b").expect_err("bad sum").to_string();
        assert!(err.contains(".env fails its checksum"), "{err}");
    }

    #[test]
    fn names_stay_unique_when_two_files_share_a_base_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::create_dir_all(&a).expect("mkdir");
        std::fs::create_dir_all(&b).expect("mkdir");
        std::fs::write(a.join("c.yml"), "1").expect("write");
        std::fs::write(b.join("c.yml"), "2").expect("write");
        let files = collect(&[a.join("c.yml"), b.join("c.yml")]).expect("collect");
        assert_eq!(files[0].entry.name, "c.yml");
        assert_eq!(files[1].entry.name, "2-c.yml");
    }
}
