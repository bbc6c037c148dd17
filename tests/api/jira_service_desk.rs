//! Service Management end to end against the sandbox in Cloud and Server/DC mode: the desk
//! of a project, queues and their issues, request types and fields, creating a customer
//! request (read back through the issue API and the queues), the project filter and
//! read-only mode.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};
use crate::jira_people::{rpc_call, sandbox_get};

fn keys(v: &Value) -> Vec<String> {
    v["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect()
}

/// How many OPS issues match `jql_tail`, by the sandbox's own search.
async fn ops_total(sb: &SandboxApp, jql_tail: &str) -> u64 {
    let jql = format!("project = OPS{jql_tail}");
    let q: String = url::form_urlencoded::byte_serialize(jql.as_bytes()).collect();
    sandbox_get(sb, &format!("/rest/api/2/search?jql={q}&maxResults=0")).await["total"]
        .as_u64()
        .expect("total")
}

#[tokio::test]
async fn a_projects_service_desk_queues_and_queue_issues_are_read_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let desk = sb
            .call(
                "jira_get_service_desk_for_project",
                json!({"project_key": "ops"}),
            )
            .await
            .json();
        assert_eq!(desk["service_desk"]["id"], "1", "{flavour}: {desk}");
        assert_eq!(desk["service_desk"]["project_name"], "Operations");
        let none = sb
            .call(
                "jira_get_service_desk_for_project",
                json!({"project_key": "DEMO"}),
            )
            .await
            .json();
        assert!(none.get("service_desk").is_none(), "{none}");
        assert!(
            none["message"]
                .as_str()
                .expect("message")
                .contains("no service desk")
        );

        let queues = sb
            .call(
                "jira_get_service_desk_queues",
                json!({"service_desk_id": "1"}),
            )
            .await
            .json();
        let names: Vec<&str> = queues["queues"]
            .as_array()
            .expect("queues")
            .iter()
            .map(|q| q["name"].as_str().expect("name"))
            .collect();
        assert_eq!(
            names,
            ["All open", "Unassigned", "Resolved"],
            "{flavour}: {queues}"
        );
        let open = ops_total(&sb, " AND status != Done").await;
        assert!(open > 5, "{open}");
        assert_eq!(queues["queues"][0]["issue_count"], open, "{queues}");
        assert_eq!(queues["is_last_page"], true);

        let page = sb
            .call(
                "jira_get_queue_issues",
                json!({"service_desk_id": "1", "queue_id": "1", "limit": 5}),
            )
            .await
            .json();
        assert_eq!(page["queue"]["name"], "All open", "{page}");
        let got = keys(&page);
        assert_eq!(got.len(), 5, "{page}");
        assert!(got.iter().all(|k| k.starts_with("OPS-")), "{got:?}");
        for i in page["issues"].as_array().expect("issues") {
            assert_ne!(i["status"]["name"], "Done", "{i}");
            let reporter = &i["reporter"];
            match flavour {
                "cloud" => assert!(reporter["account_id"].is_string(), "{reporter}"),
                _ => assert!(reporter["name"].is_string(), "{reporter}"),
            }
        }
        assert_eq!(page["is_last_page"], false);
        assert_eq!(page["next_start_at"], 5);
        let next = sb
            .call(
                "jira_get_queue_issues",
                json!({"service_desk_id": "1", "queue_id": "1", "start_at": 5, "limit": 5}),
            )
            .await
            .json();
        assert!(
            keys(&next).iter().all(|k| !got.contains(k)),
            "pages overlap"
        );

        let missing = sb
            .call(
                "jira_get_queue_issues",
                json!({"service_desk_id": "1", "queue_id": "99"}),
            )
            .await;
        assert!(
            missing.is_error && missing.text.contains("jira_get_service_desk_queues"),
            "{}",
            missing.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn request_types_and_their_fields_say_what_is_required_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let types = sb
            .call("jira_get_request_types", json!({"service_desk_id": "1"}))
            .await
            .json();
        let list = types["request_types"].as_array().expect("types");
        assert_eq!(list.len(), 2, "{flavour}: {types}");
        assert_eq!(list[1]["name"], "Report a system problem");
        assert_eq!(list[1]["issue_type_id"], "10003");

        let fields = sb
            .call(
                "jira_get_request_type_fields",
                json!({"service_desk_id": "1", "request_type_id": "11"}),
            )
            .await
            .json();
        let by_id = |id: &str| -> Value {
            fields["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .find(|f| f["field_id"] == id)
                .cloned()
                .unwrap_or_else(|| panic!("{id} in {fields}"))
        };
        assert_eq!(by_id("summary")["required"], true);
        assert_eq!(by_id("description")["required"], true);
        let impact = by_id("customfield_10050");
        assert_eq!(impact["type"], "option");
        let labels: Vec<&str> = impact["valid_values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|v| v["label"].as_str().expect("label"))
            .collect();
        assert_eq!(labels, ["Low", "Medium", "High"]);
        assert_eq!(fields["can_raise_on_behalf_of"], true);

        let help = sb
            .call(
                "jira_get_request_type_fields",
                json!({"service_desk_id": "1", "request_type_id": "10"}),
            )
            .await
            .json();
        let description = help["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["field_id"] == "description")
            .expect("description");
        assert_eq!(description["required"], false, "{help}");
        let unknown = sb
            .call(
                "jira_get_request_type_fields",
                json!({"service_desk_id": "1", "request_type_id": "77"}),
            )
            .await;
        assert!(
            unknown.is_error && unknown.text.contains("jira_get_request_types"),
            "{}",
            unknown.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn a_customer_request_becomes_an_issue_readable_through_the_issue_api_in_both_flavours() {
    for flavour in ["cloud", "server"] {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let api = if flavour == "cloud" { 3 } else { 2 };
        let behalf = if flavour == "cloud" {
            "alice@example.com"
        } else {
            "alice"
        };
        let created = sb
            .call(
                "jira_create_customer_request",
                json!({
                    "service_desk_id": "1",
                    "request_type_id": "11",
                    "request_field_values": "{\"summary\": \"Payroll export fails\", \"description\": \"Since Monday.\", \"customfield_10050\": \"High\"}",
                    "raise_on_behalf_of": behalf,
                    "request_participants": "[\"bob@example.com\"]",
                    "attachments": "[{\"filename\": \"trace.txt\", \"mime_type\": \"text/plain\", \"base64\": \"b29wcw==\"}]"
                }),
            )
            .await
            .json();
        let key = created["request_key"].as_str().expect("key").to_owned();
        assert!(key.starts_with("OPS-"), "{flavour}: {created}");
        assert_eq!(created["created_mode"], "created_on_behalf_of");
        assert_eq!(created["reporter"]["display_name"], "Alice Anders");
        assert_eq!(
            created["attachments"][0]["filename"], "trace.txt",
            "{created}"
        );
        assert!(
            created["portal_url"]
                .as_str()
                .expect("portal")
                .ends_with(&format!("/portal/1/{key}"))
        );

        let issue = sandbox_get(&sb, &format!("/rest/api/{api}/issue/{key}")).await;
        let f = &issue["fields"];
        assert_eq!(f["summary"], "Payroll export fails", "{issue}");
        assert_eq!(f["issuetype"]["name"], "Bug");
        assert_eq!(f["reporter"]["displayName"], "Alice Anders");
        assert_eq!(f["attachment"][0]["filename"], "trace.txt");

        let unassigned = sb
            .call(
                "jira_get_queue_issues",
                json!({"service_desk_id": "1", "queue_id": "2"}),
            )
            .await
            .json();
        assert_eq!(
            keys(&unassigned)[0],
            key,
            "the newest request heads the queue"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn missing_fields_and_refused_on_behalf_users_are_reported_or_fall_back() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let missing = sb
        .call(
            "jira_create_customer_request",
            json!({"service_desk_id": "1", "request_type_id": "11",
                   "request_field_values": {"summary": "No description"}}),
        )
        .await;
    assert!(
        missing.is_error && missing.text.contains("description"),
        "{}",
        missing.text
    );
    let bad_option = sb
        .call(
            "jira_create_customer_request",
            json!({"service_desk_id": "1", "request_type_id": "11",
                   "request_field_values": {"summary": "x", "description": "y", "customfield_10050": "Catastrophic"}}),
        )
        .await;
    assert!(
        bad_option.is_error && bad_option.text.contains("Low, Medium, High"),
        "{}",
        bad_option.text
    );

    let strict = sb
        .call(
            "jira_create_customer_request",
            json!({"service_desk_id": "1", "request_type_id": "10",
                   "request_field_values": {"summary": "Strict"}, "raise_on_behalf_of": "nobody@example.com",
                   "strict_on_behalf": true}),
        )
        .await;
    assert!(
        strict.is_error && strict.text.contains("nobody@example.com"),
        "{}",
        strict.text
    );
    let fallback = sb
        .call(
            "jira_create_customer_request",
            json!({"service_desk_id": "1", "request_type_id": "10",
                   "request_field_values": {"summary": "Lenient"}, "raise_on_behalf_of": "nobody@example.com"}),
        )
        .await
        .json();
    assert_eq!(
        fallback["created_mode"], "created_as_agent_fallback",
        "{fallback}"
    );
    assert_eq!(fallback["reporter"]["display_name"], "Sandbox User");
    assert!(
        fallback["warnings"][0]
            .as_str()
            .expect("warning")
            .contains("raise_on_behalf_of")
    );
    sb.stop().await;
}

#[tokio::test]
async fn service_desks_outside_the_project_filter_are_refused_and_read_only_hides_the_write() {
    let sb = spawn_with_sandbox("server", &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
    let before = ops_total(&sb, "").await;
    let r = sb
        .call(
            "jira_get_service_desk_for_project",
            json!({"project_key": "OPS"}),
        )
        .await;
    assert!(r.is_error && r.text.contains("outside"), "{}", r.text);
    for (tool, args) in [
        (
            "jira_get_service_desk_queues",
            json!({"service_desk_id": "1"}),
        ),
        (
            "jira_get_queue_issues",
            json!({"service_desk_id": "1", "queue_id": "1"}),
        ),
        ("jira_get_request_types", json!({"service_desk_id": "1"})),
        (
            "jira_get_request_type_fields",
            json!({"service_desk_id": "1", "request_type_id": "10"}),
        ),
        (
            "jira_create_customer_request",
            json!({"service_desk_id": "1", "request_type_id": "10", "request_field_values": {"summary": "Sneaky"}}),
        ),
    ] {
        let r = sb.call(tool, args).await;
        assert!(
            r.is_error && r.text.contains("outside"),
            "{tool}: {}",
            r.text
        );
    }
    assert_eq!(ops_total(&sb, "").await, before, "nothing was created");
    sb.stop().await;

    let sb = spawn_with_sandbox("cloud", &[("READ_ONLY_MODE", "true")]).await;
    let r = rpc_call(
        &sb,
        "jira_create_customer_request",
        json!({"service_desk_id": "1", "request_type_id": "10", "request_field_values": {"summary": "x"}}),
    )
    .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let read = sb
        .call("jira_get_request_types", json!({"service_desk_id": "1"}))
        .await;
    assert!(!read.is_error, "{}", read.text);
    sb.stop().await;
}
