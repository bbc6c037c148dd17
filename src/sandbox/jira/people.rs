//! Users and watchers: `GET /user`, `GET /user/search`, `GET /user/assignable/search` and
//! `GET|POST|DELETE /issue/{key}/watchers`.
//!
//! Cloud (v3) names people by `accountId` only; Server/DC (v2) by `username` (or `key`).
//! The user search parameter is `query` on Cloud and `username` on Server/DC, and matches
//! the start of the name, display name (or any word of it) and e-mail, case-insensitively.
//! Every user is assignable in every project.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::render::{Ctx, Flavour};
use crate::sandbox::jira::{flavour, int_param, json_body, params};
use crate::sandbox::model::{Store, User};
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;

fn first<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params(q, name)
        .first()
        .copied()
        .filter(|s| !s.trim().is_empty())
}

fn find_issue(store: &Store, key: &str) -> Result<usize, ApiError> {
    store.issue_index(key).ok_or_else(|| {
        ApiError::not_found(
            Family::Jira,
            "Issue does not exist or you do not have permission to see it.",
        )
    })
}

/// The user a request names: `accountId` on Cloud, `username`/`key` on Server/DC.
fn named_user(store: &Store, flavour: Flavour, q: &[(String, String)]) -> Result<usize, ApiError> {
    let wanted = match flavour {
        Flavour::V3 => first(q, "accountId").ok_or_else(|| {
            ApiError::bad_request(
                Family::Jira,
                "The accountId query parameter needs to be provided.",
            )
        })?,
        Flavour::V2 => first(q, "username")
            .or_else(|| first(q, "key"))
            .ok_or_else(|| {
                ApiError::bad_request(
                    Family::Jira,
                    "Either the 'username' or the 'key' query parameters need to be provided",
                )
            })?,
    };
    let found = match flavour {
        Flavour::V3 => store.users.iter().position(|u| u.account_id == wanted),
        Flavour::V2 => store
            .users
            .iter()
            .position(|u| u.key == wanted || u.name.eq_ignore_ascii_case(wanted)),
    };
    found.ok_or_else(|| {
        ApiError::not_found(
            Family::Jira,
            format!("The user named '{wanted}' does not exist"),
        )
    })
}

fn matches(u: &User, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return true;
    }
    let display = u.display_name.to_lowercase();
    u.name.to_lowercase().starts_with(&q)
        || u.email.to_lowercase().starts_with(&q)
        || display.starts_with(&q)
        || display.split_whitespace().any(|w| w.starts_with(&q))
}

/// `GET /rest/api/{2,3}/user`.
pub async fn get_user(
    State(state): State<SandboxState>,
    Path(ver): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    let idx = named_user(&store, flavour, &q)?;
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    let mut v = ctx.user(&store.users[idx]);
    if let Value::Object(m) = &mut v {
        m.insert("locale".into(), json!("en_US"));
        m.insert("expand".into(), json!("groups,applicationRoles"));
    }
    Ok(Json(v))
}

fn search_users(
    state: &SandboxState,
    ver: &str,
    q: &[(String, String)],
    headers: &HeaderMap,
    assignable: bool,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(ver)?;
    let base = base_url(headers);
    let text_param = match flavour {
        Flavour::V3 => "query",
        Flavour::V2 => "username",
    };
    let text = first(q, text_param).unwrap_or_default().to_owned();
    if !assignable && text.is_empty() {
        return Err(ApiError::bad_request(
            Family::Jira,
            format!("The '{text_param}' query parameter needs to be provided."),
        ));
    }
    let start = int_param(q, "startAt")?.unwrap_or(0);
    let max = int_param(q, "maxResults")?.unwrap_or(50).min(1000);
    let store = state.store();
    if assignable {
        let project = first(q, "project");
        let issue = first(q, "issueKey");
        if project.is_none() && issue.is_none() {
            return Err(ApiError::bad_request(
                Family::Jira,
                "Provide at least one of the following query parameters: issueKey, project.",
            ));
        }
        if let Some(p) = project
            && !store
                .projects
                .iter()
                .any(|x| x.key.eq_ignore_ascii_case(p) || x.id == p)
        {
            return Err(ApiError::not_found(
                Family::Jira,
                format!("No project could be found with key '{p}'."),
            ));
        }
        if let Some(i) = issue {
            find_issue(&store, i)?;
        }
    }
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    let list: Vec<Value> = store
        .users
        .iter()
        .filter(|u| matches(u, &text))
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(max).unwrap_or(usize::MAX))
        .map(|u| ctx.user(u))
        .collect();
    Ok(Json(Value::Array(list)))
}

/// `GET /rest/api/{2,3}/user/search` (`query` on v3, `username` on v2).
pub async fn user_search(
    State(state): State<SandboxState>,
    Path(ver): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    search_users(&state, &ver, &q, &headers, false)
}

/// `GET /rest/api/{2,3}/user/assignable/search` (needs `project` or `issueKey`).
pub async fn assignable_search(
    State(state): State<SandboxState>,
    Path(ver): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    search_users(&state, &ver, &q, &headers, true)
}

/// `GET /rest/api/{2,3}/issue/{key}/watchers`.
pub async fn get_watchers(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let flavour = flavour(&ver)?;
    let base = base_url(&headers);
    let store = state.store();
    let idx = find_issue(&store, &key)?;
    let ctx = Ctx {
        store: &store,
        flavour,
        base: &base,
    };
    let watchers: Vec<Value> = store
        .watchers
        .range((idx, 0)..=(idx, usize::MAX))
        .filter_map(|(_, u)| store.users.get(*u))
        .map(|u| {
            let mut v = ctx.user(u);
            // Watcher lists carry the short user form: no e-mail (privacy), no locale.
            if let Value::Object(m) = &mut v {
                m.remove("emailAddress");
            }
            v
        })
        .collect();
    let issue = &store.issues[idx];
    Ok(Json(json!({
        "self": format!("{base}/rest/api/{}/issue/{}/watchers", flavour.num(), issue.key),
        "isWatching": store.watchers.contains(&(idx, me)),
        "watchCount": watchers.len(),
        "watchers": watchers,
    })))
}

/// `POST /rest/api/{2,3}/issue/{key}/watchers` with a JSON string body: the account id
/// (v3) or user name (v2; also `?userName=`). An empty body adds the caller. 204.
pub async fn add_watcher(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    Query(q): Q,
    body: Bytes,
) -> Result<Response, ApiError> {
    let flavour = flavour(&ver)?;
    let named = match json_body(&body)? {
        Value::String(s) => Some(s),
        Value::Object(m) if m.is_empty() => None,
        _ => {
            return Err(ApiError::bad_request(
                Family::Jira,
                "The request body must be a JSON string naming the user.",
            ));
        }
    };
    let named = named.or_else(|| match flavour {
        Flavour::V2 => first(&q, "userName").map(str::to_owned),
        Flavour::V3 => None,
    });
    let mut store = state.store();
    let idx = find_issue(&store, &key)?;
    let user = match named {
        None => me,
        Some(n) => {
            let found = match flavour {
                Flavour::V3 => store.users.iter().position(|u| u.account_id == n),
                Flavour::V2 => store
                    .users
                    .iter()
                    .position(|u| u.name.eq_ignore_ascii_case(&n)),
            };
            found.ok_or_else(|| {
                ApiError::bad_request(Family::Jira, format!("The user \"{n}\" does not exist."))
            })?
        }
    };
    store.watchers.insert((idx, user));
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /rest/api/{2,3}/issue/{key}/watchers?accountId=` (v3) or `?username=` (v2). 204.
pub async fn remove_watcher(
    State(state): State<SandboxState>,
    Path((ver, key)): Path<(String, String)>,
    Query(q): Q,
) -> Result<Response, ApiError> {
    let flavour = flavour(&ver)?;
    let mut store = state.store();
    let idx = find_issue(&store, &key)?;
    let q: Vec<(String, String)> = q
        .into_iter()
        .map(|(k, v)| {
            (
                if k == "userName" {
                    "username".into()
                } else {
                    k
                },
                v,
            )
        })
        .collect();
    let user = named_user(&store, flavour, &q)?;
    store.watchers.remove(&(idx, user));
    Ok(StatusCode::NO_CONTENT.into_response())
}
