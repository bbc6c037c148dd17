//! Raw option values and where each came from: command line, environment, `.env` file, default.
//!
//! Precedence is CLI flag > real environment > `.env` file > default. The environment is read
//! through a lookup function instead of clap's `env` attribute so that the `.env` file can sit
//! below the real environment without `std::env::set_var` (unsafe since edition 2024) and so
//! tests can resolve settings without touching the process environment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

use super::options::{Kind, OPTIONS};
use super::reader::ConfigError;

/// Where an effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Cli,
    /// The process environment.
    Env,
    /// The `.env` file.
    EnvFile,
    /// The built-in default.
    Default,
    /// Set by `--sandbox` to point at the in-process sandbox.
    Sandbox,
}

impl Source {
    /// Short lower-case name for `check-config` output.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cli => "flag",
            Source::Env => "env",
            Source::EnvFile => "env file",
            Source::Default => "default",
            Source::Sandbox => "sandbox",
        }
    }
}

/// Values given on the command line, keyed by environment-variable name.
#[derive(Debug, Clone, Default)]
pub struct RawArgs {
    /// Flag values by env name.
    pub values: HashMap<&'static str, String>,
    /// `-v` count: 1 = debug for this server, 2 = debug for everything.
    pub verbose: u8,
    /// `--env-file PATH`.
    pub env_file: Option<PathBuf>,
}

impl FromArgMatches for RawArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut values = HashMap::new();
        for o in OPTIONS {
            if let Ok(Some(v)) = matches.try_get_one::<String>(o.env) {
                values.insert(o.env, v.clone());
            }
        }
        Ok(RawArgs {
            values,
            verbose: matches.get_count("verbose"),
            env_file: matches.get_one::<PathBuf>("env_file").cloned(),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for RawArgs {
    fn augment_args(mut cmd: Command) -> Command {
        cmd = cmd
            .arg(
                Arg::new("verbose")
                    .short('v')
                    .long("verbose")
                    .action(ArgAction::Count)
                    .global(true)
                    .help_heading("Logging")
                    .help("more logs: -v debug for this server, -vv debug for everything"),
            )
            .arg(
                Arg::new("env_file")
                    .long("env-file")
                    .value_name("PATH")
                    .value_parser(clap::value_parser!(PathBuf))
                    .global(true)
                    .help("read settings from this .env file (default: .env in the working directory, if present); the real environment wins over it"),
            );
        for o in OPTIONS {
            let default = o
                .default
                .map(|d| format!(" [default: {d}]"))
                .unwrap_or_default();
            let mut arg = Arg::new(o.env)
                .long(o.flag)
                .global(true)
                .help_heading(o.group)
                .help(format!("{} [env: {}]{default}", o.help, o.env));
            arg = match o.kind {
                Kind::Value => arg.value_name("VALUE").num_args(1),
                Kind::Bool => arg
                    .value_name("BOOL")
                    .num_args(0..=1)
                    .require_equals(true)
                    .default_missing_value("true"),
            };
            cmd = cmd.arg(arg);
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

/// Effective raw values of every option that has one.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    values: HashMap<&'static str, (String, Source)>,
    /// `-v` count from the command line.
    pub verbose: u8,
    /// The `.env` file that was read, if any.
    pub env_file: Option<PathBuf>,
    /// Variables that look like settings but are not ours (typos, reference-only options),
    /// found by [`super::Config::load`]; warned about at start and by `check-config`.
    pub unknown: Vec<super::unknown::UnknownVar>,
}

impl Settings {
    /// Resolves every option: flag, then `env`, then the `.env` file, then the default.
    /// Empty values count as unset, as `.env` files often carry `NAME=` lines.
    pub fn resolve(
        args: &RawArgs,
        env: &dyn Fn(&str) -> Option<String>,
        env_file: &HashMap<String, String>,
        env_file_path: Option<PathBuf>,
    ) -> Settings {
        let mut values = HashMap::new();
        for o in OPTIONS {
            let non_empty = |v: &String| !v.trim().is_empty();
            let found = args
                .values
                .get(o.env)
                .filter(|v| non_empty(v))
                .map(|v| (v.clone(), Source::Cli))
                .or_else(|| env(o.env).filter(non_empty).map(|v| (v, Source::Env)))
                .or_else(|| {
                    env_file
                        .get(o.env)
                        .filter(|v| non_empty(v))
                        .map(|v| (v.clone(), Source::EnvFile))
                });
            if let Some(v) = found {
                values.insert(o.env, v);
            }
        }
        Settings {
            values,
            verbose: args.verbose,
            env_file: env_file_path,
            unknown: Vec::new(),
        }
    }

    /// Builds settings from `(ENV_NAME, value)` pairs alone, as if they came from the
    /// environment; for tests and embedders.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Settings {
        let map: HashMap<String, String> = pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Settings::resolve(
            &RawArgs::default(),
            &|name| map.get(name).cloned(),
            &HashMap::new(),
            None,
        )
    }

    /// The raw value of an option by env name, if set anywhere.
    pub fn get(&self, env: &str) -> Option<&str> {
        self.values.get(env).map(|(v, _)| v.as_str())
    }

    /// Unsets one option.
    pub fn remove(&mut self, env: &str) {
        self.values.remove(env);
    }

    /// Overrides one option (used by `--sandbox` to point the clients at the sandbox).
    pub fn insert(&mut self, env: &'static str, value: impl Into<String>, source: Source) {
        self.values.insert(env, (value.into(), source));
    }

    /// Where the value of an option came from.
    pub fn source(&self, env: &str) -> Source {
        self.values
            .get(env)
            .map(|(_, s)| *s)
            .unwrap_or(Source::Default)
    }
}

/// Reads a `.env` file into a map. A missing explicit file is an error; a missing implicit
/// `.env` is not (the caller decides which it is).
pub fn read_env_file(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let iter = dotenvy::from_path_iter(path).map_err(|e| ConfigError::EnvFile {
        path: path.display().to_string(),
        reason: match &e {
            dotenvy::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
                format!(
                    "{e}; this process runs as uid {} and cannot read it: give it read access (in the container image: chgrp 65532 .env && chmod 640 .env on the host)",
                    effective_uid().map_or_else(|| "?".to_owned(), |u| u.to_string())
                )
            }
            _ => e.to_string(),
        },
    })?;
    let mut map = HashMap::new();
    for item in iter {
        let (k, v) = item.map_err(|e| ConfigError::EnvFile {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        map.insert(k, v);
    }
    Ok(map)
}

/// The effective user id of this process (from `/proc/self/status`), for messages about
/// file permissions; `None` where that is not available.
pub fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_beats_the_environment_which_beats_the_env_file() {
        let mut args = RawArgs::default();
        args.values.insert("PORT", "1".into());
        let file: HashMap<String, String> = [
            ("PORT".to_owned(), "3".to_owned()),
            ("HOST".to_owned(), "10.0.0.3".to_owned()),
            ("STATELESS".to_owned(), "true".to_owned()),
        ]
        .into();
        let env = |name: &str| match name {
            "PORT" => Some("2".to_owned()),
            "HOST" => Some("10.0.0.2".to_owned()),
            _ => None,
        };
        let s = Settings::resolve(&args, &env, &file, None);
        assert_eq!(s.get("PORT"), Some("1"));
        assert_eq!(s.source("PORT"), Source::Cli);
        assert_eq!(s.get("HOST"), Some("10.0.0.2"));
        assert_eq!(s.source("HOST"), Source::Env);
        assert_eq!(s.get("STATELESS"), Some("true"));
        assert_eq!(s.source("STATELESS"), Source::EnvFile);
        assert_eq!(s.get("TRANSPORT"), None);
        assert_eq!(s.source("TRANSPORT"), Source::Default);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let file: HashMap<String, String> = [("JIRA_URL".to_owned(), "".to_owned())].into();
        let env = |name: &str| (name == "PORT").then(|| " ".to_owned());
        let s = Settings::resolve(&RawArgs::default(), &env, &file, None);
        assert_eq!(s.get("JIRA_URL"), None);
        assert_eq!(s.get("PORT"), None);
    }

    #[test]
    fn an_env_file_is_parsed_with_quotes_and_comments() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "# comment\nPORT=9001\nJIRA_URL=\"https://x.atlassian.net\"\n",
        )
        .expect("write");
        let map = read_env_file(&path).expect("parse");
        assert_eq!(map.get("PORT").map(String::as_str), Some("9001"));
        assert_eq!(
            map.get("JIRA_URL").map(String::as_str),
            Some("https://x.atlassian.net")
        );
    }

    #[test]
    fn a_missing_env_file_is_an_error_naming_the_path() {
        let err = read_env_file(Path::new("/nonexistent/.env")).expect_err("must fail");
        assert!(err.to_string().contains("/nonexistent/.env"), "{err}");
    }
}
