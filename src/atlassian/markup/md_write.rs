//! Document model → Markdown, the one Markdown writer all three formats share.
//!
//! The output is CommonMark with GitHub tables, strikethrough and task lists,
//! plus a few conventions for what Markdown lacks (see `md_read`): panels are
//! `> **Info:** …` quotes, underline is `<u>…</u>`, mentions are
//! `[@Name](accountid:…)` links, attachments are `[attachment: name]`.
//! Invariant: reading the output back with `md_read::parse` gives the same
//! model (up to merging of adjacent text), which is what makes a second
//! round trip through any format stable.

use super::ast::{Block, Cell, Inline, ListItem, ListKind, PanelKind};
use super::ast::{blocks_to_inline_lines, normalize_inlines};
use super::md_inline::{Place, escape_text, inlines_md, longest_run, trim_around_breaks};

/// Writes blocks as Markdown, ending in a newline unless empty.
pub(crate) fn write(blocks: &[Block]) -> String {
    let out = write_blocks(blocks);
    if out.is_empty() { out } else { out + "\n" }
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
            // Only a list starting at 1 may interrupt a paragraph, so a nested ordered list
            // right after one is renumbered from 1 rather than swallowed into it.
            let renumbered;
            let block = match block {
                Block::List {
                    kind: ListKind::Ordered(n),
                    items,
                } if *n != 1 && !body.is_empty() => {
                    renumbered = Block::List {
                        kind: ListKind::Ordered(1),
                        items: items.clone(),
                    };
                    &renumbered
                }
                other => other,
            };
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

#[cfg(test)]
mod tests {
    use super::super::ast::Style;
    use super::super::md_inline::code_span;
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
    fn touching_emphasis_runs_switch_to_underscores() {
        let blocks = vec![Block::Paragraph(vec![
            Inline::Styled(Style::Strong, vec![text("a")]),
            Inline::Styled(Style::Emphasis, vec![text("b")]),
        ])];
        assert_eq!(write(&blocks), "**a**_b_\n");
        assert_eq!(parse(&write(&blocks)), blocks);
    }

    #[test]
    fn emphasis_that_cannot_flank_falls_back_to_html_tags() {
        let blocks = vec![Block::Paragraph(vec![
            text("a"),
            Inline::Styled(Style::Strong, vec![text("\"q\"")]),
            text("b"),
        ])];
        assert_eq!(write(&blocks), "a<strong>\"q\"</strong>b\n");
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
