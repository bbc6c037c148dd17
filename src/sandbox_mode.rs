//! Running the built-in sandbox: alone (`mcp-atlassian sandbox`), or in-process behind the
//! MCP server (`mcp-atlassian --sandbox`, the quick start), with Jira and Confluence pointed
//! at it and nothing reaching a real Atlassian site.

use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{Settings, Source};
use crate::sandbox::{self, FaultConfig, SandboxOptions, auth};

/// Binds a loopback listener for the sandbox (port 0 = any free port).
pub fn bind_loopback(port: u16) -> anyhow::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .with_context(|| format!("cannot bind the sandbox to 127.0.0.1:{port}"))?;
    listener
        .set_nonblocking(true)
        .context("cannot make the sandbox listener non-blocking")?;
    Ok(listener)
}

/// Points the settings at a sandbox on `addr` (Cloud flavour: basic auth, `/wiki` for
/// Confluence) and makes the server speak HTTP on loopback unless told otherwise. Every
/// Atlassian credential from the environment is replaced, so a real site is never called.
pub fn point_at_sandbox(settings: &mut Settings, addr: SocketAddr) {
    let base = format!("http://{addr}");
    let forced: [(&'static str, String); 11] = [
        ("JIRA_URL", base.clone()),
        // The sandbox also stands in for the API gateway (Jira Forms).
        ("ATLASSIAN_OAUTH_API_BASE", base.clone()),
        ("JIRA_USERNAME", auth::SANDBOX_EMAIL.into()),
        ("JIRA_API_TOKEN", auth::SANDBOX_API_TOKEN.into()),
        ("JIRA_DEPLOYMENT", "cloud".into()),
        ("CONFLUENCE_URL", format!("{base}/wiki")),
        ("CONFLUENCE_USERNAME", auth::SANDBOX_EMAIL.into()),
        ("CONFLUENCE_API_TOKEN", auth::SANDBOX_API_TOKEN.into()),
        ("CONFLUENCE_DEPLOYMENT", "cloud".into()),
        ("JIRA_PERSONAL_TOKEN", String::new()),
        ("CONFLUENCE_PERSONAL_TOKEN", String::new()),
    ];
    for (env, value) in forced {
        if value.is_empty() {
            settings.remove(env);
        } else {
            settings.insert(env, value, Source::Sandbox);
        }
    }
    for env in [
        "ATLASSIAN_OAUTH_ACCESS_TOKEN",
        "ATLASSIAN_OAUTH_CLOUD_ID",
        "JIRA_OAUTH_ACCESS_TOKEN",
        "CONFLUENCE_OAUTH_ACCESS_TOKEN",
        "MULTI_TENANT_MODE",
    ] {
        settings.remove(env);
    }
    if settings.source("TRANSPORT") == Source::Default {
        settings.insert("TRANSPORT", "streamable-http", Source::Sandbox);
    }
    if settings.source("HOST") == Source::Default {
        settings.insert("HOST", "127.0.0.1", Source::Sandbox);
    }
}

/// Parses `--faults JSON` (the body `POST /__sandbox/faults` takes).
pub fn parse_faults(raw: Option<&str>) -> Result<FaultConfig, String> {
    match raw {
        None => Ok(FaultConfig::default()),
        Some(json) => serde_json::from_str(json).map_err(|e| {
            format!("--faults is not a fault configuration ({e}); e.g. '{{\"latency_ms\":50,\"errors\":{{\"status\":503,\"every_nth\":10}}}}'")
        }),
    }
}

/// Serves the sandbox on `listener` until `shutdown`.
pub async fn serve(
    listener: std::net::TcpListener,
    opts: SandboxOptions,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let listener = TcpListener::from_std(listener).context("cannot use the sandbox listener")?;
    sandbox::serve(listener, opts, shutdown)
        .await
        .context("the sandbox stopped with an error")
}

/// Where the API key for the banner's client config comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BannerKey {
    /// No key is configured: the config needs no header.
    None,
    /// `MCP_API_KEY` is set.
    Single,
    /// `MCP_API_KEYS_FILE` is set.
    File,
}

/// The banner `--sandbox` prints: URLs and a Cursor config to paste. With a key configured
/// the config carries the `X-API-Key` header (without it Cursor would get 403); the key
/// itself is never printed, the header reads it from the environment Cursor starts from.
pub fn banner(
    mcp_addr: SocketAddr,
    path: &str,
    sandbox_addr: SocketAddr,
    key: BannerKey,
) -> String {
    let url = format!("http://{mcp_addr}{path}");
    let (server, key_hint) = match key {
        BannerKey::None => (format!("{{ \"url\": \"{url}\" }}"), String::new()),
        BannerKey::Single | BannerKey::File => (
            format!(
                "{{\n      \"url\": \"{url}\",\n      \"headers\": {{ \"X-API-Key\": \"${{env:MCP_ATLASSIAN_API_KEY}}\" }}\n    }}"
            ),
            format!(
                "Export MCP_ATLASSIAN_API_KEY={} where Cursor starts (the key is not printed).\n",
                if key == BannerKey::Single {
                    "<the value of MCP_API_KEY>"
                } else {
                    "<a key from MCP_API_KEYS_FILE>"
                }
            ),
        ),
    };
    format!(
        "mcp-atlassian is serving the built-in sandbox (no real Atlassian site is used)\n\
         \n  Streamable HTTP: {url}\n  SSE:             http://{mcp_addr}/sse\n  Sandbox REST:    http://{sandbox_addr} (Jira) and http://{sandbox_addr}/wiki (Confluence)\n\
         \nCursor (.cursor/mcp.json):\n{{\n  \"mcpServers\": {{\n    \"mcp-atlassian\": {server}\n  }}\n}}\n{key_hint}\
         \nTry: jira_search with jql \"project = DEMO ORDER BY created DESC\". Stop with Ctrl-C.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_from_json_and_bad_json_says_what_to_write() {
        let f = parse_faults(Some(
            r#"{"latency_ms": 5, "errors": {"status": 503, "count": 2}}"#,
        ))
        .expect("valid");
        assert_eq!(f.latency_ms, 5);
        assert_eq!(f.errors.count, 2);
        assert_eq!(parse_faults(None).expect("none"), FaultConfig::default());
        let err = parse_faults(Some("{latency")).expect_err("invalid");
        assert!(
            err.starts_with("--faults is not a fault configuration"),
            "{err}"
        );
    }

    /// The JSON between the "Cursor" line and the next blank line of the banner.
    fn cursor_config(banner: &str) -> serde_json::Value {
        let start = banner.find("\n{\n").expect("config start") + 1;
        let end = start + banner[start..].find("\n}\n").expect("config end") + 2;
        serde_json::from_str(&banner[start..end]).expect("the pasted config is JSON")
    }

    #[test]
    fn the_banner_cursor_config_carries_the_key_header_only_when_a_key_is_set() {
        let mcp = "127.0.0.1:8000".parse().expect("addr");
        let sb = "127.0.0.1:9000".parse().expect("addr");
        let open = banner(mcp, "/mcp", sb, BannerKey::None);
        let server = &cursor_config(&open)["mcpServers"]["mcp-atlassian"];
        assert_eq!(server["url"], "http://127.0.0.1:8000/mcp");
        assert!(server.get("headers").is_none(), "{open}");
        for key in [BannerKey::Single, BannerKey::File] {
            let keyed = banner(mcp, "/mcp", sb, key);
            let server = &cursor_config(&keyed)["mcpServers"]["mcp-atlassian"];
            assert_eq!(server["url"], "http://127.0.0.1:8000/mcp");
            assert_eq!(
                server["headers"]["X-API-Key"], "${env:MCP_ATLASSIAN_API_KEY}",
                "{keyed}"
            );
            assert!(keyed.contains("Export MCP_ATLASSIAN_API_KEY="), "{keyed}");
        }
    }

    #[test]
    fn sandbox_mode_replaces_every_atlassian_credential() {
        let mut s = Settings::from_pairs([
            ("JIRA_URL", "https://real.atlassian.net"),
            ("JIRA_PERSONAL_TOKEN", "real-pat"),
            ("MULTI_TENANT_MODE", "true"),
        ]);
        point_at_sandbox(&mut s, "127.0.0.1:4000".parse().expect("addr"));
        assert_eq!(s.get("JIRA_URL"), Some("http://127.0.0.1:4000"));
        assert_eq!(s.get("CONFLUENCE_URL"), Some("http://127.0.0.1:4000/wiki"));
        assert_eq!(s.get("JIRA_PERSONAL_TOKEN"), None);
        assert_eq!(s.get("MULTI_TENANT_MODE"), None);
        assert_eq!(s.get("TRANSPORT"), Some("streamable-http"));
        assert_eq!(s.get("HOST"), Some("127.0.0.1"));
    }
}
