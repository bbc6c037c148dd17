//! `jira_get_user_profile`: one Jira user by account id, e-mail, user name or display name.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::people::find_user;
use crate::tools::env::ToolEnv;
use crate::tools::output::{json_output, user};
use crate::tools::registry::{Access, Availability, Product, Tool, ToolContext, ToolOutput};
use crate::tools::typed::{Logic, Meta, Typed};

/// Arguments of `jira_get_user_profile`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Account id, user name, e-mail or display name.
    user_identifier: String,
}

struct GetUserProfile(Arc<ToolEnv>);

pub(super) fn tool(env: Arc<ToolEnv>) -> Arc<dyn Tool> {
    Typed::tool(
        Meta {
            name: "jira_get_user_profile",
            description: "A user's profile.",
            toolset: "jira_users",
            product: Product::Jira,
            access: Access::Read,
            destructive: false,
            idempotent: true,
            availability: Availability::BOTH,
        },
        GetUserProfile(env),
    )
}

/// A user with the profile extras: active flag and time zone.
pub fn profile(u: &Value) -> Value {
    let mut out = user(u);
    if let Value::Object(m) = &mut out {
        m.insert(
            "active".into(),
            u.get("active").cloned().unwrap_or(json!(true)),
        );
        if let Some(tz) = u.get("timeZone") {
            m.insert("time_zone".into(), tz.clone());
        }
    }
    out
}

impl Logic for GetUserProfile {
    type Args = Args;

    async fn run(&self, ctx: &ToolContext, args: Args) -> ToolOutput {
        let (client, auth) = match self.0.jira_call(ctx) {
            Ok(c) => c,
            Err(e) => return e,
        };
        match find_user(client, &auth, &args.user_identifier).await {
            Ok(u) => json_output(profile(&u)),
            Err(e) => e,
        }
    }
}
