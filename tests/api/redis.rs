//! Two server processes sharing one real Redis enforce one request budget; with Redis gone
//! they fall back to in-process limits (open) or answer 503 (closed).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-atlassian");
const KEY: &str = "a-long-enough-default-key";

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn start_redis() -> (Killed, u16) {
    let port = free_port();
    let child = Killed(
        Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/test.sh installs Debian's redis-server)"),
    );
    let start = Instant::now();
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let mut buf = [0u8; 16];
            if s.write_all(b"PING\r\n").is_ok()
                && s.read(&mut buf)
                    .is_ok_and(|n| buf[..n].starts_with(b"+PONG"))
            {
                return (child, port);
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts a server; returns it with its MCP URL and its metrics URL.
fn start_server(envs: &[(&str, String)]) -> (Killed, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .args([
            "--transport",
            "streamable-http",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ])
        .env("LOG_FORMAT", "json")
        .env("MCP_API_KEY", KEY)
        .env("MCP_LOG_ACCESS", "false")
        .env("PROMETHEUS_PORT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = Killed(cmd.spawn().expect("spawned"));
    let mut stderr = BufReader::new(child.0.stderr.take().expect("stderr"));
    let mut line = String::new();
    for _ in 0..50 {
        line.clear();
        if stderr.read_line(&mut line).expect("read") == 0 {
            break;
        }
        if let Ok(v) = serde_json::from_str::<Value>(&line)
            && v["message"] == "serving MCP over HTTP"
        {
            let addr = v["addr"].as_str().expect("addr").to_owned();
            let metrics = v["metrics"].as_str().expect("metrics URL").to_owned();
            // Keep draining the log so the child never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
            return (child, format!("http://{addr}/mcp"), metrics);
        }
    }
    panic!("server did not start: {line}");
}

/// The value of one series (`name{labels}` exactly as rendered) in a scrape.
async fn counter(c: &reqwest::Client, metrics: &str, series: &str) -> f64 {
    let text = c
        .get(metrics)
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body");
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} is not in the scrape:\n{text}"))
        .parse()
        .expect("number")
}

async fn init(c: &reqwest::Client, url: &str) -> u16 {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    c.post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("x-api-key", KEY)
        .body(body.to_string())
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[test]
fn two_servers_share_one_redis_budget_and_fall_back_as_configured() {
    let (mut redis, port) = start_redis();
    let shared = vec![
        ("MCP_RATE_LIMIT_PER_MINUTE", "10".to_owned()),
        ("MCP_RATE_LIMIT_IP_PER_MINUTE", "0".to_owned()),
        (
            "MCP_RATE_LIMIT_REDIS_URL",
            format!("redis://127.0.0.1:{port}/0"),
        ),
    ];
    let (_a, url_a, metrics_a) = start_server(&shared);
    let (_b, url_b, _) = start_server(&shared);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    rt.block_on(async {
        for i in 0..10 {
            let url = if i % 2 == 0 { &url_a } else { &url_b };
            assert_eq!(
                init(&c, url).await,
                200,
                "request {i} is within the shared budget"
            );
        }
        assert_eq!(
            init(&c, &url_a).await,
            429,
            "the budget is spent across both servers"
        );
        assert_eq!(init(&c, &url_b).await, 429);
        assert_eq!(
            counter(
                &c,
                &metrics_a,
                "mcp_atlassian_rate_limited_total{scope=\"key_minute\"}"
            )
            .await,
            1.0
        );
        assert_eq!(
            counter(
                &c,
                &metrics_a,
                "mcp_atlassian_rate_limit_backend_errors_total"
            )
            .await,
            0.0
        );
    });

    let _ = redis.0.kill();
    let _ = redis.0.wait();
    let mut closed_env = shared.clone();
    closed_env.push(("MCP_RATE_LIMIT_REDIS_FAILURE", "closed".to_owned()));
    let (_c, url_closed, metrics_closed) = start_server(&closed_env);
    rt.block_on(async {
        assert_eq!(
            init(&c, &url_a).await,
            200,
            "fail open: the in-process budget takes over"
        );
        assert_eq!(
            init(&c, &url_closed).await,
            503,
            "fail closed: no shared limiter, no service"
        );
        // Fail open asked Redis twice (the per-IP hour budget, then the key's); fail closed
        // stopped at the first unanswered check.
        for (m, unanswered) in [(&metrics_a, 2.0), (&metrics_closed, 1.0)] {
            assert_eq!(
                counter(&c, m, "mcp_atlassian_rate_limit_backend_errors_total").await,
                unanswered,
                "every check Redis could not answer is counted"
            );
        }
    });
}
