//! Config backups on real files in temp dirs: round trip, damage, wrong keys, failing writes,
//! retention and restore safety (the schedule and the CLI: backup_schedule.rs).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use mcp_atlassian::config::{BackupConfig, Settings};
use mcp_atlassian::ops::{self, OpsError, RestoreOptions, store};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_mcp-atlassian");

/// A deployment's config files in a temp dir, with a backup dir beside them.
pub(crate) struct Site {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) cfg: BackupConfig,
}

fn write_mode(path: &Path, data: &[u8], mode: u32) {
    std::fs::write(path, data).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o7777
}

pub(crate) fn site(extra: &[(&str, &str)]) -> Site {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("conf")).expect("mkdir");
    write_mode(
        &root.join("conf/.env"),
        b"JIRA_URL=https://acme.atlassian.net\nJIRA_API_TOKEN=tok-123\n",
        0o600,
    );
    write_mode(
        &root.join("conf/keys.toml"),
        b"[[key]]\nid = \"a\"\n",
        0o640,
    );
    // Not UTF-8, to prove bytes survive as they are.
    write_mode(
        &root.join("conf/compose.yml"),
        &[0, 159, 146, 150, 10],
        0o644,
    );
    let keys = root.join("conf/keys.toml").display().to_string();
    let include = root.join("conf/compose.yml").display().to_string();
    let backups = root.join("backups").display().to_string();
    let mut pairs: Vec<(&str, &str)> = vec![
        ("MCP_API_KEYS_FILE", &keys),
        ("BACKUP_INCLUDE", &include),
        ("BACKUP_DIR", &backups),
    ];
    pairs.extend_from_slice(extra);
    let mut cfg = BackupConfig::from_settings(&Settings::from_pairs(pairs)).expect("valid");
    cfg.env_file = Some(root.join("conf/.env"));
    Site { dir, cfg }
}

impl Site {
    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn conf_files(&self) -> Vec<PathBuf> {
        ["conf/.env", "conf/keys.toml", "conf/compose.yml"]
            .iter()
            .map(|r| self.path(r))
            .collect()
    }
    fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>, u32)> {
        self.conf_files()
            .into_iter()
            .map(|p| (p.clone(), std::fs::read(&p).expect("read"), mode(&p)))
            .collect()
    }
    pub(crate) fn backup_names(&self) -> Vec<String> {
        store::list(&self.cfg.dir)
            .expect("list")
            .iter()
            .map(|b| {
                b.path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }
    fn keypair(&self) -> (PathBuf, String) {
        let id = self.path("identity.txt");
        let out = ops::cli::keygen(&id, time::OffsetDateTime::now_utc()).expect("keygen");
        let public = out.lines().next().expect("public key").to_owned();
        (id, public)
    }
}

fn at(secs: i64) -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-24 02:00:00 UTC) + time::Duration::seconds(secs)
}

#[test]
fn an_encrypted_backup_verifies_and_restores_byte_identical_files_with_their_modes() {
    let mut s = site(&[]);
    let (identity, public) = s.keypair();
    s.cfg.recipients = vec![public];
    let before = s.snapshot();
    let created = ops::create(&s.cfg, at(0), None).expect("backup");
    assert!(created.encrypted);
    assert_eq!(created.files, 3);
    assert_eq!(mode(&created.path), 0o600, "backups are private");
    assert!(
        created
            .path
            .to_string_lossy()
            .ends_with("mcp-atlassian-config-20261124T020000Z.tar.gz.age")
    );
    let raw = std::fs::read(&created.path).expect("read");
    assert!(
        !raw.windows(7).any(|w| w == b"tok-123"),
        "the token is not in clear"
    );

    let text = ops::cli::verify(&created.path, Some(&identity)).expect("verifies");
    assert!(text.contains(": ok,"), "{text}");
    assert!(text.contains("(mode 0640"), "{text}");

    for p in s.conf_files() {
        std::fs::remove_file(p).expect("destroy");
    }
    let opts = RestoreOptions {
        identity: Some(identity),
        ..Default::default()
    };
    let done = ops::restore::restore(&created.path, &opts, at(60)).expect("restore");
    assert_eq!(done.written.len(), 3);
    assert!(done.kept.is_empty());
    assert_eq!(s.snapshot(), before, "same bytes and modes");
}

#[test]
fn a_plaintext_backup_restores_into_a_target_directory_by_name() {
    let s = site(&[]);
    let created = ops::create(&s.cfg, at(0), None).expect("backup");
    assert!(!created.encrypted);
    let target = s.path("new-host");
    let opts = RestoreOptions {
        target: Some(target.clone()),
        ..Default::default()
    };
    ops::restore::restore(&created.path, &opts, at(1)).expect("restore");
    assert_eq!(
        std::fs::read(target.join("compose.yml")).expect("read"),
        std::fs::read(s.path("conf/compose.yml")).expect("read")
    );
    assert_eq!(mode(&target.join(".env")), 0o600);
    assert_eq!(mode(&target.join("keys.toml")), 0o640);
}

fn assert_nothing_restored(s: &Site, backup: &Path, identity: Option<PathBuf>, what: &str) {
    let target = s.path(&format!("target-{what}"));
    let opts = RestoreOptions {
        identity,
        target: Some(target.clone()),
        ..Default::default()
    };
    let err = ops::restore::restore(backup, &opts, at(5)).expect_err(what);
    assert!(!target.exists(), "{what}: nothing may be written ({err})");
}

#[test]
fn a_corrupted_or_truncated_backup_fails_verify_with_a_clear_message_and_restores_nothing() {
    let mut s = site(&[]);
    let plain = ops::create(&s.cfg, at(0), None).expect("backup");
    let (identity, public) = s.keypair();
    s.cfg.recipients = vec![public];
    let sealed = ops::create(&s.cfg, at(1), None).expect("backup");

    for (name, original, id) in [
        ("plain", &plain.path, None),
        ("sealed", &sealed.path, Some(identity.clone())),
    ] {
        let bytes = std::fs::read(original).expect("read");
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x5a;
        for (how, damaged) in [
            ("flipped", flipped),
            ("truncated", bytes[..bytes.len() * 2 / 3].to_vec()),
            ("cut-short", bytes[..bytes.len() - 1].to_vec()),
        ] {
            let what = format!("{name}-{how}");
            let file = s.path(&format!("{what}.tar.gz"));
            std::fs::write(&file, &damaged).expect("write");
            let err = ops::cli::verify(&file, id.as_deref()).expect_err(&what);
            assert!(
                matches!(err, OpsError::Corrupt { .. } | OpsError::Decrypt { .. }),
                "{what}: {err:?}"
            );
            let msg = err.to_string();
            assert!(
                msg.contains("corrupt")
                    || msg.contains("truncated or damaged")
                    || msg.contains("checksum"),
                "{what}: the message says what is wrong: {msg}"
            );
            assert!(msg.contains(&file.display().to_string()), "{msg}");
            assert_nothing_restored(&s, &file, id.clone(), &what);
        }
    }
}

#[test]
fn a_wrong_identity_fails_to_decrypt_and_restores_nothing() {
    let mut s = site(&[]);
    let (_, public) = s.keypair();
    s.cfg.recipients = vec![public];
    let sealed = ops::create(&s.cfg, at(0), None).expect("backup");
    let other = s.path("other-identity.txt");
    ops::cli::keygen(&other, at(0)).expect("keygen");
    let err = ops::cli::verify(&sealed.path, Some(&other)).expect_err("wrong key");
    assert!(
        err.to_string().contains("no identity given matches"),
        "{err}"
    );
    let err = ops::cli::verify(&sealed.path, None).expect_err("no key");
    assert!(err.to_string().contains("pass --identity"), "{err}");
    assert_nothing_restored(&s, &sealed.path, Some(other), "wrong-identity");
}

/// A recorded metric: name, labels, value.
type Metric = (String, Vec<(String, String)>, DebugValue);

fn counter(snapshot: &[Metric], outcome: &str) -> u64 {
    snapshot
        .iter()
        .find_map(|(name, labels, v)| match v {
            DebugValue::Counter(n)
                if name == "mcp_atlassian_backup_runs_total"
                    && labels.contains(&("outcome".to_owned(), outcome.to_owned())) =>
            {
                Some(*n)
            }
            _ => None,
        })
        .unwrap_or(0)
}

fn gauge(snapshot: &[Metric], name: &str) -> f64 {
    snapshot
        .iter()
        .find_map(|(n, _, v)| match v {
            DebugValue::Gauge(g) if n == name => Some(g.into_inner()),
            _ => None,
        })
        .unwrap_or(f64::NAN)
}

fn with_metrics<T>(f: impl FnOnce() -> T) -> (T, Vec<Metric>) {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let out = metrics::with_local_recorder(&recorder, f);
    let snapshot = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(k, _, _, v)| {
            let key = k.key();
            let labels = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            (key.name().to_owned(), labels, v)
        })
        .collect();
    (out, snapshot)
}

#[test]
fn a_failing_write_leaves_earlier_backups_intact_and_counts_a_failure() {
    let s = site(&[]);
    let ((first, second, failed), snapshot) = with_metrics(|| {
        let first = ops::create(&s.cfg, at(0), None).expect("first");
        let second = ops::create(&s.cfg, at(3600), None).expect("second");
        // A full disk part-way through the third file.
        let failed = ops::create(&s.cfg, at(7200), Some(100));
        (first, second, failed)
    });
    let err = failed.expect_err("the disk is full");
    assert!(matches!(err, OpsError::Write { .. }), "{err:?}");
    assert!(
        err.to_string().contains("earlier backups are untouched"),
        "{err}"
    );
    let listed: Vec<String> = std::fs::read_dir(&s.cfg.dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with(".mcp-atlassian-backup.lock"))
        .collect();
    assert_eq!(listed.len(), 2, "no partial file, no temp file: {listed:?}");
    for c in [&first, &second] {
        ops::cli::verify(&c.path, None).expect("earlier backups still verify");
    }
    assert_eq!(counter(&snapshot, "ok"), 2);
    assert_eq!(counter(&snapshot, "error"), 1);
    assert_eq!(
        gauge(
            &snapshot,
            "mcp_atlassian_backup_last_success_timestamp_seconds"
        ),
        at(3600).unix_timestamp() as f64
    );
    assert_eq!(
        gauge(&snapshot, "mcp_atlassian_backup_last_size_bytes"),
        second.size as f64
    );
}

#[test]
fn an_unwritable_backup_directory_fails_the_run_and_counts_it() {
    let mut s = site(&[]);
    // A regular file where the directory should be: unwritable even for root.
    let blocker = s.path("not-a-dir");
    std::fs::write(&blocker, "x").expect("write");
    s.cfg.dir = blocker.join("backups");
    let (result, snapshot) = with_metrics(|| ops::create(&s.cfg, at(0), None));
    let err = result.expect_err("cannot write");
    assert!(
        err.to_string()
            .contains("check that BACKUP_DIR is writable"),
        "{err}"
    );
    assert_eq!(counter(&snapshot, "error"), 1);
    assert_eq!(counter(&snapshot, "ok"), 0);
}

#[test]
fn a_read_only_backup_directory_keeps_its_backups_when_not_running_as_root() {
    let s = site(&[]);
    let first = ops::create(&s.cfg, at(0), None).expect("first");
    std::fs::set_permissions(&s.cfg.dir, std::fs::Permissions::from_mode(0o500)).expect("chmod");
    let probe = s.cfg.dir.join("probe");
    let writable_anyway = std::fs::write(&probe, "x").is_ok(); // root ignores modes
    let _ = std::fs::remove_file(&probe);
    let result = ops::create(&s.cfg, at(60), None);
    std::fs::set_permissions(&s.cfg.dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    if !writable_anyway {
        assert!(matches!(result, Err(OpsError::Write { .. })), "{result:?}");
        assert_eq!(s.backup_names().len(), 1);
    }
    ops::cli::verify(&first.path, None).expect("the earlier backup is intact");
}

#[test]
fn retention_keeps_exactly_the_newest_n_and_touches_nothing_else() {
    let s = site(&[("BACKUP_RETENTION_COUNT", "3")]);
    std::fs::create_dir_all(&s.cfg.dir).expect("mkdir");
    std::fs::write(s.cfg.dir.join("notes.txt"), "mine").expect("write");
    // What a run killed mid-write leaves; the next run (holding the lock) clears it.
    let stale = ".mcp-atlassian-config-20261101T020000Z.tar.gz.tmp-1-dead";
    std::fs::write(s.cfg.dir.join(stale), "partial").expect("write");
    std::fs::write(
        s.cfg.dir.join("mcp-atlassian-config-manual-copy.tar.gz"),
        "mine",
    )
    .expect("write");
    // Out of order, and two in the same second.
    for secs in [86_400, 0, 3 * 86_400, 3600, 2 * 86_400, 3 * 86_400] {
        ops::create(&s.cfg, at(secs), None).expect("backup");
    }
    assert_eq!(
        s.backup_names(),
        vec![
            "mcp-atlassian-config-20261127T020000Z-2.tar.gz",
            "mcp-atlassian-config-20261127T020000Z.tar.gz",
            "mcp-atlassian-config-20261126T020000Z.tar.gz",
        ]
    );
    assert!(s.cfg.dir.join("notes.txt").exists());
    assert!(
        !s.cfg.dir.join(stale).exists(),
        "a stale temp file is removed"
    );
    assert!(
        s.cfg
            .dir
            .join("mcp-atlassian-config-manual-copy.tar.gz")
            .exists()
    );
}

#[test]
fn a_failed_run_never_prunes_so_the_only_good_backup_survives() {
    let s = site(&[("BACKUP_RETENTION_COUNT", "1")]);
    let good = ops::create(&s.cfg, at(0), None).expect("backup");
    ops::create(&s.cfg, at(60), Some(10)).expect_err("full disk");
    std::fs::remove_file(s.path("conf/compose.yml")).expect("rm");
    ops::create(&s.cfg, at(120), None).expect_err("an include is missing");
    assert_eq!(s.backup_names().len(), 1);
    ops::cli::verify(&good.path, None).expect("the only good backup is kept");
}

#[test]
fn restoring_over_changed_files_needs_force_and_keeps_the_replaced_ones() {
    let s = site(&[]);
    let backup = ops::create(&s.cfg, at(0), None).expect("backup").path;
    let before = s.snapshot();
    write_mode(&s.path("conf/.env"), b"JIRA_API_TOKEN=leaked\n", 0o644);
    std::fs::remove_file(s.path("conf/keys.toml")).expect("rm");

    let dry = ops::cli::restore(
        &backup,
        &RestoreOptions {
            dry_run: true,
            ..Default::default()
        },
        at(1),
    )
    .expect("dry run");
    assert!(
        dry.contains("replace") && dry.contains("create") && dry.contains("unchanged"),
        "{dry}"
    );
    assert!(dry.contains("needs --force"), "{dry}");
    assert!(
        !s.path("conf/keys.toml").exists(),
        "a dry run writes nothing"
    );

    let err =
        ops::restore::restore(&backup, &RestoreOptions::default(), at(2)).expect_err("refused");
    assert!(matches!(err, OpsError::Refused(_)), "{err:?}");
    assert!(err.to_string().contains("--force"), "{err}");
    assert!(
        !s.path("conf/keys.toml").exists(),
        "a refusal writes nothing"
    );

    let forced = RestoreOptions {
        force: true,
        ..Default::default()
    };
    let done = ops::restore::restore(&backup, &forced, at(3)).expect("forced");
    assert_eq!(s.snapshot(), before);
    assert_eq!(done.kept.len(), 1);
    let kept = &done.kept[0];
    assert!(
        kept.to_string_lossy()
            .ends_with(".env.pre-restore-20261124T020003Z"),
        "{kept:?}"
    );
    assert_eq!(
        std::fs::read(kept).expect("read"),
        b"JIRA_API_TOKEN=leaked\n"
    );
}

fn dir_listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_restore_that_fails_part_way_is_rolled_back_and_changes_no_file() {
    let s = site(&[]);
    let backup = ops::create(&s.cfg, at(0), None).expect("backup").path;
    write_mode(&s.path("conf/.env"), b"CHANGED=1\n", 0o600);
    std::fs::remove_file(s.path("conf/keys.toml")).expect("rm");
    let before = dir_listing(&s.path("conf"));
    let env_before = std::fs::read(s.path("conf/.env")).expect("read");
    for fail_at in [0, 1] {
        let opts = RestoreOptions {
            force: true,
            fail_at: Some(fail_at),
            ..Default::default()
        };
        let err = ops::restore::restore(&backup, &opts, at(9)).expect_err("simulated");
        assert!(matches!(err, OpsError::RolledBack(_)), "{err:?}");
        assert_eq!(
            dir_listing(&s.path("conf")),
            before,
            "no temp, copy or new file left"
        );
        assert_eq!(
            std::fs::read(s.path("conf/.env")).expect("read"),
            env_before
        );
    }
}

#[test]
fn a_restore_that_cannot_stage_one_file_writes_none() {
    let s = site(&[]);
    let backup = ops::create(&s.cfg, at(0), None).expect("backup").path;
    std::fs::remove_file(s.path("conf/.env")).expect("rm");
    // compose.yml's recorded directory is replaced by a file: staging it fails (even as root).
    let moved = s.path("conf-moved");
    std::fs::rename(s.path("conf"), &moved).expect("mv");
    std::fs::write(s.path("conf"), "blocker").expect("write");
    let err = ops::restore::restore(&backup, &RestoreOptions::default(), at(1));
    assert!(err.is_err(), "{err:?}");
    assert_eq!(std::fs::read(s.path("conf")).expect("read"), b"blocker");
    assert_eq!(dir_listing(&moved), vec!["compose.yml", "keys.toml"]);
}

#[test]
fn a_run_while_another_holds_the_lock_is_skipped_not_overlapped() {
    let s = site(&[]);
    ops::create(&s.cfg, at(0), None).expect("first");
    let lock = std::fs::File::open(s.cfg.dir.join(ops::job::LOCK_FILE)).expect("lock file");
    lock.try_lock()
        .expect("this test holds the lock, as a running backup would");
    let err = ops::create(&s.cfg, at(60), None).expect_err("busy");
    assert!(matches!(err, OpsError::Busy(_)), "{err:?}");
    drop(lock);
    ops::create(&s.cfg, at(120), None).expect("runs again once the lock is free");
    assert_eq!(s.backup_names().len(), 2);
}
