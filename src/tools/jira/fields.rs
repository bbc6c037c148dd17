//! `jira_search_fields` and `jira_get_field_options`: find a field's id by a fuzzy name,
//! and list the values a select field accepts.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::tri;
use crate::atlassian::jira::fields;
use crate::config::Deployment;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_search_fields`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Empty lists all.
    keyword: Option<String>,
    #[schemars(range(min = 1), extend("default" = 10))]
    limit: Option<u32>,
    /// Ignored.
    #[schemars(extend("default" = false))]
    #[allow(dead_code)] // nothing is cached, so there is nothing to refresh
    refresh: Option<bool>,
}

/// Arguments of `jira_get_field_options`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionsArgs {
    /// e.g. customfield_10030.
    field_id: String,
    /// Default: global.
    context_id: Option<String>,
    project_key: Option<String>,
    /// Ignored.
    #[allow(dead_code)]
    // context choice by issue type needs the context mappings, not read here
    issue_type: Option<String>,
    /// Substring, any case.
    contains: Option<String>,
    #[schemars(range(min = 1))]
    return_limit: Option<u32>,
    /// Plain strings.
    #[schemars(extend("default" = false))]
    values_only: Option<bool>,
}

struct SearchFields(Arc<ToolEnv>);
struct FieldOptions(Arc<ToolEnv>);

pub(super) fn search_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_search_fields",
            description: "Find field ids (e.g. customfield_10016) by name.",
            toolset: "jira_fields",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        SearchFields(env),
    )
}

pub(super) fn options_tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_field_options",
            description: "Allowed values of a select custom field.",
            toolset: "jira_fields",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        FieldOptions(env),
    )
}

/// How well `field` matches the keyword's words: higher is better, `None` when a word is
/// missing from both its name and id.
fn score(field: &Value, keyword: &str) -> Option<u32> {
    let name = field["name"].as_str().unwrap_or_default().to_lowercase();
    let id = field["id"].as_str().unwrap_or_default().to_lowercase();
    let k = keyword.trim().to_lowercase();
    if k.is_empty() {
        return Some(0);
    }
    if name == k || id == k {
        return Some(100);
    }
    if name.starts_with(&k) {
        return Some(80);
    }
    if name.contains(&k) || id.contains(&k) {
        return Some(60);
    }
    let words: Vec<&str> = k.split_whitespace().collect();
    let hits = words
        .iter()
        .filter(|w| name.contains(*w) || id.contains(*w))
        .count();
    (hits == words.len()).then_some(40)
}

impl Logic for SearchFields {
    type Args = SearchArgs;

    async fn run(&self, ctx: &ToolContext, args: SearchArgs) -> ToolOutput {
        let (client, auth) = tri!(self.0.jira_call(ctx));
        let all = tri!(
            fields::all(client, &auth)
                .await
                .map_err(|e| upstream_error(&e))
        );
        let keyword = args.keyword.unwrap_or_default();
        let mut hits: Vec<(u32, &Value)> = all
            .iter()
            .filter_map(|f| score(f, &keyword).map(|s| (s, f)))
            .collect();
        hits.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1["name"].as_str().cmp(&b.1["name"].as_str()))
        });
        let limit = args.limit.unwrap_or(10).max(1) as usize;
        let out: Vec<Value> = hits
            .into_iter()
            .take(limit)
            .map(|(_, f)| {
                json!({
                    "id": f["id"],
                    "name": f["name"],
                    "custom": f["custom"],
                    "type": f["schema"]["type"],
                    "items": f["schema"]["items"],
                    "jql": f["clauseNames"][0],
                })
            })
            .collect();
        json_output(json!({"fields": out}))
    }
}

impl Logic for FieldOptions {
    type Args = OptionsArgs;

    async fn run(&self, ctx: &ToolContext, args: OptionsArgs) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = tri!(env.jira_call(ctx));
        let field = args.field_id.trim();
        if !field.starts_with("customfield_") {
            return ToolOutput::error(format!(
                "{field:?} is not a custom field id; find ids such as customfield_10030 with jira_search_fields."
            ));
        }
        if let Some(p) = args.project_key.as_deref() {
            tri!(super::common::guard_project(env, p));
        }
        let contains = args.contains.as_deref().map(str::to_lowercase);
        let (context, raw) = match client.deployment() {
            Deployment::Cloud => {
                let context = match args.context_id.as_deref().filter(|c| !c.trim().is_empty()) {
                    Some(c) => c.trim().to_owned(),
                    None => {
                        let ctxs = tri!(
                            fields::contexts(client, &auth, field)
                                .await
                                .map_err(|e| upstream_error(&e))
                        );
                        // Without a project filter in the context data, the global context
                        // is the one that applies everywhere.
                        let chosen = ctxs
                            .iter()
                            .find(|c| c["isGlobalContext"].as_bool() == Some(true))
                            .or(ctxs.first());
                        match chosen.and_then(|c| c["id"].as_str()) {
                            Some(id) => id.to_owned(),
                            None => {
                                return ToolOutput::error(format!(
                                    "{field} has no contexts, so it has no options."
                                ));
                            }
                        }
                    }
                };
                let opts = tri!(
                    fields::context_options(client, &auth, field, &context)
                        .await
                        .map_err(|e| upstream_error(&e))
                );
                (Some(context), opts)
            }
            Deployment::Server => {
                let opts = tri!(
                    fields::dc_options(client, &auth, field, args.contains.as_deref())
                        .await
                        .map_err(|e| upstream_error(&e))
                );
                (None, opts)
            }
        };
        let limit = args.return_limit.map_or(usize::MAX, |l| l.max(1) as usize);
        let options: Vec<&Value> = raw
            .iter()
            .filter(|o| {
                contains.as_ref().is_none_or(|c| {
                    o["value"]
                        .as_str()
                        .is_some_and(|v| v.to_lowercase().contains(c))
                })
            })
            .take(limit)
            .collect();
        if args.values_only.unwrap_or(false) {
            let values: Vec<&Value> = options.iter().map(|o| &o["value"]).collect();
            return json_output(json!({"field_id": field, "values": values}));
        }
        let shaped: Vec<Value> = options
            .iter()
            .map(|o| {
                json!({
                    "id": o["id"].as_str().map(str::to_owned).unwrap_or_else(|| o["id"].to_string()),
                    "value": o["value"],
                    "disabled": o["disabled"].as_bool().filter(|d| *d),
                })
            })
            .collect();
        json_output(json!({"field_id": field, "context_id": context, "options": shaped}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_outrank_prefixes_outrank_words_and_misses_are_dropped() {
        let f = |id: &str, name: &str| json!({"id": id, "name": name});
        let points = f("customfield_10016", "Story Points");
        let story = f("customfield_10017", "Story point estimate");
        assert_eq!(score(&points, "story points"), Some(100));
        assert_eq!(score(&story, "story point"), Some(80));
        assert_eq!(score(&points, "points story"), Some(40));
        assert_eq!(score(&points, "10016"), Some(60));
        assert_eq!(score(&points, "sprint"), None);
        assert_eq!(score(&points, "  "), Some(0));
    }
}
