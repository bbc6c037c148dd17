//! Backups as the running system sees them: the schedule on an injected clock (in a non-UTC
//! zone, across a DST change), the server running scheduled backups, and the CLI.

use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use mcp_atlassian::config::{BackupConfig, Settings};
use mcp_atlassian::ops;
use tokio_util::sync::CancellationToken;

use super::backup::{BIN, site};

/// The next value, or a failure after 10 s (a deadline, not a sleep).
async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<DateTime<Utc>>) -> DateTime<Utc> {
    tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .expect("in time")
        .expect("open")
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("valid")
}

#[tokio::test]
async fn the_scheduler_fires_at_the_cron_time_in_its_zone_across_a_dst_change() {
    let cfg = BackupConfig::from_settings(&Settings::from_pairs([
        ("BACKUP_SCHEDULE", "30 2 * * *"),
        ("BACKUP_TIMEZONE", "Europe/Berlin"),
    ]))
    .expect("valid");
    let (clock, mut asked) = ops::schedule::ManualClock::new(utc(2026, 3, 27, 12, 0));
    let (fired_tx, mut fired) = tokio::sync::mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(ops::schedule::run(
        cfg.cron.clone(),
        cfg.timezone,
        clock.clone(),
        cancel.clone(),
        move |t| {
            let _ = fired_tx.send(t);
        },
    ));
    let deadline = std::time::Duration::from_secs(10);
    // 02:30 CET on 28 March is 01:30 UTC.
    assert_eq!(next(&mut asked).await, utc(2026, 3, 28, 1, 30));
    clock.set(utc(2026, 3, 28, 1, 29));
    tokio::task::yield_now().await;
    assert!(fired.try_recv().is_err(), "not before its time");
    clock.set(utc(2026, 3, 28, 1, 30));
    assert_eq!(next(&mut fired).await, utc(2026, 3, 28, 1, 30));
    // 29 March: clocks jump from 02:00 to 03:00, so 02:30 does not exist that day.
    // The run comes when the clocks resume, 03:00 CEST = 01:00 UTC.
    let dst_day = next(&mut asked).await;
    assert_eq!(dst_day, utc(2026, 3, 29, 1, 0));
    clock.set(dst_day);
    assert_eq!(next(&mut fired).await, dst_day);
    // From then on 02:30 CEST, which is 00:30 UTC.
    assert_eq!(next(&mut asked).await, utc(2026, 3, 30, 0, 30));
    // A late clock (the run took long, or the host slept) skips to the next tick, no pile-up.
    clock.set(utc(2026, 4, 2, 12, 0));
    assert_eq!(next(&mut fired).await, utc(2026, 3, 30, 0, 30));
    assert_eq!(next(&mut asked).await, utc(2026, 4, 3, 0, 30));
    cancel.cancel();
    tokio::time::timeout(deadline, task)
        .await
        .expect("stops when cancelled")
        .expect("no panic");
}

#[test]
fn the_cli_creates_lists_verifies_and_dry_runs_a_restore() {
    let s = site(&[]);
    let id = s.path("id.txt");
    let run = |args: &[&str], envs: &[(&str, String)]| {
        let mut c = Command::new(BIN);
        c.env_clear().current_dir(s.dir.path()).args(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().expect("ran")
    };
    let out = run(
        &["backup", "keygen", "--output", &id.display().to_string()],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .expect("key")
        .to_owned();
    assert!(public.starts_with("age1"), "{public}");
    let envs = vec![
        ("BACKUP_DIR", s.cfg.dir.display().to_string()),
        (
            "MCP_API_KEYS_FILE",
            s.path("conf/keys.toml").display().to_string(),
        ),
        ("BACKUP_ENCRYPTION_RECIPIENTS", public),
    ];
    let out = run(&["--env-file", "conf/.env", "backup", "create"], &envs);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("2 file(s)\tencrypted"), "{stdout}");
    let file = stdout.split('\t').next().expect("path").to_owned();

    let out = run(&["backup", "list"], &envs);
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        listing.contains("not checked (pass --identity)"),
        "{listing}"
    );
    let idarg = id.display().to_string();
    let out = run(&["backup", "list", "--identity", &idarg], &envs);
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && listing.contains("ok, 2 file(s)"),
        "{listing}"
    );

    let out = run(&["backup", "verify", &file, "--identity", &idarg], &envs);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["restore", &file, "--identity", &idarg, "--dry-run"], &[]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success() && text.contains("unchanged"), "{text}");

    let out = run(
        &["backup", "create"],
        &[("BACKUP_SCHEDULE", "61 2 * * *".into())],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("BACKUP_SCHEDULE=\"61 2 * * *\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_server_runs_scheduled_backups_when_enabled_and_exits_0_on_sigterm() {
    let s = site(&[]);
    std::fs::write(s.path("conf/.env"), "LOG_FORMAT=json\n").expect("write");
    let mut child = Command::new(BIN)
        .env_clear()
        .current_dir(s.dir.path())
        .args(["--sandbox", "--env-file", "conf/.env"])
        .env("PORT", "0")
        .env("BACKUP_ENABLED", "true")
        // Every second: the real clock and the real wiring, polled with a deadline below.
        .env("BACKUP_SCHEDULE", "* * * * * *")
        .env("BACKUP_DIR", s.cfg.dir.display().to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawned");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut found = Vec::new();
    while found.is_empty() && std::time::Instant::now() < deadline {
        found = s.backup_names();
        if found.is_empty() {
            // A poll interval, not a wait for the schedule: the deadline bounds the test.
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill ran");
    assert!(kill.success());
    assert_eq!(child.wait().expect("exited").code(), Some(0));
    assert!(
        !found.is_empty(),
        "a scheduled backup appeared in BACKUP_DIR"
    );
    let first = s.cfg.dir.join(&found[0]);
    let text = ops::cli::verify(&first, None).expect("the scheduled backup verifies");
    assert!(text.contains("conf/.env"), "{text}");
}
