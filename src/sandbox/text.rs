//! Rich text: ADF (Jira Cloud, Confluence `atlas_doc_format`), wiki markup (Jira Server/DC),
//! HTML (Confluence storage format and Jira `renderedFields`) and plain text (search).
//!
//! ADF is the canonical form: seeded content is built as ADF and every other
//! representation is derived from it, so all flavours show the same document.

use serde_json::{Value, json};

/// A stored rich-text value with the representations each API flavour serves.
#[derive(Debug, Clone, PartialEq)]
pub struct RichText {
    /// Atlassian Document Format document (`{"type":"doc","version":1,...}`).
    pub adf: Value,
    /// Jira wiki markup, served on the Server/DC paths.
    pub wiki: String,
}

impl RichText {
    /// From an ADF document (Cloud writes and the seed).
    pub fn from_adf(adf: Value) -> Self {
        let wiki = adf_to_wiki(&adf);
        Self { adf, wiki }
    }

    /// From wiki markup (Server/DC writes); the ADF form keeps one paragraph per line.
    pub fn from_wiki(wiki: &str) -> Self {
        let content: Vec<Value> = wiki
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| para(vec![text(l)]))
            .collect();
        Self {
            adf: doc(content),
            wiki: wiki.to_owned(),
        }
    }

    /// Plain text for `~` searches.
    pub fn plain(&self) -> String {
        let mut out = String::new();
        adf_plain(&self.adf, &mut out);
        out
    }

    /// HTML as Jira's `renderedFields` would show it.
    pub fn html(&self) -> String {
        adf_to_html(&self.adf, false)
    }
}

/// `{"type":"doc","version":1,"content":[...]}`.
pub fn doc(content: Vec<Value>) -> Value {
    json!({"type": "doc", "version": 1, "content": content})
}
/// A text node.
pub fn text(s: &str) -> Value {
    json!({"type": "text", "text": s})
}
/// A text node with one mark (`strong`, `em`, `code`).
pub fn marked(s: &str, mark: &str) -> Value {
    json!({"type": "text", "text": s, "marks": [{"type": mark}]})
}
/// A paragraph.
pub fn para(content: Vec<Value>) -> Value {
    json!({"type": "paragraph", "content": content})
}
/// A heading of `level` 1..=6.
pub fn heading(level: u8, s: &str) -> Value {
    json!({"type": "heading", "attrs": {"level": level}, "content": [text(s)]})
}
/// A bullet (`ordered == false`) or ordered list of plain-text items.
pub fn list(ordered: bool, items: &[&str]) -> Value {
    let items: Vec<Value> = items
        .iter()
        .map(|i| json!({"type": "listItem", "content": [para(vec![text(i)])]}))
        .collect();
    let kind = if ordered { "orderedList" } else { "bulletList" };
    json!({"type": kind, "content": items})
}
/// A code block.
pub fn code(language: &str, body: &str) -> Value {
    json!({"type": "codeBlock", "attrs": {"language": language}, "content": [text(body)]})
}
/// A table whose first row is the header row.
/// A panel (`info`, `note`, `warning`, `success`, `error`) around blocks.
pub fn panel(kind: &str, content: Vec<Value>) -> Value {
    json!({"type": "panel", "attrs": {"panelType": kind}, "content": content})
}

/// A mention of an account id, shown as `@name`.
pub fn mention(account_id: &str, name: &str) -> Value {
    json!({"type": "mention", "attrs": {"id": account_id, "text": format!("@{name}")}})
}

/// An emoji by short name (`:smile:`).
pub fn emoji(short_name: &str, fallback: &str) -> Value {
    json!({"type": "emoji", "attrs": {"shortName": short_name, "text": fallback}})
}

/// A status lozenge.
pub fn status(label: &str, colour: &str) -> Value {
    json!({"type": "status", "attrs": {"text": label, "color": colour}})
}

/// An attached image shown in the body, by attachment file name.
pub fn media(file_name: &str) -> Value {
    json!({"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [
        {"type": "media", "attrs": {"type": "file", "id": format!("sandbox-{file_name}"), "collection": "", "alt": file_name}}
    ]})
}

pub fn table(rows: &[&[&str]]) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, cells)| {
            let kind = if i == 0 { "tableHeader" } else { "tableCell" };
            let cells: Vec<Value> = cells
                .iter()
                .map(|c| json!({"type": kind, "attrs": {}, "content": [para(vec![text(c)])]}))
                .collect();
            json!({"type": "tableRow", "content": cells})
        })
        .collect();
    json!({"type": "table", "attrs": {"isNumberColumnEnabled": false, "layout": "default"}, "content": rows})
}

fn children(node: &Value) -> &[Value] {
    node.get("content")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn node_type(node: &Value) -> &str {
    node.get("type").and_then(Value::as_str).unwrap_or("")
}

fn has_mark(node: &Value, mark: &str) -> bool {
    node.get("marks")
        .and_then(Value::as_array)
        .is_some_and(|m| m.iter().any(|m| node_type(m) == mark))
}

fn link_href(node: &Value) -> Option<&str> {
    node.get("marks")?
        .as_array()?
        .iter()
        .find(|m| node_type(m) == "link")?
        .pointer("/attrs/href")?
        .as_str()
}

fn adf_plain(node: &Value, out: &mut String) {
    if let Some(t) = node.get("text").and_then(Value::as_str) {
        out.push_str(t);
    }
    for c in children(node) {
        adf_plain(c, out);
    }
    if matches!(
        node_type(node),
        "paragraph" | "heading" | "codeBlock" | "listItem" | "tableCell" | "tableHeader"
    ) {
        out.push('\n');
    }
}

fn inline_wiki(nodes: &[Value]) -> String {
    let mut out = String::new();
    for n in nodes {
        match node_type(n) {
            "text" => {
                let t = n.get("text").and_then(Value::as_str).unwrap_or("");
                let mut s = t.to_owned();
                if has_mark(n, "code") {
                    s = format!("{{{{{s}}}}}");
                }
                if has_mark(n, "strong") {
                    s = format!("*{s}*");
                }
                if has_mark(n, "em") {
                    s = format!("_{s}_");
                }
                if let Some(href) = link_href(n) {
                    s = format!("[{s}|{href}]");
                }
                out.push_str(&s);
            }
            "hardBreak" => out.push_str("\\\\\n"),
            "mention" => {
                let id = n.pointer("/attrs/id").and_then(Value::as_str).unwrap_or("");
                out.push_str(&format!("[~accountid:{id}]"));
            }
            "emoji" => out.push_str(attr_str(n, "shortName")),
            // Wiki markup has no lozenge: Jira writes the label in brackets.
            "status" => out.push_str(&format!("*[{}]*", attr_str(n, "text").to_uppercase())),
            _ => out.push_str(&inline_wiki(children(n))),
        }
    }
    out
}

fn attr_str<'a>(n: &'a Value, name: &str) -> &'a str {
    n.pointer(&format!("/attrs/{name}"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The wiki macro of a panel type.
fn panel_macro(kind: &str) -> &'static str {
    match kind {
        "note" => "note",
        "warning" | "error" => "warning",
        "success" => "tip",
        _ => "info",
    }
}

fn list_wiki(node: &Value, prefix: &str, out: &mut Vec<String>) {
    let marker = if node_type(node) == "orderedList" {
        "#"
    } else {
        "*"
    };
    let prefix = format!("{prefix}{marker}");
    for item in children(node) {
        for part in children(item) {
            match node_type(part) {
                "bulletList" | "orderedList" => list_wiki(part, &prefix, out),
                _ => out.push(format!("{prefix} {}", inline_wiki(children(part)))),
            }
        }
    }
}

/// Converts an ADF document into Jira wiki markup.
pub fn adf_to_wiki(adf: &Value) -> String {
    let mut blocks = Vec::new();
    for node in children(adf) {
        blocks.push(block_wiki(node));
    }
    blocks.join("\n\n")
}

fn block_wiki(node: &Value) -> String {
    match node_type(node) {
        "paragraph" => inline_wiki(children(node)),
        "heading" => {
            let level = node
                .pointer("/attrs/level")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            format!("h{level}. {}", inline_wiki(children(node)))
        }
        "bulletList" | "orderedList" => {
            let mut lines = Vec::new();
            list_wiki(node, "", &mut lines);
            lines.join("\n")
        }
        "codeBlock" => {
            let lang = node
                .pointer("/attrs/language")
                .and_then(Value::as_str)
                .unwrap_or("");
            let body = inline_plain(children(node));
            if lang.is_empty() {
                format!("{{code}}\n{body}\n{{code}}")
            } else {
                format!("{{code:{lang}}}\n{body}\n{{code}}")
            }
        }
        "blockquote" => {
            let inner: Vec<String> = children(node).iter().map(block_wiki).collect();
            format!("{{quote}}\n{}\n{{quote}}", inner.join("\n"))
        }
        "rule" => "----".to_owned(),
        "panel" => {
            let m = panel_macro(attr_str(node, "panelType"));
            let inner: Vec<String> = children(node).iter().map(block_wiki).collect();
            format!("{{{m}}}\n{}\n{{{m}}}", inner.join("\n\n"))
        }
        "mediaSingle" | "mediaGroup" => children(node)
            .iter()
            .map(|m| format!("!{}|thumbnail!", attr_str(m, "alt")))
            .collect::<Vec<_>>()
            .join(" "),
        "table" => children(node)
            .iter()
            .map(|row| {
                let cells = children(row);
                let header = cells.first().is_some_and(|c| node_type(c) == "tableHeader");
                let sep = if header { "||" } else { "|" };
                let texts: Vec<String> = cells
                    .iter()
                    .map(|c| {
                        let parts: Vec<String> = children(c).iter().map(block_wiki).collect();
                        parts.join(" ")
                    })
                    .collect();
                format!("{sep}{}{sep}", texts.join(sep))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => inline_wiki(children(node)),
    }
}

fn inline_plain(nodes: &[Value]) -> String {
    nodes
        .iter()
        .map(|n| n.get("text").and_then(Value::as_str).unwrap_or(""))
        .collect()
}

/// Server/DC wiki names users (`[~alice]`), not account ids: `[~accountid:X]` mentions
/// become `[~name]` where `name_of(X)` knows the user (others are left as they are).
pub fn mentions_by_name(wiki: &str, name_of: impl Fn(&str) -> Option<String>) -> String {
    const OPEN: &str = "[~accountid:";
    let mut out = String::with_capacity(wiki.len());
    let mut rest = wiki;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let Some(end) = after.find(']') else {
            out.push_str(&rest[at..]);
            return out;
        };
        match name_of(&after[..end]) {
            Some(name) => out.push_str(&format!("[~{name}]")),
            None => out.push_str(&rest[at..at + OPEN.len() + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Escapes text for HTML/XHTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn inline_html(nodes: &[Value]) -> String {
    let mut out = String::new();
    for n in nodes {
        match node_type(n) {
            "text" => {
                let mut s = escape(n.get("text").and_then(Value::as_str).unwrap_or(""));
                if has_mark(n, "code") {
                    s = format!("<code>{s}</code>");
                }
                if has_mark(n, "strong") {
                    s = format!("<strong>{s}</strong>");
                }
                if has_mark(n, "em") {
                    s = format!("<em>{s}</em>");
                }
                if let Some(href) = link_href(n) {
                    s = format!("<a href=\"{}\">{s}</a>", escape(href));
                }
                out.push_str(&s);
            }
            "hardBreak" => out.push_str("<br />"),
            "emoji" => out.push_str(&escape(attr_str(n, "text"))),
            "mention" => out.push_str(&escape(attr_str(n, "text"))),
            "status" => out.push_str(&format!(
                "<span class=\"status-macro\">{}</span>",
                escape(&attr_str(n, "text").to_uppercase())
            )),
            _ => out.push_str(&inline_html(children(n))),
        }
    }
    out
}

/// Converts ADF to HTML; `storage` selects Confluence storage format (code macro).
pub fn adf_to_html(adf: &Value, storage: bool) -> String {
    children(adf)
        .iter()
        .map(|n| block_html(n, storage))
        .collect()
}

fn block_html(node: &Value, storage: bool) -> String {
    let inner = || -> String {
        children(node)
            .iter()
            .map(|n| block_html(n, storage))
            .collect()
    };
    match node_type(node) {
        "paragraph" => format!("<p>{}</p>", inline_html(children(node))),
        "heading" => {
            let level = node
                .pointer("/attrs/level")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            format!("<h{level}>{}</h{level}>", inline_html(children(node)))
        }
        "bulletList" => format!("<ul>{}</ul>", inner()),
        "orderedList" => format!("<ol>{}</ol>", inner()),
        "listItem" => format!("<li>{}</li>", inner()),
        "codeBlock" => {
            let lang = node
                .pointer("/attrs/language")
                .and_then(Value::as_str)
                .unwrap_or("");
            let body = inline_plain(children(node));
            if storage {
                format!(
                    "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"language\">{}</ac:parameter><ac:plain-text-body><![CDATA[{}]]></ac:plain-text-body></ac:structured-macro>",
                    escape(lang),
                    body.replace("]]>", "]]]]><![CDATA[>")
                )
            } else {
                format!(
                    "<pre><code class=\"language-{}\">{}</code></pre>",
                    escape(lang),
                    escape(&body)
                )
            }
        }
        "blockquote" => format!("<blockquote>{}</blockquote>", inner()),
        "rule" => "<hr />".to_owned(),
        "panel" => {
            let m = panel_macro(attr_str(node, "panelType"));
            if storage {
                format!(
                    "<ac:structured-macro ac:name=\"{m}\"><ac:rich-text-body>{}</ac:rich-text-body></ac:structured-macro>",
                    inner()
                )
            } else {
                format!("<div class=\"panel {m}\">{}</div>", inner())
            }
        }
        "mediaSingle" | "mediaGroup" => children(node)
            .iter()
            .map(|m| {
                let name = escape(attr_str(m, "alt"));
                if storage {
                    format!("<ac:image><ri:attachment ri:filename=\"{name}\" /></ac:image>")
                } else {
                    format!("<img alt=\"{name}\" />")
                }
            })
            .collect(),
        "table" => format!("<table><tbody>{}</tbody></table>", inner()),
        "tableRow" => format!("<tr>{}</tr>", inner()),
        "tableHeader" => format!("<th>{}</th>", inner()),
        "tableCell" => format!("<td>{}</td>", inner()),
        "text" | "hardBreak" => inline_html(std::slice::from_ref(node)),
        _ => inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        doc(vec![
            heading(2, "Overview"),
            para(vec![
                text("Plain "),
                marked("bold", "strong"),
                text(" and "),
                marked("x < y", "code"),
            ]),
            list(false, &["one", "two"]),
            list(true, &["first"]),
            table(&[&["Name", "Value"], &["a", "1"]]),
            code("rust", "fn main() {}"),
        ])
    }

    #[test]
    fn account_id_mentions_become_names_for_server_wiki() {
        let name = |id: &str| (id == "a1").then(|| "alice".to_owned());
        assert_eq!(
            mentions_by_name("hi [~accountid:a1] and [~accountid:zz] [~accountid:", name),
            "hi [~alice] and [~accountid:zz] [~accountid:"
        );
    }

    #[test]
    fn adf_converts_to_wiki_markup() {
        let wiki = adf_to_wiki(&sample());
        assert_eq!(
            wiki,
            "h2. Overview\n\nPlain *bold* and {{x < y}}\n\n* one\n* two\n\n# first\n\n||Name||Value||\n|a|1|\n\n{code:rust}\nfn main() {}\n{code}"
        );
    }

    #[test]
    fn adf_converts_to_storage_and_rendered_html() {
        let storage = adf_to_html(&sample(), true);
        assert!(storage.starts_with(
            "<h2>Overview</h2><p>Plain <strong>bold</strong> and <code>x &lt; y</code></p>"
        ));
        assert!(storage.contains("<table><tbody><tr><th><p>Name</p></th>"));
        assert!(storage.contains("<ac:plain-text-body><![CDATA[fn main() {}]]>"));
        let rendered = adf_to_html(&sample(), false);
        assert!(rendered.contains("<pre><code class=\"language-rust\">fn main() {}</code></pre>"));
    }

    #[test]
    fn wiki_writes_keep_the_markup_and_make_plain_adf() {
        let rt = RichText::from_wiki("line one\n\nline *two*");
        assert_eq!(rt.wiki, "line one\n\nline *two*");
        assert_eq!(rt.adf["content"].as_array().map(Vec::len), Some(2));
        assert!(rt.plain().contains("line *two*"));
    }
}
