//! Hostile review, the proxy (issue 15 item 9), against the real binary: forwarded headers
//! from an untrusted private peer are warned about once, and the failed-key budget is shared
//! by every replica through Redis, per client behind a trusted proxy.

use crate::binary::{Binary, lines_where, start, start_redis};
use crate::helpers::initialize_request;

const KEY: &str = "a-long-enough-default-key";

async fn init_from(s: &Binary, key: &str, forwarded_for: &str) -> u16 {
    s.post(Some(key), None, &initialize_request(1))
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

fn warnings(s: &Binary) -> usize {
    lines_where(&s.log(), |v| {
        v["level"] == "WARN"
            && v["message"]
                .as_str()
                .is_some_and(|m| m.contains("MCP_TRUSTED_PROXIES"))
    })
    .len()
}

#[tokio::test]
async fn forwarded_headers_from_an_untrusted_private_peer_are_warned_about_once() {
    let s = start(&[("MCP_API_KEY", KEY)]);
    for _ in 0..3 {
        assert_eq!(init_from(&s, KEY, "203.0.113.7").await, 200);
    }
    s.wait_log("the 3rd access line", |_| {
        lines_where(&s.log(), |v| v["message"] == "access").len() >= 3
    })
    .await;
    assert_eq!(warnings(&s), 1, "one warning, not one per request");
    for line in lines_where(&s.log(), |v| v["message"] == "access") {
        assert_eq!(line["client.ip"], "127.0.0.1", "the header is not believed");
    }

    let trusted = start(&[("MCP_API_KEY", KEY), ("MCP_TRUSTED_PROXIES", "127.0.0.0/8")]);
    assert_eq!(init_from(&trusted, KEY, "203.0.113.7").await, 200);
    let line = trusted
        .wait_log("the access line", |v| v["message"] == "access")
        .await;
    assert_eq!(line["client.ip"], "203.0.113.7");
    assert_eq!(warnings(&trusted), 0, "a trusted proxy is not warned about");
}

#[tokio::test]
async fn wrong_keys_on_one_replica_block_that_client_on_every_replica_and_nobody_else() {
    let redis = start_redis();
    let url = redis.url();
    let envs = [
        ("MCP_API_KEY", KEY),
        ("MCP_TRUSTED_PROXIES", "127.0.0.0/8"),
        ("MCP_AUTH_FAILURES_PER_MINUTE", "2"),
        ("MCP_RATE_LIMIT_REDIS_URL", url.as_str()),
    ];
    let a = start(&envs);
    let b = start(&envs);
    let scanner = "203.0.113.66";
    for _ in 0..2 {
        assert_eq!(init_from(&a, "wrong-key-wrong-key", scanner).await, 403);
    }
    let blocked = b
        .post(Some(KEY), None, &initialize_request(1))
        .header("x-forwarded-for", scanner)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        blocked.status(),
        429,
        "the budget spent on replica A holds on replica B, even for the right key"
    );
    let body: serde_json::Value = blocked.json().await.expect("json");
    assert_eq!(body["limit"], "auth_failures_per_minute");
    assert_eq!(
        init_from(&b, KEY, "203.0.113.67").await,
        200,
        "another client behind the same proxy is not locked out"
    );
    assert_eq!(init_from(&a, KEY, "203.0.113.67").await, 200);
}
