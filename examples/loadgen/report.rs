//! The table: every figure for both servers and how many times better ours is, the
//! issue's targets checked against them, and the machine it ran on; as Markdown and JSON.

use serde::Serialize;

use crate::scenario::{Cell, Figures, PAYLOAD_TOOLS, Settings, TOOLS, median};

/// One row: a measure, both values and ours' advantage (reference ÷ ours for costs, ours ÷
/// reference for throughput; above 1 means ours is better).
#[derive(Debug, Serialize)]
pub struct Row {
    pub measure: String,
    pub ours: String,
    pub reference: String,
    pub better_by: Option<f64>,
}

/// One of the targets and whether the run met it.
#[derive(Debug, Serialize)]
pub struct Target {
    pub target: String,
    pub measured: String,
    pub met: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub date_utc: String,
    pub machine: String,
    pub plan: String,
    pub rows: Vec<Row>,
    pub targets: Vec<Target>,
    pub floor: Vec<Cell>,
    pub ours: Figures,
    pub reference: Option<Figures>,
}

fn ms(v: f64) -> String {
    if v.is_nan() {
        "—".into()
    } else if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else if v >= 10.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.2} ms")
    }
}

fn mb(b: Option<u64>) -> String {
    b.map_or("—".into(), |b| format!("{:.1} MB", b as f64 / 1e6))
}

fn kb(b: usize) -> String {
    format!("{:.1} kB", b as f64 / 1e3)
}

fn ratio(cost_ours: f64, cost_ref: f64) -> Option<f64> {
    (cost_ours > 0.0 && cost_ref.is_finite() && cost_ours.is_finite())
        .then_some(cost_ref / cost_ours)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU".to_owned(), |s| s.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = mem
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(0.0, |k| k / 1024.0 / 1024.0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load1 = load.split_whitespace().next().unwrap_or("?");
    format!("{cores} cores ({model}), {mem_gib:.0} GiB, load average {load1} at the end")
}

fn cell<'a>(cells: &'a [Cell], transport: &str, tool: &str, c: usize) -> Option<&'a Cell> {
    cells
        .iter()
        .find(|x| x.transport == transport && x.tool == tool && x.result.concurrency == c)
}

fn describe(c: Option<&Cell>) -> String {
    c.map_or("—".into(), |c| {
        let r = &c.result;
        format!(
            "{:.0}/s · {} / {} / {} · {} err (n={})",
            r.throughput,
            ms(r.p50_ms),
            ms(r.p90_ms),
            ms(r.p99_ms),
            r.errors,
            r.completed
        )
    })
}

fn sessions_rss(of: &[(usize, usize, Option<u64>)], want: usize) -> (String, Option<u64>) {
    match of.iter().find(|(w, _, _)| *w == want) {
        Some((_, opened, rss)) if *opened == want => (mb(*rss), *rss),
        Some((_, opened, rss)) => (format!("{} ({opened} opened)", mb(*rss)), None),
        None => ("—".into(), None),
    }
}

impl Report {
    pub fn new(
        set: &Settings,
        floor: Vec<Cell>,
        ours: Figures,
        reference: Option<Figures>,
    ) -> Self {
        let empty = Figures::default();
        let r = reference.as_ref().unwrap_or(&empty);
        let mut rows = Vec::new();
        let mut push = |measure: String, o: String, rf: String, better: Option<f64>| {
            rows.push(Row {
                measure,
                ours: o,
                reference: if reference.is_some() {
                    rf
                } else {
                    "—".into()
                },
                better_by: if reference.is_some() { better } else { None },
            })
        };
        let (oh, rh) = (median(&ours.cold_healthz_ms), median(&r.cold_healthz_ms));
        push(
            format!(
                "cold start to /healthz 200 (median of {}/{})",
                ours.cold_healthz_ms.len(),
                r.cold_healthz_ms.len()
            ),
            ms(oh),
            ms(rh),
            ratio(oh, rh),
        );
        let (oi, ri) = (median(&ours.cold_ready_ms), median(&r.cold_ready_ms));
        push(
            "cold start to initialize + tools/list done".into(),
            ms(oi),
            ms(ri),
            ratio(oi, ri),
        );
        push(
            "RSS idle".into(),
            mb(ours.rss_idle_bytes),
            mb(r.rss_idle_bytes),
            ours.rss_idle_bytes
                .zip(r.rss_idle_bytes)
                .and_then(|(o, f)| ratio(o as f64, f as f64)),
        );
        for (kind, o, rf) in [
            ("SSE", &ours.rss_sessions, &r.rss_sessions),
            (
                "idle Streamable HTTP",
                &ours.rss_streamable,
                &r.rss_streamable,
            ),
        ] {
            for want in set.sessions {
                let (os, ov) = sessions_rss(o, want);
                let (rs, rv) = sessions_rss(rf, want);
                push(
                    format!("RSS with {want} open {kind} sessions"),
                    os,
                    rs,
                    ov.zip(rv).and_then(|(o, f)| ratio(o as f64, f as f64)),
                );
            }
        }
        push(
            format!(
                "tools/list bytes, all tools ({}/{} tools)",
                ours.tools_count, r.tools_count
            ),
            kb(ours.tools_list_bytes),
            kb(r.tools_list_bytes),
            ratio(ours.tools_list_bytes as f64, r.tools_list_bytes as f64),
        );
        if let Some((n, bytes)) = ours.dynamic_list {
            push(
                format!("tools/list bytes, TOOLSETS=dynamic at start ({n} tools)"),
                kb(bytes),
                "—".into(),
                None,
            );
        }
        for tool in PAYLOAD_TOOLS {
            let get = |f: &Figures| {
                f.result_bytes
                    .iter()
                    .find(|(t, _)| t == tool)
                    .map(|(_, b)| *b)
            };
            let (o, f) = (get(&ours), get(r));
            push(
                format!("{tool} result bytes (JSON-RPC message)"),
                o.map_or("—".into(), kb),
                f.map_or("—".into(), kb),
                o.zip(f).and_then(|(o, f)| ratio(o as f64, f as f64)),
            );
        }
        for tool in TOOLS {
            for &c in set.concurrency {
                push(
                    format!("floor: REST direct, {tool}, c={c}"),
                    describe(cell(&floor, "floor (REST)", tool, c)),
                    describe(cell(&floor, "floor (REST)", tool, c)),
                    None,
                );
                for transport in ["/mcp stateful", "/mcp stateless", "/sse"] {
                    let (o, f) = (
                        cell(&ours.cells, transport, tool, c),
                        cell(&r.cells, transport, tool, c),
                    );
                    push(
                        format!("{transport}, {tool}, c={c}"),
                        describe(o),
                        describe(f),
                        o.zip(f).and_then(|(o, f)| {
                            ratio(1.0 / o.result.throughput, 1.0 / f.result.throughput)
                        }),
                    );
                }
            }
        }
        for transport in ["/mcp stateful", "/mcp stateless", "/sse"] {
            for tool in TOOLS {
                let base = cell(&floor, "floor (REST)", tool, 1).map(|c| c.result.p50_ms);
                let over = |f: &Figures| {
                    cell(&f.cells, transport, tool, 1)
                        .zip(base)
                        .map(|(c, b)| c.result.p50_ms - b)
                };
                let (o, f) = (over(&ours), over(r));
                push(
                    format!("overhead over the floor, p50 at c=1: {transport}, {tool}"),
                    o.map_or("—".into(), ms),
                    f.map_or("—".into(), ms),
                    o.zip(f).and_then(|(o, f)| ratio(o, f)),
                );
            }
        }
        let targets = targets(set, &floor, &ours, reference.as_ref(), oh);
        Report {
            date_utc: now_utc(),
            machine: machine(),
            plan: format!(
                "cold starts: up to {} runs; load cells: counts {} at c={:?}, each capped at {:?}, warm-up 16 calls spread over the workers; one MCP session per worker",
                set.cold_runs,
                set.concurrency
                    .iter()
                    .map(|&c| (set.count)(c).to_string())
                    .collect::<Vec<_>>()
                    .join("/"),
                set.concurrency,
                set.cap
            ),
            rows,
            targets,
            floor,
            ours,
            reference,
        }
    }

    /// Whether our own server's run failed somewhere (the reference's failures are notes).
    pub fn broken(&self) -> bool {
        self.ours.cold_healthz_ms.is_empty()
            || self.ours.cells.is_empty()
            || self.ours.cells.iter().any(|c| c.result.errors > 0)
            || !self.ours.notes.is_empty()
    }

    pub fn markdown(&self) -> String {
        let mut s = format!(
            "Measured {} on {}.\n{}.\n\n| measure | ours | reference 0.23.1 | ours better by |\n|---|---|---|---|\n",
            self.date_utc, self.machine, self.plan
        );
        for r in &self.rows {
            let better = r.better_by.map_or("—".into(), |b| {
                if b >= 10.0 {
                    format!("{b:.0}×")
                } else {
                    format!("{b:.1}×")
                }
            });
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                r.measure, r.ours, r.reference, better
            ));
        }
        s.push_str("\nLoad cells read: throughput · p50 / p90 / p99 latency · errors (n = completed calls).\n\n| target | measured | met |\n|---|---|---|\n");
        for t in &self.targets {
            let met = match t.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "not measured",
            };
            s.push_str(&format!("| {} | {} | {met} |\n", t.target, t.measured));
        }
        let notes: Vec<String> = self
            .ours
            .notes
            .iter()
            .map(|n| format!("- ours: {n}"))
            .chain(
                self.reference
                    .iter()
                    .flat_map(|r| r.notes.iter().map(|n| format!("- reference: {n}"))),
            )
            .collect();
        if !notes.is_empty() {
            s.push_str("\nNotes:\n");
            s.push_str(&notes.join("\n"));
            s.push('\n');
        }
        s
    }
}

fn targets(
    set: &Settings,
    floor: &[Cell],
    ours: &Figures,
    reference: Option<&Figures>,
    cold_ms: f64,
) -> Vec<Target> {
    let mut t = vec![Target {
        target: "cold start to /healthz < 100 ms".into(),
        measured: ms(cold_ms),
        met: (!cold_ms.is_nan()).then_some(cold_ms < 100.0),
    }];
    t.push(Target {
        target: "idle RSS < 20 MB".into(),
        measured: mb(ours.rss_idle_bytes),
        met: ours.rss_idle_bytes.map(|b| b < 20_000_000),
    });
    let last = set.sessions[1];
    let thousand = ours
        .rss_sessions
        .iter()
        .find(|(w, n, _)| *w == last && *n == last)
        .and_then(|(_, _, r)| *r);
    t.push(Target {
        target: format!("RSS with {last} SSE sessions < 100 MB"),
        measured: mb(thousand),
        met: thousand.map(|b| b < 100_000_000),
    });
    for (kind, of) in [
        ("SSE", &ours.rss_sessions),
        ("idle Streamable HTTP", &ours.rss_streamable),
    ] {
        let rss = of
            .iter()
            .find(|(w, n, _)| *w == last && *n == last)
            .and_then(|(_, _, r)| *r);
        t.push(Target {
            target: format!("RSS with {last} {kind} sessions < 45 MB (issue 19)"),
            measured: mb(rss),
            met: rss.map(|b| b < 45_000_000),
        });
    }
    let mut worst: Option<(f64, String)> = None;
    for c in &ours.cells {
        if c.result.concurrency != 1 {
            continue;
        }
        if let Some(f) = cell(floor, "floor (REST)", c.tool, 1) {
            let over = c.result.p50_ms - f.result.p50_ms;
            if worst.as_ref().is_none_or(|(w, _)| over > *w) {
                worst = Some((over, format!("{} {}", c.transport, c.tool)));
            }
        }
    }
    t.push(Target {
        target: "overhead per tool call over the floor, p50 (c=1) < 1 ms".into(),
        measured: worst
            .as_ref()
            .map_or("—".into(), |(w, at)| format!("worst {} ({at})", ms(*w))),
        met: worst.map(|(w, _)| w < 1.0),
    });
    let top = set.concurrency.last().copied().unwrap_or(1);
    let mut lowest: Option<(f64, String)> = None;
    if let Some(r) = reference {
        for c in ours.cells.iter().filter(|c| c.result.concurrency == top) {
            if let Some(f) = cell(&r.cells, c.transport, c.tool, top)
                && f.result.throughput > 0.0
            {
                let x = c.result.throughput / f.result.throughput;
                if lowest.as_ref().is_none_or(|(l, _)| x < *l) {
                    lowest = Some((x, format!("{} {}", c.transport, c.tool)));
                }
            }
        }
    }
    t.push(Target {
        target: format!("throughput at c={top} ≥ 20× the reference's"),
        measured: lowest
            .as_ref()
            .map_or("—".into(), |(l, at)| format!("lowest {l:.1}× ({at})")),
        met: lowest.map(|(l, _)| l >= 20.0),
    });
    let list = reference
        .filter(|r| r.tools_list_bytes > 0 && ours.tools_list_bytes > 0)
        .map(|r| ours.tools_list_bytes as f64 / r.tools_list_bytes as f64);
    t.push(Target {
        target: "tools/list bytes < 1/3 of the reference's".into(),
        measured: list.map_or("—".into(), |x| {
            format!("{:.0}% of the reference's", x * 100.0)
        }),
        met: list.map(|x| x < 1.0 / 3.0),
    });
    t
}

fn now_utc() -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::now_utc()
        .format(fmt)
        .unwrap_or_else(|_| "(unknown date)".into())
}
