//! JQL search: Cloud enhanced search `/rest/api/3/search/jql` (nextPageToken + isLast, no
//! total, ids only unless `fields` is given), the removed Cloud `/rest/api/3/search` (410),
//! and Server/DC `/rest/api/2/search` (startAt/maxResults/total).
//!
//! Page tokens are opaque: they carry the offset and a fingerprint of the JQL, so a token
//! presented with another query is rejected instead of paging the wrong result.

use std::collections::BTreeSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::sandbox::auth::CurrentUser;
use crate::sandbox::error::{ApiError, Family};
use crate::sandbox::jira::render::{Ctx, FieldSelection, Flavour, parse_expand};
use crate::sandbox::jira::{int_param, json_body, params};
use crate::sandbox::jql::{Context, compile};
use crate::sandbox::timefmt::now_secs;
use crate::sandbox::{SandboxState, base_url};

type Q = Query<Vec<(String, String)>>;

/// Message of the removed `/rest/api/3/search`.
pub const REMOVED_MESSAGE: &str = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046";

/// Cloud's answer to a JQL query without any search restriction on `/search/jql`.
pub const UNBOUNDED_MESSAGE: &str =
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.";

/// `GET|POST /rest/api/3/search`: 410 Gone.
pub async fn removed() -> ApiError {
    ApiError::new(Family::Jira, StatusCode::GONE, REMOVED_MESSAGE)
}

fn fingerprint(jql: &str) -> u64 {
    // FNV-1a: stable across runs and platforms, unlike std's RandomState hashers.
    jql.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Encodes a page token for `offset` of `jql`.
pub fn encode_token(jql: &str, offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}:{:016x}", fingerprint(jql)))
}

fn decode_token(jql: &str, token: &str) -> Result<usize, ApiError> {
    let invalid = || {
        ApiError::bad_request(
            Family::Jira,
            "The provided next page token is invalid or expired.",
        )
    };
    let raw = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| invalid())?;
    let text = String::from_utf8(raw).map_err(|_| invalid())?;
    let (offset, fp) = text.split_once(':').ok_or_else(invalid)?;
    if fp != format!("{:016x}", fingerprint(jql)) {
        return Err(invalid());
    }
    offset.parse().map_err(|_| invalid())
}

struct Request {
    jql: String,
    offset: Offset,
    max: Option<u64>,
    fields: Vec<String>,
    expand: Vec<String>,
}

enum Offset {
    Token(Option<String>),
    StartAt(u64),
}

fn run(
    state: &SandboxState,
    me: usize,
    base: &str,
    flavour: Flavour,
    req: Request,
) -> Result<Value, ApiError> {
    let jql = compile(&req.jql).map_err(|m| ApiError::bad_request(Family::Jira, m))?;
    if flavour == Flavour::V3 && !jql.is_bounded() {
        return Err(ApiError::bad_request(Family::Jira, UNBOUNDED_MESSAGE));
    }
    let default = if flavour == Flavour::V3 {
        FieldSelection::none()
    } else {
        FieldSelection::navigable()
    };
    let sel = FieldSelection::parse(req.fields.iter().map(String::as_str), default);
    let expand: BTreeSet<String> = parse_expand(req.expand.iter().map(String::as_str));
    let store = state.store();
    let hits = jql.run(
        &store,
        Context {
            current_user: me,
            now: now_secs(),
        },
    );
    let ctx = Ctx {
        store: &store,
        flavour,
        base,
    };
    let render = |i: usize| {
        if sel.is_empty() && expand.is_empty() {
            json!({"id": store.issues[i].id})
        } else {
            ctx.issue(i, &sel, &expand)
        }
    };
    match req.offset {
        Offset::Token(token) => {
            let cap = if sel.is_empty() { 5000 } else { 100 };
            let max = usize::try_from(req.max.unwrap_or(50).clamp(1, cap)).unwrap_or(50);
            let start = match token.filter(|t| !t.trim().is_empty()) {
                Some(t) => decode_token(&req.jql, &t)?,
                None => 0,
            };
            let issues: Vec<Value> = hits
                .iter()
                .skip(start)
                .take(max)
                .map(|&i| render(i))
                .collect();
            let end = start + issues.len();
            let is_last = end >= hits.len();
            let mut out = json!({"issues": issues, "isLast": is_last});
            if !is_last {
                out["nextPageToken"] = json!(encode_token(&req.jql, end));
            }
            Ok(out)
        }
        Offset::StartAt(start) => {
            let max = req.max.unwrap_or(50).min(1000);
            let issues: Vec<Value> = hits
                .iter()
                .skip(usize::try_from(start).unwrap_or(usize::MAX))
                .take(usize::try_from(max).unwrap_or(usize::MAX))
                .map(|&i| render(i))
                .collect();
            Ok(
                json!({"expand": "schema,names", "startAt": start, "maxResults": max, "total": hits.len(), "issues": issues}),
            )
        }
    }
}

fn strings(v: Option<&Value>) -> Result<Vec<String>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str().map(str::to_owned).ok_or_else(|| {
                    ApiError::bad_request(Family::Jira, "Expected an array of strings")
                })
            })
            .collect(),
        Some(_) => Err(ApiError::bad_request(
            Family::Jira,
            "Expected a string or an array of strings",
        )),
    }
}

fn body_request(body: &[u8], token_paging: bool) -> Result<Request, ApiError> {
    let b = json_body(body)?;
    let int = |name: &str| -> Result<Option<u64>, ApiError> {
        match b.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                ApiError::bad_request(
                    Family::Jira,
                    format!("The value of '{name}' must be a non-negative integer"),
                )
            }),
        }
    };
    let offset = if token_paging {
        Offset::Token(
            b.get("nextPageToken")
                .and_then(Value::as_str)
                .map(str::to_owned),
        )
    } else {
        Offset::StartAt(int("startAt")?.unwrap_or(0))
    };
    Ok(Request {
        jql: b
            .get("jql")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        offset,
        max: int("maxResults")?,
        fields: strings(b.get("fields"))?,
        expand: strings(b.get("expand"))?,
    })
}

fn query_request(q: &[(String, String)], token_paging: bool) -> Result<Request, ApiError> {
    let offset = if token_paging {
        Offset::Token(params(q, "nextPageToken").first().map(|s| (*s).to_owned()))
    } else {
        Offset::StartAt(int_param(q, "startAt")?.unwrap_or(0))
    };
    Ok(Request {
        jql: params(q, "jql").first().copied().unwrap_or("").to_owned(),
        offset,
        max: int_param(q, "maxResults")?,
        fields: params(q, "fields").into_iter().map(str::to_owned).collect(),
        expand: params(q, "expand").into_iter().map(str::to_owned).collect(),
    })
}

/// `GET /rest/api/3/search/jql`.
pub async fn search_jql_get(
    State(s): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    run(
        &s,
        me,
        &base_url(&headers),
        Flavour::V3,
        query_request(&q, true)?,
    )
    .map(Json)
}

/// `POST /rest/api/3/search/jql`.
pub async fn search_jql_post(
    State(s): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    run(
        &s,
        me,
        &base_url(&headers),
        Flavour::V3,
        body_request(&body, true)?,
    )
    .map(Json)
}

/// `GET /rest/api/2/search`.
pub async fn search_v2_get(
    State(s): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    run(
        &s,
        me,
        &base_url(&headers),
        Flavour::V2,
        query_request(&q, false)?,
    )
    .map(Json)
}

/// `POST /rest/api/2/search`.
pub async fn search_v2_post(
    State(s): State<SandboxState>,
    Extension(CurrentUser(me)): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    run(
        &s,
        me,
        &base_url(&headers),
        Flavour::V2,
        body_request(&body, false)?,
    )
    .map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_are_bound_to_their_query() {
        let t = encode_token("project = DEMO", 50);
        assert_eq!(decode_token("project = DEMO", &t).expect("valid token"), 50);
        assert!(decode_token("project = OPS", &t).is_err());
        assert!(decode_token("project = DEMO", "garbage!").is_err());
    }
}
