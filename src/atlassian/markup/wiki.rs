//! Jira Server/DC wiki markup ↔ Markdown: the public functions and the wiki
//! writer (the hand-written reader is in `wiki_read`).
//!
//! Wiki markup has no schema and Jira renders whatever it is given, so the
//! writer's job is to escape what would otherwise turn into markup and to use
//! the block forms (`{code}`, `{quote}`, `{panel}`) that survive any content.

use super::ast::{Block, Cell, Inline, ListItem, ListKind, PanelKind, Style, UserRef};
use super::ast::{blocks_to_inline_lines, normalize_inlines};
use super::{md_read, md_write, wiki_read};

/// Converts Markdown to Jira wiki markup.
///
/// Panels (`> **Info:** …`) become `{info}`/`{note}`/`{warning}`/`{tip}`/
/// `{panel}` macros, mentions `[~accountid:…]` or `[~name]`, attachments
/// `!name.png!` (images) or `[^name]`, task items `* [ ] …`.
pub fn markdown_to_wiki(md: &str) -> String {
    let blocks = md_read::parse(md);
    write_blocks(&blocks).join("\n\n")
}

/// Converts Jira wiki markup to Markdown.
///
/// Reads headings, `*strong*` `_em_` `-strike-` `+underline+` `{{code}}`,
/// `{code}`/`{noformat}`, links, `[~user]` mentions, nested `*`/`#` lists,
/// `||`/`|` tables, `bq.`/`{quote}`, panel macros, `!image!`, `\\` breaks and
/// `----` rules. Markup it does not know stays as literal text.
pub fn wiki_to_markdown(wiki: &str) -> String {
    md_write::write(&wiki_read::parse(wiki))
}

fn write_blocks(blocks: &[Block]) -> Vec<String> {
    blocks.iter().filter_map(write_block).collect()
}

fn write_block(block: &Block) -> Option<String> {
    match block {
        Block::Paragraph(inlines) => {
            let text = paragraph(inlines);
            (!text.is_empty()).then_some(text)
        }
        Block::Heading { level, content } => Some(format!(
            "h{}. {}",
            level.clamp(&1, &6),
            inlines_wiki(content, Place::Line).trim()
        )),
        Block::Code { language, text } => Some(match language {
            Some(l) if !l.contains(['}', '|', ':']) => format!("{{code:{l}}}\n{text}\n{{code}}"),
            _ => format!("{{code}}\n{text}\n{{code}}"),
        }),
        Block::Quote(inner) => Some(format!(
            "{{quote}}\n{}\n{{quote}}",
            write_blocks(inner).join("\n\n")
        )),
        Block::Panel {
            kind,
            title,
            content,
        } => {
            let name = match kind {
                PanelKind::Info | PanelKind::Note | PanelKind::Warning | PanelKind::Tip => {
                    kind.name()
                }
                PanelKind::Error => "warning",
                PanelKind::Success => "tip",
                PanelKind::Panel | PanelKind::Expand => "panel",
            };
            let open = match title {
                Some(t) => format!("{{{name}:title={}}}", t.replace(['|', '}'], " ")),
                None => format!("{{{name}}}"),
            };
            Some(format!(
                "{open}\n{}\n{{{name}}}",
                write_blocks(content).join("\n\n")
            ))
        }
        Block::List { kind, items } => {
            let mut lines = Vec::new();
            list(*kind, items, "", &mut lines);
            (!lines.is_empty()).then(|| lines.join("\n"))
        }
        Block::Table(rows) => {
            let lines: Vec<String> = rows
                .iter()
                .filter(|r| !r.is_empty())
                .map(|r| row(r))
                .collect();
            (!lines.is_empty()).then(|| lines.join("\n"))
        }
        Block::Rule => Some("----".to_string()),
    }
}

/// Where inline content goes: a paragraph may hold newlines (Jira shows a
/// newline as a line break), a list item or table cell must stay on one line.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Paragraph,
    Line,
    Cell,
}

fn paragraph(inlines: &[Inline]) -> String {
    let text = inlines_wiki(inlines, Place::Paragraph);
    text.split('\n')
        .map(|l| escape_line_start(l.trim()))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Keeps a paragraph line from being read as a heading, list, table or rule.
fn escape_line_start(line: &str) -> String {
    let markers = line
        .chars()
        .take_while(|c| matches!(c, '*' | '#' | '-'))
        .count();
    let list_like = markers > 0
        && line[markers..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace);
    let looks_like_block = list_like
        || line.starts_with('|')
        || (line.len() > 2
            && line.starts_with(['h', 'H'])
            && line[1..].starts_with(|c: char| ('1'..='6').contains(&c))
            && line[2..].starts_with('.'))
        || line.starts_with("bq.");
    if looks_like_block && !line.starts_with('\\') {
        format!("\\{line}")
    } else {
        line.to_string()
    }
}

fn list(kind: ListKind, items: &[ListItem], prefix: &str, lines: &mut Vec<String>) {
    let marker = format!(
        "{prefix}{}",
        if kind == ListKind::Bullet { '*' } else { '#' }
    );
    for item in items {
        let mut text_blocks = Vec::new();
        let mut nested = Vec::new();
        for block in &item.content {
            match block {
                Block::List { kind, items } => nested.push((*kind, items)),
                other => text_blocks.push(other.clone()),
            }
        }
        // A list item is one line in wiki markup, so its other blocks join
        // the first with forced line breaks.
        let text = blocks_to_inline_lines(&text_blocks)
            .iter()
            .map(|l| inlines_wiki(l, Place::Line).trim().to_string())
            .collect::<Vec<_>>()
            .join(" \\\\ ");
        let task = match item.task {
            Some(true) => "[x] ",
            Some(false) => "[ ] ",
            None => "",
        };
        lines.push(format!("{marker} {task}{text}").trim_end().to_string());
        for (kind, items) in nested {
            list(kind, items, &marker, lines);
        }
    }
}

fn row(cells: &[Cell]) -> String {
    let mut out = String::new();
    let mut last = "|";
    for cell in cells {
        last = if cell.header { "||" } else { "|" };
        let text = blocks_to_inline_lines(&cell.content)
            .iter()
            .map(|l| inlines_wiki(l, Place::Cell).trim().to_string())
            .collect::<Vec<_>>()
            .join(" \\\\ ");
        // An empty cell needs content or `||` would read as a header marker.
        let text = if text.is_empty() {
            " ".to_string()
        } else {
            text
        };
        out.push_str(&format!("{last}{text}"));
    }
    out.push_str(last);
    out
}

fn inlines_wiki(inlines: &[Inline], place: Place) -> String {
    let mut out = String::new();
    for inline in normalize_inlines(inlines.to_vec()) {
        let piece = inline_wiki(&inline, place);
        // Spaces moved out of an effect can meet the text's own.
        out.push_str(if out.ends_with(' ') {
            piece.trim_start_matches(' ')
        } else {
            &piece
        });
    }
    out
}

fn inline_wiki(inline: &Inline, place: Place) -> String {
    match inline {
        Inline::Text(t) => escape_text(t),
        Inline::Styled(style, content) => {
            let inner = inlines_wiki(content, place);
            let trimmed = inner.trim();
            if trimmed.is_empty() {
                return inner;
            }
            let lead = &inner[..inner.len() - inner.trim_start().len()];
            let trail = &inner[inner.trim_end().len()..];
            let delim = match style {
                Style::Strong => '*',
                Style::Emphasis => '_',
                Style::Strike => '-',
                Style::Underline => '+',
            };
            format!("{lead}{delim}{trimmed}{delim}{trail}")
        }
        // `{{…}}` cannot hold `}}` (or end in `}`): such code is written as escaped plain
        // text, which keeps its characters and reads back the same way every time.
        Inline::Code(code)
            if code.contains("}}") || code.ends_with('}') || code.trim().is_empty() =>
        {
            escape_text(&code.replace('\n', " "))
        }
        Inline::Code(code) => format!("{{{{{}}}}}", code.replace('\n', " ")),
        Inline::Link { href, content } => {
            let text = inlines_wiki(content, Place::Cell);
            if text.trim().is_empty() || text == escape_text(href) {
                format!("[{href}]")
            } else {
                format!("[{text}|{href}]")
            }
        }
        Inline::AutoLink(url) => format!("[{url}]"),
        Inline::Image { src, .. } => format!("!{src}!"),
        Inline::Attachment(name) => {
            let is_image = [".png", ".jpg", ".jpeg", ".gif", ".svg", ".bmp", ".webp"]
                .iter()
                .any(|ext| name.to_ascii_lowercase().ends_with(ext));
            if is_image {
                format!("!{name}!")
            } else {
                format!("[^{name}]")
            }
        }
        Inline::Mention { user, .. } => match user {
            UserRef::AccountId(id) => format!("[~accountid:{id}]"),
            UserRef::Username(name) | UserRef::UserKey(name) => format!("[~{name}]"),
        },
        Inline::Emoji(text) => escape_text(text),
        Inline::Status(text) => escape_text(&format!("[{text}]")),
        Inline::HardBreak => match place {
            Place::Paragraph => "\n".to_string(),
            Place::Line | Place::Cell => " \\\\ ".to_string(),
        },
    }
}

/// Backslash-escapes wiki markup characters. Effect characters only act at
/// word boundaries in Jira, so inside words (`snake_case`, `e-mail`, `C++`)
/// they are left alone to keep the text readable.
fn escape_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        // `\\` is a line break and `\x` an escape, so a backslash that could
        // be read as either is written as a character reference.
        if c == '\\' {
            if next.is_none_or(|n| n.is_ascii_punctuation()) {
                out.push_str("&#92;");
            } else {
                out.push(c);
            }
            continue;
        }
        let escape = match c {
            '{' | '}' | '[' | ']' | '|' | '!' => true,
            '*' | '_' | '-' | '+' | '^' | '~' => {
                let inside_word = word(prev) && word(next);
                let standalone =
                    prev.is_some_and(char::is_whitespace) && next.is_none_or(char::is_whitespace);
                !inside_word && !standalone
            }
            '?' => next == Some('?'),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[path = "wiki_tests.rs"]
mod tests;
