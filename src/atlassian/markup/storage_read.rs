//! Confluence storage format element tree (see `storage_tree`) → document model.
//!
//! Knows the HTML structure elements and the common `ac:`/`ri:` ones; any
//! element or macro it does not know is read through to its text, because
//! Confluence apps add macros no converter can know in advance.

use super::ast::{Block, Cell, Inline, ListItem, ListKind, PanelKind, Style, UserRef};
use super::ast::{inline_text, normalize_inlines};
use super::storage_tree::Node;

fn attr<'n>(attrs: &'n [(String, String)], key: &str) -> Option<&'n str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn child<'n>(children: &'n [Node], wanted: &str) -> Option<&'n Node> {
    children
        .iter()
        .find(|c| matches!(c, Node::Element { name, .. } if name == wanted))
}

fn child_children<'n>(children: &'n [Node], wanted: &str) -> &'n [Node] {
    match child(children, wanted) {
        Some(Node::Element { children, .. }) => children,
        _ => &[],
    }
}

/// The `ac:parameter` with the given `ac:name`, as text.
fn macro_param(children: &[Node], key: &str) -> Option<String> {
    children.iter().find_map(|c| match c {
        Node::Element {
            name,
            attrs,
            children,
        } if name == "ac:parameter" && attr(attrs, "ac:name") == Some(key) => {
            Some(node_text(children))
        }
        _ => None,
    })
}

/// All text below the nodes, without any markup.
pub(crate) fn node_text(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Text(t) | Node::Raw(t) => out.push_str(t),
            Node::Element { children, .. } => out.push_str(&node_text(children)),
        }
    }
    out
}

const BLOCK_MACROS: [&str; 9] = [
    "code", "noformat", "info", "note", "warning", "tip", "panel", "expand", "details",
];

fn is_block(node: &Node) -> bool {
    let Node::Element {
        name,
        attrs,
        children,
    } = node
    else {
        return false;
    };
    match name.as_str() {
        "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "pre" | "blockquote" | "ul" | "ol"
        | "table" | "hr" | "div" | "section" | "ac:layout" | "ac:layout-section"
        | "ac:layout-cell" | "ac:task-list" | "ac:rich-text-body" => true,
        "ac:structured-macro" | "ac:macro" => {
            attr(attrs, "ac:name").is_some_and(|n| BLOCK_MACROS.contains(&n))
                || child(children, "ac:rich-text-body").is_some()
        }
        _ => false,
    }
}

/// Reads nodes as blocks; runs of inline nodes become paragraphs.
pub(crate) fn read_blocks(nodes: &[Node]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut pending: Vec<Node> = Vec::new();
    let flush = |pending: &mut Vec<Node>, blocks: &mut Vec<Block>| {
        let inlines = trim_inlines(read_inlines(pending));
        pending.clear();
        if !inlines.is_empty() {
            blocks.push(Block::Paragraph(inlines));
        }
    };
    for node in nodes {
        if is_block(node) {
            flush(&mut pending, &mut blocks);
            read_block(node, &mut blocks);
        } else {
            pending.push(node.clone());
        }
    }
    flush(&mut pending, &mut blocks);
    blocks
}

fn read_block(node: &Node, out: &mut Vec<Block>) {
    let Node::Element {
        name,
        attrs,
        children,
    } = node
    else {
        return;
    };
    match name.as_str() {
        "p" => {
            let inlines = trim_inlines(read_inlines(children));
            if !inlines.is_empty() {
                out.push(Block::Paragraph(inlines));
            }
        }
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => out.push(Block::Heading {
            level: name.as_bytes()[1] - b'0',
            content: trim_inlines(read_inlines(children)),
        }),
        "pre" => out.push(Block::Code {
            language: None,
            text: node_text(children).trim_end_matches('\n').to_string(),
        }),
        "blockquote" => out.push(Block::Quote(read_blocks(children))),
        "ul" | "ol" => {
            let kind = if name == "ul" {
                ListKind::Bullet
            } else {
                ListKind::Ordered(
                    attr(attrs, "start")
                        .and_then(|s| s.trim().parse().ok())
                        .unwrap_or(1),
                )
            };
            let items = children
                .iter()
                .filter_map(|c| match c {
                    Node::Element { name, children, .. } if name == "li" => Some(ListItem {
                        task: None,
                        content: read_blocks(children),
                    }),
                    _ => None,
                })
                .collect();
            out.push(Block::List { kind, items });
        }
        "table" => {
            let mut rows = Vec::new();
            collect_rows(children, &mut rows);
            out.push(Block::Table(rows));
        }
        "hr" => out.push(Block::Rule),
        "ac:task-list" => {
            let items = children
                .iter()
                .filter_map(|c| match c {
                    Node::Element { name, children, .. } if name == "ac:task" => Some(ListItem {
                        task: Some(
                            node_text(child_children(children, "ac:task-status")).trim()
                                == "complete",
                        ),
                        content: read_blocks(child_children(children, "ac:task-body")),
                    }),
                    _ => None,
                })
                .collect();
            out.push(Block::List {
                kind: ListKind::Bullet,
                items,
            });
        }
        "ac:structured-macro" | "ac:macro" => {
            read_macro(attr(attrs, "ac:name").unwrap_or(""), children, out)
        }
        // div, section, layouts, rich-text bodies: containers whose
        // children are the content.
        _ => out.extend(read_blocks(children)),
    }
}

fn read_macro(macro_name: &str, children: &[Node], out: &mut Vec<Block>) {
    match macro_name {
        "code" | "noformat" => out.push(Block::Code {
            language: macro_param(children, "language").filter(|l| !l.trim().is_empty()),
            text: node_text(child_children(children, "ac:plain-text-body"))
                .trim_end_matches('\n')
                .to_string(),
        }),
        "info" | "note" | "warning" | "tip" | "panel" | "expand" | "details" => {
            let kind = PanelKind::from_name(macro_name).unwrap_or(PanelKind::Panel);
            out.push(Block::Panel {
                kind,
                title: macro_param(children, "title").filter(|t| !t.trim().is_empty()),
                content: read_blocks(child_children(children, "ac:rich-text-body")),
            });
        }
        // Unknown macros (toc, jira, children, …): keep their bodies; a
        // macro without a body has no text of its own to keep.
        _ => {
            out.extend(read_blocks(child_children(children, "ac:rich-text-body")));
            let plain = node_text(child_children(children, "ac:plain-text-body"));
            if !plain.trim().is_empty() {
                out.push(Block::Code {
                    language: None,
                    text: plain.trim_end_matches('\n').to_string(),
                });
            }
            if macro_name == "jira"
                && let Some(key) = macro_param(children, "key")
            {
                out.push(Block::Paragraph(vec![Inline::Text(key)]));
            }
        }
    }
}

fn collect_rows(nodes: &[Node], rows: &mut Vec<Vec<Cell>>) {
    for node in nodes {
        let Node::Element { name, children, .. } = node else {
            continue;
        };
        match name.as_str() {
            "tr" => rows.push(
                children
                    .iter()
                    .filter_map(|c| match c {
                        Node::Element { name, children, .. } if name == "th" || name == "td" => {
                            Some(Cell {
                                header: name == "th",
                                content: read_blocks(children),
                            })
                        }
                        _ => None,
                    })
                    .collect(),
            ),
            "thead" | "tbody" | "tfoot" => collect_rows(children, rows),
            _ => {}
        }
    }
}

/// HTML collapses whitespace; leading and trailing spaces of a paragraph
/// come from source indentation, not from the author.
fn trim_inlines(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut inlines = normalize_inlines(inlines);
    if let Some(Inline::Text(t)) = inlines.first_mut() {
        *t = t.trim_start().to_string();
    }
    if let Some(Inline::Text(t)) = inlines.last_mut() {
        *t = t.trim_end().to_string();
    }
    normalize_inlines(inlines)
}

fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        // U+00A0 (`&nbsp;`) is kept: authors use it deliberately.
        if c.is_whitespace() && c != '\u{a0}' {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

pub(crate) fn read_inlines(nodes: &[Node]) -> Vec<Inline> {
    let mut out = Vec::new();
    for node in nodes {
        read_inline(node, &mut out);
    }
    normalize_inlines(out)
}

fn styled(style: Style, children: &[Node]) -> Inline {
    Inline::Styled(style, read_inlines(children))
}

fn read_inline(node: &Node, out: &mut Vec<Inline>) {
    let (name, attrs, children) = match node {
        Node::Text(t) => return out.push(Inline::Text(collapse_whitespace(t))),
        Node::Raw(t) => return out.push(Inline::Text(t.clone())),
        Node::Element {
            name,
            attrs,
            children,
        } => (name.as_str(), attrs, children),
    };
    match name {
        "strong" | "b" => out.push(styled(Style::Strong, children)),
        "em" | "i" => out.push(styled(Style::Emphasis, children)),
        "s" | "del" | "strike" => out.push(styled(Style::Strike, children)),
        "u" | "ins" => out.push(styled(Style::Underline, children)),
        "code" | "tt" => out.push(Inline::Code(node_text(children))),
        "br" => out.push(Inline::HardBreak),
        "a" => {
            let content = read_inlines(children);
            match attr(attrs, "href") {
                Some(href) if inline_text(&content) == href => {
                    out.push(Inline::AutoLink(href.to_string()))
                }
                Some(href) => out.push(Inline::Link {
                    href: href.to_string(),
                    content,
                }),
                None => out.extend(content),
            }
        }
        "ac:link" => read_ac_link(children, out),
        "ac:image" => {
            if let Some(Node::Element { name, attrs, .. }) =
                children.iter().find(|c| matches!(c, Node::Element { .. }))
            {
                if name == "ri:url" {
                    out.push(Inline::Image {
                        src: attr(attrs, "ri:value").unwrap_or("").to_string(),
                        alt: attr(attrs, "ac:alt").unwrap_or("").to_string(),
                    });
                    return;
                }
                let file = attr(attrs, "ri:filename").unwrap_or("image");
                out.push(Inline::Attachment(file.to_string()));
            }
        }
        "ac:emoticon" => {
            let text = attr(attrs, "ac:emoji-fallback")
                .map(str::to_string)
                .or_else(|| attr(attrs, "ac:name").map(|n| format!(":{n}:")))
                .unwrap_or_default();
            out.push(Inline::Emoji(text));
        }
        "time" => {
            if let Some(date) = attr(attrs, "datetime") {
                out.push(Inline::Text(date.to_string()));
            }
        }
        "ac:structured-macro" | "ac:macro" => match attr(attrs, "ac:name") {
            Some("status") => out.push(Inline::Status(
                macro_param(children, "title").unwrap_or_default(),
            )),
            Some("jira") => out.extend(macro_param(children, "key").map(Inline::Text)),
            // Other inline macros: only their bodies hold text.
            _ => out.extend(read_inlines(children)),
        },
        "ac:parameter" | "ri:user" | "ri:page" | "ri:attachment" => {}
        // span, sup, sub, font, inline comment markers, placeholders and
        // unknown elements: their content is what the reader sees.
        _ => out.extend(read_inlines(children)),
    }
}

fn read_ac_link(children: &[Node], out: &mut Vec<Inline>) {
    let body = child(children, "ac:link-body")
        .or_else(|| child(children, "ac:plain-text-link-body"))
        .map(|b| match b {
            Node::Element { children, .. } => read_inlines(children),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    let target = children.iter().find_map(|c| match c {
        Node::Element { name, attrs, .. } if name.starts_with("ri:") => {
            Some((name.as_str(), attrs))
        }
        _ => None,
    });
    match target {
        Some(("ri:user", attrs)) => {
            let user = attr(attrs, "ri:account-id")
                .map(|v| UserRef::AccountId(v.to_string()))
                .or_else(|| attr(attrs, "ri:username").map(|v| UserRef::Username(v.to_string())))
                .or_else(|| attr(attrs, "ri:userkey").map(|v| UserRef::UserKey(v.to_string())));
            match user {
                Some(user) => {
                    let name = if body.is_empty() {
                        user.value().to_string()
                    } else {
                        inline_text(&body)
                    };
                    out.push(Inline::Mention { name, user });
                }
                None => out.extend(body),
            }
        }
        Some(("ri:attachment", attrs)) if body.is_empty() => out.push(Inline::Attachment(
            attr(attrs, "ri:filename")
                .unwrap_or("attachment")
                .to_string(),
        )),
        Some(("ri:page" | "ri:blog-post", attrs)) if body.is_empty() => out.push(Inline::Text(
            attr(attrs, "ri:content-title").unwrap_or("").to_string(),
        )),
        _ => out.extend(body),
    }
}
