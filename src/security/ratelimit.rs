//! Request budgets per API key and per client IP (a minute and an hour window, both must
//! pass), and a per-IP budget of failed key attempts that, once spent, makes even a correct
//! key from that IP wait (slows brute force). In-process GCRA via `governor`, or shared by
//! all replicas through Redis (`redis_limit`) with the in-process budgets as fallback.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter as Gcra};

use secrecy::SecretString;

use super::redis_limit::{Pair, RedisLimiter, Unreachable};
use crate::config::RateLimits;

type Keyed<K> = Gcra<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// One budget: a limiter and how to describe it.
struct Budget<K: std::hash::Hash + Eq + Clone> {
    limiter: Keyed<K>,
    limit: u32,
    window_secs: u64,
    name: &'static str,
}

impl<K: std::hash::Hash + Eq + Clone> Budget<K> {
    fn new(limit: u32, window: Duration, name: &'static str) -> Option<Self> {
        let n = NonZeroU32::new(limit)?;
        let quota = Quota::with_period(window / limit)?.allow_burst(n);
        Some(Budget {
            limiter: Gcra::keyed(quota),
            limit,
            window_secs: window.as_secs(),
            name,
        })
    }

    fn check(&self, key: &K) -> Result<(), Denial> {
        self.limiter.check_key(key).map_err(|not_until| Denial {
            limit: self.name,
            quota: self.limit,
            window_secs: self.window_secs,
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }
}

/// A request over a budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// Which budget: e.g. `key_per_minute`.
    pub limit: &'static str,
    /// Its size.
    pub quota: u32,
    /// Its window in seconds.
    pub window_secs: u64,
    /// When the next request would pass.
    pub retry_after: Duration,
}

type SharedBudget = std::sync::Arc<Budget<String>>;

/// All budgets, kept in this process.
pub struct LocalLimiter {
    key_minute: Option<Budget<String>>,
    key_hour: Option<Budget<String>>,
    ip_minute: Option<Budget<IpAddr>>,
    ip_hour: Option<Budget<IpAddr>>,
    failures_per_minute: u32,
    failures: Mutex<HashMap<IpAddr, (Instant, u32)>>,
    checks: AtomicU64,
    /// Budgets of keys with their own limits, one limiter per distinct (limit, window).
    custom: Mutex<HashMap<(u32, u64), SharedBudget>>,
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

impl LocalLimiter {
    /// Budgets as configured (0 = no limit).
    pub fn new(l: &RateLimits) -> Self {
        LocalLimiter {
            key_minute: Budget::new(l.key_per_minute, MINUTE, "key_per_minute"),
            key_hour: Budget::new(l.key_per_hour, HOUR, "key_per_hour"),
            ip_minute: Budget::new(l.ip_per_minute, MINUTE, "ip_per_minute"),
            ip_hour: Budget::new(l.ip_per_hour, HOUR, "ip_per_hour"),
            failures_per_minute: l.auth_failures_per_minute,
            failures: Mutex::new(HashMap::new()),
            checks: AtomicU64::new(0),
            custom: Mutex::new(HashMap::new()),
        }
    }

    fn housekeeping(&self) {
        // Forget idle keys and IPs now and then so the maps do not grow without bound.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            for b in [&self.key_minute, &self.key_hour].into_iter().flatten() {
                b.limiter.retain_recent();
            }
            for b in [&self.ip_minute, &self.ip_hour].into_iter().flatten() {
                b.limiter.retain_recent();
            }
            let now = Instant::now();
            self.failures
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .retain(|_, (start, _)| now.duration_since(*start) < MINUTE);
        }
    }

    /// Counts one MCP message from `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Denial> {
        self.housekeeping();
        for b in [&self.ip_minute, &self.ip_hour].into_iter().flatten() {
            b.check(&ip)?;
        }
        Ok(())
    }

    fn custom_budget(
        &self,
        limit: u32,
        window: Duration,
        name: &'static str,
    ) -> Option<SharedBudget> {
        let mut map = self.custom.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(b) = map.get(&(limit, window.as_secs())) {
            return Some(b.clone());
        }
        let b = std::sync::Arc::new(Budget::new(limit, window, name)?);
        map.insert((limit, window.as_secs()), b.clone());
        Some(b)
    }

    /// Counts one MCP message for key `id`; `own` are the key's own (minute, hour) budgets
    /// from the keys file, replacing the global ones where set.
    pub fn check_key(&self, id: &str, own: (Option<u32>, Option<u32>)) -> Result<(), Denial> {
        let id = id.to_owned();
        let minute_own = own
            .0
            .and_then(|l| self.custom_budget(l, MINUTE, "key_per_minute"));
        let hour_own = own
            .1
            .and_then(|l| self.custom_budget(l, HOUR, "key_per_hour"));
        let minute = if own.0.is_some() {
            minute_own.as_deref()
        } else {
            self.key_minute.as_ref()
        };
        let hour = if own.1.is_some() {
            hour_own.as_deref()
        } else {
            self.key_hour.as_ref()
        };
        for b in [minute, hour].into_iter().flatten() {
            b.check(&id)?;
        }
        Ok(())
    }

    /// Refuses any key from an IP whose failed attempts used up this minute's budget.
    pub fn check_failures(&self, ip: IpAddr) -> Result<(), Denial> {
        if self.failures_per_minute == 0 {
            return Ok(());
        }
        let map = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get(&ip) {
            Some((start, count))
                if *count >= self.failures_per_minute && start.elapsed() < MINUTE =>
            {
                Err(Denial {
                    limit: "auth_failures_per_minute",
                    quota: self.failures_per_minute,
                    window_secs: 60,
                    retry_after: MINUTE.saturating_sub(start.elapsed()),
                })
            }
            _ => Ok(()),
        }
    }

    /// Records a failed key attempt from `ip`.
    pub fn record_failure(&self, ip: IpAddr) {
        if self.failures_per_minute == 0 {
            return;
        }
        let mut map = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = map.entry(ip).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= MINUTE {
            *entry = (Instant::now(), 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

/// A request refused by the limiter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Over a budget: 429.
    Over(Denial),
    /// The shared limiter is down and the operator chose to fail closed: 503.
    Unavailable,
}

impl From<Denial> for Refusal {
    fn from(d: Denial) -> Self {
        Refusal::Over(d)
    }
}

/// The request budgets and the failed-key budget: in-process, or shared through Redis with
/// the in-process limiter as fallback.
pub struct RateLimiter {
    local: LocalLimiter,
    redis: Option<RedisLimiter>,
    limits: RateLimits,
    fail_closed: bool,
    redis_down: AtomicBool,
    fallbacks: AtomicU64,
}

impl RateLimiter {
    /// In-process budgets.
    pub fn local(limits: &RateLimits) -> Self {
        RateLimiter {
            local: LocalLimiter::new(limits),
            redis: None,
            limits: *limits,
            fail_closed: false,
            redis_down: AtomicBool::new(false),
            fallbacks: AtomicU64::new(0),
        }
    }

    /// Budgets shared through Redis at `url`.
    pub fn shared(
        limits: &RateLimits,
        url: &SecretString,
        fail_closed: bool,
    ) -> Result<Self, String> {
        Ok(RateLimiter {
            redis: Some(RedisLimiter::new(url)?),
            fail_closed,
            ..RateLimiter::local(limits)
        })
    }

    /// Requests decided locally because Redis was unreachable (for metrics and tests).
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }

    /// Notes Redis's answer (or its absence): logs once per outage and counts each miss.
    fn redis_answered<T>(&self, result: Result<T, Unreachable>) -> Option<T> {
        match result {
            Ok(v) => {
                if self.redis_down.swap(false, Ordering::Relaxed) {
                    tracing::info!("Redis reachable again; rate limits are shared across replicas");
                }
                Some(v)
            }
            Err(e) => {
                if !self.redis_down.swap(true, Ordering::Relaxed) {
                    tracing::error!(error = %e, fail_closed = self.fail_closed, "rate-limit Redis unreachable");
                }
                self.fallbacks.fetch_add(1, Ordering::Relaxed);
                crate::telemetry::metrics::record_rate_limit_backend_error();
                None
            }
        }
    }

    async fn shared_check(
        &self,
        pair: Pair,
        subject: &str,
        local: impl FnOnce(&LocalLimiter) -> Result<(), Denial>,
    ) -> Result<(), Refusal> {
        let Some(redis) = &self.redis else {
            return local(&self.local).map_err(Refusal::from);
        };
        match self.redis_answered(redis.check(pair, subject).await) {
            Some(decision) => decision.map_err(Refusal::from),
            None if self.fail_closed => Err(Refusal::Unavailable),
            None => local(&self.local).map_err(Refusal::from),
        }
    }

    /// Counts one MCP message from `ip`.
    pub async fn check_ip(&self, ip: IpAddr) -> Result<(), Refusal> {
        if self.limits.ip_per_minute == 0 && self.limits.ip_per_hour == 0 {
            return Ok(());
        }
        let pair = Pair {
            per_minute: self.limits.ip_per_minute,
            per_hour: self.limits.ip_per_hour,
            kind: "ip",
        };
        self.shared_check(pair, &ip.to_string(), |l| l.check_ip(ip))
            .await
    }

    /// Counts one MCP message for key `id`, with the key's own budgets where it has them.
    pub async fn check_key(
        &self,
        id: &str,
        own: (Option<u32>, Option<u32>),
    ) -> Result<(), Refusal> {
        let per_minute = own.0.unwrap_or(self.limits.key_per_minute);
        let per_hour = own.1.unwrap_or(self.limits.key_per_hour);
        if per_minute == 0 && per_hour == 0 {
            return Ok(());
        }
        let pair = Pair {
            per_minute,
            per_hour,
            kind: "key",
        };
        self.shared_check(pair, id, |l| l.check_key(id, own)).await
    }

    /// Refuses any key from an IP whose failed attempts used up this minute's budget, on
    /// every replica when Redis is configured (see [`LocalLimiter::check_failures`]).
    pub async fn check_failures(&self, ip: IpAddr) -> Result<(), Refusal> {
        let limit = self.limits.auth_failures_per_minute;
        if limit == 0 {
            return Ok(());
        }
        let Some(redis) = &self.redis else {
            return self.local.check_failures(ip).map_err(Refusal::from);
        };
        let spent = redis.failures_spent(&ip.to_string(), limit, MINUTE).await;
        match self.redis_answered(spent) {
            Some(None) => Ok(()),
            Some(Some(wait)) => Err(Refusal::Over(Denial {
                limit: "auth_failures_per_minute",
                quota: limit,
                window_secs: MINUTE.as_secs(),
                retry_after: wait,
            })),
            None if self.fail_closed => Err(Refusal::Unavailable),
            None => self.local.check_failures(ip).map_err(Refusal::from),
        }
    }

    /// Records a failed key attempt from `ip` (in Redis when configured and reachable).
    pub async fn record_failure(&self, ip: IpAddr) {
        if self.limits.auth_failures_per_minute == 0 {
            return;
        }
        if let Some(redis) = &self.redis {
            let recorded = redis.record_failure(&ip.to_string(), MINUTE).await;
            if self.redis_answered(recorded).is_some() {
                return;
            }
        }
        self.local.record_failure(ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32, failures: u32) -> RateLimits {
        RateLimits {
            key_per_minute: per_minute,
            key_per_hour: 1000,
            ip_per_minute: per_minute,
            ip_per_hour: 1000,
            auth_failures_per_minute: failures,
        }
    }

    #[test]
    fn the_sixty_first_request_in_a_minute_is_refused_with_a_wait() {
        let l = LocalLimiter::new(&limits(60, 10));
        for _ in 0..60 {
            l.check_key("alice", (None, None)).expect("within budget");
        }
        let d = l.check_key("alice", (None, None)).expect_err("61st");
        assert_eq!(
            (d.limit, d.quota, d.window_secs),
            ("key_per_minute", 60, 60)
        );
        assert!(
            d.retry_after > Duration::ZERO && d.retry_after <= Duration::from_secs(1),
            "{:?}",
            d.retry_after
        );
        l.check_key("bob", (None, None))
            .expect("other keys have their own budget");
    }

    #[test]
    fn a_key_with_its_own_budget_is_held_to_it() {
        let l = LocalLimiter::new(&limits(60, 10));
        for _ in 0..3 {
            l.check_key("bot", (Some(3), None))
                .expect("within its own budget");
        }
        let d = l.check_key("bot", (Some(3), None)).expect_err("4th");
        assert_eq!((d.limit, d.quota), ("key_per_minute", 3));
        for _ in 0..10 {
            l.check_key("human", (None, None))
                .expect("the global 60 applies to others");
        }
    }

    #[test]
    fn zero_means_no_limit() {
        let l = LocalLimiter::new(&RateLimits::default());
        for _ in 0..10_000 {
            l.check_ip("127.0.0.1".parse().expect("ip"))
                .expect("unlimited");
        }
    }

    #[test]
    fn spent_failure_budget_blocks_the_ip_but_not_others() {
        let l = LocalLimiter::new(&limits(60, 3));
        let ip: IpAddr = "203.0.113.5".parse().expect("ip");
        for _ in 0..3 {
            l.check_failures(ip).expect("not yet");
            l.record_failure(ip);
        }
        let d = l.check_failures(ip).expect_err("blocked");
        assert_eq!(d.limit, "auth_failures_per_minute");
        l.check_failures("203.0.113.6".parse().expect("ip"))
            .expect("other IPs are not affected");
    }
}
