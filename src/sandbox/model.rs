//! The sandbox's own in-memory data model for Jira and Confluence.
//!
//! Invariant: ids are unique per kind and never reused within one `Store`; indexes into
//! the vectors (`usize`) are stable because nothing is removed, except issues, which only
//! [`Store::remove_issue`] removes, re-indexing every issue reference as it goes (links,
//! epics, watchers, estimates, remote links), and issue links, which nothing refers to by index.

use crate::sandbox::text::RichText;

/// A person known to both products.
#[derive(Debug, Clone)]
pub struct User {
    /// Cloud account id.
    pub account_id: String,
    /// Server/DC user name (login).
    pub name: String,
    /// Server/DC user key (`JIRAUSER10000`).
    pub key: String,
    /// Display name.
    pub display_name: String,
    /// E-mail address.
    pub email: String,
}

/// A workflow status.
#[derive(Debug, Clone)]
pub struct Status {
    /// Numeric id as a string.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Category key: `new`, `indeterminate` or `done`.
    pub category: &'static str,
}

/// A named thing with an id (issue types, priorities).
#[derive(Debug, Clone)]
pub struct Named {
    /// Numeric id as a string.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A workflow transition: from any status in `from` (empty = global) to `to`.
#[derive(Debug, Clone)]
pub struct Transition {
    /// Transition id.
    pub id: String,
    /// Transition name.
    pub name: String,
    /// Source status indexes; empty means available from every status.
    pub from: Vec<usize>,
    /// Target status index.
    pub to: usize,
}

/// A Jira project.
#[derive(Debug, Clone)]
pub struct Project {
    /// Numeric id as a string.
    pub id: String,
    /// Project key, e.g. `DEMO`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Lead (user index).
    pub lead: usize,
}

/// A Jira comment.
#[derive(Debug, Clone)]
pub struct Comment {
    /// Numeric id as a string.
    pub id: String,
    /// Author (user index).
    pub author: usize,
    /// Body.
    pub body: RichText,
    /// Created (unix seconds).
    pub created: i64,
    /// Updated (unix seconds).
    pub updated: i64,
}

/// A worklog entry.
#[derive(Debug, Clone)]
pub struct Worklog {
    /// Numeric id as a string.
    pub id: String,
    /// Author (user index).
    pub author: usize,
    /// Time spent in seconds.
    pub seconds: i64,
    /// Started (unix seconds).
    pub started: i64,
    /// Comment.
    pub comment: RichText,
}

/// A directed issue link of a named type.
#[derive(Debug, Clone)]
pub struct IssueLink {
    /// Link id.
    pub id: String,
    /// Link type name (`Blocks`, `Relates`).
    pub kind: &'static str,
    /// Outward issue index (this issue `blocks` the target).
    pub outward: usize,
    /// Inward issue index.
    pub inward: usize,
}

/// A change history entry.
#[derive(Debug, Clone)]
pub struct History {
    /// History id.
    pub id: String,
    /// Author (user index).
    pub author: usize,
    /// When (unix seconds).
    pub created: i64,
    /// `(field, from, to)` items.
    pub items: Vec<(String, String, String)>,
}

/// A Jira issue.
#[derive(Debug, Clone)]
pub struct Issue {
    /// Numeric id as a string.
    pub id: String,
    /// Key, e.g. `DEMO-1`.
    pub key: String,
    /// Project index.
    pub project: usize,
    /// Issue type index.
    pub issue_type: usize,
    /// Status index.
    pub status: usize,
    /// Priority index.
    pub priority: usize,
    /// Summary.
    pub summary: String,
    /// Description, if any.
    pub description: Option<RichText>,
    /// Labels.
    pub labels: Vec<String>,
    /// Assignee (user index).
    pub assignee: Option<usize>,
    /// Reporter (user index).
    pub reporter: usize,
    /// Created (unix seconds).
    pub created: i64,
    /// Updated (unix seconds).
    pub updated: i64,
    /// Parent epic (issue index).
    pub epic: Option<usize>,
    /// Sprint (index into `Store::sprints`).
    pub sprint: Option<usize>,
    /// Comments, oldest first.
    pub comments: Vec<Comment>,
    /// Worklogs.
    pub worklogs: Vec<Worklog>,
    /// Change history, oldest first.
    pub history: Vec<History>,
}

/// An agile board.
#[derive(Debug, Clone)]
pub struct Board {
    /// Board id.
    pub id: u64,
    /// Board name.
    pub name: String,
    /// Project index.
    pub project: usize,
}

/// A sprint on a board.
#[derive(Debug, Clone)]
pub struct Sprint {
    /// Sprint id.
    pub id: u64,
    /// Sprint name.
    pub name: String,
    /// `closed`, `active` or `future`.
    pub state: &'static str,
    /// Board index.
    pub board: usize,
    /// Start (unix seconds), once planned.
    pub start: Option<i64>,
    /// End (unix seconds), once planned.
    pub end: Option<i64>,
    /// Sprint goal (may be empty).
    pub goal: String,
}

/// A Confluence space.
#[derive(Debug, Clone)]
pub struct Space {
    /// Numeric id as a string.
    pub id: String,
    /// Space key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Home page (page index).
    pub homepage: usize,
}

/// A Confluence footer comment.
#[derive(Debug, Clone)]
pub struct PageComment {
    /// Numeric id as a string.
    pub id: String,
    /// Author (user index).
    pub author: usize,
    /// Body.
    pub body: RichText,
    /// Created (unix seconds).
    pub created: i64,
    /// Storage body as written through the API (seeded comments derive it from `body`).
    pub storage: Option<String>,
    /// Id of the comment this one replies to.
    pub parent: Option<String>,
    /// Set for inline comments (and their replies): the highlighted text on the page.
    pub inline: Option<InlineMark>,
}

/// What an inline comment highlights on its page.
#[derive(Debug, Clone)]
pub struct InlineMark {
    /// The highlighted text, as the writer selected it.
    pub selection: String,
    /// Reference of the highlight marker (a UUID, as Confluence uses).
    pub marker_ref: String,
    /// Whether the comment thread has been resolved.
    pub resolved: bool,
}

/// An earlier version of a page, kept when the page is updated.
#[derive(Debug, Clone)]
pub struct PageVersion {
    /// Version number.
    pub number: u64,
    /// Title at that version.
    pub title: String,
    /// Storage body at that version.
    pub storage: String,
    /// Who made it (user index).
    pub author: usize,
    /// When (unix seconds).
    pub when: i64,
    /// Version message.
    pub message: String,
    /// Minor edit.
    pub minor: bool,
}

/// A Confluence page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Numeric id as a string.
    pub id: String,
    /// Space index.
    pub space: usize,
    /// Title.
    pub title: String,
    /// Parent page index.
    pub parent: Option<usize>,
    /// Position among siblings.
    pub position: u64,
    /// Body (storage format derives from it).
    pub body: RichText,
    /// Labels.
    pub labels: Vec<String>,
    /// Creator (user index).
    pub creator: usize,
    /// Last modifier (user index).
    pub modifier: usize,
    /// Created (unix seconds).
    pub created: i64,
    /// Last modified (unix seconds).
    pub modified: i64,
    /// Version number.
    pub version: u64,
    /// Footer comments.
    pub comments: Vec<PageComment>,
    /// Storage body as written through the API; seeded pages derive it from `body`.
    pub storage: Option<String>,
    /// Earlier versions, oldest first (seeded pages start without any).
    pub history: Vec<PageVersion>,
    /// Message of the current version.
    pub message: String,
    /// Whether the current version was a minor edit.
    pub minor: bool,
    /// Deleted (in the trash): invisible to every read, kept so indexes stay stable.
    pub trashed: bool,
    /// Content restrictions: (operation `read`|`update`, `user`|`group`, user index as a
    /// string or group name).
    pub restrictions: Vec<(String, String, String)>,
}

/// Everything the sandbox knows; guarded by one lock in `SandboxState`.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// Users; index 0 is the authenticated sandbox user.
    pub users: Vec<User>,
    /// Statuses.
    pub statuses: Vec<Status>,
    /// Workflow transitions shared by all projects.
    pub transitions: Vec<Transition>,
    /// Issue types.
    pub issue_types: Vec<Named>,
    /// Priorities, highest first.
    pub priorities: Vec<Named>,
    /// Projects.
    pub projects: Vec<Project>,
    /// Issues.
    pub issues: Vec<Issue>,
    /// Issue links.
    pub links: Vec<IssueLink>,
    /// Boards.
    pub boards: Vec<Board>,
    /// Sprints.
    pub sprints: Vec<Sprint>,
    /// Spaces.
    pub spaces: Vec<Space>,
    /// Pages.
    pub pages: Vec<Page>,
    /// Next free numeric id for new comments and other writes.
    pub next_id: u64,
    /// Who watches what: `(issue index, user index)` pairs.
    pub watchers: std::collections::BTreeSet<(usize, usize)>,
    /// Time-tracking estimates by issue index (absent: none set).
    pub estimates: std::collections::BTreeMap<usize, Estimate>,
    /// Project versions (releases).
    pub versions: Vec<Version>,
    /// Project components.
    pub components: Vec<Component>,
    /// Links from issues to things outside Jira.
    pub remote_links: Vec<RemoteLink>,
    /// Finished Cloud bulk operations (`GET /bulk/queue/{taskId}`): task id and progress.
    pub bulk_tasks: Vec<(String, serde_json::Value)>,
    /// Files attached to issues, oldest first.
    pub attachments: Vec<Attachment>,
    /// Files attached to Confluence pages (`issue_id` holds the page id), oldest first.
    pub page_attachments: Vec<Attachment>,
    /// Page ids whose next update meets a concurrent edit by another user (tests arm this
    /// through `/__sandbox/confluence/concurrent-edit/{id}` to provoke a 409).
    pub concurrent_edits: Vec<String>,
    /// Page views recorded through `/__sandbox/confluence/view/{id}`, by page id, on top of
    /// each page's seeded count.
    pub page_views: std::collections::BTreeMap<String, u64>,
    /// Due dates (`YYYY-MM-DD`) by issue index (absent: none).
    pub due_dates: std::collections::BTreeMap<usize, String>,
    /// Components, versions and select-field options set on issues, by issue id.
    pub issue_extras: std::collections::BTreeMap<String, IssueExtras>,
    /// Service Management (desks, queues, request types, requests) and Forms.
    pub jsm: crate::sandbox::jira::jsm_seed::Jsm,
}

/// Screen-field values of one issue (ids into `Store::components`, `Store::versions` and
/// the select fields' options).
#[derive(Debug, Clone, Default)]
pub struct IssueExtras {
    /// Component ids.
    pub components: Vec<String>,
    /// Fix version ids.
    pub fix_versions: Vec<String>,
    /// Affects version ids.
    pub versions: Vec<String>,
    /// Option ids by custom field id.
    pub options: std::collections::BTreeMap<String, Vec<String>>,
}

/// A file attached to an issue, with its bytes.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Numeric id as a string.
    pub id: String,
    /// Owning issue's id (not its index, so deleting other issues leaves it alone).
    pub issue_id: String,
    /// File name.
    pub filename: String,
    /// MIME type.
    pub mime_type: String,
    /// Uploader (user index).
    pub author: usize,
    /// Created (unix seconds).
    pub created: i64,
    /// Content.
    pub data: Vec<u8>,
}

/// A link from an issue to a web resource.
#[derive(Debug, Clone)]
pub struct RemoteLink {
    /// Numeric id as a string.
    pub id: String,
    /// Issue index.
    pub issue: usize,
    /// Caller-chosen unique id, used to update instead of duplicating.
    pub global_id: Option<String>,
    /// Target URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: Option<String>,
    /// Relationship, e.g. `causes`.
    pub relationship: Option<String>,
    /// 16x16 icon URL.
    pub icon_url: Option<String>,
}

/// A project version (release).
#[derive(Debug, Clone, Default)]
pub struct Version {
    /// Numeric id as a string.
    pub id: String,
    /// Project index.
    pub project: usize,
    /// Name, unique within the project.
    pub name: String,
    /// Description.
    pub description: String,
    /// Start date, `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// Release date, `YYYY-MM-DD`.
    pub release_date: Option<String>,
    /// Released.
    pub released: bool,
    /// Archived.
    pub archived: bool,
}

/// A project component.
#[derive(Debug, Clone)]
pub struct Component {
    /// Numeric id as a string.
    pub id: String,
    /// Project index.
    pub project: usize,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Lead (user index).
    pub lead: Option<usize>,
}

/// An issue's time-tracking estimates, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Estimate {
    /// Original estimate.
    pub original: Option<i64>,
    /// Remaining estimate.
    pub remaining: Option<i64>,
}

impl Store {
    /// Finds an issue by key (case-insensitive) or numeric id.
    pub fn issue_index(&self, id_or_key: &str) -> Option<usize> {
        self.issues
            .iter()
            .position(|i| i.id == id_or_key || i.key.eq_ignore_ascii_case(id_or_key))
    }

    /// Finds a page by id (trashed pages are not found).
    pub fn page_index(&self, id: &str) -> Option<usize> {
        self.pages.iter().position(|p| p.id == id && !p.trashed)
    }

    /// Finds a footer comment by id: (page index, comment index).
    pub fn comment_index(&self, id: &str) -> Option<(usize, usize)> {
        self.pages.iter().enumerate().find_map(|(pi, p)| {
            (!p.trashed)
                .then(|| p.comments.iter().position(|c| c.id == id))
                .flatten()
                .map(|ci| (pi, ci))
        })
    }

    /// Allocates a fresh numeric id.
    pub fn fresh_id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    /// Ancestors of a page, root first.
    pub fn ancestors(&self, page: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = self.pages.get(page).and_then(|p| p.parent);
        while let Some(p) = cur {
            if out.contains(&p) {
                break;
            }
            out.push(p);
            cur = self.pages.get(p).and_then(|x| x.parent);
        }
        out.reverse();
        out
    }
}

impl Store {
    /// Removes an issue, as `DELETE /issue` does: links to it go, issues whose epic it was
    /// lose their epic, and every issue index above it shifts down by one.
    pub fn remove_issue(&mut self, idx: usize) {
        if idx >= self.issues.len() {
            return;
        }
        let removed = self.issues.remove(idx);
        self.attachments.retain(|a| a.issue_id != removed.id);
        let shift = |i: usize| if i > idx { i - 1 } else { i };
        self.links.retain(|l| l.inward != idx && l.outward != idx);
        for l in &mut self.links {
            l.inward = shift(l.inward);
            l.outward = shift(l.outward);
        }
        for issue in &mut self.issues {
            issue.epic = match issue.epic {
                Some(e) if e == idx => None,
                Some(e) => Some(shift(e)),
                None => None,
            };
        }
        self.watchers = std::mem::take(&mut self.watchers)
            .into_iter()
            .filter(|(issue, _)| *issue != idx)
            .map(|(issue, user)| (shift(issue), user))
            .collect();
        self.estimates = std::mem::take(&mut self.estimates)
            .into_iter()
            .filter(|(issue, _)| *issue != idx)
            .map(|(issue, e)| (shift(issue), e))
            .collect();
        self.due_dates = std::mem::take(&mut self.due_dates)
            .into_iter()
            .filter(|(issue, _)| *issue != idx)
            .map(|(issue, d)| (shift(issue), d))
            .collect();
        self.issue_extras.remove(&removed.id);
        self.remote_links.retain(|r| r.issue != idx);
        for r in &mut self.remote_links {
            r.issue = shift(r.issue);
        }
    }
}
