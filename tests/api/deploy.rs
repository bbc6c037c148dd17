//! The documented deployment behind Nginx Proxy Manager (docs/deployment.md): what the seed's
//! `.env` gets at start, the Host check as the proxy sends it, the readiness warning for a
//! configuration that refuses every MCP call, typos and reference-only options, and start-up
//! checks of the data paths. The whole drill with a real nginx is tests/deploy/.

use std::process::Command;

use serde_json::Value;

use crate::helpers::{initialize_request, spawn_app_with};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-atlassian");
const KEY: &str = "deploy-test-key-0123456789abcdef";

fn bin() -> Command {
    let mut c = Command::new(BIN);
    c.env_clear().current_dir(std::env::temp_dir());
    c.env("PROMETHEUS_PORT", "0");
    c
}

/// `check-config` that must succeed; its stdout.
fn check_config(c: &mut Command) -> String {
    let out = c.arg("check-config").output().expect("ran");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The seed's variables as the Compose file hands them to the container (env_file).
fn seed(c: &mut Command) -> &mut Command {
    c.env("TRANSPORT", "streamable-http")
        .env("HOST", "0.0.0.0")
        .env("PORT", "9889")
        .env("MCP_API_KEY", KEY)
        .env("JIRA_URL", "https://acme.atlassian.net")
        .env("JIRA_USERNAME", "me@acme.com")
        .env("JIRA_API_TOKEN", "seed-token-value")
}

#[test]
fn the_seed_env_without_public_base_url_refuses_to_start_with_one_line_naming_it() {
    let out = seed(&mut bin()).arg("check-config").output().expect("ran");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with(
            "mcp-atlassian: configuration error: PUBLIC_BASE_URL is unset but HOST=0.0.0.0"
        ),
        "{stderr}"
    );
    assert!(lines[0].contains("set PUBLIC_BASE_URL"), "{stderr}");
    let ok = seed(&mut bin())
        .env("PUBLIC_BASE_URL", "https://mcp.example.com")
        .arg("check-config")
        .output()
        .expect("ran");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let allowed = seed(&mut bin())
        .env("MCP_ALLOWED_HOSTS", "mcp.example.com:443")
        .arg("check-config")
        .output()
        .expect("ran");
    assert_eq!(allowed.status.code(), Some(0));
}

#[test]
fn check_config_warns_about_typos_and_reference_only_options_and_names_the_credentials() {
    let stdout = check_config(
        seed(&mut bin())
            .env("PUBLIC_BASE_URL", "https://mcp.example.com")
            .env("MCP_RATE_LIMIT_PER_MINUT", "5")
            .env("IGNORE_HEADER_AUTH", "true")
            .env("MCP_ATLASSIAN_IMAGE", "mcp-atlassian:latest"),
    );
    assert!(
        stdout.contains("# warning: MCP_RATE_LIMIT_PER_MINUT (from the env) is not a setting of this server and is ignored; did you mean MCP_RATE_LIMIT_PER_MINUTE?"),
        "{stdout}"
    );
    assert!(
        stdout.contains("# warning: IGNORE_HEADER_AUTH (from the env) is an option of the reference Python server"),
        "{stdout}"
    );
    assert!(!stdout.contains("MCP_ATLASSIAN_IMAGE"), "{stdout}");
    assert!(
        stdout.contains(
            "# Atlassian credentials: the server's own (Jira basic (username + API token))"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("seed-token-value"));
}

#[test]
fn a_typo_in_the_env_file_is_warned_about_at_start_in_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".env"),
        "MCP_RATE_LIMIT_PER_MINUT=5\nTRANSPORT=stdio\n",
    )
    .expect("write");
    // stdio with stdin closed: the server starts, logs, and stops at end of input.
    let out = bin()
        .current_dir(dir.path())
        .env("JIRA_URL", "https://acme.atlassian.net")
        .env("JIRA_PERSONAL_TOKEN", "x")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("ran");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("MCP_RATE_LIMIT_PER_MINUT (from the env file) is not a setting of this server and is ignored; did you mean MCP_RATE_LIMIT_PER_MINUTE?"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Atlassian credentials: the server's own (Jira personal access token)"),
        "{stderr}"
    );
}

#[test]
fn multi_tenant_mode_says_at_start_that_the_configured_credentials_go_unused() {
    let stdout = check_config(
        seed(&mut bin())
            .env("PUBLIC_BASE_URL", "https://mcp.example.com")
            .env("MULTI_TENANT_MODE", "true"),
    );
    assert!(
        stdout.contains("# warning: MULTI_TENANT_MODE=true: the configured JIRA_API_TOKEN will not be used for MCP requests"),
        "{stdout}"
    );
    assert!(
        stdout.contains("# Atlassian credentials: each MCP request's own Authorization header (MULTI_TENANT_MODE=true)"),
        "{stdout}"
    );
}

#[test]
fn an_audit_log_or_backup_dir_the_server_cannot_write_stops_start_up_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A regular file where a directory is expected fails for root too.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "x").expect("write");
    let audit = blocker.join("audit.jsonl");
    let backups = blocker.join("backups");
    let keys = dir.path().join("keys.toml");
    std::fs::write(&keys, "").expect("keys");
    let out = seed(&mut bin())
        .env("PUBLIC_BASE_URL", "https://mcp.example.com")
        .env("MCP_AUDIT_LOG_FILE", &audit)
        .env("BACKUP_ENABLED", "true")
        .env("BACKUP_DIR", &backups)
        .env("MCP_API_KEYS_FILE", &keys)
        .arg("check-config")
        .output()
        .expect("ran");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].contains(&format!(
            "cannot write the audit log MCP_AUDIT_LOG_FILE={}",
            audit.display()
        )),
        "{stderr}"
    );
    assert!(
        lines[1].contains(&format!(
            "cannot write backups into BACKUP_DIR={}",
            backups.display()
        )),
        "{stderr}"
    );
}

async fn init_with_host(app: &crate::helpers::TestApp, host: &str) -> reqwest::Response {
    app.post_mcp(&initialize_request(1), None)
        .header("x-api-key", KEY)
        .header("host", host)
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn an_allowed_host_with_port_443_accepts_the_portless_host_the_proxy_sends() {
    let app = spawn_app_with(&[
        ("MCP_API_KEY", KEY),
        ("MCP_ALLOWED_HOSTS", "mcp.example.com:443"),
    ])
    .await;
    assert_eq!(init_with_host(&app, "mcp.example.com").await.status(), 200);
    assert_eq!(
        init_with_host(&app, "mcp.example.com:443").await.status(),
        200
    );
    assert_eq!(
        init_with_host(&app, "mcp.example.com:8443").await.status(),
        403
    );
    app.stop().await;
}

/// `GET /readyz`, which must answer 200 (warnings never fail readiness).
async fn readyz(app: &crate::helpers::TestApp) -> Value {
    let resp = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    resp.json().await.expect("json")
}

#[tokio::test]
async fn readyz_warns_when_every_mcp_request_is_refused_for_its_host_and_stays_200() {
    let app = spawn_app_with(&[
        ("MCP_API_KEY", KEY),
        ("PUBLIC_BASE_URL", "https://mcp.wrong-name.example"),
    ])
    .await;
    let ready = readyz(&app).await;
    assert_eq!(ready, serde_json::json!({"status": "ready"}));
    // The proxy forwards the name clients really use; a local probe passes meanwhile.
    assert_eq!(init_with_host(&app, "mcp.example.com").await.status(), 403);
    assert_eq!(init_with_host(&app, "localhost").await.status(), 200);
    let ready = readyz(&app).await;
    assert_eq!(ready["status"], "ready");
    let warning = ready["warnings"]["host_check"].as_str().expect("warning");
    assert!(
        warning.contains("Host \"mcp.example.com\"")
            && warning.contains("set PUBLIC_BASE_URL=https://mcp.example.com"),
        "{warning}"
    );
    // Once the public name works for one request, the warning is gone.
    assert_eq!(
        init_with_host(&app, "mcp.wrong-name.example")
            .await
            .status(),
        200
    );
    let ready = readyz(&app).await;
    assert!(ready.get("warnings").is_none(), "{ready}");
    app.stop().await;
}
