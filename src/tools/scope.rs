//! Confining JQL and CQL to the configured projects or spaces, so the filter cannot be
//! escaped: the caller's query is lexed, checked, and wrapped as
//! `field in ("K1", "K2") AND (<condition>) [ORDER BY …]`.
//!
//! The lexer follows the lexical rules Atlassian documents for both languages: values are
//! bare words or strings in double or single quotes; inside a string a backslash escapes the
//! next character (`\"`, `\'`, `\\`); parentheses group; `ORDER BY` (any case) starts the
//! sort clause. Where Atlassian's own parsers could read a query differently from those rules,
//! the query is refused rather than guessed at, so that no reading lets it out of the
//! parentheses:
//! - a backslash outside quotes (Jira's grammar lets it escape a quote in a bare word; a
//!   plainer reading would open a string there),
//! - typographic quotes outside quotes (`“ ” ‘ ’ „ « »` …: text to Atlassian, quotes to
//!   anyone who normalises them),
//! - comment-like sequences outside quotes (`--`, `//`, `/*`, `*/`, `#`, `;`: neither
//!   language has comments or statement separators, and all are reserved there),
//! - a quote glued to a bare word or another string (`ab"c"`, `"a""b"`: a quote inside a
//!   word, or doubled quotes as an escape, would read them differently),
//! - control characters other than tab and line breaks,
//! - anything after `ORDER BY` but sort keys (a field, optional `ASC`/`DESC`, commas).
//!
//! With no keys configured the query is checked the same way and passed on unwrapped.
//! `tests` in this module hold examples; the property tests in
//! `tests/api/hostile_filters/properties.rs` check the wrapper against an independent
//! tokenizer (`tests/api/hostile_filters/oracle.rs`).

/// The quote characters Atlassian treats as text but a normaliser might treat as quotes.
const TYPOGRAPHIC_QUOTES: &[char] = &[
    '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}', '\u{201C}', '\u{201D}', '\u{201E}', '\u{201F}',
    '\u{2032}', '\u{2033}', '\u{00AB}', '\u{00BB}', '\u{2039}', '\u{203A}', '\u{FF02}', '\u{FF07}',
    '\u{301D}', '\u{301E}', '\u{301F}', '\u{0060}', '\u{00B4}',
];

/// Characters that end a bare word (besides whitespace).
const DELIMITERS: &[char] = &['(', ')', ',', '"', '\'', '=', '!', '~', '<', '>', '&', '|'];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Str,
    Open,
    Close,
    Comma,
    Op,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

fn lex(query: &str) -> Result<Vec<Token>, String> {
    if let Some(c) = query
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(format!(
            "the query has the control character {:?}; remove it",
            c
        ));
    }
    let tokens = lex_tokens(query)?;
    // A quote glued to a word or another string has no agreed reading (a quote inside a bare
    // word, or doubled quotes as an escape); a space or an operator between them has one.
    for pair in tokens.windows(2) {
        let glued = pair[0].end == pair[1].start
            && matches!(
                (pair[0].kind, pair[1].kind),
                (Kind::Word | Kind::Str, Kind::Str) | (Kind::Str, Kind::Word)
            );
        if glued {
            return Err(format!(
                "the query has a quote directly next to {:?}; put a space or an operator between them",
                &query[pair[0].start..pair[1].end]
            ));
        }
    }
    Ok(tokens)
}

fn lex_tokens(query: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = query.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        let kind = match c {
            c if c.is_whitespace() => continue,
            '"' | '\'' => {
                let mut closed = None;
                while let Some((j, d)) = chars.next() {
                    if d == '\\' {
                        if chars.next().is_none() {
                            break;
                        }
                    } else if d == c {
                        closed = Some(j + d.len_utf8());
                        break;
                    }
                }
                let Some(end) = closed else {
                    return Err("the query has an unclosed quote; close every \" or '".into());
                };
                out.push(Token {
                    kind: Kind::Str,
                    start: i,
                    end,
                });
                continue;
            }
            '(' => Kind::Open,
            ')' => Kind::Close,
            ',' => Kind::Comma,
            '=' | '!' | '~' | '<' | '>' | '&' | '|' => {
                let mut end = i + 1;
                while let Some((j, d)) = chars.peek().copied() {
                    if !matches!(d, '=' | '!' | '~' | '<' | '>' | '&' | '|') {
                        break;
                    }
                    end = j + 1;
                    chars.next();
                }
                out.push(Token {
                    kind: Kind::Op,
                    start: i,
                    end,
                });
                continue;
            }
            _ => {
                check_bare(c, next)?;
                let mut end = i + c.len_utf8();
                while let Some((j, d)) = chars.peek().copied() {
                    if d.is_whitespace() || DELIMITERS.contains(&d) {
                        break;
                    }
                    chars.next();
                    check_bare(d, chars.peek().map(|(_, n)| *n))?;
                    end = j + d.len_utf8();
                }
                out.push(Token {
                    kind: Kind::Word,
                    start: i,
                    end,
                });
                continue;
            }
        };
        out.push(Token {
            kind,
            start: i,
            end: i + 1,
        });
    }
    Ok(out)
}

/// Refuses the characters (and pairs) a bare word may not hold; `next` is the one after `c`.
fn check_bare(c: char, next: Option<char>) -> Result<(), String> {
    if c == '\\' {
        return Err("the query has a backslash outside quotes; put the value in quotes (\"a\\\"b\") instead".into());
    }
    if TYPOGRAPHIC_QUOTES.contains(&c) {
        return Err(format!(
            "the query has the typographic quote {c} outside quotes; use straight quotes (\" or ')"
        ));
    }
    let pair = next.map(|n| [c, n]);
    if c == '#'
        || c == ';'
        || matches!(
            pair,
            Some(['-', '-'] | ['/', '/'] | ['/', '*'] | ['*', '/'])
        )
    {
        return Err(format!(
            "the query has {:?} outside quotes, which JQL and CQL do not allow there; quote the value",
            if c == '#' || c == ';' {
                c.to_string()
            } else {
                pair.map(String::from_iter).unwrap_or_default()
            }
        ));
    }
    Ok(())
}

fn word_is(query: &str, t: &Token, word: &str) -> bool {
    t.kind == Kind::Word && query[t.start..t.end].eq_ignore_ascii_case(word)
}

/// Words that are syntax, not field names, in a sort clause.
const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "was", "changed", "empty", "null", "order", "by", "asc",
    "desc", "on", "before", "after", "during", "from", "to",
];

/// Checks the tokens after `ORDER BY`: `key [ASC|DESC] (, key [ASC|DESC])*`.
fn check_sort(query: &str, tokens: &[Token]) -> Result<(), String> {
    let bad = || {
        "ORDER BY takes field names, each with an optional ASC or DESC, separated by commas; put conditions before ORDER BY".to_owned()
    };
    let mut i = 0;
    loop {
        let field = tokens.get(i).ok_or_else(bad)?;
        let is_field = field.kind == Kind::Str
            || (field.kind == Kind::Word
                && !KEYWORDS
                    .iter()
                    .any(|k| query[field.start..field.end].eq_ignore_ascii_case(k)));
        if !is_field {
            return Err(bad());
        }
        i += 1;
        if tokens
            .get(i)
            .is_some_and(|t| word_is(query, t, "asc") || word_is(query, t, "desc"))
        {
            i += 1;
        }
        match tokens.get(i) {
            None => return Ok(()),
            Some(t) if t.kind == Kind::Comma => i += 1,
            Some(_) => return Err(bad()),
        }
    }
}

/// Splits a query into its condition and its top-level `ORDER BY` clause, checking it on the
/// way (see the module docs). Errors say what to fix.
pub fn split_order_by(query: &str) -> Result<(&str, Option<&str>), String> {
    let tokens = lex(query)?;
    let mut depth: i32 = 0;
    let mut order_at = None;
    for (n, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth -= 1;
                if depth < 0 {
                    return Err(
                        "the query closes a parenthesis it never opened; balance its parentheses"
                            .into(),
                    );
                }
            }
            _ if depth == 0
                && word_is(query, t, "order")
                && tokens.get(n + 1).is_some_and(|b| word_is(query, b, "by")) =>
            {
                order_at = Some(n);
                break;
            }
            _ => {}
        }
    }
    if order_at.is_none() && depth != 0 {
        return Err(
            "the query opens a parenthesis it never closes; balance its parentheses".into(),
        );
    }
    Ok(match order_at {
        Some(n) => {
            check_sort(query, &tokens[n + 2..])?;
            let at = tokens[n].start;
            (query[..at].trim(), Some(query[at..].trim()))
        }
        None => (query.trim(), None),
    })
}

/// Quotes a project or space key for JQL/CQL.
fn quote_key(key: &str) -> String {
    format!("\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Wraps `query` so it only matches items whose `field` is one of `keys`. With no keys the
/// query is returned as given (after the same checks).
pub fn scope(field: &str, keys: &[String], query: &str) -> Result<String, String> {
    let (condition, order_by) = split_order_by(query)?;
    if keys.is_empty() {
        return Ok(query.trim().to_owned());
    }
    let list = keys
        .iter()
        .map(|k| quote_key(k))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!("{field} in ({list})");
    if !condition.is_empty() {
        out.push_str(&format!(" AND ({condition})"));
    }
    if let Some(o) = order_by {
        out.push(' ');
        out.push_str(o);
    }
    Ok(out)
}

/// The keys a call may use: the configured filter, narrowed by a per-call list. A per-call
/// key outside the configured filter is an error, not a silent widening.
pub fn effective_keys(
    configured: &[String],
    requested: Option<&str>,
    upper: bool,
) -> Result<Vec<String>, String> {
    let requested: Vec<String> = requested
        .map(|r| {
            r.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    if upper {
                        s.to_ascii_uppercase()
                    } else {
                        s.to_owned()
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if requested.is_empty() {
        return Ok(configured.to_vec());
    }
    if let Some(outside) = requested
        .iter()
        .find(|k| !configured.is_empty() && !configured.contains(k))
    {
        return Err(format!(
            "{outside} is outside the keys this server allows ({})",
            configured.join(", ")
        ));
    }
    Ok(requested)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn queries_are_wrapped_with_order_by_kept_outside() {
        assert_eq!(
            scope(
                "project",
                &keys(&["DEMO", "OPS"]),
                "status = Done ORDER BY created DESC"
            )
            .expect("ok"),
            "project in (\"DEMO\", \"OPS\") AND (status = Done) ORDER BY created DESC"
        );
        assert_eq!(
            scope("project", &keys(&["DEMO"]), "order by key").expect("ok"),
            "project in (\"DEMO\") order by key"
        );
        assert_eq!(
            scope(
                "project",
                &keys(&["DEMO"]),
                "a=1 ORDER BY cf[10010] ASC, \"Story Points\" desc, rank"
            )
            .expect("ok"),
            "project in (\"DEMO\") AND (a=1) ORDER BY cf[10010] ASC, \"Story Points\" desc, rank"
        );
        assert_eq!(
            scope("project", &[], "status = Done").expect("ok"),
            "status = Done"
        );
    }

    #[test]
    fn breakouts_are_refused_or_neutralised() {
        let k = keys(&["DEMO"]);
        assert!(scope("project", &k, "x) OR (project = SECRET").is_err());
        assert!(scope("project", &k, "x = 1) OR project = SECRET ORDER BY key").is_err());
        assert!(scope("project", &k, "summary ~ \"unclosed").is_err());
        assert!(scope("project", &k, "((a = 1)").is_err());
        // Parentheses and ORDER BY inside quotes are text, not syntax.
        let q = scope(
            "project",
            &k,
            "summary ~ \") OR (project = SECRET ORDER BY x\"",
        )
        .expect("ok");
        assert_eq!(
            q,
            "project in (\"DEMO\") AND (summary ~ \") OR (project = SECRET ORDER BY x\")"
        );
        let q = scope("project", &k, "summary ~ 'it\\'s) OR (x'").expect("ok");
        assert!(q.starts_with("project in (\"DEMO\") AND ("));
        // Words that merely contain "order" are not an ORDER BY.
        let q = scope("project", &k, "reorder = 1 AND border_by = 2").expect("ok");
        assert_eq!(
            q,
            "project in (\"DEMO\") AND (reorder = 1 AND border_by = 2)"
        );
    }

    #[test]
    fn a_sort_clause_cannot_carry_a_condition_past_the_wrapper() {
        let k = keys(&["DEMO"]);
        for q in [
            "a = 1 ORDER BY key OR project = SECRET",
            "ORDER BY key, (project = SECRET)",
            "ORDER BY key DESC project = SECRET",
            "ORDER BY",
            "ORDER BY key,",
            "a = 1 ORDER BY key ORDER BY rank",
        ] {
            let e = scope("project", &k, q).expect_err(q);
            assert!(e.contains("ORDER BY takes field names"), "{q}: {e}");
        }
    }

    #[test]
    fn readings_that_parsers_may_differ_on_are_refused() {
        let k = keys(&["DEMO"]);
        for (q, says) in [
            (
                "summary ~ a\\\") OR project = SECRET OR (x = \"b",
                "backslash",
            ),
            ("summary ~ x\\", "backslash"),
            ("summary ~ “) OR project = SECRET OR (x ~ ”", "typographic"),
            ("a = 1 -- ) OR (project = SECRET", "\"--\""),
            ("a = 1 /* ) OR (project = SECRET */", "\"/*\""),
            ("a = 1 // x", "\"//\""),
            ("a = 1 # x", "\"#\""),
            ("a = 1; project = SECRET", "\";\""),
            (
                "summary ~ ab\") OR (project = SECRET OR x ~ \"",
                "quote directly next",
            ),
            ("summary ~ \"a\"\") OR (x = \"", "quote directly next"),
            ("summary ~ \"a\u{0}\"", "control character"),
        ] {
            let e = scope("project", &k, q).expect_err(q);
            assert!(e.contains(says), "{q}: {e}");
        }
        // Inside quotes they are text.
        assert!(
            scope(
                "project",
                &k,
                "summary ~ \"a -- b /* c */ # d; “e” \\\\ f\""
            )
            .is_ok()
        );
        // Line breaks are whitespace.
        assert_eq!(
            scope("project", &k, "a = 1\nOR\r\nb = 2\nORDER\nBY key").expect("ok"),
            "project in (\"DEMO\") AND (a = 1\nOR\r\nb = 2) ORDER\nBY key"
        );
    }

    #[test]
    fn per_call_keys_can_only_narrow_the_configured_filter() {
        assert_eq!(
            effective_keys(&keys(&["A", "B"]), Some("a"), true).expect("ok"),
            vec!["A"]
        );
        assert!(effective_keys(&keys(&["A"]), Some("C"), true).is_err());
        assert_eq!(
            effective_keys(&[], Some("C, D"), true).expect("ok"),
            vec!["C", "D"]
        );
        assert_eq!(
            effective_keys(&keys(&["A"]), None, true).expect("ok"),
            vec!["A"]
        );
    }
}
