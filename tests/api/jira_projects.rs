//! Projects end to end against the sandbox in Cloud and Server/DC mode: listing and
//! searching projects, issue types, create fields, components, and versions created and
//! changed (read back from the sandbox), with the project filter and read-only mode.

use serde_json::{Value, json};

use crate::helpers::spawn_with_sandbox;
use crate::jira_people::{rpc_call, sandbox_get};

const FLAVOURS: [&str; 2] = ["cloud", "server"];

fn keys(v: &Value) -> Vec<&str> {
    v["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| p["key"].as_str().expect("key"))
        .collect()
}

#[tokio::test]
async fn projects_are_listed_and_searched_in_both_flavours_and_the_filter_hides_others() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let all = sb.call("jira_get_all_projects", json!({})).await.json();
        assert_eq!(keys(&all), ["DEMO", "OPS", "MKT"], "{flavour}: {all}");
        assert_eq!(all["projects"][1]["name"], "Operations");
        assert_eq!(
            all["projects"][0]["url"],
            format!("http://{}/browse/DEMO", sb.sandbox)
        );
        let found = sb
            .call("jira_search_projects", json!({"query": "market"}))
            .await
            .json();
        assert_eq!(keys(&found), ["MKT"], "{flavour}: {found}");
        let by_id = sb
            .call(
                "jira_search_projects",
                json!({"query": "", "current_project_ids": "10001", "max_results": 5}),
            )
            .await
            .json();
        assert_eq!(keys(&by_id), ["OPS"], "{flavour}: {by_id}");
        sb.stop().await;
    }
    let sb = spawn_with_sandbox("server", &[("JIRA_PROJECTS_FILTER", "OPS")]).await;
    let all = sb.call("jira_get_all_projects", json!({})).await.json();
    assert_eq!(keys(&all), ["OPS"], "{all}");
    let none = sb
        .call("jira_search_projects", json!({"query": "demo"}))
        .await
        .json();
    assert_eq!(none["count"], 0, "{none}");
    let outside = sb
        .call("jira_get_project_versions", json!({"project_key": "DEMO"}))
        .await;
    assert!(
        outside.is_error && outside.text.contains("outside"),
        "{}",
        outside.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn issue_types_components_and_create_fields_describe_the_project_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let types = sb
            .call(
                "jira_get_project_issue_types",
                json!({"project_key": "demo"}),
            )
            .await
            .json();
        let names: Vec<&str> = types["issue_types"]
            .as_array()
            .expect("types")
            .iter()
            .map(|t| t["name"].as_str().expect("name"))
            .collect();
        assert_eq!(
            names,
            ["Epic", "Story", "Task", "Bug"],
            "{flavour}: {types}"
        );
        let bug = types["issue_types"][3]["id"]
            .as_str()
            .expect("id")
            .to_owned();

        let components = sb
            .call("jira_get_project_components", json!({"project_key": "OPS"}))
            .await
            .json();
        assert_eq!(components["count"], 3, "{flavour}: {components}");
        assert_eq!(components["components"][0]["name"], "Backend");
        assert_eq!(
            components["components"][0]["lead"]["display_name"],
            "Alice Anders"
        );

        let fields = sb
            .call(
                "jira_get_create_fields",
                json!({"project_key": "DEMO", "issue_type_id": bug}),
            )
            .await
            .json();
        let list = fields["fields"].as_array().expect("fields");
        let by_id = |id: &str| {
            list.iter()
                .find(|f| f["id"] == id)
                .unwrap_or_else(|| panic!("{flavour}: {id} in {fields}"))
        };
        assert_eq!(by_id("summary")["required"], true);
        assert_eq!(by_id("priority")["allowed_values"][0], "Highest");
        assert_eq!(
            by_id("fixVersions")["allowed_values"],
            json!(["1.0", "1.1", "2.0"])
        );
        assert_eq!(by_id("description")["required"], false);

        let project_fields = sb
            .call("jira_get_project_fields", json!({"project_key": "DEMO"}))
            .await
            .json();
        let epic_name = project_fields["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["name"] == "Epic Name")
            .expect("epic name listed");
        assert_eq!(epic_name["required_for"], json!(["Epic"]), "{flavour}");
        assert_eq!(epic_name["issue_types"], json!(["Epic"]));

        let bad = sb
            .call(
                "jira_get_create_fields",
                json!({"project_key": "DEMO", "issue_type_id": "Bug"}),
            )
            .await;
        assert!(
            bad.is_error && bad.text.contains("jira_get_project_issue_types"),
            "{}",
            bad.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn versions_are_created_in_batches_and_updated_in_both_flavours() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let api = if flavour == "cloud" { 3 } else { 2 };
        let before = sb
            .call("jira_get_project_versions", json!({"project_key": "MKT"}))
            .await
            .json();
        assert_eq!(before["count"], 3, "{flavour}: {before}");
        assert_eq!(before["versions"][0]["released"], true);
        assert_eq!(before["versions"][0]["release_date"], "2025-02-03");

        let one = sb
            .call(
                "jira_create_version",
                json!({"project_key": "MKT", "name": "3.0", "start_date": "2025-07-01",
                       "release_date": "2025-09-30", "description": "Autumn release"}),
            )
            .await
            .json();
        assert_eq!(one["version"]["name"], "3.0", "{flavour}: {one}");
        let id = one["version"]["id"].as_str().expect("id").to_owned();
        let stored = sandbox_get(&sb, &format!("/rest/api/{api}/version/{id}")).await;
        assert_eq!(stored["releaseDate"], "2025-09-30", "{flavour}: {stored}");
        assert_eq!(stored["description"], "Autumn release");

        let batch = sb
            .call(
                "jira_batch_create_versions",
                json!({"project_key": "MKT",
                       "versions": r#"[{"name": "3.1"}, {"name": "3.0"}, {"name": "4.0", "releaseDate": "2026-01-31"}]"#}),
            )
            .await
            .json();
        assert_eq!(
            batch["created"].as_array().map(Vec::len),
            Some(2),
            "{flavour}: {batch}"
        );
        assert_eq!(
            batch["failed"][0]["name"], "3.0",
            "duplicate name fails alone"
        );
        let listed = sandbox_get(&sb, &format!("/rest/api/{api}/project/MKT/versions")).await;
        assert_eq!(
            listed.as_array().map(Vec::len),
            Some(6),
            "{flavour}: {listed}"
        );

        let updated = sb
            .call(
                "jira_update_version",
                json!({"version_id": id, "released": true, "name": "3.0.0"}),
            )
            .await
            .json();
        assert_eq!(updated["version"]["name"], "3.0.0", "{flavour}: {updated}");
        let stored = sandbox_get(&sb, &format!("/rest/api/{api}/version/{id}")).await;
        assert_eq!(stored["released"], true, "{flavour}: {stored}");
        assert_eq!(stored["releaseDate"], "2025-09-30", "untouched fields stay");

        let bad = sb
            .call(
                "jira_batch_create_versions",
                json!({"project_key": "MKT", "versions": r#"[{"name": "5.0"}, {"name": "5.1", "release_date": "next year"}]"#}),
            )
            .await;
        assert!(
            bad.is_error && bad.text.contains("versions[1]"),
            "{}",
            bad.text
        );
        let listed = sandbox_get(&sb, &format!("/rest/api/{api}/project/MKT/versions")).await;
        assert_eq!(
            listed.as_array().map(Vec::len),
            Some(6),
            "nothing of a bad batch is created"
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn version_writes_outside_the_filter_or_in_read_only_mode_are_refused() {
    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
    let ops_version = sandbox_get(&sb, "/rest/api/3/project/OPS/versions").await[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = sb
        .call(
            "jira_update_version",
            json!({"version_id": ops_version, "archived": true}),
        )
        .await;
    assert!(r.is_error && r.text.contains("DEMO"), "{}", r.text);
    let stored = sandbox_get(&sb, &format!("/rest/api/3/version/{ops_version}")).await;
    assert_eq!(stored["archived"], false);
    sb.faults(json!({"errors": {"status": 500, "count": 100}}))
        .await;
    for (tool, args) in [
        (
            "jira_create_version",
            json!({"project_key": "OPS", "name": "9"}),
        ),
        (
            "jira_batch_create_versions",
            json!({"project_key": "MKT", "versions": "[{\"name\": \"9\"}]"}),
        ),
    ] {
        let r = sb.call(tool, args).await;
        assert!(
            r.is_error && r.text.contains("outside"),
            "{tool}: {}",
            r.text
        );
    }
    assert_eq!(sb.remaining_faults().await["errors"]["count"], 100);
    sb.stop().await;

    let sb = spawn_with_sandbox("server", &[("READ_ONLY_MODE", "true")]).await;
    for tool in [
        "jira_create_version",
        "jira_batch_create_versions",
        "jira_update_version",
    ] {
        let r = rpc_call(&sb, tool, json!({"project_key": "DEMO", "name": "x"})).await;
        assert_eq!(r["error"]["code"], -32602, "{tool}: {r}");
    }
    let read = sb
        .call("jira_get_project_versions", json!({"project_key": "DEMO"}))
        .await
        .json();
    assert_eq!(read["count"], 3);
    sb.stop().await;
}
