//! `bench report`: rewrites BENCHMARKS.md from the files the run wrote (hyperfine and
//! bench JSON, criterion's estimates, the machine description). Nothing in the output
//! is typed in: every figure is read from a measurement file, and a missing file shows
//! as "not measured".

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::real::{Real, p95_ms};

/// Critical-path one-way delays (in units of the relay delay D) of a STARTTLS + EHLO
/// probe: banner 1, EHLO 2, STARTTLS 2, TLS 1.3 handshake 2, EHLO in TLS 2, QUIT 2.
const STARTTLS_DS: u64 = 11;
/// Implicit TLS + EHLO: handshake 2, client Finished → banner 2, EHLO 2, QUIT 2.
const IMPLICIT_DS: u64 = 8;

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

/// Writes the Markdown report.
pub fn write(dir: &Path, crit: &Path, delay_ms: u64, md: &Path) -> anyhow::Result<()> {
    let d = delay_ms as f64;
    let machine = std::fs::read_to_string(dir.join("machine.txt")).unwrap_or_default();
    let matrix = load(dir, "matrix.json");
    let whole = load(dir, "whole.json");
    let (ttff_demo, ttff_form) = (load(dir, "ttff_demo.json"), load(dir, "ttff_form.json"));
    let (idle, rss, batch) = (
        load(dir, "idle.json"),
        load(dir, "rss.json"),
        load(dir, "batch.json"),
    );

    let full = hf(matrix.as_ref(), "full-matrix");
    let seq = hf(matrix.as_ref(), "sequential");
    let full_ms = hf_ms(full, "median");
    let seq_ms = hf_ms(seq, "median");
    let bound = STARTTLS_DS as f64 * d;
    let seq_bound = (3 * STARTTLS_DS + IMPLICIT_DS) as f64 * d;
    let full_ratio = full_ms.map(|m| m / bound);
    let relay = load(dir, "relay.json");
    let overshoot = num(relay.as_ref(), "overshoot_per_hold_ms");
    let effective = overshoot.map(|o| STARTTLS_DS as f64 * (d + o));

    let smtptui = hf_ms(hf(whole.as_ref(), "smtptui"), "median");
    let swaks = hf_ms(hf(whole.as_ref(), "swaks"), "median");
    let openssl = hf_ms(hf(whole.as_ref(), "openssl"), "median");
    let vs_swaks = smtptui.zip(swaks).map(|(a, b)| a / b);
    let vs_openssl = smtptui.zip(openssl).map(|(a, b)| a / b);

    let frames: Vec<(usize, Option<f64>, Option<f64>)> = [1_000usize, 100_000, 1_000_000]
        .iter()
        .map(|n| {
            (
                *n,
                crit_us(crit, &format!("frame_120x40/tail/{n}")),
                crit_us(crit, &format!("frame_120x40/all_scrolled/{n}")),
            )
        })
        .collect();
    let crit_flat = frames[2].1.zip(frames[0].1).map(|(a, b)| a / b);
    let inter = load(dir, "frames.json");
    let inter_us = |i: usize| {
        inter
            .as_ref()
            .and_then(|v| v.get("median_us"))
            .and_then(|v| v.get(i))
            .and_then(Value::as_f64)
    };
    let flat = num(inter.as_ref(), "ratio_1m_to_1k");
    let idle_pct = num(idle.as_ref(), "percent_of_one_core");
    let real = Real::read(dir);

    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Benchmarks\n\n\
         Every figure below is read from the files that one run of `bash bench/run.sh` \
         measured; the file is rewritten by that run (do not edit it by hand). The \
         script installs hyperfine, swaks, openssl, tmux and script with apt-get when missing, \
         sets up the real-server fixture (`tests/real/setup.sh`) when it runs as root and \
         the fixture is absent, builds the release binary and the helpers (`cargo build \
         --release --bin smtptui`, `cargo build --release --example bench`), runs every \
         measurement (about 3 minutes once the builds are warm) and writes this file with \
         `target/release/examples/bench report`. Every process a step starts is stopped by \
         its pid when the step ends. The JSON it read stays in `target/bench-out/`; \
         criterion's estimates in `target/criterion/`. The machine's load is recorded \
         before each section (under Machine): on a shared machine, compare the p95 and \
         max columns, not only medians.\n"
    );
    let _ = writeln!(s, "## Machine\n\n```text\n{machine}```\n");
    let _ = writeln!(
        s,
        "## Summary\n\n| figure | measured | target | verdict |\n|---|---|---|---|"
    );
    let _ = writeln!(
        s,
        "| full matrix (4 endpoints, D = {delay_ms} ms) vs round-trip bound | {} ms = {}× the {bound:.0} ms bound | ≤ 1.15× | {} |",
        f(full_ms, 1),
        f(full_ratio, 3),
        verdict(full_ratio.map(|r| r <= 1.15))
    );
    let _ = writeln!(
        s,
        "| full matrix vs the bound with the relay's measured hold ({} ms) | {}× | — | — |",
        f(effective, 1),
        f(full_ms.zip(effective).map(|(a, b)| a / b), 3)
    );
    let _ = writeln!(
        s,
        "| full matrix vs four sequential probes | {} ms vs {} ms ({}×) | — | — |",
        f(full_ms, 1),
        f(seq_ms, 1),
        f(full_ms.zip(seq_ms).map(|(a, b)| a / b), 3)
    );
    let _ = writeln!(
        s,
        "| `check` STARTTLS + AUTH vs swaks | {} ms vs {} ms = {}× | ≤ 0.3× | {} |",
        f(smtptui, 1),
        f(swaks, 1),
        f(vs_swaks, 3),
        verdict(vs_swaks.map(|r| r <= 0.3))
    );
    let _ = writeln!(
        s,
        "| `check` vs `openssl s_client -starttls smtp` | {} ms vs {} ms = {}× | — | — |",
        f(smtptui, 1),
        f(openssl, 1),
        f(vs_openssl, 3)
    );
    real.summary_rows(&mut s, verdict);
    let _ = writeln!(
        s,
        "| TUI time to first frame (`--demo` / target form) | {} ms / {} ms | — | — |",
        f(num(ttff_demo.as_ref(), "median_ms"), 1),
        f(num(ttff_form.as_ref(), "median_ms"), 1)
    );
    let _ = writeln!(
        s,
        "| TUI CPU while idle {} s after a run | {} % of one core | < 0.5 % | {} |",
        f(num(idle.as_ref(), "window_s"), 1),
        f(idle_pct, 3),
        verdict(idle_pct.map(|p| p < 0.5))
    );
    let _ = writeln!(
        s,
        "| frame 120×40, 1 M lines vs 1 k lines (interleaved) | {} µs vs {} µs = {}× | ≤ 1.2× | {} |",
        f(inter_us(2), 1),
        f(inter_us(0), 1),
        f(flat, 3),
        verdict(flat.map(|r| r <= 1.2))
    );
    let _ = writeln!(
        s,
        "| the same, criterion medians (separate runs) | {} µs vs {} µs = {}× | — | — |",
        f(frames[2].1, 1),
        f(frames[0].1, 1),
        f(crit_flat, 3),
    );
    let _ = writeln!(
        s,
        "| TUI model peak RSS, 100 k lines | {} MiB | — | — |",
        f(num(rss.as_ref(), "peak_rss_kib").map(|k| k / 1024.0), 1)
    );
    let _ = writeln!(
        s,
        "| batch, 1,000 endpoints, concurrency {} | {} endpoints/s, peak RSS {} MiB, peak {} fds | — | — |\n",
        f(num(batch.as_ref(), "concurrency"), 0),
        f(num(batch.as_ref(), "endpoints_per_s_median"), 0),
        f(num(batch.as_ref(), "peak_rss_kib").map(|k| k / 1024.0), 1),
        f(num(batch.as_ref(), "peak_fds"), 0)
    );

    matrix_section(&mut s, matrix.as_ref(), delay_ms, bound, seq_bound);
    let _ = writeln!(
        s,
        "Relay calibration (`bench relay-rtt`): {} sequential one-byte round trips \
         through a relay with the same D in front of an echo server took {} ms on average \
         (nominal {} ms), so each hold overshoots D by {} ms; with that, the bound \
         becomes {} ms.\n",
        f(num(relay.as_ref(), "trips"), 0),
        f(num(relay.as_ref(), "mean_rtt_ms"), 2),
        2 * delay_ms,
        f(overshoot, 3),
        f(effective, 1)
    );
    whole_section(&mut s, whole.as_ref());
    real.section(&mut s);
    tui_section(
        &mut s,
        &frames,
        inter.as_ref(),
        ttff_demo.as_ref(),
        ttff_form.as_ref(),
        idle.as_ref(),
        rss.as_ref(),
        crit,
    );
    batch_section(&mut s, batch.as_ref());
    let no_roots = hf_ms(hf(whole.as_ref(), "smtptui-no-system-roots"), "median");
    let mut targets = vec![
        ("full matrix vs the round-trip bound", full_ratio, 1.15),
        ("`check` vs swaks", vs_swaks, 0.3),
    ];
    targets.extend(real.targets());
    targets.extend([
        ("idle CPU, % of one core", idle_pct, 0.5),
        ("1 M-line frame vs 1 k-line frame", flat, 1.2),
    ]);
    findings(
        &mut s,
        &targets,
        &Costs {
            full_ms,
            bound,
            holds: overshoot.map(|o| o * STARTTLS_DS as f64),
            check_ms: smtptui,
            no_roots_ms: no_roots,
            roots_ms: real.roots_ms,
        },
    );
    fixes(&mut s, &real);
    let ran = std::fs::read_to_string(dir.join("commands.txt")).unwrap_or_default();
    let _ = writeln!(
        s,
        "## Commands as run\n\n\
         The measurement commands of this run, in order, as `bench/run.sh` ran them \
         (ports are picked afresh each run; `$OUT` is `target/bench-out`):\n\n```sh\n{ran}```"
    );
    std::fs::write(md, s)?;
    println!("wrote {}", md.display());
    Ok(())
}

/// Measured costs the findings explain the gaps with.
struct Costs {
    full_ms: Option<f64>,
    bound: f64,
    /// What the relay's overshoot adds along the critical path.
    holds: Option<f64>,
    check_ms: Option<f64>,
    /// `check --no-system-roots`.
    no_roots_ms: Option<f64>,
    /// Reading the system trust store (`bench roots`).
    roots_ms: Option<f64>,
}

/// The targets judged (name, measured ratio, target ≤), then what the gaps are made of.
fn findings(s: &mut String, targets: &[(&str, Option<f64>, f64)], c: &Costs) {
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
        f(c.holds, 1),
        f(c.roots_ms, 1),
        f(c.check_ms, 1),
        f(c.no_roots_ms, 1),
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

fn matrix_section(s: &mut String, v: Option<&Value>, delay_ms: u64, bound: f64, seq_bound: f64) {
    let _ = writeln!(
        s,
        "## Matrix latency\n\n\
         Four lab servers in the 25/465/587/2525 styles (STARTTLS + EHLO, implicit TLS + \
         EHLO, STARTTLS + EHLO, STARTTLS + EHLO) sit behind latency relays \
         (`examples/bench/relay.rs`: a loopback TCP proxy that holds every chunk \
         D = {delay_ms} ms in each direction, so one data round trip costs {rtt} ms). The \
         TCP handshake to the relay is not delayed, so it is left out of the bound too.\n\n\
         Lower bound: the one-way trips on the critical path × D. STARTTLS + EHLO: banner \
         (1) + EHLO (2) + STARTTLS (2) + TLS 1.3 handshake (2; the client's Finished and \
         the next EHLO leave together) + EHLO (2) + QUIT (2) = {STARTTLS_DS} D = {bound:.0} ms. \
         Implicit TLS: handshake (2) + the server sends its banner after the client's \
         Finished (2) + EHLO (2) + QUIT (2) = {IMPLICIT_DS} D. The full matrix runs all four \
         at once, so its bound is the slowest endpoint: {bound:.0} ms. Four sequential probes \
         (the same command with `--concurrency 1`) are bound by {seq_bound:.0} ms. The \
         measured figures are whole processes (`smtptui check`, release build), start-up \
         and the trust-store load included; tokio timers in the relay round each hold up \
         to the next millisecond, so each of the 11 holds may add up to 1 ms that the \
         bound does not count.\n",
        rtt = 2 * delay_ms
    );
    commands(s, v);
}

fn whole_section(s: &mut String, v: Option<&Value>) {
    let _ = writeln!(
        s,
        "## One endpoint, whole process\n\n\
         One lab server on loopback (STARTTLS, AUTH PLAIN/LOGIN/CRAM-MD5, no added \
         latency). `smtptui check … -p PORT/starttls -u bench -q` (password from \
         `SMTPTUI_PASSWORD`, lab CA via `--ca-file`, system roots as by default: read \
         only when a chain needs them), `swaks --tls --tls-verify --tls-ca-path ca.pem \
         --auth PLAIN … --quit-after AUTH`, and `openssl s_client -starttls smtp -CAfile \
         ca.pem` (handshake only, no AUTH; stdin at end of file). `smtptui-no-system-roots` \
         is the same `check` with `--no-system-roots`: as the lab chain verifies against \
         `--ca-file`, the two should now be alike. hyperfine, `-N` (no shell), warm-up 3, \
         side by side in one invocation.\n"
    );
    commands(s, v);
}

fn inter_med(v: Option<&Value>, i: usize) -> Option<f64> {
    v?.get("median_us")?.get(i)?.as_f64()
}

#[allow(clippy::too_many_arguments)] // one value per measurement file
fn tui_section(
    s: &mut String,
    frames: &[(usize, Option<f64>, Option<f64>)],
    inter: Option<&Value>,
    demo: Option<&Value>,
    form: Option<&Value>,
    idle: Option<&Value>,
    rss: Option<&Value>,
    crit: &Path,
) {
    let _ = writeln!(
        s,
        "## TUI\n\n\
         **Frame render** (criterion, `cargo bench --bench render`): an `App` filled \
         through its public event API with N lines for one endpoint, drawn with \
         `terminal.draw(|f| view(&app, f))` on a 120×40 `TestBackend`. `tail` follows the \
         end of the transcript; `all scrolled` shows every endpoint's lines, scrolled to \
         the middle. Median per frame:\n\n\
         | lines | tail µs | all scrolled µs |\n|---|---|---|"
    );
    for (n, tail, all) in frames {
        let _ = writeln!(s, "| {n} | {} | {} |", f(*tail, 1), f(*all, 1));
    }
    let _ = writeln!(
        s,
        "\nApplying one transcript event to the model: {} µs (median).\n",
        f(crit_us(crit, "apply_event/transcript_line"), 3)
    );
    let _ = writeln!(
        s,
        "Criterion measures each size in its own time slot, so a change in the shared \
         machine's load between slots shows up as a difference between sizes. The \
         target is therefore judged with `bench frames`: the three models are drawn in \
         turn ({} rounds after 10 warm-up rounds, `Instant` around each \
         `terminal.draw`), medians {} / {} / {} µs for 1 k / 100 k / 1 M lines.\n",
        f(num(inter, "rounds"), 0),
        f(inter_med(inter, 0), 1),
        f(inter_med(inter, 1), 1),
        f(inter_med(inter, 2), 1),
    );
    for (what, v) in [
        ("`smtptui --demo`", demo),
        ("`smtptui` (target form)", form),
    ] {
        let _ = writeln!(
            s,
            "**Time to first frame**, {what}: median {} ms (min {}, max {}, {} runs). \
             Measured from outside (`bench ttff`): the binary runs under `script` in a \
             120×40 pseudo-terminal; the clock starts when `script` is spawned and stops \
             when the output holds the alternate-screen switch and then the first frame's \
             title bar (the rest of the frame follows in the same write loop), so the \
             figure includes the start-up of `script`, `sh` and `stty`.\n",
            f(num(v, "median_ms"), 1),
            f(num(v, "min_ms"), 1),
            f(num(v, "max_ms"), 1),
            f(num(v, "runs"), 0),
        );
    }
    let _ = writeln!(
        s,
        "**Idle CPU** (`bench idle`): `smtptui --demo` in a detached 120×40 tmux session; \
         once the title bar says `done in`, one second to settle, then the CPU time of every \
         thread (`/proc/PID/task/*/schedstat`; the whole process's utime + stime when \
         that says more, as when a thread exits in the window) over {} s: {} ms = {} % of one core ({} clock ticks \
         of utime + stime; {} threads; method {}; the process had used {} ms of CPU \
         before the window, so the counters are live){}. The TUI ran in a tmux server of \
         its own; its processes were stopped by pid afterwards ({} left behind; {} \
         processes left behind by the time-to-first-frame runs).\n",
        f(num(idle, "window_s"), 1),
        f(num(idle, "cpu_ms"), 2),
        f(num(idle, "percent_of_one_core"), 3),
        f(num(idle, "utime_stime_ticks"), 0),
        f(num(idle, "threads"), 0),
        idle.and_then(|v| v.get("method"))
            .and_then(Value::as_str)
            .unwrap_or("-"),
        f(num(idle, "cpu_before_window_ms"), 1),
        idle.and_then(|v| v.get("error"))
            .and_then(Value::as_str)
            .map_or_else(String::new, |e| format!("; no figure: {e}")),
        f(num(idle, "left_behind"), 0),
        f(
            num(demo, "left_behind")
                .zip(num(form, "left_behind"))
                .map(|(a, b)| a + b),
            0
        ),
    );
    let _ = writeln!(
        s,
        "**Peak RSS with 100 k lines** (`bench rss`): {} MiB (`VmHWM` after one frame; \
         {} MiB before the model was built; building it took {} ms).\n",
        f(num(rss, "peak_rss_kib").map(|k| k / 1024.0), 1),
        f(num(rss, "rss_before_kib").map(|k| k / 1024.0), 1),
        f(num(rss, "build_ms"), 0),
    );
}

fn batch_section(s: &mut String, v: Option<&Value>) {
    let _ = writeln!(
        s,
        "## Batch\n\n\
         `bench batch`: {} endpoints (STARTTLS + EHLO and implicit TLS + EHLO, alternating) \
         on {} loopback addresses (high in 127/8, each checked before use), through \
         `probe::run_with` with concurrency \
         {}. The lab servers run in a child process, so the figures are the prober's own. \
         Median of {} runs: **{} endpoints/s** (all runs: {}); ok endpoints per run: {}. \
         Peak RSS (`VmHWM`) {} MiB ({} MiB before the first run); peak open descriptors \
         {} ({} before; sampled every 2 ms from `/proc/self/fd`).\n",
        f(num(v, "endpoints"), 0),
        f(num(v, "addresses"), 0),
        f(num(v, "concurrency"), 0),
        f(num(v, "runs"), 0),
        f(num(v, "endpoints_per_s_median"), 0),
        v.and_then(|v| v.get("endpoints_per_s_all"))
            .map_or("-".into(), |a| {
                a.as_array().map_or(String::new(), |a| {
                    a.iter()
                        .filter_map(Value::as_f64)
                        .map(|x| format!("{x:.0}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
            }),
        v.and_then(|v| v.get("ok_per_run"))
            .map_or("-".into(), ToString::to_string),
        f(num(v, "peak_rss_kib").map(|k| k / 1024.0), 1),
        f(num(v, "rss_before_kib").map(|k| k / 1024.0), 1),
        f(num(v, "peak_fds"), 0),
        f(num(v, "fds_before"), 0),
    );
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
        std::fs::write(p.join("machine.txt"), "cpu: test\n").unwrap();
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
            text.contains("| TUI model peak RSS, 100 k lines | not measured MiB"),
            "{text}"
        );
        assert!(text.contains("cpu: test"), "{text}");
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
