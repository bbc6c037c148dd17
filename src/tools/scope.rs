//! Confining JQL and CQL to the configured projects or spaces, so the filter cannot be
//! escaped: the user's query is checked to be well-formed (quotes closed, parentheses never
//! closing more than they opened) and wrapped as `field in (...) AND (<query>)`, with its
//! `ORDER BY` kept outside the parentheses.

/// Splits a query into its condition and its top-level `ORDER BY` clause, checking quotes and
/// parentheses on the way. Errors say what to fix.
pub fn split_order_by(query: &str) -> Result<(&str, Option<&str>), String> {
    let bytes = query.as_bytes();
    let mut depth: i32 = 0;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    let mut order_at = None;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(
                        "the query closes a parenthesis it never opened; balance its parentheses"
                            .into(),
                    );
                }
            }
            b'o' | b'O' if depth == 0 && order_at.is_none() && is_order_by(query, i) => {
                order_at = Some(i)
            }
            _ => {}
        }
        i += 1;
    }
    if quote.is_some() {
        return Err("the query has an unclosed quote; close every \" or '".into());
    }
    if depth != 0 {
        return Err(
            "the query opens a parenthesis it never closes; balance its parentheses".into(),
        );
    }
    Ok(match order_at {
        Some(at) => (query[..at].trim(), Some(query[at..].trim())),
        None => (query.trim(), None),
    })
}

fn is_order_by(query: &str, at: usize) -> bool {
    let before_ok = at == 0
        || !query.as_bytes()[at - 1].is_ascii_alphanumeric() && query.as_bytes()[at - 1] != b'_';
    let rest = &query[at..];
    if !before_ok || rest.len() < 5 || !rest[..5].eq_ignore_ascii_case("order") {
        return false;
    }
    let after = rest[5..].trim_start();
    after.len() >= 2
        && after[..2].eq_ignore_ascii_case("by")
        && after[2..].chars().next().is_none_or(|c| c.is_whitespace())
        && rest[5..].starts_with(char::is_whitespace)
}

/// Quotes a project or space key for JQL/CQL.
fn quote_key(key: &str) -> String {
    format!("\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Wraps `query` so it only matches items whose `field` is one of `keys`. With no keys the
/// query is returned as given (after the same well-formedness check).
pub fn scope(field: &str, keys: &[String], query: &str) -> Result<String, String> {
    let (condition, order_by) = split_order_by(query)?;
    if keys.is_empty() {
        return Ok(query.trim().to_owned());
    }
    let list = keys
        .iter()
        .map(|k| quote_key(k))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!("{field} in ({list})");
    if !condition.is_empty() {
        out.push_str(&format!(" AND ({condition})"));
    }
    if let Some(o) = order_by {
        out.push(' ');
        out.push_str(o);
    }
    Ok(out)
}

/// The keys a call may use: the configured filter, narrowed by a per-call list. A per-call
/// key outside the configured filter is an error, not a silent widening.
pub fn effective_keys(
    configured: &[String],
    requested: Option<&str>,
    upper: bool,
) -> Result<Vec<String>, String> {
    let requested: Vec<String> = requested
        .map(|r| {
            r.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    if upper {
                        s.to_ascii_uppercase()
                    } else {
                        s.to_owned()
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if requested.is_empty() {
        return Ok(configured.to_vec());
    }
    if let Some(outside) = requested
        .iter()
        .find(|k| !configured.is_empty() && !configured.contains(k))
    {
        return Err(format!(
            "{outside} is outside the keys this server allows ({})",
            configured.join(", ")
        ));
    }
    Ok(requested)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn queries_are_wrapped_with_order_by_kept_outside() {
        assert_eq!(
            scope(
                "project",
                &keys(&["DEMO", "OPS"]),
                "status = Done ORDER BY created DESC"
            )
            .expect("ok"),
            "project in (\"DEMO\", \"OPS\") AND (status = Done) ORDER BY created DESC"
        );
        assert_eq!(
            scope("project", &keys(&["DEMO"]), "order by key").expect("ok"),
            "project in (\"DEMO\") order by key"
        );
        assert_eq!(
            scope("project", &[], "status = Done").expect("ok"),
            "status = Done"
        );
    }

    #[test]
    fn breakouts_are_refused_or_neutralised() {
        let k = keys(&["DEMO"]);
        assert!(scope("project", &k, "x) OR (project = SECRET").is_err());
        assert!(scope("project", &k, "x = 1) OR project = SECRET ORDER BY key").is_err());
        assert!(scope("project", &k, "summary ~ \"unclosed").is_err());
        assert!(scope("project", &k, "((a = 1)").is_err());
        // Parentheses and ORDER BY inside quotes are text, not syntax.
        let q = scope(
            "project",
            &k,
            "summary ~ \") OR (project = SECRET ORDER BY x\"",
        )
        .expect("ok");
        assert_eq!(
            q,
            "project in (\"DEMO\") AND (summary ~ \") OR (project = SECRET ORDER BY x\")"
        );
        let q = scope("project", &k, "summary ~ 'it\\'s) OR (x'").expect("ok");
        assert!(q.starts_with("project in (\"DEMO\") AND ("));
        // A trailing ORDER BY cannot carry a second condition past the wrapper.
        let q = scope("project", &k, "project = SECRET OR key = X-1 ORDER BY key").expect("ok");
        assert_eq!(
            q,
            "project in (\"DEMO\") AND (project = SECRET OR key = X-1) ORDER BY key"
        );
        // Words that merely contain "order" are not an ORDER BY.
        let q = scope("project", &k, "reorder = 1 AND border_by = 2").expect("ok");
        assert_eq!(
            q,
            "project in (\"DEMO\") AND (reorder = 1 AND border_by = 2)"
        );
    }

    #[test]
    fn per_call_keys_can_only_narrow_the_configured_filter() {
        assert_eq!(
            effective_keys(&keys(&["A", "B"]), Some("a"), true).expect("ok"),
            vec!["A"]
        );
        assert!(effective_keys(&keys(&["A"]), Some("C"), true).is_err());
        assert_eq!(
            effective_keys(&[], Some("C, D"), true).expect("ok"),
            vec!["C", "D"]
        );
        assert_eq!(
            effective_keys(&keys(&["A"]), None, true).expect("ok"),
            vec!["A"]
        );
    }
}
