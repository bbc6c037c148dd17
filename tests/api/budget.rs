//! tools/list is read into every agent's context: its size is budgeted. The issues set 24 KB
//! for the 48 core Jira tools, 8 KB for the 15 Service Management, forms, metrics,
//! development and project analysis tools (issue 10) and 18 KB for the 35 Confluence tools;
//! until every tool exists the budget scales with the number present, so each addition has
//! to fit its share.

use serde_json::{Value, json};

use crate::helpers::spawn_with_sandbox;

/// The 15 tools of issue 10, budgeted apart from the core Jira tools.
const ISSUE_10: [&str; 15] = [
    "jira_get_service_desk_for_project",
    "jira_get_service_desk_queues",
    "jira_get_queue_issues",
    "jira_get_request_types",
    "jira_get_request_type_fields",
    "jira_create_customer_request",
    "jira_get_issue_proforma_forms",
    "jira_get_proforma_form_details",
    "jira_update_proforma_form_answers",
    "jira_get_issue_dates",
    "jira_get_issue_sla",
    "jira_get_issue_development_info",
    "jira_get_issues_development_info",
    "jira_get_project_epic_hierarchy",
    "jira_get_cross_project_dependencies",
];

fn group(name: &str) -> &'static str {
    if ISSUE_10.contains(&name) {
        "issue 10"
    } else if name.starts_with("jira_") {
        "jira_"
    } else if name.starts_with("confluence_") {
        "confluence_"
    } else {
        "other"
    }
}

fn bytes(tools: &[&Value]) -> usize {
    tools
        .iter()
        .map(|t| serde_json::to_string(t).expect("json").len())
        .sum::<usize>()
        + tools.len().saturating_sub(1)
        + 2
}

#[tokio::test]
async fn tools_list_fits_its_byte_budget_per_product() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let (session, _) = sb.app.initialize().await;
    let list = sb
        .app
        .rpc(session.as_deref(), 2, "tools/list", json!({}))
        .await;
    let tools: Vec<&Value> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .collect();
    for (prefix, full_count, full_budget) in [
        ("jira_", 48usize, 24 * 1024usize),
        ("issue 10", 15, 8 * 1024),
        ("confluence_", 35, 18 * 1024),
    ] {
        let mine: Vec<&Value> = tools
            .iter()
            .copied()
            .filter(|t| t["name"].as_str().is_some_and(|n| group(n) == prefix))
            .collect();
        let size = bytes(&mine);
        let budget = full_budget * mine.len() / full_count;
        let heaviest = mine
            .iter()
            .map(|t| {
                (
                    serde_json::to_string(t).expect("json").len(),
                    t["name"].as_str().unwrap_or_default(),
                )
            })
            .max();
        assert!(
            size <= budget,
            "{prefix}* tools: {size} bytes for {} tools, budget {budget} (heaviest {heaviest:?})",
            mine.len()
        );
    }
    sb.stop().await;
}

async fn confluence_tools(flavour: &str) -> Vec<String> {
    let sb = spawn_with_sandbox(flavour, &[("TOOLSETS", "all")]).await;
    let (session, _) = sb.app.initialize().await;
    let list = sb
        .app
        .rpc(session.as_deref(), 2, "tools/list", json!({}))
        .await;
    sb.stop().await;
    list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .filter(|n| n.starts_with("confluence_"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn all_35_confluence_tools_are_listed_on_cloud_and_all_but_two_on_data_center() {
    let cloud = confluence_tools("cloud").await;
    assert_eq!(cloud.len(), 35, "{cloud:?}");
    let dc = confluence_tools("server").await;
    let missing: Vec<&str> = cloud
        .iter()
        .filter(|n| !dc.contains(n))
        .map(String::as_str)
        .collect();
    // Data Center has no REST API for page views or content permission checks.
    assert_eq!(
        missing,
        [
            "confluence_get_page_views",
            "confluence_check_content_permissions"
        ],
        "{dc:?}"
    );
}
