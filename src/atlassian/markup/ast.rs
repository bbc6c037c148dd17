//! The neutral document model every converter reads into and writes from.
//!
//! Each format is parsed into these types and written back out of them, so a
//! construct has one meaning in the middle and the six public conversions are
//! compositions (`markdown → ast → adf`, `adf → ast → markdown`, …). The model
//! only holds what at least two formats can express; anything richer is
//! reduced to its text by the reader, which keeps the "no text is dropped"
//! promise in one place per format.

/// A block-level element.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    Paragraph(Vec<Inline>),
    Heading {
        level: u8,
        content: Vec<Inline>,
    },
    Code {
        language: Option<String>,
        text: String,
    },
    Quote(Vec<Block>),
    /// Info/note/warning/… panels and expands: a titled container.
    Panel {
        kind: PanelKind,
        title: Option<String>,
        content: Vec<Block>,
    },
    List {
        kind: ListKind,
        items: Vec<ListItem>,
    },
    Table(Vec<Vec<Cell>>),
    Rule,
}

/// How a list numbers or marks its items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ListKind {
    Bullet,
    /// Numbered, starting at the given number.
    Ordered(u64),
}

/// One list item; `task` is `Some(done)` for checkbox items.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ListItem {
    pub task: Option<bool>,
    pub content: Vec<Block>,
}

/// One table cell; header cells come from `th`/`||`/`tableHeader`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cell {
    pub header: bool,
    pub content: Vec<Block>,
}

/// The flavours of panel; `Expand` is a collapsible section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PanelKind {
    Info,
    Note,
    Tip,
    Warning,
    Error,
    Success,
    Panel,
    Expand,
}

impl PanelKind {
    const ALL: [PanelKind; 8] = [
        PanelKind::Info,
        PanelKind::Note,
        PanelKind::Tip,
        PanelKind::Warning,
        PanelKind::Error,
        PanelKind::Success,
        PanelKind::Panel,
        PanelKind::Expand,
    ];

    /// The capitalised label used in Markdown (`> **Info:** …`).
    pub(crate) fn label(self) -> &'static str {
        match self {
            PanelKind::Info => "Info",
            PanelKind::Note => "Note",
            PanelKind::Tip => "Tip",
            PanelKind::Warning => "Warning",
            PanelKind::Error => "Error",
            PanelKind::Success => "Success",
            PanelKind::Panel => "Panel",
            PanelKind::Expand => "Expand",
        }
    }

    /// The lower-case name shared by ADF `panelType`, wiki macros and storage macros.
    pub(crate) fn name(self) -> &'static str {
        match self {
            PanelKind::Info => "info",
            PanelKind::Note => "note",
            PanelKind::Tip => "tip",
            PanelKind::Warning => "warning",
            PanelKind::Error => "error",
            PanelKind::Success => "success",
            PanelKind::Panel => "panel",
            PanelKind::Expand => "expand",
        }
    }

    pub(crate) fn from_label(label: &str) -> Option<PanelKind> {
        PanelKind::ALL.into_iter().find(|k| k.label() == label)
    }

    pub(crate) fn from_name(name: &str) -> Option<PanelKind> {
        let name = name.to_ascii_lowercase();
        PanelKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Inline styles that wrap other inline content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Strong,
    Emphasis,
    Strike,
    Underline,
}

/// How a mention identifies its user.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UserRef {
    /// Cloud account id (ADF `mention.attrs.id`, wiki `[~accountid:…]`, storage `ri:account-id`).
    AccountId(String),
    /// Server/DC user name (wiki `[~name]`, storage `ri:username`).
    Username(String),
    /// Server/DC user key (storage `ri:userkey`).
    UserKey(String),
}

impl UserRef {
    /// The Markdown link scheme that carries this reference (`[@Name](accountid:…)`).
    pub(crate) fn scheme(&self) -> &'static str {
        match self {
            UserRef::AccountId(_) => "accountid",
            UserRef::Username(_) => "user",
            UserRef::UserKey(_) => "userkey",
        }
    }

    pub(crate) fn value(&self) -> &str {
        match self {
            UserRef::AccountId(v) | UserRef::Username(v) | UserRef::UserKey(v) => v,
        }
    }

    pub(crate) fn from_scheme(href: &str) -> Option<UserRef> {
        let (scheme, value) = href.split_once(':')?;
        if value.is_empty() {
            return None;
        }
        let value = value.to_string();
        match scheme {
            "accountid" => Some(UserRef::AccountId(value)),
            "user" => Some(UserRef::Username(value)),
            "userkey" => Some(UserRef::UserKey(value)),
            _ => None,
        }
    }
}

/// An inline element.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Inline {
    Text(String),
    Styled(Style, Vec<Inline>),
    Code(String),
    Link {
        href: String,
        content: Vec<Inline>,
    },
    /// A bare URL shown as itself (Markdown autolink, ADF inline card).
    AutoLink(String),
    Image {
        src: String,
        alt: String,
    },
    /// A file attached to the issue or page, known only by name or id.
    Attachment(String),
    Mention {
        name: String,
        user: UserRef,
    },
    Emoji(String),
    Status(String),
    HardBreak,
}

/// Concatenated text of inline content, as a reader would see it.
pub(crate) fn inline_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    push_inline_text(inlines, &mut out);
    out
}

fn push_inline_text(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match inline {
            Inline::Text(t) | Inline::Code(t) | Inline::AutoLink(t) | Inline::Emoji(t) => {
                out.push_str(t)
            }
            Inline::Styled(_, c) | Inline::Link { content: c, .. } => push_inline_text(c, out),
            Inline::Image { src, alt } => out.push_str(if alt.is_empty() { src } else { alt }),
            Inline::Attachment(name) => out.push_str(&format!("[attachment: {name}]")),
            Inline::Mention { name, .. } => {
                out.push('@');
                out.push_str(name);
            }
            Inline::Status(t) => out.push_str(&format!("[{t}]")),
            Inline::HardBreak => out.push('\n'),
        }
    }
}

/// Reduces blocks to paragraphs of inline content, for containers that can
/// only hold inline content (table cells in Markdown, task items in ADF).
pub(crate) fn blocks_to_inline_lines(blocks: &[Block]) -> Vec<Vec<Inline>> {
    let mut lines = Vec::new();
    for block in blocks {
        match block {
            Block::Paragraph(c) | Block::Heading { content: c, .. } => lines.push(c.clone()),
            Block::Code { text, .. } => lines.extend(
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| vec![Inline::Code(l.to_string())]),
            ),
            Block::Quote(b) | Block::Panel { content: b, .. } => {
                if let Block::Panel { title: Some(t), .. } = block {
                    lines.push(vec![Inline::Text(t.clone())]);
                }
                lines.extend(blocks_to_inline_lines(b))
            }
            Block::List { items, .. } => {
                for item in items {
                    lines.extend(blocks_to_inline_lines(&item.content))
                }
            }
            Block::Table(rows) => {
                for cell in rows.iter().flatten() {
                    lines.extend(blocks_to_inline_lines(&cell.content))
                }
            }
            Block::Rule => {}
        }
    }
    lines.retain(|l| !l.is_empty());
    lines
}

/// Merges adjacent text runs and adjacent runs of the same style, and drops
/// empty runs, so that formats which carry styles per text node (ADF marks)
/// do not produce `**a****b**` in Markdown.
pub(crate) fn normalize_inlines(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::with_capacity(inlines.len());
    for inline in remove_active_styles(inlines, &[]) {
        let inline = match inline {
            // A style nested in itself means nothing more in any format
            // (ADF marks are a set) and `**a*b**`-like nesting does not
            // survive Markdown, so it is flattened.
            Inline::Styled(s, c) => Inline::Styled(s, normalize_inlines(unwrap_style(s, c))),
            Inline::Link { href, content } => Inline::Link {
                href,
                content: normalize_inlines(content),
            },
            other => other,
        };
        match (&inline, out.last_mut()) {
            (Inline::Text(t) | Inline::Code(t), _) if t.is_empty() => {}
            (Inline::Styled(_, c), _) if c.is_empty() => {}
            (Inline::Text(t), Some(Inline::Text(prev))) => prev.push_str(t),
            // Adjacent code spans would fuse into one odd span in Markdown.
            (Inline::Code(t), Some(Inline::Code(prev))) => prev.push_str(t),
            (Inline::Styled(s, c), Some(Inline::Styled(ps, pc))) if s == ps => {
                let merged = std::mem::take(pc).into_iter().chain(c.clone()).collect();
                *pc = normalize_inlines(merged);
            }
            (
                Inline::Link { href, content },
                Some(Inline::Link {
                    href: ph,
                    content: pc,
                }),
            ) if href == ph => {
                let merged = std::mem::take(pc)
                    .into_iter()
                    .chain(content.clone())
                    .collect();
                *pc = normalize_inlines(merged);
            }
            _ => out.push(inline),
        }
    }
    out
}

/// Drops style wrappers already applied by an ancestor (`*a **b *c***`),
/// which mean nothing more and whose delimiters Markdown cannot nest.
fn remove_active_styles(inlines: Vec<Inline>, active: &[Style]) -> Vec<Inline> {
    inlines
        .into_iter()
        .flat_map(|inline| match inline {
            Inline::Styled(s, inner) if active.contains(&s) => remove_active_styles(inner, active),
            Inline::Styled(s, inner) => {
                let mut active = active.to_vec();
                active.push(s);
                vec![Inline::Styled(s, remove_active_styles(inner, &active))]
            }
            Inline::Link { href, content } => vec![Inline::Link {
                href,
                content: remove_active_styles(content, active),
            }],
            other => vec![other],
        })
        .collect()
}

fn unwrap_style(style: Style, inlines: Vec<Inline>) -> Vec<Inline> {
    inlines
        .into_iter()
        .flat_map(|inline| match inline {
            Inline::Styled(s, inner) if s == style => unwrap_style(style, inner),
            other => vec![other],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_runs_of_one_style_merge_into_one() {
        let merged = normalize_inlines(vec![
            Inline::Styled(Style::Strong, vec![Inline::Text("a".into())]),
            Inline::Styled(Style::Strong, vec![Inline::Text("b".into())]),
            Inline::Text("c".into()),
            Inline::Text("d".into()),
        ]);
        assert_eq!(
            merged,
            vec![
                Inline::Styled(Style::Strong, vec![Inline::Text("ab".into())]),
                Inline::Text("cd".into()),
            ]
        );
    }

    #[test]
    fn a_style_nested_in_itself_is_flattened() {
        let flat = normalize_inlines(vec![Inline::Styled(
            Style::Emphasis,
            vec![
                Inline::Styled(Style::Emphasis, vec![Inline::Text("a".into())]),
                Inline::Text("b".into()),
            ],
        )]);
        assert_eq!(
            flat,
            vec![Inline::Styled(
                Style::Emphasis,
                vec![Inline::Text("ab".into())]
            )]
        );
    }

    #[test]
    fn panel_kinds_are_found_by_label_and_by_name() {
        assert_eq!(PanelKind::from_label("Warning"), Some(PanelKind::Warning));
        assert_eq!(PanelKind::from_name("TIP"), Some(PanelKind::Tip));
        assert_eq!(PanelKind::from_label("warning"), None);
    }

    #[test]
    fn user_references_are_read_from_link_schemes() {
        assert_eq!(
            UserRef::from_scheme("accountid:5fb8"),
            Some(UserRef::AccountId("5fb8".into()))
        );
        assert_eq!(UserRef::from_scheme("https://x"), None);
        assert_eq!(UserRef::from_scheme("user:"), None);
    }
}
