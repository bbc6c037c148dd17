//! Request budgets shared by every replica through Redis: a GCRA Lua script that reads the
//! clock with Redis `TIME` (so replicas with skewed clocks still agree) and checks the
//! minute and hour windows together, committing only when both pass. The failed-key budget
//! per client IP is shared too: a counter per IP that expires a minute after its first
//! failure, so a scanner spending it on one replica is refused on all of them.
//!
//! When Redis cannot be reached the caller decides (`MCP_RATE_LIMIT_REDIS_FAILURE`): fall back
//! to the in-process limiter, or refuse with 503. Reconnects are attempted at most every few
//! seconds, never per request, and each call has a short timeout.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;
use secrecy::{ExposeSecret, SecretString};

use super::ratelimit::Denial;

/// Returns `{1, 0}` when allowed, else `{0, retry_after_ms, window_index}` (1 = minute, 2 = hour).
const GCRA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local news = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  if interval > 0 then
    local tat = tonumber(redis.call('GET', KEYS[i]) or now)
    if tat < now then tat = now end
    local new_tat = tat + interval
    local allow_at = new_tat - burst
    if allow_at > now then
      return {0, allow_at - now, i}
    end
    news[i] = new_tat
  end
end
for i = 1, #KEYS do
  if news[i] then
    redis.call('SET', KEYS[i], news[i], 'PX', math.max(1, math.ceil(news[i] - now)))
  end
end
return {1, 0, 0}
"#;

/// `{1, 0}` while the IP's failure count is under `ARGV[1]`, else `{0, ms until it resets}`.
const FAILURES_CHECK: &str = r#"
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  return {0, redis.call('PTTL', KEYS[1])}
end
return {1, 0}
"#;

/// Counts one failure; the window (`ARGV[1]` ms) starts with the first.
const FAILURES_RECORD: &str = r#"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"#;

/// How long one Redis call may take before it counts as unreachable.
const CALL_TIMEOUT: Duration = Duration::from_millis(300);
/// The least time between two connection attempts while Redis is down.
const RECONNECT_EVERY: Duration = Duration::from_secs(3);

/// Redis could not answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("Redis unreachable: {0}")]
pub struct Unreachable(pub String);

/// A minute and an hour budget for one kind of subject (key or IP).
#[derive(Debug, Clone, Copy)]
pub struct Pair {
    /// Per minute (0 = none).
    pub per_minute: u32,
    /// Per hour (0 = none).
    pub per_hour: u32,
    /// Label prefix for denials: `key` or `ip`.
    pub kind: &'static str,
}

/// The shared limiter.
pub struct RedisLimiter {
    client: redis::Client,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
    last_attempt: Mutex<Option<Instant>>,
    script: redis::Script,
    failures_check: redis::Script,
    failures_record: redis::Script,
}

impl RedisLimiter {
    /// Parses the URL; connects lazily on first use.
    pub fn new(url: &SecretString) -> Result<Self, String> {
        let client = redis::Client::open(url.expose_secret())
            .map_err(|e| format!("MCP_RATE_LIMIT_REDIS_URL is not usable: {e}"))?;
        Ok(RedisLimiter {
            client,
            conn: tokio::sync::Mutex::new(None),
            last_attempt: Mutex::new(None),
            script: redis::Script::new(GCRA),
            failures_check: redis::Script::new(FAILURES_CHECK),
            failures_record: redis::Script::new(FAILURES_RECORD),
        })
    }

    async fn connection(&self) -> Result<ConnectionManager, Unreachable> {
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        {
            let mut last = self
                .last_attempt
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if last.is_some_and(|t| t.elapsed() < RECONNECT_EVERY) {
                return Err(Unreachable(
                    "waiting before the next connection attempt".into(),
                ));
            }
            *last = Some(Instant::now());
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(1);
        let c = tokio::time::timeout(
            CALL_TIMEOUT * 2,
            self.client.get_connection_manager_with_config(config),
        )
        .await
        .map_err(|_| Unreachable("connection timed out".into()))?
        .map_err(|e| Unreachable(e.to_string()))?;
        *guard = Some(c.clone());
        Ok(c)
    }

    /// Runs a prepared script invocation within the call timeout.
    async fn invoke<T: redis::FromRedisValue>(
        &self,
        inv: redis::ScriptInvocation<'_>,
    ) -> Result<T, Unreachable> {
        let mut conn = self.connection().await?;
        match tokio::time::timeout(CALL_TIMEOUT, inv.invoke_async(&mut conn)).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(Unreachable(e.to_string())),
            Err(_) => Err(Unreachable("call timed out".into())),
        }
    }

    /// `Some(wait)` when `ip` has used up its `limit` failed-key attempts in the window.
    pub async fn failures_spent(
        &self,
        ip: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Option<Duration>, Unreachable> {
        let mut inv = self.failures_check.prepare_invoke();
        inv.key(failures_key(ip)).arg(limit);
        let reply: Vec<i64> = self.invoke(inv).await?;
        match reply.as_slice() {
            [1, ..] => Ok(None),
            // PTTL is -1 only if the expiry was lost; count the whole window then.
            [0, ms] if *ms > 0 => Ok(Some(Duration::from_millis(*ms as u64))),
            [0, _] => Ok(Some(window)),
            other => Err(Unreachable(format!("unexpected script reply {other:?}"))),
        }
    }

    /// Counts one failed-key attempt from `ip`; the window starts with the first.
    pub async fn record_failure(&self, ip: &str, window: Duration) -> Result<(), Unreachable> {
        let mut inv = self.failures_record.prepare_invoke();
        inv.key(failures_key(ip)).arg(window.as_millis() as u64);
        let _count: i64 = self.invoke(inv).await?;
        Ok(())
    }

    /// Counts one request for `subject` against both windows of `pair`.
    pub async fn check(
        &self,
        pair: Pair,
        subject: &str,
    ) -> Result<Result<(), Denial>, Unreachable> {
        let minute_ms = if pair.per_minute > 0 {
            60_000 / u64::from(pair.per_minute)
        } else {
            0
        };
        let hour_ms = if pair.per_hour > 0 {
            3_600_000 / u64::from(pair.per_hour)
        } else {
            0
        };
        let mut inv = self.script.prepare_invoke();
        inv.key(format!("mcp_atlassian:rl:{}:{subject}:m", pair.kind))
            .key(format!("mcp_atlassian:rl:{}:{subject}:h", pair.kind))
            .arg(minute_ms)
            .arg(minute_ms * u64::from(pair.per_minute))
            .arg(hour_ms)
            .arg(hour_ms * u64::from(pair.per_hour));
        let reply: Vec<i64> = self.invoke(inv).await?;
        match reply.as_slice() {
            [1, ..] => Ok(Ok(())),
            [0, wait_ms, window] => {
                let (limit, quota, window_secs) = if *window == 1 {
                    (
                        if pair.kind == "key" {
                            "key_per_minute"
                        } else {
                            "ip_per_minute"
                        },
                        pair.per_minute,
                        60,
                    )
                } else {
                    (
                        if pair.kind == "key" {
                            "key_per_hour"
                        } else {
                            "ip_per_hour"
                        },
                        pair.per_hour,
                        3600,
                    )
                };
                Ok(Err(Denial {
                    limit,
                    quota,
                    window_secs,
                    retry_after: Duration::from_millis((*wait_ms).max(1) as u64),
                }))
            }
            other => Err(Unreachable(format!("unexpected script reply {other:?}"))),
        }
    }
}

fn failures_key(ip: &str) -> String {
    format!("mcp_atlassian:af:{ip}")
}
