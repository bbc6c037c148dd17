//! mcp-atlassian: a production MCP server for Jira and Confluence.
//!
//! Module map and import rules: see `docs/architecture.md` and DESIGN.md §3. In short:
//! `config` owns settings, `telemetry` logging, `tools` the tool registry, `mcp` the protocol
//! transports, `http` the router and middleware, `app` wiring and shutdown.

pub mod app;
pub mod atlassian;
pub mod config;
pub mod healthcheck;
pub mod http;
pub mod mcp;
pub mod ops;
pub mod sandbox;
pub mod sandbox_mode;
pub mod security;
pub mod telemetry;
pub mod tools;
