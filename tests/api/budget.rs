//! tools/list is read into every agent's context: its size is budgeted. The issues set 24 KB
//! for the 48 core Jira tools and 18 KB for the 35 Confluence tools; until every tool exists
//! the budget scales with the number present, so each addition has to fit its share.
//! Issue 10's 15 tools (service desk, forms, metrics, development, project analysis) have
//! their own budget, 8 KB.

use serde_json::{Value, json};

use crate::helpers::spawn_with_sandbox;

/// The tools of issue 10, budgeted apart from the core Jira tools.
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
        ("confluence_", 35, 18 * 1024),
        ("issue 10", ISSUE_10.len(), 8 * 1024),
    ] {
        let mine: Vec<&Value> = tools
            .iter()
            .copied()
            .filter(|t| {
                t["name"].as_str().is_some_and(|n| {
                    let late = ISSUE_10.contains(&n);
                    if prefix == "issue 10" {
                        late
                    } else {
                        n.starts_with(prefix) && !late
                    }
                })
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
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
