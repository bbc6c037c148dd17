//! Examples for the ADF converter in both directions, the schema check of
//! everything it writes, and the real jira-cli sample document.

use super::super::test_support::assert_valid_adf;
use super::*;
use serde_json::json;

fn doc(content: Value) -> Value {
    json!({"version": 1, "type": "doc", "content": content})
}

fn para(content: Value) -> Value {
    json!({"type": "paragraph", "content": content})
}

/// Converts Markdown to ADF, checks it against the schema and returns it.
fn to_adf(md: &str) -> Value {
    let adf = markdown_to_adf(md);
    assert_valid_adf(&adf);
    adf
}

#[test]
fn headings_and_paragraphs_become_adf_nodes() {
    assert_eq!(
        to_adf("## Title\n\nBody text"),
        doc(json!([
            {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Title"}]},
            para(json!([{"type": "text", "text": "Body text"}])),
        ]))
    );
}

#[test]
fn emphasis_becomes_marks() {
    assert_eq!(
        to_adf("**b** *i* ~~s~~ <u>u</u> `c` [l](https://x.io)"),
        doc(json!([para(json!([
            {"type": "text", "text": "b", "marks": [{"type": "strong"}]},
            {"type": "text", "text": " "},
            {"type": "text", "text": "i", "marks": [{"type": "em"}]},
            {"type": "text", "text": " "},
            {"type": "text", "text": "s", "marks": [{"type": "strike"}]},
            {"type": "text", "text": " "},
            {"type": "text", "text": "u", "marks": [{"type": "underline"}]},
            {"type": "text", "text": " "},
            {"type": "text", "text": "c", "marks": [{"type": "code"}]},
            {"type": "text", "text": " "},
            {"type": "text", "text": "l", "marks": [{"type": "link", "attrs": {"href": "https://x.io"}}]},
        ]))]))
    );
}

#[test]
fn code_inside_bold_keeps_only_the_code_mark() {
    assert_eq!(
        to_adf("**`x`**"),
        doc(json!([para(
            json!([{"type": "text", "text": "x", "marks": [{"type": "code"}]}])
        )]))
    );
}

#[test]
fn fenced_code_keeps_its_language() {
    assert_eq!(
        to_adf("```rust\nlet a = 1;\n```"),
        doc(json!([{"type": "codeBlock", "attrs": {"language": "rust"},
            "content": [{"type": "text", "text": "let a = 1;"}]}]))
    );
}

#[test]
fn ordered_and_nested_lists_become_list_nodes() {
    assert_eq!(
        to_adf("3. a\n   - b"),
        doc(
            json!([{"type": "orderedList", "attrs": {"order": 3}, "content": [
                {"type": "listItem", "content": [
                    para(json!([{"type": "text", "text": "a"}])),
                    {"type": "bulletList", "content": [
                        {"type": "listItem", "content": [para(json!([{"type": "text", "text": "b"}]))]}
                    ]}
                ]}
            ]}])
        )
    );
}

#[test]
fn task_lists_become_task_items_with_states() {
    let adf = to_adf("- [ ] todo\n- [x] done");
    let items = &adf["content"][0]["content"];
    assert_eq!(adf["content"][0]["type"], "taskList");
    assert_eq!(items[0]["attrs"]["state"], "TODO");
    assert_eq!(items[1]["attrs"]["state"], "DONE");
    assert_eq!(
        items[1]["content"],
        json!([{"type": "text", "text": "done"}])
    );
    assert_eq!(adf_to_markdown(&adf), "- [ ] todo\n- [x] done\n");
}

#[test]
fn tables_get_header_cells_from_the_first_row() {
    assert_eq!(
        to_adf("| a | b |\n|---|---|\n| 1 |  |"),
        doc(json!([{"type": "table", "content": [
            {"type": "tableRow", "content": [
                {"type": "tableHeader", "content": [para(json!([{"type": "text", "text": "a"}]))]},
                {"type": "tableHeader", "content": [para(json!([{"type": "text", "text": "b"}]))]},
            ]},
            {"type": "tableRow", "content": [
                {"type": "tableCell", "content": [para(json!([{"type": "text", "text": "1"}]))]},
                {"type": "tableCell", "content": [para(json!([]))]},
            ]},
        ]}]))
    );
}

#[test]
fn labelled_quotes_become_panels_and_plain_quotes_stay_quotes() {
    assert_eq!(
        to_adf("> **Warning:** careful\n\n> quoted"),
        doc(json!([
            {"type": "panel", "attrs": {"panelType": "warning"}, "content": [para(json!([{"type": "text", "text": "careful"}]))]},
            {"type": "blockquote", "content": [para(json!([{"type": "text", "text": "quoted"}]))]},
        ]))
    );
}

#[test]
fn blocks_adf_forbids_in_a_container_are_flattened_not_dropped() {
    let adf = to_adf("> # Heading in quote\n>\n> > nested\n\n- | a |\n  |---|\n  | b |");
    let md = adf_to_markdown(&adf);
    assert_eq!(md, "> Heading in quote\n>\n> nested\n\n- a\n\n  b\n");
}

#[test]
fn mention_links_become_mention_nodes_and_back() {
    let adf = to_adf("ping [@Ann Lee](accountid:5fb8)");
    assert_eq!(
        adf["content"][0]["content"][1],
        json!({"type": "mention", "attrs": {"id": "5fb8", "text": "@Ann Lee"}})
    );
    assert_eq!(adf_to_markdown(&adf), "ping [@Ann Lee](accountid:5fb8)\n");
}

#[test]
fn autolinks_become_inline_cards_and_back() {
    let adf = to_adf("see <https://x.io/a>");
    assert_eq!(
        adf["content"][0]["content"][1],
        json!({"type": "inlineCard", "attrs": {"url": "https://x.io/a"}})
    );
    assert_eq!(adf_to_markdown(&adf), "see <https://x.io/a>\n");
}

#[test]
fn images_alone_in_a_paragraph_become_external_media() {
    assert_eq!(
        to_adf("![logo](https://x.io/l.png)"),
        doc(
            json!([{"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [
                {"type": "media", "attrs": {"type": "external", "url": "https://x.io/l.png", "alt": "logo"}}
            ]}])
        )
    );
}

#[test]
fn hard_breaks_and_rules_convert_both_ways() {
    let adf = to_adf("a\\\nb\n\n---");
    assert_eq!(
        adf,
        doc(json!([
            para(json!([{"type": "text", "text": "a"}, {"type": "hardBreak"}, {"type": "text", "text": "b"}])),
            {"type": "rule"},
        ]))
    );
    assert_eq!(adf_to_markdown(&adf), "a\\\nb\n\n---\n");
}

#[test]
fn panels_render_as_labelled_quotes() {
    let adf = doc(
        json!([{"type": "panel", "attrs": {"panelType": "info"}, "content": [
            para(json!([{"type": "text", "text": "one"}])),
            para(json!([{"type": "text", "text": "two"}])),
        ]}]),
    );
    assert_eq!(adf_to_markdown(&adf), "> **Info:** one\n>\n> two\n");
}

#[test]
fn inline_nodes_render_readably() {
    let adf = doc(json!([para(json!([
        {"type": "emoji", "attrs": {"shortName": ":smile:", "text": "😄"}},
        {"type": "text", "text": " "},
        {"type": "status", "attrs": {"text": "IN PROGRESS", "color": "blue"}},
        {"type": "text", "text": " "},
        {"type": "date", "attrs": {"timestamp": "1700000000000"}},
        {"type": "text", "text": " "},
        {"type": "emoji", "attrs": {"shortName": ":thumbsup:"}},
    ]))]));
    assert_eq!(
        adf_to_markdown(&adf),
        "😄 [IN PROGRESS] 2023-11-14 :thumbsup:\n"
    );
}

#[test]
fn media_renders_as_an_attachment_placeholder() {
    let adf = doc(json!([
        {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [
            {"type": "media", "attrs": {"type": "file", "id": "abc-123", "collection": "c", "alt": "shot.png"}}
        ]},
        {"type": "mediaGroup", "content": [
            {"type": "media", "attrs": {"type": "file", "id": "f1", "collection": "c"}},
            {"type": "media", "attrs": {"type": "file", "id": "f2", "collection": "c"}}
        ]},
    ]));
    assert_eq!(
        adf_to_markdown(&adf),
        "[attachment: shot.png]\n\n[attachment: f1] [attachment: f2]\n"
    );
}

#[test]
fn expands_decisions_and_block_cards_render_as_markdown() {
    let adf = doc(json!([
        {"type": "expand", "attrs": {"title": "More"}, "content": [para(json!([{"type": "text", "text": "hidden"}]))]},
        {"type": "decisionList", "attrs": {"localId": "d"}, "content": [
            {"type": "decisionItem", "attrs": {"localId": "d1", "state": "DECIDED"}, "content": [{"type": "text", "text": "ship it"}]}
        ]},
        {"type": "blockCard", "attrs": {"url": "https://x.io/card"}},
    ]));
    assert_eq!(
        adf_to_markdown(&adf),
        "> **Expand: More** hidden\n\n- [x] ship it\n\n<https://x.io/card>\n"
    );
}

#[test]
fn expands_round_trip_through_markdown() {
    let adf = to_adf("> **Expand: More** hidden");
    assert_eq!(
        adf,
        doc(
            json!([{"type": "expand", "attrs": {"title": "More"}, "content": [para(json!([{"type": "text", "text": "hidden"}]))]}])
        )
    );
}

#[test]
fn unknown_nodes_keep_their_text() {
    let adf = doc(json!([
        {"type": "layoutSection", "content": [{"type": "layoutColumn", "content": [para(json!([{"type": "text", "text": "in a column"}]))]}]},
        {"type": "futureBlock", "attrs": {"text": "from attrs"}},
        para(json!([{"type": "futureInline", "text": "inline text"}])),
    ]));
    assert_eq!(
        adf_to_markdown(&adf),
        "in a column\n\nfrom attrs\n\ninline text\n"
    );
}

#[test]
fn odd_input_degrades_to_text_or_nothing() {
    assert_eq!(
        adf_to_markdown(&json!("plain *string*")),
        "plain \\*string\\*\n"
    );
    assert_eq!(adf_to_markdown(&json!(42)), "");
    assert_eq!(adf_to_markdown(&json!({"type": "doc"})), "");
    assert_eq!(
        adf_to_markdown(&json!({"type": "text", "text": "lonely"})),
        "lonely\n"
    );
}

#[test]
fn adjacent_text_nodes_with_shared_marks_merge() {
    let adf = doc(json!([para(json!([
        {"type": "text", "text": "Strong", "marks": [{"type": "strong"}]},
        {"type": "text", "text": " and em", "marks": [{"type": "strong"}, {"type": "em"}]},
        {"type": "text", "text": " Paragraph 1"},
    ]))]));
    assert_eq!(adf_to_markdown(&adf), "__Strong *and em*__ Paragraph 1\n");
}

#[test]
fn the_schema_check_rejects_invalid_adf() {
    // Guards the guard: the validator must really apply the schema's `$ref`s.
    let validator = super::super::test_support::adf_validator();
    assert!(validator.is_valid(&doc(json!([para(json!([{"type": "text", "text": "ok"}]))]))));
    assert!(!validator.is_valid(&doc(json!([para(json!([{"type": "text", "text": ""}]))]))));
    assert!(!validator.is_valid(&doc(
        json!([{"type": "panel", "content": [para(json!([]))]}])
    )));
    assert!(
        !validator.is_valid(&doc(json!([{"type": "blockquote", "content": [
            {"type": "heading", "attrs": {"level": 1}, "content": []}
        ]}])))
    );
}

#[test]
fn empty_markdown_gives_an_empty_valid_document() {
    assert_eq!(to_adf(""), doc(json!([])));
}

/// Every text node's text, in document order.
fn texts(node: &Value, out: &mut Vec<String>) {
    if node["type"] == "text"
        && let Some(t) = node["text"].as_str()
    {
        out.push(t.to_string());
    }
    for child in children(node) {
        texts(child, out);
    }
}

/// Drops Markdown backslash escapes so source text can be found in the output.
fn unescape(md: &str) -> String {
    let mut out = String::new();
    let mut chars = md.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(char::is_ascii_punctuation) {
            continue;
        }
        out.push(c);
    }
    out
}

#[test]
fn the_jira_cli_sample_document_keeps_all_its_text() {
    let adf: Value =
        serde_json::from_str(include_str!("testdata/adf-md.json")).expect("sample is JSON");
    let md = adf_to_markdown(&adf);
    let plain = unescape(&md);
    let mut all = Vec::new();
    texts(&adf, &mut all);
    assert!(all.len() > 50, "sample has {} text nodes", all.len());
    for text in all {
        assert!(plain.contains(text.trim()), "{text:?} missing from:\n{md}");
    }
    assert!(md.starts_with("# H1\n\n## H2\n\n1\\. Some text\\\n2\\. Some more text\n\n> Blockquote text\n\nInline Node<https://antiklabs.atlassian.net/wiki/spaces/ANK/pages/124234/hello-world>\n"));
    assert!(md.contains("> **Info:** Panel paragraph\n"));
    assert!(md.contains("[@Person A](accountid:5fb82376aca10c006949f35b)"));
    // A second trip through ADF changes nothing.
    let again = adf_to_markdown(&to_adf(&md));
    assert_eq!(again, md);
}
