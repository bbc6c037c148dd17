//! SLA metrics over an issue's dates and status timeline, in calendar time or in working
//! time (working hours on working days, local to an IANA time zone). Pure: the caller
//! supplies "now".
//!
//! Working time is measured between real instants: each working day's start and end are
//! resolved in the zone (so a DST change shortens or lengthens the hours it falls in), and
//! the overlap with the interval is summed in seconds before flooring to minutes.

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Map, Value, json};

use super::timeline::{Span, format_minutes, minutes_between, totals};
use crate::config::SlaConfig;

/// What the metrics are computed from (unix seconds).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Created.
    pub created: Option<i64>,
    /// Resolved.
    pub resolved: Option<i64>,
    /// Due date (`YYYY-MM-DD`).
    pub due: Option<Date>,
    /// Status stays, oldest first.
    pub spans: Vec<Span>,
    /// Statuses counting as "in progress" work (lower-case names).
    pub in_progress: Vec<String>,
    /// Now.
    pub now: i64,
}

/// Minutes from `start` to `end`: calendar minutes, or working minutes per `cfg`.
pub fn duration(start: i64, end: i64, working: bool, cfg: &SlaConfig) -> i64 {
    if working {
        working_minutes(start, end, cfg)
    } else {
        minutes_between(start, end)
    }
}

/// Working minutes between two instants.
pub fn working_minutes(start: i64, end: i64, cfg: &SlaConfig) -> i64 {
    if end <= start {
        return 0;
    }
    let (Ok(s), Ok(e)) = (Timestamp::from_second(start), Timestamp::from_second(end)) else {
        return 0;
    };
    let tz = &cfg.timezone;
    let last = e.to_zoned_datetime(tz.clone()).date();
    let mut day = s.to_zoned_datetime(tz.clone()).date();
    let at = |d: Date, minute: u32| -> Option<i64> {
        let (h, m) = (
            i8::try_from(minute / 60).ok()?,
            i8::try_from(minute % 60).ok()?,
        );
        d.at(h, m, 0, 0)
            .to_zoned_datetime(tz.clone())
            .ok()
            .map(|z| z.timestamp().as_second())
    };
    let mut seconds = 0i64;
    while day <= last {
        if cfg
            .working_days
            .contains(&day.weekday().to_monday_one_offset())
            && let (Some(open), Some(close)) = (at(day, cfg.start_minute), at(day, cfg.end_minute))
        {
            let (from, to) = (open.max(start), close.min(end));
            if to > from {
                seconds += to - from;
            }
        }
        match day.tomorrow() {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    seconds / 60
}

fn metric(minutes: i64) -> Value {
    json!({"minutes": minutes, "formatted": format_minutes(minutes)})
}

fn not_calculated(reason: &str) -> Value {
    json!({"calculated": false, "reason": reason})
}

/// The requested metrics, by name (unknown names are skipped; the caller validates).
pub fn compute(metrics: &[String], inp: &Inputs, working: bool, cfg: &SlaConfig) -> Value {
    let mut out = Map::new();
    for name in metrics {
        let v = match name.as_str() {
            "cycle_time" => match (inp.created, inp.resolved) {
                (Some(c), Some(r)) => metric(duration(c, r, working, cfg)),
                (None, _) => not_calculated("no created date"),
                (_, None) => not_calculated("issue not resolved"),
            },
            "lead_time" => match inp.created {
                Some(c) => {
                    let mut v = metric(duration(c, inp.resolved.unwrap_or(inp.now), working, cfg));
                    v["resolved"] = json!(inp.resolved.is_some());
                    v
                }
                None => not_calculated("no created date"),
            },
            "time_in_status" => time_in_status(inp, working, cfg),
            "due_date_compliance" => due_date(inp, cfg),
            "resolution_time" => match inp.resolved {
                None => not_calculated("issue not resolved"),
                Some(r) => match inp
                    .spans
                    .iter()
                    .find(|s| inp.in_progress.contains(&s.status.to_lowercase()))
                {
                    Some(s) => metric(duration(s.entered, r, working, cfg)),
                    None => not_calculated("never in an in-progress status"),
                },
            },
            "first_response_time" => {
                // The first transition out of the creation status (the creation span,
                // when known, starts at `created` and was entered by no one).
                let skip = usize::from(
                    inp.spans
                        .first()
                        .is_some_and(|s| Some(s.entered) == inp.created && s.by.is_none()),
                );
                let first = inp.spans.get(skip).map(|s| s.entered);
                match (inp.created, first) {
                    (Some(c), Some(t)) => metric(duration(c, t, working, cfg)),
                    _ => not_calculated("no transition yet"),
                }
            }
            _ => continue,
        };
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

fn time_in_status(inp: &Inputs, working: bool, cfg: &SlaConfig) -> Value {
    // Calendar time counts finished stays only (as `jira_get_issue_dates` does); working
    // time also counts the current stay up to now, as the reference server does.
    let mut rows: Vec<(String, i64, u32)> = if working {
        let mut rows: Vec<(String, i64, u32)> = Vec::new();
        for s in &inp.spans {
            let m = working_minutes(s.entered, s.exited.unwrap_or(inp.now), cfg);
            match rows.iter_mut().find(|r| r.0 == s.status) {
                Some(r) => {
                    r.1 += m;
                    r.2 += 1;
                }
                None => rows.push((s.status.clone(), m, 1)),
            }
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.1));
        rows
    } else {
        totals(&inp.spans)
            .into_iter()
            .map(|t| (t.status, t.minutes, t.visits))
            .collect()
    };
    let total: i64 = rows.iter().map(|r| r.1).sum();
    let statuses: Vec<Value> = rows
        .drain(..)
        .map(|(status, m, visits)| {
            let percent = if total > 0 {
                (m as f64 * 1000.0 / total as f64).round() / 10.0
            } else {
                0.0
            };
            json!({"status": status, "minutes": m, "formatted": format_minutes(m),
                   "percent": percent, "visits": visits})
        })
        .collect();
    json!({"statuses": statuses, "total_minutes": total})
}

fn due_date(inp: &Inputs, cfg: &SlaConfig) -> Value {
    let Some(due) = inp.due else {
        return json!({"status": "no_due_date"});
    };
    let Some(resolved) = inp.resolved else {
        return json!({"status": "not_resolved"});
    };
    // Due means by the end of that day, in the SLA time zone.
    let Ok(end) = due
        .at(23, 59, 59, 0)
        .to_zoned_datetime(cfg.timezone.clone())
        .map(|z| z.timestamp().as_second())
    else {
        return json!({"status": "no_due_date"});
    };
    let margin = (end - resolved) / 60;
    if margin >= 0 {
        json!({"status": "met", "margin_minutes": margin,
               "formatted": format!("{} early", format_minutes(margin))})
    } else {
        json!({"status": "missed", "margin_minutes": margin,
               "formatted": format!("{} late", format_minutes(-margin))})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;

    /// Unix seconds of an RFC 3339 instant.
    fn t(s: &str) -> i64 {
        s.parse::<Timestamp>().expect("instant").as_second()
    }

    fn cfg(tz: &str, start: u32, end: u32, days: &[i8]) -> SlaConfig {
        SlaConfig {
            working_hours_only: true,
            start_minute: start,
            end_minute: end,
            working_days: days.to_vec(),
            timezone: TimeZone::get(tz).expect("zone"),
            timezone_name: tz.into(),
            ..SlaConfig::default()
        }
    }

    const WEEK: [i8; 5] = [1, 2, 3, 4, 5];

    #[test]
    fn a_weekend_is_not_working_time() {
        // Fri 2025-01-10 16:00Z → Mon 2025-01-13 10:00Z, 09:00-17:00 UTC: Fri 1h + Mon 1h.
        let c = cfg("UTC", 540, 1020, &WEEK);
        let (s, e) = (t("2025-01-10T16:00:00Z"), t("2025-01-13T10:00:00Z"));
        assert_eq!(working_minutes(s, e, &c), 120);
        assert_eq!(duration(s, e, false, &c), 66 * 60);
        // A whole working week, Mon 00:00 to the next Mon 00:00: 5 × 8h.
        let week = working_minutes(t("2025-01-06T00:00:00Z"), t("2025-01-13T00:00:00Z"), &c);
        assert_eq!(week, 5 * 480);
    }

    #[test]
    fn a_weekend_working_day_counts_when_configured() {
        // Sat 2025-01-11 10:00Z → 12:30Z with Saturday (6) a working day: 150 minutes.
        let c = cfg("UTC", 540, 1020, &[6]);
        let n = working_minutes(t("2025-01-11T10:00:00Z"), t("2025-01-11T12:30:00Z"), &c);
        assert_eq!(n, 150);
    }

    #[test]
    fn working_hours_are_local_to_the_configured_zone() {
        // Mon 2025-01-06 13:00Z-23:00Z is 08:00-18:00 EST: in New York 09-17 is 8h, in
        // UTC only 13:00-17:00 = 4h, in Tokyo (22:00-08:00 JST) nothing.
        let (s, e) = (t("2025-01-06T13:00:00Z"), t("2025-01-06T23:00:00Z"));
        assert_eq!(
            working_minutes(s, e, &cfg("America/New_York", 540, 1020, &WEEK)),
            480
        );
        assert_eq!(working_minutes(s, e, &cfg("UTC", 540, 1020, &WEEK)), 240);
        assert_eq!(
            working_minutes(s, e, &cfg("Asia/Tokyo", 540, 1020, &WEEK)),
            0
        );
    }

    #[test]
    fn a_zone_can_move_the_working_day_onto_another_utc_date() {
        // Tue 2025-01-07 09:00 in Auckland (NZDT, +13) is Mon 20:00Z; Mon 19:00Z → 22:00Z
        // is 08:00-11:00 Tuesday there: 2h of working time.
        let c = cfg("Pacific/Auckland", 540, 1020, &WEEK);
        let n = working_minutes(t("2025-01-06T19:00:00Z"), t("2025-01-06T22:00:00Z"), &c);
        assert_eq!(n, 120);
    }

    #[test]
    fn spring_forward_shortens_hours_that_span_it() {
        // Berlin, Sun 2025-03-30: 02:00 CET jumps to 03:00 CEST. Working 01:00-04:00 that
        // day is 00:00Z-02:00Z: two real hours, not three.
        let c = cfg("Europe/Berlin", 60, 240, &[7]);
        let n = working_minutes(t("2025-03-29T00:00:00Z"), t("2025-03-31T00:00:00Z"), &c);
        assert_eq!(n, 120);
    }

    #[test]
    fn fall_back_lengthens_hours_that_span_it() {
        // Berlin, Sun 2025-10-26: 03:00 CEST falls back to 02:00 CET. Working 01:00-04:00
        // is 23:00Z (25th) to 03:00Z: four real hours.
        let c = cfg("Europe/Berlin", 60, 240, &[7]);
        let n = working_minutes(t("2025-10-25T00:00:00Z"), t("2025-10-27T00:00:00Z"), &c);
        assert_eq!(n, 240);
    }

    #[test]
    fn office_hours_across_a_dst_weekend_follow_the_new_offset() {
        // Fri 2025-03-28 16:00 CET (15:00Z) → Mon 2025-03-31 10:00 CEST (08:00Z): 1h on
        // Friday + 1h on Monday; calendar time is 65h, not the 66h local clocks suggest.
        let c = cfg("Europe/Berlin", 540, 1020, &WEEK);
        let (s, e) = (t("2025-03-28T15:00:00Z"), t("2025-03-31T08:00:00Z"));
        assert_eq!(working_minutes(s, e, &c), 120);
        assert_eq!(duration(s, e, false, &c), 65 * 60);
    }

    #[test]
    fn empty_or_reversed_intervals_are_zero() {
        let c = cfg("UTC", 540, 1020, &WEEK);
        let s = t("2025-01-06T10:00:00Z");
        assert_eq!(working_minutes(s, s, &c), 0);
        assert_eq!(working_minutes(s, s - 3600, &c), 0);
        assert_eq!(duration(s, s - 3600, false, &c), 0);
    }

    fn span(status: &str, entered: &str, exited: Option<&str>) -> Span {
        Span {
            status: status.into(),
            entered: t(entered),
            exited: exited.map(t),
            by: None,
        }
    }

    fn sample() -> Inputs {
        // Created Mon 09:00Z, In Progress Mon 13:00Z, In Review Tue 09:00Z, Done Wed 12:00Z.
        Inputs {
            created: Some(t("2025-01-06T09:00:00Z")),
            resolved: Some(t("2025-01-08T12:00:00Z")),
            due: Some(jiff::civil::date(2025, 1, 7)),
            spans: vec![
                span(
                    "To Do",
                    "2025-01-06T09:00:00Z",
                    Some("2025-01-06T13:00:00Z"),
                ),
                span(
                    "In Progress",
                    "2025-01-06T13:00:00Z",
                    Some("2025-01-07T09:00:00Z"),
                ),
                span(
                    "In Review",
                    "2025-01-07T09:00:00Z",
                    Some("2025-01-08T12:00:00Z"),
                ),
                span("Done", "2025-01-08T12:00:00Z", None),
            ],
            in_progress: vec!["in progress".into()],
            now: t("2025-01-09T09:00:00Z"),
        }
    }

    #[test]
    fn metrics_in_calendar_time() {
        let names: Vec<String> = crate::config::sla::SLA_METRICS
            .iter()
            .map(|m| (*m).to_owned())
            .collect();
        let m = compute(&names, &sample(), false, &SlaConfig::default());
        assert_eq!(m["cycle_time"]["minutes"], 51 * 60);
        assert_eq!(m["cycle_time"]["formatted"], "2d 3h 0m");
        assert_eq!(m["lead_time"]["resolved"], true);
        assert_eq!(m["resolution_time"]["minutes"], 47 * 60);
        assert_eq!(m["first_response_time"]["minutes"], 4 * 60);
        // Due end of Tue 7th (23:59:59Z), resolved Wed 12:00Z: 12h 0m 1s late, whole
        // minutes toward zero → -720.
        assert_eq!(m["due_date_compliance"]["status"], "missed");
        assert_eq!(m["due_date_compliance"]["margin_minutes"], -720);
        assert_eq!(m["due_date_compliance"]["formatted"], "12h 0m late");
        let tis = &m["time_in_status"];
        assert_eq!(tis["total_minutes"], (4 + 20 + 27) * 60);
        assert_eq!(tis["statuses"][0]["status"], "In Review");
        assert_eq!(tis["statuses"][0]["minutes"], 27 * 60);
    }

    #[test]
    fn metrics_in_working_time() {
        let c = cfg("UTC", 540, 1020, &WEEK);
        let names = vec![
            "cycle_time".to_owned(),
            "time_in_status".to_owned(),
            "resolution_time".to_owned(),
        ];
        let m = compute(&names, &sample(), true, &c);
        // Mon 8h + Tue 8h + Wed 3h.
        assert_eq!(m["cycle_time"]["minutes"], 19 * 60);
        // Mon 13-17 (4h) + Tue 8h + Wed 3h.
        assert_eq!(m["resolution_time"]["minutes"], 15 * 60);
        let tis = &m["time_in_status"];
        // To Do 4h, In Progress 4h, In Review Tue 8h + Wed 3h = 11h, Done Wed 12-17 = 5h
        // plus Thu 09:00 now = 0 → 5h.
        assert_eq!(tis["statuses"][0]["status"], "In Review");
        assert_eq!(tis["statuses"][0]["minutes"], 11 * 60);
        assert_eq!(tis["total_minutes"], (4 + 4 + 11 + 5) * 60);
    }

    #[test]
    fn unresolved_issues_say_why_a_metric_is_missing() {
        let mut inp = sample();
        inp.resolved = None;
        inp.due = None;
        let names = vec![
            "cycle_time".to_owned(),
            "due_date_compliance".to_owned(),
            "lead_time".to_owned(),
        ];
        let m = compute(&names, &inp, false, &SlaConfig::default());
        assert_eq!(m["cycle_time"]["calculated"], false);
        assert_eq!(m["due_date_compliance"]["status"], "no_due_date");
        // Lead time runs to now: Mon 09:00 → Thu 09:00.
        assert_eq!(m["lead_time"]["minutes"], 3 * 1440);
        assert_eq!(m["lead_time"]["resolved"], false);
    }
}
