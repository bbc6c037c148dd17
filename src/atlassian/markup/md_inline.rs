//! Inline content → Markdown: escaping, emphasis delimiters and the
//! CommonMark corner cases around them.
//!
//! Emphasis is where Markdown is least regular: a delimiter run's meaning
//! depends on its neighbours (flanking rules, `***` runs, `_` inside words).
//! The writer picks, per span, delimiters that a CommonMark reader will read
//! back as the same span: `**`/`*` normally, `__`/`_` where two `*` runs
//! would touch, and `<strong>`/`<em>`/`<s>` where no run could open or close.

use super::ast::{Inline, Style, inline_text, normalize_inlines};

/// Where inline content is being written; each place has its own way of
/// writing a line break and its own characters to escape.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Place {
    Paragraph,
    Heading,
    TableCell,
}

/// Newlines inside text are line breaks; making them explicit lets the
/// trimming around breaks see them.
fn split_newlines(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut out = Vec::with_capacity(inlines.len());
    for inline in inlines {
        match inline {
            Inline::Text(t) if t.contains('\n') => {
                for (i, line) in t.split('\n').enumerate() {
                    if i > 0 {
                        out.push(Inline::HardBreak);
                    }
                    out.push(Inline::Text(line.to_string()));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Spaces next to a line break are invisible and would not survive a trip
/// through formats that trim lines.
pub(crate) fn trim_around_breaks(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut inlines = split_newlines(inlines);
    for i in 0..inlines.len() {
        let before_break = matches!(inlines.get(i + 1), Some(Inline::HardBreak));
        let after_break = i > 0 && matches!(inlines.get(i - 1), Some(Inline::HardBreak));
        if let Some(Inline::Text(t)) = inlines.get_mut(i) {
            if before_break {
                *t = t.trim_end().to_string();
            }
            if after_break {
                *t = t.trim_start().to_string();
            }
        }
    }
    normalize_inlines(inlines)
}

pub(crate) fn inlines_md(inlines: &[Inline], place: Place) -> String {
    let inlines = &trim_around_breaks(inlines.to_vec());
    let render = |inline: &Inline, delimiters: Delimiters| {
        let mut out = String::new();
        match inline {
            Inline::Styled(style, content) => styled(*style, content, place, delimiters, &mut out),
            other => inline_md(other, place, &mut out),
        }
        out
    };
    let mut pieces: Vec<String> = inlines
        .iter()
        .map(|i| render(i, Delimiters::Plain))
        .collect();
    // `**a***b*` is ambiguous: where two `*` runs touch, one of the two
    // spans switches to `_` delimiters — one whose outer neighbours are not
    // letters or digits, since `_` does not work inside words.
    let is_star_span = |i: usize| {
        matches!(
            inlines.get(i),
            Some(Inline::Styled(Style::Strong | Style::Emphasis, _))
        )
    };
    let word_at = |p: Option<&String>, end: bool| {
        p.and_then(|p| {
            if end {
                p.chars().last()
            } else {
                p.chars().next()
            }
        })
        .is_some_and(char::is_alphanumeric)
    };
    let viable = |pieces: &[String], k: usize| {
        is_star_span(k)
            && !word_at(k.checked_sub(1).and_then(|p| pieces.get(p)), true)
            && !word_at(pieces.get(k + 1), false)
            && !k
                .checked_sub(1)
                .and_then(|p| pieces.get(p))
                .is_some_and(|p| p.ends_with('_'))
            && !pieces.get(k + 1).is_some_and(|p| p.starts_with('_'))
    };
    for i in 0..pieces.len() {
        // A child span at the edge of its parent (`***a* b**`) is the same
        // problem inside one piece.
        let delimiter = match inlines[i] {
            Inline::Styled(Style::Strong, _) => 2,
            _ => 1,
        };
        let piece = pieces[i].trim();
        let leading = piece.chars().take_while(|&c| c == '*').count();
        let mut trailing = piece.chars().rev().take_while(|&c| c == '*').count();
        // An escaped `\*` is text, not part of the run.
        if piece[..piece.len() - trailing].ends_with('\\') {
            trailing = trailing.saturating_sub(1);
        }
        let inner_edge = is_star_span(i) && (leading > delimiter || trailing > delimiter);
        let touches_prev = i > 0 && pieces[i - 1].ends_with('*') && pieces[i].starts_with('*');
        if !(inner_edge || touches_prev) {
            continue;
        }
        if viable(&pieces, i) {
            pieces[i] = render(&inlines[i], Delimiters::Underscore);
        } else if touches_prev && viable(&pieces, i - 1) {
            pieces[i - 1] = render(&inlines[i - 1], Delimiters::Underscore);
        }
    }
    // A delimiter run next to punctuation inside it and a letter outside it
    // (`a**"q"**b`) cannot open or close; such spans use HTML tags.
    for i in 0..pieces.len() {
        let Inline::Styled(Style::Strong | Style::Emphasis | Style::Strike, _) = inlines[i] else {
            continue;
        };
        // Spaces moved out of the span are its neighbours now.
        let piece = &pieces[i];
        let before = match piece.starts_with(char::is_whitespace) {
            true => Some(' '),
            false => i.checked_sub(1).and_then(|p| pieces[p].chars().last()),
        };
        let after = match piece.ends_with(char::is_whitespace) {
            true => Some(' '),
            false => pieces.get(i + 1).and_then(|p| p.chars().next()),
        };
        if !delimiters_flank(piece.trim(), before, after) {
            pieces[i] = render(&inlines[i], Delimiters::Html);
        }
    }
    // Spaces moved out of emphasis can meet the text's own; Markdown readers
    // collapse them anyway.
    let mut out = String::new();
    for piece in pieces {
        if piece.starts_with('[') && out.ends_with('!') && !out.ends_with("\\!") {
            out.pop();
            out.push_str("\\!");
        }
        // Spaces next to a line break are invisible and trimmed by readers.
        if piece.starts_with("\\\n") || piece.starts_with("<br>") {
            out.truncate(out.trim_end_matches(' ').len());
        }
        let after_break = out.ends_with('\n') || out.ends_with("<br>");
        out.push_str(if out.ends_with(' ') || after_break {
            piece.trim_start_matches(' ')
        } else {
            &piece
        });
    }
    out
}

fn inline_md(inline: &Inline, place: Place, out: &mut String) {
    match inline {
        Inline::Text(t) => {
            // Runs of spaces collapse when Markdown is read, so they are
            // written collapsed too.
            let mut t = t.clone();
            while t.contains("  ") {
                t = t.replace("  ", " ");
            }
            let mut lines = t.split('\n');
            out.push_str(&escape_text(lines.next().unwrap_or(""), place));
            for line in lines {
                line_break(place, out);
                out.push_str(&escape_text(line, place));
            }
        }
        Inline::Styled(style, content) => styled(*style, content, place, Delimiters::Plain, out),
        Inline::Code(code) => out.push_str(&code_span(code)),
        Inline::Link { href, content } => {
            let text = inlines_md(&unlink(content), place);
            let text = if text.trim().is_empty() {
                escape_text(href, place)
            } else {
                text
            };
            out.push_str(&format!("[{text}]({})", destination(href)));
        }
        Inline::AutoLink(url) => {
            let plain = url.contains("://") || url.starts_with("mailto:");
            if plain && !url.contains(|c: char| c.is_whitespace() || c == '<' || c == '>') {
                out.push_str(&format!("<{url}>"));
            } else {
                let text = escape_text(url, place);
                out.push_str(&format!("[{text}]({})", destination(url)));
            }
        }
        Inline::Image { src, alt } => out.push_str(&format!(
            "![{}]({})",
            escape_text(alt, place),
            destination(src)
        )),
        Inline::Attachment(name) => {
            out.push_str(&format!("[attachment: {}]", escape_text(name, place)))
        }
        Inline::Mention { name, user } => {
            let href = format!("{}:{}", user.scheme(), user.value());
            let name = if name.is_empty() { user.value() } else { name };
            out.push_str(&format!(
                "[@{}]({})",
                escape_text(name, place),
                destination(&href)
            ));
        }
        Inline::Emoji(text) => out.push_str(&escape_text(text, place)),
        Inline::Status(text) => out.push_str(&format!("[{}]", escape_text(text, place))),
        Inline::HardBreak => line_break(place, out),
    }
}

/// Link text cannot hold links in Markdown; nested ones become their text.
fn unlink(inlines: &[Inline]) -> Vec<Inline> {
    inlines
        .iter()
        .flat_map(|inline| match inline {
            Inline::AutoLink(url) => vec![Inline::Text(url.clone())],
            Inline::Link { content, .. } => unlink(content),
            Inline::Styled(style, content) => vec![Inline::Styled(*style, unlink(content))],
            Inline::Mention { .. }
            | Inline::Image { .. }
            | Inline::Attachment(_)
            | Inline::Status(_) => {
                vec![Inline::Text(inline_text(std::slice::from_ref(inline)))]
            }
            other => vec![other.clone()],
        })
        .collect()
}

fn line_break(place: Place, out: &mut String) {
    match place {
        Place::Paragraph => out.push_str("\\\n"),
        Place::Heading => out.push(' '),
        Place::TableCell => out.push_str("<br>"),
    }
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || (!c.is_alphanumeric() && !c.is_whitespace())
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| !c.is_whitespace() && !is_punctuation(c))
}

/// CommonMark's flanking rules for a span written as `piece`, between the
/// characters `before` and `after`: the opening run must not be followed by
/// punctuation while preceded by a word character, nor the closing run
/// preceded by punctuation while followed by one.
fn delimiters_flank(piece: &str, before: Option<char>, after: Option<char>) -> bool {
    let Some(delimiter) = piece
        .chars()
        .next()
        .filter(|c| matches!(c, '*' | '_' | '~'))
    else {
        return true;
    };
    let open_run = piece.chars().take_while(|&c| c == delimiter).count();
    let first_inside = piece.chars().nth(open_run);
    let close_run = piece.chars().rev().take_while(|&c| c == delimiter).count();
    let last_inside = piece.chars().rev().nth(close_run);
    let opens = !(first_inside.is_some_and(is_punctuation) && is_word(before));
    let closes = !(last_inside.is_some_and(is_punctuation) && is_word(after));
    opens && closes
}

/// Which delimiters a styled span is written with.
#[derive(Clone, Copy, PartialEq)]
enum Delimiters {
    /// `**`, `*`, `~~`.
    Plain,
    /// `__`, `_`: where `*` runs would touch.
    Underscore,
    /// `<strong>`, `<em>`, `<s>`: where no delimiter run can open or close.
    Html,
}

fn styled(
    style: Style,
    content: &[Inline],
    place: Place,
    delimiters: Delimiters,
    out: &mut String,
) {
    let inner = inlines_md(content, place);
    // Delimiters next to whitespace do not open or close emphasis, so the
    // whitespace is moved outside them.
    let trimmed = inner.trim();
    if trimmed.is_empty() {
        out.push_str(&inner);
        return;
    }
    let lead = &inner[..inner.len() - inner.trim_start().len()];
    let trail = &inner[inner.trim_end().len()..];
    let (open, close) = match style {
        Style::Strong if delimiters == Delimiters::Html => ("<strong>", "</strong>"),
        Style::Emphasis if delimiters == Delimiters::Html => ("<em>", "</em>"),
        Style::Strike if delimiters == Delimiters::Html => ("<s>", "</s>"),
        Style::Strong if delimiters == Delimiters::Underscore => ("__", "__"),
        Style::Emphasis if delimiters == Delimiters::Underscore => ("_", "_"),
        Style::Strong => ("**", "**"),
        Style::Emphasis => ("*", "*"),
        Style::Strike => ("~~", "~~"),
        Style::Underline => ("<u>", "</u>"),
    };
    out.push_str(&format!("{lead}{open}{trimmed}{close}{trail}"));
}

pub(crate) fn code_span(code: &str) -> String {
    let code = code.replace('\n', " ");
    if code.is_empty() {
        return String::new();
    }
    let fence = "`".repeat(longest_run(&code, '`') + 1);
    let pad = code.starts_with('`')
        || code.ends_with('`')
        || (code.starts_with(' ') && code.ends_with(' ') && !code.trim().is_empty());
    if pad {
        format!("{fence} {code} {fence}")
    } else {
        format!("{fence}{code}{fence}")
    }
}

fn destination(href: &str) -> String {
    if href.is_empty() || href.contains(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        format!("<{}>", href.replace('<', "%3C").replace('>', "%3E"))
    } else {
        href.to_string()
    }
}

/// Backslash-escapes the characters that would otherwise start Markdown
/// syntax, leaving common harmless ones (`snake_case`, `R&D`, `a < b`) as is.
pub(crate) fn escape_text(text: &str, place: Place) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let escape = match c {
            '*' | '`' | '[' | ']' | '~' => true,
            // Trimming may later put the backslash before a delimiter.
            '\\' => !next.is_some_and(char::is_alphanumeric),
            '_' => {
                !(prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric))
            }
            '<' => !next.is_none_or(|n| n.is_whitespace() || n.is_ascii_digit() || n == '='),
            '&' => looks_like_entity(&chars[i + 1..]),
            '|' => place == Place::TableCell,
            // `!` before a link makes an image (across inlines: see `inlines_md`).
            '!' => next == Some('['),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn looks_like_entity(rest: &[char]) -> bool {
    let name: Vec<&char> = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
        .collect();
    !name.is_empty() && rest.get(name.len()) == Some(&';')
}

pub(crate) fn longest_run(text: &str, ch: char) -> usize {
    let (mut best, mut current) = (0, 0);
    for c in text.chars() {
        current = if c == ch { current + 1 } else { 0 };
        best = best.max(current);
    }
    best
}
