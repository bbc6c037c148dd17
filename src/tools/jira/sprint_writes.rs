//! Jira Software write tools: `jira_create_sprint`, `jira_update_sprint` (a partial update:
//! only the given fields change), `jira_add_issues_to_sprint` and
//! `jira_move_issues_to_backlog`. Issue keys are checked against `JIRA_PROJECTS_FILTER`
//! before any upstream call; boards and sprints through their project (see [`super::agile`]),
//! read only when a filter is set.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::agile::{guard_board, guard_sprint, id_arg, sprint};
use super::common::{guard_issue, tri};
use crate::atlassian::jira::agile;
use crate::tools::args::CommaList;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Most issues Jira moves in one request.
const MAX_ISSUES: usize = 50;

/// Arguments of `jira_create_sprint`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// From jira_get_agile_boards.
    board_id: String,
    name: String,
    /// ISO 8601 date-time.
    start_date: String,
    /// ISO 8601, after start_date.
    end_date: String,
    goal: Option<String>,
}

/// Arguments of `jira_update_sprint`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArgs {
    /// From jira_get_sprints_from_board.
    sprint_id: String,
    name: Option<String>,
    /// future, active (start) or closed (complete).
    state: Option<String>,
    /// ISO 8601 date-time.
    start_date: Option<String>,
    /// ISO 8601.
    end_date: Option<String>,
    goal: Option<String>,
}

/// Arguments of `jira_add_issues_to_sprint`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddArgs {
    /// From jira_get_sprints_from_board.
    sprint_id: String,
    /// Comma list, e.g. PROJ-1,PROJ-2 (at most 50).
    issue_keys: CommaList,
}

/// Arguments of `jira_move_issues_to_backlog`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BacklogArgs {
    /// Comma list, e.g. PROJ-1,PROJ-2 (at most 50).
    issue_keys: CommaList,
}

struct CreateSprint(Arc<ToolEnv>);
struct UpdateSprint(Arc<ToolEnv>);
struct AddToSprint(Arc<ToolEnv>);
struct MoveToBacklog(Arc<ToolEnv>);

fn meta(
    name: &'static str,
    description: &'static str,
    destructive: bool,
    idempotent: bool,
) -> Meta {
    Meta {
        name,
        description,
        toolset: "jira_agile",
        product: Product::Jira,
        access: Access::Write,
        destructive,
        idempotent,
        availability: Availability::BOTH,
    }
}

/// The four write tools.
pub(super) fn tools(env: &Arc<ToolEnv>) -> Vec<Arc<dyn Tool>> {
    vec![
        Typed::tool(
            meta(
                "jira_create_sprint",
                "Create a future sprint on a Scrum board.",
                false,
                false,
            ),
            CreateSprint(env.clone()),
        ),
        Typed::tool(
            meta(
                "jira_update_sprint",
                "Change a sprint's name, dates, goal or state (start, complete).",
                false,
                true,
            ),
            UpdateSprint(env.clone()),
        ),
        Typed::tool(
            meta(
                "jira_add_issues_to_sprint",
                "Move issues into a sprint.",
                true,
                true,
            ),
            AddToSprint(env.clone()),
        ),
        Typed::tool(
            meta(
                "jira_move_issues_to_backlog",
                "Take issues out of their sprint and put them in the backlog.",
                true,
                true,
            ),
            MoveToBacklog(env.clone()),
        ),
    ]
}

fn non_empty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// The issue keys, each checked against the project filter, before any upstream call.
fn guarded_keys(env: &ToolEnv, list: &CommaList) -> Result<Vec<String>, ToolOutput> {
    let keys: Vec<String> = list
        .0
        .iter()
        .map(|k| k.trim().to_ascii_uppercase())
        .filter(|k| !k.is_empty())
        .collect();
    if keys.is_empty() {
        return Err(ToolOutput::error(
            "issue_keys is empty; pass keys such as PROJ-1,PROJ-2.",
        ));
    }
    if keys.len() > MAX_ISSUES {
        return Err(ToolOutput::error(format!(
            "{} issues given; Jira moves at most {MAX_ISSUES} at a time, so split the list.",
            keys.len()
        )));
    }
    keys.iter().map(|k| guard_issue(env, k)).collect()
}

impl Logic for CreateSprint {
    type Args = CreateArgs;

    async fn run(&self, ctx: &ToolContext, args: CreateArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let board_id = tri!(id_arg(&args.board_id, "board_id", "jira_get_agile_boards"));
        let Some(name) = non_empty(Some(&args.name)) else {
            return ToolOutput::error("name is empty; give the sprint a name.");
        };
        let (Some(start), Some(end)) = (
            non_empty(Some(&args.start_date)),
            non_empty(Some(&args.end_date)),
        ) else {
            return ToolOutput::error(
                "start_date and end_date are required, e.g. 2025-05-01T09:00:00.000+0000.",
            );
        };
        tri!(guard_board(env, client, &auth, &board_id).await);
        let Ok(origin) = board_id.parse::<u64>() else {
            return ToolOutput::error("board_id is too large; get one from jira_get_agile_boards.");
        };
        let mut body = json!({
            "name": name,
            "originBoardId": origin,
            "startDate": start,
            "endDate": end,
        });
        if let Some(goal) = non_empty(args.goal.as_deref()) {
            body["goal"] = json!(goal);
        }
        let created = tri!(
            agile::create_sprint(client, &auth, &body)
                .await
                .map_err(|e| upstream_error(&e))
        );
        json_output(json!({"created": true, "sprint": sprint(&created)}))
    }
}

impl Logic for UpdateSprint {
    type Args = UpdateArgs;

    async fn run(&self, ctx: &ToolContext, args: UpdateArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let sprint_id = tri!(id_arg(
            &args.sprint_id,
            "sprint_id",
            "jira_get_sprints_from_board"
        ));
        let mut body = Map::new();
        for (k, v) in [
            ("name", non_empty(args.name.as_deref())),
            ("startDate", non_empty(args.start_date.as_deref())),
            ("endDate", non_empty(args.end_date.as_deref())),
        ] {
            if let Some(v) = v {
                body.insert(k.into(), json!(v));
            }
        }
        // An empty goal is a real change (clearing it), unlike an empty name or date.
        if let Some(goal) = &args.goal {
            body.insert("goal".into(), json!(goal.trim()));
        }
        if let Some(state) = non_empty(args.state.as_deref()) {
            let state = state.to_ascii_lowercase();
            if !matches!(state.as_str(), "future" | "active" | "closed") {
                return ToolOutput::error(format!(
                    "state {state:?} is not a sprint state; use active to start it or closed to complete it."
                ));
            }
            body.insert("state".into(), json!(state));
        }
        if body.is_empty() {
            return ToolOutput::error(
                "Nothing to change; give at least one of name, state, start_date, end_date, goal.",
            );
        }
        tri!(guard_sprint(env, client, &auth, &sprint_id).await);
        let updated = tri!(
            agile::update_sprint(client, &auth, &sprint_id, &Value::Object(body))
                .await
                .map_err(|e| upstream_error(&e))
        );
        json_output(json!({"updated": true, "sprint": sprint(&updated)}))
    }
}

impl Logic for AddToSprint {
    type Args = AddArgs;

    async fn run(&self, ctx: &ToolContext, args: AddArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let sprint_id = tri!(id_arg(
            &args.sprint_id,
            "sprint_id",
            "jira_get_sprints_from_board"
        ));
        let keys = tri!(guarded_keys(env, &args.issue_keys));
        // In-scope issues must not land in a sprint of an out-of-scope board either.
        tri!(guard_sprint(env, client, &auth, &sprint_id).await);
        tri!(
            agile::move_to_sprint(client, &auth, &sprint_id, &keys)
                .await
                .map_err(|e| upstream_error(&e))
        );
        json_output(json!({"sprint_id": sprint_id, "moved": keys}))
    }
}

impl Logic for MoveToBacklog {
    type Args = BacklogArgs;

    async fn run(&self, ctx: &ToolContext, args: BacklogArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let keys = tri!(guarded_keys(env, &args.issue_keys));
        tri!(
            agile::move_to_backlog(client, &auth, &keys)
                .await
                .map_err(|e| upstream_error(&e))
        );
        json_output(json!({"moved_to_backlog": keys}))
    }
}
