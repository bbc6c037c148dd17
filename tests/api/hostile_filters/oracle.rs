//! An independent tokenizer for JQL and CQL, written from Atlassian's documentation and
//! sharing no code with the wrapper under test (`mcp_atlassian::tools::scope`) or the
//! sandbox's query lexer (`src/sandbox/query_lex.rs`).
//!
//! The rules it implements, as Atlassian documents them for JQL ("Advanced search reference":
//! fields, operators, keywords, reserved characters and words) and, in the same terms, for
//! CQL ("Advanced searching using CQL": reserved characters, keywords, operators):
//! 1. A query is a sequence of clauses `field operator value` joined by `AND` / `OR`
//!    (also `&&` / `||`), negated by `NOT` (or `!`), grouped with parentheses, optionally
//!    followed by `ORDER BY field [ASC|DESC], …`. Keywords are case-insensitive.
//! 2. Operators: `=`, `!=`, `~`, `!~`, `>`, `>=`, `<`, `<=`, and the word operators
//!    `IN`, `NOT IN`, `IS`, `IS NOT`, `WAS`, `CHANGED`.
//! 3. A value containing a space or a reserved character (`"`, `'`, `+`, `.`, `,`, `;`,
//!    `?`, `|`, `*`, `/`, `%`, `^`, `$`, `#`, `@`, `[`, `]`) must be quoted with double or
//!    single quotes; inside quotes a quote of the same kind is escaped with a backslash
//!    (`"\""`), and so is a backslash (`\\`). A quoted string ends at the first unescaped
//!    quote of the kind that opened it.
//! 4. Whitespace (spaces, tabs, line breaks) separates tokens and is otherwise insignificant.
//! 5. Neither language documents comments or statement separators.
//!
//! Rule 3 says nothing about a backslash or a quote met *outside* quotes, nor about
//! typographic quotes, and rule 5 leaves room for a parser that strips comments. A wrapper
//! that is unescapable only under one reading is not unescapable, so [`Dialect`] also models
//! the readings a real parser could plausibly take where the documentation is silent; the
//! property tests require the wrapper's output to stay confined under every one of them.
//! This tokenizer is deliberately lenient about which characters a bare word may hold
//! (reserved characters included): accepting more can only make the check stricter.

/// A reading of the places the documentation leaves open.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dialect {
    /// Outside quotes, `\` escapes the next character into the bare word (Jira's grammar
    /// does this); otherwise it is an ordinary character.
    pub bare_backslash_escapes: bool,
    /// Inside quotes, `\` is an ordinary character (contrary to rule 3, for robustness).
    pub string_backslash_literal: bool,
    /// Inside quotes, a doubled quote (`""`) stands for one quote, SQL style.
    pub doubled_quote_escape: bool,
    /// A quote met inside a bare word is part of the word rather than the start of a string.
    pub quote_in_word_is_text: bool,
    /// Typographic quotes (`“ ” ‘ ’ „ « »` …) delimit strings like ASCII quotes.
    pub typographic_quotes: bool,
    /// `--`, `//` and `#` start a comment to the end of the line; `/* … */` is a comment.
    pub comments: bool,
    /// `;` ends the query; the rest is ignored.
    pub semicolon_ends: bool,
}

impl Dialect {
    /// The documented rules, nothing more.
    pub const DOCUMENTED: Dialect = Dialect {
        bare_backslash_escapes: false,
        string_backslash_literal: false,
        doubled_quote_escape: false,
        quote_in_word_is_text: false,
        typographic_quotes: false,
        comments: false,
        semicolon_ends: false,
    };

    /// The documented rules and each plausible other reading, one at a time, then all of
    /// them that can coexist.
    pub fn all() -> Vec<(&'static str, Dialect)> {
        let d = Dialect::DOCUMENTED;
        vec![
            ("documented", d),
            (
                "bare backslash escapes",
                Dialect {
                    bare_backslash_escapes: true,
                    ..d
                },
            ),
            (
                "backslash literal in strings",
                Dialect {
                    string_backslash_literal: true,
                    ..d
                },
            ),
            (
                "doubled quotes escape",
                Dialect {
                    doubled_quote_escape: true,
                    ..d
                },
            ),
            (
                "quotes inside words are text",
                Dialect {
                    quote_in_word_is_text: true,
                    ..d
                },
            ),
            (
                "typographic quotes",
                Dialect {
                    typographic_quotes: true,
                    ..d
                },
            ),
            (
                "comments",
                Dialect {
                    comments: true,
                    ..d
                },
            ),
            (
                "semicolon ends the query",
                Dialect {
                    semicolon_ends: true,
                    ..d
                },
            ),
            (
                "all lenient readings",
                Dialect {
                    bare_backslash_escapes: true,
                    doubled_quote_escape: true,
                    quote_in_word_is_text: true,
                    typographic_quotes: true,
                    comments: true,
                    semicolon_ends: true,
                    ..d
                },
            ),
        ]
    }
}

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A bare word (escapes resolved).
    Word(String),
    /// A quoted string's value (escapes resolved).
    Str(String),
    Open,
    Close,
    Comma,
    LBracket,
    RBracket,
    /// `=`, `!=`, `~`, `!~`, `<`, `<=`, `>`, `>=`, `&&`, `||`, `!`, `&`, `|`.
    Op(String),
}

const TYPOGRAPHIC: &[char] = &[
    '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}', '\u{201C}', '\u{201D}', '\u{201E}', '\u{201F}',
    '\u{00AB}', '\u{00BB}', '\u{2039}', '\u{203A}', '\u{FF02}', '\u{FF07}', '\u{301D}', '\u{301E}',
    '\u{301F}', '\u{2032}', '\u{2033}',
];

const OP_CHARS: &[char] = &['=', '!', '~', '<', '>', '&', '|'];

fn opens_string(c: char, d: Dialect) -> bool {
    c == '"' || c == '\'' || (d.typographic_quotes && TYPOGRAPHIC.contains(&c))
}

fn closes_string(open: char, c: char, d: Dialect) -> bool {
    if open == '"' || open == '\'' {
        c == open
    } else {
        d.typographic_quotes && TYPOGRAPHIC.contains(&c)
    }
}

/// Tokenizes `q` under `d`; `Err` when the query is lexically invalid under that reading
/// (an unclosed string, a dangling escape), which a server would reject outright.
pub fn tokenize(q: &str, d: Dialect) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if d.semicolon_ends && c == ';' {
            break;
        }
        if d.comments {
            if c == '#' || (c == '-' && next == Some('-')) || (c == '/' && next == Some('/')) {
                while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                    i += 1;
                }
                continue;
            }
            if c == '/' && next == Some('*') {
                let mut j = i + 2;
                loop {
                    if j + 1 >= chars.len() {
                        return Err("unclosed block comment".into());
                    }
                    if chars[j] == '*' && chars[j + 1] == '/' {
                        break;
                    }
                    j += 1;
                }
                i = j + 2;
                continue;
            }
        }
        if opens_string(c, d) {
            let mut value = String::new();
            let mut j = i + 1;
            loop {
                let Some(&e) = chars.get(j) else {
                    return Err("unclosed string".into());
                };
                if e == '\\' && !d.string_backslash_literal {
                    let Some(&escaped) = chars.get(j + 1) else {
                        return Err("dangling escape in a string".into());
                    };
                    value.push(escaped);
                    j += 2;
                    continue;
                }
                if closes_string(c, e, d) {
                    if d.doubled_quote_escape && chars.get(j + 1) == Some(&e) {
                        value.push(e);
                        j += 2;
                        continue;
                    }
                    break;
                }
                value.push(e);
                j += 1;
            }
            out.push(Tok::Str(value));
            i = j + 1;
            continue;
        }
        match c {
            '(' => out.push(Tok::Open),
            ')' => out.push(Tok::Close),
            ',' => out.push(Tok::Comma),
            '[' => out.push(Tok::LBracket),
            ']' => out.push(Tok::RBracket),
            c if OP_CHARS.contains(&c) => {
                let mut op = String::from(c);
                while let Some(&n) = chars.get(i + op.chars().count()) {
                    if !OP_CHARS.contains(&n) {
                        break;
                    }
                    op.push(n);
                }
                i += op.chars().count();
                out.push(Tok::Op(op));
                continue;
            }
            _ => {
                let mut word = String::new();
                let mut j = i;
                while let Some(&w) = chars.get(j) {
                    let ends = w.is_whitespace()
                        || matches!(w, '(' | ')' | ',' | '[' | ']')
                        || OP_CHARS.contains(&w)
                        || (d.semicolon_ends && w == ';')
                        || (opens_string(w, d) && !d.quote_in_word_is_text)
                        || (d.comments
                            && (w == '#'
                                || (w == '-' && chars.get(j + 1) == Some(&'-'))
                                || (w == '/' && matches!(chars.get(j + 1), Some('/' | '*')))));
                    if ends {
                        break;
                    }
                    if w == '\\' && d.bare_backslash_escapes {
                        let Some(&escaped) = chars.get(j + 1) else {
                            return Err("dangling escape in a word".into());
                        };
                        word.push(escaped);
                        j += 2;
                        continue;
                    }
                    word.push(w);
                    j += 1;
                }
                out.push(Tok::Word(word));
                i = j;
                continue;
            }
        }
        i += 1;
    }
    Ok(out)
}

/// True when the parentheses balance (never closing more than opened, all closed): a server
/// rejects any other query as a syntax error before running it.
pub fn balanced(tokens: &[Tok]) -> bool {
    let mut depth = 0i64;
    for t in tokens {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn is_word(t: Option<&Tok>, w: &str) -> bool {
    matches!(t, Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
}

/// Checks that `tokens` say `field in ("k1", …) [AND ( … )] [ORDER BY sort keys]`: every
/// condition the caller wrote sits inside the parentheses after `AND`, and what follows them
/// can only sort. `Err` names what is wrong.
pub fn confined(tokens: &[Tok], field: &str, keys: &[String]) -> Result<(), String> {
    let mut i = 0;
    if !is_word(tokens.first(), field) || !is_word(tokens.get(1), "in") {
        return Err(format!("does not start with `{field} in`"));
    }
    i += 2;
    if tokens.get(i) != Some(&Tok::Open) {
        return Err("no key list".into());
    }
    i += 1;
    for (n, k) in keys.iter().enumerate() {
        match tokens.get(i) {
            Some(Tok::Str(v)) if v == k => {}
            other => return Err(format!("key {n} is {other:?}, not {k:?}")),
        }
        i += 1;
        let sep = if n + 1 == keys.len() {
            Tok::Close
        } else {
            Tok::Comma
        };
        if tokens.get(i) != Some(&sep) {
            return Err(format!("key list broken after key {n}"));
        }
        i += 1;
    }
    if is_word(tokens.get(i), "and") {
        if tokens.get(i + 1) != Some(&Tok::Open) {
            return Err("AND is not followed by the wrapper's parenthesis".into());
        }
        let mut depth = 0i64;
        let mut close = None;
        for (j, t) in tokens.iter().enumerate().skip(i + 1) {
            match t {
                Tok::Open => depth += 1,
                Tok::Close => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(j);
                        break;
                    }
                }
                _ => {}
            }
        }
        i = close.ok_or("the wrapper's parenthesis is never closed")? + 1;
    }
    if i == tokens.len() {
        return Ok(());
    }
    if !is_word(tokens.get(i), "order") || !is_word(tokens.get(i + 1), "by") {
        return Err(format!(
            "tokens after the wrapper that are not ORDER BY: {:?}",
            &tokens[i..]
        ));
    }
    for t in &tokens[i + 2..] {
        let sorts = match t {
            Tok::Str(_) | Tok::Comma | Tok::LBracket | Tok::RBracket => true,
            Tok::Word(w) => !["and", "or", "not"]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k)),
            Tok::Open | Tok::Close | Tok::Op(_) => false,
        };
        if !sorts {
            return Err(format!("ORDER BY carries {t:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str, d: Dialect) -> Vec<Tok> {
        tokenize(q, d).expect("tokenizes")
    }

    #[test]
    fn the_documented_rules_tokenize_strings_words_and_operators() {
        let t = words(
            "project in (\"A\\\"B\", 'c') AND summary !~ x.y ORDER BY cf[1] DESC",
            Dialect::DOCUMENTED,
        );
        assert_eq!(
            t,
            vec![
                Tok::Word("project".into()),
                Tok::Word("in".into()),
                Tok::Open,
                Tok::Str("A\"B".into()),
                Tok::Comma,
                Tok::Str("c".into()),
                Tok::Close,
                Tok::Word("AND".into()),
                Tok::Word("summary".into()),
                Tok::Op("!~".into()),
                Tok::Word("x.y".into()),
                Tok::Word("ORDER".into()),
                Tok::Word("BY".into()),
                Tok::Word("cf".into()),
                Tok::LBracket,
                Tok::Word("1".into()),
                Tok::RBracket,
                Tok::Word("DESC".into()),
            ]
        );
        assert!(tokenize("x ~ \"open", Dialect::DOCUMENTED).is_err());
    }

    #[test]
    fn the_other_readings_differ_where_the_documentation_is_silent() {
        let q = "a = b\\\" ) OR (c";
        // Documented: the backslash is text and the quote opens an (unclosed) string.
        assert!(tokenize(q, Dialect::DOCUMENTED).is_err());
        let lenient = Dialect {
            bare_backslash_escapes: true,
            ..Dialect::DOCUMENTED
        };
        assert!(words(q, lenient).contains(&Tok::Close));
        let c = Dialect {
            comments: true,
            ..Dialect::DOCUMENTED
        };
        assert_eq!(words("a -- )\n b", c).len(), 2);
        let t = Dialect {
            typographic_quotes: true,
            ..Dialect::DOCUMENTED
        };
        assert_eq!(
            words("x ~ “a ) b”", t),
            words("x ~ \"a ) b\"", Dialect::DOCUMENTED)
        );
    }

    #[test]
    fn confinement_is_recognised_and_escapes_are_not() {
        let keys = vec!["DEMO".to_owned()];
        let ok = words(
            "project in (\"DEMO\") AND (a = 1 OR (b = 2)) ORDER BY key DESC",
            Dialect::DOCUMENTED,
        );
        assert_eq!(confined(&ok, "project", &keys), Ok(()));
        for bad in [
            "project in (\"DEMO\") AND (a = 1) OR (project = SECRET)",
            "project in (\"DEMO\") AND (a = 1) ORDER BY key OR project = SECRET",
            "project in (\"OPS\") AND (a = 1)",
            "project in (\"DEMO\") OR (a = 1)",
        ] {
            let t = words(bad, Dialect::DOCUMENTED);
            assert!(confined(&t, "project", &keys).is_err(), "{bad}");
        }
    }
}
