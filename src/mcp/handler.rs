//! The rmcp `ServerHandler` of mcp-atlassian: identity, `tools/list` and `tools/call` over the
//! tool registry.
//!
//! The caller's identity arrives as a typed [`Caller`] in the HTTP request extensions (put
//! there by the HTTP layer); this handler hands it to the registry, which decides what the
//! caller may see and call. Tools never see HTTP headers.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ResourceContents, ServerCapabilities, ServerConfig, Tool as McpTool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use tracing::Instrument;

use super::dynamic::{self, SessionToolsets};
use crate::telemetry::audit::{AuditEvent, AuditLog, target_of};
use crate::telemetry::metrics;
use crate::telemetry::traces;
use crate::tools::toolsets;
use crate::tools::{
    Access, CallError, Caller, Content, Registry, RequestCredentials, ToolContext, ToolOutput,
    ToolSpec,
};

/// Server name reported by `initialize`.
pub const SERVER_NAME: &str = "mcp-atlassian";
/// This crate's version, reported by `initialize`.
pub const SERVER_VERSION: &str = env!("CARGO_PKG_VERSION");

const INSTRUCTIONS: &str = "Tools for Jira and Confluence. Jira tools take issue keys like PROJ-123 and JQL; \
Confluence tools take page ids and CQL. Results are compact JSON; rich text is Markdown.";

/// This server's identity, as `initialize` reports it.
pub fn implementation() -> Implementation {
    Implementation::new(SERVER_NAME, SERVER_VERSION).with_title("MCP Atlassian")
}

struct Inner {
    registry: Registry,
    /// The discovery tools of `TOOLSETS=dynamic` (empty otherwise), built once.
    discovery: Vec<McpTool>,
    /// Their compact JSON bytes, with the commas after them.
    discovery_bytes: usize,
    /// Compact JSON bytes of each listed tool's definition, measured once: what a
    /// `tools/list` answer costs is then a sum, not a second serialisation.
    listed_bytes: std::collections::HashMap<&'static str, usize>,
    info: ServerConfig,
    audit: AuditLog,
}

/// The MCP handler; cheap to clone. [`AtlassianMcp::for_session`] gives each session its
/// own toolset choice (`TOOLSETS=dynamic`); a clone shares it.
#[derive(Clone)]
pub struct AtlassianMcp {
    inner: Arc<Inner>,
    session: Arc<SessionToolsets>,
}

impl AtlassianMcp {
    /// A handler over a built registry; write tool calls go to `audit`.
    pub fn new(registry: Registry, audit: AuditLog) -> Self {
        let capabilities = if registry.dynamic() {
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .build()
        } else {
            ServerCapabilities::builder().enable_tools().build()
        };
        let discovery = if registry.dynamic() {
            dynamic::discovery_tools(&registry)
        } else {
            Vec::new()
        };
        let discovery_bytes = discovery
            .iter()
            .map(|t| serde_json::to_string(t).map_or(0, |j| j.len() + 1))
            .sum();
        let info = ServerConfig::new(capabilities)
            .with_server_info(implementation())
            .with_instructions(INSTRUCTIONS);
        let listed_bytes = registry
            .visible(&Caller::default())
            .map(|t| {
                let spec = t.spec();
                let size = serde_json::to_string(&to_mcp_tool(spec)).map_or(0, |j| j.len());
                (spec.name, size)
            })
            .collect();
        AtlassianMcp {
            session: Arc::default(),
            inner: Arc::new(Inner {
                registry,
                discovery,
                discovery_bytes,
                listed_bytes,
                info,
                audit,
            }),
        }
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The handler for a new session: same registry, no toolset enabled yet.
    pub fn for_session(&self) -> Self {
        AtlassianMcp {
            inner: self.inner.clone(),
            session: Arc::default(),
        }
    }

    /// The toolsets this request may use beyond the static filters: in dynamic mode the
    /// session's enabled set, narrowed further by `X-MCP-Toolsets`; `None` for no narrowing.
    fn narrowing(
        &self,
        context: &RequestContext<RoleServer>,
    ) -> Result<Option<std::collections::BTreeSet<&'static str>>, ErrorData> {
        let header = requested_toolsets(context)?;
        if !self.inner.registry.dynamic() {
            return Ok(header);
        }
        let enabled = self.session.enabled();
        Ok(Some(match header {
            Some(h) => enabled.intersection(&h).copied().collect(),
            None => enabled,
        }))
    }
}

/// The caller attached to this request by the HTTP layer (anonymous on stdio).
pub fn caller_of(ctx: &RequestContext<RoleServer>) -> Caller {
    ctx.extensions
        .get::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<Caller>())
        .cloned()
        .unwrap_or_default()
}

/// Atlassian credentials from the request's `Authorization` and `X-Atlassian-Cloud-Id`
/// headers, parsed here so tools only ever see the typed value.
fn request_credentials(
    ctx: &RequestContext<RoleServer>,
) -> (Option<RequestCredentials>, Option<String>) {
    let Some(parts) = ctx.extensions.get::<http::request::Parts>() else {
        return (None, None);
    };
    let Some(header) = parts.headers.get(http::header::AUTHORIZATION) else {
        return (None, None);
    };
    let Ok(value) = header.to_str() else {
        return (None, Some("it is not valid text".into()));
    };
    let cloud_id = parts
        .headers
        .get("x-atlassian-cloud-id")
        .and_then(|v| v.to_str().ok());
    match RequestCredentials::parse(value, cloud_id) {
        Ok(c) => (Some(c), None),
        Err(e) => (None, Some(e.to_string())),
    }
}

/// The toolsets this request narrows itself to (`X-MCP-Toolsets`), if it sent the header.
fn requested_toolsets(
    ctx: &RequestContext<RoleServer>,
) -> Result<Option<std::collections::BTreeSet<&'static str>>, ErrorData> {
    let Some(value) = ctx
        .extensions
        .get::<http::request::Parts>()
        .and_then(|p| p.headers.get(toolsets::HEADER))
    else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    toolsets::from_header(text).map(Some).map_err(|e| {
        ErrorData::invalid_params(
            format!(
                "X-MCP-Toolsets names unknown toolsets: {}; valid names are default, all, {}",
                e.unknown.join(", "),
                toolsets::ALL.join(", ")
            ),
            None,
        )
    })
}

fn client_ip_of(ctx: &RequestContext<RoleServer>) -> Option<String> {
    ctx.extensions
        .get::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<super::ClientIp>())
        .map(|ip| ip.0.to_string())
}

fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The `tools/call {tool}` span: session and JSON-RPC ids from the request, parent from
/// `params._meta.traceparent` or else the HTTP request's span.
fn tool_span(request: &CallToolRequestParams, ctx: &RequestContext<RoleServer>) -> tracing::Span {
    if !traces::enabled() {
        return tracing::Span::none();
    }
    let parts = ctx.extensions.get::<http::request::Parts>();
    let session = parts
        .and_then(|p| p.headers.get("mcp-session-id"))
        .and_then(|v| v.to_str().ok());
    let meta = request.meta.as_ref().map(|m| &m.0).unwrap_or(&ctx.meta.0);
    let traceparent = meta.get_traceparent().map(|tp| (tp, meta.get_tracestate()));
    traces::tool_call_span(
        &request.name,
        session,
        &ctx.id.to_string(),
        traceparent,
        parts.and_then(|p| p.extensions.get::<traces::HttpSpan>()),
    )
}

/// The MCP description of a tool, annotations included.
pub fn to_mcp_tool(spec: &ToolSpec) -> McpTool {
    let read = spec.access == Access::Read;
    // tools/list sits in every agent's context, so hints that only restate the spec's
    // defaults are left out (readOnlyHint false, idempotentHint false, openWorldHint true —
    // every tool here talks to Jira or Confluence); destructive/idempotent mean something
    // only for tools that write, so read tools omit them. destructiveHint is always given for
    // writes because its default (true) would be wrong for most of them.
    let annotations = ToolAnnotations::from_raw(
        None,
        read.then_some(true),
        (!read).then_some(spec.destructive),
        (!read && spec.idempotent).then_some(true),
        None,
    );
    // No title: every tool's would restate its name (jira_get_issue, "Get Jira issue"), and
    // tools/list is read into every agent's context, so every repeated byte costs.
    McpTool::new(spec.name, spec.description, spec.input_schema.clone())
        .with_annotations(annotations)
}

fn to_result(output: ToolOutput) -> CallToolResult {
    let content = output
        .content
        .into_iter()
        .map(|c| match c {
            Content::Text(t) => ContentBlock::text(t),
            Content::Image { data, mime_type } => ContentBlock::image(data, mime_type),
            Content::Blob {
                uri,
                mime_type,
                data,
            } => {
                ContentBlock::resource(ResourceContents::blob(data, uri).with_mime_type(mime_type))
            }
        })
        .collect();
    if output.is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    }
}

impl ServerHandler for AtlassianMcp {
    fn get_info(&self) -> ServerConfig {
        self.inner.info.clone()
    }

    /// This server offers tools only; a `resources/read` is answered as a resource that does
    /// not exist (SEP-2164: the URI in `data.uri`; rmcp sends -32602 to 2026-07-28 clients).
    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        Err(ErrorData::resource_not_found(
            "no such resource: this server offers tools only; call tools/list",
            Some(serde_json::json!({"uri": request.uri})),
        ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = caller_of(&context);
        let only = self.narrowing(&context)?;
        let mut tools: Vec<McpTool> = self.inner.discovery.clone();
        tools.extend(
            self.inner
                .registry
                .visible_within(&caller, only.as_ref())
                .map(|t| to_mcp_tool(t.spec())),
        );
        // The tools array as compact JSON: its definitions, the commas between them, [ and ].
        let bytes = tools
            .iter()
            .map(|t| {
                self.inner
                    .listed_bytes
                    .get(t.name.as_ref())
                    .copied()
                    .unwrap_or(0)
            })
            .sum::<usize>()
            + tools.len().saturating_sub(1)
            + 2;
        let bytes = bytes + self.inner.discovery_bytes;
        let mode = match (only.is_some(), caller.read_only) {
            _ if self.inner.registry.dynamic() => "dynamic",
            (true, _) => "header",
            (false, true) => "static_read_only",
            (false, false) => "static",
        };
        metrics::record_tools_list_bytes(mode, bytes);
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = caller_of(&context);
        if self.inner.registry.dynamic() && dynamic::is_discovery(&request.name) {
            let arguments = request.arguments.unwrap_or_default();
            let (result, changed) = dynamic::call(
                &request.name,
                &arguments,
                &self.inner.registry,
                &caller,
                &self.session,
            );
            if changed && let Err(e) = context.peer.notify_tool_list_changed().await {
                tracing::debug!(error = %e, "tools/list_changed not delivered");
            }
            return Ok(result.into());
        }
        let only = self.narrowing(&context)?;
        let Some(tool) = self
            .inner
            .registry
            .get_within(&request.name, &caller, only.as_ref())
        else {
            // A tool that exists but is hidden from this caller (a read-only key) is a refusal.
            // (One the request's X-MCP-Toolsets left out is the client's own choice.)
            let narrowed = self.inner.registry.get(&request.name, &caller).is_some();
            if let Some(hidden) = self
                .inner
                .registry
                .get(&request.name, &Caller::default())
                .filter(|_| !narrowed)
            {
                metrics::record_tool_call(hidden.spec().name, "denied", None);
            }
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool: {}; call tools/list to see the tools this server offers you",
                    request.name
                ),
                None,
            ));
        };
        let (credentials, credentials_error) = request_credentials(&context);
        let write = tool.spec().access == Access::Write;
        let audit = write.then(|| {
            (
                caller.api_key_id.clone(),
                client_ip_of(&context),
                tool.spec().name,
            )
        });
        let header = |name: &str| {
            context
                .extensions
                .get::<http::request::Parts>()
                .and_then(|p| p.headers.get(name))
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let ctx = ToolContext {
            caller,
            credentials,
            credentials_error,
            jira_url: header("x-atlassian-jira-url"),
            confluence_url: header("x-atlassian-confluence-url"),
        };
        let span = tool_span(&request, &context);
        let arguments = request.arguments.unwrap_or_default();
        let target = if write { target_of(&arguments) } else { None };
        let started = std::time::Instant::now();
        let (result, upstream_failed) =
            metrics::watch_tool_call(tool.call(&ctx, arguments).instrument(span.clone())).await;
        match &result {
            Ok(o) if o.is_error => traces::tool_call_failed(&span, "tool_error"),
            Ok(_) => {}
            Err(_) => traces::tool_call_failed(&span, "invalid_arguments"),
        }
        let outcome = match &result {
            Ok(o) if !o.is_error => "ok",
            Ok(_) if upstream_failed => "upstream_error",
            _ => "tool_error",
        };
        metrics::record_tool_call(tool.spec().name, outcome, Some(started.elapsed()));
        if let Ok(output) = &result {
            metrics::record_tool_result_bytes(tool.spec().name, output.context_bytes());
        }
        if let Some((key, ip, name)) = audit {
            let outcome = match &result {
                Ok(o) if o.is_error => "error",
                Ok(_) => "ok",
                Err(_) => "invalid",
            };
            self.inner
                .audit
                .record(AuditEvent {
                    time: now_rfc3339(),
                    api_key_id: key.unwrap_or_else(|| "anonymous".into()),
                    client_ip: ip,
                    tool: name.to_owned(),
                    target,
                    outcome,
                })
                .await;
        }
        match result {
            Ok(output) => Ok(to_result(output).into()),
            // A tool error, not a JSON-RPC error: the model reads it and retries (SEP-1303).
            Err(e @ CallError::InvalidArguments { .. }) => {
                Ok(to_result(ToolOutput::error(e.to_string())).into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::{Availability, Product};
    use serde_json::Map;

    fn spec(access: Access, destructive: bool) -> ToolSpec {
        ToolSpec {
            name: "jira_delete_issue",
            description: "d",
            toolset: "jira_issues",
            product: Product::Jira,
            access,
            destructive,
            idempotent: false,
            availability: Availability::BOTH,
            input_schema: Arc::new(Map::new()),
        }
    }

    #[test]
    fn annotations_follow_the_declaration() {
        let t = to_mcp_tool(&spec(Access::Write, true));
        let a = t.annotations.expect("annotations");
        assert_eq!(a.read_only_hint, None, "false is the default");
        assert_eq!(a.destructive_hint, Some(true));
        assert_eq!(a.idempotent_hint, None, "false is the default");
        assert_eq!(a.open_world_hint, None, "open world is the default");
        assert_eq!(a.title, None, "the name says it");
        let r = to_mcp_tool(&spec(Access::Read, false))
            .annotations
            .expect("annotations");
        assert_eq!(
            (r.read_only_hint, r.destructive_hint, r.idempotent_hint),
            (Some(true), None, None),
            "write hints mean nothing for a read tool"
        );
    }

    #[test]
    fn initialize_reports_this_crate_not_rmcp() {
        let h = AtlassianMcp::new(Registry::default(), AuditLog::events_only());
        let info = h.get_info();
        assert_eq!(info.server_info.name, "mcp-atlassian");
        assert_eq!(info.server_info.version, env!("CARGO_PKG_VERSION"));
        assert!(info.capabilities.tools.is_some());
    }

    #[test]
    fn tool_errors_become_is_error_results() {
        let r = to_result(ToolOutput::error("JQL is invalid: fix the quote"));
        assert_eq!(r.is_error, Some(true));
        let r = to_result(ToolOutput::text("{}"));
        assert_eq!(r.is_error, Some(false));
    }
}
