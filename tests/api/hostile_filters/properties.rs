//! The JQL/CQL wrappers (`mcp_atlassian::tools::scope`) against the independent tokenizer
//! of [`super::oracle`]: generated hostile queries must be refused or stay confined under
//! every reading, and well-formed ones must be accepted.

use proptest::prelude::*;

use super::oracle::{Dialect, balanced, confined, tokenize};
use mcp_atlassian::tools::scope::scope;

/// A fixed seed keeps CI deterministic; change it locally (and raise the case count) to
/// explore further.
fn fixed_seed(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5c09_e5ca_9e00),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Fragments an attacker strings together: quotes of every kind, backslashes, comment
/// starters, line breaks, parentheses, operators and the words that matter.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "\"", "'", "\\", "\\\"", "\\'", "\\\\", "(", ")", " ", "\n", "\r\n", "\t", ",",
            "“", "”", "‘", "’", "„", "«", "»", "＂", "`", "--", "//", "/*", "*/", "#", ";",
            "=", "!=", "~", "!~", "<=", ">", "&&", "||", "!", "[", "]", "\u{0}", "\u{85}",
            "\u{2028}", "\u{a0}",
        ]).prop_map(str::to_owned),
        3 => prop::sample::select(vec![
            "ORDER", "order", "BY", "by", "ORDER BY", "OR", "AND", "NOT", "or", "and", "IN",
            "project", "space", "SECRET", "DEMO", "ASC", "desc", "x", "1", "cf[10010]",
            "summary", "text", "key", "EMPTY", "currentUser()",
        ]).prop_map(str::to_owned),
        1 => "[a-z]{1,4}",
    ]
}

/// A random splice of fragments: mostly nonsense, which the wrapper must refuse or confine.
fn hostile_query() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..24).prop_map(|f| f.concat())
}

/// A quoted string with hostile content, escaped as the documentation says.
fn quoted() -> impl Strategy<Value = String> {
    (prop::bool::ANY, prop::collection::vec(fragment(), 0..6)).prop_map(|(double, parts)| {
        let q = if double { '"' } else { '\'' };
        let inner: String = parts
            .concat()
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
            .flat_map(|c| {
                if c == q || c == '\\' {
                    vec!['\\', c]
                } else {
                    vec![c]
                }
            })
            .collect();
        format!("{q}{inner}{q}")
    })
}

/// A well-formed query: clauses with quoted hostile values, grouped and joined, maybe
/// sorted. Every one of these must be accepted (the wrapper may not refuse valid queries
/// wholesale) and confined.
fn valid_query() -> impl Strategy<Value = String> {
    let clause = (
        prop::sample::select(vec![
            "summary",
            "text",
            "labels",
            "cf[10010]",
            "\"Epic Link\"",
        ]),
        prop::sample::select(vec!["=", "!=", "~", "!~", " in ", " not in "]),
        quoted(),
    )
        .prop_map(|(f, op, v)| {
            if op.contains("in") {
                format!("{f}{op}({v}, {v})")
            } else {
                format!("{f} {op} {v}")
            }
        });
    let condition = prop::collection::vec((clause, prop::bool::ANY, prop::bool::ANY), 0..4)
        .prop_map(|cs| {
            cs.into_iter()
                .enumerate()
                .map(|(n, (c, or, group))| {
                    let c = if group { format!("({c})") } else { c };
                    match (n, or) {
                        (0, _) => c,
                        (_, true) => format!(" OR\n{c}"),
                        (_, false) => format!(" AND {c}"),
                    }
                })
                .collect::<String>()
        });
    let order = prop::option::of(prop::sample::select(vec![
        " ORDER BY created DESC",
        " order by key",
        "\nORDER\tBY cf[10010] asc, \"Story Points\", rank",
    ]));
    (condition, order).prop_map(|(c, o)| format!("{c}{}", o.unwrap_or_default()))
}

/// Keys as an operator configures them: Jira project keys, Confluence space keys (personal
/// ones start with `~`). They come from the server's configuration, not from the caller.
fn keys() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            3 => "[A-Z][A-Z0-9_]{0,5}",
            1 => "~[a-z0-9.]{1,6}",
            1 => "[a-z][a-z0-9]{0,3}",
        ],
        1..4,
    )
}

/// The property: whatever the wrapper accepts, every reading of its output keeps every
/// condition inside the parentheses and the keys exact; a reading under which the output
/// is lexically invalid or unbalanced is one where the server refuses it, which is safe.
fn assert_confined(field: &str, keys: &[String], query: &str) -> Result<(), TestCaseError> {
    let Ok(wrapped) = scope(field, keys, query) else {
        return Ok(());
    };
    for (name, dialect) in Dialect::all() {
        let tokens = match tokenize(&wrapped, dialect) {
            Ok(t) => t,
            Err(e) => {
                prop_assert!(
                    name != "documented",
                    "the wrapper passed a query the documented rules cannot lex ({e}): {wrapped:?}"
                );
                continue;
            }
        };
        if !balanced(&tokens) {
            prop_assert!(
                name != "documented",
                "the wrapper passed unbalanced parentheses: {wrapped:?}"
            );
            continue;
        }
        if let Err(e) = confined(&tokens, field, keys) {
            return Err(TestCaseError::fail(format!(
                "escaped under the {name} reading ({e}): query {query:?} became {wrapped:?}"
            )));
        }
    }
    Ok(())
}

/// Runs the property over `cases` generated hostile queries and returns how many the
/// wrapper accepted: a property that only ever meets refusals would prove nothing.
fn run_hostile(field: &str, cases: u32) -> usize {
    let accepted = std::cell::Cell::new(0usize);
    let mut runner = proptest::test_runner::TestRunner::new(fixed_seed(cases));
    let result = runner.run(&(hostile_query(), keys()), |(q, k)| {
        if scope(field, &k, &q).is_ok() {
            accepted.set(accepted.get() + 1);
        }
        assert_confined(field, &k, &q)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    accepted.get()
}

#[test]
fn hostile_jql_never_escapes_the_project_filter() {
    let accepted = run_hostile("project", 4000);
    assert!(
        accepted >= 400,
        "only {accepted} of 4000 hostile queries were accepted; the generator no longer reaches the wrapping path"
    );
}

#[test]
fn hostile_cql_never_escapes_the_space_filter() {
    let accepted = run_hostile("space", 4000);
    assert!(accepted >= 400, "only {accepted} of 4000 accepted");
}

proptest! {
    #![proptest_config(fixed_seed(1000))]

    #[test]
    fn well_formed_queries_with_hostile_values_are_accepted_and_confined(
        q in valid_query(),
        k in keys(),
    ) {
        prop_assert!(scope("project", &k, &q).is_ok(), "refused a valid query: {:?} ({:?})", q, scope("project", &k, &q));
        assert_confined("project", &k, &q)?;
        assert_confined("space", &k, &q)?;
    }
}

#[test]
fn the_breakouts_a_hostile_review_tried_are_refused_or_confined() {
    let k = vec!["DEMO".to_owned()];
    for q in [
        "x = 1) OR (project = SECRET",
        "summary ~ a\\\") OR project = SECRET OR (x = \\\"b",
        "summary ~ \"a\\\" ) OR project = SECRET OR summary ~ \"",
        "a = 1 ORDER BY key OR project = SECRET",
        "a = 1 -- ) OR (project = SECRET",
        "summary ~ “) OR project = SECRET OR (x ~ ”",
        "summary ~ ab\") OR (project = SECRET OR x ~ \"",
        "x = \"a\"\") OR (project = SECRET OR y = \"\"",
    ] {
        match scope("project", &k, q) {
            Err(_) => {}
            Ok(wrapped) => {
                for (name, d) in Dialect::all() {
                    if let Ok(t) = tokenize(&wrapped, d)
                        && balanced(&t)
                    {
                        assert_eq!(confined(&t, "project", &k), Ok(()), "{name}: {wrapped}");
                    }
                }
            }
        }
    }
    // The one that got through before: a `\"` outside quotes.
    let e = scope(
        "project",
        &k,
        "summary ~ a\\\" ) OR project = SECRET OR summary ~ \\\"b",
    )
    .expect_err("a backslash outside quotes is refused");
    assert!(e.contains("backslash outside quotes"), "{e}");
}
