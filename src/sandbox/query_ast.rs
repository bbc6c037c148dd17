//! Parser for the boolean query grammar JQL and CQL share:
//! `clause (AND|OR clause)*`, `NOT`, parentheses, `field op value`, `field [NOT] IN (...)`,
//! `field IS [NOT] EMPTY|NULL`, function values `name(args)`, and `ORDER BY f [ASC|DESC], ...`.
//!
//! Field names and values stay raw here; `jql.rs` and `cql.rs` decide what they support,
//! so an unsupported part is always reported, never silently ignored.

use crate::sandbox::query_lex::{Token, tokenize};

/// Comparison operator of a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `~`
    Like,
    /// `!~`
    NotLike,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `is`
    Is,
    /// `is not`
    IsNot,
}

impl Op {
    /// The operator as written in a query.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Like => "~",
            Op::NotLike => "!~",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::In => "in",
            Op::NotIn => "not in",
            Op::Is => "is",
            Op::IsNot => "is not",
        }
    }
}

/// A literal or a function call.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A word or quoted string.
    Text(String),
    /// A function call with its literal arguments.
    Func(String, Vec<String>),
}

/// Right-hand side of a clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// One value.
    One(Val),
    /// A parenthesised list (for `in` / `not in`).
    List(Vec<Val>),
    /// `EMPTY` / `NULL`.
    Empty,
}

/// One `field op operand` clause.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// Field name as written.
    pub field: String,
    /// Operator.
    pub op: Op,
    /// Operand.
    pub operand: Operand,
}

/// Boolean expression tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// All must hold.
    And(Vec<Expr>),
    /// Any must hold.
    Or(Vec<Expr>),
    /// Negation.
    Not(Box<Expr>),
    /// A clause.
    Clause(Clause),
}

/// A parsed query: optional filter and sort keys (`true` = descending).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// Filter; `None` matches everything.
    pub filter: Option<Expr>,
    /// `ORDER BY` keys with their direction.
    pub order: Vec<(String, bool)>,
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn peek_kw(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.is_kw(kw))
    }
    fn got(&self) -> String {
        match self.peek() {
            Some(t) => format!("'{}'", t.describe()),
            None => "the end of the query".into(),
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.and()?];
        while self.peek_kw("or") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.unary()?];
        while self.peek_kw("and") {
            self.pos += 1;
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek_kw("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let e = self.or()?;
            if self.next() != Some(Token::RParen) {
                self.pos -= 1;
                return Err(format!("expecting ')' but got {}", self.got()));
            }
            return Ok(e);
        }
        self.clause().map(Expr::Clause)
    }

    fn clause(&mut self) -> Result<Clause, String> {
        let field = match self.next() {
            Some(Token::Word(w)) if !is_reserved(&w) => w,
            Some(Token::Str(s)) => s,
            _ => {
                self.pos -= 1;
                return Err(format!("expecting a field name but got {}", self.got()));
            }
        };
        let op = match self.next() {
            Some(Token::Op(o)) => match o {
                "=" => Op::Eq,
                "!=" => Op::Ne,
                "~" => Op::Like,
                "!~" => Op::NotLike,
                ">" => Op::Gt,
                ">=" => Op::Ge,
                "<" => Op::Lt,
                _ => Op::Le,
            },
            Some(t) if t.is_kw("in") => Op::In,
            Some(t) if t.is_kw("not") && self.peek_kw("in") => {
                self.pos += 1;
                Op::NotIn
            }
            Some(t) if t.is_kw("is") => {
                if self.peek_kw("not") {
                    self.pos += 1;
                    Op::IsNot
                } else {
                    Op::Is
                }
            }
            _ => {
                self.pos -= 1;
                return Err(format!(
                    "expecting an operator after '{field}' but got {}",
                    self.got()
                ));
            }
        };
        let operand = match op {
            Op::Is | Op::IsNot => {
                if self.peek_kw("empty") || self.peek_kw("null") {
                    self.pos += 1;
                    Operand::Empty
                } else {
                    return Err(format!(
                        "expecting EMPTY or NULL after '{}' but got {}",
                        op.as_str(),
                        self.got()
                    ));
                }
            }
            Op::In | Op::NotIn
                if matches!(self.peek(), Some(Token::Word(_)))
                    && self.tokens.get(self.pos + 1) == Some(&Token::LParen) =>
            {
                // A list-valued function: `sprint in openSprints()`.
                Operand::List(vec![self.value()?])
            }
            Op::In | Op::NotIn => {
                if self.next() != Some(Token::LParen) {
                    self.pos -= 1;
                    return Err(format!(
                        "expecting '(' after '{}' but got {}",
                        op.as_str(),
                        self.got()
                    ));
                }
                let mut items = vec![self.value()?];
                loop {
                    match self.next() {
                        Some(Token::Comma) => items.push(self.value()?),
                        Some(Token::RParen) => break,
                        _ => {
                            self.pos -= 1;
                            return Err(format!("expecting ',' or ')' but got {}", self.got()));
                        }
                    }
                }
                Operand::List(items)
            }
            _ => {
                if self.peek_kw("empty") || self.peek_kw("null") {
                    self.pos += 1;
                    Operand::Empty
                } else {
                    Operand::One(self.value()?)
                }
            }
        };
        Ok(Clause { field, op, operand })
    }

    fn value(&mut self) -> Result<Val, String> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Val::Text(s)),
            Some(Token::Word(w)) if !is_reserved(&w) => {
                if self.peek() == Some(&Token::LParen) {
                    self.pos += 1;
                    let mut args = Vec::new();
                    loop {
                        match self.next() {
                            Some(Token::RParen) => break,
                            Some(Token::Comma) => {}
                            Some(Token::Word(a)) | Some(Token::Str(a)) => args.push(a),
                            _ => {
                                self.pos -= 1;
                                return Err(format!(
                                    "expecting ')' to close {w}( but got {}",
                                    self.got()
                                ));
                            }
                        }
                    }
                    Ok(Val::Func(w, args))
                } else {
                    Ok(Val::Text(w))
                }
            }
            _ => {
                self.pos -= 1;
                Err(format!("expecting a value but got {}", self.got()))
            }
        }
    }

    fn order_by(&mut self) -> Result<Vec<(String, bool)>, String> {
        let mut keys = Vec::new();
        loop {
            let field = match self.next() {
                Some(Token::Word(w)) => w,
                Some(Token::Str(s)) => s,
                _ => {
                    self.pos -= 1;
                    return Err(format!(
                        "expecting a field name after ORDER BY but got {}",
                        self.got()
                    ));
                }
            };
            let desc = if self.peek_kw("desc") {
                self.pos += 1;
                true
            } else {
                if self.peek_kw("asc") {
                    self.pos += 1;
                }
                false
            };
            keys.push((field, desc));
            if self.peek() == Some(&Token::Comma) {
                self.pos += 1;
            } else {
                return Ok(keys);
            }
        }
    }
}

fn is_reserved(w: &str) -> bool {
    [
        "and", "or", "not", "in", "is", "empty", "null", "order", "by",
    ]
    .iter()
    .any(|k| w.eq_ignore_ascii_case(k))
}

/// Text containment as `~` means in JQL and CQL: every term of `needle` occurs in `hay`
/// (case-insensitive, any order); a needle wrapped in double quotes (`"\"exact phrase\""`)
/// must occur as a phrase. A trailing `*` wildcard is accepted and ignored (terms match as
/// substrings anyway). Unlike Atlassian's search there is no stemming.
pub fn contains_terms(hay: &str, needle: &str) -> bool {
    let hay = hay.to_lowercase();
    let needle = needle.trim().to_lowercase();
    if let Some(phrase) = needle.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        return hay.contains(phrase.trim());
    }
    needle
        .split_whitespace()
        .map(|t| t.trim_matches('*'))
        .filter(|t| !t.is_empty())
        .all(|t| hay.contains(t))
}

/// Parses a query string; the error says what was expected and what was found.
pub fn parse(input: &str) -> Result<Query, String> {
    let tokens = tokenize(input).map_err(|e| e.to_string())?;
    let mut p = Parser { tokens, pos: 0 };
    let mut query = Query::default();
    if p.peek().is_some() && !p.peek_kw("order") {
        query.filter = Some(p.or()?);
    }
    if p.peek_kw("order") {
        p.pos += 1;
        if !p.peek_kw("by") {
            return Err(format!("expecting 'by' after 'order' but got {}", p.got()));
        }
        p.pos += 1;
        query.order = p.order_by()?;
    }
    if p.peek().is_some() {
        return Err(format!("expecting AND, OR or ORDER BY but got {}", p.got()));
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(field: &str, op: Op, v: &str) -> Expr {
        Expr::Clause(Clause {
            field: field.into(),
            op,
            operand: Operand::One(Val::Text(v.into())),
        })
    }

    #[test]
    fn text_containment_matches_all_terms_or_an_exact_phrase() {
        assert!(contains_terms("Fix the login page today", "page LOGIN"));
        assert!(contains_terms("Fix the login page", "log*"));
        assert!(!contains_terms("Fix the login page", "login button"));
        assert!(contains_terms("Fix the login page", "\"login page\""));
        assert!(!contains_terms("Fix the page of login", "\"login page\""));
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let q = parse("a = 1 OR b = 2 AND NOT c = 3").expect("valid");
        assert_eq!(
            q.filter,
            Some(Expr::Or(vec![
                clause("a", Op::Eq, "1"),
                Expr::And(vec![
                    clause("b", Op::Eq, "2"),
                    Expr::Not(Box::new(clause("c", Op::Eq, "3")))
                ]),
            ]))
        );
    }

    #[test]
    fn lists_empty_functions_and_order_by_parse() {
        let q = parse("status not in (Done, \"In Review\") and assignee is not EMPTY and reporter = currentUser() order by created DESC, key")
            .expect("valid");
        assert_eq!(
            q.order,
            vec![("created".into(), true), ("key".into(), false)]
        );
        let Some(Expr::And(parts)) = q.filter else {
            panic!("expected AND")
        };
        assert_eq!(
            parts[0],
            Expr::Clause(Clause {
                field: "status".into(),
                op: Op::NotIn,
                operand: Operand::List(vec![
                    Val::Text("Done".into()),
                    Val::Text("In Review".into())
                ]),
            })
        );
        assert!(matches!(
            &parts[1],
            Expr::Clause(Clause {
                op: Op::IsNot,
                operand: Operand::Empty,
                ..
            })
        ));
        assert!(
            matches!(&parts[2], Expr::Clause(Clause { operand: Operand::One(Val::Func(f, _)), .. }) if f == "currentUser")
        );
    }

    #[test]
    fn only_order_by_and_empty_queries_are_valid() {
        assert_eq!(parse("").expect("valid"), Query::default());
        assert_eq!(
            parse("ORDER BY key").expect("valid").order,
            vec![("key".into(), false)]
        );
    }

    #[test]
    fn malformed_queries_say_what_was_expected() {
        assert_eq!(
            parse("status was Done").expect_err("must be rejected"),
            "expecting an operator after 'status' but got 'was'"
        );
        assert_eq!(
            parse("(a = 1").expect_err("must be rejected"),
            "expecting ')' but got the end of the query"
        );
        assert_eq!(
            parse("a = 1 b = 2").expect_err("must be rejected"),
            "expecting AND, OR or ORDER BY but got 'b'"
        );
        assert!(
            parse("a in 1")
                .expect_err("must be rejected")
                .contains("expecting '('")
        );
    }
}
