//! Markdown → document model, on top of `pulldown-cmark` (CommonMark plus the
//! GitHub tables, strikethrough and task-list extensions).
//!
//! Beyond plain CommonMark this reader recognises the forms the Markdown
//! writer uses for things Markdown lacks, so they survive a round trip:
//! `<u>…</u>` (underline), `<br>` (line break, also inside table cells),
//! `> **Info:** …` block quotes (panels), `[@Name](accountid:…)` links
//! (mentions) and `<https://…>` autolinks (ADF inline cards).

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};
use std::iter::Peekable;

use super::ast::{Block, Cell, Inline, ListItem, ListKind, PanelKind, Style, UserRef};
use super::ast::{inline_text, normalize_inlines};

/// Parses Markdown into the document model. Never fails: CommonMark gives
/// every input a meaning.
pub(crate) fn parse(md: &str) -> Vec<Block> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut reader = Reader {
        events: Parser::new_ext(md, options).peekable(),
        depth: 0,
        transparent: 0,
    };
    reader.blocks()
}

struct Reader<'a> {
    events: Peekable<Parser<'a>>,
    /// How many containers the reader is inside.
    depth: usize,
    /// Containers opened beyond `MAX_DEPTH` and read as if absent; their
    /// end tags are skipped. Absurdly deep input (`>>>>…`) would otherwise
    /// exhaust the stack of this recursive reader and of every writer.
    transparent: usize,
}

/// Deepest container nesting kept; deeper containers keep only their content.
pub(crate) const MAX_DEPTH: usize = 48;

/// Where an inline run stops.
#[derive(Clone, Copy, PartialEq)]
enum Stop<'s> {
    /// At the matching end tag, which is consumed.
    EndTag,
    /// Before any block-level event; used for the bare text of tight list items.
    BeforeBlock,
    /// At the given closing HTML tag (`</u>`), which is consumed.
    Html(&'s str),
}

fn is_inline_event(event: &Event<'_>) -> bool {
    match event {
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineHtml(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::FootnoteReference(_)
        | Event::InlineMath(_) => true,
        Event::Start(tag) => matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        ),
        _ => false,
    }
}

impl Reader<'_> {
    /// Reads blocks up to (and consuming) the end tag of the enclosing
    /// container, or to the end of input.
    fn blocks(&mut self) -> Vec<Block> {
        let mut blocks = Vec::new();
        while let Some(event) = self.events.peek() {
            if is_inline_event(event) {
                let inlines = self.inlines(Stop::BeforeBlock);
                if !inlines.is_empty() {
                    blocks.push(Block::Paragraph(inlines));
                }
                continue;
            }
            let Some(event) = self.events.next() else {
                break;
            };
            match event {
                Event::End(_) if self.transparent > 0 => self.transparent -= 1,
                Event::End(_) => break,
                Event::Start(tag) => {
                    if let Some(block) = self.block(tag) {
                        blocks.push(block);
                    }
                }
                Event::Rule => blocks.push(Block::Rule),
                // Raw HTML and math have no equivalent in the targets; their
                // source text is kept so nothing the author wrote disappears.
                Event::Html(html) | Event::DisplayMath(html) => {
                    let text = html.trim_end().to_string();
                    if !text.is_empty() {
                        blocks.push(Block::Paragraph(vec![Inline::Text(text)]));
                    }
                }
                // A checkbox outside an item start cannot happen in valid
                // event streams; ignore rather than guess.
                _ => {}
            }
        }
        blocks
    }

    fn block(&mut self, tag: Tag<'_>) -> Option<Block> {
        let leaf = matches!(
            tag,
            Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::CodeBlock(_)
                | Tag::HtmlBlock
                | Tag::Table(_)
        );
        if self.depth >= MAX_DEPTH && !leaf {
            self.transparent += 1;
            return None;
        }
        self.depth += 1;
        let block = self.block_inner(tag);
        self.depth -= 1;
        block
    }

    fn block_inner(&mut self, tag: Tag<'_>) -> Option<Block> {
        Some(match tag {
            Tag::Paragraph => Block::Paragraph(self.inlines(Stop::EndTag)),
            Tag::Heading { level, .. } => Block::Heading {
                level: level as u8,
                content: self.inlines(Stop::EndTag),
            },
            Tag::BlockQuote(_) => quote_or_panel(self.blocks()),
            Tag::CodeBlock(kind) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .map(str::to_string)
                        .filter(|l| !l.is_empty()),
                    CodeBlockKind::Indented => None,
                };
                let mut text = String::new();
                for event in self.events.by_ref() {
                    match event {
                        Event::Text(t) => text.push_str(&t),
                        Event::End(_) => break,
                        _ => {}
                    }
                }
                if text.ends_with('\n') {
                    text.pop();
                }
                Block::Code { language, text }
            }
            Tag::List(start) => {
                let kind = start.map_or(ListKind::Bullet, ListKind::Ordered);
                let mut items = Vec::new();
                while let Some(event) = self.events.next() {
                    match event {
                        Event::Start(Tag::Item) => items.push(self.item()),
                        Event::End(_) => break,
                        _ => {}
                    }
                }
                Block::List { kind, items }
            }
            Tag::Table(_) => Block::Table(self.table()),
            Tag::HtmlBlock => {
                let mut text = String::new();
                for event in self.events.by_ref() {
                    match event {
                        Event::Html(t) | Event::Text(t) => text.push_str(&t),
                        Event::End(_) => break,
                        _ => {}
                    }
                }
                let text = text.trim_end().to_string();
                if text.is_empty() {
                    return None;
                }
                Block::Paragraph(vec![Inline::Text(text)])
            }
            // Anything else (footnote definitions, metadata, …) is read as a
            // plain container so its text is kept.
            _ => {
                let inner = self.blocks();
                return match inner.len() {
                    0 => None,
                    1 => inner.into_iter().next(),
                    _ => Some(Block::Quote(inner)),
                };
            }
        })
    }

    fn item(&mut self) -> ListItem {
        let task = match self.events.peek() {
            Some(Event::TaskListMarker(done)) => {
                let done = *done;
                self.events.next();
                Some(done)
            }
            _ => None,
        };
        ListItem {
            task,
            content: self.blocks(),
        }
    }

    fn table(&mut self) -> Vec<Vec<Cell>> {
        let mut rows = Vec::new();
        let mut row: Vec<Cell> = Vec::new();
        let mut header = false;
        while let Some(event) = self.events.next() {
            match event {
                Event::Start(Tag::TableHead) => header = true,
                Event::Start(Tag::TableRow) => header = false,
                Event::Start(Tag::TableCell) => {
                    let inlines = self.inlines(Stop::EndTag);
                    let content = if inlines.is_empty() {
                        Vec::new()
                    } else {
                        vec![Block::Paragraph(inlines)]
                    };
                    row.push(Cell { header, content });
                }
                Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                    rows.push(std::mem::take(&mut row))
                }
                Event::End(TagEnd::Table) => break,
                _ => {}
            }
        }
        rows
    }

    fn inlines(&mut self, stop: Stop<'_>) -> Vec<Inline> {
        let mut out = Vec::new();
        loop {
            match self.events.peek() {
                None => break,
                Some(e) if stop == Stop::BeforeBlock && !is_inline_event(e) => break,
                Some(Event::End(_)) if stop != Stop::EndTag => {
                    // An unclosed `<u>` ends with its container; the end tag
                    // belongs to the container, so it is left in place.
                    break;
                }
                _ => {}
            }
            let Some(event) = self.events.next() else {
                break;
            };
            match event {
                Event::End(_) if self.transparent > 0 => self.transparent -= 1,
                Event::End(_) => break,
                Event::Text(t) => out.push(Inline::Text(collapse_spaces(&t))),
                Event::Code(t) => out.push(Inline::Code(t.into_string())),
                Event::InlineMath(t) => out.push(Inline::Code(t.into_string())),
                Event::SoftBreak => out.push(Inline::Text(" ".into())),
                Event::HardBreak => out.push(Inline::HardBreak),
                Event::FootnoteReference(t) => out.push(Inline::Text(format!("[^{t}]"))),
                Event::InlineHtml(html) => {
                    let tag = html.trim().to_ascii_lowercase().replace(' ', "");
                    match tag.as_str() {
                        "<br>" | "<br/>" => out.push(Inline::HardBreak),
                        open if html_style(open).is_some() && self.depth < MAX_DEPTH => {
                            let style = html_style(open).unwrap_or(Style::Underline);
                            let close = format!("</{}", &open[1..]);
                            self.depth += 1;
                            let inner = self.inlines(Stop::Html(&close));
                            self.depth -= 1;
                            out.push(Inline::Styled(style, inner));
                        }
                        t if Stop::Html(t) == stop => break,
                        // Other inline HTML is kept as the text the author typed;
                        // its line breaks were soft ones.
                        _ => out.push(Inline::Text(html.replace('\n', " "))),
                    }
                }
                Event::Start(tag) => {
                    if let Some(inline) = self.inline_tag(tag) {
                        out.push(inline);
                    }
                }
                _ => {}
            }
        }
        split_attachments(normalize_inlines(out))
    }

    fn inline_tag(&mut self, tag: Tag<'_>) -> Option<Inline> {
        if self.depth >= MAX_DEPTH {
            self.transparent += 1;
            return None;
        }
        self.depth += 1;
        let inline = self.inline_tag_inner(tag);
        self.depth -= 1;
        inline
    }

    fn inline_tag_inner(&mut self, tag: Tag<'_>) -> Option<Inline> {
        Some(match tag {
            Tag::Strong => Inline::Styled(Style::Strong, self.inlines(Stop::EndTag)),
            Tag::Emphasis => Inline::Styled(Style::Emphasis, self.inlines(Stop::EndTag)),
            Tag::Strikethrough => Inline::Styled(Style::Strike, self.inlines(Stop::EndTag)),
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => {
                let content = self.inlines(Stop::EndTag);
                let href = dest_url.into_string();
                match link_type {
                    LinkType::Autolink => Inline::AutoLink(href),
                    LinkType::Email => Inline::Link {
                        href: format!("mailto:{href}"),
                        content,
                    },
                    _ => match UserRef::from_scheme(&href) {
                        Some(user) => Inline::Mention {
                            name: inline_text(&content).trim_start_matches('@').to_string(),
                            user,
                        },
                        None => Inline::Link { href, content },
                    },
                }
            }
            Tag::Image { dest_url, .. } => {
                let alt = inline_text(&self.inlines(Stop::EndTag));
                Inline::Image {
                    src: dest_url.into_string(),
                    alt,
                }
            }
            // Superscript/subscript are not enabled; any other inline tag
            // keeps its text, unstyled, since no target has a style for it.
            _ => Inline::Text(inline_text(&self.inlines(Stop::EndTag))),
        })
    }
}

/// Inline HTML tags that carry a style: `<u>` is the only way to write
/// underline, and the writer falls back to the others where `*`/`~`
/// delimiters cannot open or close (next to punctuation inside words).
fn html_style(tag: &str) -> Option<Style> {
    match tag {
        "<u>" | "<ins>" => Some(Style::Underline),
        "<strong>" | "<b>" => Some(Style::Strong),
        "<em>" | "<i>" => Some(Style::Emphasis),
        "<s>" | "<del>" | "<strike>" => Some(Style::Strike),
        _ => None,
    }
}

/// Finds the `[attachment: name]` placeholders the writer uses for files,
/// so that wiki and storage can turn them back into attachment references.
fn split_attachments(inlines: Vec<Inline>) -> Vec<Inline> {
    const OPEN: &str = "[attachment: ";
    let mut out = Vec::with_capacity(inlines.len());
    for inline in inlines {
        let Inline::Text(mut text) = inline else {
            out.push(inline);
            continue;
        };
        while let Some(start) = text.find(OPEN) {
            let after = &text[start + OPEN.len()..];
            let Some(end) = after.find(']') else { break };
            let name = after[..end].trim().to_string();
            if name.is_empty() {
                break;
            }
            if start > 0 {
                out.push(Inline::Text(text[..start].to_string()));
            }
            out.push(Inline::Attachment(name));
            text = after[end + 1..].to_string();
        }
        if !text.is_empty() {
            out.push(Inline::Text(text));
        }
    }
    out
}

/// Runs of spaces render as one in every target (HTML collapses them), so
/// they are collapsed here, where the text enters.
fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

/// Turns `> **Info:** text` (and `> **Info: Title**`) back into a panel; any
/// other quote stays a quote.
fn quote_or_panel(mut blocks: Vec<Block>) -> Block {
    let Some(Block::Paragraph(first)) = blocks.first() else {
        return Block::Quote(blocks);
    };
    let Some(Inline::Styled(Style::Strong, label)) = first.first() else {
        return Block::Quote(blocks);
    };
    let [Inline::Text(label)] = label.as_slice() else {
        return Block::Quote(blocks);
    };
    let Some((kind, title)) = parse_panel_label(label) else {
        return Block::Quote(blocks);
    };
    let mut rest: Vec<Inline> = first[1..].to_vec();
    if let Some(Inline::Text(t)) = rest.first_mut() {
        *t = t.trim_start().to_string();
    }
    let rest = normalize_inlines(rest);
    if rest.is_empty() {
        blocks.remove(0);
    } else {
        blocks[0] = Block::Paragraph(rest);
    }
    Block::Panel {
        kind,
        title,
        content: blocks,
    }
}

/// `Info:` → (Info, None); `Info: Title` → (Info, Some("Title")).
pub(crate) fn parse_panel_label(label: &str) -> Option<(PanelKind, Option<String>)> {
    let (name, title) = label.split_once(':')?;
    let kind = PanelKind::from_label(name)?;
    let title = title.trim();
    Some((kind, (!title.is_empty()).then(|| title.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Inline {
        Inline::Text(t.into())
    }

    #[test]
    fn tight_list_items_become_paragraphs() {
        let blocks = parse("- a\n  - b\n- [x] c\n");
        let Block::List { kind, items } = &blocks[0] else {
            panic!("expected a list, got {blocks:?}")
        };
        assert_eq!(*kind, ListKind::Bullet);
        assert_eq!(items[0].content[0], Block::Paragraph(vec![text("a")]));
        assert!(matches!(items[0].content[1], Block::List { .. }));
        assert_eq!(items[1].task, Some(true));
    }

    #[test]
    fn labelled_quotes_become_panels() {
        let blocks = parse("> **Warning:** mind the gap\n>\n> second\n");
        assert_eq!(
            blocks,
            vec![Block::Panel {
                kind: PanelKind::Warning,
                title: None,
                content: vec![
                    Block::Paragraph(vec![text("mind the gap")]),
                    Block::Paragraph(vec![text("second")]),
                ],
            }]
        );
    }

    #[test]
    fn underline_html_and_br_are_understood() {
        let blocks = parse("a <u>b</u><br>c");
        assert_eq!(
            blocks,
            vec![Block::Paragraph(vec![
                text("a "),
                Inline::Styled(Style::Underline, vec![text("b")]),
                Inline::HardBreak,
                text("c"),
            ])]
        );
    }

    #[test]
    fn attachment_placeholders_become_attachments() {
        assert_eq!(
            parse("see [attachment: a b.png] now"),
            vec![Block::Paragraph(vec![
                text("see "),
                Inline::Attachment("a b.png".into()),
                text(" now"),
            ])]
        );
    }

    #[test]
    fn mention_links_become_mentions() {
        let blocks = parse("hi [@Ann Lee](accountid:abc)");
        assert_eq!(
            blocks,
            vec![Block::Paragraph(vec![
                text("hi "),
                Inline::Mention {
                    name: "Ann Lee".into(),
                    user: UserRef::AccountId("abc".into())
                },
            ])]
        );
    }

    #[test]
    fn fenced_code_keeps_its_language_and_text() {
        let blocks = parse("```rust\nfn main() {}\n```\n");
        assert_eq!(
            blocks,
            vec![Block::Code {
                language: Some("rust".into()),
                text: "fn main() {}".into()
            }]
        );
    }
}
