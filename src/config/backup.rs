//! Backup settings: schedule (cron + IANA zone), directory, retention, extra files and the age
//! recipients. A cron expression, zone or recipient that does not parse is a start-up error,
//! so a typo never turns into a night without a backup.

use std::path::PathBuf;

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use super::reader::Reader;
use super::settings::Settings;
use super::{ConfigError, ConfigErrors};

/// Backup settings (`BACKUP_*`), plus the files the server runs from.
#[derive(Debug, Clone)]
pub struct BackupConfig {
    /// `BACKUP_ENABLED`: run the schedule inside the server.
    pub enabled: bool,
    /// `BACKUP_SCHEDULE` as given.
    pub schedule: String,
    /// `BACKUP_SCHEDULE` parsed.
    pub cron: Cron,
    /// `BACKUP_TIMEZONE` (default the `TZ` environment, else UTC).
    pub timezone: chrono_tz::Tz,
    /// `BACKUP_DIR`.
    pub dir: PathBuf,
    /// `BACKUP_RETENTION_COUNT` (at least 1).
    pub retention_count: usize,
    /// The env file the settings were read from, if any.
    pub env_file: Option<PathBuf>,
    /// `MCP_API_KEYS_FILE`, if set.
    pub api_keys_file: Option<PathBuf>,
    /// `BACKUP_INCLUDE`.
    pub include: Vec<PathBuf>,
    /// `BACKUP_ENCRYPTION_RECIPIENTS`: age x25519 public keys, validated.
    pub recipients: Vec<String>,
}

/// Parses a cron expression: 5 fields, or 6 with seconds first (no year field).
pub fn parse_cron(raw: &str) -> Result<Cron, String> {
    let fields = raw.split_whitespace().count();
    if !(5..=6).contains(&fields) {
        return Err(format!(
            "expected 5 cron fields (minute hour day month weekday) or 6 with seconds first, got {fields}"
        ));
    }
    CronParser::builder()
        .seconds(Seconds::Optional)
        .year(Year::Disallowed)
        .build()
        .parse(raw)
        .map_err(|e| {
            format!("not a valid cron expression ({e}); e.g. \"0 2 * * *\" for 02:00 daily")
        })
}

/// Parses an IANA zone name such as `Europe/Berlin`.
pub fn parse_zone(raw: &str) -> Option<chrono_tz::Tz> {
    raw.trim().parse::<chrono_tz::Tz>().ok()
}

impl BackupConfig {
    pub(super) fn read(r: &mut Reader<'_>) -> BackupConfig {
        let enabled = r.bool("BACKUP_ENABLED");
        let schedule = r
            .string("BACKUP_SCHEDULE")
            .unwrap_or_else(|| "0 2 * * *".to_owned());
        let cron = match parse_cron(&schedule) {
            Ok(c) => c,
            Err(why) => {
                r.invalid("BACKUP_SCHEDULE", why);
                // The default always parses; the error above stops start-up anyway.
                parse_cron("0 2 * * *").unwrap_or_else(|_| unreachable!("the default cron parses"))
            }
        };
        let timezone = match r.string("BACKUP_TIMEZONE") {
            Some(z) => parse_zone(&z).unwrap_or_else(|| {
                r.invalid(
                    "BACKUP_TIMEZONE",
                    "expected an IANA time zone name such as Europe/Berlin or UTC",
                );
                chrono_tz::UTC
            }),
            // The documented default: the process's TZ when it names an IANA zone. Read here
            // and not through Settings because TZ is not one of our options.
            None => std::env::var("TZ")
                .ok()
                .and_then(|tz| parse_zone(tz.trim_start_matches(':')))
                .unwrap_or(chrono_tz::UTC),
        };
        let dir = PathBuf::from(r.string("BACKUP_DIR").unwrap_or_else(|| "backups".into()));
        let retention_count = r.u64_in("BACKUP_RETENTION_COUNT", 1, 10_000) as usize;
        let include = r
            .list("BACKUP_INCLUDE")
            .into_iter()
            .map(PathBuf::from)
            .collect();
        let mut recipients = Vec::new();
        for item in r.list("BACKUP_ENCRYPTION_RECIPIENTS") {
            if item.parse::<age::x25519::Recipient>().is_ok() {
                recipients.push(item);
            } else {
                r.invalid(
                    "BACKUP_ENCRYPTION_RECIPIENTS",
                    format!(
                        "entry {item:?} is not an age public key (age1...); create a key pair with: mcp-atlassian backup keygen --output FILE"
                    ),
                );
            }
        }
        BackupConfig {
            enabled,
            schedule,
            cron,
            timezone,
            dir,
            retention_count,
            env_file: r.settings().env_file.clone(),
            api_keys_file: r.string("MCP_API_KEYS_FILE").map(PathBuf::from),
            include,
            recipients,
        }
    }

    /// Reads only the backup settings, for the `backup` commands (which must work even when
    /// the Atlassian settings are incomplete).
    pub fn from_settings(settings: &Settings) -> Result<BackupConfig, ConfigErrors> {
        let mut r = Reader::new(settings);
        let cfg = BackupConfig::read(&mut r);
        let errors: Vec<ConfigError> = std::mem::take(&mut r.errors);
        if errors.is_empty() {
            Ok(cfg)
        } else {
            Err(ConfigErrors(errors))
        }
    }

    /// The files a backup holds, in a fixed order: the env file, the keys file, then
    /// `BACKUP_INCLUDE`; duplicates removed.
    pub fn sources(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        let all = self
            .env_file
            .iter()
            .chain(self.api_keys_file.iter())
            .chain(self.include.iter());
        for p in all {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<BackupConfig, ConfigErrors> {
        BackupConfig::from_settings(&Settings::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn five_and_six_field_cron_expressions_are_accepted() {
        let c = read(&[
            ("BACKUP_SCHEDULE", "30 3 * * 1-5"),
            ("BACKUP_TIMEZONE", "Europe/Berlin"),
        ])
        .expect("valid");
        assert_eq!(c.timezone, chrono_tz::Europe::Berlin);
        read(&[("BACKUP_SCHEDULE", "15 30 3 * * *")]).expect("6 fields with seconds");
    }

    #[test]
    fn a_bad_cron_zone_or_recipient_is_a_clear_start_up_error() {
        let errs = read(&[
            ("BACKUP_SCHEDULE", "0 25 * * *"),
            ("BACKUP_TIMEZONE", "Mars/Olympus"),
            ("BACKUP_ENCRYPTION_RECIPIENTS", "age1notakey"),
            ("BACKUP_RETENTION_COUNT", "0"),
        ])
        .expect_err("invalid");
        let text = errs.to_string();
        assert_eq!(errs.0.len(), 4, "{text}");
        assert!(text.contains("BACKUP_SCHEDULE=\"0 25 * * *\""), "{text}");
        assert!(
            text.contains("BACKUP_TIMEZONE=\"Mars/Olympus\": expected an IANA"),
            "{text}"
        );
        assert!(text.contains("is not an age public key"), "{text}");
        let short = read(&[("BACKUP_SCHEDULE", "0 2 * *")]).expect_err("4 fields");
        assert!(short.to_string().contains("got 4"), "{short}");
    }

    #[test]
    fn sources_are_the_env_file_the_keys_file_and_the_includes_without_duplicates() {
        let mut c = read(&[
            ("MCP_API_KEYS_FILE", "/etc/mcp/keys.toml"),
            ("BACKUP_INCLUDE", "/srv/compose.yml, /etc/mcp/keys.toml"),
        ])
        .expect("valid");
        c.env_file = Some(PathBuf::from("/srv/.env"));
        assert_eq!(
            c.sources(),
            vec![
                PathBuf::from("/srv/.env"),
                PathBuf::from("/etc/mcp/keys.toml"),
                PathBuf::from("/srv/compose.yml")
            ]
        );
    }
}
