//! The sandbox's issue lifecycle endpoints: Data Center createmeta pages, bulk create with
//! partial failure, and delete keeping links and epics consistent.

use serde_json::{Value, json};

use crate::support::{ok_json, spawn_sandbox};

#[tokio::test]
async fn data_center_createmeta_pages_issue_types_and_fields_in_values() {
    let sb = spawn_sandbox().await;
    let types = sb
        .json("/rest/api/2/issue/createmeta/OPS/issuetypes?startAt=1&maxResults=2")
        .await;
    assert_eq!(types["total"], 4);
    assert_eq!(types["isLast"], false);
    let names: Vec<&str> = types["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Story", "Task"]);
    let fields = sb
        .json("/rest/api/2/issue/createmeta/OPS/issuetypes/10003")
        .await;
    let priority = fields["values"]
        .as_array()
        .expect("values")
        .iter()
        .find(|f| f["fieldId"] == "priority")
        .expect("priority listed")
        .clone();
    assert_eq!(priority["required"], true, "bugs require a priority");
    assert_eq!(priority["allowedValues"][0]["name"], "Highest");
    let epic_link = fields["values"]
        .as_array()
        .expect("values")
        .iter()
        .any(|f| f["fieldId"] == "customfield_10014");
    assert!(epic_link, "DC links epics by Epic Link");
    let missing = sb
        .get("/rest/api/2/issue/createmeta/NOPE/issuetypes")
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn bulk_create_creates_the_valid_entries_and_reports_the_others_by_index() {
    let sb = spawn_sandbox().await;
    let resp = sb
        .post("/rest/api/3/issue/bulk")
        .json(&json!({"issueUpdates": [
            {"fields": {"project": {"key": "MKT"}, "issuetype": {"name": "Task"}, "summary": "ok"}},
            {"fields": {"project": {"key": "MKT"}, "issuetype": {"name": "Task"}, "labels": ["has space"], "summary": "bad"}},
        ]}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["issues"][0]["key"], "MKT-81");
    assert_eq!(body["errors"][0]["failedElementNumber"], 1);
    assert!(
        body["errors"][0]["elementErrors"]["errors"]["labels"].is_string(),
        "{body}"
    );
    let read = sb.json("/rest/api/3/issue/MKT-81?fields=summary").await;
    assert_eq!(read["fields"]["summary"], "ok");
}

#[tokio::test]
async fn deleting_an_issue_drops_its_links_and_leaves_the_others_intact() {
    let sb = spawn_sandbox().await;
    let found = sb
        .json("/rest/api/3/search/jql?jql=project%3DDEMO%20ORDER%20BY%20key%20ASC&fields=issuelinks&maxResults=100")
        .await;
    let linked = found["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .find(|i| {
            i["fields"]["issuelinks"]
                .as_array()
                .is_some_and(|l| !l.is_empty())
        })
        .expect("a linked issue")
        .clone();
    let key = linked["key"].as_str().expect("key").to_owned();
    let link = &linked["fields"]["issuelinks"][0];
    let other = link["outwardIssue"]["key"]
        .as_str()
        .or(link["inwardIssue"]["key"].as_str())
        .expect("other end")
        .to_owned();
    let before_other = sb
        .json(&format!("/rest/api/3/issue/{other}?fields=issuelinks"))
        .await;
    let resp = sb
        .http
        .delete(sb.url(&format!("/rest/api/3/issue/{key}")))
        .header("Authorization", crate::support::basic())
        .send()
        .await
        .expect("delete");
    assert_eq!(resp.status(), 204);
    let gone = sb
        .get(&format!("/rest/api/3/issue/{key}"))
        .send()
        .await
        .expect("get");
    assert_eq!(gone.status(), 404);
    let after_other = ok_json(
        sb.get(&format!("/rest/api/3/issue/{other}?fields=issuelinks"))
            .send()
            .await
            .expect("get"),
    )
    .await;
    let count = |v: &Value| v["fields"]["issuelinks"].as_array().map_or(0, Vec::len);
    assert_eq!(count(&after_other) + 1, count(&before_other));
    for l in after_other["fields"]["issuelinks"]
        .as_array()
        .expect("links")
    {
        let k = l["outwardIssue"]["key"]
            .as_str()
            .or(l["inwardIssue"]["key"].as_str());
        assert!(k.is_some_and(|k| k != key), "{l}");
    }
}
