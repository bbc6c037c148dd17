//! Confluence storage format text → a small element tree, built with
//! `quick-xml` but permissively: mismatched or unclosed tags are closed
//! where they can be, HTML void elements need no `/>`, all HTML5 named
//! entities such as `&nbsp;` are resolved, a stray `<` or `&` is text.
//! Storage written by old editors or other tools is often not well-formed;
//! whatever the XML parser cannot read is kept as text rather than failing
//! the page.

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

use super::md_read::MAX_DEPTH;

/// A node of the element tree.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Element {
        name: String,
        attrs: Vec<(String, String)>,
        children: Vec<Node>,
    },
    Text(String),
    /// CDATA and `<pre>` text, whose whitespace matters.
    Raw(String),
}

const VOID: [&str; 6] = ["br", "hr", "img", "col", "meta", "input"];

fn element(start: &BytesStart<'_>) -> Node {
    let name = start.name().as_ref().to_ascii_lowercase();
    let attrs = start
        .attributes()
        .with_checks(false)
        .filter_map(Result::ok)
        .map(|a| {
            let key = a.key.as_ref().to_ascii_lowercase();
            // An unknown entity in an attribute leaves the raw value, which is
            // still more useful than nothing.
            let value = a
                .normalized_value_with(XmlVersion::Implicit1_0, 8, resolve_predefined_entity)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.clone().into_owned());
            (key, value)
        })
        .collect();
    Node::Element {
        name,
        attrs,
        children: Vec::new(),
    }
}

/// Parses a storage fragment into a list of top-level nodes.
pub(crate) fn parse_tree(xhtml: &str) -> Vec<Node> {
    let xhtml = &escape_stray_markup(xhtml);
    let mut reader = quick_xml::Reader::from_str(xhtml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    // Stack of open elements; index 0 is a synthetic root.
    // Elements opened beyond `MAX_DEPTH` are left out (their content is
    // kept in the deepest element), so a pathologically deep page cannot
    // exhaust the stack of the recursive reader; their end tags are skipped.
    let mut transparent = 0usize;
    let mut stack: Vec<Node> = vec![Node::Element {
        name: String::new(),
        attrs: Vec::new(),
        children: Vec::new(),
    }];
    let push_child = |stack: &mut Vec<Node>, node: Node| {
        if let Some(Node::Element { children, .. }) = stack.last_mut() {
            children.push(node);
        }
    };
    let close_top = |stack: &mut Vec<Node>| {
        if stack.len() > 1
            && let Some(node) = stack.pop()
            && let Some(Node::Element { children, .. }) = stack.last_mut()
        {
            children.push(node);
        }
    };
    loop {
        let position = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                let node = element(&start);
                let is_void =
                    matches!(&node, Node::Element { name, .. } if VOID.contains(&name.as_str()));
                if is_void {
                    push_child(&mut stack, node);
                } else {
                    if stack.len() > MAX_DEPTH {
                        transparent += 1;
                    } else {
                        stack.push(node);
                    }
                }
            }
            Ok(Event::Empty(start)) => push_child(&mut stack, element(&start)),
            Ok(Event::End(_)) if transparent > 0 => transparent -= 1,
            Ok(Event::End(end)) => {
                let name = end.name().as_ref().to_ascii_lowercase();
                let open = stack
                    .iter()
                    .rposition(|n| matches!(n, Node::Element { name: n, .. } if *n == name));
                // A close tag with no matching open tag is ignored; one that
                // matches an outer element closes everything inside it.
                if let Some(index) = open.filter(|&i| i > 0) {
                    while stack.len() > index {
                        close_top(&mut stack);
                    }
                }
            }
            Ok(Event::Text(text)) => {
                push_child(&mut stack, Node::Text(text.xml10_content().into_owned()))
            }
            Ok(Event::CData(data)) => {
                let text = data.into_inner().into_owned();
                push_child(&mut stack, Node::Raw(text));
            }
            Ok(Event::GeneralRef(reference)) => {
                let text = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = reference.xml10_content();
                        resolve_predefined_entity(&name)
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("&{name};"))
                    }
                };
                push_child(&mut stack, Node::Text(text));
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => {
                // Malformed beyond repair from here on: keep the rest as text.
                let start = usize::try_from(position)
                    .unwrap_or(xhtml.len())
                    .min(xhtml.len());
                let rest = xhtml.get(start..).unwrap_or("");
                push_child(&mut stack, Node::Text(strip_tags(rest)));
                break;
            }
        }
    }
    while stack.len() > 1 {
        close_top(&mut stack);
    }
    match stack.pop() {
        Some(Node::Element { children, .. }) => children,
        _ => Vec::new(),
    }
}

/// Escapes a `<` that cannot start a tag and an `&` that does not start an
/// entity. Hand-edited storage contains both (`a < b`, `R & D`), and an XML
/// parser would otherwise swallow the text after them as a tag or stop.
/// CDATA sections are copied untouched: their content is literal.
fn escape_stray_markup(xhtml: &str) -> String {
    let mut out = String::with_capacity(xhtml.len());
    let mut rest = xhtml;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<![CDATA[") {
            let end = rest.find("]]>").map_or(rest.len(), |e| e + 3);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let after = &rest[c.len_utf8()..];
        match c {
            '<' if !after
                .starts_with(|n: char| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')) =>
            {
                out.push_str("&lt;")
            }
            '&' if !starts_with_entity(after) => out.push_str("&amp;"),
            _ => out.push(c),
        }
        rest = after;
    }
    out
}

fn starts_with_entity(text: &str) -> bool {
    let Some(end) = text.find(';') else {
        return false;
    };
    let name = &text[..end];
    let numeric = name.strip_prefix('#').is_some_and(|n| {
        let hex = n.strip_prefix(['x', 'X']);
        match hex {
            Some(h) => !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()),
            None => !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()),
        }
    });
    let named = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    numeric || named
}

/// The text a reader sees in a storage body: every text node in document order, entities
/// resolved, markup dropped (what Confluence matches an inline comment's selection against).
pub fn visible_text(xhtml: &str) -> String {
    fn walk(nodes: &[Node], out: &mut String) {
        for n in nodes {
            match n {
                Node::Element { children, .. } => walk(children, out),
                Node::Text(t) | Node::Raw(t) => out.push_str(t),
            }
        }
    }
    let mut out = String::with_capacity(xhtml.len());
    walk(&parse_tree(xhtml), &mut out);
    out
}

/// Crude tag removal for the unparsable tail of a document; an unclosed `<…`
/// keeps its text.
fn strip_tags(text: &str) -> String {
    let mut out = String::new();
    let mut pending = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                out.push_str(&pending);
                pending.clear();
                in_tag = true;
            }
            '>' if in_tag => {
                pending.clear();
                in_tag = false;
            }
            _ if in_tag => pending.push(c),
            _ => out.push(c),
        }
    }
    out.push_str(pending.trim_start_matches("![CDATA["));
    out
}
