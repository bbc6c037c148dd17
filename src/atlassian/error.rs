//! The typed error of every upstream call: status, Atlassian's own messages (all three error
//! shapes), a retry hint, and the sentence an agent reads when a tool fails.

use std::time::Duration;

use serde_json::Value;

use crate::config::Product;

/// What went wrong, coarsely, so tools can say what to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400: the request was wrong (bad JQL/CQL, invalid field).
    BadRequest,
    /// 401: credentials rejected.
    Unauthorized,
    /// 403: no permission.
    Forbidden,
    /// 404: not found (or not visible to this user).
    NotFound,
    /// 409: conflicting edit.
    Conflict,
    /// 410: API removed.
    Gone,
    /// 429 (or 503 with Retry-After) after the retries allowed.
    RateLimited,
    /// 5xx after retries.
    Upstream,
    /// No answer in time.
    Timeout,
    /// Could not connect.
    Connect,
    /// The answer was not what the API documents.
    Decode,
    /// No credentials for this request (multi-tenant mode without an Authorization header).
    MissingCredentials,
    /// The product is not configured on this server.
    NotConfigured,
    /// The answer was larger than the caller allows (attachment downloads).
    TooLarge,
    /// A site named in `X-Atlassian-*-Url` was refused by `MCP_ALLOWED_URL_DOMAINS` or the
    /// address policy, or answered with a redirect (which is not followed).
    SiteRefused,
    /// Any other status.
    Other,
}

/// An upstream call failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.agent_message())]
pub struct AtlassianError {
    /// Category.
    pub kind: ErrorKind,
    /// Which product.
    pub product: Product,
    /// HTTP status, when there was a response.
    pub status: Option<u16>,
    /// Atlassian's messages, in order.
    pub messages: Vec<String>,
    /// How long Atlassian asked us to wait, when it said.
    pub retry_after: Option<Duration>,
}

impl AtlassianError {
    /// An error of `kind` with one message and no status.
    pub fn new(product: Product, kind: ErrorKind, message: impl Into<String>) -> Self {
        AtlassianError {
            kind,
            product,
            status: None,
            messages: vec![message.into()],
            retry_after: None,
        }
    }

    /// Builds the error for an HTTP status and body.
    pub fn from_response(
        product: Product,
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> Self {
        let kind = match status {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            410 => ErrorKind::Gone,
            429 => ErrorKind::RateLimited,
            503 if retry_after.is_some() => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Upstream,
            _ => ErrorKind::Other,
        };
        AtlassianError {
            kind,
            product,
            status: Some(status),
            messages: parse_messages(body),
            retry_after,
        }
    }

    fn name(&self) -> &'static str {
        match self.product {
            Product::Jira => "Jira",
            Product::Confluence => "Confluence",
        }
    }

    /// One or two sentences for the agent: what happened and what to try.
    pub fn agent_message(&self) -> String {
        let who = self.name();
        let said = if self.messages.is_empty() {
            String::new()
        } else {
            format!(" {who} said: {}", self.messages.join("; "))
        };
        let said = said.trim_end_matches('.').to_owned();
        match self.kind {
            ErrorKind::BadRequest => format!("{who} rejected the request (400).{said}. Fix the query or fields and try again."),
            ErrorKind::Unauthorized => format!("{who} rejected the credentials (401).{said}. Check the API token or personal access token this server uses."),
            ErrorKind::Forbidden => format!("{who} refused access (403).{said}. The account lacks permission for this; try something it can see."),
            ErrorKind::NotFound => format!("{who} found nothing there (404).{said}. Check the key or id; it may not exist or may not be visible to this account."),
            ErrorKind::Conflict => format!("{who} reported a conflicting change (409).{said}. Re-read the item and apply the change again."),
            ErrorKind::Gone => format!("{who} no longer offers this API (410).{said}."),
            ErrorKind::RateLimited => {
                let wait = self.retry_after.map(|d| format!(" Wait about {} s before retrying.", d.as_secs().max(1))).unwrap_or_else(|| " Wait a little before retrying.".into());
                format!("{who} is rate limiting this server.{said}.{wait}")
            }
            ErrorKind::Upstream => format!(
                "{who} failed ({}).{said}. It may be down or overloaded; try again later.",
                self.status.map(|s| s.to_string()).unwrap_or_else(|| "5xx".into())
            ),
            ErrorKind::Timeout => format!("{who} did not answer in time. Try again, or narrow the request."),
            ErrorKind::Connect => format!("{who} could not be reached.{said}. It may be down; try again later."),
            ErrorKind::Decode => format!("{who} sent an answer this server could not read.{said}."),
            ErrorKind::MissingCredentials => format!("This server needs your own {who} credentials for each request.{said}."),
            ErrorKind::NotConfigured => format!("{who} is not configured on this server.{said}."),
            ErrorKind::TooLarge => format!("{who} sent more than this server accepts.{said}."),
            ErrorKind::SiteRefused => format!(
                "The {who} URL from the request header was refused: {}. Name a site this server allows (MCP_ALLOWED_URL_DOMAINS), or leave the header out to use the configured one.",
                self.messages.join("; ").trim_end_matches('.')
            ),
            ErrorKind::Other => format!(
                "{who} answered with status {}.{said}.",
                self.status.map(|s| s.to_string()).unwrap_or_else(|| "unknown".into())
            ),
        }
        .replace("..", ".")
    }
}

/// The list an endpoint answered: the array at `key` of `body` (or `body` itself when
/// `key` is empty). Any other shape is a [`ErrorKind::Decode`] error naming the endpoint —
/// never an empty list, which would claim there is nothing.
pub fn list_at(
    product: Product,
    body: &Value,
    key: &str,
    endpoint: &str,
) -> Result<Vec<Value>, AtlassianError> {
    let found = if key.is_empty() {
        Some(body)
    } else {
        body.get(key)
    };
    match found {
        Some(Value::Array(items)) => Ok(items.clone()),
        _ => Err(AtlassianError::new(
            product,
            ErrorKind::Decode,
            if key.is_empty() {
                format!("{endpoint} answered something other than a list")
            } else {
                format!("{endpoint} answered without a `{key}` list")
            },
        )),
    }
}

/// Extracts messages from Jira (`errorMessages` + `errors`), Confluence v1 (`message`) and
/// Confluence v2 (`errors[].title/detail`) error bodies; falls back to a short text excerpt.
pub fn parse_messages(body: &[u8]) -> Vec<String> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() || text.starts_with('<') {
            return Vec::new();
        }
        return vec![text.chars().take(300).collect()];
    };
    let mut out = Vec::new();
    if let Some(list) = v.get("errorMessages").and_then(Value::as_array) {
        out.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    match v.get("errors") {
        Some(Value::Object(fields)) => {
            for (field, msg) in fields {
                if let Some(m) = msg.as_str() {
                    out.push(format!("{field}: {m}"));
                }
            }
        }
        Some(Value::Array(items)) => {
            for item in items {
                // v2 writes `title`/`detail`; other Atlassian services (and older gateways)
                // write `message`, or a bare string.
                let title = item.get("title").and_then(Value::as_str);
                let detail = item
                    .get("detail")
                    .or_else(|| item.get("message"))
                    .and_then(Value::as_str)
                    .or_else(|| item.as_str());
                match (title, detail) {
                    (Some(t), Some(d)) => out.push(format!("{t}: {d}")),
                    (Some(t), None) => out.push(t.to_owned()),
                    (None, Some(d)) => out.push(d.to_owned()),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    // Service Management answers `{"errorMessage": "...", "i18nErrorMessage": {...}}`.
    if out.is_empty()
        && let Some(m) = v
            .get("message")
            .or_else(|| v.get("errorMessage"))
            .and_then(Value::as_str)
    {
        out.push(m.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_in_an_unknown_shape_is_an_error_naming_the_endpoint() {
        let ok = serde_json::json!({"values": [1, 2]});
        assert_eq!(
            list_at(Product::Jira, &ok, "values", "GET /x")
                .map(|v| v.len())
                .ok(),
            Some(2)
        );
        let e = list_at(
            Product::Jira,
            &serde_json::json!({"items": []}),
            "values",
            "GET /rest/api/2/project/X/versions",
        )
        .expect_err("unknown shape");
        assert_eq!(e.kind, ErrorKind::Decode);
        assert!(
            e.agent_message()
                .contains("GET /rest/api/2/project/X/versions answered without a `values` list"),
            "{}",
            e.agent_message()
        );
        assert!(list_at(Product::Jira, &serde_json::json!({}), "", "GET /field").is_err());
    }

    #[test]
    fn all_three_error_shapes_are_read() {
        let jira = br#"{"errorMessages":["Error in the JQL Query: Expecting ')'"],"errors":{"summary":"required"}}"#;
        assert_eq!(
            parse_messages(jira),
            vec!["Error in the JQL Query: Expecting ')'", "summary: required"]
        );
        let v1 = br#"{"statusCode":404,"data":{"authorized":false},"message":"No content found with id 5"}"#;
        assert_eq!(parse_messages(v1), vec!["No content found with id 5"]);
        let jsm = br#"{"errorMessage":"The request type does not exist.","i18nErrorMessage":{}}"#;
        assert_eq!(
            parse_messages(jsm),
            vec!["The request type does not exist."]
        );
        let v2 =
            br#"{"errors":[{"status":404,"code":"NOT_FOUND","title":"Not Found","detail":null}]}"#;
        assert_eq!(parse_messages(v2), vec!["Not Found"]);
        assert!(parse_messages(b"<html>oops</html>").is_empty());
        let messages = br#"{"errors":[{"message":"Issue does not exist"},"Second reason"]}"#;
        assert_eq!(
            parse_messages(messages),
            vec!["Issue does not exist", "Second reason"]
        );
    }

    #[test]
    fn a_bad_jql_error_quotes_jira_and_says_what_to_do() {
        let e = AtlassianError::from_response(
            Product::Jira,
            400,
            br#"{"errorMessages":["Field 'x' does not exist"],"errors":{}}"#,
            None,
        );
        assert_eq!(e.kind, ErrorKind::BadRequest);
        assert_eq!(
            e.agent_message(),
            "Jira rejected the request (400). Jira said: Field 'x' does not exist. Fix the query or fields and try again."
        );
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        let e = AtlassianError::from_response(
            Product::Confluence,
            429,
            b"",
            Some(Duration::from_secs(42)),
        );
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert!(
            e.agent_message().contains("Wait about 42 s"),
            "{}",
            e.agent_message()
        );
        let e =
            AtlassianError::from_response(Product::Jira, 503, b"", Some(Duration::from_secs(1)));
        assert_eq!(e.kind, ErrorKind::RateLimited);
        let e = AtlassianError::from_response(Product::Jira, 503, b"", None);
        assert_eq!(e.kind, ErrorKind::Upstream);
    }
}
