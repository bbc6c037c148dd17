//! Start-up checks that the configuration cannot make on its own: can this process, as the
//! user it runs as, write the audit log and the backup directory and read the keys file, and
//! which Atlassian credentials will MCP requests use.
//!
//! In the container the server runs as uid 65532 and its data directories are bind mounts
//! from the host; mounts created by root and never chowned used to fail one request (or one
//! night) at a time with the server looking healthy. Here they fail start-up instead, with the
//! path and the command that fixes it. Nothing is left behind: write probes create and remove
//! a temp file, and an existing file is opened for append without writing.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::atlassian::auth::global_auth;
use crate::config::settings::effective_uid;
use crate::config::{Config, ServiceConfig};

/// What the checks found: errors stop start-up, warnings are logged.
#[derive(Debug, Default)]
pub struct Preflight {
    /// One line each, naming the path and the fix.
    pub errors: Vec<String>,
    /// One line each.
    pub warnings: Vec<String>,
}

/// Runs every check for an HTTP or stdio server about to start.
pub fn check(config: &Config) -> Preflight {
    let mut p = Preflight::default();
    if config.server.stateless
        && config
            .tools
            .toolsets
            .iter()
            .any(|t| t == crate::tools::toolsets::DYNAMIC)
    {
        // Each stateless request stands alone, so a toolset enabled by one would be gone by
        // the next: the session would only ever see the three discovery tools.
        p.errors.push(
            "TOOLSETS=dynamic keeps each session's toolsets, and STATELESS=true keeps no sessions; \
             unset STATELESS, or drop dynamic from TOOLSETS and let clients narrow their tools \
             per request with the X-MCP-Toolsets header"
                .into(),
        );
    }
    let uid = effective_uid();
    if let Some(path) = &config.security.audit_log_file
        && let Err(e) = probe_append(path)
    {
        p.errors.push(format!(
            "cannot write the audit log MCP_AUDIT_LOG_FILE={}: {e}; {}",
            path.display(),
            fix(uid, "write", path.parent())
        ));
    }
    if let Some(path) = &config.security.api_keys_file {
        match std::fs::File::open(path) {
            Ok(_) => {}
            // Whether a missing keys file may start is the key store's rule, not ours.
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => p.errors.push(format!(
                "cannot read the API keys file MCP_API_KEYS_FILE={}: {e}; {}",
                path.display(),
                fix(uid, "read", Some(path))
            )),
        }
        if let Some(dir) = path.parent().filter(|d| d.is_dir())
            && let Err(e) = probe_dir(dir)
        {
            p.warnings.push(format!(
                "the keys directory {} is not writable ({e}): `keys create`, `keys rotate` and the last-used record will fail; {}",
                dir.display(),
                fix(uid, "write", Some(dir))
            ));
        }
    }
    if config.backup.enabled {
        if config.backup.sources().is_empty() {
            p.errors.push("BACKUP_ENABLED=true but there is nothing to back up: no .env file was read and MCP_API_KEYS_FILE and BACKUP_INCLUDE are unset; in the container mount the .env read-only at /config/.env (docker-compose.yml does)".to_owned());
        }
        let dir = &config.backup.dir;
        let probe = std::fs::create_dir_all(dir).and_then(|()| probe_dir(dir));
        if let Err(e) = probe {
            p.errors.push(format!(
                "cannot write backups into BACKUP_DIR={}: {e}; {}",
                dir.display(),
                fix(uid, "write", Some(dir))
            ));
        }
    }
    if config.tools.multi_tenant {
        let unused: Vec<&str> = [
            ("JIRA_API_TOKEN", config.atlassian.jira.api_token.is_some()),
            (
                "JIRA_PERSONAL_TOKEN",
                config.atlassian.jira.personal_token.is_some(),
            ),
            (
                "CONFLUENCE_API_TOKEN",
                config.atlassian.confluence.api_token.is_some(),
            ),
            (
                "CONFLUENCE_PERSONAL_TOKEN",
                config.atlassian.confluence.personal_token.is_some(),
            ),
            (
                "ATLASSIAN_OAUTH_ACCESS_TOKEN",
                config.atlassian.oauth.access_token.is_some(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect();
        if !unused.is_empty() {
            p.warnings.push(format!(
                "MULTI_TENANT_MODE=true: the configured {} will not be used for MCP requests; every request must bring its user's own Authorization header (docs/clients.md, multi-tenant), or set MULTI_TENANT_MODE=false to use them",
                unused.join(", ")
            ));
        }
    }
    p
}

/// One line saying which Atlassian credentials MCP requests use, for the start-up log.
pub fn credentials_line(config: &Config) -> String {
    if config.tools.multi_tenant {
        return "Atlassian credentials: each MCP request's own Authorization header (MULTI_TENANT_MODE=true); a request without one gets a tool error saying what to send".to_owned();
    }
    let describe = |svc: &ServiceConfig, name: &str| -> Option<String> {
        svc.url.as_ref()?;
        let kind = global_auth(
            svc,
            config.atlassian.oauth.access_token.as_ref(),
            config.atlassian.oauth.cloud_id.as_deref(),
        )
        .map_or("none configured", |a| match a.kind() {
            "basic" => "basic (username + API token)",
            "pat" => "personal access token",
            _ => "OAuth access token",
        });
        Some(format!("{name} {kind}"))
    };
    let parts: Vec<String> = [
        describe(&config.atlassian.jira, "Jira"),
        describe(&config.atlassian.confluence, "Confluence"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        return "Atlassian credentials: none (neither JIRA_URL nor CONFLUENCE_URL is set)"
            .to_owned();
    }
    format!(
        "Atlassian credentials: the server's own ({}); a request's own Authorization header replaces them for that request",
        parts.join(", ")
    )
}

/// What to run so this process can use `path` (`access` is "read" or "write").
fn fix(uid: Option<u32>, access: &str, path: Option<&Path>) -> String {
    let path = path.map_or_else(|| ".".to_owned(), |p| p.display().to_string());
    match uid {
        Some(0) | None => format!("check the permissions of {path}"),
        Some(uid) => format!(
            "this process runs as uid {uid} and needs {access} access to {path}: with docker-compose.yml run `sudo chown -R {uid}:{uid} data` in the deployment directory on the host (docs/deployment.md, step 1)"
        ),
    }
}

/// Opens `path` for append (creating it if missing, as the writer would, mode 0600) without
/// writing; removes it again when it did not exist before.
fn probe_append(path: &Path) -> std::io::Result<()> {
    let existed = path.exists();
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Creates and removes a temp file in `dir`.
fn probe_dir(dir: &Path) -> std::io::Result<()> {
    let probe: PathBuf = dir.join(format!(".mcp-atlassian-write-probe-{}", std::process::id()));
    std::fs::File::create(&probe)?;
    std::fs::remove_file(&probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Config {
        Config::from_pairs(pairs.iter().copied()).expect("valid")
    }

    #[test]
    fn dynamic_toolsets_without_sessions_stop_the_start_naming_both_settings_and_the_header() {
        let p = check(&config(&[("TOOLSETS", "dynamic"), ("STATELESS", "true")]));
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        for part in ["TOOLSETS=dynamic", "STATELESS=true", "X-MCP-Toolsets"] {
            assert!(p.errors[0].contains(part), "{}", p.errors[0]);
        }
        for ok in [
            &[("TOOLSETS", "dynamic")][..],
            &[("TOOLSETS", "all"), ("STATELESS", "true")][..],
        ] {
            let p = check(&config(ok));
            assert!(p.errors.is_empty(), "{ok:?}: {:?}", p.errors);
        }
    }

    #[test]
    fn writable_paths_pass_and_leave_nothing_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let audit = dir.path().join("audit.jsonl");
        let backups = dir.path().join("backups");
        let keys = dir.path().join("keys.toml");
        std::fs::write(&keys, "").expect("keys");
        let c = config(&[
            ("MCP_AUDIT_LOG_FILE", audit.to_str().expect("utf-8")),
            ("MCP_API_KEYS_FILE", keys.to_str().expect("utf-8")),
            ("BACKUP_ENABLED", "true"),
            ("BACKUP_DIR", backups.to_str().expect("utf-8")),
        ]);
        let p = check(&c);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert!(!audit.exists());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");
    }

    #[test]
    fn an_audit_log_in_a_missing_directory_is_an_error_naming_the_variable_and_path() {
        let c = config(&[("MCP_AUDIT_LOG_FILE", "/nonexistent-dir/audit.jsonl")]);
        let p = check(&c);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert!(
            p.errors[0].starts_with(
                "cannot write the audit log MCP_AUDIT_LOG_FILE=/nonexistent-dir/audit.jsonl:"
            ),
            "{}",
            p.errors[0]
        );
    }

    #[test]
    fn backups_enabled_with_nothing_to_back_up_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = config(&[
            ("BACKUP_ENABLED", "true"),
            ("BACKUP_DIR", dir.path().to_str().expect("utf-8")),
        ]);
        let p = check(&c);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert!(
            p.errors[0].contains("nothing to back up"),
            "{}",
            p.errors[0]
        );
    }

    #[test]
    fn multi_tenant_mode_says_configured_credentials_go_unused() {
        let c = config(&[
            ("MULTI_TENANT_MODE", "true"),
            ("JIRA_URL", "https://a.atlassian.net"),
            ("JIRA_USERNAME", "me@a.com"),
            ("JIRA_API_TOKEN", "t"),
        ]);
        let p = check(&c);
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(
            p.warnings[0].contains("the configured JIRA_API_TOKEN will not be used"),
            "{}",
            p.warnings[0]
        );
        assert!(credentials_line(&c).contains("each MCP request's own Authorization header"));
    }

    #[test]
    fn the_credentials_line_names_the_kind_per_product() {
        let c = config(&[
            ("JIRA_URL", "https://a.atlassian.net"),
            ("JIRA_USERNAME", "me@a.com"),
            ("JIRA_API_TOKEN", "t"),
            ("CONFLUENCE_URL", "https://wiki.example.com"),
            ("CONFLUENCE_PERSONAL_TOKEN", "p"),
        ]);
        assert_eq!(
            credentials_line(&c),
            "Atlassian credentials: the server's own (Jira basic (username + API token), Confluence personal access token); a request's own Authorization header replaces them for that request"
        );
    }
}
