//! `bench report`: rewrites BENCHMARKS.md from the files the run wrote (hyperfine and
//! bench JSON, criterion's estimates, the scale test's `BENCH` lines, the machine
//! description). Nothing in the output is typed in: every figure is read from a
//! measurement file, and a missing file shows as "not measured".

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::dns_scale::DnsScale;
use super::real::{Real, p95_ms};
use super::sections;

/// Critical-path one-way delays (in units of the relay delay D) of a STARTTLS + EHLO
/// probe: banner 1, EHLO 2, STARTTLS 2, TLS 1.3 handshake 2, EHLO in TLS 2, QUIT 2.
pub(super) const STARTTLS_DS: u64 = 11;
/// Implicit TLS + EHLO: handshake 2, client Finished → banner 2, EHLO 2, QUIT 2.
pub(super) const IMPLICIT_DS: u64 = 8;
/// Target: the matrix vs its round-trip bound.
const MATRIX_VS_BOUND: f64 = 1.15;
/// Target: `check` vs swaks on the lab server.
const LAB_VS_SWAKS: f64 = 0.3;
/// Target: the idle TUI, % of one core.
const IDLE_PERCENT: f64 = 0.5;
/// Target: the 1 M-line frame vs the 1 k-line frame.
const FRAME_FLAT: f64 = 1.2;

pub(super) fn load(dir: &Path, name: &str) -> Option<Value> {
    let text = std::fs::read_to_string(dir.join(name)).ok()?;
    serde_json::from_str(&text).ok()
}

pub(super) fn f(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "not measured".into(), |x| format!("{x:.digits$}"))
}

/// The hyperfine result named `name` (seconds → ms).
pub(super) fn hf<'a>(v: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    v?.get("results")?
        .as_array()?
        .iter()
        .find(|r| r.get("command").and_then(Value::as_str) == Some(name))
}

pub(super) fn hf_ms(r: Option<&Value>, key: &str) -> Option<f64> {
    r?.get(key)?.as_f64().map(|s| s * 1000.0)
}

pub(super) fn num(v: Option<&Value>, key: &str) -> Option<f64> {
    v?.get(key)?.as_f64()
}

/// Criterion's median estimate in µs for `group/id`.
fn crit_us(dir: &Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    v.get("median")?
        .get("point_estimate")?
        .as_f64()
        .map(|ns| ns / 1000.0)
}

fn verdict(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "not measured",
    }
}

/// Every measurement file of one run, read once.
pub(super) struct Run {
    pub delay_ms: u64,
    /// `machine.txt`: the machine, tool versions, load marks, the script's duration.
    pub machine: String,
    pub matrix: Option<Value>,
    pub relay: Option<Value>,
    pub whole: Option<Value>,
    pub ttff_demo: Option<Value>,
    pub ttff_form: Option<Value>,
    pub idle: Option<Value>,
    pub rss: Option<Value>,
    pub batch: Option<Value>,
    /// `bench frames`: the interleaved frame times.
    pub inter: Option<Value>,
    /// Criterion medians per transcript size: (lines, tail µs, all scrolled µs).
    pub frames: Vec<(usize, Option<f64>, Option<f64>)>,
    /// Criterion: applying one transcript event, µs.
    pub apply_us: Option<f64>,
    pub real: Real,
    pub dns: DnsScale,
    /// `commands.txt`: the commands as run.
    pub commands: String,
}

impl Run {
    fn read(dir: &Path, crit: &Path, delay_ms: u64) -> Self {
        let frames = [1_000usize, 100_000, 1_000_000]
            .iter()
            .map(|n| {
                (
                    *n,
                    crit_us(crit, &format!("frame_120x40/tail/{n}")),
                    crit_us(crit, &format!("frame_120x40/all_scrolled/{n}")),
                )
            })
            .collect();
        Self {
            delay_ms,
            machine: std::fs::read_to_string(dir.join("machine.txt")).unwrap_or_default(),
            matrix: load(dir, "matrix.json"),
            relay: load(dir, "relay.json"),
            whole: load(dir, "whole.json"),
            ttff_demo: load(dir, "ttff_demo.json"),
            ttff_form: load(dir, "ttff_form.json"),
            idle: load(dir, "idle.json"),
            rss: load(dir, "rss.json"),
            batch: load(dir, "batch.json"),
            inter: load(dir, "frames.json"),
            frames,
            apply_us: crit_us(crit, "apply_event/transcript_line"),
            real: Real::read(dir),
            dns: DnsScale::read(dir),
            commands: std::fs::read_to_string(dir.join("commands.txt")).unwrap_or_default(),
        }
    }

    /// The `duration:` line of `machine.txt` (how long the script took).
    fn duration(&self) -> Option<&str> {
        self.machine
            .lines()
            .find_map(|l| l.strip_prefix("duration:"))
            .map(str::trim)
    }
}

/// The figures derived from a [`Run`] (ms unless named otherwise).
pub(super) struct Figures {
    /// The matrix's round-trip bound, and that of four sequential probes.
    pub bound: f64,
    pub seq_bound: f64,
    pub full_ms: Option<f64>,
    pub seq_ms: Option<f64>,
    pub full_ratio: Option<f64>,
    /// The relay's measured overshoot per hold, and the bound with it.
    pub overshoot: Option<f64>,
    pub effective: Option<f64>,
    /// One lab endpoint: `check`, swaks, `openssl s_client`, `check --no-system-roots`.
    pub check: Option<f64>,
    pub swaks: Option<f64>,
    pub openssl: Option<f64>,
    pub no_roots: Option<f64>,
    /// 1 M-line frame vs 1 k-line frame: criterion medians, then `bench frames`.
    pub crit_flat: Option<f64>,
    pub flat: Option<f64>,
    pub idle_pct: Option<f64>,
}

impl Figures {
    fn of(run: &Run) -> Self {
        let d = run.delay_ms as f64;
        let full_ms = hf_ms(hf(run.matrix.as_ref(), "full-matrix"), "median");
        let bound = STARTTLS_DS as f64 * d;
        let overshoot = num(run.relay.as_ref(), "overshoot_per_hold_ms");
        let whole = |name| hf_ms(hf(run.whole.as_ref(), name), "median");
        Self {
            bound,
            seq_bound: (3 * STARTTLS_DS + IMPLICIT_DS) as f64 * d,
            full_ms,
            seq_ms: hf_ms(hf(run.matrix.as_ref(), "sequential"), "median"),
            full_ratio: full_ms.map(|m| m / bound),
            overshoot,
            effective: overshoot.map(|o| STARTTLS_DS as f64 * (d + o)),
            check: whole("smtptui"),
            swaks: whole("swaks"),
            openssl: whole("openssl"),
            no_roots: whole("smtptui-no-system-roots"),
            crit_flat: run.frames[2].1.zip(run.frames[0].1).map(|(a, b)| a / b),
            flat: num(run.inter.as_ref(), "ratio_1m_to_1k"),
            idle_pct: num(run.idle.as_ref(), "percent_of_one_core"),
        }
    }

    fn vs_swaks(&self) -> Option<f64> {
        self.check.zip(self.swaks).map(|(a, b)| a / b)
    }

    fn vs_openssl(&self) -> Option<f64> {
        self.check.zip(self.openssl).map(|(a, b)| a / b)
    }

    /// The targets judged in Findings: (name, measured ratio, target ≤).
    fn targets(&self, real: &Real) -> Vec<(&'static str, Option<f64>, f64)> {
        let mut targets = vec![
            (
                "full matrix vs the round-trip bound",
                self.full_ratio,
                MATRIX_VS_BOUND,
            ),
            ("`check` vs swaks", self.vs_swaks(), LAB_VS_SWAKS),
        ];
        targets.extend(real.targets());
        targets.extend([
            ("idle CPU, % of one core", self.idle_pct, IDLE_PERCENT),
            ("1 M-line frame vs 1 k-line frame", self.flat, FRAME_FLAT),
        ]);
        targets
    }
}

/// Writes the Markdown report.
pub fn write(dir: &Path, crit: &Path, delay_ms: u64, md: &Path) -> anyhow::Result<()> {
    let run = Run::read(dir, crit, delay_ms);
    let fig = Figures::of(&run);
    let mut s = String::new();
    intro(&mut s, &run);
    summary_lab(&mut s, &run, &fig);
    run.real.summary_rows(&mut s, verdict);
    summary_tui(&mut s, &run, &fig);
    run.dns.summary_row(&mut s, verdict);
    s.push('\n');
    sections::matrix(&mut s, &run, &fig);
    sections::whole(&mut s, run.whole.as_ref());
    run.real.section(&mut s);
    sections::frames(&mut s, &run);
    sections::tui(&mut s, &run);
    sections::batch(&mut s, run.batch.as_ref());
    run.dns.section(&mut s);
    findings(&mut s, &fig.targets(&run.real), &run, &fig);
    fixes(&mut s, &run.real);
    let _ = writeln!(
        s,
        "## Commands as run\n\n\
         The measurement commands of this run, in order, as `bench/run.sh` ran them \
         (ports are picked afresh each run; `$OUT` is `target/bench-out`):\n\n```sh\n{}```",
        run.commands
    );
    std::fs::write(md, s)?;
    println!("wrote {}", md.display());
    Ok(())
}

/// The title, how the file is made, the machine, and the summary table's head.
fn intro(s: &mut String, run: &Run) {
    let _ = writeln!(
        s,
        "# Benchmarks\n\n\
         Every figure below is read from the files that one run of `bash bench/run.sh` \
         measured; the file is rewritten by that run (do not edit it by hand). The \
         script installs hyperfine, swaks, openssl, tmux and script with apt-get when missing, \
         sets up the real-server fixture (`tests/real/setup.sh`) when it runs as root and \
         the fixture is absent, builds the release binary and the helpers (`cargo build \
         --release --bin smtptui`, `cargo build --release --example bench`), measures an \
         installed copy of the binary (`target/bench-out/bin/smtptui`, as `cargo install` \
         makes one: the file the linker has just written starts measurably slower), runs \
         every measurement and writes this file with `target/release/examples/bench report` \
         (this run took {}, builds included). Every process a step starts is stopped by \
         its pid when the step ends. The JSON it read stays in `target/bench-out/`; \
         criterion's estimates in `target/criterion/`. The machine's load is recorded \
         before each section (under Machine): on a shared machine, compare the p95 and \
         max columns, not only medians.\n",
        run.duration().unwrap_or("a time it did not record")
    );
    let _ = writeln!(s, "## Machine\n\n```text\n{}```\n", run.machine);
    let _ = writeln!(
        s,
        "## Summary\n\n| figure | measured | target | verdict |\n|---|---|---|---|"
    );
}

/// The summary rows of the lab measurements (matrix, one endpoint).
fn summary_lab(s: &mut String, run: &Run, fig: &Figures) {
    let _ = writeln!(
        s,
        "| full matrix (4 endpoints, D = {} ms) vs round-trip bound | {} ms = {}× the {:.0} ms bound | ≤ {MATRIX_VS_BOUND}× | {} |",
        run.delay_ms,
        f(fig.full_ms, 1),
        f(fig.full_ratio, 3),
        fig.bound,
        verdict(fig.full_ratio.map(|r| r <= MATRIX_VS_BOUND))
    );
    let _ = writeln!(
        s,
        "| full matrix vs the bound with the relay's measured hold ({} ms) | {}× | — | — |",
        f(fig.effective, 1),
        f(fig.full_ms.zip(fig.effective).map(|(a, b)| a / b), 3)
    );
    let _ = writeln!(
        s,
        "| full matrix vs four sequential probes | {} ms vs {} ms ({}×) | — | — |",
        f(fig.full_ms, 1),
        f(fig.seq_ms, 1),
        f(fig.full_ms.zip(fig.seq_ms).map(|(a, b)| a / b), 3)
    );
    let _ = writeln!(
        s,
        "| `check` STARTTLS + AUTH vs swaks | {} ms vs {} ms = {}× | ≤ {LAB_VS_SWAKS}× | {} |",
        f(fig.check, 1),
        f(fig.swaks, 1),
        f(fig.vs_swaks(), 3),
        verdict(fig.vs_swaks().map(|r| r <= LAB_VS_SWAKS))
    );
    let _ = writeln!(
        s,
        "| `check` vs `openssl s_client -starttls smtp` | {} ms vs {} ms = {}× | — | — |",
        f(fig.check, 1),
        f(fig.openssl, 1),
        f(fig.vs_openssl(), 3)
    );
}

/// The summary rows of the TUI and batch measurements.
fn summary_tui(s: &mut String, run: &Run, fig: &Figures) {
    let (idle, rss, batch) = (run.idle.as_ref(), run.rss.as_ref(), run.batch.as_ref());
    let inter_us = |i: usize| {
        run.inter
            .as_ref()
            .and_then(|v| v.get("median_us"))
            .and_then(|v| v.get(i))
            .and_then(Value::as_f64)
    };
    let _ = writeln!(
        s,
        "| TUI time to first frame (`--demo` / target form) | {} ms / {} ms | — | — |",
        f(num(run.ttff_demo.as_ref(), "median_ms"), 1),
        f(num(run.ttff_form.as_ref(), "median_ms"), 1)
    );
    let _ = writeln!(
        s,
        "| TUI CPU while idle {} s after a run | {} % of one core | < {IDLE_PERCENT} % | {} |",
        f(num(idle, "window_s"), 1),
        f(fig.idle_pct, 3),
        verdict(fig.idle_pct.map(|p| p < IDLE_PERCENT))
    );
    let _ = writeln!(
        s,
        "| frame 120×40, 1 M lines vs 1 k lines (interleaved) | {} µs vs {} µs = {}× | ≤ {FRAME_FLAT}× | {} |",
        f(inter_us(2), 1),
        f(inter_us(0), 1),
        f(fig.flat, 3),
        verdict(fig.flat.map(|r| r <= FRAME_FLAT))
    );
    let _ = writeln!(
        s,
        "| the same, criterion medians (separate runs) | {} µs vs {} µs = {}× | — | — |",
        f(run.frames[2].1, 1),
        f(run.frames[0].1, 1),
        f(fig.crit_flat, 3),
    );
    let _ = writeln!(
        s,
        "| TUI model peak RSS, {} lines | {} MiB | — | — |",
        f(num(rss, "lines"), 0),
        f(num(rss, "peak_rss_kib").map(|k| k / 1024.0), 1)
    );
    let _ = writeln!(
        s,
        "| batch, {} endpoints, concurrency {} | {} endpoints/s, peak RSS {} MiB, peak {} fds | — | — |",
        f(num(batch, "endpoints"), 0),
        f(num(batch, "concurrency"), 0),
        f(num(batch, "endpoints_per_s_median"), 0),
        f(num(batch, "peak_rss_kib").map(|k| k / 1024.0), 1),
        f(num(batch, "peak_fds"), 0)
    );
}

/// The targets judged (name, measured ratio, target ≤), then what the gaps are made of.
fn findings(s: &mut String, targets: &[(&str, Option<f64>, f64)], run: &Run, c: &Figures) {
    let _ = writeln!(s, "## Findings\n");
    let missed: Vec<String> = targets
        .iter()
        .filter_map(|(name, v, target)| {
            let v = (*v)?;
            (v > *target).then(|| {
                format!(
                    "- **{name}**: {v:.3} against ≤ {target}, missed by {:.1} %.",
                    (v / target - 1.0) * 100.0
                )
            })
        })
        .collect();
    let unmeasured = targets.iter().filter(|(_, v, _)| v.is_none()).count();
    if missed.is_empty() && unmeasured == 0 {
        let _ = writeln!(s, "Every target is met in this run.");
    } else {
        for m in &missed {
            let _ = writeln!(s, "{m}");
        }
        if unmeasured > 0 {
            let _ = writeln!(s, "- {unmeasured} target(s) were not measured in this run.");
        }
        let _ = writeln!(
            s,
            "\nThe machine is shared (see its load above): criterion medians and \
             whole-process times move with the other work on its two cores."
        );
    }
    let _ = writeln!(
        s,
        "\nWhere the time above the bound goes: the full matrix took {} ms against the \
         {:.0} ms bound; the relay's measured overshoot accounts for {} ms of that along the \
         critical path. The rest is process start-up and TLS computation: reading the \
         system trust store would cost {} ms (`bench roots`), but `check` reads it only \
         when a chain needs it (the lab `check` takes {} ms, {} ms with \
         `--no-system-roots`).\n",
        f(c.full_ms, 1),
        c.bound,
        f(c.overshoot.map(|o| o * STARTTLS_DS as f64), 1),
        f(run.real.roots_ms, 1),
        f(c.check, 1),
        f(c.no_roots, 1),
    );
}

/// The fixes this run can show before/after for, measured in the same run.
fn fixes(s: &mut String, real: &Real) {
    let (p, q) = (&real.sub, &real.smtps);
    let _ = writeln!(
        s,
        "Fixes measured before/after in this run (issue 14):\n\n\
         - **Delayed-ACK stall** (`TCP_QUICKACK` on probe sockets): real Postfix, `check` \
         with the fix / without it (`SMTPTUI_QUICKACK=0`), median, p95 and max: 587 {} / {} \
         ms, {} / {} ms, {} / {} ms; 465 {} / {} ms, {} / {} ms, {} / {} ms.\n\
         - **System trust store read only when needed**: reading it costs {} ms \
         (`bench roots`); before, `check` read it twice (argument check, then the run).\n",
        f(p.median, 1),
        f(p.no_quickack.0, 1),
        f(p.p95, 1),
        f(p.no_quickack.1, 1),
        f(p.max, 1),
        f(p.no_quickack.2, 1),
        f(q.median, 1),
        f(q.no_quickack.0, 1),
        f(q.p95, 1),
        f(q.no_quickack.1, 1),
        f(q.max, 1),
        f(q.no_quickack.2, 1),
        f(real.roots_ms, 1),
    );
}

pub(super) fn commands(s: &mut String, v: Option<&Value>) {
    let Some(results) = v.and_then(|v| v.get("results")).and_then(Value::as_array) else {
        return;
    };
    let _ = writeln!(
        s,
        "| name | median ms | p95 ms | max ms | mean ± σ ms | min ms | runs |\n|---|---|---|---|---|---|---|"
    );
    for r in results {
        let name = r.get("command").and_then(Value::as_str).unwrap_or("?");
        let runs = r.get("times").and_then(Value::as_array).map_or(0, Vec::len);
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} | {} ± {} | {} | {runs} |",
            f(hf_ms(Some(r), "median"), 1),
            f(p95_ms(Some(r)), 1),
            f(hf_ms(Some(r), "max"), 1),
            f(hf_ms(Some(r), "mean"), 1),
            f(hf_ms(Some(r), "stddev"), 1),
            f(hf_ms(Some(r), "min"), 1),
        );
    }
    s.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hyperfine(names: &[(&str, f64)]) -> String {
        let results: Vec<Value> = names
            .iter()
            .map(|(n, s)| {
                serde_json::json!({"command": n, "median": s, "mean": s, "stddev": 0.001,
                    "min": s, "max": s, "times": [s, s]})
            })
            .collect();
        serde_json::json!({ "results": results }).to_string()
    }

    #[test]
    fn report_reads_figures_and_judges_targets() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(
            p.join("machine.txt"),
            "cpu: test\nduration:  7 min 3 s (the whole script, builds included)\n",
        )
        .unwrap();
        std::fs::write(
            p.join(super::super::dns_scale::FILE),
            "BENCH 500-MX domain: 6064 DNS queries, 2.93 s for the whole run (500 endpoints, 2506 findings)\n",
        )
        .unwrap();
        // 0.6 s against an 11 × 50 ms bound: 1.091×, met.
        std::fs::write(
            p.join("matrix.json"),
            hyperfine(&[("full-matrix", 0.6), ("sequential", 2.2)]),
        )
        .unwrap();
        // 40 ms against 100 ms: 0.4×, missed.
        std::fs::write(
            p.join("whole.json"),
            hyperfine(&[("smtptui", 0.04), ("swaks", 0.1), ("openssl", 0.02)]),
        )
        .unwrap();
        // Real Postfix: a stall in 4 of 20 runs hides in the median, not in the p95.
        let mut times = vec![0.008; 16];
        times.extend([0.05; 4]);
        let real = serde_json::json!({"results": [
            {"command": "smtptui", "median": 0.008, "mean": 0.0164, "stddev": 0.017,
             "min": 0.008, "max": 0.05, "times": times},
            {"command": "swaks", "median": 0.08, "mean": 0.08, "stddev": 0.0, "min": 0.08,
             "max": 0.08, "times": [0.08]},
            {"command": "openssl", "median": 0.012, "mean": 0.012, "stddev": 0.0,
             "min": 0.012, "max": 0.012, "times": [0.012]},
        ]});
        std::fs::write(p.join("real_587.json"), real.to_string()).unwrap();
        std::fs::write(
            p.join("idle.json"),
            r#"{"window_s": 30.0, "percent_of_one_core": 0.01}"#,
        )
        .unwrap();
        let md = p.join("B.md");
        write(p, &p.join("no-criterion"), 50, &md).unwrap();
        let text = std::fs::read_to_string(md).unwrap();
        assert!(
            text.contains("600.0 ms = 1.091× the 550 ms bound | ≤ 1.15× | met |"),
            "{text}"
        );
        assert!(
            text.contains("40.0 ms vs 100.0 ms = 0.400× | ≤ 0.3× | **missed** |"),
            "{text}"
        );
        assert!(
            text.contains("0.010 % of one core | < 0.5 % | met |"),
            "{text}"
        );
        // No criterion output and no batch file: said so, never invented.
        assert!(
            text.contains("not measured µs vs not measured µs"),
            "{text}"
        );
        assert!(
            text.contains("| TUI model peak RSS, not measured lines | not measured MiB"),
            "{text}"
        );
        assert!(text.contains("cpu: test"), "{text}");
        assert!(
            text.contains("(this run took 7 min 3 s (the whole script, builds included)"),
            "{text}"
        );
        // The scale test's line becomes its section; its bounds line is absent here.
        assert!(text.contains("## DNS report: a 500-MX domain"), "{text}");
        assert!(
            text.contains("| DNS queries | 6064 | not measured |"),
            "{text}"
        );
        for row in [
            "| real Postfix 587, STARTTLS + AUTH: `check` vs swaks (medians) | 8.0 ms vs 80.0 ms = 0.100× | ≤ 0.2× | met |",
            "| real Postfix 587: `check` p95 (max) vs its median | 50.0 ms (50.0 ms) vs 8.0 ms = 6.250× | ≤ 1.5× | **missed** |",
            "(handshake only) | 8.0 ms vs 12.0 ms = 0.667× | ≤ 1.0× | met |",
            "| smtptui | 8.0 | 50.0 | 50.0 | 16.4 ± 17.0 | 8.0 | 20 |",
            "**real Postfix 587: `check` p95 vs median**: 6.250 against ≤ 1.5, missed by 316.7 %.",
            "implicit TLS + AUTH: `check` vs swaks / p95 vs median / vs s_client | not measured× / not measured× / not measured× | — | — |",
        ] {
            assert!(text.contains(row), "{row}\n{text}");
        }
        assert!(
            text.contains("**`check` vs swaks**: 0.400 against ≤ 0.3, missed by 33.3 %."),
            "{text}"
        );
        assert!(text.contains("1 target(s) were not measured"), "{text}");
        assert!(!text.contains("Every target is met"), "{text}");
    }
}
