//! Tokeniser shared by the sandbox's JQL and CQL parsers (both languages have the same
//! lexical structure: words, quoted strings, comparison operators, parentheses, commas).

use thiserror::Error;

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// Unquoted word (field names, keywords, values like `DEMO-1`, `-7d`, `2024-01-31`).
    Word(String),
    /// Quoted string, escapes resolved.
    Str(String),
    /// Operator: `=`, `!=`, `~`, `!~`, `>`, `>=`, `<`, `<=`.
    Op(&'static str),
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `,`.
    Comma,
}

impl Token {
    /// True when this is the word `kw` (case-insensitive).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    /// A short description for error messages.
    pub fn describe(&self) -> String {
        match self {
            Token::Word(w) => w.clone(),
            Token::Str(s) => format!("\"{s}\""),
            Token::Op(o) => (*o).to_owned(),
            Token::LParen => "(".into(),
            Token::RParen => ")".into(),
            Token::Comma => ",".into(),
        }
    }
}

/// A lexical error.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LexError {
    /// A quoted string was not closed.
    #[error("the quoted string starting at position {0} is not closed")]
    Unterminated(usize),
    /// A character that starts no token.
    #[error("the character '{0}' at position {1} is not allowed here")]
    Unexpected(char, usize),
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@' | '/' | ':' | '*' | '+')
}

/// Splits `input` into tokens.
pub fn tokenize(input: &str) -> Result<Vec<Token>, LexError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        match c {
            '(' => {
                out.push(Token::LParen);
                i += 1;
            }
            ')' => {
                out.push(Token::RParen);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '=' => {
                out.push(Token::Op("="));
                i += 1;
            }
            '~' => {
                out.push(Token::Op("~"));
                i += 1;
            }
            '!' if next == Some('=') => {
                out.push(Token::Op("!="));
                i += 2;
            }
            '!' if next == Some('~') => {
                out.push(Token::Op("!~"));
                i += 2;
            }
            '>' | '<' => {
                let eq = next == Some('=');
                out.push(Token::Op(match (c, eq) {
                    ('>', true) => ">=",
                    ('>', false) => ">",
                    (_, true) => "<=",
                    _ => "<",
                }));
                i += if eq { 2 } else { 1 };
            }
            '"' | '\'' => {
                let start = i;
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(LexError::Unterminated(start)),
                        Some('\\') => {
                            if let Some(e) = chars.get(i + 1) {
                                s.push(*e);
                            }
                            i += 2;
                        }
                        Some(q) if *q == c => {
                            i += 1;
                            break;
                        }
                        Some(o) => {
                            s.push(*o);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Str(s));
            }
            c if is_word_char(c) => {
                let mut w = String::new();
                while let Some(&c) = chars.get(i) {
                    if !is_word_char(c) {
                        break;
                    }
                    w.push(c);
                    i += 1;
                }
                out.push(Token::Word(w));
            }
            other => return Err(LexError::Unexpected(other, i)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cover_operators_strings_and_words() {
        let t =
            tokenize("project = DEMO AND created>=-7d OR summary ~ \"a \\\"b\\\"\" (x,y) !~ 'z'")
                .expect("valid input");
        assert_eq!(t[0], Token::Word("project".into()));
        assert_eq!(t[1], Token::Op("="));
        assert_eq!(t[4], Token::Word("created".into()));
        assert_eq!(t[5], Token::Op(">="));
        assert_eq!(t[6], Token::Word("-7d".into()));
        assert_eq!(t[10], Token::Str("a \"b\"".into()));
        assert_eq!(t[16], Token::Op("!~"));
        assert_eq!(t[17], Token::Str("z".into()));
    }

    #[test]
    fn unterminated_strings_and_stray_characters_are_errors() {
        assert_eq!(tokenize("summary ~ \"abc"), Err(LexError::Unterminated(10)));
        assert!(matches!(
            tokenize("a = b & c"),
            Err(LexError::Unexpected('&', 6))
        ));
    }
}
