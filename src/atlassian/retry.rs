//! When to retry an upstream call and how long to wait.
//!
//! 429, and 503 with `Retry-After`, mean Atlassian did not process the request: every method
//! is retried after the wait it asks for, up to `ATLASSIAN_RETRY_MAX_WAIT_SECS`. Other 5xx
//! and connection failures may have been processed, so only idempotent methods (GET, PUT,
//! DELETE) are retried, with jittered exponential backoff.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;

/// Retry settings.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff step; doubles each retry.
    pub base_delay: Duration,
    /// Longest single wait, and the cap on an honoured `Retry-After`.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_wait: Duration::from_secs(30),
        }
    }
}

/// Why a failed attempt is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    /// 429 or 503 with Retry-After.
    RateLimited,
    /// Another 5xx.
    ServerError,
    /// No connection or no response.
    Transport,
}

impl RetryReason {
    /// Lower-case label for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryReason::RateLimited => "rate_limited",
            RetryReason::ServerError => "server_error",
            RetryReason::Transport => "transport",
        }
    }
}

fn idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::PUT | Method::DELETE | Method::HEAD
    )
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based), or `None` when the failure is final.
    /// `status` is `None` for transport failures.
    pub fn decide(
        &self,
        method: &Method,
        status: Option<u16>,
        retry_after: Option<Duration>,
        retry: u32,
    ) -> Option<(RetryReason, Duration)> {
        if retry >= self.max_retries {
            return None;
        }
        let reason = match status {
            Some(429) => RetryReason::RateLimited,
            Some(503) if retry_after.is_some() => RetryReason::RateLimited,
            Some(500..=599) if idempotent(method) => RetryReason::ServerError,
            None if idempotent(method) => RetryReason::Transport,
            _ => return None,
        };
        let wait = match (reason, retry_after) {
            (RetryReason::RateLimited, Some(asked)) => {
                if asked > self.max_wait {
                    // Waiting longer than the operator allows: fail now and tell the agent.
                    return None;
                }
                asked
            }
            _ => self.backoff(retry),
        };
        Some((reason, wait))
    }

    /// Full-jitter exponential backoff: a random wait in [base·2^retry / 2, base·2^retry].
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_wait);
        let nanos = ceiling.as_nanos() as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        let half = nanos / 2;
        Duration::from_nanos(half + jitter() % (nanos - half + 1))
    }
}

/// A cheap pseudo-random number; backoff jitter needs spread, not unpredictability.
fn jitter() -> u64 {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = t ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 33)
}

/// Parses `Retry-After`: delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let format = time::format_description::well_known::Rfc2822;
    let when = time::OffsetDateTime::parse(v, &format).ok()?;
    let now = time::OffsetDateTime::now_utc();
    let delta = when - now;
    Some(if delta.is_negative() {
        Duration::ZERO
    } else {
        delta.unsigned_abs()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_wait: Duration::from_secs(30),
        }
    }

    #[test]
    fn rate_limits_are_retried_for_every_method_after_the_asked_wait() {
        let p = policy();
        assert_eq!(
            p.decide(&Method::POST, Some(429), Some(Duration::from_secs(2)), 0),
            Some((RetryReason::RateLimited, Duration::from_secs(2)))
        );
        assert_eq!(
            p.decide(&Method::GET, Some(503), Some(Duration::from_secs(1)), 0),
            Some((RetryReason::RateLimited, Duration::from_secs(1)))
        );
    }

    #[test]
    fn a_wait_longer_than_allowed_is_not_waited_out() {
        assert_eq!(
            policy().decide(&Method::GET, Some(429), Some(Duration::from_secs(31)), 0),
            None
        );
    }

    #[test]
    fn server_errors_are_retried_only_for_idempotent_methods() {
        let p = policy();
        assert!(matches!(
            p.decide(&Method::GET, Some(500), None, 0),
            Some((RetryReason::ServerError, _))
        ));
        assert!(matches!(
            p.decide(&Method::PUT, Some(502), None, 1),
            Some((RetryReason::ServerError, _))
        ));
        assert_eq!(p.decide(&Method::POST, Some(500), None, 0), None);
        assert_eq!(
            p.decide(&Method::POST, None, None, 0),
            None,
            "a POST may have been processed"
        );
        assert!(matches!(
            p.decide(&Method::GET, None, None, 0),
            Some((RetryReason::Transport, _))
        ));
        assert_eq!(p.decide(&Method::GET, Some(404), None, 0), None);
    }

    #[test]
    fn retries_are_bounded() {
        assert_eq!(policy().decide(&Method::GET, Some(500), None, 3), None);
    }

    #[test]
    fn backoff_grows_and_stays_within_its_bounds() {
        let p = policy();
        for retry in 0..5 {
            let ceiling = Duration::from_millis(100 * (1 << retry));
            let d = p.backoff(retry);
            assert!(d >= ceiling / 2 && d <= ceiling, "retry {retry}: {d:?}");
        }
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
