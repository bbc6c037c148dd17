//! Document model → Markdown, the one Markdown writer all three formats share.
//!
//! The output is CommonMark with GitHub tables, strikethrough and task lists,
//! plus a few conventions for what Markdown lacks (see `md_read`): panels are
//! `> **Info:** …` quotes, underline is `<u>…</u>`, mentions are
//! `[@Name](accountid:…)` links, attachments are `[attachment: name]`.
//! Invariant: reading the output back with `md_read::parse` gives the same
//! model (up to merging of adjacent text), which is what makes a second
//! round trip through any format stable.

use super::ast::{Block, Cell, Inline, ListItem, ListKind, PanelKind, Style};
use super::ast::{blocks_to_inline_lines, inline_text, normalize_inlines};

/// Writes blocks as Markdown, ending in a newline unless empty.
pub(crate) fn write(blocks: &[Block]) -> String {
    let out = write_blocks(blocks);
    if out.is_empty() { out } else { out + "\n" }
}

/// Where inline content is being written; each place has its own way of
/// writing a line break and its own characters to escape.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Paragraph,
    Heading,
    TableCell,
}

fn write_blocks(blocks: &[Block]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut previous_list: Option<(ListKind, bool)> = None;
    for block in blocks {
        let (rendered, list_state) = match block {
            Block::List { kind, items } => {
                // Two lists in a row would merge into one in Markdown unless
                // their markers differ, so consecutive lists alternate.
                let alternate = match previous_list {
                    Some((prev, alt)) if same_list_family(prev, *kind) => !alt,
                    _ => false,
                };
                (
                    write_list(*kind, items, alternate),
                    Some((*kind, alternate)),
                )
            }
            other => (write_block(other), None),
        };
        // Only what is written separates lists.
        if let Some(rendered) = rendered {
            parts.push(rendered);
            previous_list = list_state;
        }
    }
    parts.join("\n\n")
}

fn same_list_family(a: ListKind, b: ListKind) -> bool {
    matches!(
        (a, b),
        (ListKind::Bullet, ListKind::Bullet) | (ListKind::Ordered(_), ListKind::Ordered(_))
    )
}

fn write_block(block: &Block) -> Option<String> {
    match block {
        Block::Paragraph(inlines) => {
            let text = paragraph(inlines);
            (!text.is_empty()).then_some(text)
        }
        Block::Heading { level, content } => {
            let mut text = inlines_md(content, Place::Heading).trim().to_string();
            // A trailing `#` run would be read as the closing sequence.
            if text.ends_with('#') {
                text.pop();
                text.push_str("\\#");
            }
            let hashes = "#".repeat(usize::from((*level).clamp(1, 6)));
            Some(if text.is_empty() {
                hashes
            } else {
                format!("{hashes} {text}")
            })
        }
        Block::Code { language, text } => Some(code_block(language.as_deref(), text)),
        Block::Quote(inner) => Some(prefix_lines(&write_blocks(inner), "> ", ">")),
        Block::Panel {
            kind,
            title,
            content,
        } => Some(panel(*kind, title.as_deref(), content)),
        Block::List { kind, items } => write_list(*kind, items, false),
        Block::Table(rows) => table(rows),
        Block::Rule => Some("---".to_string()),
    }
}

fn paragraph(inlines: &[Inline]) -> String {
    let mut inlines = trim_around_breaks(inlines.to_vec());
    // Leading/trailing breaks have no Markdown form (a trailing `\` is literal).
    while matches!(inlines.last(), Some(Inline::HardBreak)) {
        inlines.pop();
    }
    while matches!(inlines.first(), Some(Inline::HardBreak)) {
        inlines.remove(0);
    }
    let text = inlines_md(&trim_around_breaks(inlines), Place::Paragraph);
    text.split('\n')
        .map(escape_line_start)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
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
fn trim_around_breaks(inlines: Vec<Inline>) -> Vec<Inline> {
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

/// Keeps a line of paragraph text from being read as a block marker.
fn escape_line_start(line: &str) -> String {
    // Leading spaces could make indented code and trailing ones a hard break.
    let line = line.trim().to_string();
    let first = line.chars().next();
    match first {
        Some('#' | '>' | '-' | '+' | '=') => format!("\\{line}"),
        Some(c) if c.is_ascii_digit() => {
            let digits = line.chars().take_while(char::is_ascii_digit).count();
            match line[digits..].chars().next() {
                Some('.' | ')') => format!("{}\\{}", &line[..digits], &line[digits..]),
                _ => line,
            }
        }
        _ => line,
    }
}

fn code_block(language: Option<&str>, text: &str) -> String {
    let longest = longest_run(text, '`');
    let fence = "`".repeat(longest.max(2) + 1);
    let language = language
        .map(|l| l.split_whitespace().next().unwrap_or("").replace('`', ""))
        .unwrap_or_default();
    if text.is_empty() {
        format!("{fence}{language}\n{fence}")
    } else {
        format!("{fence}{language}\n{text}\n{fence}")
    }
}

fn longest_run(text: &str, ch: char) -> usize {
    let (mut best, mut current) = (0, 0);
    for c in text.chars() {
        current = if c == ch { current + 1 } else { 0 };
        best = best.max(current);
    }
    best
}

fn prefix_lines(text: &str, prefix: &str, empty_prefix: &str) -> String {
    if text.is_empty() {
        return empty_prefix.to_string();
    }
    text.split('\n')
        .map(|l| {
            if l.is_empty() {
                empty_prefix.to_string()
            } else {
                format!("{prefix}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn panel(kind: PanelKind, title: Option<&str>, content: &[Block]) -> String {
    let label = match title {
        Some(t) => format!("**{}: {}**", kind.label(), escape_text(t, Place::Paragraph)),
        None => format!("**{}:**", kind.label()),
    };
    let mut rest = content;
    let mut first_line = label;
    if let Some(Block::Paragraph(inlines)) = content.first() {
        let text = paragraph(inlines);
        if !text.is_empty() {
            first_line = format!("{first_line} {text}");
        }
        rest = &content[1..];
    }
    let body = write_blocks(rest);
    let all = if body.is_empty() {
        first_line
    } else {
        format!("{first_line}\n\n{body}")
    };
    prefix_lines(&all, "> ", ">")
}

fn write_list(kind: ListKind, items: &[ListItem], alternate: bool) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    let mut written: u64 = 0;
    for item in items {
        let marker = match kind {
            ListKind::Bullet => (if alternate { "*" } else { "-" }).to_string(),
            ListKind::Ordered(start) => {
                let n = start.saturating_add(written);
                format!("{n}{}", if alternate { ")" } else { "." })
            }
        };
        let indent = " ".repeat(marker.len() + 1);
        let mut body = String::new();
        for block in &item.content {
            let rendered = write_blocks(std::slice::from_ref(block));
            if rendered.is_empty() {
                continue;
            }
            if !body.is_empty() {
                // A nested list may follow its paragraph directly; anything
                // else needs a blank line so it is not read as a continuation.
                body.push_str(if matches!(block, Block::List { .. }) {
                    "\n"
                } else {
                    "\n\n"
                });
            }
            body.push_str(&rendered);
        }
        // An empty item has no text to keep, and a bare marker right after a
        // paragraph would turn that paragraph into a setext heading.
        if body.is_empty() && item.task.is_none() {
            continue;
        }
        written += 1;
        let task = match item.task {
            Some(true) => "[x] ",
            Some(false) => "[ ] ",
            None => "",
        };
        let body = format!("{task}{body}");
        let body = body.trim_end();
        let mut item_lines = body.split('\n');
        let first = item_lines.next().unwrap_or("");
        // `- ---` would read as one thematic break, not an item holding one.
        let first = if first == "---" { "___" } else { first };
        lines.push(format!("{marker} {first}"));
        for line in item_lines {
            lines.push(if line.is_empty() {
                String::new()
            } else {
                format!("{indent}{line}")
            });
        }
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn table(rows: &[Vec<Cell>]) -> Option<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    if columns == 0 {
        return None;
    }
    let mut lines = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let cells: Vec<String> = (0..columns)
            .map(|c| row.get(c).map(cell_md).unwrap_or_default())
            .collect();
        lines.push(format!("| {} |", cells.join(" | ")));
        if index == 0 {
            lines.push(format!("|{}", " --- |".repeat(columns)));
        }
    }
    Some(lines.join("\n"))
}

fn cell_md(cell: &Cell) -> String {
    let mut inlines = Vec::new();
    for line in blocks_to_inline_lines(&cell.content) {
        if !inlines.is_empty() {
            inlines.push(Inline::HardBreak);
        }
        inlines.extend(line);
    }
    inlines_md(
        &trim_around_breaks(normalize_inlines(inlines)),
        Place::TableCell,
    )
    .trim()
    .to_string()
}

fn inlines_md(inlines: &[Inline], place: Place) -> String {
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

fn code_span(code: &str) -> String {
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
fn escape_text(text: &str, place: Place) -> String {
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

#[cfg(test)]
mod tests {
    use super::super::md_read::parse;
    use super::*;

    fn text(t: &str) -> Inline {
        Inline::Text(t.into())
    }

    #[test]
    fn emphasis_keeps_surrounding_spaces_outside_the_delimiters() {
        let md = write(&[Block::Paragraph(vec![
            Inline::Styled(Style::Strong, vec![text("Strong ")]),
            text("rest"),
        ])]);
        assert_eq!(md, "**Strong** rest\n");
    }

    #[test]
    fn text_that_looks_like_markup_is_escaped_and_reads_back_unchanged() {
        let blocks = vec![Block::Paragraph(vec![text(
            "1. not a list *nor* [a link] <b> snake_case &amp; a\\b",
        )])];
        let md = write(&blocks);
        assert_eq!(
            md,
            "1\\. not a list \\*nor\\* \\[a link\\] \\<b> snake_case \\&amp; a\\b\n"
        );
        assert_eq!(parse(&md), blocks);
    }

    #[test]
    fn consecutive_lists_alternate_their_markers() {
        let item = |t: &str| ListItem {
            task: None,
            content: vec![Block::Paragraph(vec![text(t)])],
        };
        let blocks = vec![
            Block::List {
                kind: ListKind::Bullet,
                items: vec![item("a")],
            },
            Block::List {
                kind: ListKind::Bullet,
                items: vec![item("b")],
            },
        ];
        assert_eq!(write(&blocks), "- a\n\n* b\n");
        assert_eq!(parse(&write(&blocks)), blocks);
    }

    #[test]
    fn code_spans_grow_their_fence_around_backticks() {
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
    }

    #[test]
    fn panels_are_written_as_labelled_quotes() {
        let md = write(&[Block::Panel {
            kind: PanelKind::Note,
            title: Some("Heads up".into()),
            content: vec![Block::Paragraph(vec![text("body")])],
        }]);
        assert_eq!(md, "> **Note: Heads up** body\n");
    }
}
