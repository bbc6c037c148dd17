//! Fixture MCP server for the official conformance suite
//! (`@modelcontextprotocol/conformance` 0.1.16, `server` scenarios).
//!
//! Owns the `test_*` tools, the `test://` resources and resource template, the `test_*`
//! prompts, completion, the logging level and resource subscriptions that the suite asks
//! for by name, with the texts, URIs and MIME types it checks. Test-only: nothing here
//! reaches Jira or Confluence, and the project's tool registry is not involved.
//!
//! Layout: this file holds the `ServerHandler`, per-session and per-process state;
//! `fixtures/tools.rs` the tools, `fixtures/mrtr.rs` the multi-round-trip (input-required)
//! tools and prompt of SEP-2322, `fixtures/listen.rs` the `subscriptions/listen` streams of
//! SEP-2575, `fixtures/catalog.rs` the resources, prompts and completion values.
//!
//! Invariants: every value the suite compares is a constant in these files; the session
//! factory builds one `ConformanceServer` per MCP session (and per stateless request), so
//! the logging level and the legacy resource subscriptions it holds are per session, while
//! the `requestState` key and the open listen streams are per process ([`Shared`]); tool failures the caller should read are
//! `isError` results, JSON-RPC errors are kept for protocol misuse (unknown tool, prompt or
//! resource, missing argument).
#![expect(
    deprecated,
    reason = "logging, sampling and resources/subscribe are deprecated by SEP-2577 in rmcp 3, \
              but the 2025-06-18 and 2025-11-25 scenarios of the suite exercise them"
)]

mod catalog;
mod listen;
mod mrtr;
mod tools;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult, CompletionInfo,
    ContentBlock, GetPromptRequestParams, GetPromptResponse, GetPromptResult, Implementation,
    JsonObject, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListToolsResult, LoggingLevel, LoggingMessageNotificationParam, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, ResourceContents,
    ServerCapabilities, ServerConfig, SetLevelRequestParams, SubscribeRequestParams,
    SubscriptionFilter, Tool, UnsubscribeRequestParams,
};
use rmcp::service::{Peer, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{Value, json};

/// A 1x1 red PNG, base64: small enough to inline, valid enough for any image decoder.
const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
/// A 1 ms, 8 kHz, 16-bit mono WAV of silence, base64.
const WAV_BASE64: &str =
    "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA";
const LOGGER: &str = "conformance";

/// The MCP server the conformance suite is run against.
///
/// Cheap to clone; clones share one session's state (logging level, subscriptions). Give
/// each session its own instance: `move || ConformanceServer::new(shared.clone())`.
#[derive(Clone, Debug)]
pub struct ConformanceServer {
    implementation: Implementation,
    session: Arc<SessionState>,
    shared: Arc<Shared>,
}

/// What every session and stateless request of one process shares.
#[derive(Debug)]
pub struct Shared {
    seal: mrtr::StateSeal,
    listeners: Arc<listen::Listeners>,
}

impl Shared {
    /// A fresh `requestState` key and no listen streams; fails only without an OS random source.
    pub fn new() -> Result<Arc<Self>, String> {
        Ok(Arc::new(Self {
            seal: mrtr::StateSeal::new()?,
            listeners: Arc::default(),
        }))
    }
}

#[derive(Debug)]
struct SessionState {
    log_level: Mutex<LoggingLevel>,
    subscriptions: Mutex<BTreeSet<String>>,
}

impl ConformanceServer {
    /// A server for one session that reports itself as `mcp-atlassian-conformance` at this
    /// crate's version, sharing `shared` with the process's other sessions.
    pub fn new(shared: Arc<Shared>) -> Self {
        Self {
            implementation: Implementation::new(
                "mcp-atlassian-conformance",
                env!("CARGO_PKG_VERSION"),
            ),
            session: Arc::new(SessionState {
                log_level: Mutex::new(LoggingLevel::Info),
                subscriptions: Mutex::new(BTreeSet::new()),
            }),
            shared,
        }
    }

    fn log_level(&self) -> LoggingLevel {
        *self
            .session
            .log_level
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `message` as a `notifications/message` if the session's level lets it through.
    async fn log(&self, peer: &Peer<RoleServer>, level: LoggingLevel, message: &str) {
        if severity(level) < severity(self.log_level()) {
            return;
        }
        let param = LoggingMessageNotificationParam::new(level, json!(message)).with_logger(LOGGER);
        if let Err(error) = peer.notify_logging_message(param).await {
            tracing::warn!(%error, "conformance fixture could not send a log notification");
        }
    }
}

fn severity(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

fn required_string(arguments: &JsonObject, name: &str) -> Result<String, McpError> {
    match arguments.get(name) {
        Some(Value::String(value)) => Ok(value.clone()),
        _ => Err(McpError::invalid_params(
            format!("argument `{name}` is required and must be a string"),
            None,
        )),
    }
}

fn embedded(uri: &str, mime_type: &str, text: &str) -> ContentBlock {
    ContentBlock::resource(ResourceContents::text(text, uri).with_mime_type(mime_type))
}

impl ServerHandler for ConformanceServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_logging()
            .enable_completions()
            .enable_prompts()
            .enable_prompts_list_changed()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_tools()
            .enable_tool_list_changed()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(self.implementation.clone())
            .with_instructions("Fixture server for the MCP conformance suite; not for production.")
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(tools::tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools::tools().into_iter().find(|tool| tool.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let capabilities = context.client_capabilities();
        if let Some(response) = self.shared.seal.call_tool(&request, capabilities.as_ref()) {
            return response;
        }
        let change = match request.name.as_ref() {
            listen::TRIGGER_TOOLS => Some(listen::Change::Tools),
            listen::TRIGGER_PROMPTS => Some(listen::Change::Prompts),
            _ => None,
        };
        if let Some(change) = change {
            return Ok(listen::trigger(&self.shared.listeners, change).await.into());
        }
        tools::call(self, request, context).await.map(Into::into)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(ListResourcesResult::with_all_items(catalog::resources()))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            catalog::resource_template(),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        match catalog::read(&request.uri) {
            Some(contents) => Ok(ReadResourceResult::new(vec![contents]).into()),
            // SEP-2164: the error names the URI in `data.uri`.
            None => Err(McpError::resource_not_found(
                format!("no resource at `{}`; call resources/list", request.uri),
                Some(serde_json::json!({"uri": request.uri})),
            )),
        }
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        if !catalog::is_known_resource(&request.uri) {
            return Err(McpError::resource_not_found(
                format!("no resource at `{}` to subscribe to", request.uri),
                Some(serde_json::json!({"uri": request.uri})),
            ));
        }
        self.session
            .subscriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(request.uri);
        Ok(())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.session
            .subscriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&request.uri);
        Ok(())
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(listen::Listeners::accept(requested))
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        self.shared.listeners.listen(context).await
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(catalog::prompts()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let capabilities = context.client_capabilities();
        if let Some(response) = self.shared.seal.get_prompt(
            &request.name,
            capabilities.as_ref(),
            request.input_responses.as_ref(),
            request.request_state.as_deref(),
        ) {
            return response;
        }
        let arguments = request.arguments.clone().unwrap_or_default();
        let messages = catalog::prompt_messages(&request.name, &arguments)?;
        Ok(GetPromptResult::new(messages).into())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        let completion = CompletionInfo::with_all_values(catalog::completions(&request))
            .map_err(|error| McpError::internal_error(error, None))?;
        Ok(CompleteResult::new(completion))
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        *self
            .session
            .log_level
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = request.level;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_levels_filter_by_severity() {
        assert!(severity(LoggingLevel::Info) < severity(LoggingLevel::Error));
        assert!(severity(LoggingLevel::Debug) < severity(LoggingLevel::Info));
    }

    #[test]
    fn initialize_reports_the_conformance_implementation() {
        let info = ConformanceServer::new(Shared::new().expect("shared state")).get_info();
        assert_eq!(info.server_info.name, "mcp-atlassian-conformance");
        assert!(info.capabilities.tools.is_some());
        assert!(info.capabilities.completions.is_some());
        assert!(info.capabilities.logging.is_some());
        let subscribe = info
            .capabilities
            .resources
            .as_ref()
            .and_then(|resources| resources.subscribe);
        assert_eq!(subscribe, Some(true));
        let tools_changed = info
            .capabilities
            .tools
            .as_ref()
            .and_then(|tools| tools.list_changed);
        assert_eq!(tools_changed, Some(true));
    }
}
