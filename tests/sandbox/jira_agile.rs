//! Agile sprint endpoints of the sandbox: issue lists shaped by the credentials' flavour,
//! full versus partial sprint updates, closing a sprint, and moving issues between sprints
//! and the backlog.

use serde_json::{Value, json};

use crate::support::{TestSandbox, basic, ok_json, spawn_sandbox};

async fn send(sb: &TestSandbox, method: &str, path: &str, body: Value) -> (u16, Value) {
    let req = match method {
        "PUT" => sb.put(path),
        _ => sb.post(path),
    };
    let resp = req.json(&body).send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn keys(v: &Value) -> Vec<String> {
    v["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect()
}

#[tokio::test]
async fn sprint_issues_take_the_shape_of_the_deployment_the_credentials_belong_to() {
    let sb = spawn_sandbox().await;
    let dc = sb
        .json("/rest/agile/1.0/sprint/2/issue?fields=reporter,summary&maxResults=3")
        .await;
    assert_eq!(dc["maxResults"], 3);
    assert!(dc["total"].as_u64().is_some_and(|t| t > 3), "{dc}");
    assert!(
        dc["issues"][0]["fields"]["reporter"]["name"].is_string(),
        "{dc}"
    );
    assert!(dc["issues"][0]["fields"].get("status").is_none(), "{dc}");
    let resp = sb
        .http
        .get(sb.url("/rest/agile/1.0/sprint/2/issue?fields=reporter&maxResults=3"))
        .header("Authorization", basic())
        .send()
        .await
        .expect("request");
    let cloud = ok_json(resp).await;
    assert!(
        cloud["issues"][0]["fields"]["reporter"]["accountId"].is_string(),
        "{cloud}"
    );
    assert_eq!(keys(&cloud), keys(&dc));
    let narrowed = sb
        .json("/rest/agile/1.0/board/2/issue?jql=status%20%3D%20Done&maxResults=50&fields=status")
        .await;
    assert!(
        narrowed["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .all(|i| i["fields"]["status"]["name"] == "Done"
                && i["key"].as_str().is_some_and(|k| k.starts_with("OPS-"))),
        "{narrowed}"
    );
    let bad = sb
        .get("/rest/agile/1.0/board/1/issue?jql=status%20%3D")
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn a_full_update_needs_name_and_state_while_a_partial_one_changes_only_what_is_given() {
    let sb = spawn_sandbox().await;
    let (status, _) = send(&sb, "PUT", "/rest/agile/1.0/sprint/3", json!({"goal": "x"})).await;
    assert_eq!(status, 400);
    let (status, v) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/sprint/3",
        json!({"goal": "Ship it"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["name"], "DEMO Sprint 3");
    assert_eq!(v["goal"], "Ship it");
    let (status, v) = send(
        &sb,
        "PUT",
        "/rest/agile/1.0/sprint/3",
        json!({"name": "Renamed", "state": "future"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    // A full update clears what it does not carry.
    assert_eq!(v["goal"], "");
    assert!(v.get("startDate").is_none(), "{v}");
    let (status, _) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/sprint/3",
        json!({"state": "active"}),
    )
    .await;
    assert_eq!(status, 400, "an undated sprint cannot start");
    let (status, _) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/sprint/1",
        json!({"state": "active"}),
    )
    .await;
    assert_eq!(status, 400, "a closed sprint stays closed");
}

#[tokio::test]
async fn closing_a_sprint_returns_its_unfinished_issues_to_the_backlog() {
    let sb = spawn_sandbox().await;
    let before = sb
        .json("/rest/agile/1.0/sprint/5/issue?maxResults=50&fields=status")
        .await;
    let done = before["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .filter(|i| i["fields"]["status"]["statusCategory"]["key"] == "done")
        .count();
    assert!(
        before["total"].as_u64().is_some_and(|t| t as usize > done),
        "{before}"
    );
    let (status, v) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/sprint/5",
        json!({"state": "closed"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert!(v["completeDate"].is_string());
    let after = sb
        .json("/rest/agile/1.0/sprint/5/issue?maxResults=50")
        .await;
    assert_eq!(after["total"], done);
}

#[tokio::test]
async fn issues_move_into_open_sprints_of_their_board_and_back_to_the_backlog() {
    let sb = spawn_sandbox().await;
    let active = sb.json("/rest/agile/1.0/sprint/2/issue?maxResults=1").await;
    let key = keys(&active).remove(0);
    let (status, _) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/sprint/1/issue",
        json!({"issues": [key]}),
    )
    .await;
    assert_eq!(status, 400, "closed sprint");
    let (status, _) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/sprint/6/issue",
        json!({"issues": [key]}),
    )
    .await;
    assert_eq!(status, 400, "another board's sprint");
    let (status, _) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/sprint/3/issue",
        json!({"issues": ["DEMO-99999"]}),
    )
    .await;
    assert_eq!(status, 400, "unknown issue");
    let (status, _) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/sprint/3/issue",
        json!({"issues": [key]}),
    )
    .await;
    assert_eq!(status, 204);
    let issue = sb
        .json(&format!("/rest/api/2/issue/{key}?fields=customfield_10020"))
        .await;
    assert_eq!(issue["fields"]["customfield_10020"][0]["id"], 3, "{issue}");
    let (status, _) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/backlog/issue",
        json!({"issues": [key]}),
    )
    .await;
    assert_eq!(status, 204);
    let issue = sb
        .json(&format!("/rest/api/2/issue/{key}?fields=customfield_10020"))
        .await;
    assert!(issue["fields"]["customfield_10020"].is_null(), "{issue}");
    let (status, _) = send(
        &sb,
        "POST",
        "/rest/agile/1.0/backlog/issue",
        json!({"issues": []}),
    )
    .await;
    assert_eq!(status, 400);
}
