//! Jira Software read tools: `jira_get_agile_boards`, `jira_get_board_issues`,
//! `jira_get_sprints_from_board` and `jira_get_sprint_issues`, plus the board and sprint
//! shapes and the project-filter checks the sprint write tools share.
//!
//! Boards and sprints carry no project key of their own: with `JIRA_PROJECTS_FILTER` set,
//! a board is in scope when its location project is, and a sprint when its origin board is
//! (one read each, before anything else is fetched or written).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::tri;
use super::{DEFAULT_FIELDS, confine, project_of};
use crate::atlassian::jira::agile::{self, BoardQuery, IssueQuery};
use crate::atlassian::{CallAuth, ServiceClient};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, time_value, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::scope::scope;
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_agile_boards`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BoardsArgs {
    /// Part of the name.
    board_name: Option<String>,
    project_key: Option<String>,
    /// scrum or kanban.
    board_type: Option<String>,
    #[schemars(range(min = 0), extend("default" = 0))]
    start_at: Option<u64>,
    #[schemars(range(min = 1, max = 50), extend("default" = 10))]
    limit: Option<u32>,
}

/// Arguments of `jira_get_board_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BoardIssuesArgs {
    /// From jira_get_agile_boards.
    board_id: String,
    /// e.g. status = "In Progress"; "" for all.
    jql: String,
    /// Comma list (default: common ones).
    fields: Option<String>,
    #[schemars(range(min = 0), extend("default" = 0))]
    start_at: Option<u64>,
    #[schemars(range(min = 1, max = 50), extend("default" = 10))]
    limit: Option<u32>,
    #[schemars(extend("default" = "version"))]
    expand: Option<String>,
}

/// Arguments of `jira_get_sprints_from_board`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SprintsArgs {
    /// From jira_get_agile_boards.
    board_id: String,
    /// Comma list of future, active, closed; default all.
    state: Option<String>,
    #[schemars(range(min = 0), extend("default" = 0))]
    start_at: Option<u64>,
    #[schemars(range(min = 1, max = 50), extend("default" = 10))]
    limit: Option<u32>,
}

/// Arguments of `jira_get_sprint_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SprintIssuesArgs {
    /// From jira_get_sprints_from_board.
    sprint_id: String,
    /// Comma list (default: common ones).
    fields: Option<String>,
    #[schemars(range(min = 0), extend("default" = 0))]
    start_at: Option<u64>,
    #[schemars(range(min = 1, max = 50), extend("default" = 10))]
    limit: Option<u32>,
}

struct Boards(Arc<ToolEnv>);
struct BoardIssues(Arc<ToolEnv>);
struct Sprints(Arc<ToolEnv>);
struct SprintIssues(Arc<ToolEnv>);

fn meta(name: &'static str, description: &'static str) -> Meta {
    Meta {
        name,
        description,
        toolset: "jira_agile",
        product: Product::Jira,
        access: Access::Read,
        destructive: false,
        idempotent: true,
        availability: Availability::BOTH,
    }
}

/// The four read tools.
pub(super) fn tools(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    vec![
        Typed::tool(
            meta(
                "jira_get_agile_boards",
                "Find Scrum/Kanban boards by name, project or type; gives board ids.",
            ),
            Boards(env.clone()),
        ),
        Typed::tool(
            meta(
                "jira_get_board_issues",
                "Issues on a board, optionally narrowed by JQL.",
            ),
            BoardIssues(env.clone()),
        ),
        Typed::tool(
            meta(
                "jira_get_sprints_from_board",
                "A board's sprints with state, dates and goal; gives sprint ids.",
            ),
            Sprints(env.clone()),
        ),
        Typed::tool(
            meta("jira_get_sprint_issues", "Issues in a sprint."),
            SprintIssues(env.clone()),
        ),
    ]
}

/// One board as agents get it.
pub fn board(b: &Value) -> Value {
    json!({
        "id": b["id"],
        "name": b["name"],
        "type": b["type"],
        "project_key": b["location"]["projectKey"],
        "project_name": b["location"]["projectName"],
    })
}

/// One sprint as agents get it.
pub fn sprint(s: &Value) -> Value {
    json!({
        "id": s["id"],
        "name": s["name"],
        "state": s["state"],
        "board_id": s["originBoardId"],
        "start_date": time_value(s.get("startDate")),
        "end_date": time_value(s.get("endDate")),
        "complete_date": time_value(s.get("completeDate")),
        "goal": s["goal"].as_str().filter(|g| !g.is_empty()),
    })
}

fn in_filter(env: &ToolEnv, project: Option<&str>) -> bool {
    env.jira_projects.is_empty()
        || project.is_some_and(|p| env.jira_projects.iter().any(|f| f.eq_ignore_ascii_case(p)))
}

fn outside(what: &str, env: &ToolEnv) -> ToolOutput {
    ToolOutput::error(format!(
        "{what} belongs to a project outside the ones this server may use ({}). Use a board of one of them.",
        env.jira_projects.join(", ")
    ))
}

/// Refuses a board outside `JIRA_PROJECTS_FILTER` (one board read when a filter is set).
pub async fn guard_board(
    env: &ToolEnv,
    client: &ServiceClient,
    auth: &CallAuth,
    board_id: &str,
) -> Result<(), ToolOutput> {
    if env.jira_projects.is_empty() {
        return Ok(());
    }
    let b = agile::board(client, auth, board_id)
        .await
        .map_err(|e| upstream_error(&e))?;
    if in_filter(env, b["location"]["projectKey"].as_str()) {
        Ok(())
    } else {
        Err(outside(&format!("Board {board_id}"), env))
    }
}

/// Refuses a sprint whose board is outside `JIRA_PROJECTS_FILTER` (reads the sprint and
/// its board when a filter is set; nothing otherwise).
pub async fn guard_sprint(
    env: &ToolEnv,
    client: &ServiceClient,
    auth: &CallAuth,
    sprint_id: &str,
) -> Result<(), ToolOutput> {
    if env.jira_projects.is_empty() {
        return Ok(());
    }
    let s = agile::sprint(client, auth, sprint_id)
        .await
        .map_err(|e| upstream_error(&e))?;
    let board_id = s["originBoardId"].to_string();
    guard_board(env, client, auth, &board_id)
        .await
        .map_err(|_| outside(&format!("Sprint {sprint_id}"), env))
}

/// An id argument trimmed, or the message naming the tool that gives it.
pub(super) fn id_arg(value: &str, name: &str, from: &str) -> Result<String, ToolOutput> {
    let v = value.trim();
    if v.is_empty() || !v.chars().all(|c| c.is_ascii_digit()) {
        return Err(ToolOutput::error(format!(
            "{name} {v:?} is not a numeric id; get one from {from}."
        )));
    }
    Ok(v.to_owned())
}

fn fields_arg(fields: Option<&str>) -> &str {
    fields
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .unwrap_or(DEFAULT_FIELDS)
}

/// `jql` confined to `JIRA_PROJECTS_FILTER` (as given without one), or the tool error.
fn confined_jql(env: &ToolEnv, jql: &str) -> Result<String, ToolOutput> {
    scope("project", &env.jira_projects, jql)
        .map_err(|e| ToolOutput::error(format!("The JQL is malformed: {e}.")))
}

/// Shapes an issue page, dropping issues of projects outside the filter (already confined
/// upstream; this is the second line).
fn issue_list(env: &ToolEnv, client: &ServiceClient, page: &Value, head: Value) -> ToolOutput {
    let issues: Vec<Value> = page["issues"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|i| in_filter(env, i["key"].as_str().and_then(project_of).as_deref()))
        .map(|i| confine::shape(&env.jira_projects, i, client.site(), 0, None))
        .collect();
    let mut out = head;
    out["start_at"] = page["startAt"].clone();
    out["total"] = page["total"].clone();
    out["issues"] = Value::Array(issues);
    json_output(out)
}

impl Logic for Boards {
    type Args = BoardsArgs;

    async fn run(&self, ctx: &ToolContext, args: BoardsArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let project = args
            .project_key
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_ascii_uppercase);
        if let Some(p) = &project
            && !in_filter(env, Some(p))
        {
            return outside(&format!("Project {p}"), env);
        }
        let kind = args
            .board_type
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_ascii_lowercase);
        let q = BoardQuery {
            name: args.board_name.as_deref().filter(|n| !n.trim().is_empty()),
            project: project.as_deref(),
            kind: kind.as_deref(),
            start_at: args.start_at.unwrap_or(0),
            max_results: args.limit.unwrap_or(10).clamp(1, 50),
        };
        if !env.jira_projects.is_empty() {
            return filtered_boards(env, client, &auth, q).await;
        }
        let page = tri!(
            agile::boards(client, &auth, &q)
                .await
                .map_err(|e| upstream_error(&e))
        );
        let boards: Vec<Value> = page["values"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(board)
            .collect();
        json_output(json!({
            "start_at": q.start_at,
            "is_last": page["isLast"],
            "total": page["total"],
            "boards": boards,
        }))
    }
}

/// Upstream pages of boards read to list and count the ones inside the filter.
const MAX_BOARD_PAGES: usize = 20;

/// Boards under `JIRA_PROJECTS_FILTER`: Jira's own total and paging count boards of every
/// project, so the boards are read page by page (narrowed to the one project when the
/// filter has one), those outside the filter dropped, and `total`, `start_at` and
/// `is_last` computed over what remains.
async fn filtered_boards(
    env: &ToolEnv,
    client: &ServiceClient,
    auth: &CallAuth,
    q: BoardQuery<'_>,
) -> ToolOutput {
    let only = (env.jira_projects.len() == 1).then(|| env.jira_projects[0].as_str());
    let mut kept: Vec<Value> = Vec::new();
    let mut read = 0u64;
    let mut complete = false;
    for _ in 0..MAX_BOARD_PAGES {
        let upstream = BoardQuery {
            project: q.project.or(only),
            start_at: read,
            max_results: 50,
            ..q
        };
        let page = tri!(
            agile::boards(client, auth, &upstream)
                .await
                .map_err(|e| upstream_error(&e))
        );
        let values = page["values"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        read += values.len() as u64;
        kept.extend(
            values
                .iter()
                .filter(|b| in_filter(env, b["location"]["projectKey"].as_str()))
                .map(board),
        );
        if values.is_empty() || page["isLast"].as_bool() != Some(false) {
            complete = true;
            break;
        }
    }
    let start = usize::try_from(q.start_at).unwrap_or(usize::MAX);
    let total = kept.len();
    let boards: Vec<Value> = kept
        .into_iter()
        .skip(start)
        .take(q.max_results as usize)
        .collect();
    let shown_to = start.saturating_add(boards.len());
    json_output(json!({
        "start_at": q.start_at,
        "is_last": complete && shown_to >= total,
        "total": complete.then_some(total),
        "boards": boards,
        "note": (!complete).then_some(
            "there are more boards than this server reads at once; narrow with project_key or board_name for an exact total",
        ),
    }))
}

impl Logic for BoardIssues {
    type Args = BoardIssuesArgs;

    async fn run(&self, ctx: &ToolContext, args: BoardIssuesArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let board_id = tri!(id_arg(&args.board_id, "board_id", "jira_get_agile_boards"));
        tri!(guard_board(env, client, &auth, &board_id).await);
        // A board's filter may span projects: confine its issues (and so `total`) upstream.
        let jql = tri!(confined_jql(env, &args.jql));
        let q = IssueQuery {
            owner: agile::board_owner(&board_id),
            jql: Some(jql.as_str()).filter(|j| !j.is_empty()),
            fields: fields_arg(args.fields.as_deref()),
            expand: args.expand.as_deref().filter(|e| !e.trim().is_empty()),
            start_at: args.start_at.unwrap_or(0),
            max_results: args.limit.unwrap_or(10).clamp(1, 50),
        };
        let page = tri!(
            agile::issues(client, &auth, &q)
                .await
                .map_err(|e| upstream_error(&e))
        );
        issue_list(env, client, &page, json!({"board_id": board_id}))
    }
}

impl Logic for Sprints {
    type Args = SprintsArgs;

    async fn run(&self, ctx: &ToolContext, args: SprintsArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let board_id = tri!(id_arg(&args.board_id, "board_id", "jira_get_agile_boards"));
        let state = args
            .state
            .as_deref()
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty());
        if let Some(s) = &state
            && let Some(bad) = s
                .split(',')
                .map(str::trim)
                .find(|x| !matches!(*x, "future" | "active" | "closed"))
        {
            return ToolOutput::error(format!(
                "state {bad:?} is not a sprint state; use future, active or closed."
            ));
        }
        tri!(guard_board(env, client, &auth, &board_id).await);
        let start_at = args.start_at.unwrap_or(0);
        let page = tri!(
            agile::board_sprints(
                client,
                &auth,
                &board_id,
                state.as_deref(),
                start_at,
                args.limit.unwrap_or(10).clamp(1, 50),
            )
            .await
            .map_err(|e| upstream_error(&e))
        );
        let mut sprints: Vec<Value> = Vec::new();
        let mut boards_seen: Vec<(String, bool)> = Vec::new();
        for s in page["values"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            // A board also lists sprints begun on other boards: show those only when their
            // own board is inside the filter (one read per other board, failures hide).
            let origin = s["originBoardId"].to_string();
            if !env.jira_projects.is_empty() && origin != board_id {
                let shown = match boards_seen.iter().find(|(b, _)| *b == origin) {
                    Some((_, shown)) => *shown,
                    None => {
                        let shown = guard_board(env, client, &auth, &origin).await.is_ok();
                        boards_seen.push((origin, shown));
                        shown
                    }
                };
                if !shown {
                    continue;
                }
            }
            sprints.push(sprint(s));
        }
        json_output(json!({
            "board_id": board_id,
            "start_at": start_at,
            "is_last": page["isLast"],
            "sprints": sprints,
        }))
    }
}

impl Logic for SprintIssues {
    type Args = SprintIssuesArgs;

    async fn run(&self, ctx: &ToolContext, args: SprintIssuesArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let sprint_id = tri!(id_arg(
            &args.sprint_id,
            "sprint_id",
            "jira_get_sprints_from_board"
        ));
        tri!(guard_sprint(env, client, &auth, &sprint_id).await);
        // A sprint may hold issues of other projects: confine them (and `total`) upstream.
        let jql = tri!(confined_jql(env, ""));
        let q = IssueQuery {
            owner: agile::sprint_owner(&sprint_id),
            jql: Some(jql.as_str()).filter(|j| !j.is_empty()),
            fields: fields_arg(args.fields.as_deref()),
            expand: None,
            start_at: args.start_at.unwrap_or(0),
            max_results: args.limit.unwrap_or(10).clamp(1, 50),
        };
        let page = tri!(
            agile::issues(client, &auth, &q)
                .await
                .map_err(|e| upstream_error(&e))
        );
        issue_list(env, client, &page, json!({"sprint_id": sprint_id}))
    }
}
