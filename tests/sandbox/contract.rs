//! Fidelity contract: every sandbox operation's real response validates against the
//! response schema of the same operation in Atlassian's official OpenAPI documents.
//!
//! The schemas in `tests/data/contract/` were extracted (with `$ref`s resolved and the
//! OpenAPI 3.0 dialect translated to JSON Schema 2020-12) by
//! `scripts/extract_contract_schemas.py`; each names its source document and operation in
//! `x-source`. Nothing under `../shared` is read at test time.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::support::{TestSandbox, spawn_sandbox};
use mcp_atlassian::sandbox::RICH_PAGE_ID;
use serde_json::{Value, json};

fn contract_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/contract")
}

fn schema(name: &str) -> Value {
    let path = contract_dir().join(format!("{name}.json"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("schema json")
}

pub fn assert_valid(name: &str, instance: &Value) {
    let schema = schema(name);
    // Jira's specs declare `format: date-time`, yet Jira itself writes `...000+0000` (no
    // colon in the offset, so not RFC 3339); the sandbox copies Jira, so formats are only
    // enforced on Confluence, whose `...000Z` times are RFC 3339.
    let formats = !name.starts_with("jira-");
    let validator = jsonschema::options()
        .should_validate_formats(formats)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(
        errors.is_empty(),
        "{name} ({}): {} violations:\n{}",
        schema["x-source"]["operation"],
        errors.len(),
        errors.join("\n")
    );
}

enum Call {
    Get(String),
    Post(String, Value),
    Put(String, Value),
    /// A multipart upload of one file part named `file`: path, file name, content.
    Upload(String, &'static str, &'static [u8]),
}

async fn call(sb: &TestSandbox, c: &Call, expect: u16) -> Value {
    let req = match c {
        Call::Get(p) => sb.get(p),
        Call::Post(p, body) => sb.post(p).json(body),
        Call::Put(p, body) => sb.put(p).json(body),
        Call::Upload(p, name, data) => {
            let mut body = format!("--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n").into_bytes();
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n--b0undary--\r\n");
            sb.post(p)
                .header("X-Atlassian-Token", "no-check")
                .header("Content-Type", "multipart/form-data; boundary=b0undary")
                .body(body)
        }
    };
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("json body");
    assert_eq!(status, expect, "{body}");
    body
}

/// (schema name, request, expected status). Several requests may exercise one schema.
fn cases(worklog_issue: &str, my_comment: &str, task: &str) -> Vec<(&'static str, Call, u16)> {
    let adf = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "contract"}]}]});
    vec![
        ("jira-cloud-get-issue", Call::Get("/rest/api/3/issue/DEMO-1".into()), 200),
        ("jira-cloud-get-issue", Call::Get("/rest/api/3/issue/DEMO-1?expand=renderedFields,changelog,names".into()), 200),
        ("jira-cloud-get-issue", Call::Get("/rest/api/3/issue/OPS-3".into()), 200),
        ("jira-cloud-search-jql", Call::Get("/rest/api/3/search/jql?jql=project%3DDEMO&maxResults=5".into()), 200),
        ("jira-cloud-search-jql", Call::Get("/rest/api/3/search/jql?jql=project%3DMKT&fields=*all&expand=renderedFields&maxResults=20".into()), 200),
        ("jira-cloud-search-jql-post", Call::Post("/rest/api/3/search/jql".into(), json!({"jql": "labels = docs", "fields": ["*navigable"], "maxResults": 30})), 200),
        ("jira-cloud-myself", Call::Get("/rest/api/3/myself".into()), 200),
        ("jira-cloud-server-info", Call::Get("/rest/api/3/serverInfo".into()), 200),
        ("jira-cloud-get-comments", Call::Get("/rest/api/3/issue/DEMO-1/comment?expand=renderedBody".into()), 200),
        ("jira-cloud-add-comment", Call::Post("/rest/api/3/issue/DEMO-2/comment".into(), json!({"body": adf})), 201),
        ("jira-cloud-get-transitions", Call::Get("/rest/api/3/issue/DEMO-1/transitions".into()), 200),
        ("jira-cloud-get-worklogs", Call::Get(format!("/rest/api/3/issue/{worklog_issue}/worklog")), 200),
        ("jira-cloud-get-user", Call::Get("/rest/api/3/user?accountId=5b10a2844c20165700ede022".into()), 200),
        ("jira-cloud-find-users", Call::Get("/rest/api/3/user/search?query=a".into()), 200),
        ("jira-cloud-find-assignable-users", Call::Get("/rest/api/3/user/assignable/search?query=&project=DEMO".into()), 200),
        ("jira-cloud-get-watchers", Call::Get("/rest/api/3/issue/DEMO-1/watchers".into()), 200),
        ("jira-cloud-add-worklog", Call::Post("/rest/api/3/issue/DEMO-2/worklog?adjustEstimate=new&newEstimate=2h".into(), json!({"timeSpent": "1h 30m", "started": "2025-01-07T09:00:00.000+0000", "comment": adf})), 201),
        ("jira-cloud-get-all-projects", Call::Get("/rest/api/3/project".into()), 200),
        ("jira-cloud-search-projects", Call::Get("/rest/api/3/project/search?query=o&maxResults=2".into()), 200),
        ("jira-cloud-createmeta-issuetypes", Call::Get("/rest/api/3/issue/createmeta/DEMO/issuetypes".into()), 200),
        ("jira-cloud-createmeta-fields", Call::Get("/rest/api/3/issue/createmeta/DEMO/issuetypes/10000".into()), 200),
        ("jira-cloud-createmeta-fields", Call::Get("/rest/api/3/issue/createmeta/OPS/issuetypes/10003".into()), 200),
        ("jira-cloud-get-project-versions", Call::Get("/rest/api/3/project/DEMO/versions".into()), 200),
        ("jira-cloud-get-project-components", Call::Get("/rest/api/3/project/DEMO/components".into()), 200),
        ("jira-cloud-create-version", Call::Post("/rest/api/3/version".into(), json!({"project": "DEMO", "name": "contract", "releaseDate": "2025-12-01"})), 201),
        ("jira-cloud-update-version", Call::Put("/rest/api/3/version/10101".into(), json!({"released": true})), 200),
        ("jira-dc-create-version", Call::Post("/rest/api/2/version".into(), json!({"project": "OPS", "name": "contract", "startDate": "2025-10-01"})), 201),
        ("jira-dc-get-version", Call::Get("/rest/api/2/version/10101".into()), 200),
        ("jira-cloud-get-link-types", Call::Get("/rest/api/3/issueLinkType".into()), 200),
        ("jira-cloud-get-issue-link", Call::Get("/rest/api/3/issueLink/20000".into()), 200),
        ("jira-cloud-create-remote-link", Call::Post("/rest/api/3/issue/DEMO-3/remotelink".into(), json!({"globalId": "contract", "relationship": "causes", "object": {"url": "https://example.com/x", "title": "X", "icon": {"url16x16": "https://example.com/x.png"}}})), 201),
        ("jira-dc-get-link-types", Call::Get("/rest/api/2/issueLinkType".into()), 200),
        ("jira-dc-get-issue-link", Call::Get("/rest/api/2/issueLink/20000".into()), 200),
        ("jira-dc-get-user", Call::Get("/rest/api/2/user?username=alice".into()), 200),
        ("jira-dc-get-watchers", Call::Get("/rest/api/2/issue/DEMO-1/watchers".into()), 200),
        ("jira-dc-add-worklog", Call::Post("/rest/api/2/issue/DEMO-2/worklog".into(), json!({"timeSpentSeconds": 3600, "comment": "contract"})), 201),
        ("jira-dc-get-transitions", Call::Get("/rest/api/2/issue/DEMO-1/transitions".into()), 200),
        ("jira-dc-get-worklogs", Call::Get(format!("/rest/api/2/issue/{worklog_issue}/worklog")), 200),
        ("jira-software-cloud-get-all-boards", Call::Get("/rest/agile/1.0/board".into()), 200),
        ("jira-software-cloud-get-board", Call::Get("/rest/agile/1.0/board/1".into()), 200),
        ("jira-dc-get-board", Call::Get("/rest/agile/1.0/board/2".into()), 200),
        ("jira-dc-get-sprint", Call::Get("/rest/agile/1.0/sprint/1".into()), 200),
        ("jira-dc-get-sprint", Call::Get("/rest/agile/1.0/sprint/3".into()), 200),
        ("jira-dc-get-board-sprints", Call::Get("/rest/agile/1.0/board/1/sprint?state=active,future".into()), 200),
        ("jira-dc-get-sprint-issues", Call::Get("/rest/agile/1.0/sprint/2/issue?maxResults=5".into()), 200),
        ("jira-dc-get-sprint-issues", Call::Get("/rest/agile/1.0/sprint/5/issue?jql=status%3DDone&fields=*all&expand=names".into()), 200),
        ("jira-dc-create-sprint", Call::Post("/rest/agile/1.0/sprint".into(), json!({"name": "contract", "originBoardId": 2, "startDate": "2025-05-01T09:00:00.000+0000", "endDate": "2025-05-15T09:00:00.000+0000", "goal": "ship"})), 201),
        ("jira-dc-partially-update-sprint", Call::Post("/rest/agile/1.0/sprint/6".into(), json!({"goal": "contract"})), 200),
        ("jira-dc-update-sprint", Call::Put("/rest/agile/1.0/sprint/6".into(), json!({"name": "OPS Sprint 3", "state": "active", "startDate": "2025-05-01T09:00:00.000+0000", "endDate": "2025-05-15T09:00:00.000+0000"})), 200),
        ("jira-dc-get-issue", Call::Get("/rest/api/2/issue/DEMO-1?expand=renderedFields,changelog,names".into()), 200),
        ("jira-dc-get-issue", Call::Get("/rest/api/2/issue/OPS-3".into()), 200),
        ("jira-dc-search", Call::Get("/rest/api/2/search?jql=project%3DOPS&startAt=10&maxResults=20".into()), 200),
        ("jira-dc-search-post", Call::Post("/rest/api/2/search".into(), json!({"jql": "assignee is EMPTY", "maxResults": 30, "fields": ["*all"]})), 200),
        ("jira-dc-myself", Call::Get("/rest/api/2/myself".into()), 200),
        ("jira-dc-server-info", Call::Get("/rest/api/2/serverInfo".into()), 200),
        ("jira-dc-get-comments", Call::Get("/rest/api/2/issue/DEMO-1/comment".into()), 200),
        ("jira-dc-add-comment", Call::Post("/rest/api/2/issue/DEMO-2/comment".into(), json!({"body": "contract"})), 201),
        ("jira-cloud-edit-comment", Call::Put(format!("/rest/api/3/issue/DEMO-3/comment/{my_comment}"), json!({"body": adf})), 200),
        ("jira-dc-edit-comment", Call::Put(format!("/rest/api/2/issue/DEMO-3/comment/{my_comment}"), json!({"body": "edited *wiki*"})), 200),
        ("jira-cloud-create-issue", Call::Post("/rest/api/3/issue".into(), json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": "contract", "description": adf}})), 201),
        ("jira-dc-create-issue", Call::Post("/rest/api/2/issue".into(), json!({"fields": {"project": {"id": "10001"}, "issuetype": {"id": "10003"}, "summary": "contract", "priority": {"name": "High"}, "assignee": {"name": "bob"}}})), 201),
        ("jira-cloud-bulk-create-issues", Call::Post("/rest/api/3/issue/bulk".into(), json!({"issueUpdates": [{"fields": {"project": {"key": "MKT"}, "issuetype": {"name": "Story"}, "summary": "one"}}, {"fields": {"project": {"key": "MKT"}, "issuetype": {"name": "Story"}}}]})), 201),
        ("jira-dc-bulk-create-issues", Call::Post("/rest/api/2/issue/bulk".into(), json!({"issueUpdates": [{"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Bug"}, "summary": "no priority"}}, {"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "two", "labels": ["x"]}}]})), 201),
        ("jira-cloud-createmeta", Call::Get("/rest/api/3/issue/createmeta?projectKeys=DEMO,OPS&expand=projects.issuetypes.fields".into()), 200),
        ("jira-cloud-createmeta", Call::Get("/rest/api/3/issue/createmeta?projectKeys=MKT&issuetypeNames=Bug".into()), 200),
        ("jira-cloud-createmeta-issuetypes", Call::Get("/rest/api/3/issue/createmeta/DEMO/issuetypes?maxResults=2&startAt=1".into()), 200),
        ("jira-cloud-createmeta-fields", Call::Get("/rest/api/3/issue/createmeta/DEMO/issuetypes/10003".into()), 200),
        ("jira-cloud-createmeta-fields", Call::Get("/rest/api/3/issue/createmeta/10000/issuetypes/10000?maxResults=3".into()), 200),
        ("jira-cloud-get-fields", Call::Get("/rest/api/3/field".into()), 200),
        ("jira-cloud-field-contexts", Call::Get("/rest/api/3/field/customfield_10030/context".into()), 200),
        ("jira-cloud-field-context-options", Call::Get("/rest/api/3/field/customfield_10031/context/10131/option?maxResults=2".into()), 200),
        ("jira-dc-custom-field-options", Call::Get("/rest/api/2/customFields/10030/options?query=ma".into()), 200),
        ("jira-cloud-changelog-bulkfetch", Call::Post("/rest/api/3/changelog/bulkfetch".into(), json!({"issueIdsOrKeys": ["DEMO-2", "DEMO-3", "OPS-4"], "maxResults": 2})), 200),
        ("jira-cloud-changelog-bulkfetch", Call::Post("/rest/api/3/changelog/bulkfetch".into(), json!({"issueIdsOrKeys": ["DEMO-1"], "fieldIds": ["status"]})), 200),
        ("jira-cloud-get-changelogs", Call::Get("/rest/api/3/issue/OPS-16/changelog?startAt=1&maxResults=2".into()), 200),
        ("jira-cloud-bulk-move", Call::Post("/rest/api/3/bulk/issues/move".into(), json!({"sendBulkNotification": false, "targetToSourcesMapping": {"DEMO,10001": {"issueIdsOrKeys": ["MKT-7", "MKT-8"], "inferFieldDefaults": true, "inferStatusDefaults": true, "inferSubtaskTypeDefault": true, "inferClassificationDefaults": true}}})), 201),
        ("jira-cloud-bulk-queue", Call::Get(format!("/rest/api/3/bulk/queue/{task}")), 200),
        ("jira-cloud-get-attachment", Call::Get("/rest/api/3/attachment/10200".into()), 200),
        ("jira-cloud-get-attachment", Call::Get("/rest/api/3/attachment/10201".into()), 200),
        ("jira-cloud-add-attachment", Call::Upload("/rest/api/3/issue/DEMO-2/attachments".into(), "notes.txt", b"hello"), 200),
        ("confluence-cloud-v2-get-page", Call::Get(format!("/wiki/api/v2/pages/{RICH_PAGE_ID}?body-format=storage")), 200),
        ("confluence-cloud-v2-get-page", Call::Get(format!("/wiki/api/v2/pages/{RICH_PAGE_ID}?body-format=atlas_doc_format")), 200),
        ("confluence-cloud-v2-get-page", Call::Get("/wiki/api/v2/pages/196609".into()), 200),
        ("confluence-cloud-v2-get-pages", Call::Get("/wiki/api/v2/pages?limit=10&body-format=storage".into()), 200),
        ("confluence-cloud-v2-get-spaces", Call::Get("/wiki/api/v2/spaces?keys=DEMO,ENG".into()), 200),
        ("confluence-cloud-v1-search", Call::Get("/wiki/rest/api/search?cql=type%3Dpage&limit=30".into()), 200),
        ("confluence-cloud-v1-user-current", Call::Get("/wiki/rest/api/user/current".into()), 200),
        ("confluence-dc-get-content-by-id", Call::Get(format!("/rest/api/content/{RICH_PAGE_ID}?expand=body.storage,version,space,ancestors,history,metadata.labels")), 200),
        ("confluence-dc-get-content-by-id", Call::Get(format!("/rest/api/content/{RICH_PAGE_ID}")), 200),
        ("confluence-dc-get-content", Call::Get("/rest/api/content?spaceKey=DEMO&limit=10&expand=body.storage,version,space,ancestors".into()), 200),
        ("confluence-dc-search", Call::Get("/rest/api/content/search?cql=space%3DENG&limit=10&expand=body.storage,version".into()), 200),
        ("confluence-dc-user-current", Call::Get("/rest/api/user/current".into()), 200),
        ("confluence-cloud-v2-get-page-attachments", Call::Get("/wiki/api/v2/pages/196609/attachments?limit=5".into()), 200),
        ("confluence-cloud-v2-get-attachment", Call::Get("/wiki/api/v2/attachments/att400001".into()), 200),
        ("confluence-cloud-v1-create-attachment", Call::Upload("/wiki/rest/api/content/196609/child/attachment".into(), "new.txt", b"hello"), 200),
        ("confluence-dc-create-attachment", Call::Upload("/rest/api/content/196609/child/attachment".into(), "other.txt", b"hi"), 200),
    ]
}

#[tokio::test]
async fn every_operation_validates_against_the_official_response_schema() {
    let sb = spawn_sandbox().await;
    let worklog_issue = crate::support::issue_with_worklog(&sb).await;
    // Only the author may edit a comment, so the edit cases need one of the sandbox user's.
    let mine = call(
        &sb,
        &Call::Post(
            "/rest/api/2/issue/DEMO-3/comment".into(),
            json!({"body": "mine"}),
        ),
        201,
    )
    .await;
    let my_comment = mine["id"].as_str().expect("comment id").to_owned();
    let moved = call(
        &sb,
        &Call::Post(
            "/rest/api/3/bulk/issues/move".into(),
            json!({"targetToSourcesMapping": {"OPS,10002": {"issueIdsOrKeys": ["MKT-5"]}}}),
        ),
        201,
    )
    .await;
    let task = moved["taskId"].as_str().expect("task id").to_owned();
    for (name, c, status) in cases(&worklog_issue, &my_comment, &task) {
        let body = call(&sb, &c, status).await;
        assert_valid(name, &body);
    }
}

#[tokio::test]
async fn every_extracted_schema_is_exercised_and_names_its_source() {
    let mut covered: BTreeSet<&str> = cases("DEMO-1", "1", "1")
        .iter()
        .map(|(n, _, _)| *n)
        .collect();
    covered.extend(crate::contract_pages::NAMES);
    covered.extend(crate::contract_confluence_extra::NAMES);
    covered.extend(crate::contract_inline::NAMES);
    covered.extend(crate::contract_screens::NAMES);
    covered.extend(crate::contract_wiki::NAMES);
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(contract_dir()).expect("contract dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("utf-8 name")
                .to_owned();
            let s = schema(&name);
            assert!(
                s["x-source"]["document"].is_string() && s["x-source"]["operation"].is_string(),
                "{name} lacks x-source"
            );
            on_disk.insert(name);
        }
    }
    let covered: BTreeSet<String> = covered.into_iter().map(str::to_owned).collect();
    assert_eq!(covered, on_disk);
}

#[test]
fn the_schemas_reject_a_response_of_the_wrong_shape() {
    // Guards against schemas so loose that the contract test could never fail.
    let validator = jsonschema::validator_for(&schema("jira-cloud-search-jql")).expect("compiles");
    assert!(!validator.is_valid(&json!({"issues": "not an array", "isLast": "no"})));
    let validator = jsonschema::validator_for(&schema("jira-cloud-myself")).expect("compiles");
    assert!(!validator.is_valid(&json!({"accountId": "x", "unexpectedProperty": 1})));
    let validator =
        jsonschema::validator_for(&schema("confluence-cloud-v1-search")).expect("compiles");
    assert!(
        !validator.is_valid(&json!({"results": [], "start": 0})),
        "required fields missing"
    );
    let validator =
        jsonschema::validator_for(&schema("confluence-cloud-v2-get-page")).expect("compiles");
    assert!(!validator.is_valid(&json!({"id": 1, "title": "numeric id"})));
}
