//! MCP tools: the registry and its filtering rules, portable input schemas, toolsets.
//!
//! Tools see typed input and a [`ToolContext`] (the caller's identity as established by the
//! HTTP layer); they never see HTTP headers and never build HTTP clients.

pub mod args;
pub mod arguments;
pub mod confluence;
pub mod env;
pub mod jira;
pub mod output;
pub mod registry;
pub mod schema;
pub mod scope;
pub mod toolsets;
pub mod typed;

pub use registry::{
    Access, Availability, CallError, Caller, Content, Exposure, Flavor, Product, Registry,
    RegistryError, Tool, ToolContext, ToolFuture, ToolOutput, ToolSpec,
};

pub use crate::atlassian::RequestCredentials;
pub use env::ToolEnv;

/// Every built-in tool over the shared environment (built once at start-up).
pub fn builtin(env: &std::sync::Arc<ToolEnv>) -> Vec<std::sync::Arc<dyn Tool>> {
    let mut tools = jira::all(env);
    tools.extend(confluence::all(env));
    tools
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn all_tools() -> Vec<std::sync::Arc<dyn Tool>> {
        let config = Config::from_pairs([
            ("JIRA_URL", "https://acme.atlassian.net"),
            ("JIRA_USERNAME", "me@acme.com"),
            ("JIRA_API_TOKEN", "t"),
            ("CONFLUENCE_URL", "https://acme.atlassian.net/wiki"),
            ("CONFLUENCE_USERNAME", "me@acme.com"),
            ("CONFLUENCE_API_TOKEN", "t"),
        ])
        .expect("valid");
        let env = crate::app::tool_env(&config).expect("env");
        builtin(&env)
    }

    #[test]
    fn every_tool_has_a_portable_schema_a_known_toolset_and_a_short_description() {
        let reference: Vec<&str> = toolsets::ALL.to_vec();
        for tool in all_tools() {
            let spec = tool.spec();
            schema::check_portable(&spec.input_schema)
                .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
            assert!(reference.contains(&spec.toolset), "{}", spec.name);
            assert!(
                spec.name.starts_with(spec.product_prefix()),
                "{} is in the wrong product",
                spec.name
            );
            assert!(
                spec.description.len() <= 400,
                "{}: description too long",
                spec.name
            );
        }
    }

    #[test]
    fn every_tool_name_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for tool in all_tools() {
            assert!(
                seen.insert(tool.spec().name),
                "duplicate {}",
                tool.spec().name
            );
        }
    }
}
