//! Jira part of the seed: boards and sprints, ~300 issues with comments, worklogs,
//! history and epics, and issue links.

use crate::sandbox::model::{Board, Comment, History, Issue, IssueLink, Sprint, Store, Worklog};
use crate::sandbox::rng::SplitMix64;
use crate::sandbox::seed::{DAY, HOUR, ISSUES_PER_PROJECT, LABELS, OBJECTS, VERBS, plain_doc};
use crate::sandbox::text::{
    RichText, code, doc, emoji, heading, list, marked, media, mention, panel, para, status, table,
    text,
};
use crate::sandbox::timefmt::SEED_EPOCH;

/// DEMO-1's description: headings, marks, lists, a table and a code block, then a note
/// panel that mentions `mentioned` (account id, display name) with an emoji, a status
/// lozenge and an embedded image — what real descriptions hold.
pub fn rich_issue_description(mentioned: (&str, &str)) -> RichText {
    RichText::from_adf(doc(vec![
        heading(2, "Overview"),
        para(vec![
            text("The sandbox must serve "),
            marked("rich", "strong"),
            text(" descriptions with "),
            marked("inline code", "code"),
            text("."),
        ]),
        heading(3, "Acceptance criteria"),
        list(false, &["Headings render", "Lists render", "Tables render"]),
        list(true, &["Open the issue", "Read the description"]),
        table(&[
            &["Environment", "URL"],
            &["staging", "https://staging.example.com"],
            &["production", "https://example.com"],
        ]),
        code("rust", "fn main() {\n    println!(\"hello sandbox\");\n}"),
        panel(
            "note",
            vec![para(vec![text(
                "Rollout needs a sign-off from the on-call team.",
            )])],
        ),
        para(vec![
            text("Owner: "),
            mention(mentioned.0, mentioned.1),
            text(" "),
            emoji(":rocket:", "🚀"),
            text(" — state: "),
            status("Ready", "green"),
        ]),
        media("architecture.png"),
    ]))
}

/// Id of the rich comment seeded on [`RICH_COMMENT_ISSUE`].
pub const RICH_COMMENT_ID: &str = "19000";
/// The issue that carries the rich comment.
pub const RICH_COMMENT_ISSUE: &str = "DEMO-2";

/// A comment with what real sites hold beyond plain text: a panel, a mention, an emoji, a
/// status lozenge, an embedded image, a table and a code block. Added after the random
/// seed is drawn, so no other seeded value moves.
pub(crate) fn rich_comment(store: &mut Store) {
    let Some(idx) = store.issue_index(RICH_COMMENT_ISSUE) else {
        return;
    };
    let (account, name) = store
        .users
        .get(1)
        .map(|u| (u.account_id.clone(), u.display_name.clone()))
        .unwrap_or_default();
    let issue = &mut store.issues[idx];
    let at = issue.created + 2 * HOUR;
    issue.comments.push(Comment {
        id: RICH_COMMENT_ID.into(),
        author: 2,
        body: RichText::from_adf(doc(vec![
            panel(
                "warning",
                vec![para(vec![text(
                    "Deploy is blocked until the migration runs.",
                )])],
            ),
            para(vec![
                mention(&account, &name),
                text(" please review "),
                emoji(":thumbsup:", "👍"),
                text(" — state: "),
                status("In review", "yellow"),
            ]),
            media("diagram.png"),
            table(&[&["Check", "Result"], &["migration", "pending"]]),
            code("sql", "ALTER TABLE users ADD COLUMN locale text;"),
        ])),
        created: at,
        updated: at,
    });
}

pub(crate) fn agile(store: &mut Store) {
    for (b, project) in [(1u64, 0usize), (2, 1)] {
        let key = store
            .projects
            .get(project)
            .map(|p| p.key.clone())
            .unwrap_or_default();
        store.boards.push(Board {
            id: b,
            name: format!("{key} board"),
            project,
        });
        for (n, state) in [(1u64, "closed"), (2, "active"), (3, "future")] {
            let start = SEED_EPOCH + i64::try_from(n - 1).unwrap_or(0) * 14 * DAY;
            store.sprints.push(Sprint {
                id: (b - 1) * 3 + n,
                name: format!("{key} Sprint {n}"),
                state,
                board: store.boards.len() - 1,
                start: Some(start),
                end: Some(start + 14 * DAY),
                goal: String::new(),
            });
        }
    }
}

pub(crate) fn issues(store: &mut Store, rng: &mut SplitMix64) {
    let mut next_issue_id = 10_000u64;
    let mut next_comment_id = 10_000u64;
    let mut next_worklog_id = 10_000u64;
    let mut next_history_id = 50_000u64;
    let n_users = store.users.len();
    for (p, count) in ISSUES_PER_PROJECT.iter().enumerate() {
        let key = store
            .projects
            .get(p)
            .map(|x| x.key.clone())
            .unwrap_or_default();
        let mut created = SEED_EPOCH + i64::try_from(p).unwrap_or(0) * HOUR;
        let first = store.issues.len();
        let sprints: Vec<usize> = (0..store.sprints.len())
            .filter(|s| {
                store
                    .boards
                    .get(store.sprints[*s].board)
                    .is_some_and(|b| b.project == p)
            })
            .collect();
        for n in 1..=*count {
            let is_epic = (2..=5).contains(&n);
            let issue_type = if is_epic {
                0
            } else if n == 1 {
                1
            } else {
                1 + rng.index(3)
            };
            let summary = if n == 1 && p == 0 {
                "Sandbox showcase issue with rich description".to_owned()
            } else if is_epic {
                format!(
                    "Epic: {} initiative {}",
                    OBJECTS[rng.index(OBJECTS.len())],
                    n - 1
                )
            } else {
                format!(
                    "{} {}",
                    VERBS[rng.index(VERBS.len())],
                    OBJECTS[rng.index(OBJECTS.len())]
                )
            };
            let status = if n == 1 && p == 0 { 1 } else { rng.index(4) };
            let mut labels: Vec<String> = Vec::new();
            for _ in 0..rng.below(3) {
                let l = LABELS[rng.index(LABELS.len())].to_owned();
                if !labels.contains(&l) {
                    labels.push(l);
                }
            }
            if n == 1 && p == 0 {
                labels = vec!["backend".into(), "docs".into()];
            }
            let description = if n == 1 && p == 0 {
                let u = store.users.get(1);
                Some(rich_issue_description((
                    u.map_or("", |u| u.account_id.as_str()),
                    u.map_or("", |u| u.display_name.as_str()),
                )))
            } else if rng.chance(85) {
                Some(plain_doc(rng))
            } else {
                None
            };
            let assignee = if n == 1 && p == 0 {
                Some(0)
            } else if rng.chance(80) {
                Some(rng.index(n_users))
            } else {
                None
            };
            let reporter = if n == 1 && p == 0 {
                1
            } else {
                rng.index(n_users)
            };
            let updated = created + i64::try_from(rng.below(20 * 24)).unwrap_or(0) * HOUR;
            let mut comments = Vec::new();
            let n_comments = if n == 1 && p == 0 { 3 } else { rng.below(4) };
            for c in 0..n_comments {
                next_comment_id += 1;
                let t = created + i64::try_from(c + 1).unwrap_or(1) * 5 * HOUR;
                let body = if n == 1 && p == 0 && c == 0 {
                    RichText::from_adf(doc(vec![
                        para(vec![
                            text("Looks good, see "),
                            marked("the checklist", "strong"),
                            text(":"),
                        ]),
                        list(false, &["tests pass", "docs updated"]),
                    ]))
                } else {
                    plain_doc(rng)
                };
                comments.push(Comment {
                    id: next_comment_id.to_string(),
                    author: if n == 1 && p == 0 {
                        usize::try_from(c).unwrap_or(0) + 1
                    } else {
                        rng.index(n_users)
                    },
                    body,
                    created: t,
                    updated: t,
                });
            }
            let mut worklogs = Vec::new();
            if rng.chance(30) {
                next_worklog_id += 1;
                worklogs.push(Worklog {
                    id: next_worklog_id.to_string(),
                    author: rng.index(n_users),
                    seconds: i64::try_from(1 + rng.below(8)).unwrap_or(1) * HOUR,
                    started: created + DAY,
                    comment: RichText::from_wiki("Worked on it"),
                });
            }
            let mut history = Vec::new();
            if status != 0 {
                let to = store
                    .statuses
                    .get(status)
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                next_history_id += 1;
                history.push(History {
                    id: next_history_id.to_string(),
                    author: reporter,
                    created: created + 2 * HOUR,
                    items: vec![("status".into(), "To Do".into(), to)],
                });
            }
            let epic = if is_epic || n == 1 && p > 0 {
                None
            } else if n == 1 || rng.chance(60) {
                Some(first + 1 + rng.index(4))
            } else {
                None
            };
            let sprint = if is_epic || sprints.is_empty() || !rng.chance(70) {
                None
            } else {
                sprints.get(rng.index(sprints.len())).copied()
            };
            next_issue_id += 1;
            store.issues.push(Issue {
                id: next_issue_id.to_string(),
                key: format!("{key}-{n}"),
                project: p,
                issue_type,
                status,
                priority: if n == 1 && p == 0 { 1 } else { rng.index(5) },
                summary,
                description,
                labels,
                assignee,
                reporter,
                created,
                updated,
                epic,
                sprint,
                comments,
                worklogs,
                history,
            });
            created += i64::try_from(2 + rng.below(20)).unwrap_or(2) * HOUR;
        }
    }
}

pub(crate) fn links(store: &mut Store, rng: &mut SplitMix64) {
    let total = store.issues.len();
    for l in 0..40u64 {
        let a = rng.index(total);
        let b = rng.index(total);
        if a == b {
            continue;
        }
        store.links.push(IssueLink {
            id: (20_000 + l).to_string(),
            kind: if rng.chance(50) { "Blocks" } else { "Relates" },
            outward: a,
            inward: b,
        });
    }
}
