//! Finding a section of a storage-format body by its heading: from the end of the heading
//! element to the next heading of the same or a higher level (or the end). Works on the raw
//! XHTML so everything outside the section stays byte-for-byte as it was.

/// A heading found in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Heading {
    level: u8,
    /// Byte offset of `<hN`.
    start: usize,
    /// Byte offset just past `</hN>`.
    end: usize,
    /// Element nesting depth at the heading.
    depth: usize,
    text: String,
}

/// One markup token: where it starts and ends, and how it changes the nesting depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Open,
    Close,
    /// Self-closing tags, comments, CDATA and declarations.
    Neutral,
}

/// The tags of `body` in order, skipping CDATA and comments (whose text may look like tags).
fn tags(body: &str) -> Vec<(usize, usize, Tag)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = body[i..].find('<') {
        let at = i + off;
        let rest = &body[at..];
        let (close_pat, kind) = if rest.starts_with("<![CDATA[") {
            ("]]>", Tag::Neutral)
        } else if rest.starts_with("<!--") {
            ("-->", Tag::Neutral)
        } else if rest.starts_with("</") {
            (">", Tag::Close)
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            (">", Tag::Neutral)
        } else {
            (">", Tag::Open)
        };
        let Some(end_off) = rest.find(close_pat) else {
            break;
        };
        let end = at + end_off + close_pat.len();
        let kind = if kind == Tag::Open && body[..end].ends_with("/>") {
            Tag::Neutral
        } else {
            kind
        };
        out.push((at, end, kind));
        i = end;
    }
    out
}

fn heading_level(tag: &str) -> Option<u8> {
    let b = tag.as_bytes();
    let level = *b.get(2)?;
    let after = *b.get(3)?;
    (b.first() == Some(&b'<')
        && b.get(1) == Some(&b'h')
        && (b'1'..=b'6').contains(&level)
        && (after == b'>' || after.is_ascii_whitespace()))
    .then_some(level - b'0')
}

/// Headings with their depth, and the token list they were found in.
fn headings(body: &str) -> (Vec<Heading>, Vec<(usize, usize, Tag)>) {
    let toks = tags(body);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut k = 0;
    while k < toks.len() {
        let (start, end, kind) = toks[k];
        match kind {
            Tag::Open => {
                if let Some(level) = heading_level(&body[start..end]) {
                    let close = format!("</h{level}>");
                    if let Some(c) = body[end..].find(&close) {
                        let h_end = end + c + close.len();
                        out.push(Heading {
                            level,
                            start,
                            end: h_end,
                            depth,
                            text: plain(&body[start..end + c]),
                        });
                        // Skip the heading's own inner tags.
                        while k + 1 < toks.len() && toks[k + 1].0 < h_end {
                            k += 1;
                        }
                        k += 1;
                        continue;
                    }
                }
                depth += 1;
            }
            Tag::Close => depth = depth.saturating_sub(1),
            Tag::Neutral => {}
        }
        k += 1;
    }
    (out, toks)
}

/// Text of an element, tags removed, common entities decoded, whitespace collapsed.
fn plain(xhtml: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in xhtml.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why a section could not be replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionError {
    /// No heading has that text; the headings there are listed.
    NotFound(Vec<String>),
    /// More than one heading has that text.
    Ambiguous(usize),
}

/// Replaces the body of the section under `heading` (matched case-insensitively, ignoring
/// surrounding whitespace and markup) with `replacement`; the heading itself is kept.
pub fn replace_section(
    body: &str,
    heading: &str,
    replacement: &str,
) -> Result<String, SectionError> {
    let (hs, toks) = headings(body);
    let wanted = heading.trim().trim_start_matches('#').trim().to_lowercase();
    let wanted = wanted.split_whitespace().collect::<Vec<_>>().join(" ");
    let matches: Vec<usize> = (0..hs.len())
        .filter(|&i| hs[i].text.to_lowercase() == wanted)
        .collect();
    let idx = match matches.as_slice() {
        [] => {
            return Err(SectionError::NotFound(
                hs.iter().map(|h| h.text.clone()).collect(),
            ));
        }
        [one] => *one,
        many => return Err(SectionError::Ambiguous(many.len())),
    };
    let h = &hs[idx];
    // The section ends at the next heading of the same or a higher level at the same depth,
    // or where the element holding the heading closes (a layout cell, a macro body).
    let next_heading = hs[idx + 1..]
        .iter()
        .find(|n| n.depth == h.depth && n.level <= h.level)
        .map(|n| n.start);
    let mut depth = 0usize;
    let mut container_end = None;
    for &(start, _, kind) in toks.iter().filter(|t| t.0 >= h.end) {
        match kind {
            Tag::Open => depth += 1,
            Tag::Close if depth == 0 => {
                container_end = Some(start);
                break;
            }
            Tag::Close => depth -= 1,
            Tag::Neutral => {}
        }
    }
    let stop = [next_heading, container_end]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(body.len());
    Ok(format!(
        "{}{}{}",
        &body[..h.end],
        replacement,
        &body[stop..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "<p>intro</p><h1>Guide</h1><p>a</p><h2>Setup</h2><p>old <b>setup</b></p><h3>Detail</h3><p>d</p><h2>Usage</h2><p>u</p><hr/><h1>End</h1>";

    #[test]
    fn a_section_runs_to_the_next_heading_of_the_same_or_higher_level() {
        let out = replace_section(BODY, "setup", "<p>new</p>").expect("replaced");
        assert_eq!(
            out,
            "<p>intro</p><h1>Guide</h1><p>a</p><h2>Setup</h2><p>new</p><h2>Usage</h2><p>u</p><hr/><h1>End</h1>"
        );
        let out = replace_section(BODY, "Usage", "<p>x</p>").expect("replaced");
        assert!(out.ends_with("<h2>Usage</h2><p>x</p><h1>End</h1>"), "{out}");
        let out = replace_section(BODY, "End", "<p>z</p>").expect("replaced");
        assert!(out.ends_with("<h1>End</h1><p>z</p>"));
    }

    #[test]
    fn unknown_and_repeated_headings_are_reported() {
        assert_eq!(
            replace_section("<h1>A</h1><h2>B</h2>", "C", ""),
            Err(SectionError::NotFound(vec!["A".into(), "B".into()]))
        );
        assert_eq!(
            replace_section("<h1>A</h1><h2>A</h2>", "a", ""),
            Err(SectionError::Ambiguous(2))
        );
    }

    #[test]
    fn a_section_stops_where_its_container_closes_and_ignores_code_that_looks_like_headings() {
        let body = "<ac:layout><ac:layout-cell><h2>Left</h2><p>l</p><ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[<h1>not a heading</h1>]]></ac:plain-text-body></ac:structured-macro></ac:layout-cell><ac:layout-cell><h2>Right</h2><p>r</p></ac:layout-cell></ac:layout>";
        let out = replace_section(body, "Left", "<p>new</p>").expect("replaced");
        assert_eq!(
            out,
            "<ac:layout><ac:layout-cell><h2>Left</h2><p>new</p></ac:layout-cell><ac:layout-cell><h2>Right</h2><p>r</p></ac:layout-cell></ac:layout>"
        );
        assert!(matches!(
            replace_section(body, "not a heading", ""),
            Err(SectionError::NotFound(_))
        ));
    }

    #[test]
    fn headings_with_attributes_and_markup_match_by_text() {
        let body = "<h2 id=\"x\"><strong>Set&amp;up</strong></h2><p>1</p><h2>Next</h2>";
        let out = replace_section(body, "## Set&up", "<p>2</p>").expect("replaced");
        assert_eq!(
            out,
            "<h2 id=\"x\"><strong>Set&amp;up</strong></h2><p>2</p><h2>Next</h2>"
        );
    }
}
