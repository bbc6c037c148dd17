//! An issue's status timeline from its changelog: which status it was in, from when to when,
//! and the total time per status. Pure; times are unix seconds.

use std::collections::HashMap;

/// One status change read from a changelog history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// When (unix seconds).
    pub at: i64,
    /// Status left.
    pub from: Option<String>,
    /// Status entered.
    pub to: Option<String>,
    /// Who made the change (display name).
    pub by: Option<String>,
}

/// A stay in one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Status name.
    pub status: String,
    /// Entered (unix seconds).
    pub entered: i64,
    /// Left; `None` while the issue is still in it.
    pub exited: Option<i64>,
    /// Who moved the issue into it (`None` for the status it was created in).
    pub by: Option<String>,
}

/// Total time in one status over all its visits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    /// Status name.
    pub status: String,
    /// Minutes over the finished visits.
    pub minutes: i64,
    /// Visits, the current one included.
    pub visits: u32,
}

/// The stays in each status, oldest first: the status the issue was created in (from the
/// first change's `from`) and then one per change. Changes may arrive in any order. An
/// issue that never changed status has been in its `current` status since `created`: one
/// open stay, never an empty timeline.
pub fn spans(created: Option<i64>, current: Option<&str>, mut changes: Vec<Change>) -> Vec<Span> {
    changes.sort_by_key(|c| c.at);
    let mut out = Vec::new();
    if changes.is_empty() {
        if let (Some(created), Some(status)) = (created, current) {
            out.push(Span {
                status: status.to_owned(),
                entered: created,
                exited: None,
                by: None,
            });
        }
        return out;
    }
    if let (Some(created), Some(first)) = (created, changes.first())
        && let Some(initial) = first.from.clone()
    {
        out.push(Span {
            status: initial,
            entered: created,
            exited: Some(first.at),
            by: None,
        });
    }
    for (i, c) in changes.iter().enumerate() {
        let Some(to) = c.to.clone() else { continue };
        out.push(Span {
            status: to,
            entered: c.at,
            exited: changes.get(i + 1).map(|n| n.at),
            by: c.by.clone(),
        });
    }
    out
}

/// Whole minutes between two instants (never negative).
pub fn minutes_between(start: i64, end: i64) -> i64 {
    (end - start).max(0) / 60
}

/// Time per status, most time first (ties in order of first visit).
pub fn totals(spans: &[Span]) -> Vec<Total> {
    let mut order: Vec<Total> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for s in spans {
        let i = *index.entry(s.status.as_str()).or_insert_with(|| {
            order.push(Total {
                status: s.status.clone(),
                minutes: 0,
                visits: 0,
            });
            order.len() - 1
        });
        order[i].visits += 1;
        if let Some(exit) = s.exited {
            order[i].minutes += minutes_between(s.entered, exit);
        }
    }
    order.sort_by_key(|t| std::cmp::Reverse(t.minutes));
    order
}

/// `1d 2h 5m` style, as the reference server prints durations (days of 24 hours).
pub fn format_minutes(minutes: i64) -> String {
    if minutes <= 0 {
        return "0m".into();
    }
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (d, h) {
        (0, 0) => format!("{m}m"),
        (0, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h {m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(at: i64, from: &str, to: &str) -> Change {
        Change {
            at,
            from: Some(from.into()),
            to: Some(to.into()),
            by: Some("Ann".into()),
        }
    }

    #[test]
    fn spans_start_with_the_creation_status_and_end_open() {
        let s = spans(
            Some(0),
            Some("Done"),
            vec![
                change(7200, "In Progress", "Done"),
                change(600, "To Do", "In Progress"),
            ],
        );
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].status.as_str(), s[0].entered, s[0].exited),
            ("To Do", 0, Some(600))
        );
        assert_eq!(s[1].exited, Some(7200));
        assert_eq!((s[2].status.as_str(), s[2].exited), ("Done", None));
        assert_eq!(s[2].by.as_deref(), Some("Ann"));
    }

    #[test]
    fn an_issue_that_never_changed_status_has_been_in_it_since_creation() {
        let s = spans(Some(100), Some("To Do"), Vec::new());
        assert_eq!(
            s,
            vec![Span {
                status: "To Do".into(),
                entered: 100,
                exited: None,
                by: None
            }]
        );
        assert_eq!(totals(&s)[0].visits, 1);
        // Without a creation time nothing can be said.
        assert!(spans(None, Some("To Do"), Vec::new()).is_empty());
    }

    #[test]
    fn totals_add_up_repeated_visits_and_sort_by_time() {
        let s = spans(
            Some(0),
            Some("In Progress"),
            vec![
                change(600, "To Do", "In Progress"),
                change(1800, "In Progress", "To Do"),
                change(3000, "To Do", "In Progress"),
                change(9000, "In Progress", "Done"),
            ],
        );
        let t = totals(&s);
        assert_eq!(
            t,
            vec![
                Total {
                    status: "In Progress".into(),
                    minutes: 20 + 100,
                    visits: 2
                },
                Total {
                    status: "To Do".into(),
                    minutes: 10 + 20,
                    visits: 2
                },
                Total {
                    status: "Done".into(),
                    minutes: 0,
                    visits: 1
                },
            ]
        );
    }

    #[test]
    fn durations_print_like_the_reference() {
        assert_eq!(format_minutes(0), "0m");
        assert_eq!(format_minutes(45), "45m");
        assert_eq!(format_minutes(90), "1h 30m");
        assert_eq!(format_minutes(1500), "1d 1h 0m");
        assert_eq!(format_minutes(2 * 1440 + 5), "2d 0h 5m");
    }
}
