//! `confluence_get_space_page_tree`: a space's pages as a nested tree (ids and titles).

use std::collections::HashMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::allowed_space;
use crate::atlassian::confluence::pages::{self, PageRef};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_get_space_page_tree`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    space_key: String,
    #[schemars(range(min = 1, max = 1000), extend("default" = 100))]
    limit: Option<u32>,
}

struct GetSpacePageTree(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_get_space_page_tree",
            description: "A space's page hierarchy as a nested tree.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetSpacePageTree(env),
    )
}

/// Nests `pages` under their parents; pages whose parent is not listed become roots.
fn nest(pages: &[PageRef]) -> Vec<Value> {
    let ids: std::collections::HashSet<&str> = pages.iter().map(|p| p.id.as_str()).collect();
    let mut kids: HashMap<&str, Vec<&PageRef>> = HashMap::new();
    let mut roots = Vec::new();
    for p in pages {
        match p.parent_id.as_deref().filter(|id| ids.contains(id)) {
            Some(parent) => kids.entry(parent).or_default().push(p),
            None => roots.push(p),
        }
    }
    fn build(p: &PageRef, kids: &HashMap<&str, Vec<&PageRef>>, depth: usize) -> Value {
        let mut children: Vec<&&PageRef> = kids
            .get(p.id.as_str())
            .map(|k| k.iter().collect())
            .unwrap_or_default();
        children.sort_by_key(|c| c.position.unwrap_or(i64::MAX));
        // Depth is bounded by the page count; the guard only stops a cyclic answer.
        let nested: Vec<Value> = if depth > 64 {
            Vec::new()
        } else {
            children.iter().map(|c| build(c, kids, depth + 1)).collect()
        };
        json!({"id": p.id, "title": p.title, "children": nested})
    }
    roots.sort_by_key(|r| r.position.unwrap_or(i64::MAX));
    roots.iter().map(|r| build(r, &kids, 0)).collect()
}

impl Logic for GetSpacePageTree {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let key = args.space_key.trim();
        if let Err(e) = allowed_space(env, key) {
            return e;
        }
        let limit = args.limit.unwrap_or(100).clamp(1, 1000) as usize;
        let (list, more) = match pages::space_pages(client, &auth, key, limit).await {
            Ok(r) => r,
            Err(e) => return upstream_error(&e),
        };
        json_output(
            json!({"space_key": key, "page_count": list.len(), "truncated": more,
            "pages": nest(&list)}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: &str, parent: Option<&str>, pos: i64) -> PageRef {
        PageRef {
            id: id.into(),
            title: format!("t{id}"),
            parent_id: parent.map(Into::into),
            position: Some(pos),
            ..PageRef::default()
        }
    }

    #[test]
    fn pages_nest_under_their_parents_in_position_order() {
        let tree = nest(&[
            r("1", None, 0),
            r("3", Some("1"), 2),
            r("2", Some("1"), 1),
            r("4", Some("9"), 0),
        ]);
        assert_eq!(tree.len(), 2, "an unlisted parent makes a root");
        assert_eq!(tree[0]["children"][0]["id"], "2");
        assert_eq!(tree[0]["children"][1]["id"], "3");
    }
}
