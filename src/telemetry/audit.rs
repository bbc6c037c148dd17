//! The audit log of write tool calls: who (key id, client IP), what (tool, target issue key
//! or page id), when, and the outcome. Every event is a log event with `audit=true`; with
//! `MCP_AUDIT_LOG_FILE` set it is also appended to that file as one JSON line, fsync'd, by a
//! single writer task (no blocking I/O on the request path; the file is never truncated).

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// One audited call.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditEvent {
    /// RFC 3339 UTC.
    pub time: String,
    /// API key id (`anonymous` when no keys are configured).
    pub api_key_id: String,
    /// Client IP, when known (stdio has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    /// Tool name.
    pub tool: String,
    /// Issue key, page id or other target named in the arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `ok`, `error` (a tool error) or `invalid` (arguments rejected).
    pub outcome: &'static str,
}

/// Where audit events go.
#[derive(Debug, Clone, Default)]
pub struct AuditLog {
    file: Option<mpsc::Sender<AuditEvent>>,
}

/// Queue depth before events wait for the writer; fsync per line bounds throughput, not memory.
const QUEUE: usize = 1024;

impl AuditLog {
    /// Log events only.
    pub fn events_only() -> Self {
        AuditLog { file: None }
    }

    /// Also appends to `path`; returns the writer task to join at shutdown.
    pub fn to_file(
        path: PathBuf,
        cancel: CancellationToken,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(write_file(path, rx, cancel));
        (AuditLog { file: Some(tx) }, task)
    }

    /// Records one event.
    pub async fn record(&self, event: AuditEvent) {
        tracing::info!(
            target: "mcp_atlassian::audit",
            audit = true,
            api_key.id = %event.api_key_id,
            client.ip = event.client_ip.as_deref().unwrap_or(""),
            mcp.tool = %event.tool,
            target = event.target.as_deref().unwrap_or(""),
            outcome = event.outcome,
            "write tool call"
        );
        if let Some(tx) = &self.file
            && tx.send(event).await.is_err()
        {
            tracing::error!(
                "audit log writer has stopped; the event above is only in the log stream"
            );
        }
    }
}

fn open(path: &PathBuf) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

async fn write_file(path: PathBuf, mut rx: mpsc::Receiver<AuditEvent>, cancel: CancellationToken) {
    loop {
        let event = tokio::select! {
            e = rx.recv() => e,
            _ = cancel.cancelled() => {
                // Drain what is queued so no accepted event is lost at shutdown.
                rx.close();
                rx.recv().await
            }
        };
        let Some(event) = event else { return };
        let mut line = serde_json::to_string(&event).unwrap_or_default();
        line.push('\n');
        let p = path.clone();
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut f = open(&p)?;
            f.write_all(line.as_bytes())?;
            f.sync_data()
        })
        .await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::error!(path = %path.display(), error = %e, "cannot append to MCP_AUDIT_LOG_FILE")
            }
            Err(e) => tracing::error!(error = %e, "audit log write task failed"),
        }
    }
}

/// The target a call names: the first of the usual identifying arguments.
pub fn target_of(arguments: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    const KEYS: &[&str] = &[
        "issue_key",
        "page_id",
        "comment_id",
        "sprint_id",
        "board_id",
        "project_key",
        "space_key",
        "parent_id",
        "version_id",
        "link_id",
    ];
    KEYS.iter().find_map(|k| match arguments.get(*k) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => {
            Some(s.chars().filter(|c| !c.is_control()).take(100).collect())
        }
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_is_the_first_identifying_argument() {
        let args = serde_json::json!({"summary": "x", "issue_key": "DEMO-1", "page_id": "5"});
        assert_eq!(
            target_of(args.as_object().expect("object")).as_deref(),
            Some("DEMO-1")
        );
        let args = serde_json::json!({"board_id": 7});
        assert_eq!(
            target_of(args.as_object().expect("object")).as_deref(),
            Some("7")
        );
        assert_eq!(target_of(&serde_json::Map::new()), None);
    }

    #[tokio::test]
    async fn events_are_appended_as_json_lines_and_never_truncate_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "{\"earlier\":true}\n").expect("seed");
        let cancel = CancellationToken::new();
        let (log, task) = AuditLog::to_file(path.clone(), cancel.clone());
        for outcome in ["ok", "error"] {
            log.record(AuditEvent {
                time: "2026-01-01T00:00:00Z".into(),
                api_key_id: "ci".into(),
                client_ip: Some("127.0.0.1".into()),
                tool: "jira_create_issue".into(),
                target: Some("DEMO".into()),
                outcome,
            })
            .await;
        }
        cancel.cancel();
        task.await.expect("writer joined");
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], "{\"earlier\":true}");
        let second: serde_json::Value = serde_json::from_str(lines[2]).expect("json");
        assert_eq!(second["outcome"], "error");
        assert_eq!(second["api_key_id"], "ci");
    }
}
