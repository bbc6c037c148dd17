//! The built binary: configuration errors, check-config, .env files, stdio and HTTP modes.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-atlassian");

fn bin() -> Command {
    let mut c = Command::new(BIN);
    c.env_clear().current_dir(std::env::temp_dir());
    // Metrics on any free port: tests run many servers at once.
    c.env("PROMETHEUS_PORT", "0");
    c
}

#[test]
fn invalid_values_stop_start_up_with_one_line_each_and_exit_code_2() {
    let out = bin()
        .env("PORT", "80x")
        .env("TRANSPORT", "websocket")
        .env("JIRA_URL", "https://acme.atlassian.net")
        .env("JIRA_USERNAME", "me@acme.com")
        .env("JIRA_API_TOKEN", "super-secret-token")
        .env("JIRA_TIMEOUT", "0")
        .output()
        .expect("ran");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("PORT=\"80x\": expected a whole number from 0 to 65535")),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l
                .contains("TRANSPORT=\"websocket\": expected one of: stdio, sse, streamable-http")),
        "{stderr}"
    );
    assert!(
        lines.iter().any(|l| l.contains("JIRA_TIMEOUT=\"0\"")),
        "{stderr}"
    );
    assert!(!stderr.contains("super-secret-token"));
}

#[test]
fn an_unknown_toolset_stops_start_up_and_lists_the_valid_names() {
    let out = bin().env("TOOLSETS", "jira_isues").output().expect("ran");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("jira_isues") && stderr.contains("jira_issues, jira_fields"),
        "{stderr}"
    );
}

#[test]
fn check_config_prints_the_effective_configuration_with_secrets_hidden() {
    let out = bin()
        .arg("check-config")
        .arg("--port=9123")
        .env("JIRA_URL", "https://acme.atlassian.net")
        .env("JIRA_USERNAME", "me@acme.com")
        .env("JIRA_API_TOKEN", "super-secret-token")
        .output()
        .expect("ran");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("PORT=9123 (flag)"), "{stdout}");
    assert!(
        stdout.contains("JIRA_API_TOKEN=***set*** (env)"),
        "{stdout}"
    );
    assert!(stdout.contains("TRANSPORT=stdio (default)"), "{stdout}");
    assert!(!stdout.contains("super-secret-token"));
}

#[test]
fn an_env_file_is_read_and_the_real_environment_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("prod.env");
    std::fs::write(&file, "PORT=7001\nHOST=127.0.0.1\nJIRA_PERSONAL_TOKEN=from-file\nJIRA_URL=https://jira.example.internal\n").expect("write");
    let out = bin()
        .arg("check-config")
        .arg("--env-file")
        .arg(&file)
        .env("PORT", "7002")
        .output()
        .expect("ran");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("PORT=7002 (env)"), "{stdout}");
    assert!(stdout.contains("HOST=127.0.0.1 (env file)"), "{stdout}");
    assert!(
        stdout.contains("JIRA_PERSONAL_TOKEN=***set*** (env file)"),
        "{stdout}"
    );
    let missing = bin()
        .arg("check-config")
        .arg("--env-file")
        .arg(dir.path().join("nope.env"))
        .output()
        .expect("ran");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope.env"));
}

#[test]
fn without_transport_it_speaks_mcp_over_stdio_with_logs_on_stderr_only() {
    let mut child = bin()
        .env("MCP_VERY_VERBOSE", "true")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawned");
    let mut stdin = child.stdin.take().expect("stdin");
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    writeln!(stdin, "{init}").expect("write");
    writeln!(
        stdin,
        "{}",
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
    )
    .expect("write");
    writeln!(
        stdin,
        "{}",
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    )
    .expect("write");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read");
    let first: Value = serde_json::from_str(&line).expect("stdout carries only JSON-RPC");
    assert_eq!(first["result"]["serverInfo"]["name"], "mcp-atlassian");
    line.clear();
    stdout.read_line(&mut line).expect("read");
    let second: Value = serde_json::from_str(&line).expect("JSON-RPC");
    assert_eq!(second["id"], 2);
    assert_eq!(second["result"]["tools"], json!([]));
    drop(stdin);
    let status = child.wait().expect("exited");
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("read");
    assert!(rest.trim().is_empty(), "nothing else on stdout: {rest}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("read");
    assert!(
        stderr.contains("serving MCP over stdio"),
        "logs go to stderr: {stderr}"
    );
}

#[test]
fn the_binary_serves_every_http_route_at_once_and_exits_0_on_sigterm() {
    let mut child = bin()
        .args([
            "--transport",
            "streamable-http",
            "--port",
            "0",
            "--host",
            "127.0.0.1",
        ])
        .env("LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawned");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut addr = None;
    for _ in 0..50 {
        let mut line = String::new();
        if stderr.read_line(&mut line).expect("read") == 0 {
            break;
        }
        if let Ok(v) = serde_json::from_str::<Value>(&line)
            && v["message"] == "serving MCP over HTTP"
        {
            addr = v["addr"].as_str().map(str::to_owned);
            break;
        }
    }
    let addr = addr.expect("the start-up log names the address");
    let base = format!("http://{addr}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let c = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
        assert_eq!(c.get(format!("{base}/healthz")).send().await.expect("healthz").status(), 200);
        assert_eq!(c.get(format!("{base}/readyz")).send().await.expect("readyz").status(), 200);
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
        let r = c
            .post(format!("{base}/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(init.to_string())
            .send()
            .await
            .expect("mcp");
        assert_eq!(r.status(), 200);
        assert!(r.text().await.expect("body").contains("\"name\":\"mcp-atlassian\""));
        let sse = c.get(format!("{base}/sse")).send().await.expect("sse");
        assert_eq!(sse.status(), 200);
        let mut body = futures::StreamExt::boxed(sse.bytes_stream());
        let first = futures::StreamExt::next(&mut body).await.expect("event").expect("bytes");
        let text = String::from_utf8_lossy(&first).to_string();
        assert!(text.contains("event: endpoint") && text.contains("/messages/?session_id="), "{text}");
        let r = c.post(format!("{base}/messages/?session_id=unknown")).header("content-type", "application/json").body("{}").send().await.expect("messages");
        assert_eq!(r.status(), 404);
    });
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill ran");
    assert!(kill.success());
    let status = child.wait().expect("exited");
    assert_eq!(status.code(), Some(0), "graceful exit on SIGTERM");
}

fn read_line_containing(reader: &mut impl BufRead, needle: &str) -> String {
    for _ in 0..40 {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read") == 0 {
            break;
        }
        if line.contains(needle) {
            return line;
        }
    }
    panic!("no line containing {needle:?}");
}

fn term(child: &mut std::process::Child) {
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill ran");
    assert!(kill.success());
    assert_eq!(
        child.wait().expect("exited").code(),
        Some(0),
        "graceful exit on SIGTERM"
    );
}

#[test]
fn the_sandbox_subcommand_serves_jira_and_confluence_alone() {
    let mut child = bin()
        .args(["sandbox", "--port", "0", "--seed", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawned");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let line = read_line_containing(&mut out, "sandbox listening on http://");
    let base = line.split_whitespace().nth(3).expect("url").to_owned();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let c = reqwest::Client::new();
        let me: Value = c
            .get(format!("{base}/rest/api/2/myself"))
            .bearer_auth("sandbox-pat")
            .send()
            .await
            .expect("myself")
            .json()
            .await
            .expect("json");
        assert_eq!(me["name"], "sandbox");
        let denied = c
            .get(format!("{base}/rest/api/2/myself"))
            .bearer_auth("wrong")
            .send()
            .await
            .expect("myself");
        assert_eq!(denied.status(), 401);
    });
    term(&mut child);
}

#[test]
fn the_sandbox_flag_prints_the_urls_and_serves_the_tools() {
    let mut child = bin()
        .args(["--sandbox", "--port", "0"])
        .env("JIRA_URL", "https://must-not-be-used.atlassian.net")
        .env("JIRA_PERSONAL_TOKEN", "real")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawned");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let line = read_line_containing(&mut out, "Streamable HTTP: http://");
    let url = line.split_whitespace().last().expect("url").to_owned();
    read_line_containing(&mut out, "\"mcpServers\"");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let c = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
        let post = |body: Value| {
            c.post(&url).header("content-type", "application/json").header("accept", "application/json, text/event-stream").body(body.to_string())
        };
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
        let r = post(init).send().await.expect("initialize");
        let session = r.headers()["mcp-session-id"].to_str().expect("ascii").to_owned();
        let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-1"}}});
        let r = post(call).header("mcp-session-id", &session).header("mcp-protocol-version", "2025-06-18").send().await.expect("call");
        let text = r.text().await.expect("body");
        assert!(text.contains("DEMO-1") && text.contains("Sandbox showcase issue"), "{text}");
        assert!(!text.contains("must-not-be-used"), "the sandbox replaced the configured Jira");
    });
    term(&mut child);
}
