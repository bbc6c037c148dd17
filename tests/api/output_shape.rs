//! Output a model reads well, wherever it comes from (issue 17 item 4): every read tool of
//! both flavours is called over the sandbox and its JSON walked — no time string may keep an
//! offset (all are UTC RFC 3339 `…Z`), no raw user object (`avatarUrls`, `accountType`) and no
//! API link (`self`, `_links`) may reach the agent.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};

/// Arguments for one call of `tool` in `flavour`; a tool missing here fails the test, so a new
/// read tool cannot escape the walk.
async fn args_for(sb: &SandboxApp, tool: &str, flavour: &str) -> Value {
    let user = if flavour == "cloud" {
        "5b10a2844c20165700ede022"
    } else {
        "alice"
    };
    match tool {
        "confluence_check_content_permissions" => {
            json!({"content_id": "196610", "user_identifier": "confluence-users", "operation": "read"})
        }
        "confluence_download_attachment" => json!({"attachment_id": "att400002"}),
        "confluence_download_content_attachments"
        | "confluence_get_attachments"
        | "confluence_get_page_images" => json!({"content_id": "196609"}),
        "confluence_get_comments"
        | "confluence_get_inline_comments"
        | "confluence_get_labels"
        | "confluence_get_page_restrictions"
        | "confluence_get_page_views"
        | "confluence_get_page" => json!({"page_id": "196610"}),
        "confluence_get_page_children" => json!({"parent_id": "196639"}),
        "confluence_get_page_diff" => {
            json!({"page_id": "196610", "from_version": 1, "to_version": 2})
        }
        "confluence_get_page_history" => json!({"page_id": "196610", "version": 1}),
        "confluence_get_page_template" => {
            let list = sb
                .call("confluence_list_page_templates", json!({}))
                .await
                .json();
            json!({"template_id": list["templates"][0]["id"]})
        }
        "confluence_get_space_page_tree" => json!({"space_key": "DEMO"}),
        "confluence_get_space_permissions" => json!({"space_id": "98305"}),
        "confluence_list_page_templates"
        | "jira_get_agile_boards"
        | "jira_get_all_projects"
        | "jira_get_link_types"
        | "jira_search_fields" => json!({}),
        "confluence_search" => json!({"query": "type = page"}),
        "confluence_search_user" => json!({"query": "alice"}),
        "jira_search_assignable_users" => json!({"query": "alice", "project_key": "DEMO"}),
        "jira_batch_get_changelogs" => json!({"issue_ids_or_keys": "DEMO-1,DEMO-2"}),
        "jira_download_attachments"
        | "jira_get_issue_dates"
        | "jira_get_issue_development_info"
        | "jira_get_issue_images"
        | "jira_get_issue_sla"
        | "jira_get_issue_watchers"
        | "jira_get_transitions"
        | "jira_get_worklog" => json!({"issue_key": "DEMO-1"}),
        "jira_get_issue" => {
            json!({"issue_key": "DEMO-2", "fields": "*all", "expand": "changelog,transitions", "comment_limit": 50})
        }
        "jira_get_issue_proforma_forms" => json!({"issue_key": "OPS-1"}),
        "jira_get_proforma_form_details" => {
            json!({"issue_key": "OPS-1", "form_id": "c5a1e5f2-3b6d-4f7a-9e21-5d8c0a4b7e10"})
        }
        "jira_get_board_issues" => {
            json!({"board_id": "1", "jql": "project = DEMO", "fields": "*all"})
        }
        "jira_get_create_fields" => {
            let types = sb
                .call(
                    "jira_get_project_issue_types",
                    json!({"project_key": "DEMO"}),
                )
                .await
                .json();
            json!({"project_key": "DEMO", "issue_type_id": types["issue_types"][0]["id"]})
        }
        "jira_get_field_options" => json!({"field_id": "customfield_10030"}),
        "jira_get_issues_development_info" => json!({"issue_keys": "DEMO-1,DEMO-2"}),
        "jira_get_cross_project_dependencies"
        | "jira_get_project_components"
        | "jira_get_project_epic_hierarchy"
        | "jira_get_project_fields"
        | "jira_get_project_issue_types"
        | "jira_get_project_versions"
        | "jira_get_service_desk_for_project" => json!({"project_key": "DEMO"}),
        "jira_get_project_issues" => json!({"project_key": "DEMO", "fields": "*all"}),
        "jira_get_queue_issues" => json!({"service_desk_id": "1", "queue_id": "1"}),
        "jira_get_request_type_fields" => json!({"service_desk_id": "1", "request_type_id": "11"}),
        "jira_get_request_types" | "jira_get_service_desk_queues" => {
            json!({"service_desk_id": "1"})
        }
        "jira_get_sprint_issues" => json!({"sprint_id": "2", "fields": "*all"}),
        "jira_get_sprints_from_board" => json!({"board_id": "1"}),
        "jira_get_user_profile" => json!({"user_identifier": user}),
        "jira_search" => {
            json!({"jql": "project = DEMO ORDER BY key", "fields": "*all", "limit": 50})
        }
        "jira_search_projects" => json!({"query": "DEMO"}),
        other => panic!("{other}: a read tool without sample arguments in this test"),
    }
}

/// `2024-01-02T03:04:05` at the start: a date-time, which must then be UTC RFC 3339.
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
}

fn is_utc_rfc3339(s: &str) -> bool {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
        && s.ends_with('Z')
}

/// Every place in `v` that breaks the house output shape, as `path: problem`.
fn problems(v: &Value, path: &str, out: &mut Vec<String>, times: &mut usize) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if ["self", "_links", "avatarUrls", "accountType", "iconUrl"].contains(&k.as_str())
                {
                    out.push(format!("{path}.{k}: API noise"));
                }
                problems(x, &format!("{path}.{k}"), out, times);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                problems(x, &format!("{path}[{i}]"), out, times);
            }
        }
        Value::String(s) if is_date_time(s) => {
            *times += 1;
            if !is_utc_rfc3339(s) {
                out.push(format!("{path}: {s:?} is not UTC RFC 3339"));
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_read_tool_answers_with_utc_times_house_users_and_no_api_links() {
    let mut found = Vec::new();
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let (session, _) = sb.app.initialize().await;
        let list = sb
            .app
            .rpc(session.as_deref(), 2, "tools/list", json!({}))
            .await;
        let tools = list["result"]["tools"].as_array().expect("tools");
        let (mut walked, mut times) = (0, 0);
        for t in tools {
            if t["annotations"]["readOnlyHint"] != true {
                continue;
            }
            let name = t["name"].as_str().expect("name");
            let args = args_for(&sb, name, flavour).await;
            let r = sb.call(name, args.clone()).await;
            if r.is_error {
                found.push(format!("{flavour} {name} {args}: failed: {}", r.text));
                continue;
            }
            let v: Value = serde_json::from_str(&r.text)
                .unwrap_or_else(|e| panic!("{flavour} {name}: not JSON ({e}): {}", r.text));
            problems(&v, &format!("{flavour} {name}"), &mut found, &mut times);
            walked += 1;
        }
        assert!(walked >= 40, "{flavour}: only {walked} read tools");
        // The walk saw real timestamps (issues, comments, pages, worklogs, sprints…).
        assert!(times >= 200, "{flavour}: only {times} time values walked");
        sb.stop().await;
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_walk_flags_offsets_raw_users_and_links() {
    let (mut found, mut times) = (Vec::new(), 0);
    problems(
        &json!({"a": {"created": "2024-01-02T03:04:05.000+0100", "user": {"avatarUrls": {}}},
                "b": [{"self": "x"}], "ok": "2024-01-02T02:04:05Z", "title": "2024 plan"}),
        "t",
        &mut found,
        &mut times,
    );
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(times, 2);
}
