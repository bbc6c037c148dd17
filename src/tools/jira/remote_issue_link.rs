//! `jira_create_remote_issue_link`: link an issue to a web page (docs, PR, dashboard).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::people::issue_in_scope;
use crate::atlassian::jira::links;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, upstream_error};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_create_remote_issue_link`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    issue_key: String,
    url: String,
    title: String,
    summary: Option<String>,
    /// e.g. "documented in".
    relationship: Option<String>,
    icon_url: Option<String>,
}

struct CreateRemoteLink(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_create_remote_issue_link",
            description: "Link an issue to a web page; the same URL again updates the link.",
            toolset: "jira_links",
            product: Product::Jira,
            access: Access::Write,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        CreateRemoteLink(env),
    )
}

fn is_web_url(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.has_host())
}

impl Logic for CreateRemoteLink {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let env = &self.0;
        let key = match issue_in_scope(env, &args.issue_key) {
            Ok(k) => k,
            Err(e) => return e,
        };
        let url = args.url.trim();
        if !is_web_url(url) {
            return ToolOutput::error(format!(
                "url {url:?} is not a web address; pass a full http(s):// URL."
            ));
        }
        let title = args.title.trim();
        if title.is_empty() {
            return ToolOutput::error("title is empty; pass the text the link should show.");
        }
        if let Some(icon) = args.icon_url.as_deref().filter(|i| !is_web_url(i.trim()))
            && !icon.trim().is_empty()
        {
            return ToolOutput::error(format!("icon_url {icon:?} is not a web address."));
        }
        let mut object = json!({"url": url, "title": title});
        if let Some(s) = args.summary.as_deref().filter(|s| !s.trim().is_empty()) {
            object["summary"] = json!(s);
        }
        if let Some(i) = args.icon_url.as_deref().filter(|s| !s.trim().is_empty()) {
            object["icon"] = json!({"url16x16": i.trim(), "title": title});
        }
        // The URL as global id makes a repeated call update the link instead of adding one.
        let mut body = json!({"globalId": url, "object": object});
        if let Some(r) = args
            .relationship
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            body["relationship"] = json!(r);
        }
        let (client, auth) = match env.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        match links::create_remote_link(client, &auth, &key, &body).await {
            Ok(v) => {
                json_output(json!({"issue_key": key, "id": v["id"], "url": url, "title": title}))
            }
            Err(e) => upstream_error(&e),
        }
    }
}
