//! Cloud `POST /rest/api/3/changelog/bulkfetch`: the change histories of several issues,
//! optionally only for some fields, paged by an opaque `nextPageToken`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::json_body;
use crate::sandbox::jira::render::{Ctx, Flavour};
use crate::sandbox::timefmt::jira as ts;
use crate::sandbox::{SandboxState, base_url};

/// `POST /rest/api/3/changelog/bulkfetch` with `issueIdsOrKeys`, `fieldIds`, `maxResults`
/// (histories per page, default 1000) and `nextPageToken`.
pub async fn bulk_fetch(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(&headers);
    let body = json_body(&body)?;
    let strings = |name: &str| -> Vec<String> {
        body.get(name)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let keys = strings("issueIdsOrKeys");
    if keys.is_empty() || keys.len() > 1000 {
        return Err(ApiError::bad_request(
            Family::Jira,
            "issueIdsOrKeys must name between 1 and 1000 issues.",
        ));
    }
    let fields = strings("fieldIds");
    let max = usize::try_from(
        body.get("maxResults")
            .and_then(Value::as_u64)
            .unwrap_or(1000)
            .clamp(1, 10_000),
    )
    .unwrap_or(1000);
    let skip = match body.get("nextPageToken").and_then(Value::as_str) {
        None => 0,
        Some(t) => t
            .strip_prefix("cl-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::bad_request(Family::Jira, "The nextPageToken is invalid."))?,
    };
    let store = state.store();
    let ctx = Ctx {
        store: &store,
        flavour: Flavour::V3,
        base: &base,
    };
    // Every matching history, issue by issue, so a page can cut across issues.
    let mut all: Vec<(String, Value)> = Vec::new();
    for key in &keys {
        let Some(idx) = store.issue_index(key) else {
            continue;
        };
        let issue = &store.issues[idx];
        for h in &issue.history {
            let items: Vec<Value> = h
                .items
                .iter()
                .filter(|(f, _, _)| fields.is_empty() || fields.contains(f))
                .map(|(f, from, to)| json!({"field": f, "fieldId": f, "fieldtype": "jira", "fromString": from, "toString": to}))
                .collect();
            if items.is_empty() {
                continue;
            }
            all.push((issue.id.clone(), json!({"id": h.id, "author": ctx.user_at(h.author), "created": ts(h.created), "items": items})));
        }
    }
    let total = all.len();
    let mut logs: Vec<Value> = Vec::new();
    for (issue_id, history) in all.into_iter().skip(skip).take(max) {
        match logs.last_mut() {
            Some(last) if last["issueId"] == issue_id.as_str() => {
                if let Some(a) = last["changeHistories"].as_array_mut() {
                    a.push(history);
                }
            }
            _ => logs.push(json!({"issueId": issue_id, "changeHistories": [history]})),
        }
    }
    let mut out = json!({"issueChangeLogs": logs});
    if skip + max < total {
        out["nextPageToken"] = json!(format!("cl-{}", skip + max));
    }
    Ok(Json(out))
}
