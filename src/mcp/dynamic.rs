//! `TOOLSETS=dynamic`: a session starts with three discovery tools (`list_toolsets`,
//! `enable_toolset`, `disable_toolset`) and enables the toolsets it needs; the server sends
//! `notifications/tools/list_changed` whenever the session's set changes.
//!
//! Invariants: the session's set only selects among the tools the registry already lets this
//! caller see (TOOLSETS, ENABLED_TOOLS, read-only mode, key scope, Cloud/DC), so enabling a
//! toolset can never expose a hidden tool; the lock is never held across an await.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use rmcp::model::{CallToolResult, ContentBlock, Tool as McpTool, ToolAnnotations};
use serde_json::{Map, Value, json};

use crate::tools::{Caller, Registry, toolsets};

/// Lists the toolsets.
pub const LIST: &str = "list_toolsets";
/// Enables one toolset for this session.
pub const ENABLE: &str = "enable_toolset";
/// Disables one toolset for this session.
pub const DISABLE: &str = "disable_toolset";

/// The toolsets one session has enabled.
#[derive(Debug, Default)]
pub struct SessionToolsets(Mutex<BTreeSet<&'static str>>);

impl SessionToolsets {
    /// A copy of the enabled set.
    pub fn enabled(&self) -> BTreeSet<&'static str> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set(&self, toolset: &'static str, on: bool) -> bool {
        let mut set = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if on {
            set.insert(toolset)
        } else {
            set.remove(toolset)
        }
    }
}

/// The three discovery tools, built once: `toolset` takes the names the registry can offer.
pub fn discovery_tools(registry: &Registry) -> Vec<McpTool> {
    let names: Vec<Value> = registry
        .toolsets_for(&Caller::default())
        .into_iter()
        .map(|(t, _)| Value::String(t.into()))
        .collect();
    let schema = |with_arg: bool| {
        let mut s = Map::new();
        s.insert("type".into(), json!("object"));
        let props = if with_arg {
            json!({"toolset": {"type": "string", "enum": names, "description": "From list_toolsets."}})
        } else {
            json!({})
        };
        s.insert("properties".into(), props);
        if with_arg {
            s.insert("required".into(), json!(["toolset"]));
        }
        Arc::new(s)
    };
    let read = ToolAnnotations::from_raw(None, Some(true), None, None, Some(false));
    let change = ToolAnnotations::from_raw(None, None, Some(false), Some(true), Some(false));
    vec![
        McpTool::new(
            LIST,
            "The toolsets of this server, one line each, and which are enabled in this session.",
            schema(false),
        )
        .with_annotations(read),
        McpTool::new(
            ENABLE,
            "Add a toolset's tools to this session; the tool list then changes.",
            schema(true),
        )
        .with_annotations(change.clone()),
        McpTool::new(
            DISABLE,
            "Remove a toolset's tools from this session.",
            schema(true),
        )
        .with_annotations(change),
    ]
}

/// True for the names of the discovery tools.
pub fn is_discovery(name: &str) -> bool {
    matches!(name, LIST | ENABLE | DISABLE)
}

/// Runs a discovery tool; the flag says whether the session's tool list changed.
pub fn call(
    name: &str,
    arguments: &Map<String, Value>,
    registry: &Registry,
    caller: &Caller,
    session: &SessionToolsets,
) -> (CallToolResult, bool) {
    let offered = registry.toolsets_for(caller);
    let text = |v: Value| vec![ContentBlock::text(v.to_string())];
    if name == LIST {
        let enabled = session.enabled();
        let list: Vec<Value> = offered
            .iter()
            .map(|(t, n)| {
                json!({"name": t, "summary": toolsets::summary(t), "tools": n,
                       "enabled": enabled.contains(t)})
            })
            .collect();
        return (
            CallToolResult::success(text(json!({"toolsets": list}))),
            false,
        );
    }
    let wanted = arguments
        .get("toolset")
        .and_then(Value::as_str)
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let Some((toolset, count)) = offered.iter().find(|(t, _)| *t == wanted).copied() else {
        let valid: Vec<&str> = offered.iter().map(|(t, _)| *t).collect();
        return (
            CallToolResult::error(vec![ContentBlock::text(format!(
                "toolset: {wanted:?} is not offered here; choose one of {}",
                valid.join(", ")
            ))]),
            false,
        );
    };
    let on = name == ENABLE;
    let changed = session.set(toolset, on);
    let result = json!({"toolset": toolset, "enabled": on, "tools": count, "changed": changed});
    (CallToolResult::success(text(result)), changed)
}
