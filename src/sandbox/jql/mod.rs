//! JQL subset: validation against the supported fields, operators and functions, and
//! evaluation over the in-memory issues ([`eval`]).
//!
//! Fields: project, key (issuekey, issue, id), status, assignee, reporter, labels, priority,
//! issuetype (type), text, summary, description, comment, created (createdDate), updated
//! (updatedDate), parent ("Epic Link"), sprint; `ORDER BY` also takes `rank` (creation order). Functions: `currentUser()`, `now()`,
//! `startOfDay()`/`endOfDay()` (optional day increment), `startOfMonth()`/`endOfMonth()`,
//! `openSprints()`, `closedSprints()`, `futureSprints()`. Anything else is rejected with a
//! message that names it, so a caller never gets a silently wrong result.
//!
//! Documented differences from Jira: `~` is a case-insensitive substring match (Jira's is
//! word based with stemming); times are UTC; without `ORDER BY` results are `created DESC`.

pub mod eval;

use std::cmp::Ordering;

use crate::sandbox::model::{Issue, Store};
use crate::sandbox::query_ast::{Expr, Op, Operand, Query, Val, parse};
use crate::sandbox::timefmt::{parse_query_date, parse_relative};

pub use eval::Context;

/// A JQL field the sandbox supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Project,
    Key,
    Status,
    Assignee,
    Reporter,
    Labels,
    Priority,
    IssueType,
    Text,
    Summary,
    Description,
    Comment,
    Created,
    Updated,
    Parent,
    Sprint,
    Rank,
}

pub(crate) fn field(name: &str) -> Option<Field> {
    Some(match name.to_ascii_lowercase().as_str() {
        "project" => Field::Project,
        "key" | "issuekey" | "issue" | "id" => Field::Key,
        "status" => Field::Status,
        "assignee" => Field::Assignee,
        "reporter" => Field::Reporter,
        "labels" | "label" => Field::Labels,
        "priority" => Field::Priority,
        "issuetype" | "type" => Field::IssueType,
        "text" => Field::Text,
        "summary" => Field::Summary,
        "description" => Field::Description,
        "comment" => Field::Comment,
        "created" | "createddate" => Field::Created,
        "updated" | "updateddate" => Field::Updated,
        "parent" | "epic link" | "parentepic" => Field::Parent,
        "sprint" => Field::Sprint,
        "rank" => Field::Rank,
        _ => return None,
    })
}

fn is_text(f: Field) -> bool {
    matches!(
        f,
        Field::Text | Field::Summary | Field::Description | Field::Comment
    )
}

fn is_date(f: Field) -> bool {
    matches!(f, Field::Created | Field::Updated)
}

fn allowed(f: Field, op: Op) -> bool {
    use Op::*;
    if is_text(f) {
        matches!(op, Like | NotLike | Is | IsNot)
    } else if f == Field::Rank {
        false
    } else if is_date(f) {
        matches!(op, Eq | Ne | Gt | Ge | Lt | Le | Is | IsNot | In | NotIn)
    } else {
        matches!(op, Eq | Ne | In | NotIn | Is | IsNot)
    }
}

/// Functions and the fields they may be used with.
fn function_allowed(name: &str, f: Field) -> Option<bool> {
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "currentuser" => matches!(f, Field::Assignee | Field::Reporter),
        "now" | "startofday" | "endofday" | "startofmonth" | "endofmonth" => is_date(f),
        "opensprints" | "closedsprints" | "futuresprints" => f == Field::Sprint,
        _ => return None,
    })
}

/// A validated JQL query, ready to run.
#[derive(Debug, Clone)]
pub struct Jql {
    query: Query,
}

/// Parses and validates `jql`; the error text is what Jira's `errorMessages` should say.
pub fn compile(jql: &str) -> Result<Jql, String> {
    let query = parse(jql).map_err(|e| format!("Error in the JQL Query: {e}."))?;
    if let Some(filter) = &query.filter {
        validate(filter)?;
    }
    for (name, _) in &query.order {
        match field(name) {
            Some(f) if !is_text(f) && f != Field::Labels => {}
            _ => {
                return Err(format!(
                    "Not able to sort using field '{name}': the sandbox JQL subset does not support it."
                ));
            }
        }
    }
    Ok(Jql { query })
}

fn validate(e: &Expr) -> Result<(), String> {
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().try_for_each(validate),
        Expr::Not(inner) => validate(inner),
        Expr::Clause(c) => {
            let f = field(&c.field).ok_or_else(|| {
                format!(
                    "Field '{}' does not exist or is not supported by the sandbox JQL subset.",
                    c.field
                )
            })?;
            if !allowed(f, c.op) {
                return Err(format!(
                    "The operator '{}' is not supported by the '{}' field.",
                    c.op.as_str(),
                    c.field
                ));
            }
            let values: Vec<&Val> = match &c.operand {
                Operand::One(v) => vec![v],
                Operand::List(v) => v.iter().collect(),
                Operand::Empty if matches!(c.op, Op::Eq | Op::Ne | Op::Is | Op::IsNot) => vec![],
                Operand::Empty => {
                    return Err(format!(
                        "The operator '{}' cannot be used with EMPTY on the '{}' field.",
                        c.op.as_str(),
                        c.field
                    ));
                }
            };
            values
                .into_iter()
                .try_for_each(|v| validate_value(f, &c.field, v))
        }
    }
}

fn validate_value(f: Field, field_name: &str, v: &Val) -> Result<(), String> {
    match v {
        Val::Func(name, args) => match function_allowed(name, f) {
            None => Err(format!(
                "Function '{name}' is not supported by the sandbox JQL subset."
            )),
            Some(false) => Err(format!(
                "Function '{name}' is not supported for the '{field_name}' field."
            )),
            Some(true) => {
                let n = name.to_ascii_lowercase();
                let takes_arg = n == "startofday" || n == "endofday";
                match args.as_slice() {
                    [] => Ok(()),
                    [a] if takes_arg && eval::day_increment(a).is_some() => Ok(()),
                    _ => Err(format!(
                        "Function '{name}' was given unsupported arguments {args:?} in the sandbox JQL subset."
                    )),
                }
            }
        },
        Val::Text(t) if is_date(f) => {
            if parse_query_date(t).is_some() || parse_relative(t).is_some() {
                Ok(())
            } else {
                Err(format!(
                    "Date value '{t}' for field '{field_name}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
                ))
            }
        }
        Val::Text(_) => Ok(()),
    }
}

impl Jql {
    /// True when the query restricts the search (Cloud's `/search/jql` refuses unbounded
    /// queries such as a bare `ORDER BY`).
    pub fn is_bounded(&self) -> bool {
        self.query.filter.is_some()
    }

    /// Indexes of the matching issues, sorted as the query asks (without `ORDER BY`:
    /// newest first, `created DESC`).
    pub fn run(&self, store: &Store, ctx: Context) -> Vec<usize> {
        let mut hits: Vec<usize> = (0..store.issues.len())
            .filter(|&i| {
                self.query
                    .filter
                    .as_ref()
                    .is_none_or(|f| eval::eval(f, store, &store.issues[i], ctx))
            })
            .collect();
        let order: Vec<(Field, bool)> = if self.query.order.is_empty() {
            vec![(Field::Created, true)]
        } else {
            self.query
                .order
                .iter()
                .filter_map(|(n, d)| field(n).map(|f| (f, *d)))
                .collect()
        };
        hits.sort_by(|&a, &b| {
            for (f, desc) in &order {
                let o = compare(store, &store.issues[a], &store.issues[b], *f);
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            // Stable tie-break: newest first, as Jira does.
            b.cmp(&a)
        });
        hits
    }
}

fn key_parts(key: &str) -> (&str, u64) {
    match key.rsplit_once('-') {
        Some((p, n)) => (p, n.parse().unwrap_or(0)),
        None => (key, 0),
    }
}

fn compare(store: &Store, a: &Issue, b: &Issue, f: Field) -> Ordering {
    let user = |u: Option<usize>| {
        u.and_then(|u| store.users.get(u))
            .map(|u| u.display_name.to_lowercase())
    };
    let epic_key = |i: &Issue| {
        i.epic
            .and_then(|e| store.issues.get(e))
            .map(|e| key_parts(&e.key))
    };
    match f {
        Field::Key => key_parts(&a.key).cmp(&key_parts(&b.key)),
        Field::Project => store.projects[a.project]
            .key
            .cmp(&store.projects[b.project].key),
        Field::Status => a.status.cmp(&b.status),
        // Highest priority first when ascending, as in Jira.
        Field::Priority => b.priority.cmp(&a.priority).reverse(),
        Field::IssueType => a.issue_type.cmp(&b.issue_type),
        Field::Summary => a.summary.to_lowercase().cmp(&b.summary.to_lowercase()),
        Field::Assignee => user(a.assignee).cmp(&user(b.assignee)),
        Field::Reporter => user(Some(a.reporter)).cmp(&user(Some(b.reporter))),
        Field::Created => a.created.cmp(&b.created),
        Field::Updated => a.updated.cmp(&b.updated),
        Field::Parent => epic_key(a).cmp(&epic_key(b)),
        Field::Sprint => a.sprint.cmp(&b.sprint),
        // Nobody re-ranks in the sandbox, so rank is creation order, as on a fresh board.
        Field::Rank => a
            .created
            .cmp(&b.created)
            .then_with(|| a.id.len().cmp(&b.id.len()))
            .then_with(|| a.id.cmp(&b.id)),
        Field::Text | Field::Description | Field::Comment | Field::Labels => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_parts_are_named_in_the_error() {
        let err = |q: &str| compile(q).expect_err("must be rejected");
        assert!(err("fixVersion = 1.0").contains("'fixVersion'"));
        assert!(err("status ~ Done").contains("operator '~'"));
        assert!(err("assignee in membersOf(devs)").contains("'membersOf'"));
        assert!(err("created > yesterday").contains("'yesterday'"));
        assert!(err("created > startOfWeek()").contains("'startOfWeek'"));
        assert!(err("created > startOfDay(banana)").contains("unsupported arguments"));
        assert!(err("sprint = currentUser()").contains("'sprint' field"));
        assert!(err("created > EMPTY").contains("EMPTY"));
        assert!(err("project = DEMO ORDER BY score").contains("'score'"));
        assert!(err("rank > 1").contains("'rank'"));
        assert!(compile("project = DEMO ORDER BY Rank ASC").is_ok());
        assert!(
            err("status WAS Done").starts_with("Error in the JQL Query: expecting an operator")
        );
    }

    #[test]
    fn only_queries_with_a_restriction_are_bounded() {
        assert!(compile("project = DEMO").expect("valid").is_bounded());
        assert!(!compile("ORDER BY key").expect("valid").is_bounded());
        assert!(!compile("").expect("valid").is_bounded());
    }
}
