//! Examples for the wiki markup converter in both directions, including
//! escaping and broken markup.

use super::*;

#[test]
fn headings_and_emphasis_become_wiki_markup() {
    assert_eq!(
        markdown_to_wiki("## Title\n\n**b** *i* ~~s~~ <u>u</u> `c`"),
        "h2. Title\n\n*b* _i_ -s- +u+ {{c}}"
    );
}

#[test]
fn wiki_emphasis_becomes_markdown() {
    assert_eq!(
        wiki_to_markdown("h3. Title\n*b* _i_ -s- +u+ {{c}} ^sup^ snake_case e-mail"),
        "### Title\n\n**b** *i* ~~s~~ <u>u</u> `c` sup snake_case e-mail\n"
    );
}

#[test]
fn code_blocks_keep_their_language_both_ways() {
    assert_eq!(
        markdown_to_wiki("```java\nint a;\n```"),
        "{code:java}\nint a;\n{code}"
    );
    assert_eq!(
        wiki_to_markdown("{code:language=java|title=x}\nint a;\n{code}"),
        "```java\nint a;\n```\n"
    );
    assert_eq!(
        wiki_to_markdown("{noformat}\n*raw*\n{noformat}"),
        "```\n*raw*\n```\n"
    );
    assert_eq!(
        wiki_to_markdown("{code}one line{code}"),
        "```\none line\n```\n"
    );
}

#[test]
fn links_become_wiki_links_and_back() {
    assert_eq!(
        markdown_to_wiki("[site](https://x.io) <https://y.io>"),
        "[site|https://x.io] [https://y.io]"
    );
    assert_eq!(
        wiki_to_markdown("[site|https://x.io] [https://y.io] see https://z.io."),
        "[site](https://x.io) <https://y.io> see <https://z.io>.\n"
    );
}

#[test]
fn nested_and_mixed_lists_convert_both_ways() {
    let md = "- a\n  1. b\n  2. c\n- d\n";
    let wiki = "* a\n*# b\n*# c\n* d";
    assert_eq!(markdown_to_wiki(md), wiki);
    assert_eq!(wiki_to_markdown(wiki), md);
    assert_eq!(wiki_to_markdown("- dash item"), "- dash item\n");
}

#[test]
fn task_items_keep_their_checkboxes() {
    assert_eq!(
        markdown_to_wiki("- [ ] todo\n- [x] done"),
        "* [ ] todo\n* [x] done"
    );
    assert_eq!(
        wiki_to_markdown("* [ ] todo\n* [x] done"),
        "- [ ] todo\n- [x] done\n"
    );
}

#[test]
fn tables_convert_both_ways() {
    let md = "| a | b |\n| --- | --- |\n| 1 | x\\|y |\n";
    assert_eq!(markdown_to_wiki(md), "||a||b||\n|1|x\\|y|");
    assert_eq!(wiki_to_markdown("||a||b||\n|1|x\\|y|"), md);
    assert_eq!(
        wiki_to_markdown("||h||\n|[l|https://x.io]|"),
        "| h |\n| --- |\n| [l](https://x.io) |\n"
    );
}

#[test]
fn quotes_and_panels_convert_both_ways() {
    assert_eq!(markdown_to_wiki("> quoted"), "{quote}\nquoted\n{quote}");
    assert_eq!(wiki_to_markdown("bq. quoted"), "> quoted\n");
    assert_eq!(wiki_to_markdown("{quote}\nline\n{quote}"), "> line\n");
    assert_eq!(
        markdown_to_wiki("> **Note:** careful"),
        "{note}\ncareful\n{note}"
    );
    assert_eq!(
        wiki_to_markdown("{warning}\ncareful\n{warning}"),
        "> **Warning:** careful\n"
    );
    assert_eq!(
        wiki_to_markdown("{panel:title=Plan|borderStyle=dashed}\nstep\n{panel}"),
        "> **Panel: Plan** step\n"
    );
    assert_eq!(
        markdown_to_wiki("> **Panel: Plan** step"),
        "{panel:title=Plan}\nstep\n{panel}"
    );
}

#[test]
fn mentions_convert_both_ways() {
    assert_eq!(wiki_to_markdown("hi [~jdoe]"), "hi [@jdoe](user:jdoe)\n");
    assert_eq!(
        wiki_to_markdown("[~accountid:5b10]"),
        "[@5b10](accountid:5b10)\n"
    );
    assert_eq!(markdown_to_wiki("hi [@John](user:jdoe)"), "hi [~jdoe]");
    assert_eq!(
        markdown_to_wiki("[@Ann](accountid:5b10)"),
        "[~accountid:5b10]"
    );
}

#[test]
fn images_and_attachments_become_placeholders() {
    assert_eq!(
        wiki_to_markdown("!screen.png|thumbnail! and [^log.txt] and !https://x.io/a.png!"),
        "[attachment: screen.png] and [attachment: log.txt] and ![](https://x.io/a.png)\n"
    );
    assert_eq!(
        markdown_to_wiki("![a](https://x.io/a.png)"),
        "!https://x.io/a.png!"
    );
}

#[test]
fn breaks_and_rules_convert_both_ways() {
    assert_eq!(markdown_to_wiki("a\\\nb\n\n---"), "a\nb\n\n----");
    assert_eq!(
        wiki_to_markdown("a\\\\b\nc\n\n----"),
        "a\\\nb\\\nc\n\n---\n"
    );
}

#[test]
fn text_that_looks_like_wiki_markup_is_escaped() {
    assert_eq!(
        markdown_to_wiki("\\* not a list, {macro} [x] *a*b snake_case a - b"),
        "\\* not a list, \\{macro\\} \\[x\\] _a_b snake_case a - b"
    );
    assert_eq!(
        wiki_to_markdown("\\*literal\\* \\{x\\}"),
        "\\*literal\\* {x}\n"
    );
}

#[test]
fn unknown_or_broken_markup_stays_text() {
    assert_eq!(
        wiki_to_markdown("{color:red}red{color} {unknown} *unclosed [no link] {code"),
        "red {unknown} \\*unclosed \\[no link\\] {code\n"
    );
    assert_eq!(
        wiki_to_markdown("{quote}\nnever closed"),
        "> never closed\n"
    );
    assert_eq!(wiki_to_markdown(""), "");
}
