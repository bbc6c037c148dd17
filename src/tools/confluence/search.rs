//! `confluence_search`: CQL (or plain text) search, confined to `CONFLUENCE_SPACES_FILTER`.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::page_url;
use crate::atlassian::confluence;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, time_value, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::scope::{effective_keys, scope};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// CQL, e.g. type = page AND space = DEV AND text ~ "release", or plain words.
    query: String,
    #[schemars(range(min = 1, max = 50), extend("default" = 10))]
    limit: Option<u32>,
    /// Comma list of space keys.
    spaces_filter: Option<String>,
}

struct Search(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_search",
            description: "Search pages by CQL or words; gives titles, ids, spaces, links, excerpts.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        Search(env),
    )
}

/// True when the query reads as CQL rather than plain words.
fn looks_like_cql(q: &str) -> bool {
    let lower = q.to_ascii_lowercase();
    [
        "=",
        "~",
        ">",
        "<",
        " in (",
        " and ",
        " or ",
        "order by",
        "currentuser()",
    ]
    .iter()
    .any(|t| lower.contains(t))
}

fn text_query(words: &str) -> String {
    format!(
        "text ~ \"{}\"",
        words.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

impl Logic for Search {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let query = args.query.trim();
        if query.is_empty() {
            return ToolOutput::error("query is empty; pass CQL or words to search for.");
        }
        let spaces =
            match effective_keys(&env.confluence_spaces, args.spaces_filter.as_deref(), false) {
                Ok(s) => s,
                Err(e) => return ToolOutput::error(format!("spaces_filter: {e}.")),
            };
        let cql = if looks_like_cql(query) {
            query.to_owned()
        } else {
            text_query(query)
        };
        let cql = match scope("space", &spaces, &cql) {
            Ok(c) => c,
            Err(e) => return ToolOutput::error(format!("The CQL is malformed: {e}.")),
        };
        let limit = args.limit.unwrap_or(10).clamp(1, 50);
        let (hits, total) = match confluence::search(client, &auth, &cql, limit).await {
            Ok(r) => r,
            Err(e) => return upstream_error(&e),
        };
        let results: Vec<Value> = hits
            .iter()
            .map(|h| {
                json!({
                    "id": h.id,
                    "title": h.title,
                    "type": h.content_type,
                    "space_key": h.space_key,
                    "url": page_url(client.site(), h.webui.as_deref()),
                    "excerpt": h.excerpt,
                    "last_modified": time_value(h.last_modified.as_ref().map(|s| Value::String(s.clone())).as_ref()),
                })
            })
            .collect();
        json_output(json!({"results": results, "total": total}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_become_a_text_search_and_cql_passes_through() {
        assert!(!looks_like_cql("release notes"));
        assert!(looks_like_cql("type = page"));
        assert!(looks_like_cql("title ~ x"));
        assert_eq!(text_query("say \"hi\""), "text ~ \"say \\\"hi\\\"\"");
    }
}
