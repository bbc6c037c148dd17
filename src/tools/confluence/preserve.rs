//! Read-modify-write never loses content: which constructs of a page's storage body a trip
//! through Markdown would drop (macros Markdown has no form for, page layouts, mentions,
//! styled elements), so `confluence_update_page` can refuse to flatten them silently.

use std::collections::BTreeMap;

use crate::atlassian::markup::{markdown_to_storage, storage_to_markdown};

/// Storage elements that are parts of a construct rather than constructs of their own.
const PARTS: [&str; 9] = [
    "ac:parameter",
    "ac:rich-text-body",
    "ac:plain-text-body",
    "ac:layout-section",
    "ac:layout-cell",
    "ac:task-body",
    "ac:task-id",
    "ac:task-status",
    "ac:link-body",
];

/// Counts of the constructs in a storage body: `macro NAME`, `page layout`, `user mention`,
/// other `ac:`/`ri:` elements by name, and elements with a `style` attribute.
fn constructs(storage: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let mut rest = storage;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        rest = &rest[end..];
        if tag.starts_with('/') || tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default();
        let label = match name {
            "ac:structured-macro" | "ac:macro" => {
                let macro_name = attr(tag, "ac:name").unwrap_or("unnamed");
                Some(format!("macro {macro_name}"))
            }
            "ac:layout" => Some("page layout".to_owned()),
            "ri:user" => Some("user mention".to_owned()),
            n if PARTS.contains(&n) => None,
            n if n.starts_with("ac:") || n.starts_with("ri:") => Some(n.to_owned()),
            _ if attr(tag, "style").is_some() => Some("styled element".to_owned()),
            _ => None,
        };
        if let Some(l) = label {
            *out.entry(l).or_insert(0) += 1;
        }
    }
    out
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
    tag[at..].split('"').next()
}

/// The constructs of `storage` a round trip through Markdown loses, each with how many
/// (e.g. `macro toc`, `page layout`); empty when Markdown carries the page whole.
pub fn lost_in_markdown(storage: &str) -> Vec<String> {
    let before = constructs(storage);
    let after = constructs(&markdown_to_storage(&storage_to_markdown(storage)));
    before
        .into_iter()
        .filter_map(|(name, n)| {
            let kept = after.get(&name).copied().unwrap_or(0);
            (n > kept).then(|| {
                let lost = n - kept;
                if lost == 1 {
                    name
                } else {
                    format!("{name} ×{lost}")
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_layouts_and_mentions_are_found_and_plain_pages_pass() {
        let page = r#"<ac:layout><ac:layout-section ac:type="two_equal"><ac:layout-cell><ac:structured-macro ac:name="toc"><ac:parameter ac:name="maxLevel">3</ac:parameter></ac:structured-macro><h2>A</h2></ac:layout-cell><ac:layout-cell><ac:structured-macro ac:name="jira"><ac:parameter ac:name="key">DEMO-1</ac:parameter></ac:structured-macro><ac:structured-macro ac:name="jira"><ac:parameter ac:name="key">DEMO-2</ac:parameter></ac:structured-macro><p><ac:link><ri:user ri:account-id="abc"/></ac:link> owns it.</p></ac:layout-cell></ac:layout-section></ac:layout>"#;
        let lost = lost_in_markdown(page);
        for want in ["macro toc", "macro jira ×2", "page layout"] {
            assert!(lost.iter().any(|l| l == want), "{want} not in {lost:?}");
        }
        assert!(
            lost_in_markdown(
                "<h1>Title</h1><p>Some <strong>bold</strong> text.</p><ul><li>a</li></ul>"
            )
            .is_empty()
        );
        let code = r#"<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">rust</ac:parameter><ac:plain-text-body><![CDATA[fn main() {}]]></ac:plain-text-body></ac:structured-macro>"#;
        assert!(
            lost_in_markdown(code).is_empty(),
            "{:?}",
            lost_in_markdown(code)
        );
    }
}
