//! Fidelity contract for Jira's create and edit screens, assignment and sprint creation:
//! whatever the sandbox's own createmeta offers, `createIssue` and `editIssue` accept, and
//! the issue holds it afterwards. Each test names the spec operation (operationId, from
//! `jira-cloud-v3.json`, `jira-dc-10.3.json`, `jira-software-cloud.json`) it pins.

use serde_json::{Value, json};

use crate::contract::assert_valid;
use crate::support::{TestSandbox, spawn_sandbox};

/// Every schema these tests validate against.
pub const NAMES: [&str; 1] = ["jira-dc-projects-picker"];

async fn send(sb: &TestSandbox, method: &str, path: &str, body: Value) -> (u16, Value) {
    let req = match method {
        "POST" => sb.post(path),
        _ => sb.put(path),
    };
    let resp = req.json(&body).send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A first epic of `project`.
async fn epic_of(sb: &TestSandbox, project: &str) -> String {
    let found = sb
        .json(&format!(
            "/rest/api/3/search/jql?jql=project%3D{project}%20AND%20issuetype%3DEpic&fields=summary"
        ))
        .await;
    found["issues"][0]["key"]
        .as_str()
        .expect("the seed has an epic")
        .to_owned()
}

/// A value for every field on the create screen, built from createmeta alone.
fn value_for(field: &Value, v3: bool, epic: &str) -> Option<Value> {
    let id = field["fieldId"].as_str()?;
    let schema = &field["schema"];
    let first_allowed = || {
        field["allowedValues"][0]["id"]
            .as_str()
            .map(|i| json!({"id": i}))
    };
    Some(match (id, schema["type"].as_str()?) {
        ("project", _) | ("issuetype", _) => return None,
        ("summary", _) => json!("every screen field"),
        ("description", _) if v3 => json!({"type": "doc", "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": "d"}]}]}),
        ("description", _) => json!("d"),
        ("labels", _) => json!(["screen"]),
        ("parent", _) => json!({"key": epic}),
        (_, "any") => json!(epic),
        (_, "user") if v3 => json!({"accountId": "5b10a2844c20165700ede022"}),
        (_, "user") => json!({"name": "bob"}),
        (_, "date") => json!("2025-03-14"),
        (_, "string") => json!("text"),
        (_, "array") => json!([first_allowed()?]),
        _ => first_allowed()?,
    })
}

/// The text that identifies a stored value, for comparing what was sent with what is read.
fn ident(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(ident).collect()),
        Value::Object(o) => ["id", "key", "accountId", "name"]
            .iter()
            .find_map(|k| o.get(*k).cloned())
            .unwrap_or(Value::Null),
        other => other.clone(),
    }
}

/// `got` reduced to the reference keys `sent` used (`{"key"}`, `{"name"}`, `{"id"}`).
fn same_refs(got: &Value, sent: &Value) -> Value {
    match (got, sent) {
        (Value::Array(g), Value::Array(s)) => Value::Array(
            g.iter()
                .zip(s.iter().cycle())
                .map(|(g, s)| same_refs(g, s))
                .collect(),
        ),
        (Value::Object(g), Value::Object(s)) => Value::Object(
            s.keys()
                .map(|k| (k.clone(), g.get(k).cloned().unwrap_or(Value::Null)))
                .collect(),
        ),
        _ => got.clone(),
    }
}

/// `createIssue` (Cloud `POST /rest/api/3/issue`, DC `POST /api/2/issue`) accepts every field
/// `getCreateIssueMetaIssueTypeId` offers for a Task, and `getIssue` reads each back.
#[tokio::test]
async fn create_issue_accepts_every_field_its_createmeta_offers() {
    let sb = spawn_sandbox().await;
    for (ver, v3) in [("3", true), ("2", false)] {
        let epic = epic_of(&sb, "DEMO").await;
        let meta = sb
            .json(&format!(
                "/rest/api/{ver}/issue/createmeta/DEMO/issuetypes/10002?maxResults=100"
            ))
            .await;
        let list = meta[if v3 { "fields" } else { "values" }]
            .as_array()
            .expect("fields")
            .clone();
        let mut fields = json!({"project": {"key": "DEMO"}, "issuetype": {"id": "10002"}});
        for f in &list {
            if let Some(v) = value_for(f, v3, &epic) {
                fields[f["fieldId"].as_str().expect("id")] = v;
            }
        }
        for must in [
            "components",
            "fixVersions",
            "duedate",
            "customfield_10030",
            "customfield_10031",
        ] {
            assert!(
                fields.get(must).is_some(),
                "createmeta offers {must}: {fields}"
            );
        }
        assert!(
            fields
                .get(if v3 { "parent" } else { "customfield_10014" })
                .is_some()
        );
        let (status, created) = send(
            &sb,
            "POST",
            &format!("/rest/api/{ver}/issue"),
            json!({"fields": fields}),
        )
        .await;
        assert_eq!(status, 201, "v{ver}: {created}");
        let key = created["key"].as_str().expect("key");
        let issue = sb.json(&format!("/rest/api/{ver}/issue/{key}")).await;
        for (name, sent) in fields.as_object().expect("fields") {
            if matches!(name.as_str(), "description" | "project" | "issuetype") {
                continue;
            }
            let got = &issue["fields"][name];
            assert_eq!(&same_refs(got, sent), sent, "v{ver} {name}: stored {got}");
        }
    }
}

/// `editIssue` (`PUT /rest/api/{2,3}/issue/{issueIdOrKey}`) sets and clears the screen
/// fields, records them in the changelog, and refuses values createmeta does not allow.
#[tokio::test]
async fn edit_issue_sets_the_screen_fields_and_checks_their_values() {
    let sb = spawn_sandbox().await;
    let epic = epic_of(&sb, "DEMO").await;
    let components = sb.json("/rest/api/3/project/DEMO/components").await;
    let component = components[0]["name"].as_str().expect("a DEMO component");
    let versions = sb.json("/rest/api/3/project/DEMO/versions").await;
    let version = versions[0]["id"].as_str().expect("a DEMO version");
    let body = json!({"fields": {
        "components": [{"name": component}], "fixVersions": [{"id": version}],
        "duedate": "2025-06-30", "customfield_10030": {"value": "Major"},
        "customfield_10031": [{"id": "10110"}, {"value": "Web"}], "parent": {"key": epic},
    }});
    let (status, err) = send(&sb, "PUT", "/rest/api/3/issue/DEMO-3", body).await;
    assert_eq!(status, 204, "{err}");
    let f = &sb.json("/rest/api/3/issue/DEMO-3?expand=changelog").await;
    let fields = &f["fields"];
    assert_eq!(fields["components"][0]["name"], component);
    assert_eq!(fields["fixVersions"][0]["id"], version);
    assert_eq!(fields["duedate"], "2025-06-30");
    assert_eq!(fields["customfield_10030"]["value"], "Major");
    assert_eq!(
        ident(&fields["customfield_10031"]),
        json!(["10110", "10112"])
    );
    assert_eq!(fields["parent"]["key"], epic.as_str());
    let changed: Vec<&str> = f["changelog"]["histories"]
        .as_array()
        .expect("histories")
        .iter()
        .flat_map(|h| h["items"].as_array().cloned().unwrap_or_default())
        .filter_map(|i| i["field"].as_str().map(str::to_owned))
        .map(|s| Box::leak(s.into_boxed_str()) as &str)
        .collect();
    for name in [
        "Component",
        "Fix Version",
        "duedate",
        "Severity",
        "Affected Teams",
        "Epic Link",
    ] {
        assert!(changed.contains(&name), "{name} missing from {changed:?}");
    }
    // The DC flavour links epics through the Epic Link field, and clears with null.
    let (status, err) = send(
        &sb,
        "PUT",
        "/rest/api/2/issue/DEMO-3",
        json!({"fields": {"customfield_10014": null, "duedate": null, "components": []}}),
    )
    .await;
    assert_eq!(status, 204, "{err}");
    let dc = sb.json("/rest/api/2/issue/DEMO-3").await;
    assert!(
        dc["fields"]["customfield_10014"].is_null(),
        "{}",
        dc["fields"]
    );
    assert!(dc["fields"].get("duedate").is_none_or(Value::is_null));
    assert_eq!(dc["fields"]["components"], json!([]));
    // Values outside what createmeta allows are a 400 naming the field, and change nothing.
    for (field, bad) in [
        ("components", json!([{"name": "No such component"}])),
        ("fixVersions", json!([{"id": "999999"}])),
        ("duedate", json!("30/06/2025")),
        ("customfield_10030", json!({"value": "Trivial"})),
        ("customfield_10031", json!([{"id": "1"}])),
    ] {
        let (status, err) = send(
            &sb,
            "PUT",
            "/rest/api/3/issue/DEMO-3",
            json!({"fields": {field: bad}}),
        )
        .await;
        assert_eq!(status, 400, "{field}: {err}");
        assert!(err["errors"][field].is_string(), "{field}: {err}");
    }
    let after = sb.json("/rest/api/3/issue/DEMO-3").await;
    assert_eq!(after["fields"]["customfield_10030"]["value"], "Major");
}

/// `assignIssue` (Cloud) / `assign` (DC), `PUT /issue/{issueIdOrKey}/assignee`: the other
/// flavour's identifier is a 400 and leaves the assignee alone, never a silent unassign.
#[tokio::test]
async fn assign_with_the_other_flavours_identifier_is_refused() {
    let sb = spawn_sandbox().await;
    let ok = |ver: &str, body: Value| {
        let sb = &sb;
        let path = format!("/rest/api/{ver}/issue/DEMO-4/assignee");
        async move { send(sb, "PUT", &path, body).await }
    };
    let (s, _) = ok("2", json!({"name": "bob"})).await;
    assert_eq!(s, 204);
    let (s, err) = ok("2", json!({"accountId": "5b10a2844c20165700ede022"})).await;
    assert_eq!(s, 400, "{err}");
    let (s, err) = ok("3", json!({"name": "alice"})).await;
    assert_eq!(s, 400, "{err}");
    let issue = sb.json("/rest/api/2/issue/DEMO-4?fields=assignee").await;
    assert_eq!(issue["fields"]["assignee"]["name"], "bob", "{issue}");
}

/// `createSprint` (`POST /rest/agile/1.0/sprint`) takes `originBoardId` as a number or a
/// numeric string, as Jira's lenient parser does.
#[tokio::test]
async fn create_sprint_accepts_a_numeric_string_board_id() {
    let sb = spawn_sandbox().await;
    let (s, v) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/sprint",
        json!({"name": "string board", "originBoardId": "1"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["originBoardId"], 1);
    let (s, v) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/sprint",
        json!({"name": "bad", "originBoardId": "one"}),
    )
    .await;
    assert_eq!(s, 400, "{v}");
}

/// `searchForProjects` (DC `GET /api/2/projects/picker`): prefix matches on key or name
/// words, an empty query only with `allowEmptyQuery`; the response validates.
#[tokio::test]
async fn projects_picker_matches_prefixes_and_validates() {
    let sb = spawn_sandbox().await;
    let v = sb.json("/rest/api/2/projects/picker?query=op").await;
    assert_valid("jira-dc-projects-picker", &v);
    let keys: Vec<&str> = v["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .filter_map(|p| p["key"].as_str())
        .collect();
    assert_eq!(keys, ["OPS"], "{v}");
    let none = sb.json("/rest/api/2/projects/picker").await;
    assert_eq!(none["total"], 0);
    let all = sb
        .json("/rest/api/2/projects/picker?allowEmptyQuery=true&maxResults=2")
        .await;
    assert_valid("jira-dc-projects-picker", &all);
    assert_eq!(all["projects"].as_array().map(Vec::len), Some(2));
    assert!(all["total"].as_u64().unwrap_or(0) >= 3, "{all}");
}

/// Jira Cloud serves the platform API under `/rest/api/2` as well as `/rest/api/3`: the same
/// resources (`getIssue`, `assignIssue` of `jira-cloud-v3.json`), bodies in wiki markup
/// instead of ADF, users by account id as everywhere on Cloud.
#[tokio::test]
async fn cloud_serves_the_platform_api_under_v2_with_cloud_users() {
    let sb = spawn_sandbox().await;
    let basic = crate::support::basic();
    let get = |path: &'static str| {
        let req = sb
            .http
            .get(sb.url(path))
            .header("Authorization", basic.clone());
        async move {
            req.send()
                .await
                .expect("request")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let issue = get("/rest/api/2/issue/DEMO-1").await;
    let f = &issue["fields"];
    assert!(
        f["description"].is_string(),
        "wiki body: {}",
        f["description"]
    );
    assert!(
        f["reporter"]["accountId"].is_string(),
        "Cloud user: {}",
        f["reporter"]
    );
    assert!(f["reporter"].get("key").is_none(), "{}", f["reporter"]);
    let assign = |body: Value| {
        let req = sb
            .http
            .put(sb.url("/rest/api/2/issue/DEMO-4/assignee"))
            .header("Authorization", basic.clone())
            .json(&body);
        async move { req.send().await.expect("request").status().as_u16() }
    };
    assert_eq!(
        assign(json!({"accountId": "5b10a2844c20165700ede023"})).await,
        204
    );
    assert_eq!(assign(json!({"name": "bob"})).await, 400);
    let after = get("/rest/api/2/issue/DEMO-4?fields=assignee").await;
    assert_eq!(
        after["fields"]["assignee"]["accountId"], "5b10a2844c20165700ede023",
        "{after}"
    );
    // The same paths with a Server/DC token keep Server/DC's users.
    let dc = sb.json("/rest/api/2/issue/DEMO-1").await;
    assert!(
        dc["fields"]["reporter"]["key"].is_string(),
        "{}",
        dc["fields"]["reporter"]
    );
}
