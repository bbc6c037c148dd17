//! `jira_batch_create_issues` (all entries checked — filter, issue type, required fields —
//! before one bulk create) and `jira_batch_get_changelogs` (Cloud bulk changelog fetch).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};

use super::common::{guard_issue, guard_project, normalise_fields, tri};
use super::confine;
use super::create_issue::{Screen, missing, screen};
use crate::atlassian::jira::{fields, issue_write};
use crate::tools::args::CommaList;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, time_value, upstream_error, user};
use crate::tools::registry::{
    Access, Availability, Content, Product, Tool, ToolContext, ToolOutput,
};
use crate::tools::typed::{Logic, Meta, Typed};

/// Jira creates at most 50 issues per bulk request.
const MAX_BATCH: usize = 50;

/// A list of issue objects, given as an array or as a string holding one.
#[derive(Debug, Clone, Default)]
pub struct IssueList(Vec<Map<String, Value>>);

impl<'de> Deserialize<'de> for IssueList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = match Value::deserialize(d)? {
            Value::String(s) => serde_json::from_str::<Value>(&s)
                .map_err(|e| serde::de::Error::custom(format!("issues is not valid JSON ({e})")))?,
            other => other,
        };
        let Value::Array(items) = v else {
            return Err(serde::de::Error::custom(
                "issues must be a JSON array of objects",
            ));
        };
        items
            .into_iter()
            .map(|i| match i {
                Value::Object(m) => Ok(m),
                _ => Err(serde::de::Error::custom(
                    "every issue must be a JSON object",
                )),
            })
            .collect::<Result<_, _>>()
            .map(IssueList)
    }
}

impl JsonSchema for IssueList {
    fn schema_name() -> Cow<'static, str> {
        "IssueList".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string"})
    }
    fn inline_schema() -> bool {
        true
    }
}

/// Arguments of `jira_batch_create_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// JSON list of up to 50 {"project_key", "summary", "issue_type", "description"}; other keys are field ids.
    issues: IssueList,
    #[schemars(extend("default" = false))]
    validate_only: Option<bool>,
}

/// Arguments of `jira_batch_get_changelogs`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangelogArgs {
    /// Comma list.
    issue_ids_or_keys: CommaList,
    /// Field ids to keep, e.g. status.
    fields: Option<CommaList>,
    /// Per issue; -1 all.
    #[schemars(extend("default" = -1))]
    limit: Option<i64>,
}

struct BatchCreate(Arc<ToolEnv>);
struct BatchChangelogs(Arc<ToolEnv>);

pub(super) fn create_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_batch_create_issues",
            description: "Create up to 50 issues; none if one is invalid.",
            toolset: "jira_issues",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: false,
            availability: Availability::BOTH,
        },
        BatchCreate(env),
    )
}

pub(super) fn changelogs_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_batch_get_changelogs",
            description: "Field change history of several issues.",
            toolset: "jira_issues",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::CLOUD,
        },
        BatchChangelogs(env),
    )
}

/// The sentence of a tool error, to fold into a list of problems.
fn message(o: &ToolOutput) -> String {
    o.content
        .iter()
        .find_map(|c| match c {
            Content::Text(t) => Some(t.trim_end_matches('.').to_owned()),
            _ => None,
        })
        .unwrap_or_default()
}

fn text(m: &Map<String, Value>, k: &str) -> Option<String> {
    m.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl Logic for BatchCreate {
    type Args = CreateArgs;

    async fn run(&self, ctx: &ToolContext, args: CreateArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let items = args.issues.0;
        if items.is_empty() || items.len() > MAX_BATCH {
            return ToolOutput::error(format!(
                "issues has {} entries; send between 1 and {MAX_BATCH}.",
                items.len()
            ));
        }
        // First pass, no upstream call: the filter and the mandatory keys of every entry.
        let mut problems = Vec::new();
        let mut parsed = Vec::new();
        for (n, item) in items.into_iter().enumerate() {
            let (Some(p), Some(summary), Some(kind)) = (
                text(&item, "project_key"),
                text(&item, "summary"),
                text(&item, "issue_type"),
            ) else {
                problems.push(format!(
                    "issue {n}: project_key, summary and issue_type are required"
                ));
                continue;
            };
            match guard_project(env, &p) {
                Ok(p) => parsed.push((n, p, summary, kind, item)),
                Err(e) => problems.push(format!("issue {n}: {}", message(&e))),
            }
        }
        if !problems.is_empty() {
            return ToolOutput::error(format!("Nothing was created. {}.", problems.join("; ")));
        }
        let mut screens: HashMap<(String, String), Screen> = HashMap::new();
        let mut all_fields = Vec::new();
        for (n, project, summary, kind, mut item) in parsed {
            let id = (project.clone(), kind.to_lowercase());
            if !screens.contains_key(&id) {
                match screen(client, &auth, &project, &kind).await {
                    Ok(s) => {
                        screens.insert(id.clone(), s);
                    }
                    Err(e) => {
                        problems.push(format!("issue {n}: {}", message(&e)));
                        continue;
                    }
                }
            }
            let Some(sc) = screens.get(&id) else { continue };
            for k in ["project_key", "summary", "issue_type"] {
                item.remove(k);
            }
            let extra = match item.remove("additional_fields") {
                Some(Value::Object(m)) => m,
                Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
                    Ok(Value::Object(m)) => m,
                    _ => {
                        problems.push(format!("issue {n}: additional_fields is not a JSON object"));
                        continue;
                    }
                },
                _ => Map::new(),
            };
            item.extend(extra);
            if let Err(e) = confine::check_write(&env.jira_projects, &item, &format!("issues[{n}]"))
            {
                problems.push(e);
                continue;
            }
            let mut fields = match normalise_fields(client, &auth, item).await {
                Ok(f) => f,
                Err(e) => {
                    problems.push(format!("issue {n}: {}", message(&e)));
                    continue;
                }
            };
            fields.insert("project".into(), json!({"key": project}));
            fields.insert("summary".into(), json!(summary));
            fields.insert("issuetype".into(), json!({"id": sc.type_id}));
            if let Some(m) = missing(sc, &fields) {
                problems.push(format!("issue {n}: {m}"));
                continue;
            }
            all_fields.push(fields);
        }
        if !problems.is_empty() {
            return ToolOutput::error(format!("Nothing was created. {}.", problems.join("; ")));
        }
        if args.validate_only.unwrap_or(false) {
            return json_output(json!({"valid": true, "count": all_fields.len()}));
        }
        let result = tri!(
            issue_write::create_bulk(client, &auth, &all_fields)
                .await
                .map_err(|e| upstream_error(&e))
        );
        let site = client.site();
        let created: Vec<Value> = result["issues"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| json!({"key": i["key"], "id": i["id"], "url": format!("{site}/browse/{}", i["key"].as_str().unwrap_or_default())}))
                    .collect()
            })
            .unwrap_or_default();
        let errors: Vec<Value> = result["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| json!({"index": e["failedElementNumber"], "errors": e["elementErrors"]["errors"], "messages": e["elementErrors"]["errorMessages"]}))
                    .collect()
            })
            .unwrap_or_default();
        json_output(json!({"created": created, "errors": errors}))
    }
}

impl Logic for BatchChangelogs {
    type Args = ChangelogArgs;

    async fn run(&self, ctx: &ToolContext, args: ChangelogArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let mut keys = Vec::new();
        for k in &args.issue_ids_or_keys.0 {
            keys.push(tri!(guard_issue(env, k)));
        }
        if keys.is_empty() || keys.len() > 1000 {
            return ToolOutput::error("issue_ids_or_keys must name between 1 and 1000 issues.");
        }
        let wanted: Vec<String> = args.fields.map(|f| f.0).unwrap_or_default();
        let per_issue = usize::try_from(args.limit.unwrap_or(-1)).ok();
        let mut by_issue: Vec<(String, Vec<Value>)> = Vec::new();
        let mut token: Option<String> = None;
        // Bounded: 1000 issues at 1000 histories a page never needs more pages than this.
        for _ in 0..100 {
            let page = tri!(
                fields::changelogs(client, &auth, &keys, &wanted, token.as_deref())
                    .await
                    .map_err(|e| upstream_error(&e))
            );
            for log in page["issueChangeLogs"].as_array().into_iter().flatten() {
                let id = log["issueId"].as_str().unwrap_or_default().to_owned();
                let pos = match by_issue.iter().position(|(i, _)| *i == id) {
                    Some(p) => p,
                    None => {
                        by_issue.push((id, Vec::new()));
                        by_issue.len() - 1
                    }
                };
                let mut histories = log["changeHistories"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                confine::histories_in(&env.jira_projects, &mut histories);
                for h in &histories {
                    by_issue[pos].1.push(json!({
                        "author": user(&h["author"]),
                        "created": time_value(h.get("created")),
                        "items": h["items"].as_array().map(|items| items.iter().map(|i| json!({"field": i["field"], "from": i["fromString"], "to": i["toString"]})).collect::<Vec<_>>()),
                    }));
                }
            }
            token = page["nextPageToken"].as_str().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        let out: Vec<Value> = by_issue
            .into_iter()
            .map(|(id, mut changes)| {
                if let Some(n) = per_issue {
                    changes.truncate(n);
                }
                json!({"issue_id": id, "changelogs": changes})
            })
            .collect();
        json_output(json!({"issues": out}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_lists_come_as_arrays_or_json_strings_of_objects() {
        let a: IssueList = serde_json::from_value(json!([{"summary": "x"}])).expect("array");
        let b: IssueList = serde_json::from_value(json!("[{\"summary\": \"x\"}]")).expect("string");
        assert_eq!(a.0, b.0);
        let e = serde_json::from_value::<IssueList>(json!([1])).expect_err("not objects");
        assert!(e.to_string().contains("JSON object"), "{e}");
        let e = serde_json::from_value::<IssueList>(json!("{oops")).expect_err("bad json");
        assert!(e.to_string().contains("not valid JSON"), "{e}");
    }
}
