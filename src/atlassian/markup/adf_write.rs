//! Document model → ADF, producing only documents that validate against the
//! published ADF JSON schema (`@atlaskit/adf-schema`, draft-04).
//!
//! ADF restricts what each container may hold (no heading in a list item, no
//! table in a quote, code marks only with links, no empty text nodes, …).
//! Where the model has something a container may not hold, it is flattened
//! into blocks the container accepts rather than dropped, because Jira
//! rejects a whole request over one invalid node, and losing formatting is
//! better than losing the edit.

use serde_json::{Map, Value, json};

use super::ast::blocks_to_inline_lines;
use super::ast::{Block, Cell, Inline, ListItem, ListKind, PanelKind, Style, UserRef};

/// Builds a whole ADF document from blocks.
pub(crate) fn document(blocks: &[Block]) -> Value {
    let mut writer = Writer { next_id: 0 };
    json!({
        "version": 1,
        "type": "doc",
        "content": writer.blocks(blocks, Ctx::Doc),
    })
}

/// The container blocks are being written into; each admits a different set
/// of children in the ADF schema.
#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Doc,
    ListItem,
    Quote,
    Panel,
    Cell,
    Expand,
}

struct Writer {
    next_id: u64,
}

fn empty_paragraph() -> Value {
    json!({"type": "paragraph", "content": []})
}

impl Writer {
    fn local_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}-{}", self.next_id)
    }

    fn blocks(&mut self, blocks: &[Block], ctx: Ctx) -> Vec<Value> {
        let mut out = Vec::new();
        for block in blocks {
            self.block(block, ctx, &mut out);
        }
        out
    }

    /// Blocks for a container that must not be empty.
    fn non_empty_blocks(&mut self, blocks: &[Block], ctx: Ctx) -> Vec<Value> {
        let mut out = self.blocks(blocks, ctx);
        if out.is_empty() {
            out.push(empty_paragraph());
        }
        out
    }

    fn block(&mut self, block: &Block, ctx: Ctx, out: &mut Vec<Value>) {
        match block {
            Block::Paragraph(inlines) => self.paragraph(inlines, out),
            Block::Heading { level, content } => {
                if matches!(ctx, Ctx::ListItem | Ctx::Quote) {
                    self.paragraph(content, out);
                } else {
                    out.push(json!({
                        "type": "heading",
                        "attrs": {"level": level.clamp(&1, &6)},
                        "content": inlines_to_adf(content),
                    }));
                }
            }
            Block::Code { language, text } => {
                let mut node = json!({"type": "codeBlock"});
                if let Some(language) = language {
                    node["attrs"] = json!({"language": language});
                }
                if !text.is_empty() {
                    node["content"] = json!([{"type": "text", "text": text}]);
                }
                out.push(node);
            }
            Block::Quote(inner) => {
                if matches!(ctx, Ctx::Doc | Ctx::Cell | Ctx::Expand) {
                    let content = self.non_empty_blocks(inner, Ctx::Quote);
                    out.push(json!({"type": "blockquote", "content": content}));
                } else {
                    out.extend(self.blocks(inner, ctx));
                }
            }
            Block::Panel {
                kind,
                title,
                content,
            } => self.panel(*kind, title.as_deref(), content, ctx, out),
            Block::List { kind, items } => self.list(*kind, items, ctx, out),
            Block::Table(rows) => {
                if matches!(ctx, Ctx::Doc | Ctx::Expand) {
                    self.table(rows, out);
                } else {
                    for cell in rows.iter().flatten() {
                        out.extend(self.blocks(&cell.content, ctx));
                    }
                }
            }
            // A rule carries no text, so where ADF forbids one it is left out.
            Block::Rule => {
                if matches!(ctx, Ctx::Doc | Ctx::Panel | Ctx::Cell | Ctx::Expand) {
                    out.push(json!({"type": "rule"}));
                }
            }
        }
    }

    fn paragraph(&mut self, inlines: &[Inline], out: &mut Vec<Value>) {
        let images: Vec<&Inline> = inlines
            .iter()
            .filter(|i| !matches!(i, Inline::Text(t) if t.trim().is_empty()))
            .collect();
        if !images.is_empty() && images.iter().all(|i| matches!(i, Inline::Image { .. })) {
            for image in images {
                if let Inline::Image { src, alt } = image {
                    let mut media = json!({"type": "external", "url": src});
                    if !alt.is_empty() {
                        media["alt"] = json!(alt);
                    }
                    out.push(json!({
                        "type": "mediaSingle",
                        "attrs": {"layout": "center"},
                        "content": [{"type": "media", "attrs": media}],
                    }));
                }
            }
            return;
        }
        out.push(json!({"type": "paragraph", "content": inlines_to_adf(inlines)}));
    }

    fn panel(
        &mut self,
        kind: PanelKind,
        title: Option<&str>,
        content: &[Block],
        ctx: Ctx,
        out: &mut Vec<Value>,
    ) {
        let mut content = content.to_vec();
        let allowed = match kind {
            PanelKind::Expand => matches!(ctx, Ctx::Doc | Ctx::Cell),
            _ => matches!(ctx, Ctx::Doc | Ctx::Cell | Ctx::Expand),
        };
        // ADF panels have no title; an expand's title has its own attribute.
        if let Some(title) = title.filter(|_| kind != PanelKind::Expand || !allowed) {
            let strong = Inline::Styled(Style::Strong, vec![Inline::Text(title.to_string())]);
            content.insert(0, Block::Paragraph(vec![strong]));
        }
        if !allowed {
            out.extend(self.blocks(&content, ctx));
            return;
        }
        if kind == PanelKind::Expand {
            let node_type = if ctx == Ctx::Cell {
                "nestedExpand"
            } else {
                "expand"
            };
            let mut node =
                json!({"type": node_type, "content": self.non_empty_blocks(&content, Ctx::Expand)});
            if let Some(title) = title {
                node["attrs"] = json!({"title": title});
            }
            out.push(node);
            return;
        }
        let panel_type = match kind {
            PanelKind::Panel | PanelKind::Expand => "info",
            other => other.name(),
        };
        out.push(json!({
            "type": "panel",
            "attrs": {"panelType": panel_type},
            "content": self.non_empty_blocks(&content, Ctx::Panel),
        }));
    }

    fn list(&mut self, kind: ListKind, items: &[ListItem], ctx: Ctx, out: &mut Vec<Value>) {
        if items.is_empty() {
            return;
        }
        let all_tasks = items.iter().all(|i| i.task.is_some());
        if all_tasks && ctx != Ctx::Quote {
            let list = self.task_list(items);
            out.push(list);
            return;
        }
        let content: Vec<Value> = items
            .iter()
            .map(|item| {
                let mut blocks = item.content.clone();
                if let Some(done) = item.task {
                    prefix_task_marker(&mut blocks, done);
                }
                json!({"type": "listItem", "content": self.non_empty_blocks(&blocks, Ctx::ListItem)})
            })
            .collect();
        out.push(match kind {
            ListKind::Bullet => json!({"type": "bulletList", "content": content}),
            ListKind::Ordered(start) => {
                json!({"type": "orderedList", "attrs": {"order": start}, "content": content})
            }
        });
    }

    fn task_list(&mut self, items: &[ListItem]) -> Value {
        let list_id = self.local_id("task-list");
        let mut content = Vec::new();
        for item in items {
            let state = if item.task == Some(true) {
                "DONE"
            } else {
                "TODO"
            };
            let (first, rest) = match item.content.split_first() {
                Some((Block::Paragraph(inlines), rest)) => (inlines.clone(), rest),
                _ => (Vec::new(), item.content.as_slice()),
            };
            let id = self.local_id("task");
            content.push(json!({
                "type": "taskItem",
                "attrs": {"localId": id, "state": state},
                "content": inlines_to_adf(&first),
            }));
            // Task items hold only inline content: nested task lists nest,
            // anything else becomes further items carrying its text.
            for block in rest {
                match block {
                    Block::List { items, .. }
                        if items.iter().all(|i| i.task.is_some()) && !items.is_empty() =>
                    {
                        content.push(self.task_list(items))
                    }
                    other => {
                        for line in blocks_to_inline_lines(std::slice::from_ref(other)) {
                            let id = self.local_id("task");
                            content.push(json!({
                                "type": "taskItem",
                                "attrs": {"localId": id, "state": state},
                                "content": inlines_to_adf(&line),
                            }));
                        }
                    }
                }
            }
        }
        json!({"type": "taskList", "attrs": {"localId": list_id}, "content": content})
    }

    fn table(&mut self, rows: &[Vec<Cell>], out: &mut Vec<Value>) {
        let rows: Vec<Value> = rows
            .iter()
            .filter(|row| !row.is_empty())
            .map(|row| {
                let cells: Vec<Value> = row
                    .iter()
                    .map(|cell| {
                        let node_type = if cell.header { "tableHeader" } else { "tableCell" };
                        json!({"type": node_type, "content": self.non_empty_blocks(&cell.content, Ctx::Cell)})
                    })
                    .collect();
                json!({"type": "tableRow", "content": cells})
            })
            .collect();
        if !rows.is_empty() {
            out.push(json!({"type": "table", "content": rows}));
        }
    }
}

fn prefix_task_marker(blocks: &mut Vec<Block>, done: bool) {
    let marker = Inline::Text(if done { "[x] " } else { "[ ] " }.to_string());
    match blocks.first_mut() {
        Some(Block::Paragraph(inlines)) => inlines.insert(0, marker),
        _ => blocks.insert(0, Block::Paragraph(vec![marker])),
    }
}

fn inlines_to_adf(inlines: &[Inline]) -> Vec<Value> {
    let mut out = Vec::new();
    for inline in inlines {
        inline_to_adf(inline, &[], &mut out);
    }
    out
}

fn text_node(text: &str, marks: &[Value], out: &mut Vec<Value>) {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push(json!({"type": "hardBreak"}));
        }
        if line.is_empty() {
            continue;
        }
        let mut node = Map::new();
        node.insert("type".into(), json!("text"));
        node.insert("text".into(), json!(line));
        if !marks.is_empty() {
            node.insert("marks".into(), Value::Array(marks.to_vec()));
        }
        out.push(Value::Object(node));
    }
}

fn with_mark(marks: &[Value], mark: Value) -> Vec<Value> {
    let mut marks: Vec<Value> = marks
        .iter()
        .filter(|m| m["type"] != mark["type"])
        .cloned()
        .collect();
    marks.push(mark);
    marks
}

fn inline_to_adf(inline: &Inline, marks: &[Value], out: &mut Vec<Value>) {
    match inline {
        Inline::Text(t) | Inline::Emoji(t) => text_node(t, marks, out),
        Inline::Styled(style, content) => {
            let name = match style {
                Style::Strong => "strong",
                Style::Emphasis => "em",
                Style::Strike => "strike",
                Style::Underline => "underline",
            };
            let marks = with_mark(marks, json!({"type": name}));
            for child in content {
                inline_to_adf(child, &marks, out);
            }
        }
        Inline::Code(code) => {
            // The schema lets code combine only with link marks.
            let mut code_marks: Vec<Value> = marks
                .iter()
                .filter(|m| m["type"] == "link")
                .cloned()
                .collect();
            code_marks.push(json!({"type": "code"}));
            text_node(&code.replace('\n', " "), &code_marks, out);
        }
        Inline::Link { href, content } => {
            let marks = with_mark(marks, json!({"type": "link", "attrs": {"href": href}}));
            if content.is_empty() {
                text_node(href, &marks, out);
            }
            for child in content {
                inline_to_adf(child, &marks, out);
            }
        }
        Inline::AutoLink(url) => {
            if marks.is_empty() && (url.starts_with("http://") || url.starts_with("https://")) {
                out.push(json!({"type": "inlineCard", "attrs": {"url": url}}));
            } else {
                let marks = with_mark(marks, json!({"type": "link", "attrs": {"href": url}}));
                text_node(url, &marks, out);
            }
        }
        Inline::Image { src, alt } => {
            let marks = with_mark(marks, json!({"type": "link", "attrs": {"href": src}}));
            text_node(if alt.is_empty() { src } else { alt }, &marks, out);
        }
        Inline::Attachment(name) => text_node(&format!("[attachment: {name}]"), marks, out),
        Inline::Mention { name, user } => match user {
            UserRef::AccountId(id) => out
                .push(json!({"type": "mention", "attrs": {"id": id, "text": format!("@{name}")}})),
            _ => text_node(&format!("@{name}"), marks, out),
        },
        Inline::Status(text) => {
            if !text.is_empty() {
                out.push(json!({"type": "status", "attrs": {"text": text, "color": "neutral"}}));
            }
        }
        Inline::HardBreak => out.push(json!({"type": "hardBreak"})),
    }
}
