//! The `mcp-atlassian` binary: parses the command line and hands over to `app`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mcp_atlassian::config::{Config, ConfigErrors, RawArgs, Settings, Source};
use mcp_atlassian::{app, sandbox_mode, telemetry};

/// MCP server for Jira and Confluence (Streamable HTTP, SSE and stdio).
#[derive(Debug, Parser)]
#[command(name = "mcp-atlassian", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    args: RawArgs,
    /// Run against the built-in sandbox (in-process Jira and Confluence with demo data) over
    /// HTTP on 127.0.0.1:PORT; no real Atlassian site is used.
    #[arg(long, global = true)]
    sandbox: bool,
    /// Seed of the sandbox's generated data (same seed, same data).
    #[arg(long, global = true, default_value_t = 0)]
    seed: u64,
    /// Sandbox faults active from the start, as the JSON that `POST /__sandbox/faults` takes,
    /// e.g. '{"latency_ms":50,"errors":{"status":503,"every_nth":10}}'.
    #[arg(long, global = true, value_name = "JSON")]
    faults: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the effective configuration (secrets hidden) and exit 0, or list the errors and exit 2.
    CheckConfig,
    /// Run only the built-in sandbox (Jira + Confluence REST) on 127.0.0.1:PORT, e.g. as a
    /// benchmark backend. Credentials: sandbox@example.com / sandbox-api-token, or Bearer sandbox-pat.
    Sandbox,
    /// GET /healthz on the configured HOST and PORT (loopback for 0.0.0.0); exit 0 on 200,
    /// 1 otherwise. For container health checks: no curl or shell needed.
    Healthcheck {
        /// Seconds allowed for the connect and for each read and write.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=60))]
        timeout_secs: u64,
    },
    /// Manage the API keys in MCP_API_KEYS_FILE (a running server reloads it by itself).
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Config backups (the env file, MCP_API_KEYS_FILE, BACKUP_INCLUDE) in BACKUP_DIR.
    Backup {
        #[command(subcommand)]
        action: BackupAction,
    },
    /// Restore the config files from a backup: verifies it first, then writes all or none.
    Restore {
        /// The backup file (.tar.gz or .tar.gz.age).
        file: PathBuf,
        /// age identity file, for encrypted backups.
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
        /// Write the files into this directory (by name) instead of their recorded paths.
        #[arg(long, value_name = "DIR")]
        target: Option<PathBuf>,
        /// Restore recorded paths under FROM into TO instead (repeatable), e.g. a backup taken
        /// in the container: --map /config=/opt/mcp-atlassian --map /data=/opt/mcp-atlassian/data
        #[arg(long, value_name = "FROM=TO")]
        map: Vec<String>,
        /// Only show what would change.
        #[arg(long)]
        dry_run: bool,
        /// Replace files that differ from the backup (they are kept as *.pre-restore-<time>).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
enum BackupAction {
    /// Write a backup now (the same code as the schedule), then apply retention.
    Create,
    /// List the backups, newest first, with size, age and whether each verifies.
    List {
        /// age identity file, to verify encrypted backups too.
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
    },
    /// Decrypt (with --identity) and check every checksum of one backup.
    Verify {
        /// The backup file.
        file: PathBuf,
        /// age identity file, for encrypted backups.
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
    },
    /// Create an age key pair: the identity goes to FILE (mode 0600), the public key to stdout.
    Keygen {
        /// Where to write the identity; never overwritten.
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum KeysAction {
    /// Create a key; it is printed once and only its hash is stored.
    Create {
        /// Key id: lower-case letters, digits and -, e.g. cursor-alice.
        #[arg(long)]
        id: String,
        /// read (read tools only) or write (all tools).
        #[arg(long, default_value = "write", value_parser = ["read", "write"])]
        scope: String,
        /// Expiry from now, e.g. 90d, 24h.
        #[arg(long)]
        expires_in: Option<String>,
    },
    /// List ids, scopes, state, creation and expiry (never keys).
    List,
    /// Disable a key at once.
    Revoke {
        /// Key id.
        id: String,
    },
    /// Issue a new key; the old one keeps working until the grace period ends.
    Rotate {
        /// Key id.
        id: String,
        /// How long the old key stays valid, e.g. 24h (0 ends it now).
        #[arg(long, default_value = "24h")]
        grace: String,
    },
}

/// Exit code for configuration errors, as clap uses for usage errors.
const CONFIG_ERROR: u8 = 2;

fn config_errors(errors: &ConfigErrors) -> ExitCode {
    for e in &errors.0 {
        eprintln!("mcp-atlassian: configuration error: {e}");
    }
    ExitCode::from(CONFIG_ERROR)
}

fn main() -> ExitCode {
    mcp_atlassian::atlassian::install_tls_provider();
    let cli = Cli::parse();
    let mut settings = match Config::load_settings(&cli.args) {
        Ok(s) => s,
        Err(e) => return config_errors(&e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mcp-atlassian: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let faults = match sandbox_mode::parse_faults(cli.faults.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("mcp-atlassian: configuration error: {e}");
            return ExitCode::from(CONFIG_ERROR);
        }
    };
    let sandbox_opts = mcp_atlassian::sandbox::SandboxOptions {
        seed: cli.seed,
        faults,
    };
    match cli.command {
        Some(Command::Healthcheck { timeout_secs }) => healthcheck(&settings, timeout_secs),
        Some(Command::Keys { action }) => keys(&settings, action),
        Some(Command::Backup { action }) => backup(&settings, action),
        Some(Command::Restore {
            file,
            identity,
            target,
            map,
            dry_run,
            force,
        }) => {
            let map = match map
                .iter()
                .map(|m| mcp_atlassian::ops::restore::parse_map(m))
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("mcp-atlassian: {e}");
                    return ExitCode::from(CONFIG_ERROR);
                }
            };
            let opts = mcp_atlassian::ops::RestoreOptions {
                identity,
                target,
                map,
                dry_run,
                force,
                fail_at: None,
            };
            let now = time::OffsetDateTime::now_utc();
            ops_result(mcp_atlassian::ops::cli::restore(&file, &opts, now))
        }
        Some(Command::Sandbox) => sandbox_only(&runtime, settings, sandbox_opts),
        Some(Command::CheckConfig) => {
            let (config, built) = match build(settings) {
                Ok(b) => b,
                Err(code) => return code,
            };
            print!("{}", config.describe());
            for w in built.warnings.iter().skip(config.settings.unknown.len()) {
                println!("# warning: {w}");
            }
            println!("# {}", app::preflight::credentials_line(&config));
            println!("# {} tools exposed", built.registry.len());
            match app::auth_report(&config) {
                Ok(lines) => {
                    for line in lines {
                        println!("# {line}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("mcp-atlassian: configuration error: {e}");
                    ExitCode::from(CONFIG_ERROR)
                }
            }
        }
        None => {
            let sandbox = if cli.sandbox {
                let listener = match sandbox_mode::bind_loopback(0) {
                    Ok(l) => l,
                    Err(e) => {
                        eprintln!("mcp-atlassian: {e:#}");
                        return ExitCode::FAILURE;
                    }
                };
                let Ok(addr) = listener.local_addr() else {
                    eprintln!("mcp-atlassian: the sandbox listener has no address");
                    return ExitCode::FAILURE;
                };
                sandbox_mode::point_at_sandbox(&mut settings, addr);
                Some((listener, addr))
            } else {
                None
            };
            let (config, built) = match build(settings) {
                Ok(b) => b,
                Err(code) => return code,
            };
            // A configured keys file that cannot be read stops the start (never "no keys").
            if let Err(e) = app::auth_report(&config) {
                eprintln!("mcp-atlassian: configuration error: {e}");
                return ExitCode::from(CONFIG_ERROR);
            }
            // Inside the runtime: the gRPC trace exporter keeps its connection there.
            let installed = {
                let _runtime = runtime.enter();
                telemetry::init(&config.logging, config.otel.as_ref())
            };
            if let Err(e) = installed {
                eprintln!("mcp-atlassian: {e}");
                return ExitCode::from(CONFIG_ERROR);
            }
            let result = runtime.block_on(async move {
                match sandbox {
                    Some((listener, addr)) => {
                        app::run_with_sandbox(config, built, listener, addr, sandbox_opts).await
                    }
                    None => app::run(config, built).await,
                }
            });
            // HTTP shutdown already flushed the traces; stdio and errors end here.
            runtime.block_on(telemetry::traces::shutdown());
            finish(result)
        }
    }
}

fn build(settings: Settings) -> Result<(Config, app::Built), ExitCode> {
    let config = Config::from_settings(settings).map_err(|e| config_errors(&e))?;
    let built = app::validate(&config).map_err(|e| {
        for line in e.lines() {
            eprintln!("mcp-atlassian: configuration error: {line}");
        }
        ExitCode::from(CONFIG_ERROR)
    })?;
    Ok((config, built))
}

fn sandbox_only(
    runtime: &tokio::runtime::Runtime,
    mut settings: Settings,
    opts: mcp_atlassian::sandbox::SandboxOptions,
) -> ExitCode {
    // The standalone sandbox only needs a port and logs; its Atlassian settings are moot.
    for env in [
        "JIRA_URL",
        "JIRA_USERNAME",
        "JIRA_API_TOKEN",
        "JIRA_PERSONAL_TOKEN",
        "CONFLUENCE_URL",
        "CONFLUENCE_USERNAME",
        "CONFLUENCE_API_TOKEN",
        "CONFLUENCE_PERSONAL_TOKEN",
    ] {
        settings.remove(env);
    }
    if settings.source("TRANSPORT") == Source::Default {
        settings.insert("TRANSPORT", "streamable-http", Source::Sandbox);
    }
    if settings.source("HOST") == Source::Default {
        settings.insert("HOST", "127.0.0.1", Source::Sandbox);
    }
    // No MCP endpoint is served here, so the API-key rule for public binds does not apply.
    settings.insert("MCP_ALLOW_UNAUTHENTICATED", "true", Source::Sandbox);
    // Nor the Host check's rule for proxied deployments.
    settings.insert("MCP_ALLOWED_HOSTS", "*", Source::Sandbox);
    let config = match Config::from_settings(settings) {
        Ok(c) => c,
        Err(e) => return config_errors(&e),
    };
    if let Err(e) = telemetry::init_logging(&config.logging) {
        eprintln!("mcp-atlassian: {e}");
        return ExitCode::from(CONFIG_ERROR);
    }
    let result = runtime.block_on(app::run_sandbox_only(
        config.server.host,
        config.server.port,
        opts,
    ));
    finish(result)
}

fn healthcheck(settings: &Settings, timeout_secs: u64) -> ExitCode {
    use mcp_atlassian::healthcheck::{probe, target};
    let result = target(settings.get("HOST"), settings.get("PORT"))
        .and_then(|addr| probe(addr, std::time::Duration::from_secs(timeout_secs)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mcp-atlassian: healthcheck: {e}");
            ExitCode::FAILURE
        }
    }
}

fn keys(settings: &Settings, action: KeysAction) -> ExitCode {
    use mcp_atlassian::security::admin;
    let Some(path) = settings
        .get("MCP_API_KEYS_FILE")
        .map(std::path::PathBuf::from)
    else {
        eprintln!(
            "mcp-atlassian: set MCP_API_KEYS_FILE (or --api-keys-file PATH) to the keys file to manage"
        );
        return ExitCode::from(CONFIG_ERROR);
    };
    let now = time::OffsetDateTime::now_utc();
    let duration = |flag: &str, raw: &str| {
        admin::parse_duration(raw).ok_or_else(|| {
            admin::KeysError::Usage(format!(
                "{flag} {raw:?} is not a duration such as 90d, 24h or 30m"
            ))
        })
    };
    let result = match action {
        KeysAction::Create {
            id,
            scope,
            expires_in,
        } => expires_in
            .as_deref()
            .map(|e| duration("--expires-in", e))
            .transpose()
            .and_then(|exp| admin::create(&path, &id, scope == "write", exp, now))
            .map(|key| format!("{key}\n# the key for {id}: store it now, it is not shown again\n")),
        KeysAction::List => admin::list(&path, now),
        KeysAction::Revoke { id } => admin::revoke(&path, &id).map(|()| format!("revoked {id}\n")),
        KeysAction::Rotate { id, grace } => duration("--grace", &grace)
            .and_then(|g| admin::rotate(&path, &id, g, now))
            .map(|key| {
                format!(
                    "{key}\n# the new key for {id}: the old one works until the grace period ends\n"
                )
            }),
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mcp-atlassian: {e}");
            ExitCode::from(CONFIG_ERROR)
        }
    }
}

fn backup(settings: &Settings, action: BackupAction) -> ExitCode {
    use mcp_atlassian::ops::cli;
    let now = time::OffsetDateTime::now_utc();
    if let BackupAction::Keygen { output } = &action {
        // Needs no configuration: it is how an operator gets the first recipient.
        return ops_result(cli::keygen(output, now));
    }
    let cfg = match mcp_atlassian::config::BackupConfig::from_settings(settings) {
        Ok(c) => c,
        Err(e) => return config_errors(&e),
    };
    // Logs (the plaintext warning, failures) go to stderr like the server's.
    let _ = telemetry::init_logging(&mcp_atlassian::config::LoggingConfig {
        verbosity: settings.verbose.min(2),
        to_stdout: false,
        format: Some(mcp_atlassian::config::LogFormat::Pretty),
    });
    ops_result(match action {
        BackupAction::Create => cli::create(&cfg, now),
        BackupAction::List { identity } => cli::list(&cfg.dir, identity.as_deref(), now),
        BackupAction::Verify { file, identity } => cli::verify(&file, identity.as_deref()),
        BackupAction::Keygen { output } => cli::keygen(&output, now),
    })
}

/// Exit 0 with the text on stdout, or 1 with the error on stderr.
fn ops_result(result: Result<String, mcp_atlassian::ops::OpsError>) -> ExitCode {
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mcp-atlassian: {e}");
            ExitCode::FAILURE
        }
    }
}

fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "stopped with an error");
            eprintln!("mcp-atlassian: {e:#}");
            ExitCode::FAILURE
        }
    }
}
