//! Starting and stopping the servers under test (and the sandbox), on loopback ports, with
//! a clean environment; reading their resident memory from `/proc`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to answer `/healthz` before the run gives up on it.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// Which server a command line starts, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ours,
    Reference,
}

/// Transport mode of one server instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `/mcp` with sessions.
    Stateful,
    /// `/mcp` without sessions (`STATELESS=true`).
    Stateless,
    /// Legacy `/sse` + `/messages/`.
    Sse,
}

/// How to launch one of the two servers against the sandbox.
#[derive(Debug, Clone)]
pub struct Launcher {
    pub kind: Kind,
    pub bin: PathBuf,
    pub sandbox: String,
    /// Working directory (empty, so that no stray `.env` is read).
    pub cwd: PathBuf,
}

/// A running server.
pub struct Running {
    pub child: Child,
    pub base: String,
    pub pid: u32,
}

pub fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("local_addr: {e}"))
}

fn base_command(bin: &Path, cwd: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env_clear()
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for keep in ["PATH", "HOME", "LANG", "TMPDIR"] {
        if let Ok(v) = std::env::var(keep) {
            cmd.env(keep, v);
        }
    }
    cmd
}

impl Launcher {
    /// The command line and environment that start this server in `mode` on `port`.
    pub fn command(&self, mode: Mode, port: u16) -> Command {
        let mut cmd = base_command(&self.bin, &self.cwd);
        let sb = &self.sandbox;
        cmd.env("JIRA_URL", sb)
            .env("JIRA_PERSONAL_TOKEN", "sandbox-pat")
            .env("CONFLUENCE_URL", sb)
            .env("CONFLUENCE_PERSONAL_TOKEN", "sandbox-pat")
            .env("TOOLSETS", "all")
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string());
        match self.kind {
            Kind::Ours => {
                // Both flavours are detected as Server/DC from a non-atlassian.net URL by the
                // reference; say so explicitly here. No rate limit: it would throttle the load.
                cmd.env("JIRA_DEPLOYMENT", "server")
                    .env("CONFLUENCE_DEPLOYMENT", "server")
                    .env("MCP_RATE_LIMIT_PER_MINUTE", "0")
                    .env("MCP_RATE_LIMIT_PER_HOUR", "0")
                    // Any free port: the default 9090 may be taken, and the metrics stay on.
                    .env("PROMETHEUS_PORT", "0")
                    .env(
                        "TRANSPORT",
                        if mode == Mode::Sse {
                            "sse"
                        } else {
                            "streamable-http"
                        },
                    );
                if mode == Mode::Stateless {
                    cmd.env("STATELESS", "true");
                }
            }
            Kind::Reference => {
                let transport = if mode == Mode::Sse {
                    "sse"
                } else {
                    "streamable-http"
                };
                // Without this the reference refuses requests that carry no credentials of
                // their own (401), instead of using the configured ones.
                cmd.env("ALLOW_GLOBAL_CRED_FALLBACK", "true")
                    .args(["--transport", transport])
                    .args(["--host", "127.0.0.1"])
                    .args(["--port", &port.to_string()]);
                if mode == Mode::Stateless {
                    cmd.arg("--stateless");
                }
            }
        }
        cmd
    }

    /// Starts the server and waits for `GET /healthz` to answer 200; returns it with the
    /// time that took.
    pub async fn start(
        &self,
        http: &reqwest::Client,
        mode: Mode,
    ) -> Result<(Running, Duration), String> {
        self.start_with(http, mode, &[]).await
    }

    /// [`Launcher::start`] with environment variables set over the usual ones.
    pub async fn start_with(
        &self,
        http: &reqwest::Client,
        mode: Mode,
        envs: &[(&str, &str)],
    ) -> Result<(Running, Duration), String> {
        let port = free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        let t0 = Instant::now();
        let mut cmd = self.command(mode, port);
        cmd.envs(envs.iter().copied());
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.bin.display()))?;
        let pid = child.id();
        let mut running = Running { child, base, pid };
        let took = wait_healthy(http, &mut running, t0).await?;
        Ok((running, took))
    }
}

async fn wait_healthy(
    http: &reqwest::Client,
    running: &mut Running,
    t0: Instant,
) -> Result<Duration, String> {
    let url = format!("{}/healthz", running.base);
    while t0.elapsed() < START_DEADLINE {
        if let Ok(Some(status)) = running.child.try_wait() {
            return Err(format!("the server exited during start-up ({status})"));
        }
        if let Ok(resp) = http.get(&url).timeout(Duration::from_secs(2)).send().await
            && resp.status() == reqwest::StatusCode::OK
        {
            return Ok(t0.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Err(format!("no 200 on {url} within {START_DEADLINE:?}"))
}

impl Drop for Running {
    // Nothing started here may outlive the run, whatever path ends it.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    pub async fn stop(self) {
        drop(self);
    }

    /// Resident set of the process and its descendants, in bytes.
    pub fn rss_bytes(&self) -> Option<u64> {
        let mut total = 0;
        let mut todo = vec![self.pid];
        let all = list_processes();
        while let Some(pid) = todo.pop() {
            total += vm_rss_kib(pid)? * 1024;
            todo.extend(all.iter().filter(|(_, ppid)| *ppid == pid).map(|(p, _)| *p));
        }
        Some(total)
    }
}

fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// (pid, parent pid) of every process.
fn list_processes() -> Vec<(u32, u32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name may hold spaces and parentheses: the fields after the last ')'.
        let rest = &stat[stat.rfind(')')? + 2..];
        let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
        Some((pid, ppid))
    })
    .collect()
}

/// Starts `ours sandbox` on a free port and waits until it serves Jira.
pub async fn start_sandbox(
    http: &reqwest::Client,
    ours: &Path,
    cwd: &Path,
) -> Result<Running, String> {
    let port = free_port()?;
    let mut cmd = base_command(ours, cwd);
    cmd.arg("sandbox")
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string());
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    let pid = child.id();
    let mut running = Running {
        child,
        base: format!("http://127.0.0.1:{port}"),
        pid,
    };
    let url = format!("{}/rest/api/2/serverInfo", running.base);
    let t0 = Instant::now();
    while t0.elapsed() < START_DEADLINE {
        if let Ok(Some(status)) = running.child.try_wait() {
            return Err(format!("the sandbox exited during start-up ({status})"));
        }
        if let Ok(resp) = http.get(&url).bearer_auth("sandbox-pat").send().await
            && resp.status().is_success()
        {
            return Ok(running);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Err("the sandbox did not start".into())
}
