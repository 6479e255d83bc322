//! The measurement helpers behind `bench/run.sh` (see BENCHMARKS.md). Subcommands:
//!
//! - `labserver`: loopback lab servers (and latency relays) for whole-process runs;
//! - `batch`: 1,000 endpoints through `probe::run_with` with bounded concurrency;
//! - `ttff`, `idle`, `rss`, `frames`: TUI time to first frame, idle CPU, peak RSS with
//!   N lines, interleaved frame times;
//! - `relay-rtt`: the latency relay's own round trip;
//! - `roots`: the cost of reading the system trust store;
//! - `merge`: joins hyperfine rounds (commands in rotated order) into one result;
//! - `report`: rewrites BENCHMARKS.md from the measured files (JSON, and the `BENCH`
//!   lines of the DNS scale test).
//!
//! Every subcommand that measures writes its figures as JSON to `--out`.

mod batch;
mod dns_scale;
mod fixture;
mod labserver;
mod merge;
mod procs;
mod real;
mod report;
mod sections;
mod tui;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "smtptui benchmark helpers (run bench/run.sh)")]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start lab servers, write the CA PEM, print the ports, serve.
    Labserver {
        /// Where the CA PEM goes.
        #[arg(long)]
        ca: PathBuf,
        /// One-way delay of the matrix relays, in ms.
        #[arg(long, default_value_t = 50)]
        delay_ms: u64,
        /// Batch servers on N checked loopback addresses (0: none).
        #[arg(long, default_value_t = 0)]
        addrs: u8,
        /// Serve at most this many seconds.
        #[arg(long, default_value_t = 900)]
        lifetime: u64,
        /// Stop when standard input closes.
        #[arg(long)]
        stdin_eof: bool,
    },
    /// Probe many endpoints on loopback; peak RSS and descriptors.
    Batch {
        #[arg(long, default_value_t = 1000)]
        endpoints: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        addrs: u8,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long)]
        ca: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Time to first frame of `BIN ARGS…` under a pseudo-terminal.
    Ttff {
        #[arg(long)]
        bin: PathBuf,
        #[arg(long, default_value_t = 10)]
        runs: usize,
        #[arg(long)]
        out: PathBuf,
        /// Arguments for the binary.
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// CPU used by `BIN --demo` while idle after its run.
    Idle {
        #[arg(long)]
        bin: PathBuf,
        #[arg(long, default_value_t = 30)]
        secs: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Round trips through a latency relay in front of an echo server.
    RelayRtt {
        #[arg(long, default_value_t = 50)]
        delay_ms: u64,
        #[arg(long, default_value_t = 22)]
        trips: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Frame time with 1 k, 100 k and 1 M lines, interleaved.
    Frames {
        #[arg(long, default_value_t = 2000)]
        rounds: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Peak RSS with N transcript lines.
    Rss {
        #[arg(long, default_value_t = 100_000)]
        lines: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Time reading the system trust store.
    Roots {
        #[arg(long, default_value_t = 10)]
        runs: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Join hyperfine JSON files of several rounds into one (per command: all runs).
    Merge {
        /// Where the merged JSON goes.
        #[arg(long)]
        out: PathBuf,
        /// The rounds' JSON files.
        #[arg(required = true)]
        rounds: Vec<PathBuf>,
    },
    /// Rewrite BENCHMARKS.md from the measured files.
    Report {
        /// Where the JSON files are.
        #[arg(long)]
        dir: PathBuf,
        /// Criterion's output directory.
        #[arg(long, default_value = "target/criterion")]
        criterion: PathBuf,
        /// The one-way relay delay used, in ms.
        #[arg(long, default_value_t = 50)]
        delay_ms: u64,
        /// The Markdown file to write.
        #[arg(long)]
        md: PathBuf,
    },
}

/// A `/proc/self/status` field in KiB (0 when missing).
pub fn proc_status(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn write_json(path: &std::path::Path, v: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(v)?;
    std::fs::write(path, &text)?;
    println!("{text}");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let state = std::env::temp_dir().join(format!("smtptui-bench-state-{}", std::process::id()));
    match args.cmd {
        Cmd::Labserver {
            ca,
            delay_ms,
            addrs,
            lifetime,
            stdin_eof,
        } => rt.block_on(labserver::serve(labserver::Plan {
            ca: &ca,
            delay: Duration::from_millis(delay_ms),
            addrs,
            lifetime: Duration::from_secs(lifetime),
            stdin_eof,
        })),
        Cmd::Batch {
            endpoints,
            concurrency,
            addrs,
            runs,
            ca,
            out,
        } => {
            let v = rt.block_on(batch::run(batch::Plan {
                endpoints,
                concurrency,
                addrs: addrs.max(1),
                runs: runs.max(1),
                ca: &ca,
            }))?;
            write_json(&out, &v)
        }
        Cmd::Ttff {
            bin,
            runs,
            out,
            args,
        } => write_json(&out, &tui::ttff(&bin, &args, runs.max(1), &state)?),
        Cmd::Idle { bin, secs, out } => write_json(&out, &tui::idle(&bin, secs, &state)?),
        Cmd::RelayRtt {
            delay_ms,
            trips,
            out,
        } => {
            let times = rt.block_on(smtptui_lab::relay::calibrate(
                Duration::from_millis(delay_ms),
                trips,
            ))?;
            let ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
            let mean = ms.iter().sum::<f64>() / ms.len().max(1) as f64;
            write_json(
                &out,
                &serde_json::json!({
                    "delay_ms": delay_ms,
                    "trips": ms.len(),
                    "mean_rtt_ms": mean,
                    "overshoot_per_hold_ms": (mean - 2.0 * delay_ms as f64) / 2.0,
                    "all_ms": ms,
                }),
            )
        }
        Cmd::Frames { rounds, out } => write_json(&out, &tui::frames(rounds.max(1))?),
        Cmd::Rss { lines, out } => write_json(&out, &tui::rss(lines)?),
        Cmd::Roots { runs, out } => write_json(&out, &real::roots(runs.max(1))),
        Cmd::Merge { out, rounds } => {
            let docs = rounds
                .iter()
                .map(|p| Ok(serde_json::from_str(&std::fs::read_to_string(p)?)?))
                .collect::<anyhow::Result<Vec<serde_json::Value>>>()?;
            let text = serde_json::to_string_pretty(&merge::merge(&docs))?;
            std::fs::write(&out, text)?;
            println!("merged {} round(s) into {}", docs.len(), out.display());
            Ok(())
        }
        Cmd::Report {
            dir,
            criterion,
            delay_ms,
            md,
        } => report::write(&dir, &criterion, delay_ms, &md),
    }
}
