//! Hand-written reader for Jira wiki markup → document model.
//!
//! Wiki markup is line oriented with no formal grammar, and Jira itself
//! renders malformed markup as text; this reader does the same: anything it
//! cannot match (an unclosed `*`, an unknown `{macro}`, a `[` without `]`)
//! stays literal text, so no input is an error and no words are lost.

use super::ast::normalize_inlines;
use super::md_read::MAX_DEPTH;

use super::ast::{Block, Cell, Inline, ListItem, ListKind, PanelKind, Style, UserRef};

/// Parses wiki markup into blocks.
pub(crate) fn parse(wiki: &str) -> Vec<Block> {
    let normalized = wiki.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalized.split('\n').collect();
    parse_lines(&lines)
}

/// Block macros whose body is itself wiki markup.
const CONTAINER_MACROS: [&str; 6] = ["quote", "panel", "info", "note", "warning", "tip"];

/// `{name}` or `{name:params}` at the start of `line`: (name, params, rest of line).
fn macro_open(line: &str) -> Option<(String, String, &str)> {
    let rest = line.strip_prefix('{')?;
    let end = rest.find('}')?;
    let tag = &rest[..end];
    let (name, params) = tag.split_once(':').unwrap_or((tag, ""));
    let name = name.trim().to_ascii_lowercase();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((name, params.to_string(), &rest[end + 1..]))
}

/// `key=value|key=value`; a bare first value is returned under the key `""`.
fn macro_param(params: &str, key: &str) -> Option<String> {
    params.split('|').find_map(|p| match p.split_once('=') {
        Some((k, v)) if k.trim().eq_ignore_ascii_case(key) => Some(v.trim().to_string()),
        None if key.is_empty() && !p.trim().is_empty() => Some(p.trim().to_string()),
        _ => None,
    })
}

/// Collects the body of a block macro up to its closing `{name}`; returns
/// the body lines and the number of lines consumed. An unclosed macro runs
/// to the end of the input, as Jira renders it.
fn macro_body<'a>(lines: &[&'a str], first_rest: &'a str, name: &str) -> (Vec<&'a str>, usize) {
    let close = format!("{{{name}}}");
    let mut body = Vec::new();
    if let Some(pos) = first_rest.find(&close) {
        body.push(&first_rest[..pos]);
        return (body, 1);
    }
    if !first_rest.trim().is_empty() {
        body.push(first_rest);
    }
    for (i, line) in lines.iter().enumerate().skip(1) {
        if let Some(pos) = line.find(&close) {
            if !line[..pos].trim().is_empty() {
                body.push(&line[..pos]);
            }
            return (body, i + 1);
        }
        body.push(line);
    }
    (body, lines.len())
}

fn parse_lines(lines: &[&str]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut i = 0;
    let flush = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            let mut inlines = Vec::new();
            for (n, line) in paragraph.drain(..).enumerate() {
                if n > 0 {
                    inlines.push(Inline::HardBreak);
                }
                inlines.extend(parse_inline(line.trim()));
            }
            blocks.push(Block::Paragraph(normalize_inlines(inlines)));
        }
    };
    while i < lines.len() {
        let line = lines[i].trim();
        if line.is_empty() {
            flush(&mut paragraph, &mut blocks);
            i += 1;
            continue;
        }
        if let Some((name, params, rest)) = macro_open(line) {
            if name == "code" || name == "noformat" {
                flush(&mut paragraph, &mut blocks);
                let (body, used) = macro_body(&lines[i..], rest, &name);
                let language = if name == "code" {
                    macro_param(&params, "language").or_else(|| macro_param(&params, ""))
                } else {
                    None
                };
                blocks.push(Block::Code {
                    language,
                    text: body.join("\n"),
                });
                i += used;
                continue;
            }
            if CONTAINER_MACROS.contains(&name.as_str()) {
                flush(&mut paragraph, &mut blocks);
                let (body, used) = macro_body(&lines[i..], rest, &name);
                let inner = parse_lines(&body);
                let title = macro_param(&params, "title").filter(|t| !t.is_empty());
                blocks.push(match PanelKind::from_name(&name) {
                    Some(kind) => Block::Panel {
                        kind,
                        title,
                        content: inner,
                    },
                    None => Block::Quote(inner),
                });
                i += used;
                continue;
            }
        }
        if let Some(level) = heading_level(line) {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Heading {
                level,
                content: parse_inline(line[3..].trim()),
            });
            i += 1;
            continue;
        }
        if let Some(rest) = line.strip_prefix("bq.") {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Quote(vec![Block::Paragraph(parse_inline(
                rest.trim(),
            ))]));
            i += 1;
            continue;
        }
        if line.len() >= 4 && line.chars().all(|c| c == '-') {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Rule);
            i += 1;
            continue;
        }
        if list_marker(line).is_some() {
            flush(&mut paragraph, &mut blocks);
            let mut items = Vec::new();
            while let Some(item) = lines.get(i).and_then(|l| list_marker(l.trim())) {
                items.push(item);
                i += 1;
            }
            blocks.extend(build_lists(&items, 0));
            continue;
        }
        if line.starts_with('|') {
            flush(&mut paragraph, &mut blocks);
            let mut rows = Vec::new();
            while let Some(l) = lines
                .get(i)
                .map(|l| l.trim())
                .filter(|l| l.starts_with('|'))
            {
                rows.push(table_row(l));
                i += 1;
            }
            blocks.push(Block::Table(rows));
            continue;
        }
        paragraph.push(line);
        i += 1;
    }
    flush(&mut paragraph, &mut blocks);
    blocks
}

fn heading_level(line: &str) -> Option<u8> {
    let bytes = line.as_bytes();
    if bytes.len() >= 3
        && matches!(bytes[0], b'h' | b'H')
        && (b'1'..=b'6').contains(&bytes[1])
        && bytes[2] == b'.'
    {
        Some(bytes[1] - b'0')
    } else {
        None
    }
}

/// `** text` → ("**", "text"); markers are `*`, `-` (bullets) and `#`.
fn list_marker(line: &str) -> Option<(String, String)> {
    let markers: String = line
        .chars()
        .take_while(|c| matches!(c, '*' | '#' | '-'))
        .collect();
    if markers.is_empty() || (markers.contains('-') && markers != "-") {
        return None;
    }
    let rest = &line[markers.len()..];
    if !rest.starts_with(' ') && !rest.is_empty() {
        return None;
    }
    // Deeper levels than the readers follow are folded into the deepest.
    let markers = markers.chars().take(MAX_DEPTH).collect();
    Some((markers, rest.trim().to_string()))
}

fn build_lists(lines: &[(String, String)], depth: usize) -> Vec<Block> {
    let marker_at = |markers: &str| markers.chars().nth(depth);
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(kind_char) = marker_at(&lines[i].0) else {
            break;
        };
        let mut items: Vec<ListItem> = Vec::new();
        while i < lines.len() && marker_at(&lines[i].0) == Some(kind_char) {
            if lines[i].0.chars().count() == depth + 1 {
                items.push(list_item(&lines[i].1));
                i += 1;
            } else if items.is_empty() {
                items.push(ListItem {
                    task: None,
                    content: Vec::new(),
                });
            }
            let start = i;
            while i < lines.len() && lines[i].0.chars().count() > depth + 1 {
                i += 1;
            }
            if start < i
                && let Some(last) = items.last_mut()
            {
                last.content
                    .extend(build_lists(&lines[start..i], depth + 1));
            }
        }
        let kind = if kind_char == '#' {
            ListKind::Ordered(1)
        } else {
            ListKind::Bullet
        };
        blocks.push(Block::List { kind, items });
    }
    blocks
}

fn list_item(text: &str) -> ListItem {
    let (task, text) = match text.get(..4) {
        Some("[ ] ") => (Some(false), &text[4..]),
        Some("[x] " | "[X] ") => (Some(true), &text[4..]),
        _ => (None, text),
    };
    let inlines = parse_inline(text);
    ListItem {
        task,
        content: if inlines.is_empty() {
            Vec::new()
        } else {
            vec![Block::Paragraph(inlines)]
        },
    }
}

fn table_row(line: &str) -> Vec<Cell> {
    let chars: Vec<char> = line.chars().collect();
    let mut cells = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        // Each cell starts at its separator: `||` header, `|` plain.
        let header = chars.get(i + 1) == Some(&'|');
        i += if header { 2 } else { 1 };
        let start = i;
        let (mut brackets, mut braces) = (0i32, 0i32);
        while i < chars.len() {
            match chars[i] {
                '\\' => i += 1,
                '[' => brackets += 1,
                ']' => brackets -= 1,
                '{' => braces += 1,
                '}' => braces -= 1,
                '|' if brackets <= 0 && braces <= 0 => break,
                _ => {}
            }
            i += 1;
        }
        let text: String = chars[start..i.min(chars.len())].iter().collect();
        if i >= chars.len() && text.trim().is_empty() {
            break;
        }
        let inlines = parse_inline(text.trim());
        cells.push(Cell {
            header,
            content: if inlines.is_empty() {
                Vec::new()
            } else {
                vec![Block::Paragraph(inlines)]
            },
        });
    }
    cells
}

/// Parses one line of inline markup.
pub(crate) fn parse_inline(text: &str) -> Vec<Inline> {
    let chars: Vec<char> = text.chars().collect();
    normalize_inlines(
        InlineParser {
            chars: &chars,
            depth: std::cell::Cell::new(0),
        }
        .run(0, chars.len()),
    )
}

struct InlineParser<'c> {
    chars: &'c [char],
    /// Nesting of effects and link labels, bounded by `MAX_DEPTH`.
    depth: std::cell::Cell<usize>,
}

fn is_boundary(c: Option<&char>) -> bool {
    c.is_none_or(|c| !c.is_alphanumeric())
}

impl InlineParser<'_> {
    fn slice(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().collect()
    }

    fn find(&self, from: usize, to: usize, pattern: &str) -> Option<usize> {
        let pattern: Vec<char> = pattern.chars().collect();
        (from..to.saturating_sub(pattern.len() - 1))
            .find(|&i| self.chars[i..].starts_with(&pattern))
    }

    /// `run` one level deeper.
    fn nested(&self, from: usize, to: usize) -> Vec<Inline> {
        self.depth.set(self.depth.get() + 1);
        let inlines = self.run(from, to);
        self.depth.set(self.depth.get() - 1);
        inlines
    }

    fn run(&self, from: usize, to: usize) -> Vec<Inline> {
        let mut out = Vec::new();
        let mut text = String::new();
        let mut i = from;
        while i < to {
            let c = self.chars[i];
            let (inline, next) = match c {
                '\\' if self.chars.get(i + 1) == Some(&'\\') && i + 1 < to => {
                    (Some(Inline::HardBreak), i + 2)
                }
                '\\' if i + 1 < to && self.chars[i + 1].is_ascii_punctuation() => {
                    text.push(self.chars[i + 1]);
                    i += 2;
                    continue;
                }
                '&' => self.char_ref(i, to),
                '{' => self.brace(i, to),
                '[' => self.bracket(i, to),
                '!' => self.image(i, to),
                '*' | '_' | '-' | '+' | '^' | '~' | '?' => self.effect(i, to),
                'h' if is_boundary(i.checked_sub(1).and_then(|p| self.chars.get(p))) => {
                    self.bare_url(i, to)
                }
                _ => (None, i),
            };
            match inline {
                Some(inline) => {
                    if !text.is_empty() {
                        out.push(Inline::Text(std::mem::take(&mut text)));
                    }
                    out.push(inline);
                    i = next;
                }
                None if next > i => i = next,
                None => {
                    text.push(c);
                    i += 1;
                }
            }
        }
        if !text.is_empty() {
            out.push(Inline::Text(text));
        }
        out
    }

    /// `&#92;`-style numeric character references, which the writer uses
    /// for characters that have no escape of their own.
    fn char_ref(&self, i: usize, to: usize) -> (Option<Inline>, usize) {
        if self.chars.get(i + 1) != Some(&'#') {
            return (None, i);
        }
        let Some(end) = self.find(i + 2, to.min(i + 10), ";") else {
            return (None, i);
        };
        let code = self.slice(i + 2, end);
        match code.parse::<u32>().ok().and_then(char::from_u32) {
            Some(c) => (Some(Inline::Text(c.to_string())), end + 1),
            None => (None, i),
        }
    }

    /// `{{code}}`, and formatting macros like `{color:red}` whose tags are
    /// dropped because their content is what matters.
    fn brace(&self, i: usize, to: usize) -> (Option<Inline>, usize) {
        if self.chars.get(i + 1) == Some(&'{') {
            if let Some(end) = self.find(i + 2, to, "}}") {
                return (Some(Inline::Code(self.slice(i + 2, end))), end + 2);
            }
            return (None, i);
        }
        let Some(end) = self.find(i + 1, to, "}") else {
            return (None, i);
        };
        let tag = self.slice(i + 1, end);
        let name = tag.split(':').next().unwrap_or("").to_ascii_lowercase();
        if matches!(name.as_str(), "color" | "anchor") {
            return (None, end + 1);
        }
        if matches!(tag.as_str(), "*" | "_" | "-" | "+" | "^" | "~" | "??") {
            return (None, end + 1);
        }
        (None, i)
    }

    fn bracket(&self, i: usize, to: usize) -> (Option<Inline>, usize) {
        let Some(end) = self.find(i + 1, to, "]") else {
            return (None, i);
        };
        let inner = self.slice(i + 1, end);
        let next = end + 1;
        let plausible_user = |u: &str| {
            !u.is_empty() && !u.contains(|c: char| c.is_whitespace() || "<>[]|(){}".contains(c))
        };
        if let Some(user) = inner.strip_prefix('~').filter(|u| plausible_user(u)) {
            let mention = match user.strip_prefix("accountid:") {
                Some(id) => Inline::Mention {
                    name: id.to_string(),
                    user: UserRef::AccountId(id.to_string()),
                },
                None => Inline::Mention {
                    name: user.to_string(),
                    user: UserRef::Username(user.to_string()),
                },
            };
            return (Some(mention), next);
        }
        if let Some(file) = inner.strip_prefix('^') {
            return (Some(Inline::Attachment(file.to_string())), next);
        }
        let (label, href) = match inner.rsplit_once('|') {
            Some((label, href)) => (Some(label), href.trim()),
            None => (None, inner.trim()),
        };
        let looks_like_url = href.contains("://") || href.starts_with("mailto:");
        if !looks_like_url {
            return (None, i);
        }
        match label {
            Some(label) if !label.trim().is_empty() => {
                let start = i + 1;
                let content = self.nested(start, start + label.chars().count());
                (
                    Some(Inline::Link {
                        href: href.to_string(),
                        content,
                    }),
                    next,
                )
            }
            _ => (Some(Inline::AutoLink(href.to_string())), next),
        }
    }

    fn image(&self, i: usize, to: usize) -> (Option<Inline>, usize) {
        let Some(end) = self.find(i + 1, to, "!") else {
            return (None, i);
        };
        let inner = self.slice(i + 1, end);
        let target = inner.split('|').next().unwrap_or("").to_string();
        let odd = |c: char| "[]{}<>".contains(c);
        if target.is_empty()
            || target.starts_with(char::is_whitespace)
            || !target.contains('.')
            || target.contains(odd)
        {
            return (None, i);
        }
        let inline = if target.contains("://") {
            Inline::Image {
                src: target,
                alt: String::new(),
            }
        } else {
            Inline::Attachment(target)
        };
        (Some(inline), end + 1)
    }

    /// `*strong*`, `_em_`, `-strike-`, `+underline+`, and `^sup^`, `~sub~`,
    /// `??citation??` (kept unstyled: no other format has them). Effects
    /// open after a non-word character and close before one, as in Jira.
    fn effect(&self, i: usize, to: usize) -> (Option<Inline>, usize) {
        // Beyond the nesting limit effects stay literal text.
        if self.depth.get() >= MAX_DEPTH {
            return (None, i);
        }
        let c = self.chars[i];
        let width = if c == '?' { 2 } else { 1 };
        if c == '?' && self.chars.get(i + 1) != Some(&'?') {
            return (None, i);
        }
        let before = i.checked_sub(1).and_then(|p| self.chars.get(p));
        let first = self.chars.get(i + width);
        if !is_boundary(before) || first.is_none_or(|f| f.is_whitespace()) {
            return (None, i);
        }
        let delim: Vec<char> = std::iter::repeat_n(c, width).collect();
        let mut close = i + width;
        while close + width <= to {
            // Code spans and links are atomic: an effect cannot end inside one.
            if self.chars[close..].starts_with(&['{', '{'])
                && let Some(end) = self.find(close + 2, to, "}}")
            {
                close = end + 2;
                continue;
            }
            if self.chars[close] == '['
                && let Some(end) = self.find(close + 1, to, "]")
            {
                close = end + 1;
                continue;
            }
            if self.chars[close] == '\\' {
                close += 2;
                continue;
            }
            let prev = self.chars[close - 1];
            let after = self.chars.get(close + width).filter(|_| close + width < to);
            let closes = close > i + width && !prev.is_whitespace() && is_boundary(after);
            if closes && self.chars[close..].starts_with(&delim) {
                let inner = self.nested(i + width, close);
                let inline = match c {
                    '*' => Inline::Styled(Style::Strong, inner),
                    '_' => Inline::Styled(Style::Emphasis, inner),
                    '-' => Inline::Styled(Style::Strike, inner),
                    '+' => Inline::Styled(Style::Underline, inner),
                    // Superscript, subscript and citations keep their text.
                    _ => Inline::Text(super::ast::inline_text(&inner)),
                };
                return (Some(inline), close + width);
            }
            close += 1;
        }
        (None, i)
    }

    fn bare_url(&self, i: usize, to: usize) -> (Option<Inline>, usize) {
        let rest = self.slice(i, to);
        if !(rest.starts_with("http://") || rest.starts_with("https://")) {
            return (None, i);
        }
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '|' | ']' | '[' | '<' | '>'))
            .unwrap_or(rest.len());
        let url = rest[..len].trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
        let count = url.chars().count();
        (Some(Inline::AutoLink(url.to_string())), i + count)
    }
}
