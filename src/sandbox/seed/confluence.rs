//! Confluence part of the seed: two spaces, each with a home page, five sections and
//! leaves up to three levels deep, with labels and footer comments.

use crate::sandbox::model::{InlineMark, Page, PageComment, Space, Store};
use crate::sandbox::rng::SplitMix64;
use crate::sandbox::seed::{DAY, HOUR, LABELS, MACRO_PAGE_IDS, PAGES_PER_SPACE, plain_doc};
use crate::sandbox::text::{RichText, code, doc, heading, list, marked, para, table, text};
use crate::sandbox::timefmt::SEED_EPOCH;

fn rich_page_body() -> RichText {
    RichText::from_adf(doc(vec![
        heading(1, "Getting Started"),
        para(vec![
            text("Welcome to the "),
            marked("Demo", "strong"),
            text(" space."),
        ]),
        heading(2, "Steps"),
        list(
            true,
            &["Request access", "Clone the repository", "Run the tests"],
        ),
        list(false, &["Ask in #help", "Read the runbooks"]),
        table(&[&["Tool", "Version"], &["rustc", "1.88"], &["cargo", "1.88"]]),
        code("bash", "cargo test --all-targets"),
    ]))
}

/// An inline comment on "Clone the repository" with one reply, on the rich Getting Started
/// page. Ids come from their own range so the footer comments keep theirs.
fn inline_thread(comments: &mut Vec<PageComment>, t: i64) {
    let mark = InlineMark {
        selection: "Clone the repository".into(),
        marker_ref: "6a3b2f4e-1c5d-4e8f-9a7b-0c1d2e3f4a5b".into(),
        resolved: false,
    };
    let say = |s: &str| RichText::from_adf(doc(vec![para(vec![text(s)])]));
    comments.push(PageComment {
        id: "400001".into(),
        author: 1,
        body: say("Which remote: the GitHub mirror or the internal one?"),
        created: t + 5 * HOUR,
        storage: None,
        parent: None,
        inline: Some(mark.clone()),
    });
    comments.push(PageComment {
        id: "400002".into(),
        author: 0,
        body: say("The internal one; the mirror lags a day."),
        created: t + 6 * HOUR,
        storage: None,
        parent: Some("400001".into()),
        inline: Some(mark),
    });
}

const SECTIONS: [&str; 5] = [
    "Getting Started",
    "Architecture",
    "Runbooks",
    "Meeting Notes",
    "Release Notes",
];
const TOPICS: [&str; 8] = [
    "Search",
    "Billing",
    "Auth",
    "Deployments",
    "Monitoring",
    "Backups",
    "Onboarding",
    "Storage",
];

pub(crate) fn pages(store: &mut Store, rng: &mut SplitMix64) {
    let mut next_page = 196_608u64;
    let mut next_comment = 300_000u64;
    let n_users = store.users.len();
    for (s, (key, name)) in [("DEMO", "Demo Space"), ("ENG", "Engineering")]
        .iter()
        .enumerate()
    {
        let space_id = (98_305 + s).to_string();
        let home = store.pages.len();
        store.spaces.push(Space {
            id: space_id,
            key: (*key).into(),
            name: (*name).into(),
            homepage: home,
        });
        let mut t = SEED_EPOCH + i64::try_from(s).unwrap_or(0) * DAY;
        for i in 0..PAGES_PER_SPACE {
            let (title, parent, body) = if i == 0 {
                (
                    format!("{name} Home"),
                    None,
                    RichText::from_adf(doc(vec![para(vec![text(&format!(
                        "Home of the {name}."
                    ))])])),
                )
            } else if i <= SECTIONS.len() {
                let title = if s == 0 {
                    SECTIONS[i - 1].to_owned()
                } else {
                    format!("{} ({key})", SECTIONS[i - 1])
                };
                let body = if s == 0 && i == 1 {
                    rich_page_body()
                } else {
                    plain_doc(rng)
                };
                (title, Some(home), body)
            } else {
                let section = home + 1 + rng.index(SECTIONS.len());
                let parent = if i > 12 && rng.chance(30) {
                    home + 6 + rng.index(i - 6)
                } else {
                    section
                };
                let topic = TOPICS[rng.index(TOPICS.len())];
                (
                    format!("{topic} notes {key}-{i}"),
                    Some(parent),
                    plain_doc(rng),
                )
            };
            let mut labels = Vec::new();
            if rng.chance(50) {
                labels.push(LABELS[rng.index(LABELS.len())].to_owned());
            }
            if s == 0 && i == 1 {
                labels = vec!["onboarding".into(), "docs".into()];
            }
            let mut comments = Vec::new();
            for _ in 0..rng.below(3) {
                next_comment += 1;
                comments.push(PageComment {
                    id: next_comment.to_string(),
                    author: rng.index(n_users),
                    body: RichText::from_adf(doc(vec![para(vec![text("Thanks, this helps.")])])),
                    created: t + 3 * HOUR,
                    storage: None,
                    parent: None,
                    inline: None,
                });
            }
            if s == 0 && i == 1 {
                inline_thread(&mut comments, t);
            }
            let creator = if s == 0 && i == 1 {
                0
            } else {
                rng.index(n_users)
            };
            next_page += 1;
            let version = 1 + rng.below(4);
            store.pages.push(Page {
                id: next_page.to_string(),
                space: s,
                title,
                parent,
                position: u64::try_from(i).unwrap_or(0),
                body,
                labels,
                creator,
                modifier: if version > 1 {
                    rng.index(n_users)
                } else {
                    creator
                },
                created: t,
                modified: t + i64::try_from(version - 1).unwrap_or(0) * DAY,
                version,
                comments,
                storage: None,
                history: Vec::new(),
                message: String::new(),
                minor: false,
                trashed: false,
                restrictions: Vec::new(),
            });
            if let Some(page) = store.pages.last_mut() {
                page.history = earlier_versions(page);
            }
            t += i64::try_from(4 + rng.below(30)).unwrap_or(4) * HOUR;
        }
    }
    macro_pages(store);
}

/// Gives the [`MACRO_PAGE_IDS`] pages a storage body with macros and a layout around their
/// seeded text (ids, titles and counts stay as they were; their history is rebuilt on it).
fn macro_pages(store: &mut Store) {
    let mention = store
        .users
        .get(1)
        .map(|u| u.account_id.clone())
        .unwrap_or_default();
    for id in MACRO_PAGE_IDS {
        let Some(idx) = store.page_index(id) else {
            continue;
        };
        let page = &mut store.pages[idx];
        let text = crate::sandbox::confluence::render::storage(page);
        page.storage = Some(format!(
            concat!(
                r#"<ac:layout><ac:layout-section ac:type="two_right_sidebar"><ac:layout-cell>"#,
                r#"<ac:structured-macro ac:name="toc" ac:schema-version="1"><ac:parameter ac:name="maxLevel">3</ac:parameter></ac:structured-macro>"#,
                "<h2>Overview</h2>{text}",
                r#"<ac:structured-macro ac:name="note" ac:schema-version="1"><ac:rich-text-body><p>Check the runbook before changing production.</p></ac:rich-text-body></ac:structured-macro>"#,
                r#"</ac:layout-cell><ac:layout-cell>"#,
                r#"<ac:structured-macro ac:name="info" ac:schema-version="1"><ac:parameter ac:name="title">Owners</ac:parameter><ac:rich-text-body><p><ac:link><ri:user ri:account-id="{mention}" /></ac:link> reviews changes.</p></ac:rich-text-body></ac:structured-macro>"#,
                r#"<ac:structured-macro ac:name="jira" ac:schema-version="1"><ac:parameter ac:name="server">System Jira</ac:parameter><ac:parameter ac:name="key">DEMO-1</ac:parameter></ac:structured-macro>"#,
                r#"<table data-layout="default"><tbody><tr><th><p>Service</p></th><th><p>Status</p></th></tr><tr><td><p>API</p></td><td><p><ac:structured-macro ac:name="status" ac:schema-version="1"><ac:parameter ac:name="colour">Green</ac:parameter><ac:parameter ac:name="title">OK</ac:parameter></ac:structured-macro></p></td></tr></tbody></table>"#,
                r#"<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[make deploy ENV=staging]]></ac:plain-text-body></ac:structured-macro>"#,
                "</ac:layout-cell></ac:layout-section></ac:layout>"
            ),
            text = text,
            mention = mention
        ));
        page.history = earlier_versions(page);
    }
}

/// The versions before a seeded page's current one, oldest first, so history and diffs
/// work on every seeded page: version 1 is a short first draft, the ones between hold
/// the current body with an open question the current version resolved. Deterministic
/// and drawing nothing from the seed's random stream.
fn earlier_versions(page: &Page) -> Vec<crate::sandbox::model::PageVersion> {
    let current = crate::sandbox::confluence::render::storage(page);
    (1..page.version)
        .map(|n| {
            let first = n == 1;
            crate::sandbox::model::PageVersion {
                number: n,
                title: page.title.clone(),
                storage: if first {
                    format!("<p>{}: first draft.</p>", xml_escape(&page.title))
                } else {
                    format!("{current}<p>Open question from version {n}: to be confirmed.</p>")
                },
                author: if first { page.creator } else { page.modifier },
                when: page.created + i64::try_from(n - 1).unwrap_or(0) * DAY,
                message: if first {
                    String::new()
                } else {
                    format!("Review round {n}")
                },
                minor: false,
            }
        })
        .collect()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
