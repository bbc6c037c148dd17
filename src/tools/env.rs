//! What every Atlassian tool shares: the product clients, multi-tenant mode, the
//! project/space filters and the attachment limits, built once at start-up.

use std::sync::Arc;

use super::registry::{ToolContext, ToolOutput};
use crate::atlassian::{Atlassian, CallAuth, ServiceClient};

/// Shared tool environment.
#[derive(Debug, Clone)]
pub struct ToolEnv {
    /// Product clients.
    pub atlassian: Atlassian,
    /// `MULTI_TENANT_MODE`.
    pub multi_tenant: bool,
    /// `JIRA_PROJECTS_FILTER`, upper-case keys.
    pub jira_projects: Vec<String>,
    /// `CONFLUENCE_SPACES_FILTER`.
    pub confluence_spaces: Vec<String>,
    /// `ATTACHMENT_MAX_BYTES`: largest attachment downloaded or uploaded.
    pub attachment_max_bytes: u64,
    /// True with `TRANSPORT=stdio`: the caller is the local user who started the server, so
    /// attaching files by path reads nothing they could not read themselves.
    pub stdio: bool,
    /// `ATTACHMENTS_DIR`: over HTTP, files may be attached by path only from inside it.
    pub attachments_dir: Option<std::path::PathBuf>,
    /// `JIRA_SLA_*`: how `jira_get_issue_sla` measures durations.
    pub sla: crate::config::SlaConfig,
}

impl Default for ToolEnv {
    fn default() -> Self {
        ToolEnv {
            atlassian: Atlassian::default(),
            multi_tenant: false,
            jira_projects: Vec::new(),
            confluence_spaces: Vec::new(),
            attachment_max_bytes: 10 * 1024 * 1024,
            stdio: false,
            attachments_dir: None,
            sla: crate::config::SlaConfig::default(),
        }
    }
}

impl ToolEnv {
    /// The credentials (and caller-named site, if any) to call upstream with, or the tool
    /// error explaining why there are none.
    pub fn call_auth(
        &self,
        ctx: &ToolContext,
        site_header: Option<&str>,
    ) -> Result<CallAuth, ToolOutput> {
        if let Some(reason) = &ctx.credentials_error {
            return Err(ToolOutput::error(format!(
                "The Authorization header of this request cannot be used: {reason}."
            )));
        }
        let site = match site_header.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(url::Url::parse(raw).map_err(|_| ToolOutput::error(format!("The Atlassian URL header {raw:?} is not a URL such as https://acme.atlassian.net.")))?),
        };
        Ok(CallAuth {
            request: ctx.credentials.clone(),
            multi_tenant: self.multi_tenant,
            site,
        })
    }

    /// The Jira client and the credentials to call it with, or the tool error to return.
    pub fn jira_call(
        &self,
        ctx: &ToolContext,
    ) -> Result<(&Arc<ServiceClient>, CallAuth), ToolOutput> {
        Ok((self.jira()?, self.call_auth(ctx, ctx.jira_url.as_deref())?))
    }

    /// The Confluence client and the credentials to call it with, or the tool error to return.
    pub fn confluence_call(
        &self,
        ctx: &ToolContext,
    ) -> Result<(&Arc<ServiceClient>, CallAuth), ToolOutput> {
        Ok((
            self.confluence()?,
            self.call_auth(ctx, ctx.confluence_url.as_deref())?,
        ))
    }

    /// The Jira client, or a tool error saying Jira is not configured.
    pub fn jira(&self) -> Result<&Arc<ServiceClient>, ToolOutput> {
        self.atlassian.jira.as_ref().ok_or_else(|| {
            ToolOutput::error("Jira is not configured on this server (JIRA_URL is unset).")
        })
    }

    /// The Confluence client, or a tool error saying Confluence is not configured.
    pub fn confluence(&self) -> Result<&Arc<ServiceClient>, ToolOutput> {
        self.atlassian.confluence.as_ref().ok_or_else(|| {
            ToolOutput::error(
                "Confluence is not configured on this server (CONFLUENCE_URL is unset).",
            )
        })
    }
}
