//! Seed additions that need no randomness: who watches which issue (the reporter and the
//! assignee, as Jira does by default), and each project's versions and components.

use crate::sandbox::model::{Component, Store, Version};

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

pub(crate) fn releases(store: &mut Store) {
    let mut id = 10_100u64;
    for p in 0..store.projects.len() {
        for (name, start, release, released) in [
            ("1.0", "2025-01-06", "2025-02-03", true),
            ("1.1", "2025-02-03", "2025-03-03", false),
            ("2.0", "2025-03-03", "2025-06-02", false),
        ] {
            id += 1;
            store.versions.push(Version {
                id: id.to_string(),
                project: p,
                name: name.to_owned(),
                description: format!("Release {name}"),
                start_date: Some(start.to_owned()),
                release_date: Some(release.to_owned()),
                released,
                archived: false,
            });
        }
        for (name, description) in [
            ("Backend", "Services and storage"),
            ("Frontend", "Web user interface"),
            ("API", "Public REST API"),
        ] {
            id += 1;
            store.components.push(Component {
                id: id.to_string(),
                project: p,
                name: name.to_owned(),
                description: description.to_owned(),
                lead: Some(p % store.users.len().max(1)),
            });
        }
    }
}
