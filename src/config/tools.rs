//! Which tools are exposed: read-only mode, tool and toolset lists, multi-tenant mode; and the
//! attachment limits (size cap, the directory files may be attached from).
//!
//! Toolset names are validated by `tools::` (which owns the vocabulary) when the registry is
//! built at start-up; here they are only split into lists.

use super::reader::Reader;

/// Tool exposure settings.
#[derive(Debug, Clone)]
pub struct ToolsConfig {
    /// `READ_ONLY_MODE`: write tools are neither listed nor callable.
    pub read_only: bool,
    /// `ENABLED_TOOLS`: when non-empty, only these names.
    pub enabled_tools: Vec<String>,
    /// `TOOLSETS`: names, `default` or `all`.
    pub toolsets: Vec<String>,
    /// `MULTI_TENANT_MODE`: every MCP request must bring its own Atlassian credentials.
    pub multi_tenant: bool,
    /// `ATTACHMENT_MAX_BYTES` (default 10 MiB): largest attachment downloaded or uploaded.
    pub attachment_max_bytes: u64,
    /// `ATTACHMENTS_DIR`: the only directory files may be attached from by path over HTTP.
    pub attachments_dir: Option<std::path::PathBuf>,
    /// `JIRA_SLA_*`: how `jira_get_issue_sla` measures durations.
    pub sla: super::sla::SlaConfig,
}

impl ToolsConfig {
    pub(super) fn read(r: &mut Reader<'_>) -> ToolsConfig {
        let mut toolsets = r.list("TOOLSETS");
        if toolsets.is_empty() {
            toolsets.push("default".into());
        }
        ToolsConfig {
            read_only: r.bool("READ_ONLY_MODE"),
            enabled_tools: r.list("ENABLED_TOOLS"),
            toolsets: toolsets
                .into_iter()
                .map(|t| t.to_ascii_lowercase())
                .collect(),
            multi_tenant: r.bool("MULTI_TENANT_MODE"),
            attachment_max_bytes: r.u64_in("ATTACHMENT_MAX_BYTES", 1, 1 << 40),
            attachments_dir: r
                .string("ATTACHMENTS_DIR")
                .filter(|d| !d.trim().is_empty())
                .map(std::path::PathBuf::from),
            sla: super::sla::SlaConfig::read(r),
        }
    }
}
