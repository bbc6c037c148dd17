//! Two server processes sharing one real Redis enforce one request budget; with Redis gone
//! they fall back to in-process limits (open) or answer 503 (closed).

use std::time::Duration;

use serde_json::json;

use crate::binary::{Binary, start, start_redis};

const KEY: &str = "a-long-enough-default-key";

fn start_server(envs: &[(&str, String)]) -> Binary {
    let mut all: Vec<(&str, &str)> = vec![("MCP_API_KEY", KEY), ("MCP_LOG_ACCESS", "false")];
    all.extend(envs.iter().map(|(k, v)| (*k, v.as_str())));
    start(&all)
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
    let mut redis = start_redis();
    let shared = vec![
        ("MCP_RATE_LIMIT_PER_MINUTE", "10".to_owned()),
        ("MCP_RATE_LIMIT_IP_PER_MINUTE", "0".to_owned()),
        ("MCP_RATE_LIMIT_REDIS_URL", redis.url()),
    ];
    let a = start_server(&shared);
    let b = start_server(&shared);
    let (url_a, url_b) = (a.url("/mcp"), b.url("/mcp"));
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
            a.metric("mcp_atlassian_rate_limited_total{scope=\"key_minute\"}")
                .await,
            1.0
        );
        assert_eq!(
            a.metric("mcp_atlassian_rate_limit_backend_errors_total")
                .await,
            0.0
        );
    });

    redis.stop();
    let mut closed_env = shared.clone();
    closed_env.push(("MCP_RATE_LIMIT_REDIS_FAILURE", "closed".to_owned()));
    let closed = start_server(&closed_env);
    let url_closed = closed.url("/mcp");
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
        // Fail open asked Redis three times (the key's failed-attempt budget, the per-IP
        // hour budget, then the key's); fail closed stopped at the first unanswered check.
        for (server, unanswered) in [(&a, 3.0), (&closed, 1.0)] {
            assert_eq!(
                server
                    .metric("mcp_atlassian_rate_limit_backend_errors_total")
                    .await,
                unanswered,
                "every check Redis could not answer is counted"
            );
        }
    });
}
