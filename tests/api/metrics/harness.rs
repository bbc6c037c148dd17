//! The metrics tests' harness: the real binary with `--sandbox` in its own process, typed
//! helpers for the workload, a scrape parser and `promtool check metrics`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use mcp_atlassian::security::admin;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::binary::{Binary, start_sandbox};
use crate::helpers::{DEADLINE, read_rpc_response};

/// One sample of a scrape: name, labels, value.
pub(super) type Sample = (String, BTreeMap<String, String>, f64);

pub(super) fn parse_scrape(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("sample line");
        let value: f64 = value.parse().expect("number");
        let (name, labels) = match series.split_once('{') {
            None => (series.to_owned(), BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect("closing brace");
                let labels = body
                    .split("\",")
                    .filter(|p| !p.is_empty())
                    .map(|pair| {
                        let (k, v) = pair.split_once("=\"").expect("label pair");
                        (k.to_owned(), v.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name.to_owned(), labels)
            }
        };
        out.push((name, labels, value));
    }
    out
}

pub(super) struct Scrape {
    pub(super) text: String,
    samples: Vec<Sample>,
}

impl Scrape {
    /// The value of the series with exactly these labels.
    pub(super) fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.samples
            .iter()
            .find(|(n, l, _)| n == name && *l == want)
            .map(|(_, _, v)| *v)
    }

    pub(super) fn expect(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels).unwrap_or_else(|| {
            panic!(
                "{name}{labels:?} is missing from the scrape:\n{}",
                self.text
            )
        })
    }

    /// The label names of every series of a family.
    pub(super) fn label_names(&self, name: &str) -> Vec<Vec<String>> {
        self.samples
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, l, _)| l.keys().cloned().collect())
            .collect()
    }

    pub(super) fn has_family(&self, name: &str) -> bool {
        self.text.contains(&format!("# TYPE {name} "))
    }
}

pub(super) struct Running {
    bin: Binary,
    pub(super) mcp: String,
    sandbox: String,
    metrics: String,
    pub(super) client: reqwest::Client,
}

pub(super) fn keys_file(dir: &Path) -> (String, String, String, String) {
    let path = dir.join("keys.toml");
    let now = OffsetDateTime::now_utc();
    let week = std::time::Duration::from_secs(7 * 86_400);
    let writer = admin::create(&path, "writer", true, Some(week), now).expect("writer");
    let reader = admin::create(&path, "reader", false, None, now).expect("reader");
    let limited = admin::create(&path, "limited", true, None, now).expect("limited");
    let revoked = admin::create(&path, "gone", true, None, now).expect("gone");
    admin::revoke(&path, "gone").expect("revoked");
    let mut records = mcp_atlassian::security::keyfile::load(&path).expect("load");
    records
        .iter_mut()
        .find(|r| r.id == "limited")
        .expect("record")
        .per_minute = Some(1);
    mcp_atlassian::security::keyfile::save(&path, &records).expect("save");
    (writer, reader, limited, revoked)
}

pub(super) fn start(keys: &Path) -> Running {
    let keys = keys.to_str().expect("utf-8 path");
    let bin = start_sandbox(&[
        ("MCP_API_KEYS_FILE", keys),
        ("MCP_SSE_KEEPALIVE_SECS", "1"),
        ("MCP_RATE_LIMIT_PER_MINUTE", "0"),
        ("MCP_RATE_LIMIT_PER_HOUR", "0"),
    ]);
    Running {
        mcp: bin.base.clone(),
        sandbox: bin
            .sandbox
            .clone()
            .expect("the start line names the sandbox"),
        metrics: bin
            .metrics
            .clone()
            .expect("the start line names the metrics URL"),
        client: bin.client.clone(),
        bin,
    }
}

impl Running {
    pub(super) async fn scrape(&self) -> Scrape {
        let resp = self.client.get(&self.metrics).send().await.expect("scrape");
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let text = resp.text().await.expect("body");
        Scrape {
            samples: parse_scrape(&text),
            text,
        }
    }

    /// Scrapes until `check` holds (state that changes in the background).
    pub(super) async fn scrape_until(&self, what: &str, check: impl Fn(&Scrape) -> bool) -> Scrape {
        let started = tokio::time::Instant::now();
        loop {
            let s = self.scrape().await;
            if check(&s) {
                return s;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "timed out waiting until {what}:\n{}",
                s.text
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub(super) fn post(
        &self,
        key: Option<&str>,
        session: Option<&str>,
        body: &Value,
    ) -> reqwest::RequestBuilder {
        self.bin.post(key, session, body)
    }

    /// Opens a Streamable HTTP session with `key`.
    pub(super) async fn session(&self, key: &str) -> String {
        match self.bin.session(Some(key)).await {
            Ok(id) => id,
            Err(resp) => panic!("initialize answered {}", resp.status()),
        }
    }

    /// A `tools/call`; returns the HTTP status and the JSON-RPC answer (Null unless 200).
    pub(super) async fn call(
        &self,
        key: &str,
        session: &str,
        tool: &str,
        args: Value,
    ) -> (u16, Value) {
        let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": tool, "arguments": args}});
        let resp = self
            .post(Some(key), Some(session), &body)
            .send()
            .await
            .expect("tools/call");
        let status = resp.status().as_u16();
        if status != 200 {
            return (status, Value::Null);
        }
        (status, read_rpc_response(resp, 2).await)
    }

    pub(super) async fn faults(&self, config: Value) {
        let r = self
            .client
            .post(format!("{}/__sandbox/faults", self.sandbox))
            .json(&config)
            .send()
            .await
            .expect("faults");
        assert!(r.status().is_success());
    }
}

pub(super) fn is_error(answer: &Value) -> bool {
    answer["result"]["isError"].as_bool().unwrap_or(false)
}

pub(super) fn promtool_check(scrape: &str) {
    let mut child = match Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!(
            "promtool is not on PATH ({e}): install the Debian package prometheus (scripts/test.sh does: apt-get install prometheus)"
        ),
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(scrape.as_bytes())
        .expect("write scrape");
    let out = child.wait_with_output().expect("promtool ran");
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
