//! Coverage both ways: every (method, path) the client can call, per flavour, is an
//! operation of that flavour's official OpenAPI document and is served by the sandbox —
//! so neither the client nor the sandbox can invent an endpoint. A scan of the client's
//! source checks that every path it builds is in the table below, so the table cannot
//! fall behind the client.
//!
//! `tests/data/coverage/spec-operations.tsv` lists the documents' operations (extracted by
//! `scripts/extract_spec_operations.py`); nothing under `../shared` is read at test time.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::{TestSandbox, spawn_sandbox};

/// The documents each flavour is checked against.
const FLAVOURS: [(&str, &[&str]); 4] = [
    (
        "Jira Cloud",
        &["jira-cloud-v3.json", "jira-software-cloud.json"],
    ),
    ("Jira Data Center", &["jira-dc-10.3.json"]),
    (
        "Confluence Cloud",
        &["confluence-cloud-v1.json", "confluence-cloud-v2.json"],
    ),
    ("Confluence Data Center", &["confluence-dc-10.0.3.json"]),
];

/// Platform calls both Jira flavours make under their own API root (`/rest/api/3`, `/rest/api/2`).
const JIRA_PLATFORM: &[(&str, &str)] = &[
    ("GET", "/issue/{}"),
    ("PUT", "/issue/{}"),
    ("DELETE", "/issue/{}"),
    ("POST", "/issue"),
    ("POST", "/issue/bulk"),
    ("PUT", "/issue/{}/assignee"),
    ("GET", "/issue/createmeta/{}/issuetypes"),
    ("GET", "/issue/createmeta/{}/issuetypes/{}"),
    ("GET", "/issue/{}/comment"),
    ("POST", "/issue/{}/comment"),
    ("PUT", "/issue/{}/comment/{}"),
    ("GET", "/issue/{}/transitions"),
    ("POST", "/issue/{}/transitions"),
    ("GET", "/issue/{}/worklog"),
    ("POST", "/issue/{}/worklog"),
    ("POST", "/issue/{}/attachments"),
    ("POST", "/issue/{}/remotelink"),
    ("GET", "/issue/{}/watchers"),
    ("POST", "/issue/{}/watchers"),
    ("DELETE", "/issue/{}/watchers"),
    ("POST", "/issueLink"),
    ("GET", "/issueLink/{}"),
    ("DELETE", "/issueLink/{}"),
    ("GET", "/issueLinkType"),
    ("GET", "/myself"),
    ("GET", "/field"),
    ("GET", "/project/{}/components"),
    ("GET", "/project/{}/versions"),
    ("GET", "/user"),
    ("GET", "/user/search"),
    ("GET", "/user/assignable/search"),
    ("POST", "/version"),
    ("PUT", "/version/{}"),
];

/// Agile calls, the same path on both Jira flavours.
const AGILE: &[(&str, &str)] = &[
    ("GET", "/rest/agile/1.0/board"),
    ("GET", "/rest/agile/1.0/board/{}"),
    ("GET", "/rest/agile/1.0/board/{}/sprint"),
    ("GET", "/rest/agile/1.0/board/{}/issue"),
    ("GET", "/rest/agile/1.0/sprint/{}"),
    ("POST", "/rest/agile/1.0/sprint"),
    ("POST", "/rest/agile/1.0/sprint/{}"),
    ("GET", "/rest/agile/1.0/sprint/{}/issue"),
    ("POST", "/rest/agile/1.0/sprint/{}/issue"),
    ("POST", "/rest/agile/1.0/backlog/issue"),
    ("POST", "/rest/agile/1.0/epic/{}/issue"),
];

const JIRA_CLOUD_ONLY: &[(&str, &str)] = &[
    ("POST", "/rest/api/3/search/jql"),
    ("GET", "/rest/api/3/project/search"),
    ("GET", "/rest/api/3/attachment/content/{}"),
    ("POST", "/rest/api/3/bulk/issues/move"),
    ("GET", "/rest/api/3/bulk/queue/{}"),
    ("POST", "/rest/api/3/changelog/bulkfetch"),
    ("GET", "/rest/api/3/field/{}/context"),
    ("GET", "/rest/api/3/field/{}/context/{}/option"),
    ("GET", "/rest/api/3/issue/{}/changelog"),
];

const JIRA_DC_ONLY: &[(&str, &str)] = &[
    ("POST", "/rest/api/2/search"),
    ("GET", "/rest/api/2/project"),
    ("GET", "/rest/api/2/customFields/{}/options"),
];

const CONFLUENCE_CLOUD: &[(&str, &str)] = &[
    ("GET", "/wiki/api/v2/pages"),
    ("POST", "/wiki/api/v2/pages"),
    ("GET", "/wiki/api/v2/pages/{}"),
    ("PUT", "/wiki/api/v2/pages/{}"),
    ("DELETE", "/wiki/api/v2/pages/{}"),
    ("GET", "/wiki/api/v2/pages/{}/children"),
    ("GET", "/wiki/api/v2/pages/{}/attachments"),
    ("GET", "/wiki/api/v2/pages/{}/footer-comments"),
    ("GET", "/wiki/api/v2/pages/{}/inline-comments"),
    ("GET", "/wiki/api/v2/pages/{}/labels"),
    ("GET", "/wiki/api/v2/spaces"),
    ("GET", "/wiki/api/v2/spaces/{}/pages"),
    ("GET", "/wiki/api/v2/spaces/{}/permissions"),
    ("GET", "/wiki/api/v2/attachments/{}"),
    ("DELETE", "/wiki/api/v2/attachments/{}"),
    ("POST", "/wiki/api/v2/footer-comments"),
    ("GET", "/wiki/api/v2/footer-comments/{}/children"),
    ("POST", "/wiki/api/v2/inline-comments"),
    ("GET", "/wiki/api/v2/inline-comments/{}/children"),
    ("GET", "/wiki/rest/api/search"),
    ("GET", "/wiki/rest/api/search/user"),
    ("GET", "/wiki/rest/api/user/current"),
    ("POST", "/wiki/rest/api/content/{}/label"),
    ("PUT", "/wiki/rest/api/content/{}/move/{}/{}"),
    ("POST", "/wiki/rest/api/content/{}/copy"),
    ("GET", "/wiki/rest/api/content/{}/restriction"),
    ("PUT", "/wiki/rest/api/content/{}/restriction"),
    ("POST", "/wiki/rest/api/content/{}/child/attachment"),
    (
        "GET",
        "/wiki/rest/api/content/{}/child/attachment/{}/download",
    ),
    ("POST", "/wiki/rest/api/content/{}/permission/check"),
    ("GET", "/wiki/rest/api/analytics/content/{}/views"),
    ("GET", "/wiki/rest/api/template/page"),
    ("GET", "/wiki/rest/api/template/{}"),
];

const CONFLUENCE_DC: &[(&str, &str)] = &[
    ("GET", "/rest/api/content"),
    ("POST", "/rest/api/content"),
    ("GET", "/rest/api/content/search"),
    ("GET", "/rest/api/content/{}"),
    ("PUT", "/rest/api/content/{}"),
    ("DELETE", "/rest/api/content/{}"),
    ("GET", "/rest/api/content/{}/child/page"),
    ("GET", "/rest/api/content/{}/child/comment"),
    ("GET", "/rest/api/content/{}/child/attachment"),
    ("POST", "/rest/api/content/{}/child/attachment"),
    ("GET", "/rest/api/content/{}/label"),
    ("POST", "/rest/api/content/{}/label"),
    ("GET", "/rest/api/content/{}/restriction/byOperation"),
    ("PUT", "/rest/api/content/{}/restriction"),
    ("GET", "/rest/api/space"),
    ("GET", "/rest/api/space/{}"),
    ("GET", "/rest/api/space/{}/permissions"),
    ("GET", "/rest/api/group/{}/member"),
    ("GET", "/rest/api/user/current"),
];

/// Calls outside the six documents, each with where it is documented instead. They are
/// checked against the sandbox only.
const OUTSIDE_THE_SPECS: &[(&str, &str, &str)] = &[
    (
        "GET",
        "/rest/dev-status/latest/issue/summary",
        "Jira dev-status (internal, undocumented)",
    ),
    (
        "GET",
        "/rest/dev-status/latest/issue/detail",
        "Jira dev-status (internal, undocumented)",
    ),
    (
        "GET",
        "/rest/servicedeskapi/servicedesk",
        "Jira Service Management REST API",
    ),
    (
        "GET",
        "/rest/servicedeskapi/servicedesk/{}",
        "Jira Service Management REST API",
    ),
    (
        "GET",
        "/rest/servicedeskapi/servicedesk/{}/queue",
        "Jira Service Management REST API",
    ),
    (
        "GET",
        "/rest/servicedeskapi/servicedesk/{}/queue/{}/issue",
        "Jira Service Management REST API",
    ),
    (
        "GET",
        "/rest/servicedeskapi/servicedesk/{}/requesttype",
        "Jira Service Management REST API",
    ),
    (
        "GET",
        "/rest/servicedeskapi/servicedesk/{}/requesttype/{}/field",
        "Jira Service Management REST API",
    ),
    (
        "POST",
        "/rest/servicedeskapi/request",
        "Jira Service Management REST API",
    ),
    (
        "GET",
        "/_edge/tenant_info",
        "Atlassian site metadata (cloud id)",
    ),
    (
        "GET",
        "/jira/forms/cloud/{}/issue/{}/form",
        "Jira Forms REST API",
    ),
    (
        "GET",
        "/jira/forms/cloud/{}/issue/{}/form/{}",
        "Jira Forms REST API",
    ),
    (
        "PUT",
        "/jira/forms/cloud/{}/issue/{}/form/{}",
        "Jira Forms REST API",
    ),
    (
        "GET",
        "/secure/attachment/{}/{}",
        "Jira Server/DC attachment download URL (`content` of an attachment)",
    ),
    (
        "GET",
        "/download/attachments/{}/{}",
        "Confluence Server/DC attachment download URL",
    ),
    (
        "GET",
        "/rest/experimental/template/page",
        "Confluence Server/DC experimental templates API",
    ),
    (
        "GET",
        "/rest/experimental/template/{}",
        "Confluence Server/DC experimental templates API",
    ),
];

/// Every (method, path) per flavour.
fn table() -> Vec<(&'static str, Vec<(String, String)>)> {
    let own = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect()
    };
    let platform = |root: &str| -> Vec<(String, String)> {
        JIRA_PLATFORM
            .iter()
            .map(|(m, p)| ((*m).to_owned(), format!("{root}{p}")))
            .collect()
    };
    vec![
        (
            "Jira Cloud",
            [platform("/rest/api/3"), own(AGILE), own(JIRA_CLOUD_ONLY)].concat(),
        ),
        (
            "Jira Data Center",
            [platform("/rest/api/2"), own(AGILE), own(JIRA_DC_ONLY)].concat(),
        ),
        ("Confluence Cloud", own(CONFLUENCE_CLOUD)),
        ("Confluence Data Center", own(CONFLUENCE_DC)),
    ]
}

/// A path template with every `{name}` made `{}`.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

/// `(document, METHOD, shaped path)` of every official operation.
fn spec_operations() -> BTreeSet<(String, String, String)> {
    let file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/coverage/spec-operations.tsv");
    std::fs::read_to_string(&file)
        .expect("spec operations")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut parts = l.split('\t');
            let doc = parts.next().unwrap_or_default().to_owned();
            let method = parts.next().unwrap_or_default().to_owned();
            let path = shape(parts.next().unwrap_or_default());
            (doc, method, path)
        })
        .collect()
}

/// Whether a call's path is an instance of a spec path: equal segments, or a spec `{}`
/// segment (`/child/{type}`) standing for a literal one (`/child/page`).
fn spec_matches(spec: &str, call: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (spec.split('/').collect(), call.split('/').collect());
    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y || *x == "{}")
}

/// Whether client literal segments `lit` (a `{}` stands for one or more segments: an API
/// root, or `board/{id}`) match all of `known` (a `{}` there is one segment).
fn covers(lit: &[&str], known: &[&str]) -> bool {
    match (lit.split_first(), known.split_first()) {
        (None, None) => true,
        (Some((&"{}", rest)), Some(_)) => (1..=known.len()).any(|n| covers(rest, &known[n..])),
        (Some((l, rest)), Some((k, krest))) => (l == k || *k == "{}") && covers(rest, krest),
        _ => false,
    }
}

#[test]
fn every_client_call_is_an_operation_of_its_flavours_spec() {
    let ops = spec_operations();
    assert!(ops.len() > 1000, "the operation list looks truncated");
    assert!(
        !ops.iter()
            .any(|(_, m, p)| m == "GET" && spec_matches(p, "/rest/api/3/invented/{}"))
    );
    assert!(!covers(&["", "rest", "nope"], &["", "rest", "api"]));
    assert!(covers(
        &["{}", "issue", "{}"],
        &["", "rest", "api", "3", "issue", "{}"]
    ));
    let mut missing = Vec::new();
    for (flavour, calls) in table() {
        let docs = FLAVOURS
            .iter()
            .find(|(f, _)| *f == flavour)
            .map(|(_, d)| *d)
            .unwrap_or_default();
        for (method, path) in calls {
            let found = ops.iter().any(|(d, m, p)| {
                docs.contains(&d.as_str()) && *m == method && spec_matches(p, &shape(&path))
            });
            if !found {
                missing.push(format!("{flavour}: {method} {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not operations of the official documents:\n{}",
        missing.join("\n")
    );
}

async fn served(sb: &TestSandbox, method: &str, path: &str) -> Result<(), String> {
    let concrete = path.replace("{}", "1");
    let req = match method {
        "GET" => sb.get(&concrete),
        "POST" => sb.post(&concrete),
        "PUT" => sb.put(&concrete),
        _ => sb
            .http
            .delete(sb.url(&concrete))
            .header("Authorization", crate::support::bearer()),
    };
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap_or_default();
    if status == 405 || body.contains("No sandbox endpoint at") {
        return Err(format!("{method} {path} answered {status}"));
    }
    Ok(())
}

#[tokio::test]
async fn every_client_call_is_served_by_the_sandbox() {
    let sb = spawn_sandbox().await;
    let mut missing = Vec::new();
    let outside = OUTSIDE_THE_SPECS
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()));
    let all: Vec<(String, String)> = table()
        .into_iter()
        .flat_map(|(_, calls)| calls)
        .chain(outside)
        .collect();
    for (method, path) in &all {
        if let Err(e) = served(&sb, method, path).await {
            missing.push(e);
        }
    }
    assert!(
        missing.is_empty(),
        "not served by the sandbox:\n{}",
        missing.join("\n")
    );
    // The check can fail: an invented endpoint and a wrong method are told apart.
    assert!(served(&sb, "GET", "/rest/api/3/invented/{}").await.is_err());
    assert!(served(&sb, "DELETE", "/rest/api/3/myself").await.is_err());
}

/// Path literals in the client's source, with `{CONST}` prefixes resolved and
/// `{}`/`{name}` holes as `{}`; JSON pointers (`.pointer("/a/b")`) are not paths.
fn client_paths() -> BTreeSet<(String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/atlassian");
    let mut files = Vec::new();
    collect(&root, &mut files);
    let mut out = BTreeSet::new();
    for file in files {
        if file.components().any(|c| c.as_os_str() == "markup") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source");
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        let consts: Vec<(String, String)> = text
            .lines()
            .filter_map(|l| {
                let rest = l.trim().strip_prefix("const ")?;
                let (name, value) = rest.split_once(": &str = \"")?;
                Some((name.to_owned(), value.strip_suffix("\";")?.to_owned()))
            })
            .collect();
        for (i, lit) in literals(text) {
            let before = &text[..i];
            if before.trim_end().ends_with("pointer(") {
                continue;
            }
            let mut lit = lit;
            for (name, value) in &consts {
                lit = lit.replace(&format!("{{{name}}}"), value);
            }
            // Request paths start at a REST root or an API root placeholder; other slashed
            // literals are JSON pointers or web links. `/ex/...` is the OAuth gateway prefix
            // put before a site's paths, not an endpoint.
            const ROOTS: [&str; 8] = [
                "/rest/",
                "/wiki/",
                "/api/v2",
                "/jira/",
                "/_edge/",
                "/secure/",
                "/download/",
                "{}/",
            ];
            if !ROOTS.iter().any(|r| lit.starts_with(r)) {
                continue;
            }
            if lit.contains(|c: char| !(c.is_ascii_alphanumeric() || "/{}_-.".contains(c))) {
                continue;
            }
            let name = file
                .strip_prefix(&root)
                .unwrap_or(&file)
                .display()
                .to_string();
            out.insert((shape(&lit), name));
        }
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(byte offset, content)` of every simple string literal.
fn literals(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != b'"' && bytes[j] != b'\n' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            if j < bytes.len() && bytes[j] == b'"' {
                out.push((i, text[start..j].to_owned()));
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

#[test]
fn every_path_the_client_builds_is_in_the_table() {
    let known: Vec<String> = table()
        .into_iter()
        .flat_map(|(_, calls)| calls.into_iter().map(|(_, p)| p))
        .chain(OUTSIDE_THE_SPECS.iter().map(|(_, p, _)| (*p).to_owned()))
        .map(|p| shape(&p))
        .collect();
    let mut unknown = Vec::new();
    let found = client_paths();
    assert!(
        found.len() > 50,
        "the source scan found only {} paths",
        found.len()
    );
    for (path, file) in &found {
        let lit: Vec<&str> = path.split('/').collect();
        let ok = known.iter().any(|k| {
            let k = k
                .strip_prefix("/wiki")
                .filter(|_| path.starts_with("/api/v2") || path.starts_with("/rest/api"))
                .unwrap_or(k);
            let segs: Vec<&str> = k.split('/').collect();
            // A full path, or an API root the client joins calls to (`/rest/api/3`).
            covers(&lit, &segs) || (!path.contains("{}") && k.starts_with(&format!("{path}/")))
        });
        if !ok {
            unknown.push(format!("{file}: {path}"));
        }
    }
    assert!(
        unknown.is_empty(),
        "paths the client builds that the coverage table lacks:\n{}",
        unknown.join("\n")
    );
}
