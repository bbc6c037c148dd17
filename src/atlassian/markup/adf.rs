//! Atlassian Document Format (Jira Cloud rich text) ↔ Markdown.
//!
//! This file holds the public functions and the ADF reader; the writer is in
//! `adf_write`. Reading accepts any JSON: unknown nodes are read through
//! their `content` (or `text`/`attrs.text`) so their words survive, because
//! Atlassian adds node types faster than any converter learns them.

use serde_json::Value;

use super::ast::normalize_inlines;
use super::ast::{Block, Cell, Inline, ListItem, ListKind, PanelKind, Style, UserRef};
use super::md_read::MAX_DEPTH;
use super::{adf_write, md_read, md_write};

/// Converts Markdown to an ADF document (`{"version":1,"type":"doc",…}`).
///
/// The result validates against the ADF JSON schema. Markdown conventions
/// (panels as `> **Info:** …`, mentions as `[@Name](accountid:…)`, …) are
/// described in the module docs of `markup`.
pub fn markdown_to_adf(md: &str) -> Value {
    adf_write::document(&md_read::parse(md))
}

/// Converts an ADF document to Markdown.
///
/// Accepts a whole document, a bare array of nodes, a single node, or a plain
/// string (Jira's v2 API returns descriptions as strings); anything else gives
/// an empty string. Mentions become `[@Name](accountid:…)`, status lozenges
/// `[TEXT]`, dates `YYYY-MM-DD`, media `[attachment: name-or-id]`, inline and
/// block cards autolinks, task and decision items `- [ ]`/`- [x]`.
pub fn adf_to_markdown(doc: &Value) -> String {
    let pruned;
    let doc = if node_depth(doc) > 2 * MAX_DEPTH {
        pruned = prune(doc, 2 * MAX_DEPTH);
        &pruned
    } else {
        doc
    };
    let blocks = match doc {
        Value::String(s) => vec![Block::Paragraph(vec![Inline::Text(s.clone())])],
        Value::Array(nodes) => read_blocks(nodes),
        Value::Object(_) if doc["type"] == "doc" => read_blocks(children(doc)),
        Value::Object(_) => read_blocks(std::slice::from_ref(doc)),
        _ => Vec::new(),
    };
    md_write::write(&blocks)
}

/// JSON nesting depth, measured without recursion.
fn node_depth(doc: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(doc, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        match value {
            Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    deepest
}

/// All `text` and `attrs.text` strings below a node, gathered without
/// recursion.
fn flat_text(node: &Value) -> String {
    let mut parts = Vec::new();
    let mut stack = vec![node];
    while let Some(value) = stack.pop() {
        if let Some(text) = value["text"]
            .as_str()
            .or_else(|| value["attrs"]["text"].as_str())
        {
            parts.push(text);
        }
        stack.extend(children(value).iter().rev());
    }
    parts.join(" ")
}

/// A copy of `doc` whose nodes below `depth` JSON levels are replaced by a
/// text node with their text: the reader is recursive, and a pathologically
/// deep document must not exhaust the stack.
fn prune(doc: &Value, depth: usize) -> Value {
    if depth == 0 {
        return serde_json::json!({"type": "text", "text": flat_text(doc)});
    }
    match doc {
        Value::Array(items) => Value::Array(items.iter().map(|v| prune(v, depth - 1)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), prune(v, depth - 1)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn children(node: &Value) -> &[Value] {
    node["content"].as_array().map_or(&[], Vec::as_slice)
}

fn attr<'v>(node: &'v Value, name: &str) -> Option<&'v str> {
    node["attrs"][name].as_str()
}

const INLINE_TYPES: [&str; 11] = [
    "text",
    "hardBreak",
    "mention",
    "emoji",
    "inlineCard",
    "status",
    "date",
    "mediaInline",
    "placeholder",
    "inlineExtension",
    "media",
];

fn is_inline(node: &Value) -> bool {
    node["type"]
        .as_str()
        .is_some_and(|t| INLINE_TYPES.contains(&t))
}

fn read_blocks(nodes: &[Value]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut pending_inline: Vec<Value> = Vec::new();
    for node in nodes {
        // Inline nodes directly in a block container are malformed but
        // common in hand-made ADF; they are gathered into a paragraph.
        if is_inline(node) {
            pending_inline.push(node.clone());
            continue;
        }
        if !pending_inline.is_empty() {
            blocks.push(Block::Paragraph(read_inlines(&std::mem::take(
                &mut pending_inline,
            ))));
        }
        read_block(node, &mut blocks);
    }
    if !pending_inline.is_empty() {
        blocks.push(Block::Paragraph(read_inlines(&pending_inline)));
    }
    blocks
}

fn read_block(node: &Value, out: &mut Vec<Block>) {
    let kind = node["type"].as_str().unwrap_or("");
    match kind {
        "paragraph" => out.push(Block::Paragraph(read_inlines(children(node)))),
        "heading" => out.push(Block::Heading {
            level: node["attrs"]["level"].as_u64().unwrap_or(1).clamp(1, 6) as u8,
            content: read_inlines(children(node)),
        }),
        "codeBlock" => out.push(Block::Code {
            language: attr(node, "language")
                .filter(|l| !l.is_empty())
                .map(str::to_string),
            text: children(node)
                .iter()
                .filter_map(|t| t["text"].as_str())
                .collect(),
        }),
        "blockquote" => out.push(Block::Quote(read_blocks(children(node)))),
        "panel" => out.push(Block::Panel {
            kind: attr(node, "panelType")
                .and_then(PanelKind::from_name)
                .unwrap_or(PanelKind::Panel),
            title: None,
            content: read_blocks(children(node)),
        }),
        "expand" | "nestedExpand" => out.push(Block::Panel {
            kind: PanelKind::Expand,
            title: attr(node, "title")
                .filter(|t| !t.is_empty())
                .map(str::to_string),
            content: read_blocks(children(node)),
        }),
        "bulletList" | "orderedList" => {
            let kind = if kind == "bulletList" {
                ListKind::Bullet
            } else {
                ListKind::Ordered(node["attrs"]["order"].as_u64().unwrap_or(1))
            };
            let items = children(node)
                .iter()
                .map(|item| ListItem {
                    task: None,
                    content: read_blocks(children(item)),
                })
                .collect();
            out.push(Block::List { kind, items });
        }
        "taskList" | "decisionList" => out.push(Block::List {
            kind: ListKind::Bullet,
            items: read_task_items(children(node)),
        }),
        "table" => {
            let rows = children(node)
                .iter()
                .map(|row| {
                    children(row)
                        .iter()
                        .map(|cell| Cell {
                            header: cell["type"] == "tableHeader",
                            content: read_blocks(children(cell)),
                        })
                        .collect()
                })
                .collect();
            out.push(Block::Table(rows));
        }
        "rule" => out.push(Block::Rule),
        "mediaSingle" | "mediaGroup" => {
            let (media, rest): (Vec<&Value>, Vec<&Value>) =
                children(node).iter().partition(|c| c["type"] == "media");
            let inlines = media.into_iter().filter_map(read_media).collect::<Vec<_>>();
            let mut inlines_spaced = Vec::new();
            for inline in inlines {
                if !inlines_spaced.is_empty() {
                    inlines_spaced.push(Inline::Text(" ".into()));
                }
                inlines_spaced.push(inline);
            }
            out.push(Block::Paragraph(inlines_spaced));
            // Captions and anything else inside keep their text.
            for other in rest {
                out.push(Block::Paragraph(read_inlines(children(other))));
            }
        }
        "blockCard" | "embedCard" => {
            if let Some(url) = card_url(node) {
                out.push(Block::Paragraph(vec![Inline::AutoLink(url)]));
            }
        }
        // Layouts, extensions, sync blocks and node types added after this
        // was written: keep whatever they contain.
        _ => {
            if node["content"].is_array() {
                out.extend(read_blocks(children(node)));
            } else if let Some(text) = node["text"].as_str().or_else(|| attr(node, "text")) {
                out.push(Block::Paragraph(vec![Inline::Text(text.to_string())]));
            }
        }
    }
}

fn read_task_items(nodes: &[Value]) -> Vec<ListItem> {
    let mut items: Vec<ListItem> = Vec::new();
    for node in nodes {
        match node["type"].as_str().unwrap_or("") {
            "taskList" | "decisionList" => {
                let nested = Block::List {
                    kind: ListKind::Bullet,
                    items: read_task_items(children(node)),
                };
                match items.last_mut() {
                    Some(last) => last.content.push(nested),
                    None => items.push(ListItem {
                        task: None,
                        content: vec![nested],
                    }),
                }
            }
            "blockTaskItem" => items.push(ListItem {
                task: Some(attr(node, "state") == Some("DONE")),
                content: read_blocks(children(node)),
            }),
            _ => {
                let state = attr(node, "state");
                let content = read_inlines(children(node));
                items.push(ListItem {
                    task: Some(matches!(state, Some("DONE" | "DECIDED"))),
                    content: if content.is_empty() {
                        Vec::new()
                    } else {
                        vec![Block::Paragraph(content)]
                    },
                });
            }
        }
    }
    items
}

fn card_url(node: &Value) -> Option<String> {
    attr(node, "url")
        .or_else(|| node["attrs"]["data"]["url"].as_str())
        .map(str::to_string)
}

fn read_media(node: &Value) -> Option<Inline> {
    if attr(node, "type") == Some("external") {
        let src = attr(node, "url")?.to_string();
        let alt = attr(node, "alt").unwrap_or("").to_string();
        return Some(Inline::Image { src, alt });
    }
    let name = attr(node, "alt")
        .filter(|a| !a.is_empty())
        .or_else(|| attr(node, "id"))
        .unwrap_or("media");
    Some(Inline::Attachment(name.to_string()))
}

fn read_inlines(nodes: &[Value]) -> Vec<Inline> {
    let mut out = Vec::new();
    for node in nodes {
        read_inline(node, &mut out);
    }
    normalize_inlines(out)
}

fn read_inline(node: &Value, out: &mut Vec<Inline>) {
    match node["type"].as_str().unwrap_or("") {
        "text" => {
            let text = node["text"].as_str().unwrap_or("").to_string();
            let marks = node["marks"].as_array().map_or(&[][..], Vec::as_slice);
            out.push(apply_marks(text, marks));
        }
        "hardBreak" => out.push(Inline::HardBreak),
        "mention" => {
            let name = attr(node, "text")
                .unwrap_or("")
                .trim_start_matches('@')
                .to_string();
            match attr(node, "id") {
                Some(id) => out.push(Inline::Mention {
                    name,
                    user: UserRef::AccountId(id.to_string()),
                }),
                None => out.push(Inline::Text(format!("@{name}"))),
            }
        }
        "emoji" => {
            let text = attr(node, "text")
                .or_else(|| attr(node, "shortName"))
                .unwrap_or("");
            out.push(Inline::Emoji(text.to_string()));
        }
        "inlineCard" => {
            if let Some(url) = card_url(node) {
                out.push(Inline::AutoLink(url));
            }
        }
        "status" => out.push(Inline::Status(attr(node, "text").unwrap_or("").to_string())),
        "date" => {
            let timestamp = attr(node, "timestamp").unwrap_or("");
            out.push(Inline::Text(format_timestamp(timestamp)));
        }
        "media" | "mediaInline" => out.extend(read_media(node)),
        _ => {
            if node["content"].is_array() {
                for child in children(node) {
                    read_inline(child, out);
                }
            } else if let Some(text) = node["text"].as_str().or_else(|| attr(node, "text")) {
                out.push(Inline::Text(text.to_string()));
            }
        }
    }
}

/// Wraps text in its marks in a fixed order (link outermost, code innermost)
/// so that neighbouring text nodes sharing marks merge cleanly.
fn apply_marks(text: String, marks: &[Value]) -> Inline {
    let has = |t: &str| marks.iter().any(|m| m["type"] == t);
    let mut inline = if has("code") {
        Inline::Code(text)
    } else {
        Inline::Text(text)
    };
    for (mark, style) in [
        ("underline", Style::Underline),
        ("strike", Style::Strike),
        ("em", Style::Emphasis),
        ("strong", Style::Strong),
    ] {
        if has(mark) {
            inline = Inline::Styled(style, vec![inline]);
        }
    }
    if let Some(href) = marks
        .iter()
        .find(|m| m["type"] == "link")
        .and_then(|m| m["attrs"]["href"].as_str())
    {
        inline = Inline::Link {
            href: href.to_string(),
            content: vec![inline],
        };
    }
    inline
}

/// ADF dates are milliseconds since the epoch (as a string); shown as a UTC
/// calendar date. Anything unparsable is shown as given.
fn format_timestamp(timestamp: &str) -> String {
    let Ok(millis) = timestamp.trim().parse::<i64>() else {
        return timestamp.to_string();
    };
    let days = millis.div_euclid(86_400_000);
    // Civil-from-days over 400-year eras of 146 097 days, March-based years.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
#[path = "adf_tests.rs"]
mod tests;
