//! The tool registry: every tool's declaration and the one place where exposure is decided.
//!
//! Filtering by `TOOLSETS`, `ENABLED_TOOLS`, `READ_ONLY_MODE`, configured products and their
//! deployment (Cloud or Server/DC), and the caller's key scope happens in
//! [`Registry::visible`]; `tools/list` and `tools/call` both go through it, so a tool that is
//! not listed cannot be called either.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::toolsets::{self, UnknownToolsets};
use crate::atlassian::RequestCredentials;

/// Whether a tool changes anything upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only.
    Read,
    /// Creates, changes or deletes.
    Write,
}

/// The product a tool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    /// Jira.
    Jira,
    /// Confluence.
    Confluence,
}

/// Atlassian Cloud or Server/Data Center.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Atlassian Cloud.
    Cloud,
    /// Server or Data Center.
    Server,
}

/// Which flavours a tool works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    /// Works on Cloud.
    pub cloud: bool,
    /// Works on Server/DC.
    pub server: bool,
}

impl Availability {
    /// Both flavours.
    pub const BOTH: Availability = Availability {
        cloud: true,
        server: true,
    };
    /// Cloud only.
    pub const CLOUD: Availability = Availability {
        cloud: true,
        server: false,
    };
    /// Server/DC only.
    pub const SERVER: Availability = Availability {
        cloud: false,
        server: true,
    };

    fn allows(self, f: Flavor) -> bool {
        match f {
            Flavor::Cloud => self.cloud,
            Flavor::Server => self.server,
        }
    }
}

/// A tool's declaration.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    /// Name, `^[a-z][a-z0-9_]{0,39}$`, as the reference server spells it.
    pub name: &'static str,
    /// One or two sentences for the model.
    pub description: &'static str,
    /// Toolset name from [`toolsets::ALL`].
    pub toolset: &'static str,
    /// The product it calls.
    pub product: Product,
    /// Read or write.
    pub access: Access,
    /// Deletes, removes or moves something.
    pub destructive: bool,
    /// Calling it twice with the same input has no further effect.
    pub idempotent: bool,
    /// Flavours it supports.
    pub availability: Availability,
    /// Portable input schema, built once at start-up.
    pub input_schema: Arc<Map<String, Value>>,
}

impl ToolSpec {
    /// `jira_` or `confluence_`, the prefix every tool of the product carries.
    pub fn product_prefix(&self) -> &'static str {
        match self.product {
            Product::Jira => "jira_",
            Product::Confluence => "confluence_",
        }
    }
}

/// Who is calling, as established by the HTTP layer; tools never see headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// API key id, when a key was presented.
    pub api_key_id: Option<String>,
    /// True when the key may only read.
    pub read_only: bool,
}

/// What a tool gets besides its arguments.
#[derive(Debug, Clone, Default)]
pub struct ToolContext {
    /// The caller.
    pub caller: Caller,
    /// Atlassian credentials the caller sent with this request, if any.
    pub credentials: Option<RequestCredentials>,
    /// Why the caller's `Authorization` header could not be used, if it could not.
    pub credentials_error: Option<String>,
    /// `X-Atlassian-Jira-Url`, as sent.
    pub jira_url: Option<String>,
    /// `X-Atlassian-Confluence-Url`, as sent.
    pub confluence_url: Option<String>,
}

/// One piece of tool output.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Text, usually compact JSON.
    Text(String),
    /// An image, base64-encoded.
    Image {
        /// Base64 data.
        data: String,
        /// MIME type.
        mime_type: String,
    },
    /// An embedded binary resource, base64-encoded.
    Blob {
        /// Resource URI.
        uri: String,
        /// MIME type.
        mime_type: String,
        /// Base64 data.
        data: String,
    },
}

/// A tool's result: content for the model, flagged as an error when the call failed in a way
/// the model can act on (bad JQL, not found, permission, rate limited, upstream down).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    /// Content blocks.
    pub content: Vec<Content>,
    /// True for a tool error.
    pub is_error: bool,
}

impl ToolOutput {
    /// A successful text result.
    pub fn text(text: impl Into<String>) -> Self {
        ToolOutput {
            content: vec![Content::Text(text.into())],
            is_error: false,
        }
    }

    /// Bytes this result puts into the model's context: text, and the base64 data (plus MIME
    /// type and URI) of images and embedded files.
    pub fn context_bytes(&self) -> usize {
        self.content
            .iter()
            .map(|c| match c {
                Content::Text(t) => t.len(),
                Content::Image { data, mime_type } => data.len() + mime_type.len(),
                Content::Blob {
                    uri,
                    mime_type,
                    data,
                } => uri.len() + mime_type.len() + data.len(),
            })
            .sum()
    }

    /// A tool error with a sentence saying what happened and what to try.
    pub fn error(message: impl Into<String>) -> Self {
        ToolOutput {
            content: vec![Content::Text(message.into())],
            is_error: true,
        }
    }
}

/// A call whose arguments the tool cannot take. The MCP layer answers it as a tool error
/// (`isError: true`, MCP 2025-11-25 / SEP-1303) so the model can correct the call and retry.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CallError {
    /// Arguments that do not match the input schema; `reason` names the parameter and what it
    /// takes.
    #[error("invalid arguments for {tool}: {reason}")]
    InvalidArguments {
        /// Tool name.
        tool: String,
        /// What is wrong.
        reason: String,
    },
}

/// The boxed future a tool call returns.
pub type ToolFuture<'a> = Pin<Box<dyn Future<Output = Result<ToolOutput, CallError>> + Send + 'a>>;

/// A callable tool.
pub trait Tool: Send + Sync + 'static {
    /// Its declaration.
    fn spec(&self) -> &ToolSpec;
    /// Runs it. `arguments` is the JSON object the client sent (empty when none).
    fn call<'a>(&'a self, ctx: &'a ToolContext, arguments: Map<String, Value>) -> ToolFuture<'a>;
}

/// Static exposure settings, from configuration.
#[derive(Debug, Clone, Default)]
pub struct Exposure {
    /// `TOOLSETS` entries (names, `default`, `all`).
    pub toolsets: Vec<String>,
    /// `ENABLED_TOOLS`; empty means no restriction.
    pub enabled_tools: Vec<String>,
    /// `READ_ONLY_MODE`.
    pub read_only: bool,
    /// Flavour of each configured product; a product that is absent exposes no tools.
    pub products: HashMap<Product, Flavor>,
}

/// Problems building the registry.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RegistryError {
    /// `TOOLSETS` has unknown names.
    #[error(transparent)]
    UnknownToolsets(#[from] UnknownToolsets),
    /// A tool declaration breaks the naming rule or names a toolset that does not exist.
    #[error("tool {0} is declared wrongly: {1}")]
    BadDeclaration(String, String),
}

/// The tools this server exposes after static filtering.
#[derive(Clone, Default)]
pub struct Registry {
    tools: Vec<Arc<dyn Tool>>,
    by_name: HashMap<&'static str, usize>,
    dynamic: bool,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.tools.iter().map(|t| t.spec().name))
            .finish()
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && name.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Registry {
    /// Keeps the tools that pass the static filters, in declaration order.
    pub fn build(all: Vec<Arc<dyn Tool>>, exposure: &Exposure) -> Result<Registry, RegistryError> {
        let dynamic = exposure
            .toolsets
            .iter()
            .any(|t| t.trim().eq_ignore_ascii_case(toolsets::DYNAMIC));
        let named: Vec<String> = exposure
            .toolsets
            .iter()
            .filter(|t| !t.trim().eq_ignore_ascii_case(toolsets::DYNAMIC))
            .cloned()
            .collect();
        // TOOLSETS=dynamic alone: every toolset may be enabled by a session.
        let toolsets: BTreeSet<&'static str> = if dynamic && named.is_empty() {
            toolsets::ALL.iter().copied().collect()
        } else {
            toolsets::resolve(&named)?
        };
        let enabled: BTreeSet<&str> = exposure.enabled_tools.iter().map(String::as_str).collect();
        let mut tools = Vec::new();
        let mut by_name = HashMap::new();
        for tool in all {
            let spec = tool.spec();
            if !valid_name(spec.name) {
                return Err(RegistryError::BadDeclaration(
                    spec.name.into(),
                    "name must match ^[a-z][a-z0-9_]{0,39}$".into(),
                ));
            }
            if !toolsets::ALL.contains(&spec.toolset) {
                return Err(RegistryError::BadDeclaration(
                    spec.name.into(),
                    format!("unknown toolset {}", spec.toolset),
                ));
            }
            let flavor_ok = exposure
                .products
                .get(&spec.product)
                .is_some_and(|f| spec.availability.allows(*f));
            let shown = flavor_ok
                && toolsets.contains(spec.toolset)
                && (enabled.is_empty() || enabled.contains(spec.name))
                && !(exposure.read_only && spec.access == Access::Write);
            if shown && by_name.insert(spec.name, tools.len()).is_none() {
                tools.push(tool);
            }
        }
        Ok(Registry {
            tools,
            by_name,
            dynamic,
        })
    }

    /// True with `TOOLSETS=dynamic`: sessions enable toolsets on demand.
    pub fn dynamic(&self) -> bool {
        self.dynamic
    }

    /// The toolsets that have at least one tool this caller may see, in [`toolsets::ALL`] order,
    /// with their number of tools.
    pub fn toolsets_for(&self, caller: &Caller) -> Vec<(&'static str, usize)> {
        toolsets::ALL
            .iter()
            .map(|t| {
                (
                    *t,
                    self.visible(caller)
                        .filter(|x| x.spec().toolset == *t)
                        .count(),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Names in `ENABLED_TOOLS` that match no tool at all; worth a warning at start.
    pub fn unknown_enabled<'a>(all: &[Arc<dyn Tool>], enabled: &'a [String]) -> Vec<&'a str> {
        enabled
            .iter()
            .map(String::as_str)
            .filter(|n| !all.iter().any(|t| t.spec().name == *n))
            .collect()
    }

    fn allowed(spec: &ToolSpec, caller: &Caller) -> bool {
        !(caller.read_only && spec.access == Access::Write)
    }

    /// The tools this caller may see, in order.
    pub fn visible<'a>(
        &'a self,
        caller: &'a Caller,
    ) -> impl Iterator<Item = &'a Arc<dyn Tool>> + 'a {
        self.tools
            .iter()
            .filter(move |t| Self::allowed(t.spec(), caller))
    }

    /// The named tool, if this caller may see (and so call) it.
    pub fn get(&self, name: &str, caller: &Caller) -> Option<&Arc<dyn Tool>> {
        let tool = self.by_name.get(name).map(|i| &self.tools[*i])?;
        Self::allowed(tool.spec(), caller).then_some(tool)
    }

    /// [`Registry::visible`] narrowed to the toolsets in `only` (a request's `X-MCP-Toolsets`);
    /// `None` narrows nothing. It can only take tools away, never add one.
    pub fn visible_within<'a>(
        &'a self,
        caller: &'a Caller,
        only: Option<&'a BTreeSet<&'static str>>,
    ) -> impl Iterator<Item = &'a Arc<dyn Tool>> + 'a {
        self.visible(caller)
            .filter(move |t| only.is_none_or(|o| o.contains(t.spec().toolset)))
    }

    /// [`Registry::get`] narrowed the same way: a tool outside `only` cannot be called.
    pub fn get_within(
        &self,
        name: &str,
        caller: &Caller,
        only: Option<&BTreeSet<&'static str>>,
    ) -> Option<&Arc<dyn Tool>> {
        self.get(name, caller)
            .filter(|t| only.is_none_or(|o| o.contains(t.spec().toolset)))
    }

    /// Number of tools after static filtering.
    pub fn len(&self) -> usize {
        self.tools.len()
    }

    /// True when no tool is exposed.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
