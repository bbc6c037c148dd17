//! Service Management and Forms data of the sandbox: one service desk over project `OPS`
//! with three queues (JQL run by the sandbox's own JQL engine), two request types with
//! their fields, the customer requests created through the API, and forms on `OPS-1`.
//!
//! Kept apart from the seed generator's random stream, so adding it left the pinned data
//! set of seed 0 unchanged.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::sandbox::model::Store;
use crate::sandbox::timefmt::SEED_EPOCH;

/// A service desk over one project.
#[derive(Debug, Clone)]
pub struct ServiceDesk {
    /// Service desk id (not the project id).
    pub id: String,
    /// Project index.
    pub project: usize,
}

/// A queue: a named JQL over the desk's project.
#[derive(Debug, Clone)]
pub struct Queue {
    /// Queue id.
    pub id: String,
    /// Service desk id.
    pub desk: String,
    /// Name.
    pub name: String,
    /// JQL the sandbox evaluates.
    pub jql: String,
    /// Issue fields the queue shows.
    pub fields: Vec<&'static str>,
}

/// A field customers fill in when raising a request.
#[derive(Debug, Clone)]
pub struct RequestField {
    /// Jira field id (`summary`, `customfield_10050`).
    pub field_id: String,
    /// Label on the portal.
    pub name: String,
    /// Help text.
    pub description: String,
    /// Must be given.
    pub required: bool,
    /// `jiraSchema` as Jira reports it.
    pub schema: Value,
    /// Allowed `(value, label)` pairs; empty = free input.
    pub valid_values: Vec<(String, String)>,
}

/// A request type: what customers can ask for, mapped to an issue type.
#[derive(Debug, Clone)]
pub struct RequestType {
    /// Id.
    pub id: String,
    /// Service desk id.
    pub desk: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Issue type index the request creates.
    pub issue_type: usize,
    /// Portal groups.
    pub group_ids: Vec<String>,
    /// Fields, in portal order.
    pub fields: Vec<RequestField>,
}

/// A customer request raised through `POST /rest/servicedeskapi/request`.
#[derive(Debug, Clone)]
pub struct CustomerRequest {
    /// Issue id.
    pub issue_id: String,
    /// Request type id.
    pub request_type: String,
    /// Participants (user indexes).
    pub participants: Vec<usize>,
    /// Values of the request type's custom fields, by field id.
    pub custom: BTreeMap<String, Value>,
}

/// One question of a form.
#[derive(Debug, Clone)]
pub struct Question {
    /// Id, unique within the form (`"1"`).
    pub id: String,
    /// Forms type code: `ts` short text, `tl` long text, `no` number, `da` date, `cs`
    /// single choice, `cm` multiple choice.
    pub kind: &'static str,
    /// Label.
    pub label: String,
    /// Answer required before submitting.
    pub required: bool,
    /// `(id, label)` choices for `cs`/`cm`.
    pub choices: Vec<(String, String)>,
}

/// A form attached to an issue.
#[derive(Debug, Clone)]
pub struct Form {
    /// Form id (a UUID).
    pub id: String,
    /// Issue id.
    pub issue_id: String,
    /// Template it was copied from.
    pub template_id: String,
    /// Name.
    pub name: String,
    /// Internal (agents only) rather than visible to customers.
    pub internal: bool,
    /// `o` open, `s` submitted, `l` locked.
    pub status: &'static str,
    /// Last change (unix seconds).
    pub updated: i64,
    /// Questions in layout order.
    pub questions: Vec<Question>,
    /// Answers by question id, in the API's shape (`{"text": ...}`, `{"choices": [...]}`).
    pub answers: BTreeMap<String, Value>,
}

/// Everything Service Management and Forms hold.
#[derive(Debug, Clone, Default)]
pub struct Jsm {
    /// Service desks.
    pub desks: Vec<ServiceDesk>,
    /// Queues.
    pub queues: Vec<Queue>,
    /// Request types.
    pub request_types: Vec<RequestType>,
    /// Requests raised through the API.
    pub requests: Vec<CustomerRequest>,
    /// Forms on issues.
    pub forms: Vec<Form>,
}

fn field(id: &str, name: &str, required: bool, schema: Value) -> RequestField {
    RequestField {
        field_id: id.to_owned(),
        name: name.to_owned(),
        description: String::new(),
        required,
        schema,
        valid_values: Vec::new(),
    }
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// Seeds the service desk over `OPS` and the forms on `OPS-1`.
pub(crate) fn seed(store: &mut Store) {
    let Some(ops) = store.projects.iter().position(|p| p.key == "OPS") else {
        return;
    };
    let desk = "1".to_owned();
    store.jsm.desks.push(ServiceDesk {
        id: desk.clone(),
        project: ops,
    });
    let fields = vec![
        "issuetype",
        "issuekey",
        "summary",
        "status",
        "reporter",
        "assignee",
        "created",
    ];
    for (id, name, jql) in [
        (
            "1",
            "All open",
            "project = OPS AND status != Done ORDER BY created DESC",
        ),
        (
            "2",
            "Unassigned",
            "project = OPS AND assignee is EMPTY AND status != Done ORDER BY created DESC",
        ),
        (
            "3",
            "Resolved",
            "project = OPS AND status = Done ORDER BY created DESC",
        ),
    ] {
        store.jsm.queues.push(Queue {
            id: id.into(),
            desk: desk.clone(),
            name: name.into(),
            jql: jql.into(),
            fields: fields.clone(),
        });
    }
    let string = |system: &str| serde_json::json!({"type": "string", "system": system});
    let type_index = |name: &str| {
        store
            .issue_types
            .iter()
            .position(|t| t.name == name)
            .unwrap_or(0)
    };
    let mut impact = field(
        "customfield_10050",
        "Impact",
        true,
        serde_json::json!({"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select", "customId": 10050}),
    );
    impact.valid_values = pairs(&[("10100", "Low"), ("10101", "Medium"), ("10102", "High")]);
    let mut priority = field(
        "priority",
        "Urgency",
        false,
        serde_json::json!({"type": "priority", "system": "priority"}),
    );
    priority.valid_values = store
        .priorities
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    store.jsm.request_types = vec![
        RequestType {
            id: "10".into(),
            desk: desk.clone(),
            name: "Get IT help".into(),
            description: "Ask the IT team for help with hardware or software.".into(),
            issue_type: type_index("Task"),
            group_ids: vec!["1".into()],
            fields: vec![
                field("summary", "What do you need?", true, string("summary")),
                field("description", "Tell us more", false, string("description")),
                priority,
            ],
        },
        RequestType {
            id: "11".into(),
            desk: desk.clone(),
            name: "Report a system problem".into(),
            description: "Something is broken or unavailable.".into(),
            issue_type: type_index("Bug"),
            group_ids: vec!["2".into()],
            fields: vec![
                field("summary", "Summarize the problem", true, string("summary")),
                field("description", "What happened?", true, string("description")),
                impact,
            ],
        },
    ];
    let Some(issue_id) = store
        .issues
        .iter()
        .find(|i| i.key == "OPS-1")
        .map(|i| i.id.clone())
    else {
        return;
    };
    let q =
        |id: &str, kind: &'static str, label: &str, required: bool, choices: &[(&str, &str)]| {
            Question {
                id: id.into(),
                kind,
                label: label.into(),
                required,
                choices: pairs(choices),
            }
        };
    let mut done = BTreeMap::new();
    done.insert("1".to_owned(), serde_json::json!({"choices": ["1"]}));
    store.jsm.forms = vec![
        Form {
            id: "c5a1e5f2-3b6d-4f7a-9e21-5d8c0a4b7e10".into(),
            issue_id: issue_id.clone(),
            template_id: "0e5c9b1a-7d42-4c3e-8f5a-2b6d9e1c4a70".into(),
            name: "Access request".into(),
            internal: false,
            status: "o",
            updated: SEED_EPOCH,
            questions: vec![
                q("1", "ts", "System name", true, &[]),
                q("2", "tl", "Business justification", false, &[]),
                q(
                    "3",
                    "cs",
                    "Access level",
                    true,
                    &[("1", "Read"), ("2", "Write"), ("3", "Admin")],
                ),
                q("4", "da", "Needed by", false, &[]),
                q("5", "no", "Number of users", false, &[]),
            ],
            answers: BTreeMap::from([(
                "1".to_owned(),
                serde_json::json!({"text": "Billing dashboard"}),
            )]),
        },
        Form {
            id: "9b2f7c44-1e08-4d5b-a3c6-7f1e2d9a8b35".into(),
            issue_id,
            template_id: "5f3a8e2d-9c17-4b6e-b1d4-8a2c7e5f9d03".into(),
            name: "Change checklist".into(),
            internal: true,
            status: "s",
            updated: SEED_EPOCH,
            questions: vec![q(
                "1",
                "cm",
                "Checks done",
                true,
                &[("1", "Backup taken"), ("2", "Rollback plan")],
            )],
            answers: done,
        },
    ];
}
