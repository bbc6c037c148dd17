//! Never a confident wrong answer (issue 17 item 3): the Jira tools against an older Jira
//! Server, emulated by a loopback proxy in front of the sandbox that answers the way Jira
//! Server 7/8.0 does — worklogs with only `timeSpent`, attachments without `id`, no paged
//! createmeta (classic `createmeta?expand=projects.issuetypes.fields` instead), errors as
//! `{"errors":[{"message"}]}` and a list in a shape the client does not know. Each tool
//! either derives the truth from what is there or says plainly what it could not tell.

use std::net::SocketAddr;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::helpers::{SandboxApp, sandbox_settings, start_app, start_sandbox};
use mcp_atlassian::config::Config;

#[derive(Clone)]
struct Upstream {
    base: String,
    http: reqwest::Client,
}

/// Forwards to the sandbox, then rewrites the answer the way an old Server would.
async fn legacy(
    State(up): State<Upstream>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    if path.starts_with("/rest/api/2/issue/createmeta/") {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"errorMessages": ["null for uri: /rest/api/2/issue/createmeta/..."], "errors": {}})),
        )
            .into_response();
    }
    if path == "/rest/api/2/issue/LEGACY-1" {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errors": [{"message": "The issue is archived"}]})),
        )
            .into_response();
    }
    // The classic createmeta is what Jira Server before 8.4 has; the sandbox serves it as
    // Cloud's old endpoint, which has the same shape.
    let target = if path == "/rest/api/2/issue/createmeta" {
        "/rest/api/3/issue/createmeta".to_owned()
    } else {
        path.clone()
    };
    let url = format!(
        "{}{target}{}",
        up.base,
        uri.query().map(|q| format!("?{q}")).unwrap_or_default()
    );
    let mut req = up.http.request(method, url).body(body);
    for (k, v) in &headers {
        if k != "host" && k != "content-length" {
            req = req.header(k, v);
        }
    }
    let resp = req.send().await.expect("sandbox answers");
    let status = resp.status();
    let ctype = resp.headers().get("content-type").cloned();
    let bytes = resp.bytes().await.expect("body");
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        let mut r = Response::new(Body::from(bytes));
        *r.status_mut() = status;
        if let Some(c) = ctype {
            r.headers_mut().insert("content-type", c);
        }
        return r;
    };
    if path.ends_with("/worklog")
        && let Some(list) = v["worklogs"].as_array_mut()
    {
        for w in list.iter_mut() {
            w.as_object_mut().map(|o| o.remove("timeSpentSeconds"));
        }
        if let Some(first) = list.first_mut() {
            first["timeSpent"] = json!("2w 3d");
        }
    }
    if let Some(list) = v
        .pointer_mut("/fields/attachment")
        .and_then(Value::as_array_mut)
    {
        for (i, a) in list.iter_mut().enumerate() {
            if let Some(o) = a.as_object_mut() {
                o.remove("id");
                if i > 0 {
                    o.remove("self");
                    o.remove("content");
                }
            }
        }
    }
    if path.ends_with("/versions") {
        v = json!({"versions": v});
    }
    (status, axum::Json(v)).into_response()
}

async fn spawn_legacy() -> SandboxApp {
    let (sandbox, sandbox_stop) = start_sandbox().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind proxy");
    let proxy: SocketAddr = listener.local_addr().expect("addr");
    let up = Upstream {
        base: format!("http://{sandbox}"),
        http: reqwest::Client::new(),
    };
    let router = Router::new().fallback(legacy).with_state(up);
    let stop = sandbox_stop.clone();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await
    });
    let mut settings = sandbox_settings(sandbox, "server");
    for (k, v) in &mut settings {
        if *k == "JIRA_URL" {
            *v = format!("http://{proxy}");
        }
    }
    let config =
        Config::from_pairs(settings.iter().map(|(k, v)| (*k, v.as_str()))).expect("config");
    let built = mcp_atlassian::app::validate(&config).expect("tools build");
    SandboxApp {
        app: start_app(&config, built.registry).await,
        sandbox,
        sandbox_stop,
    }
}

#[tokio::test]
async fn worklogs_with_only_time_spent_are_derived_and_said_so() {
    let sb = spawn_legacy().await;
    for spent in ["1h", "30m"] {
        let r = sb
            .call(
                "jira_add_worklog",
                json!({"issue_key": "DEMO-7", "time_spent": spent}),
            )
            .await;
        assert!(!r.is_error, "{}", r.text);
    }
    let v = sb
        .call("jira_get_worklog", json!({"issue_key": "DEMO-7"}))
        .await
        .json();
    let list = v["worklogs"].as_array().expect("worklogs");
    assert!(!list.is_empty(), "{v}");
    assert_eq!(list[0]["time_spent_seconds"], 374_400, "{v}");
    assert_eq!(list[0]["time_spent_seconds_derived"], true);
    // Every other worklog lost its seconds too: all are derived, the total is their sum.
    let sum: i64 = list
        .iter()
        .filter_map(|w| w["time_spent_seconds"].as_i64())
        .sum();
    assert!(
        list.iter().all(|w| w["time_spent_seconds_derived"] == true),
        "{v}"
    );
    assert_eq!(v["total_seconds"].as_i64(), Some(sum), "{v}");
    assert!(sum >= 374_400 + 1800, "{v}");
    let note = v["note"]
        .as_str()
        .expect("a note says the seconds were derived");
    assert!(note.contains("5-day weeks and 8-hour days"), "{note}");
}

#[tokio::test]
async fn attachments_without_id_are_recovered_or_listed_as_not_downloadable() {
    let sb = spawn_legacy().await;
    let r = sb
        .call("jira_download_attachments", json!({"issue_key": "DEMO-1"}))
        .await;
    let v: Value = serde_json::from_str(&r.text).expect("json");
    assert!(!r.is_error, "{v}");
    // The first keeps its `self`, so its id is recovered and it is downloaded.
    assert_eq!(v["count"], 1, "{v}");
    assert_eq!(v["attachments"][0]["id"], "10200", "{v}");
    // The second has nothing to fetch it by: listed, never dropped.
    assert_eq!(v["not_downloadable"][0]["filename"], "notes.txt", "{v}");
}

#[tokio::test]
async fn create_fields_fall_back_to_the_classic_createmeta() {
    let sb = spawn_legacy().await;
    let v = sb
        .call(
            "jira_get_create_fields",
            json!({"project_key": "DEMO", "issue_type_id": "10003"}),
        )
        .await
        .json();
    let text = v.to_string();
    assert!(text.contains("summary") && text.contains("priority"), "{v}");
    let types = sb
        .call(
            "jira_get_project_issue_types",
            json!({"project_key": "DEMO"}),
        )
        .await
        .json();
    assert!(types.to_string().contains("Bug"), "{types}");
}

#[tokio::test]
async fn errors_and_unknown_list_shapes_are_reported_not_hidden() {
    let sb = spawn_legacy().await;
    let r = sb
        .call("jira_get_issue", json!({"issue_key": "LEGACY-1"}))
        .await;
    assert!(r.is_error, "{}", r.text);
    assert!(r.text.contains("The issue is archived"), "{}", r.text);
    let r = sb
        .call("jira_get_project_versions", json!({"project_key": "DEMO"}))
        .await;
    assert!(
        r.is_error,
        "an unknown shape is not an empty list: {}",
        r.text
    );
    assert!(r.text.contains("/project/DEMO/versions"), "{}", r.text);
}

#[tokio::test]
async fn an_issue_that_never_changed_status_has_a_timeline_from_creation() {
    let sb = crate::helpers::spawn_with_sandbox("server", &[]).await;
    let created = sb
        .call(
            "jira_create_issue",
            json!({"project_key": "DEMO", "summary": "fresh", "issue_type": "Task"}),
        )
        .await
        .json();
    let key = created["issue"]["key"]
        .as_str()
        .or(created["key"].as_str())
        .expect("key")
        .to_owned();
    let v = sb
        .call("jira_get_issue_dates", json!({"issue_key": key}))
        .await
        .json();
    let changes = v["status_changes"]
        .as_array()
        .expect("a timeline, never empty");
    assert_eq!(changes.len(), 1, "{v}");
    assert_eq!(changes[0]["status"], v["current_status"], "{v}");
    assert_eq!(changes[0]["entered_at"], v["created"], "{v}");
    assert!(changes[0].get("exited_at").is_none(), "{v}");
    assert_eq!(v["status_summary"][0]["visits"], 1, "{v}");
}
