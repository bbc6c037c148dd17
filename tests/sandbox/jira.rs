//! Jira Cloud v3 and Server/DC v2 over real HTTP.

use crate::support::{ok_json, spawn_sandbox};
use serde_json::{Value, json};

#[tokio::test]
async fn demo_1_on_cloud_has_an_adf_description_with_rich_content() {
    let sb = spawn_sandbox().await;
    let issue = sb.json("/rest/api/3/issue/DEMO-1").await;
    assert_eq!(issue["key"], "DEMO-1");
    let f = &issue["fields"];
    assert_eq!(f["description"]["type"], "doc");
    let kinds: Vec<&str> = f["description"]["content"]
        .as_array()
        .expect("content")
        .iter()
        .filter_map(|n| n["type"].as_str())
        .collect();
    for k in ["heading", "bulletList", "orderedList", "table", "codeBlock"] {
        assert!(kinds.contains(&k), "missing {k} in {kinds:?}");
    }
    assert_eq!(f["status"]["name"], "In Progress");
    assert_eq!(f["priority"]["name"], "High");
    assert_eq!(f["labels"], json!(["backend", "docs"]));
    assert_eq!(
        f["assignee"]["accountId"],
        mcp_atlassian::sandbox::SANDBOX_ACCOUNT_ID
    );
    assert_eq!(f["comment"]["total"], 3);
    assert_eq!(f["comment"]["comments"][0]["body"]["type"], "doc");
    assert!(
        f["parent"]["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("DEMO-"))
    );
}

#[tokio::test]
async fn demo_1_on_server_is_wiki_markup_with_users_by_name() {
    let sb = spawn_sandbox().await;
    let issue = sb.json("/rest/api/2/issue/DEMO-1").await;
    let desc = issue["fields"]["description"]
        .as_str()
        .expect("wiki string");
    assert!(desc.contains("h2. Overview"));
    assert!(desc.contains("||Environment||URL||"));
    assert!(desc.contains("{code:rust}"));
    assert_eq!(issue["fields"]["assignee"]["name"], "sandbox");
    assert_eq!(issue["fields"]["assignee"]["key"], "JIRAUSER10000");
    assert!(issue["fields"]["comment"]["comments"][0]["body"].is_string());
}

#[tokio::test]
async fn fields_and_expand_shape_the_issue() {
    let sb = spawn_sandbox().await;
    let issue = sb
        .json(
            "/rest/api/3/issue/DEMO-1?fields=summary,status&expand=renderedFields,changelog,names",
        )
        .await;
    let fields = issue["fields"].as_object().expect("fields");
    assert_eq!(fields.keys().collect::<Vec<_>>(), vec!["status", "summary"]);
    assert!(
        issue["renderedFields"]["description"].is_null(),
        "description not selected"
    );
    assert_eq!(issue["names"]["summary"], "Summary");
    assert_eq!(
        issue["changelog"]["histories"][0]["items"][0]["toString"],
        "In Progress"
    );
    let full = sb
        .json("/rest/api/3/issue/DEMO-1?expand=renderedFields")
        .await;
    assert!(
        full["renderedFields"]["description"]
            .as_str()
            .expect("html")
            .contains("<table>")
    );
}

#[tokio::test]
async fn unknown_issues_answer_404_in_the_jira_shape() {
    let sb = spawn_sandbox().await;
    let resp = sb
        .get("/rest/api/3/issue/NOPE-999")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(
        body,
        json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}})
    );
}

#[tokio::test]
async fn enhanced_search_pages_with_tokens_and_returns_ids_only_by_default() {
    let sb = spawn_sandbox().await;
    let first = sb.json("/rest/api/3/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key%20ASC&maxResults=50").await;
    assert!(first.get("total").is_none());
    assert_eq!(first["isLast"], false);
    let issues = first["issues"].as_array().expect("issues");
    assert_eq!(issues.len(), 50);
    assert_eq!(
        issues[0]
            .as_object()
            .expect("issue")
            .keys()
            .collect::<Vec<_>>(),
        vec!["id"]
    );
    let mut seen: Vec<String> = issues
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect();
    let mut token = first["nextPageToken"].as_str().expect("token").to_owned();
    loop {
        let page = ok_json(
            sb.post("/rest/api/3/search/jql")
                .json(&json!({"jql": "project = DEMO ORDER BY key ASC", "maxResults": 50, "nextPageToken": token, "fields": ["summary"]}))
                .send()
                .await
                .expect("request"),
        )
        .await;
        for i in page["issues"].as_array().expect("issues") {
            assert!(i["fields"]["summary"].is_string());
            seen.push(i["id"].as_str().expect("id").to_owned());
        }
        match page["nextPageToken"].as_str() {
            Some(t) => token = t.to_owned(),
            None => {
                assert_eq!(page["isLast"], true);
                break;
            }
        }
    }
    assert_eq!(seen.len(), 120);
    seen.dedup();
    assert_eq!(seen.len(), 120);
}

#[tokio::test]
async fn server_search_pages_with_start_at_and_total() {
    let sb = spawn_sandbox().await;
    let page2 = sb.json("/rest/api/2/search?jql=project%3DOPS%20ORDER%20BY%20key%20ASC&startAt=90&maxResults=25").await;
    assert_eq!(page2["total"], 100);
    assert_eq!(page2["startAt"], 90);
    assert_eq!(page2["issues"].as_array().map(Vec::len), Some(10));
    assert_eq!(page2["issues"][0]["key"], "OPS-91");
    assert!(
        page2["issues"][0]["fields"]["summary"].is_string(),
        "navigable fields by default"
    );
    let post = ok_json(
        sb.post("/rest/api/2/search")
            .json(&json!({"jql": "key = OPS-91", "fields": ["labels"]}))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(post["total"], 1);
    assert!(post["issues"][0]["fields"].get("summary").is_none());
}

#[tokio::test]
async fn the_removed_cloud_search_answers_410_and_bad_jql_400() {
    let sb = spawn_sandbox().await;
    let resp = sb
        .get("/rest/api/3/search?jql=project=DEMO")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 410);
    let body: Value = resp.json().await.expect("json");
    assert!(body["errorMessages"][0].as_str().expect("msg").starts_with(
        "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."
    ));
    let resp = sb
        .get("/rest/api/3/search/jql?jql=fixVersion%20%3D%201")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert!(
        body["errorMessages"][0]
            .as_str()
            .expect("msg")
            .contains("'fixVersion'")
    );
    assert_eq!(body["errors"], json!({}));
    let resp = sb
        .get("/rest/api/3/search/jql?jql=project%3DDEMO&nextPageToken=forged")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn myself_and_server_info_describe_each_flavour() {
    let sb = spawn_sandbox().await;
    let me = sb.json("/rest/api/3/myself").await;
    assert_eq!(me["emailAddress"], "sandbox@example.com");
    assert!(me.get("name").is_none());
    let me2 = sb.json("/rest/api/2/myself").await;
    assert_eq!(me2["name"], "sandbox");
    assert_eq!(
        sb.json("/rest/api/3/serverInfo").await["deploymentType"],
        "Cloud"
    );
    assert_eq!(
        sb.json("/rest/api/2/serverInfo").await["deploymentType"],
        "Server"
    );
}

#[tokio::test]
async fn comments_paginate_and_new_comments_are_kept() {
    let sb = spawn_sandbox().await;
    let page = sb
        .json("/rest/api/3/issue/DEMO-1/comment?startAt=1&maxResults=1")
        .await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["comments"].as_array().map(Vec::len), Some(1));
    let adf = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Shipped it"}]}]});
    let resp = sb
        .post("/rest/api/3/issue/DEMO-1/comment")
        .json(&json!({"body": adf}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.expect("json");
    assert_eq!(created["body"], adf);
    let resp = sb
        .post("/rest/api/2/issue/DEMO-1/comment")
        .json(&json!({"body": "from *server*"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let all = sb.json("/rest/api/2/issue/DEMO-1/comment").await;
    assert_eq!(all["total"], 5);
    assert_eq!(all["comments"][3]["body"], "Shipped it");
    assert_eq!(all["comments"][4]["body"], "from *server*");
    let bad = sb
        .post("/rest/api/3/issue/DEMO-1/comment")
        .json(&json!({"body": "plain string"}))
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.expect("json");
    assert!(body["errors"]["comment"].is_string());
}

#[tokio::test]
async fn editing_an_issue_changes_fields_and_search_sees_it() {
    let sb = spawn_sandbox().await;
    let resp = sb
        .put("/rest/api/3/issue/OPS-7")
        .json(&json!({"fields": {"summary": "Renamed by test", "labels": ["alpha"]}, "update": {"labels": [{"add": "beta"}]}}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    let issue = sb
        .json("/rest/api/2/issue/OPS-7?fields=summary,labels")
        .await;
    assert_eq!(issue["fields"]["summary"], "Renamed by test");
    assert_eq!(issue["fields"]["labels"], json!(["alpha", "beta"]));
    let resp = sb
        .put("/rest/api/2/issue/OPS-7")
        .json(&json!({"fields": {"description": "h1. New"}}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    assert_eq!(
        sb.json("/rest/api/2/issue/OPS-7").await["fields"]["description"],
        "h1. New"
    );
    let found = sb
        .json("/rest/api/3/search/jql?jql=updated%20%3E%3D%20-1d")
        .await;
    assert_eq!(found["issues"].as_array().map(Vec::len), Some(1));
    let bad = sb
        .put("/rest/api/3/issue/OPS-7")
        .json(&json!({"fields": {"resolution": {"name": "Done"}}}))
        .send()
        .await
        .expect("request");
    // Resolution is set on transition screens, not on the edit screen.
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.expect("json");
    assert!(body["errors"]["resolution"].is_string());
    let reset = sb
        .http
        .post(sb.url("/__sandbox/reset"))
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status(), 204);
    assert_ne!(
        sb.json("/rest/api/3/issue/OPS-7").await["fields"]["summary"],
        "Renamed by test"
    );
}

#[tokio::test]
async fn concurrent_writes_are_all_kept() {
    let sb = spawn_sandbox().await;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let req = sb
            .post("/rest/api/2/issue/MKT-5/comment")
            .json(&json!({"body": format!("comment {n}")}));
        let read = sb.get("/rest/api/3/search/jql?jql=project%3DMKT&fields=summary");
        tasks.push(tokio::spawn(async move {
            let (w, r) = tokio::join!(req.send(), read.send());
            (
                w.expect("write").status().as_u16(),
                r.expect("read").status().as_u16(),
            )
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), (201, 200));
    }
    let total = sb
        .json("/rest/api/2/issue/MKT-5/comment?maxResults=0")
        .await["total"]
        .as_u64()
        .expect("total");
    let all = sb.json("/rest/api/2/issue/MKT-5/comment").await;
    assert_eq!(all["total"].as_u64(), Some(total));
    let ours = all["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .filter(|c| {
            c["body"]
                .as_str()
                .is_some_and(|b| b.starts_with("comment "))
        })
        .count();
    assert_eq!(ours, 40);
}

#[tokio::test]
async fn latest_is_an_alias_of_v2_and_unknown_paths_answer_a_family_shaped_404() {
    let sb = spawn_sandbox().await;
    let issue = sb
        .json("/rest/api/latest/issue/DEMO-1?fields=description")
        .await;
    assert!(issue["fields"]["description"].is_string());
    let resp = sb
        .get("/rest/api/3/nothing/here")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 404);
    assert!(resp.json::<Value>().await.expect("json")["errorMessages"].is_array());
    let resp = sb
        .get("/wiki/api/v2/nothing")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.json::<Value>().await.expect("json")["errors"][0]["status"],
        404
    );
    let resp = sb
        .get("/rest/api/3/issue/DEMO-1/comment?maxResults=lots")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn transitions_follow_the_workflow_and_moves_are_recorded() {
    let sb = spawn_sandbox().await;
    // DEMO-1 is In Progress: it may go back to To Do, to review, or to Done.
    let list = sb.json("/rest/api/3/issue/DEMO-1/transitions").await;
    let names: Vec<&str> = list["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, vec!["To Do", "Submit for Review", "Done"]);
    let bad = sb
        .post("/rest/api/3/issue/DEMO-1/transitions")
        .json(&json!({"transition": {"id": "21"}}))
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 400);
    let body =
        json!({"transition": {"id": "41"}, "update": {"comment": [{"add": {"body": "closing"}}]}});
    let ok = sb
        .post("/rest/api/2/issue/DEMO-1/transitions")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(ok.status(), 204);
    let issue = sb.json("/rest/api/2/issue/DEMO-1?expand=changelog").await;
    assert_eq!(issue["fields"]["status"]["name"], "Done");
    assert_eq!(issue["fields"]["resolution"]["name"], "Done");
    assert_eq!(issue["fields"]["comment"]["comments"][3]["body"], "closing");
    let last = issue["changelog"]["histories"]
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .expect("history");
    assert_eq!(last["items"][0]["toString"], "Done");
    let found = sb
        .json("/rest/api/3/search/jql?jql=key%3DDEMO-1%20AND%20status%3DDone")
        .await;
    assert_eq!(found["issues"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn worklogs_are_listed_per_issue() {
    let sb = spawn_sandbox().await;
    let key = crate::support::issue_with_worklog(&sb).await;
    let cloud = sb.json(&format!("/rest/api/3/issue/{key}/worklog")).await;
    assert!(cloud["total"].as_u64().is_some_and(|t| t > 0));
    assert_eq!(cloud["worklogs"][0]["comment"]["type"], "doc");
    let server = sb.json(&format!("/rest/api/2/issue/{key}/worklog")).await;
    assert_eq!(server["worklogs"][0]["comment"], "Worked on it");
    assert!(server["worklogs"][0]["timeSpentSeconds"].as_u64().is_some());
}

#[tokio::test]
async fn boards_and_sprints_page_with_start_at_and_is_last() {
    let sb = spawn_sandbox().await;
    let boards = sb.json("/rest/agile/1.0/board").await;
    assert_eq!(boards["total"], 2);
    assert_eq!(boards["values"][0]["location"]["projectKey"], "DEMO");
    let ops = sb.json("/rest/agile/1.0/board?projectKeyOrId=OPS").await;
    assert_eq!(ops["values"].as_array().map(Vec::len), Some(1));
    let first = sb.json("/rest/agile/1.0/board/1/sprint?maxResults=2").await;
    assert_eq!(first["isLast"], false);
    assert_eq!(first["values"].as_array().map(Vec::len), Some(2));
    let rest = sb
        .json("/rest/agile/1.0/board/1/sprint?startAt=2&maxResults=2")
        .await;
    assert_eq!(rest["isLast"], true);
    assert_eq!(rest["values"][0]["state"], "future");
    let active = sb.json("/rest/agile/1.0/board/1/sprint?state=active").await;
    assert_eq!(active["values"][0]["name"], "DEMO Sprint 2");
    let sprint = sb.json("/rest/agile/1.0/sprint/1").await;
    assert_eq!(sprint["state"], "closed");
    assert!(sprint["completeDate"].is_string());
    let resp = sb
        .get("/rest/agile/1.0/board/99")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 404);
    let resp = sb
        .get("/rest/agile/1.0/board/1/sprint?state=open")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
}
