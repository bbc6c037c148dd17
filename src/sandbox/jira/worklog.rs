//! Logging work: `POST /issue/{key}/worklog` for both flavours, and Jira's duration syntax.
//!
//! Durations use Jira's default time-tracking settings: a day is 8 hours and a week is 5
//! days (`1w 2d 3h 30m`). `started` must be in Jira's own format
//! (`2021-01-17T12:34:00.000+0000`); the comment is ADF on v3 and wiki markup on v2.
//! `adjustEstimate=new` needs `newEstimate`, `manual` needs `reduceBy`, as in Jira.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::render::{Ctx, Flavour};
use crate::sandbox::jira::{flavour, json_body, params};
use crate::sandbox::model::{Estimate, Store, Worklog};
use crate::sandbox::text::RichText;
use crate::sandbox::timefmt::now_secs;
use crate::sandbox::{SandboxState, base_url};

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 8 * HOUR;
const WEEK: i64 = 5 * DAY;

/// Parses `1w 2d 3h 30m` (a bare number means minutes, as in Jira) into seconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(minutes) = s.parse::<i64>() {
        return (minutes > 0).then_some(minutes * MINUTE);
    }
    let mut total = 0i64;
    for part in s.split_whitespace() {
        let (num, unit) = part.split_at(part.len().checked_sub(1)?);
        let n: f64 = num.parse().ok()?;
        let unit = match unit {
            "w" => WEEK,
            "d" => DAY,
            "h" => HOUR,
            "m" => MINUTE,
            _ => return None,
        };
        total += (n * unit as f64).round() as i64;
    }
    (total > 0).then_some(total)
}

/// Seconds in Jira's display form: `1d 2h 30m`.
pub fn duration(secs: i64) -> String {
    let mut rest = secs.max(0);
    let mut out = Vec::new();
    for (unit, suffix) in [(WEEK, "w"), (DAY, "d"), (HOUR, "h"), (MINUTE, "m")] {
        if rest >= unit {
            out.push(format!("{}{suffix}", rest / unit));
            rest %= unit;
        }
    }
    if out.is_empty() {
        "0m".to_owned()
    } else {
        out.join(" ")
    }
}

fn parse_started(s: &str) -> Option<i64> {
    let fmt = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(s, fmt)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// How a worklog changes the remaining estimate.
enum Adjust {
    /// Reduce by the time spent.
    Auto,
    /// Leave it.
    Leave,
    /// Set it to this many seconds.
    New(i64),
    /// Reduce it by this many seconds.
    Manual(i64),
}

fn adjust_from(q: &[(String, String)]) -> Result<Adjust, ApiError> {
    let one = |n: &str| params(q, n).first().map(|s| s.trim().to_owned());
    let amount = |p: &str| {
        one(p)
            .as_deref()
            .and_then(parse_duration)
            .ok_or_else(|| ApiError::field(p, format!("You must supply a valid {p} (e.g. 2d 4h).")))
    };
    match one("adjustEstimate").as_deref() {
        None | Some("auto") => Ok(Adjust::Auto),
        Some("leave") => Ok(Adjust::Leave),
        Some("new") => Ok(Adjust::New(amount("newEstimate")?)),
        Some("manual") => Ok(Adjust::Manual(amount("reduceBy")?)),
        Some(other) => Err(ApiError::bad_request(
            Family::Jira,
            format!("Invalid value for adjustEstimate: {other}"),
        )),
    }
}

/// Reads the `timetracking` field of an issue edit: `originalEstimate` and/or
/// `remainingEstimate` as Jira durations.
pub fn timetracking_from(v: &Value) -> Result<Estimate, ApiError> {
    let bad = || {
        ApiError::field(
            "timetracking",
            "Time tracking values must be durations such as 2d 4h.",
        )
    };
    let Value::Object(m) = v else {
        return Err(bad());
    };
    let read = |name: &str| match m.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_duration(s).map(Some).ok_or_else(bad),
        Some(_) => Err(bad()),
    };
    Ok(Estimate {
        original: read("originalEstimate")?,
        remaining: read("remainingEstimate")?,
    })
}

/// Applies an edit's estimates; setting only the original also sets the remaining one when
/// none was set yet, as Jira does for unstarted work.
pub fn set_estimates(store: &mut Store, issue: usize, new: Estimate) {
    let e = store.estimates.entry(issue).or_default();
    if let Some(o) = new.original {
        e.original = Some(o);
        if e.remaining.is_none() && new.remaining.is_none() {
            e.remaining = Some(o);
        }
    }
    if let Some(r) = new.remaining {
        e.remaining = Some(r);
    }
}

/// The `timetracking` field of an issue.
pub fn timetracking(store: &Store, issue: usize) -> Value {
    let e = store.estimates.get(&issue).copied().unwrap_or_default();
    let spent: i64 = store
        .issues
        .get(issue)
        .map(|i| i.worklogs.iter().map(|w| w.seconds).sum())
        .unwrap_or(0);
    let mut m = Map::new();
    if let Some(o) = e.original {
        m.insert("originalEstimate".into(), json!(duration(o)));
        m.insert("originalEstimateSeconds".into(), json!(o));
    }
    if let Some(r) = e.remaining {
        m.insert("remainingEstimate".into(), json!(duration(r)));
        m.insert("remainingEstimateSeconds".into(), json!(r));
    }
    if spent > 0 {
        m.insert("timeSpent".into(), json!(duration(spent)));
        m.insert("timeSpentSeconds".into(), json!(spent));
    }
    Value::Object(m)
}

/// `POST /rest/api/{2,3}/issue/{key}/worklog`. 201 with the new worklog.
pub async fn add_worklog(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    Query(q): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let body = json_body(&body)?;
    let adjust = adjust_from(&q)?;
    let seconds = match (body.get("timeSpentSeconds"), body.get("timeSpent")) {
        (Some(Value::Number(n)), _) => n.as_i64().filter(|s| *s > 0),
        (_, Some(Value::String(s))) => parse_duration(s),
        _ => None,
    }
    .ok_or_else(|| ApiError::field("timeLogged", "You must indicate the time spent working."))?;
    let started = match body.get("started") {
        None | Some(Value::Null) => now_secs(),
        Some(Value::String(s)) => parse_started(s).ok_or_else(|| {
            ApiError::field(
                "started",
                "You must specify a valid start date (yyyy-MM-dd'T'HH:mm:ss.SSSZ).",
            )
        })?,
        Some(_) => {
            return Err(ApiError::field(
                "started",
                "The start date must be a string.",
            ));
        }
    };
    let comment = match (flavour, body.get("comment")) {
        (_, None | Some(Value::Null)) => RichText::from_wiki(""),
        (Flavour::V3, Some(v @ Value::Object(_)))
            if v.get("type").and_then(Value::as_str) == Some("doc") =>
        {
            RichText::from_adf(v.clone())
        }
        (Flavour::V2, Some(Value::String(s))) => RichText::from_wiki(s),
        _ => {
            return Err(ApiError::field(
                "comment",
                "The comment has the wrong format for this API version.",
            ));
        }
    };
    let mut store = state.store();
    let idx = store.issue_index(&key).ok_or_else(|| {
        ApiError::not_found(
            Family::Jira,
            "Issue does not exist or you do not have permission to see it.",
        )
    })?;
    let id = store.fresh_id();
    let worklog = Worklog {
        id,
        author: me,
        seconds,
        started,
        comment,
    };
    if let Some(e) = store.estimates.get_mut(&idx) {
        e.remaining = match adjust {
            Adjust::Leave => e.remaining,
            Adjust::New(s) => Some(s),
            Adjust::Auto => e.remaining.map(|r| (r - seconds).max(0)),
            Adjust::Manual(by) => e.remaining.map(|r| (r - by).max(0)),
        };
    } else if let Adjust::New(s) = adjust {
        store.estimates.insert(
            idx,
            Estimate {
                original: None,
                remaining: Some(s),
            },
        );
    }
    let issue = &mut store.issues[idx];
    issue.worklogs.push(worklog.clone());
    issue.updated = now_secs();
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    Ok((
        StatusCode::CREATED,
        Json(ctx.worklog(&store.issues[idx], &worklog)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_jira_time_tracking_units() {
        assert_eq!(parse_duration("1h 30m"), Some(5_400));
        assert_eq!(parse_duration("1w 1d"), Some(6 * 8 * 3_600));
        assert_eq!(parse_duration("90"), Some(5_400));
        assert_eq!(parse_duration("1.5h"), Some(5_400));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("0m"), None);
        assert_eq!(duration(5_400), "1h 30m");
        assert_eq!(duration(9 * 3_600), "1d 1h");
    }
}
