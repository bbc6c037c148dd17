//! Time formatting and parsing in the formats Jira and Confluence use on the wire.
//!
//! All sandbox times are UTC unix seconds; Jira prints `2024-01-31T10:00:00.000+0000`,
//! Confluence prints `2024-01-31T10:00:00.000Z`.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// Fixed origin of the seed data set: Monday 2025-01-06 09:00:00 UTC.
pub const SEED_EPOCH: i64 = 1_736_154_000;

/// Seconds since the unix epoch, now.
pub fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn to_dt(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Jira's timestamp format, e.g. `2025-01-06T09:00:00.000+0000`.
pub fn jira(secs: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].000+0000");
    to_dt(secs).format(fmt).unwrap_or_default()
}

/// Confluence's timestamp format, e.g. `2025-01-06T09:00:00.000Z`.
pub fn confluence(secs: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].000Z");
    to_dt(secs).format(fmt).unwrap_or_default()
}

/// RFC 3339 (used for `X-RateLimit-Reset`).
pub fn rfc3339(secs: i64) -> String {
    to_dt(secs).format(&Rfc3339).unwrap_or_default()
}

/// Parses a query date: `2024-01-31`, `2024/01/31`, `2024-01-31 10:00`, `2024/01/31 10:00`.
pub fn parse_query_date(s: &str) -> Option<i64> {
    let s = s.trim().replace('/', "-");
    let (date, clock) = match s.split_once(' ') {
        Some((d, c)) => (d.to_owned(), Some(c.trim().to_owned())),
        None => (s.clone(), None),
    };
    let date = time::Date::parse(&date, format_description!("[year]-[month]-[day]")).ok()?;
    let time = match clock {
        None => time::Time::MIDNIGHT,
        Some(c) => time::Time::parse(&c, format_description!("[hour]:[minute]")).ok()?,
    };
    Some(date.with_time(time).assume_utc().unix_timestamp())
}

/// Parses a relative duration such as `-7d`, `4w`, `-1h`, `-30m` into signed seconds.
pub fn parse_relative(s: &str) -> Option<i64> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let s = compact.as_str();
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in rest.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().ok()?;
        number.clear();
        let unit = match c.to_ascii_lowercase() {
            'y' => 365 * 86_400,
            'w' => 7 * 86_400,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    if !number.is_empty() {
        return None;
    }
    Some(sign * total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_and_confluence_formats_match_the_wire_formats() {
        assert_eq!(jira(SEED_EPOCH), "2025-01-06T09:00:00.000+0000");
        assert_eq!(confluence(SEED_EPOCH), "2025-01-06T09:00:00.000Z");
    }

    #[test]
    fn query_dates_and_relative_durations_parse() {
        assert_eq!(parse_query_date("2025-01-06 09:00"), Some(SEED_EPOCH));
        assert_eq!(parse_query_date("2025/01/06"), Some(SEED_EPOCH - 9 * 3600));
        assert_eq!(parse_query_date("yesterday"), None);
        assert_eq!(parse_relative("-7d"), Some(-7 * 86_400));
        assert_eq!(parse_relative("1w2d"), Some(9 * 86_400));
        assert_eq!(parse_relative("4w 2d"), Some(30 * 86_400));
        assert_eq!(parse_relative("-7x"), None);
    }
}
