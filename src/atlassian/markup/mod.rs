//! Markup conversion between Markdown and the three Atlassian rich-text
//! formats: ADF (Jira Cloud), wiki markup (Jira Server/DC) and Confluence
//! storage format (XHTML with `ac:`/`ri:` elements).
//!
//! Everything here is pure: no I/O, no HTTP. Every conversion goes through the
//! neutral document model in `ast` — one reader and one writer per format —
//! so a construct means the same thing whichever way it travels.
//!
//! Invariants: no function panics, whatever the input; input that cannot be
//! understood degrades to its text rather than an error, because the caller
//! (a tool showing an issue or page to an agent) is better served by the text
//! than by a failure; converting Markdown to a format and back normalises it,
//! and a second round trip gives the same Markdown.
//!
//! Markdown conventions for what Markdown lacks (read and written alike):
//! panels are quotes with a bold label (`> **Info:** …`, `> **Note: Title** …`,
//! also `Tip`, `Warning`, `Error`, `Success`, `Panel`, `Expand`), underline is
//! `<u>…</u>`, line breaks inside table cells are `<br>`, mentions are links
//! `[@Display Name](accountid:…)` (Server: `user:name`, `userkey:key`), and
//! attachments are `[attachment: name.png]`. Where `**`/`*`/`~~` cannot
//! open or close next to punctuation, `<strong>`/`<em>`/`<s>` are written
//! (and read).
//!
//! Nesting deeper than `md_read::MAX_DEPTH` containers is flattened into
//! the deepest level (text kept), so that no input can exhaust the stack of
//! the recursive readers and writers.

mod adf;
mod adf_write;
mod ast;
mod md_inline;
mod md_read;
mod md_write;
mod storage;
mod storage_read;
mod storage_tree;
mod wiki;
mod wiki_read;

pub use adf::{adf_to_markdown, markdown_to_adf};
pub use storage::{markdown_to_storage, storage_to_markdown};
pub use storage_tree::visible_text as storage_visible_text;
pub use wiki::{markdown_to_wiki, wiki_to_markdown};

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod roundtrip_tests;
