//! `confluence_set_page_restrictions`: set who may view and who may edit a page. Lists not
//! given keep their current value; an empty list removes that restriction.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::common::allowed_page;
use super::get_page_restrictions::subjects_json;
use crate::atlassian::confluence::restrictions::{self, Subjects, user_id};
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `confluence_set_page_restrictions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    page_id: String,
    /// Cloud account ids or DC user names; [] lifts
    read_users: Option<Vec<String>>,
    read_groups: Option<Vec<String>>,
    edit_users: Option<Vec<String>>,
    edit_groups: Option<Vec<String>>,
}

struct SetPageRestrictions(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "confluence_set_page_restrictions",
            description: "Set who may view or edit a page; omitted lists are kept.",
            toolset: "confluence_pages",
            product: Product::Confluence,
            access: Access::Write,
            destructive: true,
            idempotent: true,
            availability: Availability::BOTH,
        },
        SetPageRestrictions(env),
    )
}

fn clean(list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

impl Logic for SetPageRestrictions {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        if args.read_users.is_none()
            && args.read_groups.is_none()
            && args.edit_users.is_none()
            && args.edit_groups.is_none()
        {
            return ToolOutput::error(
                "Nothing to change: pass read_users, read_groups, edit_users or edit_groups.",
            );
        }
        let (client, auth) = match env.confluence_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let page = match allowed_page(env, client, &auth, &args.page_id).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        let current = match restrictions::get(client, &auth, &page.id).await {
            Ok(r) => r,
            Err(e) => return upstream_error(&e),
        };
        let d = client.deployment();
        let ids = |s: &Subjects| -> Vec<String> {
            s.users.iter().filter_map(|u| user_id(d, u)).collect()
        };
        let read_users = args
            .read_users
            .as_deref()
            .map(clean)
            .unwrap_or_else(|| ids(&current.read));
        let read_groups = args
            .read_groups
            .as_deref()
            .map(clean)
            .unwrap_or_else(|| current.read.groups.clone());
        let edit_users = args
            .edit_users
            .as_deref()
            .map(clean)
            .unwrap_or_else(|| ids(&current.update));
        let edit_groups = args
            .edit_groups
            .as_deref()
            .map(clean)
            .unwrap_or_else(|| current.update.groups.clone());
        if let Err(e) = restrictions::set(
            client,
            &auth,
            &page.id,
            (&read_users, &read_groups),
            (&edit_users, &edit_groups),
        )
        .await
        {
            return upstream_error(&e);
        }
        match restrictions::get(client, &auth, &page.id).await {
            Ok(r) => json_output(json!({"page_id": page.id, "read": subjects_json(&r.read),
                "edit": subjects_json(&r.update)})),
            Err(e) => upstream_error(&e),
        }
    }
}
