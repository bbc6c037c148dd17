//! SLA settings of `jira_get_issue_sla` (`JIRA_SLA_*`), with the reference server's names,
//! defaults and formats. Unlike the reference, a bad value is a start-up error (it fell back
//! silently to UTC or skipped unknown metrics), so a typo never yields wrong figures.

use jiff::tz::TimeZone;

use super::reader::Reader;

/// The metrics `jira_get_issue_sla` knows, in the order it reports them.
pub const SLA_METRICS: [&str; 6] = [
    "cycle_time",
    "lead_time",
    "time_in_status",
    "due_date_compliance",
    "resolution_time",
    "first_response_time",
];

/// How SLA durations are measured.
#[derive(Debug, Clone)]
pub struct SlaConfig {
    /// `JIRA_SLA_METRICS` (default `cycle_time,time_in_status`): metrics computed when the
    /// caller names none.
    pub metrics: Vec<String>,
    /// `JIRA_SLA_WORKING_HOURS_ONLY` (default false): count only working time.
    pub working_hours_only: bool,
    /// `JIRA_SLA_WORKING_HOURS_START` (default `09:00`), minutes after midnight.
    pub start_minute: u32,
    /// `JIRA_SLA_WORKING_HOURS_END` (default `17:00`), minutes after midnight; after start.
    pub end_minute: u32,
    /// `JIRA_SLA_WORKING_DAYS` (default `1,2,3,4,5`): ISO weekdays, 1 = Monday … 7 = Sunday.
    pub working_days: Vec<i8>,
    /// `JIRA_SLA_TIMEZONE` (default `UTC`): IANA zone the working hours are local to.
    pub timezone: TimeZone,
    /// The zone's name as configured.
    pub timezone_name: String,
}

impl Default for SlaConfig {
    fn default() -> Self {
        SlaConfig {
            metrics: vec!["cycle_time".into(), "time_in_status".into()],
            working_hours_only: false,
            start_minute: 9 * 60,
            end_minute: 17 * 60,
            working_days: vec![1, 2, 3, 4, 5],
            timezone: TimeZone::UTC,
            timezone_name: "UTC".into(),
        }
    }
}

/// `HH:MM` (24-hour) as minutes after midnight.
pub fn parse_hhmm(raw: &str) -> Option<u32> {
    let (h, m) = raw.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A comma list of metric names, each one of [`SLA_METRICS`]; the first unknown name is
/// the error.
pub fn parse_metrics(raw: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for m in raw.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        let m = m.to_ascii_lowercase();
        if !SLA_METRICS.contains(&m.as_str()) {
            return Err(m);
        }
        if !out.contains(&m) {
            out.push(m);
        }
    }
    Ok(out)
}

impl SlaConfig {
    pub(super) fn read(r: &mut Reader<'_>) -> SlaConfig {
        let mut c = SlaConfig::default();
        if let Some(raw) = r.string("JIRA_SLA_METRICS") {
            match parse_metrics(&raw) {
                Ok(m) if !m.is_empty() => c.metrics = m,
                _ => r.invalid(
                    "JIRA_SLA_METRICS",
                    format!("a comma list of {}", SLA_METRICS.join(", ")),
                ),
            }
        }
        c.working_hours_only = r.bool("JIRA_SLA_WORKING_HOURS_ONLY");
        for (env, slot) in [
            ("JIRA_SLA_WORKING_HOURS_START", &mut c.start_minute),
            ("JIRA_SLA_WORKING_HOURS_END", &mut c.end_minute),
        ] {
            if let Some(raw) = r.string(env) {
                match parse_hhmm(&raw) {
                    Some(m) => *slot = m,
                    None => r.invalid(env, "a 24-hour time HH:MM such as 09:00"),
                }
            }
        }
        if c.end_minute <= c.start_minute {
            r.rule("JIRA_SLA_WORKING_HOURS_END must be later than JIRA_SLA_WORKING_HOURS_START (working hours cannot span midnight)");
        }
        if let Some(raw) = r.string("JIRA_SLA_WORKING_DAYS") {
            let days: Option<Vec<i8>> = raw
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(|d| d.parse::<i8>().ok().filter(|n| (1..=7).contains(n)))
                .collect();
            match days {
                Some(mut d) if !d.is_empty() => {
                    d.sort_unstable();
                    d.dedup();
                    c.working_days = d;
                }
                _ => r.invalid(
                    "JIRA_SLA_WORKING_DAYS",
                    "a comma list of ISO weekdays 1-7 (1 = Monday, 7 = Sunday)",
                ),
            }
        }
        if let Some(raw) = r.string("JIRA_SLA_TIMEZONE") {
            let name = raw.trim();
            match TimeZone::get(name) {
                Ok(tz) => {
                    c.timezone = tz;
                    c.timezone_name = name.to_owned();
                }
                Err(_) => r.invalid(
                    "JIRA_SLA_TIMEZONE",
                    "an IANA time zone name such as Europe/Berlin or UTC",
                ),
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_24_hour_hh_mm() {
        assert_eq!(parse_hhmm("09:00"), Some(540));
        assert_eq!(parse_hhmm("9:30"), Some(570));
        assert_eq!(parse_hhmm("23:59"), Some(1439));
        for bad in ["24:00", "09:60", "0900", "9", "09:0", "ab:cd", ""] {
            assert_eq!(parse_hhmm(bad), None, "{bad}");
        }
    }

    #[test]
    fn metric_lists_accept_known_names_only() {
        assert_eq!(
            parse_metrics(" lead_time ,Cycle_Time,lead_time").ok(),
            Some(vec!["lead_time".to_owned(), "cycle_time".to_owned()])
        );
        assert_eq!(parse_metrics("cycle_time,speed"), Err("speed".to_owned()));
    }

    #[test]
    fn every_bad_sla_setting_is_reported_at_once() {
        let errs = crate::config::Config::from_pairs([
            ("JIRA_SLA_METRICS", "cycle_time,velocity"),
            ("JIRA_SLA_WORKING_HOURS_START", "25:00"),
            ("JIRA_SLA_WORKING_DAYS", "1,8"),
            ("JIRA_SLA_TIMEZONE", "Mars/Olympus"),
        ])
        .expect_err("invalid");
        let text = errs.to_string();
        for env in [
            "JIRA_SLA_METRICS",
            "JIRA_SLA_WORKING_HOURS_START",
            "JIRA_SLA_WORKING_DAYS",
            "JIRA_SLA_TIMEZONE",
        ] {
            assert!(text.contains(env), "{env} missing in {text}");
        }
        assert_eq!(errs.0.len(), 4, "{text}");
    }

    #[test]
    fn working_hours_must_not_end_before_they_start() {
        let errs = crate::config::Config::from_pairs([
            ("JIRA_SLA_WORKING_HOURS_START", "18:00"),
            ("JIRA_SLA_WORKING_HOURS_END", "08:00"),
        ])
        .expect_err("invalid");
        assert!(errs.to_string().contains("later than"), "{errs}");
    }

    #[test]
    fn valid_settings_are_read() {
        let c = crate::config::Config::from_pairs([
            ("JIRA_SLA_METRICS", "lead_time"),
            ("JIRA_SLA_WORKING_HOURS_ONLY", "true"),
            ("JIRA_SLA_WORKING_HOURS_START", "08:30"),
            ("JIRA_SLA_WORKING_DAYS", "7,1"),
            ("JIRA_SLA_TIMEZONE", "Europe/Berlin"),
        ])
        .expect("valid");
        let s = &c.tools.sla;
        assert_eq!(s.metrics, ["lead_time"]);
        assert!(s.working_hours_only);
        assert_eq!((s.start_minute, s.end_minute), (510, 1020));
        assert_eq!(s.working_days, [1, 7]);
        assert_eq!(s.timezone_name, "Europe/Berlin");
    }
}
