//! Typed reading of raw settings, collecting every error instead of stopping at the first.
//!
//! Each error names the variable, shows the value (redacted when secret) and says what is
//! accepted, so one start-up attempt tells the operator everything to fix.

use secrecy::SecretString;
use url::Url;

use super::options;
use super::settings::Settings;

/// A configuration problem found at start-up.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A value that does not parse or is out of range.
    #[error("{env}={value}: {expected}")]
    Invalid {
        /// The environment variable.
        env: &'static str,
        /// The value as given, quoted, or `***` when secret.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// A combination of settings that cannot work together.
    #[error("{0}")]
    Rule(String),
    /// The `.env` file could not be read.
    #[error("cannot read env file {path}: {reason}; fix the file or point --env-file elsewhere")]
    EnvFile {
        /// File path.
        path: String,
        /// Parser or I/O message.
        reason: String,
    },
}

/// Reads typed values, pushing a [`ConfigError`] for each bad one and returning the default.
pub struct Reader<'a> {
    settings: &'a Settings,
    /// Errors so far.
    pub errors: Vec<ConfigError>,
}

impl<'a> Reader<'a> {
    /// A reader over resolved settings.
    pub fn new(settings: &'a Settings) -> Self {
        Reader {
            settings,
            errors: Vec::new(),
        }
    }

    /// The settings being read.
    pub fn settings(&self) -> &'a Settings {
        self.settings
    }

    /// Records an error for `env` with the given expectation.
    pub fn invalid(&mut self, env: &'static str, expected: impl Into<String>) {
        let secret = options::find(env).is_some_and(|o| o.secret);
        let value = match self.settings.get(env) {
            Some(_) if secret => "***".to_owned(),
            Some(v) => format!("{v:?}"),
            None => "(unset)".to_owned(),
        };
        self.errors.push(ConfigError::Invalid {
            env,
            value,
            expected: expected.into(),
        });
    }

    /// Records a cross-field rule violation.
    pub fn rule(&mut self, message: impl Into<String>) {
        self.errors.push(ConfigError::Rule(message.into()));
    }

    /// The trimmed value, if set.
    pub fn string(&self, env: &'static str) -> Option<String> {
        self.settings.get(env).map(|v| v.trim().to_owned())
    }

    /// A secret value, if set; never printed.
    pub fn secret(&self, env: &'static str) -> Option<SecretString> {
        self.settings
            .get(env)
            .map(|v| SecretString::from(v.trim().to_owned()))
    }

    /// A boolean: true/false, yes/no, on/off, 1/0 (any case). Default from the options table.
    pub fn bool(&mut self, env: &'static str) -> bool {
        let default = options::find(env).and_then(|o| o.default) == Some("true");
        match self.settings.get(env) {
            None => default,
            Some(v) => match parse_bool(v) {
                Some(b) => b,
                None => {
                    self.invalid(env, "expected true or false (also yes/no, on/off, 1/0)");
                    default
                }
            },
        }
    }

    /// An unsigned integer within `min..=max`, defaulting to the options table.
    pub fn u64_in(&mut self, env: &'static str, min: u64, max: u64) -> u64 {
        let default = options::find(env)
            .and_then(|o| o.default)
            .and_then(|d| d.parse::<u64>().ok())
            .unwrap_or(min);
        match self.settings.get(env) {
            None => default,
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => n,
                _ => {
                    self.invalid(env, format!("expected a whole number from {min} to {max}"));
                    default
                }
            },
        }
    }

    /// One of a fixed set of words (case-insensitive); returns the canonical word.
    pub fn choice(&mut self, env: &'static str, accepted: &[&'static str]) -> &'static str {
        let default = options::find(env)
            .and_then(|o| o.default)
            .and_then(|d| accepted.iter().find(|a| **a == d).copied())
            .unwrap_or(accepted[0]);
        match self.settings.get(env) {
            None => default,
            Some(v) => {
                let v = v.trim();
                match accepted.iter().find(|a| a.eq_ignore_ascii_case(v)) {
                    Some(a) => a,
                    None => {
                        self.invalid(env, format!("expected one of: {}", accepted.join(", ")));
                        default
                    }
                }
            }
        }
    }

    /// An http or https URL with a host, if set.
    pub fn http_url(&mut self, env: &'static str) -> Option<Url> {
        let raw = self.string(env)?;
        match Url::parse(&raw) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Some(u),
            _ => {
                self.invalid(env, "expected an http:// or https:// URL with a host");
                None
            }
        }
    }

    /// A URL of any of the given schemes (for proxies), if set.
    pub fn url_with_scheme(&mut self, env: &'static str, schemes: &[&str]) -> Option<Url> {
        let raw = self.string(env)?;
        match Url::parse(&raw) {
            Ok(u) if schemes.contains(&u.scheme()) && u.host_str().is_some() => Some(u),
            _ => {
                let list: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
                self.invalid(
                    env,
                    format!("expected a URL starting with {}", list.join(" or ")),
                );
                None
            }
        }
    }

    /// A comma-separated list with blanks removed; empty when unset.
    pub fn list(&self, env: &'static str) -> Vec<String> {
        self.settings.get(env).map(split_list).unwrap_or_default()
    }
}

/// Splits a comma list, trimming items and dropping empty ones.
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Parses the boolean spellings the reference server accepts.
pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "on" => Some(true),
        "false" | "0" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_number_is_reported_with_its_variable_and_range() {
        let s = Settings::from_pairs([("PORT", "80x")]);
        let mut r = Reader::new(&s);
        assert_eq!(r.u64_in("PORT", 0, 65535), 8000);
        assert_eq!(
            r.errors[0].to_string(),
            "PORT=\"80x\": expected a whole number from 0 to 65535"
        );
    }

    #[test]
    fn a_secret_value_is_never_shown_in_an_error() {
        let s = Settings::from_pairs([("JIRA_API_TOKEN", "hunter2")]);
        let mut r = Reader::new(&s);
        r.invalid("JIRA_API_TOKEN", "expected something else");
        let text = r.errors[0].to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("JIRA_API_TOKEN=***"), "{text}");
    }

    #[test]
    fn booleans_accept_the_usual_spellings_and_reject_others() {
        for (raw, want) in [("TRUE", true), ("yes", true), ("0", false), ("Off", false)] {
            let s = Settings::from_pairs([("STATELESS", raw)]);
            let mut r = Reader::new(&s);
            assert_eq!(r.bool("STATELESS"), want, "{raw}");
            assert!(r.errors.is_empty());
        }
        let s = Settings::from_pairs([("STATELESS", "maybe")]);
        let mut r = Reader::new(&s);
        assert!(!r.bool("STATELESS"));
        assert!(r.errors[0].to_string().contains("expected true or false"));
    }

    #[test]
    fn a_choice_is_case_insensitive_and_lists_the_accepted_words() {
        let s = Settings::from_pairs([("TRANSPORT", "SSE")]);
        let mut r = Reader::new(&s);
        assert_eq!(
            r.choice("TRANSPORT", &["stdio", "sse", "streamable-http"]),
            "sse"
        );
        let s = Settings::from_pairs([("TRANSPORT", "websocket")]);
        let mut r = Reader::new(&s);
        r.choice("TRANSPORT", &["stdio", "sse", "streamable-http"]);
        assert_eq!(
            r.errors[0].to_string(),
            "TRANSPORT=\"websocket\": expected one of: stdio, sse, streamable-http"
        );
    }

    #[test]
    fn lists_drop_blank_items() {
        assert_eq!(split_list(" a, ,b,,c "), vec!["a", "b", "c"]);
    }
}
