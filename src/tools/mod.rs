//! MCP tools: the registry and its filtering rules, portable input schemas, toolsets.
//!
//! Tools see typed input and a [`ToolContext`] (the caller's identity as established by the
//! HTTP layer); they never see HTTP headers and never build HTTP clients.

pub mod registry;
pub mod schema;
pub mod toolsets;

pub use registry::{
    Access, Availability, CallError, Caller, Content, Exposure, Flavor, Product, Registry,
    RegistryError, Tool, ToolContext, ToolFuture, ToolOutput, ToolSpec,
};

/// Every built-in tool. The Atlassian tools arrive with the client; until then the list is
/// empty and `tools/list` answers with no tools.
pub fn builtin() -> Vec<std::sync::Arc<dyn Tool>> {
    Vec::new()
}
