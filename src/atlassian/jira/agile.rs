//! Jira Software REST `/rest/agile/1.0`, the same paths on Cloud and Server/DC: boards,
//! sprints, their issues, and sprint writes. Board and sprint lists page over `values[]`
//! with `isLast`; issue lists page with `startAt`/`maxResults`/`total`.

use reqwest::Method;
use serde_json::{Value, json};

use super::encode;
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;

const AGILE: &str = "/rest/agile/1.0";

/// Filters of [`boards`].
#[derive(Debug, Clone, Default)]
pub struct BoardQuery<'a> {
    /// Board name contains this.
    pub name: Option<&'a str>,
    /// Project key or id.
    pub project: Option<&'a str>,
    /// `scrum`, `kanban` or `simple`.
    pub kind: Option<&'a str>,
    /// Offset.
    pub start_at: u64,
    /// Page size.
    pub max_results: u32,
}

/// `GET /board`: one page of boards (`values`, `isLast`, maybe `total`).
pub async fn boards(
    client: &ServiceClient,
    auth: &CallAuth,
    q: &BoardQuery<'_>,
) -> Result<Value, AtlassianError> {
    let mut query = vec![
        ("startAt", q.start_at.to_string()),
        ("maxResults", q.max_results.to_string()),
    ];
    for (k, v) in [
        ("name", q.name),
        ("projectKeyOrId", q.project),
        ("type", q.kind),
    ] {
        if let Some(v) = v {
            query.push((k, v.to_owned()));
        }
    }
    Ok(client
        .get(auth, &format!("{AGILE}/board"), &query)
        .await?
        .body)
}

/// `GET /board/{id}`.
pub async fn board(
    client: &ServiceClient,
    auth: &CallAuth,
    board_id: &str,
) -> Result<Value, AtlassianError> {
    let path = format!("{AGILE}/board/{}", encode(board_id));
    Ok(client.get(auth, &path, &[]).await?.body)
}

/// `GET /sprint/{id}`.
pub async fn sprint(
    client: &ServiceClient,
    auth: &CallAuth,
    sprint_id: &str,
) -> Result<Value, AtlassianError> {
    let path = format!("{AGILE}/sprint/{}", encode(sprint_id));
    Ok(client.get(auth, &path, &[]).await?.body)
}

/// `GET /board/{id}/sprint`: one page of a board's sprints, optionally by state list.
pub async fn board_sprints(
    client: &ServiceClient,
    auth: &CallAuth,
    board_id: &str,
    state: Option<&str>,
    start_at: u64,
    max_results: u32,
) -> Result<Value, AtlassianError> {
    let mut query = vec![
        ("startAt", start_at.to_string()),
        ("maxResults", max_results.to_string()),
    ];
    if let Some(s) = state {
        query.push(("state", s.to_owned()));
    }
    let path = format!("{AGILE}/board/{}/sprint", encode(board_id));
    Ok(client.get(auth, &path, &query).await?.body)
}

/// Options of [`issues`].
#[derive(Debug, Clone)]
pub struct IssueQuery<'a> {
    /// `board/{id}` or `sprint/{id}` (already encoded).
    pub owner: String,
    /// Optional JQL narrowing the list.
    pub jql: Option<&'a str>,
    /// Comma list of fields.
    pub fields: &'a str,
    /// Comma list of expansions.
    pub expand: Option<&'a str>,
    /// Offset.
    pub start_at: u64,
    /// Page size.
    pub max_results: u32,
}

/// `GET /board/{id}/issue` or `GET /sprint/{id}/issue`: one page (`issues`, `total`).
pub async fn issues(
    client: &ServiceClient,
    auth: &CallAuth,
    q: &IssueQuery<'_>,
) -> Result<Value, AtlassianError> {
    let mut query = vec![
        ("startAt", q.start_at.to_string()),
        ("maxResults", q.max_results.to_string()),
        ("fields", q.fields.to_owned()),
    ];
    if let Some(j) = q.jql {
        query.push(("jql", j.to_owned()));
    }
    if let Some(e) = q.expand {
        query.push(("expand", e.to_owned()));
    }
    let path = format!("{AGILE}/{}/issue", q.owner);
    Ok(client.get(auth, &path, &query).await?.body)
}

/// Path segment of a board's issue list.
pub fn board_owner(board_id: &str) -> String {
    format!("board/{}", encode(board_id))
}

/// Path segment of a sprint's issue list.
pub fn sprint_owner(sprint_id: &str) -> String {
    format!("sprint/{}", encode(sprint_id))
}

/// `POST /sprint`: creates a future sprint; `body` holds name, dates, goal, `originBoardId`.
pub async fn create_sprint(
    client: &ServiceClient,
    auth: &CallAuth,
    body: &Value,
) -> Result<Value, AtlassianError> {
    Ok(client
        .post(auth, &format!("{AGILE}/sprint"), body)
        .await?
        .body)
}

/// `POST /sprint/{id}`: partial update, only the given fields change.
pub async fn update_sprint(
    client: &ServiceClient,
    auth: &CallAuth,
    sprint_id: &str,
    body: &Value,
) -> Result<Value, AtlassianError> {
    let path = format!("{AGILE}/sprint/{}", encode(sprint_id));
    Ok(client.post(auth, &path, body).await?.body)
}

/// `POST /sprint/{id}/issue`: moves up to 50 issues into the sprint.
pub async fn move_to_sprint(
    client: &ServiceClient,
    auth: &CallAuth,
    sprint_id: &str,
    keys: &[String],
) -> Result<(), AtlassianError> {
    let path = format!("{AGILE}/sprint/{}/issue", encode(sprint_id));
    client
        .call(
            auth,
            Method::POST,
            &path,
            &[],
            Some(&json!({"issues": keys})),
        )
        .await?;
    Ok(())
}

/// `POST /backlog/issue`: takes up to 50 issues out of their sprints.
pub async fn move_to_backlog(
    client: &ServiceClient,
    auth: &CallAuth,
    keys: &[String],
) -> Result<(), AtlassianError> {
    client
        .call(
            auth,
            Method::POST,
            &format!("{AGILE}/backlog/issue"),
            &[],
            Some(&json!({"issues": keys})),
        )
        .await?;
    Ok(())
}
