//! `confluence_search_user`: find people by name (Cloud CQL user search; on Server/DC the
//! members of one group).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::atlassian::confluence::users;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error, user};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_search_user`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Part of a name; on Cloud also CQL, e.g. user.fullname ~ "alice".
    query: String,
    #[schemars(range(min = 1, max = 50), extend("default" = 10))]
    limit: Option<u32>,
    /// Server/DC: group to search.
    #[schemars(extend("default" = "confluence-users"))]
    group_name: Option<String>,
}

struct SearchUser(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_search_user",
            description: "Find users by name: display name, account id or user name, e-mail.",
            toolset: "confluence_users",
            product: Product::Confluence,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        SearchUser(env),
    )
}

/// The name part of a CQL user query (`user.fullname ~ "x"`), or the query itself.
fn name_part(query: &str) -> &str {
    let q = query.trim();
    match q.split_once('~').or_else(|| q.split_once('=')) {
        Some((field, value)) if field.trim().to_ascii_lowercase().starts_with("user") => {
            value.trim().trim_matches('"').trim()
        }
        _ => q,
    }
}

impl Logic for SearchUser {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let (client, auth) = match self.0.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let name = name_part(&args.query);
        if name.is_empty() {
            return ToolOutput::error("query is empty. Give part of a person's name.");
        }
        let limit = args.limit.unwrap_or(10).clamp(1, 50) as usize;
        let group = args.group_name.as_deref().unwrap_or("confluence-users");
        match users::search(client, &auth, name, limit, group).await {
            Ok(found) => {
                let list: Vec<_> = found.iter().map(user).collect();
                json_output(json!({"total": list.len(), "users": list}))
            }
            Err(e) => upstream_error(&e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::name_part;

    #[test]
    fn a_cql_user_query_is_reduced_to_the_name() {
        assert_eq!(name_part("user.fullname ~ \"Alice A\""), "Alice A");
        assert_eq!(name_part("  bob "), "bob");
        assert_eq!(name_part("user.fullname~carol"), "carol");
    }
}
