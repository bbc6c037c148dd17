//! Prometheus metrics over real HTTP. The workload test runs the real binary (`--sandbox`) in
//! its own process, so its one global recorder sees only this test's traffic and every count
//! can be asserted exactly; the scrape must also pass `promtool check metrics`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use mcp_atlassian::security::admin;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::helpers::{DEADLINE, PROTOCOL, SseReader, initialize_request, read_rpc_response};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-atlassian");

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One sample of a scrape: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

fn parse_scrape(text: &str) -> Vec<Sample> {
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

struct Scrape {
    text: String,
    samples: Vec<Sample>,
}

impl Scrape {
    /// The value of the series with exactly these labels.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.samples
            .iter()
            .find(|(n, l, _)| n == name && *l == want)
            .map(|(_, _, v)| *v)
    }

    fn expect(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels).unwrap_or_else(|| {
            panic!(
                "{name}{labels:?} is missing from the scrape:\n{}",
                self.text
            )
        })
    }

    /// The label names of every series of a family.
    fn label_names(&self, name: &str) -> Vec<Vec<String>> {
        self.samples
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, l, _)| l.keys().cloned().collect())
            .collect()
    }

    fn has_family(&self, name: &str) -> bool {
        self.text.contains(&format!("# TYPE {name} "))
    }
}

struct Running {
    _server: Server,
    mcp: String,
    sandbox: String,
    metrics: String,
    client: reqwest::Client,
}

fn keys_file(dir: &Path) -> (String, String, String, String) {
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
        .per_minute = Some(2);
    mcp_atlassian::security::keyfile::save(&path, &records).expect("save");
    (writer, reader, limited, revoked)
}

fn start(keys: &Path) -> Running {
    let mut child = Command::new(BIN)
        .env_clear()
        .current_dir(std::env::temp_dir())
        .args(["--sandbox", "--port", "0"])
        .env("PROMETHEUS_PORT", "0")
        .env("MCP_API_KEYS_FILE", keys)
        .env("MCP_SSE_KEEPALIVE_SECS", "1")
        .env("MCP_RATE_LIMIT_PER_MINUTE", "0")
        .env("MCP_RATE_LIMIT_PER_HOUR", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawned");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let (mut mcp, mut sandbox, mut metrics) = (None, None, None);
    for line in lines.by_ref().take(40) {
        let line = line.expect("read");
        let last = line
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_owned();
        if line.contains("Streamable HTTP: ") {
            mcp = Some(last.trim_end_matches("/mcp").to_owned());
        } else if line.contains("Sandbox REST: ") {
            sandbox = line.split_whitespace().nth(2).map(str::to_owned);
        } else if line.starts_with("Metrics (Prometheus): ") {
            metrics = Some(last);
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Running {
        _server: server,
        mcp: mcp.expect("the banner names the MCP URL"),
        sandbox: sandbox.expect("the banner names the sandbox"),
        metrics: metrics.expect("the banner names the metrics URL"),
        client: reqwest::Client::builder()
            .timeout(DEADLINE)
            .build()
            .expect("client"),
    }
}

impl Running {
    async fn scrape(&self) -> Scrape {
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
    async fn scrape_until(&self, what: &str, check: impl Fn(&Scrape) -> bool) -> Scrape {
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

    fn post(
        &self,
        key: Option<&str>,
        session: Option<&str>,
        body: &Value,
    ) -> reqwest::RequestBuilder {
        let mut req = self
            .client
            .post(format!("{}/mcp", self.mcp))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string());
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        if let Some(s) = session {
            req = req
                .header("mcp-session-id", s)
                .header("mcp-protocol-version", PROTOCOL);
        }
        req
    }

    /// Opens a Streamable HTTP session with `key`.
    async fn session(&self, key: &str) -> String {
        let resp = self
            .post(Some(key), None, &initialize_request(1))
            .send()
            .await
            .expect("initialize");
        assert_eq!(resp.status(), 200);
        let id = resp.headers()["mcp-session-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        read_rpc_response(resp, 1).await;
        let ack = self
            .post(
                Some(key),
                Some(&id),
                &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            )
            .send()
            .await
            .expect("initialized");
        assert_eq!(ack.status(), 202);
        id
    }

    /// A `tools/call`; returns the HTTP status and the JSON-RPC answer (Null unless 200).
    async fn call(&self, key: &str, session: &str, tool: &str, args: Value) -> (u16, Value) {
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

    async fn faults(&self, config: Value) {
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

fn is_error(answer: &Value) -> bool {
    answer["result"]["isError"].as_bool().unwrap_or(false)
}

fn promtool_check(scrape: &str) {
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

#[tokio::test]
async fn a_scrape_after_a_workload_counts_every_family_exactly_and_passes_promtool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (writer, reader, limited, revoked) = keys_file(dir.path());
    let keys_path = dir.path().join("keys.toml");
    let s = start(&keys_path);

    // Before any traffic: the families alerts need exist at zero, the probe reports upstream.
    let idle = s
        .scrape_until("the readiness probe reported both services", |x| {
            x.value("mcp_atlassian_upstream_up", &[("service", "jira")]) == Some(1.0)
                && x.value("mcp_atlassian_upstream_up", &[("service", "confluence")]) == Some(1.0)
        })
        .await;
    for outcome in ["ok", "error"] {
        assert_eq!(
            idle.expect("mcp_atlassian_backup_runs_total", &[("outcome", outcome)]),
            0.0
        );
    }
    assert!(
        idle.value("mcp_atlassian_backup_last_success_timestamp_seconds", &[])
            .is_none(),
        "no backup has succeeded: the gauge stays absent so 'backup missing' can fire"
    );
    assert_eq!(
        idle.expect(
            "mcp_atlassian_tool_calls_total",
            &[("tool", "jira_get_issue"), ("outcome", "upstream_error")]
        ),
        0.0
    );

    // The workload.
    let w = s.session(&writer).await;
    let (_, ok) = s
        .call(
            &writer,
            &w,
            "jira_get_issue",
            json!({"issue_key": "DEMO-1"}),
        )
        .await;
    assert!(!is_error(&ok), "{ok}");
    let (_, missing) = s
        .call(
            &writer,
            &w,
            "jira_get_issue",
            json!({"issue_key": "DEMO-99999"}),
        )
        .await;
    assert!(
        is_error(&missing),
        "a missing issue is a tool error: {missing}"
    );
    // A 500 on a POST is not retried: the comment fails upstream.
    s.faults(json!({"errors": {"status": 500, "count": 1}, "path_prefix": "/rest/api/3/issue/DEMO-1/comment"})).await;
    let (_, failed) = s
        .call(
            &writer,
            &w,
            "jira_add_comment",
            json!({"issue_key": "DEMO-1", "body": "hi"}),
        )
        .await;
    assert!(is_error(&failed), "{failed}");
    // One 429 with Retry-After: 0 is waited out and retried: the call still succeeds.
    s.faults(json!({"rate_limit": {"count": 1, "retry_after_secs": 0}, "path_prefix": "/rest/api/3/issue/DEMO-2"})).await;
    let (_, throttled) = s
        .call(
            &writer,
            &w,
            "jira_get_issue",
            json!({"issue_key": "DEMO-2"}),
        )
        .await;
    assert!(!is_error(&throttled), "{throttled}");

    // A read-only key may not call a write tool.
    let r = s.session(&reader).await;
    let (_, denied) = s
        .call(
            &reader,
            &r,
            "jira_add_comment",
            json!({"issue_key": "DEMO-1", "body": "x"}),
        )
        .await;
    assert!(denied["error"].is_object(), "{denied}");

    // A key with a budget of 2 messages a minute: initialize + initialized spend it.
    let l = s.session(&limited).await;
    let (status, _) = s
        .call(
            &limited,
            &l,
            "jira_get_issue",
            json!({"issue_key": "DEMO-1"}),
        )
        .await;
    assert_eq!(status, 429);

    // Refused keys.
    for key in [
        Some("mcpk_nobody_0123456789012345678901234567890123456789012"),
        None,
        Some(revoked.as_str()),
    ] {
        let resp = s
            .post(key, None, &initialize_request(1))
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 403);
    }

    // A legacy SSE session with one tool call, then closed by the client.
    let resp = s
        .client
        .get(format!("{}/sse", s.mcp))
        .header("x-api-key", &writer)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("GET /sse");
    assert_eq!(resp.status(), 200);
    let mut sse = SseReader::new(resp);
    let endpoint = sse.next_event().await.expect("endpoint").data;
    let post_url = format!("{}{}", s.mcp, endpoint);
    for msg in [
        initialize_request(1),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-3"}}}),
    ] {
        let st = s
            .client
            .post(&post_url)
            .header("content-type", "application/json")
            .body(msg.to_string())
            .send()
            .await
            .expect("POST /messages/")
            .status();
        assert_eq!(st, 202);
    }
    loop {
        let ev = sse
            .next_event()
            .await
            .expect("answer before the stream ended");
        let v: Value = serde_json::from_str(&ev.data).expect("json");
        if v["id"] == json!(2) {
            assert!(!is_error(&v), "{v}");
            break;
        }
    }
    let open = s.scrape().await;
    assert_eq!(
        open.expect("mcp_atlassian_sessions_active", &[("transport", "sse")]),
        1.0
    );
    drop(sse);

    // Close one Streamable HTTP session; the other three stay open.
    let del = s
        .client
        .delete(format!("{}/mcp", s.mcp))
        .header("x-api-key", &reader)
        .header("mcp-session-id", &r)
        .header("mcp-protocol-version", PROTOCOL)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(del.status(), 204);
    assert_eq!(
        s.client
            .get(format!("{}/healthz", s.mcp))
            .send()
            .await
            .expect("healthz")
            .status(),
        200
    );
    assert_eq!(
        s.client
            .get(format!("{}/wp-login.php", s.mcp))
            .send()
            .await
            .expect("404")
            .status(),
        404
    );

    let m = s
        .scrape_until("the closed sessions are no longer active", |x| {
            x.value("mcp_atlassian_sessions_active", &[("transport", "sse")]) == Some(0.0)
                && x.value(
                    "mcp_atlassian_sessions_active",
                    &[("transport", "streamable_http")],
                ) == Some(2.0)
        })
        .await;

    // Tool calls, by tool and outcome, exactly.
    let calls = |tool: &str, outcome: &str| {
        m.expect(
            "mcp_atlassian_tool_calls_total",
            &[("tool", tool), ("outcome", outcome)],
        )
    };
    assert_eq!(
        calls("jira_get_issue", "ok"),
        3.0,
        "DEMO-1, DEMO-2 after the 429, DEMO-3 over SSE"
    );
    assert_eq!(calls("jira_get_issue", "tool_error"), 1.0);
    assert_eq!(calls("jira_get_issue", "rate_limited"), 1.0);
    assert_eq!(calls("jira_add_comment", "upstream_error"), 1.0);
    assert_eq!(calls("jira_add_comment", "denied"), 1.0);
    assert_eq!(calls("jira_add_comment", "ok"), 0.0);
    assert_eq!(
        calls("confluence_get_page", "ok"),
        0.0,
        "every registered tool exists at zero"
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_tool_call_duration_seconds_count",
            &[("tool", "jira_get_issue")]
        ),
        4.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_tool_call_duration_seconds_bucket",
            &[("tool", "jira_get_issue"), ("le", "+Inf")]
        ),
        4.0
    );
    assert!(
        m.text.contains(
            "mcp_atlassian_tool_call_duration_seconds_bucket{tool=\"jira_get_issue\",le=\"0.01\"}"
        ),
        "explicit tool buckets"
    );

    // Sessions.
    assert_eq!(
        m.expect(
            "mcp_atlassian_sessions_total",
            &[("transport", "streamable_http")]
        ),
        3.0
    );
    assert_eq!(
        m.expect("mcp_atlassian_sessions_total", &[("transport", "sse")]),
        1.0
    );
    assert_eq!(
        m.expect("mcp_atlassian_sessions_total", &[("transport", "stdio")]),
        0.0
    );

    // Refusals.
    assert_eq!(
        m.expect(
            "mcp_atlassian_auth_failures_total",
            &[("reason", "unknown")]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_auth_failures_total",
            &[("reason", "missing")]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_auth_failures_total",
            &[("reason", "revoked")]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_auth_failures_total",
            &[("reason", "expired")]
        ),
        0.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_rate_limited_total",
            &[("scope", "key_minute")]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_rate_limited_total",
            &[("scope", "ip_minute")]
        ),
        0.0
    );
    assert_eq!(
        m.expect("mcp_atlassian_rate_limit_backend_errors_total", &[]),
        0.0
    );

    // HTTP requests: bounded routes, never the raw path.
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "/healthz"),
                ("method", "GET"),
                ("status_class", "2xx")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "other"),
                ("method", "GET"),
                ("status_class", "4xx")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "/mcp"),
                ("method", "DELETE"),
                ("status_class", "2xx")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "/mcp"),
                ("method", "POST"),
                ("status_class", "4xx")
            ]
        ),
        4.0,
        "3 refused keys + 1 rate-limited"
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "/sse"),
                ("method", "GET"),
                ("status_class", "2xx")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_http_requests_total",
            &[
                ("route", "/messages"),
                ("method", "POST"),
                ("status_class", "2xx")
            ]
        ),
        3.0
    );
    assert!(
        !m.text.contains("wp-login"),
        "raw paths never become labels"
    );
    assert_eq!(
        m.label_names("mcp_atlassian_http_request_duration_seconds_count")
            .first()
            .map(Vec::len),
        Some(2),
        "route and method"
    );

    // Upstream: the 500 and the 429 as attempts, the 429 as throttling and one retry.
    let up = |class: &str| {
        m.value(
            "mcp_atlassian_upstream_requests_total",
            &[
                ("service", "jira"),
                ("method", "GET"),
                ("status_class", class),
            ],
        )
        .unwrap_or(0.0)
    };
    assert!(up("2xx") >= 4.0, "3 issue reads + the probe");
    assert_eq!(up("4xx"), 2.0, "the 404 and the 429");
    assert_eq!(
        m.expect(
            "mcp_atlassian_upstream_requests_total",
            &[
                ("service", "jira"),
                ("method", "POST"),
                ("status_class", "5xx")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_upstream_throttled_total",
            &[("service", "jira")]
        ),
        1.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_upstream_throttled_total",
            &[("service", "confluence")]
        ),
        0.0
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_upstream_retries_total",
            &[("service", "jira"), ("reason", "rate_limited")]
        ),
        1.0
    );
    assert!(
        m.value(
            "mcp_atlassian_upstream_retries_total",
            &[("service", "jira"), ("reason", "server_error")]
        )
        .is_none(),
        "a POST is not retried"
    );
    assert!(
        m.expect(
            "mcp_atlassian_upstream_request_duration_seconds_count",
            &[("service", "confluence")]
        ) >= 1.0,
        "the probe"
    );
    assert!(
        m.text.contains(
            "mcp_atlassian_upstream_request_duration_seconds_bucket{service=\"jira\",le=\"0.005\"}"
        ),
        "explicit upstream buckets"
    );
    assert_eq!(
        m.expect("mcp_atlassian_upstream_up", &[("service", "jira")]),
        1.0
    );

    // Keys, build and process.
    assert_eq!(
        m.expect("mcp_atlassian_api_keys", &[("state", "active")]),
        3.0
    );
    assert_eq!(
        m.expect("mcp_atlassian_api_keys", &[("state", "revoked")]),
        1.0
    );
    assert_eq!(
        m.expect("mcp_atlassian_api_keys", &[("state", "expired")]),
        0.0
    );
    let expiry = m.expect(
        "mcp_atlassian_api_key_expiry_timestamp_seconds",
        &[("key_id", "writer")],
    );
    let in_a_week = (OffsetDateTime::now_utc().unix_timestamp() + 7 * 86_400) as f64;
    assert!(
        (expiry - in_a_week).abs() < 120.0,
        "{expiry} vs {in_a_week}"
    );
    assert_eq!(
        m.label_names("mcp_atlassian_api_key_expiry_timestamp_seconds")
            .len(),
        1,
        "only keys with an expiry"
    );
    assert_eq!(
        m.expect(
            "mcp_atlassian_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    assert!(m.expect("process_resident_memory_bytes", &[]) > 1e6);
    assert!(m.expect("process_open_fds", &[]) > 0.0);
    assert!(m.value("process_cpu_seconds_total", &[]).is_some());
    assert!(m.expect("process_start_time_seconds", &[]) > 1.6e9);
    for family in [
        "mcp_atlassian_backup_last_size_bytes",
        "mcp_atlassian_backup_last_success_timestamp_seconds",
        "mcp_atlassian_backup_runs_total",
        "mcp_atlassian_rate_limit_backend_errors_total",
    ] {
        assert!(m.has_family(family), "{family} is in the scrape");
        assert_eq!(
            m.text.matches(&format!("# TYPE {family} ")).count(),
            1,
            "{family} once"
        );
    }
    assert_eq!(m.expect("mcp_atlassian_backup_last_size_bytes", &[]), 0.0);
    assert!(!m.text.contains("DEMO-"), "issue keys never become labels");

    promtool_check(&m.text);
}

#[tokio::test]
async fn with_metrics_disabled_the_port_is_not_bound() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
        .to_string();
    let app = crate::helpers::spawn_app_with(&[
        ("PROMETHEUS_ENABLED", "false"),
        ("PROMETHEUS_PORT", &port),
    ])
    .await;
    assert!(app.handle.metrics_addr.is_none());
    std::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .expect("the metrics port is still free");
    app.stop().await;
}

#[tokio::test]
async fn a_metrics_port_in_use_stops_start_up_naming_the_variable() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let config = mcp_atlassian::config::Config::from_pairs(
        crate::helpers::base_settings()
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain([("PROMETHEUS_PORT", port.as_str())]),
    )
    .expect("valid");
    let registry = mcp_atlassian::app::build_registry(&config, Vec::new()).expect("registry");
    let err = match mcp_atlassian::app::Application::build(&config, registry).await {
        Ok(_) => panic!("start-up must fail while the metrics port is taken"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("PROMETHEUS_PORT") && err.contains(&port),
        "{err}"
    );
}

#[tokio::test]
async fn an_in_process_app_serves_its_metrics_on_the_bound_address() {
    let app = crate::helpers::spawn_app().await;
    let addr = app
        .handle
        .metrics_addr
        .expect("metrics are on by default over HTTP");
    let (session, _) = app.initialize().await;
    app.rpc(
        session.as_deref(),
        2,
        "tools/call",
        json!({"name": "test_echo", "arguments": {"text": "x"}}),
    )
    .await;
    let text = app
        .client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body");
    let samples = parse_scrape(&text);
    let ok = samples
        .iter()
        .find(|(n, l, _)| {
            n == "mcp_atlassian_tool_calls_total"
                && l.get("tool").map(String::as_str) == Some("test_echo")
                && l.get("outcome").map(String::as_str) == Some("ok")
        })
        .map(|s| s.2);
    assert!(ok.is_some_and(|v| v >= 1.0), "{text}");
    app.stop().await;
}
