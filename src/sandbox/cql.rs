//! CQL subset: validation and evaluation over the in-memory Confluence pages.
//!
//! Supported fields: type (page, blogpost), space (space.key), title, text (siteSearch), label, ancestor,
//! parent, creator, id, created, lastmodified. Functions: `currentUser()`, `now("-7d")`.
//! Anything else is rejected with a message that names it. `~` is a case-insensitive
//! substring match; dates are UTC. The search universe is pages (there are no blog posts),
//! so a type the sandbox does not model (comment, attachment, space, user) is an error
//! rather than an empty, misleading answer.

use std::cmp::Ordering;

use crate::sandbox::model::{Page, Store};
use crate::sandbox::query_ast::{Clause, Expr, Op, Operand, Query, Val, contains_terms, parse};
use crate::sandbox::timefmt::{parse_query_date, parse_relative};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Type,
    Space,
    Title,
    Text,
    Label,
    Ancestor,
    Parent,
    Creator,
    Id,
    Created,
    Modified,
}

fn field(name: &str) -> Option<Field> {
    Some(match name.to_ascii_lowercase().as_str() {
        "type" => Field::Type,
        "space" | "space.key" => Field::Space,
        "title" => Field::Title,
        // Cloud's `siteSearch` ranks differently but matches like `text` here.
        "text" | "sitesearch" => Field::Text,
        "label" | "labels" => Field::Label,
        "ancestor" => Field::Ancestor,
        "parent" => Field::Parent,
        "creator" => Field::Creator,
        "id" | "content" => Field::Id,
        "created" => Field::Created,
        "lastmodified" => Field::Modified,
        _ => return None,
    })
}

fn allowed(f: Field, op: Op) -> bool {
    match f {
        Field::Title => matches!(
            op,
            Op::Eq | Op::Ne | Op::Like | Op::NotLike | Op::In | Op::NotIn
        ),
        Field::Text => matches!(op, Op::Like | Op::NotLike),
        Field::Created | Field::Modified => {
            matches!(op, Op::Eq | Op::Ne | Op::Gt | Op::Ge | Op::Lt | Op::Le)
        }
        Field::Label => matches!(
            op,
            Op::Eq | Op::Ne | Op::In | Op::NotIn | Op::Is | Op::IsNot
        ),
        _ => matches!(op, Op::Eq | Op::Ne | Op::In | Op::NotIn),
    }
}

/// A validated CQL query.
#[derive(Debug, Clone)]
pub struct Cql {
    query: Query,
}

/// Parses and validates `cql`; the error text names the offending part.
pub fn compile(cql: &str) -> Result<Cql, String> {
    let query = parse(cql).map_err(|e| format!("Could not parse cql : {cql} ({e})"))?;
    if let Some(filter) = &query.filter {
        validate(filter)?;
    }
    for (name, _) in &query.order {
        if !matches!(
            field(name),
            Some(Field::Title | Field::Created | Field::Modified | Field::Id)
        ) {
            return Err(format!(
                "Cannot order by '{name}': the sandbox CQL subset supports title, created, lastmodified and id"
            ));
        }
    }
    Ok(Cql { query })
}

fn validate(e: &Expr) -> Result<(), String> {
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().try_for_each(validate),
        Expr::Not(x) => validate(x),
        Expr::Clause(c) => {
            let f = field(&c.field).ok_or_else(|| {
                format!(
                    "Field '{}' is not supported by the sandbox CQL subset",
                    c.field
                )
            })?;
            if !allowed(f, c.op) {
                return Err(format!(
                    "Operator '{}' is not supported for field '{}'",
                    c.op.as_str(),
                    c.field
                ));
            }
            let values: Vec<&Val> = match &c.operand {
                Operand::One(v) => vec![v],
                Operand::List(v) => v.iter().collect(),
                Operand::Empty => vec![],
            };
            for v in values {
                match (f, v) {
                    (Field::Creator, Val::Func(n, _)) if n.eq_ignore_ascii_case("currentuser") => {}
                    (Field::Created | Field::Modified, Val::Func(n, args))
                        if n.eq_ignore_ascii_case("now") =>
                    {
                        let arg = args.first().map(String::as_str).unwrap_or("0d");
                        if parse_relative(arg).is_none() {
                            return Err(format!(
                                "Invalid argument '{arg}' to now(): use a period such as \"-7d\""
                            ));
                        }
                    }
                    (_, Val::Func(n, _)) => {
                        return Err(format!(
                            "Function '{n}' is not supported for field '{}' by the sandbox CQL subset",
                            c.field
                        ));
                    }
                    (Field::Created | Field::Modified, Val::Text(t))
                        if parse_query_date(t).is_none() && parse_relative(t).is_none() =>
                    {
                        return Err(format!(
                            "Invalid date '{t}' for field '{}': use yyyy-MM-dd, yyyy-MM-dd HH:mm or now(\"-7d\")",
                            c.field
                        ));
                    }
                    (Field::Type, Val::Text(t))
                        if !matches!(t.to_ascii_lowercase().as_str(), "page" | "blogpost") =>
                    {
                        return Err(format!(
                            "Content type '{t}' is not supported by the sandbox CQL subset (page, blogpost)"
                        ));
                    }
                    _ => {}
                }
            }
            Ok(())
        }
    }
}

/// Evaluation context.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// Authenticated user index.
    pub current_user: usize,
    /// Now, unix seconds.
    pub now: i64,
}

impl Cql {
    /// Matching page indexes, sorted (without `ORDER BY`: page order, i.e. by id).
    pub fn run(&self, store: &Store, ctx: Context) -> Vec<usize> {
        let mut hits: Vec<usize> = (0..store.pages.len())
            .filter(|&i| !store.pages[i].trashed)
            .filter(|&i| {
                self.query
                    .filter
                    .as_ref()
                    .is_none_or(|f| eval(f, store, i, ctx))
            })
            .collect();
        hits.sort_by(|&a, &b| {
            for (name, desc) in &self.query.order {
                let (pa, pb) = (&store.pages[a], &store.pages[b]);
                let o = match field(name) {
                    Some(Field::Title) => pa.title.to_lowercase().cmp(&pb.title.to_lowercase()),
                    Some(Field::Created) => pa.created.cmp(&pb.created),
                    Some(Field::Modified) => pa.modified.cmp(&pb.modified),
                    _ => id_num(pa).cmp(&id_num(pb)),
                };
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            a.cmp(&b)
        });
        hits
    }
}

fn id_num(p: &Page) -> u64 {
    p.id.parse().unwrap_or(0)
}

fn eval(e: &Expr, store: &Store, page: usize, ctx: Context) -> bool {
    match e {
        Expr::And(v) => v.iter().all(|x| eval(x, store, page, ctx)),
        Expr::Or(v) => v.iter().any(|x| eval(x, store, page, ctx)),
        Expr::Not(x) => !eval(x, store, page, ctx),
        Expr::Clause(c) => eval_clause(c, store, page, ctx),
    }
}

fn value(v: &Val, store: &Store, ctx: Context) -> String {
    match v {
        Val::Text(t) => t.clone(),
        Val::Func(n, args) if n.eq_ignore_ascii_case("now") => {
            args.first().cloned().unwrap_or_else(|| "0d".into())
        }
        Val::Func(_, _) => store
            .users
            .get(ctx.current_user)
            .map(|u| u.account_id.clone())
            .unwrap_or_default(),
    }
}

fn eval_clause(c: &Clause, store: &Store, idx: usize, ctx: Context) -> bool {
    let Some(page) = store.pages.get(idx) else {
        return false;
    };
    let f = field(&c.field).unwrap_or(Field::Id);
    let values: Vec<String> = match &c.operand {
        Operand::One(v) => vec![value(v, store, ctx)],
        Operand::List(vs) => vs.iter().map(|v| value(v, store, ctx)).collect(),
        Operand::Empty => vec![],
    };
    let eq_any = |candidates: &[String]| {
        candidates
            .iter()
            .any(|n| values.iter().any(|v| n.eq_ignore_ascii_case(v)))
    };
    let set_match = |sets: Vec<Vec<String>>| -> bool {
        let empty = sets.is_empty();
        let hit = sets.iter().any(|s| eq_any(s));
        match c.op {
            Op::Eq | Op::In => hit,
            Op::Ne | Op::NotIn => !hit,
            Op::Is => empty,
            Op::IsNot => !empty,
            _ => false,
        }
    };
    let text_match = |hay: &str| -> bool {
        let hay = hay.to_lowercase();
        let needle = values.first().map(String::as_str).unwrap_or_default();
        match c.op {
            Op::Like => contains_terms(&hay, needle),
            Op::NotLike => !contains_terms(&hay, needle),
            Op::Eq | Op::In => values.iter().any(|v| v.to_lowercase() == hay),
            Op::Ne | Op::NotIn => !values.iter().any(|v| v.to_lowercase() == hay),
            _ => false,
        }
    };
    let time_match = |t: i64| -> bool {
        let v = values.first().map(String::as_str).unwrap_or("");
        let x = parse_relative(v)
            .map(|d| ctx.now + d)
            .or_else(|| parse_query_date(v))
            .unwrap_or(0);
        match c.op {
            Op::Eq => t == x,
            Op::Ne => t != x,
            Op::Gt => t > x,
            Op::Ge => t >= x,
            Op::Lt => t < x,
            Op::Le => t <= x,
            _ => false,
        }
    };
    let page_names = |i: usize| -> Vec<String> {
        store
            .pages
            .get(i)
            .map(|p| vec![p.id.clone(), p.title.clone()])
            .unwrap_or_default()
    };
    match f {
        Field::Type => set_match(vec![vec!["page".into()]]),
        Field::Space => {
            let s = &store.spaces[page.space];
            set_match(vec![vec![s.key.clone(), s.id.clone()]])
        }
        Field::Title => text_match(&page.title),
        Field::Text => text_match(&format!("{}\n{}", page.title, page.body.plain())),
        Field::Label => set_match(page.labels.iter().map(|l| vec![l.clone()]).collect()),
        Field::Ancestor => set_match(store.ancestors(idx).into_iter().map(page_names).collect()),
        Field::Parent => set_match(page.parent.map(page_names).into_iter().collect()),
        Field::Creator => {
            let u = store.users.get(page.creator);
            set_match(
                u.map(|u| vec![u.account_id.clone(), u.name.clone(), u.key.clone()])
                    .into_iter()
                    .collect(),
            )
        }
        Field::Id => set_match(vec![vec![page.id.clone()]]),
        Field::Created => time_match(page.created),
        Field::Modified => time_match(page.modified),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::seed::{RICH_PAGE_ID, generate};
    use crate::sandbox::timefmt::SEED_EPOCH;

    fn run(store: &Store, cql: &str) -> Vec<String> {
        let ctx = Context {
            current_user: 0,
            now: SEED_EPOCH + 400 * 86_400,
        };
        compile(cql)
            .expect("valid cql")
            .run(store, ctx)
            .into_iter()
            .map(|i| store.pages[i].id.clone())
            .collect()
    }

    #[test]
    fn space_type_title_and_text_filters_work() {
        let s = generate(1);
        assert_eq!(run(&s, "type = page AND space = DEMO").len(), 30);
        assert_eq!(run(&s, "space in (DEMO, ENG)").len(), 60);
        assert_eq!(run(&s, "type = blogpost").len(), 0);
        assert_eq!(run(&s, "title = \"Getting Started\""), vec![RICH_PAGE_ID]);
        assert_eq!(
            run(&s, "text ~ \"cargo test --all-targets\""),
            vec![RICH_PAGE_ID]
        );
        assert_eq!(run(&s, "label = onboarding"), vec![RICH_PAGE_ID]);
        assert_eq!(
            run(&s, "siteSearch ~ \"targets cargo\" AND space = DEMO"),
            vec![RICH_PAGE_ID]
        );
        assert!(run(&s, "creator = currentUser()").contains(&RICH_PAGE_ID.to_string()));
    }

    #[test]
    fn tree_and_date_filters_and_ordering_work() {
        let s = generate(1);
        let home = s.pages[s.spaces[0].homepage].id.clone();
        assert_eq!(run(&s, &format!("ancestor = {home}")).len(), 29);
        assert_eq!(run(&s, &format!("parent = {home}")).len(), 5);
        assert_eq!(run(&s, "created > now(\"-7d\")").len(), 0);
        assert_eq!(run(&s, "created >= \"2025-01-01\"").len(), 60);
        let titles: Vec<String> = compile("space = DEMO ORDER BY title DESC")
            .expect("valid")
            .run(
                &s,
                Context {
                    current_user: 0,
                    now: 0,
                },
            )
            .into_iter()
            .map(|i| s.pages[i].title.to_lowercase())
            .collect();
        assert!(titles.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn unsupported_parts_are_named_in_the_error() {
        assert!(
            compile("contributor = bob")
                .expect_err("must be rejected")
                .contains("'contributor'")
        );
        assert!(
            compile("type = attachment")
                .expect_err("must be rejected")
                .contains("'attachment'")
        );
        assert!(
            compile("text = foo")
                .expect_err("must be rejected")
                .contains("Operator '='")
        );
        assert!(
            compile("created > startOfWeek()")
                .expect_err("must be rejected")
                .contains("'startOfWeek'")
        );
        assert!(
            compile("space = DEMO ORDER BY score")
                .expect_err("must be rejected")
                .contains("'score'")
        );
        assert!(
            compile("space = ")
                .expect_err("must be rejected")
                .starts_with("Could not parse cql : space = ")
        );
    }
}
