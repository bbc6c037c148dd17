//! Evaluation of validated JQL against one issue.
//!
//! Jira semantics kept here: `!=` and `not in` never match an empty field; `= EMPTY` is
//! `is EMPTY`; user values match account id, user name, user key, display name or e-mail.

use crate::sandbox::jql::{Field, field};
use crate::sandbox::model::{Issue, Store};
use crate::sandbox::query_ast::{Clause, Expr, Op, Operand, Val, contains_terms};
use crate::sandbox::timefmt::{parse_query_date, parse_relative};

/// What evaluation needs besides the issue itself.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The authenticated user (index into `Store::users`).
    pub current_user: usize,
    /// Now, in unix seconds (for relative dates and date functions).
    pub now: i64,
}

/// Evaluates `e` for `issue`.
pub(crate) fn eval(e: &Expr, store: &Store, issue: &Issue, ctx: Context) -> bool {
    match e {
        Expr::And(v) => v.iter().all(|x| eval(x, store, issue, ctx)),
        Expr::Or(v) => v.iter().any(|x| eval(x, store, issue, ctx)),
        Expr::Not(x) => !eval(x, store, issue, ctx),
        Expr::Clause(c) => eval_clause(c, store, issue, ctx),
    }
}

/// A `startOfDay`/`endOfDay` argument: `-1`, `+2` (days) or a period such as `-1d`, `2w`.
pub(crate) fn day_increment(arg: &str) -> Option<i64> {
    match arg.trim().parse::<i64>() {
        Ok(days) => days.checked_mul(86_400),
        Err(_) => parse_relative(arg),
    }
}

enum Subject {
    Names(Vec<Vec<String>>),
    Text(String),
    Time(i64),
}

fn subject(f: Field, store: &Store, issue: &Issue) -> Subject {
    let user_names = |u: usize| -> Vec<String> {
        store
            .users
            .get(u)
            .map(|u| {
                vec![
                    u.account_id.clone(),
                    u.name.clone(),
                    u.key.clone(),
                    u.display_name.clone(),
                    u.email.clone(),
                ]
            })
            .unwrap_or_default()
    };
    let desc = || {
        issue
            .description
            .as_ref()
            .map(|d| d.plain())
            .unwrap_or_default()
    };
    let comments = || {
        issue
            .comments
            .iter()
            .map(|c| c.body.plain())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let one = |names: Vec<String>| Subject::Names(vec![names]);
    match f {
        Field::Project => {
            let p = &store.projects[issue.project];
            one(vec![p.key.clone(), p.name.clone(), p.id.clone()])
        }
        Field::Key => one(vec![issue.key.clone(), issue.id.clone()]),
        Field::Status => {
            let s = &store.statuses[issue.status];
            one(vec![s.name.clone(), s.id.clone()])
        }
        Field::Priority => {
            let p = &store.priorities[issue.priority];
            one(vec![p.name.clone(), p.id.clone()])
        }
        Field::IssueType => {
            let t = &store.issue_types[issue.issue_type];
            one(vec![t.name.clone(), t.id.clone()])
        }
        Field::Assignee => Subject::Names(issue.assignee.map(user_names).into_iter().collect()),
        Field::Reporter => Subject::Names(vec![user_names(issue.reporter)]),
        Field::Labels => Subject::Names(issue.labels.iter().map(|l| vec![l.clone()]).collect()),
        Field::Parent => Subject::Names(
            issue
                .epic
                .and_then(|e| store.issues.get(e))
                .map(|e| vec![e.key.clone(), e.id.clone()])
                .into_iter()
                .collect(),
        ),
        Field::Sprint => Subject::Names(
            issue
                .sprint
                .and_then(|s| store.sprints.get(s))
                .map(|s| {
                    vec![
                        s.id.to_string(),
                        s.name.clone(),
                        format!("state:{}", s.state),
                    ]
                })
                .into_iter()
                .collect(),
        ),
        Field::Summary => Subject::Text(issue.summary.clone()),
        Field::Description => Subject::Text(desc()),
        Field::Comment => Subject::Text(comments()),
        Field::Text => Subject::Text(format!("{}\n{}\n{}", issue.summary, desc(), comments())),
        Field::Created | Field::Rank => Subject::Time(issue.created),
        Field::Updated => Subject::Time(issue.updated),
    }
}

/// The candidate strings a value stands for (a sprint function stands for several).
fn resolve(v: &Val, store: &Store, ctx: Context) -> Vec<String> {
    match v {
        Val::Text(t) => vec![t.clone()],
        Val::Func(name, _) => match name.to_ascii_lowercase().as_str() {
            "opensprints" => vec!["state:active".into(), "state:future".into()],
            "closedsprints" => vec!["state:closed".into()],
            "futuresprints" => vec!["state:future".into()],
            _ => store
                .users
                .get(ctx.current_user)
                .map(|u| vec![u.account_id.clone()])
                .unwrap_or_default(),
        },
    }
}

fn day_start(t: i64) -> i64 {
    t - t.rem_euclid(86_400)
}

fn month_bounds(t: i64) -> (i64, i64) {
    let dt =
        time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let first = dt.date().replace_day(1).unwrap_or(dt.date());
    let next = first
        .checked_add(time::Duration::days(i64::from(
            first.month().length(first.year()),
        )))
        .unwrap_or(first);
    let start = first.midnight().assume_utc().unix_timestamp();
    (start, next.midnight().assume_utc().unix_timestamp() - 1)
}

fn time_value(v: &Val, now: i64) -> i64 {
    match v {
        Val::Text(t) => parse_relative(t)
            .map(|d| now + d)
            .or_else(|| parse_query_date(t))
            .unwrap_or(0),
        Val::Func(name, args) => {
            let inc = args.first().and_then(|a| day_increment(a)).unwrap_or(0);
            match name.to_ascii_lowercase().as_str() {
                "startofday" => day_start(now) + inc,
                "endofday" => day_start(now) + 86_399 + inc,
                "startofmonth" => month_bounds(now).0,
                "endofmonth" => month_bounds(now).1,
                _ => now,
            }
        }
    }
}

fn eval_clause(c: &Clause, store: &Store, issue: &Issue, ctx: Context) -> bool {
    let f = field(&c.field).unwrap_or(Field::Key);
    let op = match (&c.operand, c.op) {
        (Operand::Empty, Op::Eq) => Op::Is,
        (Operand::Empty, Op::Ne) => Op::IsNot,
        (_, op) => op,
    };
    let raw: Vec<&Val> = match &c.operand {
        Operand::One(v) => vec![v],
        Operand::List(vs) => vs.iter().collect(),
        Operand::Empty => vec![],
    };
    match subject(f, store, issue) {
        Subject::Names(sets) => {
            let values: Vec<String> = raw.iter().flat_map(|v| resolve(v, store, ctx)).collect();
            let empty = sets.is_empty();
            let hit = sets.iter().any(|names| {
                names
                    .iter()
                    .any(|n| values.iter().any(|v| n.eq_ignore_ascii_case(v)))
            });
            match op {
                Op::Is => empty,
                Op::IsNot => !empty,
                Op::Eq | Op::In => hit,
                Op::Ne | Op::NotIn => !empty && !hit,
                _ => false,
            }
        }
        Subject::Text(t) => {
            let empty = t.trim().is_empty();
            let needle = raw
                .first()
                .map(|v| resolve(v, store, ctx).concat())
                .unwrap_or_default();
            let contains = contains_terms(&t, &needle);
            match op {
                Op::Is => empty,
                Op::IsNot => !empty,
                Op::Like => contains,
                Op::NotLike => !contains,
                _ => false,
            }
        }
        Subject::Time(t) => {
            let vals: Vec<i64> = raw.iter().map(|v| time_value(v, ctx.now)).collect();
            let first = vals.first().copied().unwrap_or(0);
            match op {
                Op::Is => false,
                Op::IsNot => true,
                Op::Eq => t == first,
                Op::Ne => t != first,
                Op::Gt => t > first,
                Op::Ge => t >= first,
                Op::Lt => t < first,
                Op::Le => t <= first,
                Op::In => vals.contains(&t),
                Op::NotIn => !vals.contains(&t),
                _ => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sandbox::jql::{Context, compile};
    use crate::sandbox::model::Store;
    use crate::sandbox::seed::generate;
    use crate::sandbox::timefmt::SEED_EPOCH;

    fn run_at(store: &Store, jql: &str, now: i64) -> Vec<String> {
        let ctx = Context {
            current_user: 0,
            now,
        };
        compile(jql)
            .expect("valid jql")
            .run(store, ctx)
            .into_iter()
            .map(|i| store.issues[i].key.clone())
            .collect()
    }

    fn run(store: &Store, jql: &str) -> Vec<String> {
        run_at(store, jql, SEED_EPOCH + 400 * 86_400)
    }

    #[test]
    fn equality_in_and_order_by_work() {
        let s = generate(1);
        let keys = run(&s, "project = DEMO ORDER BY key ASC");
        assert_eq!(keys.len(), 120);
        assert_eq!(keys[..2], ["DEMO-1".to_string(), "DEMO-2".to_string()]);
        assert_eq!(run(&s, "key in (DEMO-1, ops-2)"), vec!["OPS-2", "DEMO-1"]);
        let not_done = run(&s, "project = OPS AND status != Done");
        let idx = |k: &str| s.issue_index(k).expect("exists");
        assert!(
            not_done
                .iter()
                .all(|k| k.starts_with("OPS-") && s.issues[idx(k)].status != 3)
        );
        let done = run(&s, "project = OPS AND status = Done");
        assert_eq!(done.len() + not_done.len(), 100);
        let by_priority = run(&s, "project = MKT ORDER BY priority ASC, key ASC");
        assert_eq!(s.issues[idx(&by_priority[0])].priority, 0, "Highest first");
    }

    #[test]
    fn text_search_empty_checks_and_current_user_work() {
        let s = generate(1);
        assert_eq!(run(&s, "text ~ \"HELLO SANDBOX\""), vec!["DEMO-1"]);
        assert_eq!(run(&s, "text ~ \"sandbox hello\""), vec!["DEMO-1"]);
        assert!(
            run(&s, "text ~ \"\\\"sandbox hello\\\"\"").is_empty(),
            "phrase order matters"
        );
        assert!(run(&s, "summary ~ showcase").contains(&"DEMO-1".to_string()));
        let unassigned = run(&s, "assignee is EMPTY");
        assert!(!unassigned.is_empty());
        assert_eq!(unassigned, run(&s, "assignee = EMPTY"));
        assert!(
            unassigned
                .iter()
                .all(|k| s.issues[s.issue_index(k).unwrap_or(0)].assignee.is_none())
        );
        assert!(
            run(&s, "assignee != sandbox")
                .iter()
                .all(|k| !unassigned.contains(k))
        );
        let mine = run(&s, "assignee = currentUser()");
        assert!(mine.contains(&"DEMO-1".to_string()));
        assert_eq!(mine, run(&s, "assignee = sandbox"));
        assert_eq!(mine, run(&s, "assignee = \"sandbox@example.com\""));
        assert!(
            !run(&s, "labels in (docs) AND NOT labels = backend").contains(&"DEMO-1".to_string())
        );
    }

    #[test]
    fn dates_compare_absolute_relative_and_with_functions() {
        let s = generate(1);
        assert_eq!(run(&s, "created < \"2025-01-06 09:01\"").len(), 1);
        assert_eq!(run(&s, "created >= -7d").len(), 0);
        assert_eq!(run(&s, "created >= -1000d").len(), 300);
        assert_eq!(run(&s, "created >= \"-1000d\"").len(), 300);
        let on_first_day = run_at(
            &s,
            "created >= startOfDay() AND created <= endOfDay()",
            SEED_EPOCH,
        );
        assert!(on_first_day.contains(&"DEMO-1".to_string()));
        assert!(run_at(&s, "created < startOfDay(-1)", SEED_EPOCH + 3600).is_empty());
        assert_eq!(
            run_at(
                &s,
                "created >= startOfMonth() AND created <= now()",
                SEED_EPOCH + 86_400
            )
            .len(),
            run_at(&s, "created <= now()", SEED_EPOCH + 86_400).len()
        );
        assert_eq!(
            run(&s, "ORDER BY created DESC").first(),
            run(&s, "ORDER BY created ASC").last()
        );
    }

    #[test]
    fn epics_and_sprints_are_searchable() {
        let s = generate(1);
        let children = run(&s, "parent = DEMO-2");
        assert!(
            children
                .iter()
                .all(|k| s.issues[s.issue_index(k).unwrap_or(0)].epic == s.issue_index("DEMO-2"))
        );
        assert_eq!(children, run(&s, "\"Epic Link\" = DEMO-2"));
        let open = run(&s, "sprint in openSprints()");
        let closed = run(&s, "sprint in closedSprints()");
        let any = run(&s, "sprint is not EMPTY");
        assert!(!open.is_empty() && !closed.is_empty());
        assert_eq!(open.len() + closed.len(), any.len());
        assert_eq!(run(&s, "sprint = \"DEMO Sprint 1\""), run(&s, "sprint = 1"));
    }
}
