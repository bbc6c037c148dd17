//! Names and HELP texts of the backup metrics, recorded by `ops` through the `metrics`
//! facade (whatever recorder is installed receives them; none installed = no-op).

/// Counter, label `outcome` = `success` | `failure`: backup runs, scheduled or CLI.
pub const BACKUP_RUNS_TOTAL: &str = "mcp_atlassian_backup_runs_total";
/// Gauge: unix time of the last successful backup, in seconds.
pub const BACKUP_LAST_SUCCESS_TIMESTAMP_SECONDS: &str =
    "mcp_atlassian_backup_last_success_timestamp_seconds";
/// Gauge: size of the last successful backup file, in bytes.
pub const BACKUP_LAST_SIZE_BYTES: &str = "mcp_atlassian_backup_last_size_bytes";

/// Registers the HELP texts with the installed recorder; call once after installing it.
pub fn describe() {
    metrics::describe_counter!(
        BACKUP_RUNS_TOTAL,
        "Config backup runs by outcome (success or failure)."
    );
    metrics::describe_gauge!(
        BACKUP_LAST_SUCCESS_TIMESTAMP_SECONDS,
        metrics::Unit::Seconds,
        "Unix time of the last successful config backup."
    );
    metrics::describe_gauge!(
        BACKUP_LAST_SIZE_BYTES,
        metrics::Unit::Bytes,
        "Size of the last successful config backup file."
    );
}

/// Records a successful run.
pub fn record_success(size_bytes: u64, unix_seconds: i64) {
    metrics::counter!(BACKUP_RUNS_TOTAL, "outcome" => "success").increment(1);
    metrics::gauge!(BACKUP_LAST_SUCCESS_TIMESTAMP_SECONDS).set(unix_seconds as f64);
    metrics::gauge!(BACKUP_LAST_SIZE_BYTES).set(size_bytes as f64);
}

/// Records a failed run.
pub fn record_failure() {
    metrics::counter!(BACKUP_RUNS_TOTAL, "outcome" => "failure").increment(1);
}
