//! Variables that look like settings but are not ours: a typo (`MCP_RATE_LIMIT_PER_MINUT`), or
//! an option of the reference Python server that this one does not have (`IGNORE_HEADER_AUTH`).
//!
//! Both would otherwise start the server with no word about the setting being ignored. Names
//! with our prefixes (`MCP_`, `JIRA_`, `CONFLUENCE_`, `ATLASSIAN_`) that are not in
//! [`super::options::OPTIONS`] become one warning each, with a "did you mean" when a known
//! name is a couple of edits away; the reference-only options say what to use instead.
//! `MCP_ATLASSIAN_*` names belong to the scripts and the Compose file and are left alone.

use super::options::OPTIONS;
use super::settings::Source;

/// Prefixes whose unknown names are reported.
const PREFIXES: &[&str] = &["MCP_", "JIRA_", "CONFLUENCE_", "ATLASSIAN_"];

/// Names the tooling around the server reads (scripts, tests, the Compose file), never the
/// server itself: `MCP_ATLASSIAN_IMAGE`, `MCP_ATLASSIAN_BIN`, ...
const TOOLING_PREFIXES: &[&str] = &["MCP_ATLASSIAN_", "MCP_CLIENTS_"];

/// Options of the reference server (sooperset/mcp-atlassian 0.23.1) that this server does
/// not take, each with what to do instead.
const REFERENCE_ONLY: &[(&str, &str)] = &[
    (
        "IGNORE_HEADER_AUTH",
        "an Authorization header on an MCP request always carries that caller's own Atlassian credentials; if a proxy adds one, remove it there (proxy_set_header Authorization \"\";)",
    ),
    (
        "ATLASSIAN_EXTERNAL_AUTH_ENABLE",
        "use MULTI_TENANT_MODE=true: every request then brings its own Authorization header",
    ),
    (
        "ATLASSIAN_OAUTH_PROXY_ENABLE",
        "this server runs no OAuth proxy: clients send an API key (MCP_API_KEY or MCP_API_KEYS_FILE) and, optionally, their own Atlassian token in Authorization",
    ),
    (
        "ATLASSIAN_OAUTH_ALLOWED_CLIENT_REDIRECT_URIS",
        "this server runs no OAuth proxy: clients authenticate with an API key (MCP_API_KEY or MCP_API_KEYS_FILE)",
    ),
    (
        "ATLASSIAN_OAUTH_ALLOWED_GRANT_TYPES",
        "this server runs no OAuth proxy: clients authenticate with an API key (MCP_API_KEY or MCP_API_KEYS_FILE)",
    ),
    (
        "ATLASSIAN_OAUTH_REQUIRE_CONSENT",
        "this server runs no OAuth proxy: clients authenticate with an API key (MCP_API_KEY or MCP_API_KEYS_FILE)",
    ),
    (
        "ATLASSIAN_OAUTH_CLIENT_STORAGE_MODE",
        "this server runs no OAuth proxy and stores no OAuth clients",
    ),
    (
        "ATLASSIAN_OAUTH_CLIENT_STORAGE_FACTORY",
        "this server runs no OAuth proxy and stores no OAuth clients",
    ),
    (
        "ATLASSIAN_OAUTH_CLIENT_STORAGE_CONFIG_JSON",
        "this server runs no OAuth proxy and stores no OAuth clients",
    ),
    (
        "ATLASSIAN_OAUTH_INSTANCE_URL",
        "for Data Center set JIRA_URL / CONFLUENCE_URL and JIRA_OAUTH_ACCESS_TOKEN / CONFLUENCE_OAUTH_ACCESS_TOKEN",
    ),
    (
        "JIRA_OAUTH_CLIENT_ID",
        "use ATLASSIAN_OAUTH_CLIENT_ID, or bring a token with JIRA_OAUTH_ACCESS_TOKEN",
    ),
    (
        "JIRA_OAUTH_CLIENT_SECRET",
        "use ATLASSIAN_OAUTH_CLIENT_SECRET, or bring a token with JIRA_OAUTH_ACCESS_TOKEN",
    ),
    (
        "CONFLUENCE_OAUTH_CLIENT_ID",
        "use ATLASSIAN_OAUTH_CLIENT_ID, or bring a token with CONFLUENCE_OAUTH_ACCESS_TOKEN",
    ),
    (
        "CONFLUENCE_OAUTH_CLIENT_SECRET",
        "use ATLASSIAN_OAUTH_CLIENT_SECRET, or bring a token with CONFLUENCE_OAUTH_ACCESS_TOKEN",
    ),
    (
        "JIRA_PASSTHROUGH_HEADERS",
        "fixed headers go in JIRA_CUSTOM_HEADERS; a caller's own credentials go in its Authorization header",
    ),
    (
        "CONFLUENCE_PASSTHROUGH_HEADERS",
        "fixed headers go in CONFLUENCE_CUSTOM_HEADERS; a caller's own credentials go in its Authorization header",
    ),
    (
        "ATLASSIAN_PROXY_WPAD_ENABLE",
        "proxy auto-discovery is not supported: set HTTPS_PROXY (or JIRA_HTTPS_PROXY / CONFLUENCE_HTTPS_PROXY)",
    ),
    (
        "ATLASSIAN_PROXY_WPAD_URL",
        "proxy auto-discovery is not supported: set HTTPS_PROXY (or JIRA_HTTPS_PROXY / CONFLUENCE_HTTPS_PROXY)",
    ),
    (
        "JIRA_PROXY_WPAD_ENABLE",
        "proxy auto-discovery is not supported: set JIRA_HTTPS_PROXY",
    ),
    (
        "JIRA_PROXY_WPAD_URL",
        "proxy auto-discovery is not supported: set JIRA_HTTPS_PROXY",
    ),
    (
        "CONFLUENCE_PROXY_WPAD_ENABLE",
        "proxy auto-discovery is not supported: set CONFLUENCE_HTTPS_PROXY",
    ),
    (
        "CONFLUENCE_PROXY_WPAD_URL",
        "proxy auto-discovery is not supported: set CONFLUENCE_HTTPS_PROXY",
    ),
    (
        "ATLASSIAN_REQUESTS_PER_SECOND",
        "bound the load on Atlassian with ATLASSIAN_MAX_CONCURRENT_REQUESTS, and clients with MCP_RATE_LIMIT_PER_MINUTE",
    ),
    (
        "ATLASSIAN_RETRY_TOTAL",
        "retries of idempotent requests are built in; ATLASSIAN_RETRY_MAX_WAIT_SECS caps how long a Retry-After is waited out",
    ),
    (
        "ATLASSIAN_RETRY_BACKOFF",
        "retries of idempotent requests are built in; ATLASSIAN_RETRY_MAX_WAIT_SECS caps how long a Retry-After is waited out",
    ),
    (
        "ATLASSIAN_RETRY_INCLUDE_WRITES",
        "writes are never retried here, so a timed-out create cannot run twice",
    ),
    (
        "ATLASSIAN_CIRCUIT_BREAKER_THRESHOLD",
        "there is no circuit breaker: /readyz reports an unreachable upstream and ATLASSIAN_MAX_CONCURRENT_REQUESTS bounds the calls waiting on it",
    ),
    (
        "ATLASSIAN_CIRCUIT_BREAKER_COOLDOWN",
        "there is no circuit breaker: /readyz reports an unreachable upstream and ATLASSIAN_MAX_CONCURRENT_REQUESTS bounds the calls waiting on it",
    ),
    (
        "ATLASSIAN_MAX_PAGINATION_LIMIT",
        "each tool caps its own page size; pass a smaller limit in the tool call",
    ),
    (
        "JIRA_FETCHER_MAX_WORKERS",
        "use ATLASSIAN_MAX_CONCURRENT_REQUESTS",
    ),
    (
        "JIRA_INTERNAL_ONLY_PROJECTS",
        "not supported; JIRA_PROJECTS_FILTER confines every read and write to the listed projects",
    ),
    (
        "CONFLUENCE_ATTACHMENT_DOWNLOAD_USE_V1",
        "not needed: attachments are downloaded through the API of the configured deployment",
    ),
    (
        "MCP_ATLASSIAN_USE_SYSTEM_TRUSTSTORE",
        "not needed: set JIRA_SSL_VERIFY / CONFLUENCE_SSL_VERIFY, or JIRA_CLIENT_CERT for mutual TLS",
    ),
    (
        "MCP_ATLASSIAN_VALIDATION_CACHE_TTL",
        "not needed: per-request credentials are not validated ahead of the call or cached",
    ),
    (
        "MCP_ATLASSIAN_VALIDATION_CACHE_MAXSIZE",
        "not needed: per-request credentials are not validated ahead of the call or cached",
    ),
    (
        "DISABLE_JIRA_MARKUP_TRANSLATION",
        "not supported: Markdown is always converted to the format the deployment stores",
    ),
    (
        "HIERARCHY_LINK_PHRASES",
        "not supported: links are reported with the link type names and directions Jira returns",
    ),
];

/// A variable that looks like a setting but is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVar {
    /// The variable name.
    pub name: String,
    /// Where it was seen (`env` or `env file`).
    pub source: Source,
    /// The known option it is probably a typo of.
    pub did_you_mean: Option<&'static str>,
    /// For a reference-server option: what to use instead.
    pub instead: Option<&'static str>,
}

impl UnknownVar {
    /// The warning, one line.
    pub fn message(&self) -> String {
        let source = self.source.as_str();
        match (self.instead, self.did_you_mean) {
            (Some(instead), _) => format!(
                "{} (from the {source}) is an option of the reference Python server that this server does not take, so it has no effect: {instead}",
                self.name
            ),
            (None, Some(known)) => format!(
                "{} (from the {source}) is not a setting of this server and is ignored; did you mean {known}?",
                self.name
            ),
            (None, None) => format!(
                "{} (from the {source}) is not a setting of this server and is ignored; the settings are listed in docs/configuration.md",
                self.name
            ),
        }
    }
}

/// Checks every name seen in the environment and the `.env` file; names seen in both are
/// reported once (as from the environment, which wins).
pub fn find_unknown<'a>(names: impl IntoIterator<Item = (&'a str, Source)>) -> Vec<UnknownVar> {
    let mut out: Vec<UnknownVar> = Vec::new();
    for (name, source) in names {
        if out.iter().any(|u| u.name == name) || super::options::find(name).is_some() {
            continue;
        }
        if let Some((_, instead)) = REFERENCE_ONLY.iter().find(|(n, _)| *n == name) {
            out.push(UnknownVar {
                name: name.to_owned(),
                source,
                did_you_mean: None,
                instead: Some(instead),
            });
            continue;
        }
        let ours = PREFIXES.iter().any(|p| name.starts_with(p));
        let tooling = TOOLING_PREFIXES.iter().any(|p| name.starts_with(p));
        if ours && !tooling {
            out.push(UnknownVar {
                name: name.to_owned(),
                source,
                did_you_mean: nearest(name),
                instead: None,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The known option closest to `name`, when it is close enough to be a typo: at most two
/// edits (three for long names), and closer than any other.
fn nearest(name: &str) -> Option<&'static str> {
    let limit = if name.len() >= 16 { 3 } else { 2 };
    let mut best: Option<(usize, &'static str)> = None;
    for o in OPTIONS {
        let d = edit_distance(name, o.env);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, o.env));
        }
    }
    best.map(|(_, n)| n)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbours each cost one. Names are ASCII; bytes are compared.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = v;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &str) -> UnknownVar {
        let found = find_unknown([(name, Source::Env)]);
        assert_eq!(found.len(), 1, "{found:?}");
        found.into_iter().next().expect("one")
    }

    #[test]
    fn a_typo_of_a_known_option_suggests_the_option() {
        let u = one("MCP_RATE_LIMIT_PER_MINUT");
        assert_eq!(u.did_you_mean, Some("MCP_RATE_LIMIT_PER_MINUTE"));
        assert_eq!(
            u.message(),
            "MCP_RATE_LIMIT_PER_MINUT (from the env) is not a setting of this server and is ignored; did you mean MCP_RATE_LIMIT_PER_MINUTE?"
        );
        assert_eq!(one("JIRA_USRENAME").did_you_mean, Some("JIRA_USERNAME"));
        assert_eq!(
            one("CONFLUENCE_SPACE_FILTER").did_you_mean,
            Some("CONFLUENCE_SPACES_FILTER")
        );
    }

    #[test]
    fn an_unknown_name_far_from_every_option_gets_no_suggestion() {
        let u = one("JIRA_FAVOURITE_COLOUR");
        assert_eq!(u.did_you_mean, None);
        assert!(
            u.message().contains("docs/configuration.md"),
            "{}",
            u.message()
        );
    }

    #[test]
    fn a_reference_only_option_says_what_to_use_instead() {
        let u = one("IGNORE_HEADER_AUTH");
        let text = u.message();
        assert!(
            text.starts_with(
                "IGNORE_HEADER_AUTH (from the env) is an option of the reference Python server"
            ),
            "{text}"
        );
        assert!(text.contains("Authorization"), "{text}");
        assert!(
            one("ATLASSIAN_EXTERNAL_AUTH_ENABLE")
                .message()
                .contains("MULTI_TENANT_MODE=true")
        );
    }

    #[test]
    fn known_options_other_prefixes_and_tooling_names_are_not_reported() {
        let found = find_unknown([
            ("MCP_RATE_LIMIT_PER_MINUTE", Source::Env),
            ("PATH", Source::Env),
            ("HOME", Source::Env),
            ("GRAFANA_ADMIN_PASSWORD", Source::EnvFile),
            ("MCP_ATLASSIAN_IMAGE", Source::EnvFile),
            ("MCP_ATLASSIAN_BIN", Source::Env),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_name_in_the_environment_and_the_env_file_is_reported_once() {
        let found = find_unknown([
            ("MCP_VERBOSEE", Source::Env),
            ("MCP_VERBOSEE", Source::EnvFile),
        ]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].source, Source::Env);
        assert_eq!(found[0].did_you_mean, Some("MCP_VERBOSE"));
    }

    #[test]
    fn every_reference_only_name_is_really_not_an_option() {
        for (name, instead) in REFERENCE_ONLY {
            assert!(
                super::super::options::find(name).is_none(),
                "{name} is an option"
            );
            assert!(!instead.is_empty());
        }
    }

    #[test]
    fn the_edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("abc", "acb"), 1);
        assert_eq!(edit_distance("abc", "ab"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
