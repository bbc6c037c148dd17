//! Confluence storage format ↔ Markdown: the public functions and the
//! storage writer (the reader is in `storage_read`).
//!
//! The writer emits well-formed XHTML fragments in the shapes the Confluence
//! editor itself produces (`ac:structured-macro` for code and panels,
//! `ac:link`/`ri:user` for mentions, `ac:image` for attachments), escaping
//! all text so that no input can break the page's markup.

use super::ast::{Block, Cell, Inline, ListItem, ListKind, PanelKind, Style, UserRef};
use super::{md_read, md_write, storage_read, storage_tree};

/// Converts Markdown to Confluence storage format (an XHTML fragment).
///
/// Code blocks become `code` macros, panels (`> **Info:** …`) `info`/`note`/
/// `warning`/`tip`/`panel`/`expand` macros, mentions `ac:link` with `ri:user`,
/// task items `ac:task-list`.
pub fn markdown_to_storage(md: &str) -> String {
    let blocks = md_read::parse(md);
    let mut writer = Writer::default();
    writer.blocks(&blocks);
    writer.out
}

/// Converts Confluence storage format to Markdown.
///
/// Reads HTML text structure and the common `ac:` elements: code/noformat,
/// info/note/warning/tip/panel/expand and status macros, task lists, user
/// and attachment links, images, emoticons and layouts. Unknown elements and
/// macros keep their text; malformed XHTML is read as far as possible and
/// the rest is kept as text.
pub fn storage_to_markdown(xhtml: &str) -> String {
    let tree = storage_tree::parse_tree(xhtml);
    md_write::write(&storage_read::read_blocks(&tree))
}

#[derive(Default)]
struct Writer {
    out: String,
    next_task_id: u64,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn escape_attr(text: &str) -> String {
    escape(text).replace('"', "&quot;")
}

/// CDATA cannot contain `]]>`; it is split across two sections.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn parameter(name: &str, value: &str) -> String {
    format!(
        "<ac:parameter ac:name=\"{name}\">{}</ac:parameter>",
        escape(value)
    )
}

impl Writer {
    fn blocks(&mut self, blocks: &[Block]) {
        for block in blocks {
            self.block(block);
        }
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Paragraph(inlines) => {
                self.out.push_str("<p>");
                self.inlines(inlines);
                self.out.push_str("</p>");
            }
            Block::Heading { level, content } => {
                let level = level.clamp(&1, &6);
                self.out.push_str(&format!("<h{level}>"));
                self.inlines(content);
                self.out.push_str(&format!("</h{level}>"));
            }
            Block::Code { language, text } => {
                self.out.push_str("<ac:structured-macro ac:name=\"code\">");
                if let Some(language) = language {
                    self.out.push_str(&parameter("language", language));
                }
                self.out.push_str(&format!(
                    "<ac:plain-text-body>{}</ac:plain-text-body>",
                    cdata(text)
                ));
                self.out.push_str("</ac:structured-macro>");
            }
            Block::Quote(inner) => {
                self.out.push_str("<blockquote>");
                self.blocks(inner);
                self.out.push_str("</blockquote>");
            }
            Block::Panel {
                kind,
                title,
                content,
            } => {
                let name = match kind {
                    PanelKind::Error => "warning",
                    PanelKind::Success => "tip",
                    other => other.name(),
                };
                self.out
                    .push_str(&format!("<ac:structured-macro ac:name=\"{name}\">"));
                if let Some(title) = title {
                    self.out.push_str(&parameter("title", title));
                }
                self.out.push_str("<ac:rich-text-body>");
                self.blocks(content);
                self.out
                    .push_str("</ac:rich-text-body></ac:structured-macro>");
            }
            Block::List { kind, items } => self.list(*kind, items),
            Block::Table(rows) => self.table(rows),
            Block::Rule => self.out.push_str("<hr />"),
        }
    }

    /// Item content: a leading paragraph is written inline, as the editor does.
    fn item_content(&mut self, content: &[Block]) {
        match content.split_first() {
            Some((Block::Paragraph(inlines), rest)) => {
                self.inlines(inlines);
                self.blocks(rest);
            }
            _ => self.blocks(content),
        }
    }

    fn list(&mut self, kind: ListKind, items: &[ListItem]) {
        if items.is_empty() {
            return;
        }
        if items.iter().all(|i| i.task.is_some()) {
            self.out.push_str("<ac:task-list>");
            for item in items {
                self.next_task_id += 1;
                let status = if item.task == Some(true) {
                    "complete"
                } else {
                    "incomplete"
                };
                self.out.push_str(&format!(
                    "<ac:task><ac:task-id>{}</ac:task-id><ac:task-status>{status}</ac:task-status><ac:task-body>",
                    self.next_task_id
                ));
                self.item_content(&item.content);
                self.out.push_str("</ac:task-body></ac:task>");
            }
            self.out.push_str("</ac:task-list>");
            return;
        }
        let tag = match kind {
            ListKind::Bullet => "ul",
            ListKind::Ordered(_) => "ol",
        };
        match kind {
            ListKind::Ordered(start) if start != 1 => {
                self.out.push_str(&format!("<ol start=\"{start}\">"))
            }
            _ => self.out.push_str(&format!("<{tag}>")),
        }
        for item in items {
            self.out.push_str("<li>");
            // A checkbox item in a mixed list keeps its marker as text.
            match item.task {
                Some(true) => self.out.push_str("[x] "),
                Some(false) => self.out.push_str("[ ] "),
                None => {}
            }
            self.item_content(&item.content);
            self.out.push_str("</li>");
        }
        self.out.push_str(&format!("</{tag}>"));
    }

    fn table(&mut self, rows: &[Vec<Cell>]) {
        if rows.iter().all(Vec::is_empty) {
            return;
        }
        self.out.push_str("<table><tbody>");
        for row in rows {
            self.out.push_str("<tr>");
            for cell in row {
                let tag = if cell.header { "th" } else { "td" };
                self.out.push_str(&format!("<{tag}>"));
                self.blocks(&cell.content);
                self.out.push_str(&format!("</{tag}>"));
            }
            self.out.push_str("</tr>");
        }
        self.out.push_str("</tbody></table>");
    }

    fn inlines(&mut self, inlines: &[Inline]) {
        for inline in inlines {
            self.inline(inline);
        }
    }

    fn inline(&mut self, inline: &Inline) {
        match inline {
            Inline::Text(t) | Inline::Emoji(t) => {
                let mut lines = t.split('\n');
                self.out.push_str(&escape(lines.next().unwrap_or("")));
                for line in lines {
                    self.out.push_str("<br />");
                    self.out.push_str(&escape(line));
                }
            }
            Inline::Styled(style, content) => {
                let tag = match style {
                    Style::Strong => "strong",
                    Style::Emphasis => "em",
                    Style::Strike => "s",
                    Style::Underline => "u",
                };
                self.out.push_str(&format!("<{tag}>"));
                self.inlines(content);
                self.out.push_str(&format!("</{tag}>"));
            }
            Inline::Code(code) => self.out.push_str(&format!("<code>{}</code>", escape(code))),
            Inline::Link { href, content } => {
                self.out
                    .push_str(&format!("<a href=\"{}\">", escape_attr(href)));
                if content.is_empty() {
                    self.out.push_str(&escape(href));
                }
                self.inlines(content);
                self.out.push_str("</a>");
            }
            Inline::AutoLink(url) => self.out.push_str(&format!(
                "<a href=\"{}\">{}</a>",
                escape_attr(url),
                escape(url)
            )),
            Inline::Image { src, alt } => {
                let alt = if alt.is_empty() {
                    String::new()
                } else {
                    format!(" ac:alt=\"{}\"", escape_attr(alt))
                };
                self.out.push_str(&format!(
                    "<ac:image{alt}><ri:url ri:value=\"{}\" /></ac:image>",
                    escape_attr(src)
                ));
            }
            Inline::Attachment(name) => {
                let file = format!("<ri:attachment ri:filename=\"{}\" />", escape_attr(name));
                let is_image = [".png", ".jpg", ".jpeg", ".gif", ".svg", ".bmp", ".webp"]
                    .iter()
                    .any(|ext| name.to_ascii_lowercase().ends_with(ext));
                self.out.push_str(&if is_image {
                    format!("<ac:image>{file}</ac:image>")
                } else {
                    format!("<ac:link>{file}</ac:link>")
                });
            }
            Inline::Mention { user, .. } => {
                let attribute = match user {
                    UserRef::AccountId(_) => "ri:account-id",
                    UserRef::Username(_) => "ri:username",
                    UserRef::UserKey(_) => "ri:userkey",
                };
                self.out.push_str(&format!(
                    "<ac:link><ri:user {attribute}=\"{}\" /></ac:link>",
                    escape_attr(user.value())
                ));
            }
            Inline::Status(text) => {
                self.out
                    .push_str("<ac:structured-macro ac:name=\"status\">");
                self.out.push_str(&parameter("title", text));
                self.out.push_str("</ac:structured-macro>");
            }
            Inline::HardBreak => self.out.push_str("<br />"),
        }
    }
}

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;
