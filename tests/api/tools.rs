//! The first four tools end to end: app → client → sandbox, in Cloud and Server/DC mode,
//! over Streamable HTTP and SSE, with paging, retries, upstream errors and filters.

use std::collections::HashSet;
use std::time::Instant;

use serde_json::{Value, json};

use crate::helpers::spawn_with_sandbox;

const FLAVOURS: [&str; 2] = ["cloud", "server"];

#[tokio::test]
async fn jira_get_issue_returns_the_rich_demo_issue_in_both_flavours_and_transports() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        for result in [
            sb.call(
                "jira_get_issue",
                json!({"issue_key": "DEMO-1", "comment_limit": 2}),
            )
            .await,
            sb.call_sse(
                "jira_get_issue",
                json!({"issue_key": "DEMO-1", "comment_limit": 2}),
            )
            .await,
        ] {
            let v = result.json();
            assert_eq!(v["key"], "DEMO-1", "{flavour}");
            assert_eq!(v["summary"], "Sandbox showcase issue with rich description");
            assert_eq!(v["url"], format!("http://{}/browse/DEMO-1", sb.sandbox));
            let description = v["description"].as_str().expect("markdown description");
            assert!(
                description.contains("## Overview"),
                "{flavour}: {description}"
            );
            assert!(
                description.contains("| staging |")
                    && description.contains("https://staging.example.com"),
                "{flavour}: {description}"
            );
            assert!(description.contains("```rust"), "{flavour}: {description}");
            assert_eq!(v["comments"].as_array().map(Vec::len), Some(2), "{flavour}");
            assert!(v["created"].as_str().expect("created").ends_with('Z'));
            let reporter = &v["reporter"];
            assert_eq!(reporter["display_name"], "Alice Anders");
            if flavour == "cloud" {
                assert!(reporter["account_id"].is_string(), "{reporter}");
            } else {
                assert!(reporter["name"].is_string(), "{reporter}");
            }
        }
        sb.stop().await;
    }
}

#[tokio::test]
async fn jira_search_pages_past_the_first_page_without_overlap() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let jql = "project = DEMO ORDER BY created DESC";
        let first = sb
            .call("jira_search", json!({"jql": jql, "limit": 5}))
            .await
            .json();
        let keys = |v: &Value| -> Vec<String> {
            v["issues"]
                .as_array()
                .expect("issues")
                .iter()
                .map(|i| i["key"].as_str().expect("key").to_owned())
                .collect()
        };
        let first_keys = keys(&first);
        assert_eq!(first_keys.len(), 5, "{flavour}");
        assert!(first_keys.iter().all(|k| k.starts_with("DEMO-")));
        assert_eq!(first["is_last"], false);
        let second = if flavour == "cloud" {
            let token = first["next_page_token"]
                .as_str()
                .expect("Cloud pages by token");
            sb.call(
                "jira_search",
                json!({"jql": jql, "limit": 5, "page_token": token}),
            )
            .await
            .json()
        } else {
            assert!(first["total"].as_u64().expect("DC has a total") > 10);
            assert_eq!(first["start_at"], 0);
            sb.call(
                "jira_search",
                json!({"jql": jql, "limit": 5, "start_at": 5}),
            )
            .await
            .json()
        };
        let second_keys = keys(&second);
        assert_eq!(second_keys.len(), 5, "{flavour}");
        let all: HashSet<&String> = first_keys.iter().chain(&second_keys).collect();
        assert_eq!(
            all.len(),
            10,
            "{flavour}: pages overlap: {first_keys:?} {second_keys:?}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn confluence_search_and_get_page_return_content_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let found = sb
            .call(
                "confluence_search",
                json!({"query": "title = \"Getting Started\"", "limit": 5}),
            )
            .await
            .json();
        let hit = found["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["id"] == "196610")
            .cloned()
            .expect("the rich page is found");
        assert_eq!(hit["space_key"], "DEMO", "{flavour}: {hit}");
        assert!(
            hit["url"].as_str().expect("url").starts_with("http://"),
            "{hit}"
        );
        let words = sb
            .call_sse(
                "confluence_search",
                json!({"query": "getting started", "limit": 5}),
            )
            .await
            .json();
        assert!(
            words["results"]
                .as_array()
                .expect("results")
                .iter()
                .any(|r| r["id"] == "196610"),
            "{flavour}: {words}"
        );

        let page = sb
            .call("confluence_get_page", json!({"page_id": "196610"}))
            .await
            .json();
        assert_eq!(page["title"], "Getting Started");
        assert_eq!(page["space_key"], "DEMO", "{flavour}: {page}");
        assert_eq!(page["content_format"], "markdown");
        let content = page["content"].as_str().expect("content");
        assert!(
            content.contains("Welcome to the **Demo** space."),
            "{flavour}: {content}"
        );
        assert!(content.contains("1. Request access"), "{content}");
        assert!(content.contains("```bash"), "{content}");

        let by_title = sb.call("confluence_get_page", json!({"title": "Getting Started", "space_key": "DEMO", "convert_to_markdown": false})).await.json();
        assert_eq!(by_title["id"], "196610", "{flavour}");
        assert!(
            by_title["content"]
                .as_str()
                .expect("storage")
                .contains("<strong>Demo</strong>"),
            "{by_title}"
        );
        let bare = sb
            .call(
                "confluence_get_page",
                json!({"page_id": "196610", "include_metadata": false}),
            )
            .await
            .json();
        assert!(
            bare.get("version").is_none() && bare["content"].is_string(),
            "{bare}"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    sb.faults(json!({"rate_limit": {"count": 1, "retry_after_secs": 1}, "path_prefix": "/rest/api/3/issue"})).await;
    let started = Instant::now();
    let v = sb
        .call("jira_get_issue", json!({"issue_key": "DEMO-2"}))
        .await
        .json();
    assert_eq!(v["key"], "DEMO-2");
    assert!(
        started.elapsed().as_millis() >= 1000,
        "the Retry-After second was waited"
    );
    assert_eq!(sb.remaining_faults().await["rate_limit"]["count"], 0);
    // A POST is retried after a 429 too: Atlassian did not process it.
    sb.faults(json!({"rate_limit": {"count": 1, "retry_after_secs": 1}, "path_prefix": "/rest/api/3/search"})).await;
    let found = sb
        .call("jira_search", json!({"jql": "project = DEMO", "limit": 1}))
        .await
        .json();
    assert_eq!(found["issues"].as_array().map(Vec::len), Some(1));
    sb.stop().await;
}

#[tokio::test]
async fn a_500_burst_is_retried_for_gets_but_not_for_posts() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    sb.faults(json!({"errors": {"status": 500, "count": 2}, "path_prefix": "/rest/api/3/issue"}))
        .await;
    let v = sb
        .call("jira_get_issue", json!({"issue_key": "DEMO-3"}))
        .await
        .json();
    assert_eq!(v["key"], "DEMO-3");
    assert_eq!(
        sb.remaining_faults().await["errors"]["count"],
        0,
        "both errors were consumed by retries"
    );
    sb.faults(json!({"errors": {"status": 500, "count": 1}, "path_prefix": "/rest/api/3/search"}))
        .await;
    let failed = sb
        .call("jira_search", json!({"jql": "project = DEMO"}))
        .await;
    assert!(failed.is_error);
    assert!(
        failed.text.starts_with("Jira failed (500)."),
        "{}",
        failed.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn atlassian_error_messages_reach_the_agent_as_tool_errors() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let bad = sb
            .call(
                "jira_search",
                json!({"jql": "project = DEMO AND frobnicate = 3"}),
            )
            .await;
        assert!(bad.is_error, "{flavour}");
        assert!(
            bad.text
                .starts_with("Jira rejected the request (400). Jira said: "),
            "{flavour}: {}",
            bad.text
        );
        assert!(
            bad.text.contains("frobnicate"),
            "Jira's own message is quoted: {}",
            bad.text
        );
        let missing = sb
            .call("jira_get_issue", json!({"issue_key": "DEMO-99999"}))
            .await;
        assert!(missing.is_error);
        assert!(missing.text.contains("(404)"), "{}", missing.text);
        let page = sb
            .call("confluence_get_page", json!({"page_id": "999999999"}))
            .await;
        assert!(page.is_error);
        assert!(
            page.text
                .starts_with("Confluence found nothing there (404)."),
            "{}",
            page.text
        );
        let cql = sb
            .call(
                "confluence_search",
                json!({"query": "type = page AND wibble = 1"}),
            )
            .await;
        assert!(cql.is_error && cql.text.contains("(400)"), "{}", cql.text);
        sb.stop().await;
    }
}

#[tokio::test]
async fn the_project_filter_confines_search_and_reads() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
    let v = sb
        .call(
            "jira_search",
            json!({"jql": "ORDER BY created DESC", "limit": 20}),
        )
        .await
        .json();
    let issues = v["issues"].as_array().expect("issues");
    assert!(!issues.is_empty());
    assert!(issues.iter().all(|i| i["project"] == "DEMO"), "{v}");
    let other = sb
        .call(
            "jira_search",
            json!({"jql": "project != DEMO", "limit": 20}),
        )
        .await
        .json();
    assert!(
        other.get("issues").is_none(),
        "nothing outside DEMO is visible: {other}"
    );
    let breakout = sb
        .call("jira_search", json!({"jql": "x = 1) OR (project != DEMO"}))
        .await;
    assert!(
        breakout.is_error && breakout.text.contains("parenthesis"),
        "{}",
        breakout.text
    );
    let outside = sb
        .call("jira_get_issue", json!({"issue_key": "OPS-1"}))
        .await;
    assert!(
        outside.is_error && outside.text.contains("outside the projects"),
        "{}",
        outside.text
    );
    let widen = sb
        .call(
            "jira_search",
            json!({"jql": "order by key", "projects_filter": "OPS"}),
        )
        .await;
    assert!(
        widen.is_error && widen.text.contains("projects_filter"),
        "{}",
        widen.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn the_space_filter_confines_confluence() {
    let sb = spawn_with_sandbox("server", &[("CONFLUENCE_SPACES_FILTER", "ENG")]).await;
    let v = sb
        .call(
            "confluence_search",
            json!({"query": "getting started", "limit": 20}),
        )
        .await
        .json();
    let results = v["results"].as_array().expect("results");
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| r["space_key"] == "ENG"), "{v}");
    let outside = sb
        .call("confluence_get_page", json!({"page_id": "196610"}))
        .await;
    assert!(
        outside.is_error && outside.text.contains("outside the spaces"),
        "{}",
        outside.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn multi_tenant_mode_uses_only_the_callers_credentials() {
    let sb = spawn_with_sandbox(
        "cloud",
        &[
            ("MULTI_TENANT_MODE", "true"),
            ("JIRA_USERNAME", ""),
            ("JIRA_API_TOKEN", ""),
        ],
    )
    .await;
    let none = sb
        .call("jira_get_issue", json!({"issue_key": "DEMO-1"}))
        .await;
    assert!(
        none.is_error && none.text.contains("Authorization"),
        "{}",
        none.text
    );
    let basic = format!(
        "Basic {}",
        mcp_atlassian::atlassian::auth::base64_encode(b"sandbox@example.com:sandbox-api-token")
    );
    let ok = sb
        .call_with_headers(
            "jira_get_issue",
            json!({"issue_key": "DEMO-1"}),
            &[("authorization", &basic)],
        )
        .await
        .json();
    assert_eq!(ok["key"], "DEMO-1");
    let wrong = format!(
        "Basic {}",
        mcp_atlassian::atlassian::auth::base64_encode(b"sandbox@example.com:wrong")
    );
    let denied = sb
        .call_with_headers(
            "jira_get_issue",
            json!({"issue_key": "DEMO-1"}),
            &[("authorization", &wrong)],
        )
        .await;
    assert!(
        denied.is_error && denied.text.contains("(401)"),
        "{}",
        denied.text
    );
    let garbled = sb
        .call_with_headers(
            "jira_get_issue",
            json!({"issue_key": "DEMO-1"}),
            &[("authorization", "Digest abc")],
        )
        .await;
    assert!(
        garbled.is_error && garbled.text.contains("Authorization header"),
        "{}",
        garbled.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn tools_list_has_the_four_tools_with_portable_schemas() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let (session, _) = sb.app.initialize().await;
    let list = sb
        .app
        .rpc(session.as_deref(), 2, "tools/list", json!({}))
        .await;
    let tools = list["result"]["tools"].as_array().expect("tools");
    let names: Vec<&str> = tools
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    for read in [
        "jira_get_issue",
        "jira_search",
        "confluence_search",
        "confluence_get_page",
    ] {
        assert!(names.contains(&read), "{read} missing from {names:?}");
    }
    assert_eq!(names[0], "jira_get_issue");
    for t in tools {
        let schema = t["inputSchema"].as_object().expect("schema").clone();
        mcp_atlassian::tools::schema::check_portable(&schema)
            .unwrap_or_else(|e| panic!("{}: {e}", t["name"]));
        let name = t["name"].as_str().expect("name");
        if name.starts_with("jira_get") || name.ends_with("search") || name == "confluence_get_page"
        {
            assert_eq!(t["annotations"]["readOnlyHint"], true, "{name}");
        }
    }
    assert_eq!(tools[0]["inputSchema"]["required"], json!(["issue_key"]));
    assert_eq!(
        tools[0]["inputSchema"]["properties"]["comment_limit"]["maximum"],
        100
    );
    // OpenAI strict mode sends null for optional parameters: it means "not given".
    let v = sb
        .call(
            "jira_get_issue",
            json!({"issue_key": "DEMO-1", "fields": null, "expand": null, "comment_limit": null}),
        )
        .await
        .json();
    assert_eq!(v["key"], "DEMO-1");
    sb.stop().await;
}

/// Runs the readiness probe every 20 ms over `settings` and returns the readiness it feeds.
fn probe(
    settings: &[(&'static str, String)],
) -> (
    std::sync::Arc<mcp_atlassian::http::Readiness>,
    tokio_util::sync::CancellationToken,
) {
    let config =
        mcp_atlassian::config::Config::from_pairs(settings.iter().map(|(k, v)| (*k, v.as_str())))
            .expect("valid");
    let env = mcp_atlassian::app::tool_env(&config).expect("env");
    let readiness = std::sync::Arc::new(mcp_atlassian::http::Readiness::default());
    let cancel = tokio_util::sync::CancellationToken::new();
    tokio::spawn(mcp_atlassian::app::readiness_probe(
        env,
        readiness.clone(),
        std::time::Duration::from_millis(20),
        cancel.clone(),
    ));
    (readiness, cancel)
}

#[tokio::test]
async fn readiness_turns_503_when_upstream_rejects_the_credentials_or_is_down() {
    let (addr, stop) = crate::helpers::start_sandbox().await;
    let mut settings = crate::helpers::sandbox_settings(addr, "cloud");
    settings.retain(|(k, _)| *k != "JIRA_API_TOKEN");
    settings.push(("JIRA_API_TOKEN", "wrong".into()));
    let (readiness, cancel) = probe(&settings);
    let r = readiness.clone();
    crate::helpers::eventually("jira is marked not ready", || {
        r.not_ready_reason()
            .is_some_and(|x| x.contains("jira: credentials rejected"))
    })
    .await;
    assert!(
        !readiness
            .not_ready_reason()
            .unwrap_or_default()
            .contains("confluence"),
        "confluence credentials are right"
    );
    cancel.cancel();
    stop.cancel();

    let (readiness, cancel) = probe(&crate::helpers::sandbox_settings(
        "127.0.0.1:9".parse().expect("addr"),
        "server",
    ));
    crate::helpers::eventually("jira is marked unreachable", || {
        readiness
            .not_ready_reason()
            .is_some_and(|x| x.contains("jira: unreachable"))
    })
    .await;
    cancel.cancel();
}

#[tokio::test]
async fn read_only_mode_hides_and_refuses_every_write_tool_of_every_toolset() {
    let sb = spawn_with_sandbox("cloud", &[("READ_ONLY_MODE", "true")]).await;
    let config = mcp_atlassian::config::Config::from_pairs(
        crate::helpers::sandbox_settings(sb.sandbox, "cloud")
            .iter()
            .map(|(k, v)| (*k, v.as_str())),
    )
    .expect("valid");
    let env = mcp_atlassian::app::tool_env(&config).expect("env");
    let writes: Vec<&'static str> = mcp_atlassian::tools::builtin(&env)
        .iter()
        .filter(|t| t.spec().access == mcp_atlassian::tools::Access::Write)
        .map(|t| t.spec().name)
        .collect();
    assert!(writes.len() >= 25, "the write tools exist: {writes:?}");
    let (session, _) = sb.app.initialize().await;
    let list = sb
        .app
        .rpc(session.as_deref(), 2, "tools/list", json!({}))
        .await;
    let listed: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert!(listed.contains(&"jira_get_issue"));
    for (i, name) in writes.iter().enumerate() {
        assert!(!listed.contains(name), "{name} is listed in read-only mode");
        let call = sb
            .app
            .rpc(
                session.as_deref(),
                10 + i as i64,
                "tools/call",
                json!({"name": name, "arguments": {}}),
            )
            .await;
        assert_eq!(
            call["error"]["code"], -32602,
            "{name} is callable in read-only mode: {call}"
        );
    }
    sb.stop().await;
}
