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
    text: String,
}

fn headings(body: &str) -> Vec<Heading> {
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = body[i..].find("<h") {
        let at = i + off;
        let level = bytes.get(at + 2).copied().unwrap_or(0);
        let after = bytes.get(at + 3).copied().unwrap_or(0);
        if (b'1'..=b'6').contains(&level) && (after == b'>' || after.is_ascii_whitespace()) {
            let close = format!("</h{}>", char::from(level));
            if let Some(c) = body[at..].find(&close) {
                let end = at + c + close.len();
                out.push(Heading {
                    level: level - b'0',
                    start: at,
                    end,
                    text: plain(&body[at..at + c]),
                });
                i = end;
                continue;
            }
        }
        i = at + 2;
    }
    out
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
    let hs = headings(body);
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
    let stop = hs[idx + 1..]
        .iter()
        .find(|n| n.level <= h.level)
        .map(|n| n.start)
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
    fn headings_with_attributes_and_markup_match_by_text() {
        let body = "<h2 id=\"x\"><strong>Set&amp;up</strong></h2><p>1</p><h2>Next</h2>";
        let out = replace_section(body, "## Set&up", "<p>2</p>").expect("replaced");
        assert_eq!(
            out,
            "<h2 id=\"x\"><strong>Set&amp;up</strong></h2><p>2</p><h2>Next</h2>"
        );
    }
}
