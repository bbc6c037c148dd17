//! Seed data for the metrics and project-analysis tools, with hand-checkable values:
//!
//! - `OPS-16` (created Sun 2025-01-12 18:00Z, resolved Mon 2025-01-27 12:00Z) gets a known
//!   status history — In Progress Mon 13th 10:00Z, In Review Wed 15th 16:00Z, back to In
//!   Progress Thu 16th 09:00Z, Done Mon 27th 12:00Z — and the due date 2025-01-24.
//! - Epic `MKT-3` gets the cross-project parent `OPS-2` (as an Advanced Roadmaps
//!   initiative would be), so `MKT` has one epic grouped under another project.
//!
//! Applied after the generated data; a missing issue (another seed) leaves it unchanged.

use crate::sandbox::model::{History, Store};

/// `OPS-16`'s history: (unix seconds, from, to, author index).
pub const SLA_HISTORY: [(i64, &str, &str, usize); 4] = [
    (1_736_762_400, "To Do", "In Progress", 1),
    (1_736_956_800, "In Progress", "In Review", 2),
    (1_737_018_000, "In Review", "In Progress", 1),
    (1_737_979_200, "In Progress", "Done", 1),
];

/// Adds the data described above.
pub fn seed(store: &mut Store) {
    if let Some(i) = store.issue_index("OPS-16")
        && store
            .statuses
            .get(store.issues[i].status)
            .map(|s| s.category)
            == Some("done")
    {
        let issue = &mut store.issues[i];
        issue.history = SLA_HISTORY
            .iter()
            .enumerate()
            .map(|(n, (at, from, to, author))| History {
                id: (70_001 + n).to_string(),
                author: *author,
                created: *at,
                items: vec![("status".into(), (*from).into(), (*to).into())],
            })
            .collect();
        // Jira stamps `updated` (and here the resolution date) with the last change.
        issue.updated = SLA_HISTORY[3].0;
        store.due_dates.insert(i, "2025-01-24".into());
    }
    if let (Some(child), Some(parent)) = (store.issue_index("MKT-3"), store.issue_index("OPS-2")) {
        store.issues[child].epic = Some(parent);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sla_issue_is_resolved_with_its_known_history() {
        let s = crate::sandbox::seed::generate(0);
        let i = &s.issues[s.issue_index("OPS-16").expect("OPS-16")];
        assert_eq!(s.statuses[i.status].name, "Done");
        assert_eq!(i.created, 1_736_704_800, "Sun 2025-01-12 18:00Z");
        assert_eq!(i.history.len(), 4);
        assert_eq!(i.updated, 1_737_979_200);
        let mkt3 = &s.issues[s.issue_index("MKT-3").expect("MKT-3")];
        assert_eq!(mkt3.epic, s.issue_index("OPS-2"));
    }
}
