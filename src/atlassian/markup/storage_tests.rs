//! Examples for the Confluence storage converter in both directions,
//! including malformed input.

use super::*;

#[test]
fn headings_paragraphs_and_emphasis_become_xhtml() {
    assert_eq!(
        markdown_to_storage("# T\n\n**b** *i* ~~s~~ <u>u</u> `c` a < b & c"),
        "<h1>T</h1><p><strong>b</strong> <em>i</em> <s>s</s> <u>u</u> <code>c</code> a &lt; b &amp; c</p>"
    );
}

#[test]
fn xhtml_emphasis_and_entities_become_markdown() {
    assert_eq!(
        storage_to_markdown(
            "<h2>T</h2><p><b>b</b>&nbsp;<i>i</i> <del>s</del> <u>u</u> <code>c</code> &lt;x&gt; &amp; &#169; &hellip;</p>"
        ),
        "## T\n\n**b**\u{a0}*i* ~~s~~ <u>u</u> `c` \\<x> & © …\n"
    );
}

#[test]
fn code_blocks_use_the_code_macro_both_ways() {
    let storage = "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"language\">rust</ac:parameter><ac:plain-text-body><![CDATA[if a < b && c {}]]></ac:plain-text-body></ac:structured-macro>";
    assert_eq!(
        markdown_to_storage("```rust\nif a < b && c {}\n```"),
        storage
    );
    assert_eq!(
        storage_to_markdown(storage),
        "```rust\nif a < b && c {}\n```\n"
    );
    assert_eq!(
        storage_to_markdown("<pre>x\n  y</pre>"),
        "```\nx\n  y\n```\n"
    );
}

#[test]
fn cdata_terminators_in_code_are_split() {
    let storage = markdown_to_storage("```\na]]>b\n```");
    assert!(
        storage.contains("<![CDATA[a]]]]><![CDATA[>b]]>"),
        "{storage}"
    );
    assert_eq!(storage_to_markdown(&storage), "```\na]]>b\n```\n");
}

#[test]
fn links_and_autolinks_convert_both_ways() {
    assert_eq!(
        markdown_to_storage("[a](https://x.io/?q=1&r=2) <https://y.io>"),
        "<p><a href=\"https://x.io/?q=1&amp;r=2\">a</a> <a href=\"https://y.io\">https://y.io</a></p>"
    );
    assert_eq!(
        storage_to_markdown(
            "<p><a href=\"https://x.io/?q=1&amp;r=2\">a</a> <a href=\"https://y.io\">https://y.io</a></p>"
        ),
        "[a](https://x.io/?q=1&r=2) <https://y.io>\n"
    );
}

#[test]
fn nested_ordered_lists_convert_both_ways() {
    let md = "3. a\n   - b\n4. c\n";
    let storage = "<ol start=\"3\"><li>a<ul><li>b</li></ul></li><li>c</li></ol>";
    assert_eq!(markdown_to_storage(md), storage);
    assert_eq!(storage_to_markdown(storage), md);
    assert_eq!(
        storage_to_markdown("<ul>\n  <li><p>a</p></li>\n  <li><p>b</p></li>\n</ul>"),
        "- a\n- b\n"
    );
}

#[test]
fn tables_convert_both_ways() {
    let md = "| h |\n| --- |\n| c |\n";
    let storage =
        "<table><tbody><tr><th><p>h</p></th></tr><tr><td><p>c</p></td></tr></tbody></table>";
    assert_eq!(markdown_to_storage(md), storage);
    assert_eq!(storage_to_markdown(storage), md);
}

#[test]
fn quotes_and_panels_convert_both_ways() {
    assert_eq!(
        markdown_to_storage("> q"),
        "<blockquote><p>q</p></blockquote>"
    );
    let storage = "<ac:structured-macro ac:name=\"info\"><ac:parameter ac:name=\"title\">T</ac:parameter><ac:rich-text-body><p>body</p></ac:rich-text-body></ac:structured-macro>";
    assert_eq!(markdown_to_storage("> **Info: T** body"), storage);
    assert_eq!(storage_to_markdown(storage), "> **Info: T** body\n");
    assert_eq!(
        storage_to_markdown(
            "<ac:structured-macro ac:name=\"warning\" ac:schema-version=\"1\" ac:macro-id=\"x\"><ac:rich-text-body><p>w</p></ac:rich-text-body></ac:structured-macro>"
        ),
        "> **Warning:** w\n"
    );
}

#[test]
fn mentions_convert_both_ways() {
    let storage = "<p>hi <ac:link><ri:user ri:account-id=\"5b10\" /></ac:link></p>";
    assert_eq!(markdown_to_storage("hi [@Ann](accountid:5b10)"), storage);
    assert_eq!(storage_to_markdown(storage), "hi [@5b10](accountid:5b10)\n");
    assert_eq!(
        storage_to_markdown("<p><ac:link><ri:user ri:username=\"jdoe\" /></ac:link></p>"),
        "[@jdoe](user:jdoe)\n"
    );
}

#[test]
fn task_lists_convert_both_ways() {
    let storage = "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>todo</ac:task-body></ac:task><ac:task><ac:task-id>2</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>done</ac:task-body></ac:task></ac:task-list>";
    assert_eq!(markdown_to_storage("- [ ] todo\n- [x] done"), storage);
    assert_eq!(storage_to_markdown(storage), "- [ ] todo\n- [x] done\n");
}

#[test]
fn images_attachments_status_and_emoticons_render_as_text() {
    let storage = "<p><ac:image ac:height=\"250\"><ri:attachment ri:filename=\"shot.png\" /></ac:image> <ac:image><ri:url ri:value=\"https://x.io/a.png\" /></ac:image> <ac:structured-macro ac:name=\"status\"><ac:parameter ac:name=\"colour\">Green</ac:parameter><ac:parameter ac:name=\"title\">DONE</ac:parameter></ac:structured-macro> <ac:emoticon ac:name=\"smile\" /> <ac:link><ri:attachment ri:filename=\"a.pdf\" /></ac:link></p>";
    assert_eq!(
        storage_to_markdown(storage),
        "[attachment: shot.png] ![](https://x.io/a.png) [DONE] :smile: [attachment: a.pdf]\n"
    );
    assert_eq!(
        markdown_to_storage("[attachment: shot.png] [attachment: a.pdf]"),
        "<p><ac:image><ri:attachment ri:filename=\"shot.png\" /></ac:image> <ac:link><ri:attachment ri:filename=\"a.pdf\" /></ac:link></p>"
    );
    assert_eq!(
        markdown_to_storage("![logo](https://x.io/l.png)"),
        "<p><ac:image ac:alt=\"logo\"><ri:url ri:value=\"https://x.io/l.png\" /></ac:image></p>"
    );
}

#[test]
fn breaks_and_rules_convert_both_ways() {
    assert_eq!(
        markdown_to_storage("a\\\nb\n\n---"),
        "<p>a<br />b</p><hr />"
    );
    assert_eq!(storage_to_markdown("<p>a<br>b</p><hr>"), "a\\\nb\n\n---\n");
}

#[test]
fn layouts_and_unknown_macros_keep_their_text() {
    let storage = "<ac:layout><ac:layout-section ac:type=\"two_equal\"><ac:layout-cell><p>left</p></ac:layout-cell><ac:layout-cell><p>right</p></ac:layout-cell></ac:layout-section></ac:layout><ac:structured-macro ac:name=\"toc\" /><ac:structured-macro ac:name=\"mystery\"><ac:rich-text-body><p>inside</p></ac:rich-text-body></ac:structured-macro><p><ac:structured-macro ac:name=\"jira\"><ac:parameter ac:name=\"key\">ABC-1</ac:parameter></ac:structured-macro></p>";
    assert_eq!(
        storage_to_markdown(storage),
        "left\n\nright\n\ninside\n\nABC-1\n"
    );
}

#[test]
fn malformed_xhtml_keeps_its_text() {
    assert_eq!(
        storage_to_markdown("<p>open <b>bold</p><p>next"),
        "open **bold**\n\nnext\n"
    );
    assert_eq!(
        storage_to_markdown("<p>a</p></div><p>b &unknown; c</p>"),
        "a\n\nb \\&unknown; c\n"
    );
    assert_eq!(
        storage_to_markdown("<p>x</p><p a=>broken <i>tail</i>"),
        "x\n\nbroken *tail*\n"
    );
    assert_eq!(
        storage_to_markdown("<p>a < b and R & D <b>c</b></p>"),
        "a < b and R & D **c**\n"
    );
    assert_eq!(storage_to_markdown("<p>x</p><![CDATA[ open"), "x\n\nopen\n");
    assert_eq!(storage_to_markdown("plain text"), "plain text\n");
    assert_eq!(storage_to_markdown(""), "");
}

#[test]
fn visible_text_is_the_text_nodes_with_entities_resolved_and_markup_dropped() {
    let s = "<h1>Steps</h1><ol><li><p>Clone the <strong>repo</strong></p></li></ol>\
             <p>Fish &amp; chips &ndash; &#x41;&lt;b&gt;&nbsp;<ac:link><ri:page ri:content-title=\"X\"/></ac:link></p>";
    assert_eq!(
        crate::atlassian::markup::storage_visible_text(s),
        "StepsClone the repoFish & chips \u{2013} A<b>\u{a0}"
    );
}
