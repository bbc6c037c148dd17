//! Process metrics in the standard Prometheus names (`process_*`, as every client library
//! exports them, so stock dashboards work), read from `/proc/self` at scrape time. On systems
//! without `/proc` the families are simply absent.
//!
//! Also the small text-format writer used for families computed at scrape time (these and
//! the API key gauges): they are never held in the recorder, so they cannot go stale.

use std::fmt::Write;

/// Clock ticks per second of `/proc/<pid>/stat` times: USER_HZ, fixed at 100 by the Linux ABI.
const TICKS_PER_SEC: f64 = 100.0;

/// Writes one gauge or counter family: HELP, TYPE and its samples (`labels` pre-rendered as
/// `name="value"` pairs, or empty).
pub fn write_family(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    samples: &[(String, f64)],
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
    out.push('\n');
}

/// Escapes a label value for the text format.
pub fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// What `/proc/self` says about this process.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ProcessStats {
    /// User + system CPU seconds.
    pub cpu_seconds: f64,
    /// Start time, Unix seconds.
    pub start_time_seconds: f64,
    /// Resident set size.
    pub resident_bytes: f64,
    /// Virtual memory size.
    pub virtual_bytes: f64,
    /// Open file descriptors.
    pub open_fds: f64,
    /// The soft limit on open file descriptors.
    pub max_fds: Option<f64>,
}

/// Parses `/proc/self/stat` (after the command name, which may contain spaces) and the boot
/// time from `/proc/stat`: (cpu seconds, start time, virtual bytes).
pub fn parse_stat(stat: &str, proc_stat: &str) -> Option<(f64, f64, f64)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field numbers per proc(5); `rest` starts at field 3.
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok());
    let cpu = (field(14)? + field(15)?) / TICKS_PER_SEC;
    let btime = proc_stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse::<f64>().ok())?;
    let start = btime + field(22)? / TICKS_PER_SEC;
    Some((cpu, start, field(23)?))
}

/// The `VmRSS` of `/proc/self/status`, in bytes.
pub fn parse_rss(status: &str) -> Option<f64> {
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse::<f64>()
        .ok()?;
    Some(kb * 1024.0)
}

/// The soft "Max open files" of `/proc/self/limits`.
pub fn parse_max_fds(limits: &str) -> Option<f64> {
    limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))?
        .split_whitespace()
        .next()?
        .parse::<f64>()
        .ok()
}

/// Reads the stats; `None` where `/proc` is missing or unreadable. Blocking (procfs only).
pub fn read_stats() -> Option<ProcessStats> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let proc_stat = std::fs::read_to_string("/proc/stat").ok()?;
    let (cpu_seconds, start_time_seconds, virtual_bytes) = parse_stat(&stat, &proc_stat)?;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as f64;
    let max_fds = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| parse_max_fds(&l));
    Some(ProcessStats {
        cpu_seconds,
        start_time_seconds,
        resident_bytes: parse_rss(&status)?,
        virtual_bytes,
        open_fds,
        max_fds,
    })
}

/// Appends the process families to a scrape. Blocking (reads procfs).
pub fn render_process_metrics(out: &mut String) {
    let Some(s) = read_stats() else {
        return;
    };
    let one = |v: f64| vec![(String::new(), v)];
    write_family(
        out,
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
        &one(s.cpu_seconds),
    );
    write_family(
        out,
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        &one(s.resident_bytes),
    );
    write_family(
        out,
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
        &one(s.virtual_bytes),
    );
    write_family(
        out,
        "process_open_fds",
        "gauge",
        "Number of open file descriptors.",
        &one(s.open_fds),
    );
    if let Some(max) = s.max_fds {
        write_family(
            out,
            "process_max_fds",
            "gauge",
            "Maximum number of open file descriptors.",
            &one(max),
        );
    }
    write_family(
        out,
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
        &one(s.start_time_seconds),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_parse_even_with_spaces_in_the_command_name() {
        let stat = "4242 (mcp atl (x)) S 1 4242 4242 0 -1 4194560 1 0 0 0 250 50 0 0 20 0 8 0 1000 123456789 2048 18446744073709551615";
        let (cpu, start, vsize) =
            parse_stat(stat, "cpu 1 2 3\nbtime 1700000000\n").expect("parses");
        assert_eq!(cpu, 3.0);
        assert_eq!(start, 1_700_000_010.0);
        assert_eq!(vsize, 123_456_789.0);
        assert_eq!(
            parse_rss("Name:\tx\nVmRSS:\t  2048 kB\n"),
            Some(2_097_152.0)
        );
        assert_eq!(
            parse_max_fds(
                "Limit Soft Hard Units\nMax open files            1024                 4096                 files\n"
            ),
            Some(1024.0)
        );
    }

    #[test]
    fn this_process_can_be_read_on_linux() {
        if cfg!(target_os = "linux") {
            let s = read_stats().expect("/proc is readable");
            assert!(s.resident_bytes > 0.0 && s.open_fds > 0.0, "{s:?}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
