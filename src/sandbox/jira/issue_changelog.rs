//! Cloud `GET /rest/api/3/issue/{issueIdOrKey}/changelog`: one issue's histories, oldest
//! first, as a `PageBeanChangelog` (`startAt`, `maxResults` up to 100, `total`, `isLast`,
//! `values`). Server/DC has no such resource (clients expand `changelog` on the issue).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::int_param;
use crate::sandbox::jira::render::{Ctx, Flavour};
use crate::sandbox::timefmt::jira as ts;
use crate::sandbox::{SandboxState, base_url};

/// `GET /rest/api/3/issue/{key}/changelog?startAt=&maxResults=`.
pub async fn changelog(
    State(state): State<SandboxState>,
    Path(key): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let start = usize::try_from(int_param(&q, "startAt")?.unwrap_or(0)).unwrap_or(usize::MAX);
    let max =
        usize::try_from(int_param(&q, "maxResults")?.unwrap_or(100).clamp(1, 100)).unwrap_or(100);
    let store = state.store();
    let idx = store.issue_index(&key).ok_or_else(|| {
        ApiError::not_found(
            Family::Jira,
            "Issue does not exist or you do not have permission to see it.",
        )
    })?;
    let ctx = Ctx {
        store: &store,
        flavour: Flavour::V3,
        base: &base,
    };
    let issue = &store.issues[idx];
    let total = issue.history.len();
    let values: Vec<Value> = issue
        .history
        .iter()
        .skip(start)
        .take(max)
        .map(|h| {
            json!({
                "id": h.id, "author": ctx.user_at(h.author), "created": ts(h.created),
                "items": h.items.iter().map(|(f, from, to)| json!({
                    "field": f, "fieldtype": "jira", "fieldId": f, "fromString": from, "toString": to
                })).collect::<Vec<_>>()
            })
        })
        .collect();
    let is_last = start.saturating_add(values.len()) >= total;
    let mut out = json!({
        "self": format!("{base}/rest/api/3/issue/{}/changelog?startAt={start}&maxResults={max}", issue.key),
        "startAt": start, "maxResults": max, "total": total, "isLast": is_last, "values": values,
    });
    if !is_last {
        out["nextPage"] = json!(format!(
            "{base}/rest/api/3/issue/{}/changelog?startAt={}&maxResults={max}",
            issue.key,
            start + max
        ));
    }
    Ok(Json(out))
}
