//! Who watches which issue in the seed: the reporter and the assignee of every issue, as
//! Jira does by default. Depends only on the issues, so it adds no randomness.

use crate::sandbox::model::Store;

pub(crate) fn watchers(store: &mut Store) {
    let pairs: Vec<(usize, usize)> = store
        .issues
        .iter()
        .enumerate()
        .flat_map(|(i, issue)| {
            std::iter::once((i, issue.reporter)).chain(issue.assignee.map(|a| (i, a)))
        })
        .collect();
    store.watchers.extend(pairs);
}
