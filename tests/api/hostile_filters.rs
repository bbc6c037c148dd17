//! `JIRA_PROJECTS_FILTER` and `CONFLUENCE_SPACES_FILTER` under attack: the JQL/CQL wrappers
//! against an independent tokenizer ([`oracle`]) with generated hostile queries, and the
//! tools over real MCP against the sandbox, probing every way a reference could carry
//! something from outside the filter in or out.

mod oracle;
mod properties;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};

/// One call straight to the sandbox's REST API (as the operator's credentials would), to
/// set up references across projects and to read what was really stored; `{v}` in `path`
/// is the flavour's REST version. Returns the status and the JSON body (`Null` if empty).
async fn sandbox_call(
    sb: &SandboxApp,
    flavour: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let path = path.replace("{v}", if flavour == "cloud" { "3" } else { "2" });
    let mut req = sb
        .app
        .client
        .request(method.clone(), format!("http://{}{path}", sb.sandbox));
    req = if flavour == "cloud" {
        req.basic_auth("sandbox@example.com", Some("sandbox-api-token"))
    } else {
        req.bearer_auth("sandbox-pat")
    };
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("sandbox call");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("body");
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, v)
}

/// [`sandbox_call`] that must succeed.
async fn sandbox(
    sb: &SandboxApp,
    flavour: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let (status, v) = sandbox_call(sb, flavour, method.clone(), path, body).await;
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {v}"
    );
    v
}

/// Issue keys of the projects outside `DEMO` that appear in `text`.
fn outside_keys(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for project in ["OPS-", "MKT-"] {
        for (at, _) in text.match_indices(project) {
            let digits: String = text[at + project.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if !digits.is_empty() {
                found.push(format!("{project}{digits}"));
            }
        }
    }
    found
}

/// The epic reference of DEMO-7 as stored: `parent` on Cloud, Epic Link on Server/DC.
async fn stored_epic(sb: &SandboxApp, flavour: &str) -> Value {
    let raw = sandbox(
        sb,
        flavour,
        Method::GET,
        "/rest/api/{v}/issue/DEMO-7?fields=parent,customfield_10014",
        None,
    )
    .await;
    if flavour == "cloud" {
        raw["fields"]["parent"]["key"].clone()
    } else {
        raw["fields"]["customfield_10014"].clone()
    }
}

#[tokio::test]
async fn writes_naming_a_parent_or_epic_outside_the_filter_are_refused_and_nothing_is_written() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
        let secret = sandbox(&sb, flavour, Method::GET, "/rest/api/{v}/issue/OPS-2", None).await;
        let secret_summary = secret["fields"]["summary"]
            .as_str()
            .expect("summary")
            .to_owned();
        let epic_field = if flavour == "cloud" {
            "parent"
        } else {
            "customfield_10014"
        };
        let epic_before = stored_epic(&sb, flavour).await;

        let create = sb
            .call(
                "jira_create_issue",
                json!({"project_key": "DEMO", "summary": "child of a secret", "issue_type": "Task",
                       "additional_fields": {epic_field: "OPS-2"}}),
            )
            .await;
        let batch = sb
            .call(
                "jira_batch_create_issues",
                json!({"issues": [
                    {"project_key": "DEMO", "summary": "fine", "issue_type": "Task"},
                    {"project_key": "DEMO", "summary": "child of a secret", "issue_type": "Task",
                     epic_field: {"key": "OPS-2"}},
                ]}),
            )
            .await;
        let update = sb
            .call(
                "jira_update_issue",
                json!({"issue_key": "DEMO-7", "fields": {epic_field: "OPS-2"}}),
            )
            .await;
        for (tool, r, param) in [
            ("create", &create, "additional_fields"),
            ("batch", &batch, "issues[1]"),
            ("update", &update, "fields"),
        ] {
            assert!(r.is_error, "{flavour} {tool}: {}", r.text);
            assert!(
                r.text
                    .contains(&format!("{param}: {epic_field} names OPS-2"))
                    && r.text
                        .contains("outside the projects this server may use (DEMO)"),
                "{flavour} {tool}: {}",
                r.text
            );
            assert!(
                !r.text.contains(&secret_summary),
                "{flavour} {tool}: {}",
                r.text
            );
        }
        // Nothing was written: no new issue (the batch's valid entry included), DEMO-7's
        // epic as it was.
        let (status, _) = sandbox_call(
            &sb,
            flavour,
            Method::GET,
            "/rest/api/{v}/issue/DEMO-121",
            None,
        )
        .await;
        assert_eq!(status, 404, "{flavour}: an issue was created");
        assert_eq!(stored_epic(&sb, flavour).await, epic_before, "{flavour}");

        // Numeric parent ids cannot be checked without asking Jira: refused under a filter.
        let by_id = sb
            .call(
                "jira_update_issue",
                json!({"issue_key": "DEMO-7", "fields": {"parent": {"id": secret["id"]}}}),
            )
            .await;
        assert!(
            by_id.is_error && by_id.text.contains("parent must be given by key"),
            "{flavour}: {}",
            by_id.text
        );
        // A parent inside the filter still works, and is shown.
        let ok = sb
            .call(
                "jira_create_issue",
                json!({"project_key": "DEMO", "summary": "child inside", "issue_type": "Task",
                       "additional_fields": {epic_field: "DEMO-2"}}),
            )
            .await;
        assert!(!ok.is_error, "{flavour}: {}", ok.text);
        assert!(ok.text.contains("DEMO-2"), "{flavour}: {}", ok.text);
        sb.stop().await;
    }
}

#[tokio::test]
async fn reads_show_no_link_parent_epic_or_link_history_from_outside_the_filter() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
        // References across the filter, made behind the server's back.
        for (kind, from, to) in [
            ("Blocks", "DEMO-1", "OPS-1"),
            ("Relates", "DEMO-1", "DEMO-2"),
        ] {
            sandbox(
                &sb,
                flavour,
                Method::POST,
                "/rest/api/{v}/issueLink",
                Some(
                    json!({"type": {"name": kind}, "outwardIssue": {"key": from},
                            "inwardIssue": {"key": to}}),
                ),
            )
            .await;
        }
        let mut fields = json!({"project": {"key": "DEMO"}, "summary": "child of a secret epic",
                                "issuetype": {"name": "Task"}});
        if flavour == "cloud" {
            fields["parent"] = json!({"key": "OPS-2"});
        } else {
            fields["customfield_10014"] = json!("OPS-2");
        }
        let child_key = sandbox(
            &sb,
            flavour,
            Method::POST,
            "/rest/api/{v}/issue",
            Some(json!({"fields": fields})),
        )
        .await["key"]
            .as_str()
            .expect("key")
            .to_owned();
        let stored = sandbox(
            &sb,
            flavour,
            Method::GET,
            "/rest/api/{v}/issue/DEMO-1?fields=issuelinks",
            None,
        )
        .await;
        assert!(
            outside_keys(&stored.to_string()).contains(&"OPS-1".to_owned()),
            "the sandbox holds the cross-project link: {stored}"
        );

        let in_scope = format!("key in (DEMO-1, {child_key})");
        for (tool, args) in [
            (
                "jira_get_issue",
                json!({"issue_key": "DEMO-1", "fields": "*all", "include": "changelog"}),
            ),
            (
                "jira_get_issue",
                json!({"issue_key": "DEMO-1", "fields": "issuelinks"}),
            ),
            (
                "jira_get_issue",
                json!({"issue_key": child_key, "fields": "*all"}),
            ),
            (
                "jira_search",
                json!({"jql": in_scope, "fields": "*all", "expand": "changelog"}),
            ),
            (
                "jira_get_board_issues",
                json!({"board_id": "1", "jql": in_scope, "fields": "*all"}),
            ),
        ] {
            let r = sb.call(tool, args.clone()).await;
            assert!(!r.is_error, "{flavour} {tool} {args}: {}", r.text);
            assert_eq!(
                outside_keys(&r.text),
                Vec::<String>::new(),
                "{flavour} {tool} {args}: {}",
                r.text
            );
            if args["issue_key"] == "DEMO-1" {
                assert!(
                    r.text.contains("DEMO-2"),
                    "links inside the filter stay: {}",
                    r.text
                );
            }
        }
        let deps = sb
            .call(
                "jira_get_cross_project_dependencies",
                json!({"project_key": "DEMO", "max_issues": 500}),
            )
            .await
            .json();
        assert_eq!(deps["total_cross_project_links"], 0, "{flavour}: {deps}");
        assert_eq!(
            outside_keys(&deps.to_string()),
            Vec::<String>::new(),
            "{deps}"
        );
        assert!(
            deps["note"]
                .as_str()
                .is_some_and(|n| n.contains("not shown")),
            "{deps}"
        );

        sb.stop().await;
    }
}

#[tokio::test]
async fn board_listings_count_only_the_boards_inside_the_filter() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
    let all = sandbox(&sb, "cloud", Method::GET, "/rest/agile/1.0/board", None).await;
    assert_eq!(
        all["total"], 2,
        "the sandbox has a DEMO and an OPS board: {all}"
    );
    let boards = sb.call("jira_get_agile_boards", json!({})).await.json();
    assert_eq!(boards["total"], 1, "{boards}");
    assert_eq!(boards["is_last"], true, "{boards}");
    assert_eq!(boards["boards"][0]["project_key"], "DEMO", "{boards}");
    let past = sb
        .call("jira_get_agile_boards", json!({"start_at": 1, "limit": 1}))
        .await
        .json();
    assert_eq!(past["total"], 1, "{past}");
    assert!(past.get("boards").is_none(), "{past}");

    sb.stop().await;
}

/// A Jira Software site whose sprint and board hold issues of two projects (the sandbox's
/// boards hold one project each): it answers the confined JQL with the DEMO issue only and
/// anything else with both, as Jira does, and records the JQL it was sent.
async fn mixed_board_site() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::extract::{Path, Query};
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let issues = move |Query(q): Query<Vec<(String, String)>>| {
        let record = record.clone();
        async move {
            let jql = q
                .iter()
                .find(|(k, _)| k == "jql")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            record.lock().expect("lock").push(jql.clone());
            let issue = |key: &str, project: &str| {
                json!({"id": "1", "key": key, "fields": {"summary": format!("{key} summary"),
                       "project": {"key": project}}})
            };
            let list = if jql.starts_with("project in (\"DEMO\")") {
                vec![issue("DEMO-1", "DEMO")]
            } else {
                vec![issue("DEMO-1", "DEMO"), issue("OPS-1", "OPS")]
            };
            axum::Json(json!({"startAt": 0, "maxResults": 50, "total": list.len(), "issues": list}))
        }
    };
    let app = axum::Router::new()
        .route(
            "/rest/agile/1.0/sprint/{id}",
            axum::routing::get(|Path(id): Path<u64>| async move {
                axum::Json(json!({"id": id, "originBoardId": 1, "state": "active", "name": "DEMO Sprint 2"}))
            }),
        )
        .route(
            "/rest/agile/1.0/board/{id}",
            axum::routing::get(|Path(id): Path<u64>| async move {
                let project = if id == 1 { "DEMO" } else { "OPS" };
                axum::Json(json!({"id": id, "name": format!("{project} board"),
                                  "location": {"projectKey": project}}))
            }),
        )
        .route("/rest/agile/1.0/sprint/{id}/issue", axum::routing::get(issues.clone()))
        .route("/rest/agile/1.0/board/{id}/issue", axum::routing::get(issues))
        .route(
            "/rest/agile/1.0/board/{id}/sprint",
            axum::routing::get(|| async {
                axum::Json(json!({"isLast": true, "values": [
                    {"id": 2, "originBoardId": 1, "state": "active", "name": "DEMO Sprint 2"},
                    {"id": 9, "originBoardId": 2, "state": "active", "name": "OPS Sprint 9"},
                ]}))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen)
}

#[tokio::test]
async fn sprint_and_board_issue_totals_and_sprint_lists_count_nothing_outside_the_filter() {
    let (site, seen) = mixed_board_site().await;
    let sb = spawn_with_sandbox(
        "cloud",
        &[
            ("JIRA_URL", site.as_str()),
            ("JIRA_PROJECTS_FILTER", "DEMO"),
        ],
    )
    .await;
    let sprint = sb
        .call("jira_get_sprint_issues", json!({"sprint_id": "2"}))
        .await
        .json();
    assert_eq!(sprint["total"], 1, "{sprint}");
    assert_eq!(
        outside_keys(&sprint.to_string()),
        Vec::<String>::new(),
        "{sprint}"
    );
    let board = sb
        .call(
            "jira_get_board_issues",
            json!({"board_id": "1", "jql": "status = Done"}),
        )
        .await
        .json();
    assert_eq!(board["total"], 1, "{board}");
    assert_eq!(
        *seen.lock().expect("lock"),
        vec![
            "project in (\"DEMO\")".to_owned(),
            "project in (\"DEMO\") AND (status = Done)".to_owned()
        ],
        "the issue lists are confined upstream, so Jira's total counts only DEMO"
    );
    let sprints = sb
        .call("jira_get_sprints_from_board", json!({"board_id": "1"}))
        .await
        .json();
    let names: Vec<&str> = sprints["sprints"]
        .as_array()
        .expect("sprints")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, vec!["DEMO Sprint 2"], "{sprints}");
    sb.stop().await;
}

#[tokio::test]
async fn a_backslash_quote_outside_quotes_is_refused_by_the_jql_and_cql_wrappers() {
    let sb = spawn_with_sandbox(
        "server",
        &[
            ("JIRA_PROJECTS_FILTER", "DEMO"),
            ("CONFLUENCE_SPACES_FILTER", "DEMO"),
        ],
    )
    .await;
    let jql = sb
        .call(
            "jira_search",
            json!({"jql": "summary ~ a\\\" ) OR project = OPS OR summary ~ \\\"b"}),
        )
        .await;
    assert!(
        jql.is_error && jql.text.contains("backslash outside quotes"),
        "{}",
        jql.text
    );
    let cql = sb
        .call(
            "confluence_search",
            json!({"query": "title ~ a\\\" ) OR space = ENG OR title ~ \\\"b"}),
        )
        .await;
    assert!(
        cql.is_error && cql.text.contains("backslash outside quotes"),
        "{}",
        cql.text
    );
    let sort = sb
        .call(
            "jira_search",
            json!({"jql": "ORDER BY key OR project = OPS"}),
        )
        .await;
    assert!(
        sort.is_error && sort.text.contains("ORDER BY takes"),
        "{}",
        sort.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn a_page_outside_the_space_filter_is_refused_without_naming_its_space() {
    const ENG_HOME: &str = "196639";
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[("CONFLUENCE_SPACES_FILTER", "DEMO")]).await;
        for (tool, args) in [
            ("confluence_get_page", json!({"page_id": ENG_HOME})),
            (
                "confluence_get_page_children",
                json!({"parent_id": ENG_HOME}),
            ),
            ("confluence_get_labels", json!({"page_id": ENG_HOME})),
            ("confluence_get_comments", json!({"page_id": ENG_HOME})),
        ] {
            let r = sb.call(tool, args).await;
            assert!(r.is_error, "{flavour} {tool}: {}", r.text);
            assert!(
                r.text
                    .contains(&format!("Page {ENG_HOME} is outside the spaces"))
                    && !r.text.contains("ENG"),
                "{flavour} {tool}: {}",
                r.text
            );
        }
        // Search totals count only the filtered space.
        let found = sb
            .call(
                "confluence_search",
                json!({"query": "type = page", "limit": 50}),
            )
            .await
            .json();
        let raw = sandbox(
            &sb,
            flavour,
            Method::GET,
            if flavour == "cloud" {
                "/wiki/rest/api/search?cql=space%3DDEMO%20AND%20type%3Dpage&limit=1"
            } else {
                "/rest/api/content/search?cql=space%3DDEMO%20AND%20type%3Dpage&limit=1"
            },
            None,
        )
        .await;
        let expected = raw["totalSize"].as_u64().or(raw["size"].as_u64());
        assert!(expected.is_some_and(|n| n > 0), "{raw}");
        assert_eq!(found["total"].as_u64(), expected, "{flavour}: {found}");
        let results = found["results"].as_array().expect("results");
        assert!(results.iter().all(|r| r["space_key"] == "DEMO"), "{found}");
        sb.stop().await;
    }
}
