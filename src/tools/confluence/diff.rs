//! A small line-based unified diff (LCS over the lines between the common prefix and
//! suffix). Written here because the tools need one function, not a diff library.

/// One line of the edit script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Keep(usize, usize),
    Del(usize),
    Add(usize),
}

/// Most cells the LCS table may have; beyond it the changed middle is shown as one
/// replacement, which is still a correct diff, only a coarser one.
const MAX_CELLS: usize = 4_000_000;

fn script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut ops: Vec<Op> = (0..pre).map(|i| Op::Keep(i, i)).collect();
    if ma.len() * mb.len() > MAX_CELLS {
        ops.extend((0..ma.len()).map(|i| Op::Del(pre + i)));
        ops.extend((0..mb.len()).map(|j| Op::Add(pre + j)));
    } else {
        let (n, m) = (ma.len(), mb.len());
        // lcs[i][j]: LCS length of ma[i..] and mb[j..].
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if ma[i] == mb[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && ma[i] == mb[j] {
                ops.push(Op::Keep(pre + i, pre + j));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
                // Deletions first, as diff(1) prints them.
                ops.push(Op::Del(pre + i));
                i += 1;
            } else {
                ops.push(Op::Add(pre + j));
                j += 1;
            }
        }
    }
    let (ea, eb) = (a.len() - suf, b.len() - suf);
    ops.extend((0..suf).map(|k| Op::Keep(ea + k, eb + k)));
    ops
}

/// A unified diff of `old` and `new` with `context` lines around each change; empty when
/// they are equal.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str, context: usize) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = script(&a, &b);
    let changed: Vec<usize> = (0..ops.len())
        .filter(|&k| !matches!(ops[k], Op::Keep(..)))
        .collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(context);
        let mut end = changed[k];
        while k < changed.len() && changed[k] <= end + 2 * context {
            end = changed[k];
            k += 1;
        }
        let end = (end + context + 1).min(ops.len());
        let hunk = &ops[start..end];
        // Line numbers are 1-based; an empty side starts at the line before.
        let a_start = hunk.iter().find_map(|o| match o {
            Op::Keep(i, _) | Op::Del(i) => Some(*i),
            Op::Add(_) => None,
        });
        let b_start = hunk.iter().find_map(|o| match o {
            Op::Keep(_, j) | Op::Add(j) => Some(*j),
            Op::Del(_) => None,
        });
        let a_len = hunk.iter().filter(|o| !matches!(o, Op::Add(_))).count();
        let b_len = hunk.iter().filter(|o| !matches!(o, Op::Del(_))).count();
        let a_at = a_start
            .map(|i| i + 1)
            .unwrap_or_else(|| prior(&ops[..start], true));
        let b_at = b_start
            .map(|j| j + 1)
            .unwrap_or_else(|| prior(&ops[..start], false));
        out.push_str(&format!("@@ -{a_at},{a_len} +{b_at},{b_len} @@\n"));
        for o in hunk {
            match *o {
                Op::Keep(i, _) => out.push_str(&format!(" {}\n", a[i])),
                Op::Del(i) => out.push_str(&format!("-{}\n", a[i])),
                Op::Add(j) => out.push_str(&format!("+{}\n", b[j])),
            }
        }
    }
    out
}

/// Lines of one side before a hunk (its start when that side of the hunk is empty).
fn prior(before: &[Op], old_side: bool) -> usize {
    before
        .iter()
        .filter(|o| {
            if old_side {
                !matches!(o, Op::Add(_))
            } else {
                !matches!(o, Op::Del(_))
            }
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_shows_with_its_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nD\ne\nf\ng\nh\n";
        assert_eq!(
            unified(old, new, "v1", "v2", 3),
            "--- v1\n+++ v2\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n"
        );
    }

    #[test]
    fn insertions_deletions_and_far_apart_changes_make_separate_hunks() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let mut lines: Vec<String> = (1..=20).map(|i| i.to_string()).collect();
        lines.remove(1);
        lines.insert(17, "new".into());
        let new: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let d = unified(&old, &new, "a", "b", 1);
        assert_eq!(d.matches("@@ -").count(), 2, "{d}");
        assert!(d.contains("@@ -1,3 +1,2 @@\n 1\n-2\n 3\n"), "{d}");
        assert!(d.contains("@@ -18,2 +17,3 @@\n 18\n+new\n 19\n"), "{d}");
        assert_eq!(unified("same\n", "same\n", "a", "b", 3), "");
        assert_eq!(
            unified("", "x\n", "a", "b", 3),
            "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+x\n"
        );
    }
}
