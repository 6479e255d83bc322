//! The measurement sections of BENCHMARKS.md that explain one file each: the matrix
//! (with the relay's calibration), one lab endpoint, the TUI, the batch. Figures come
//! from the [`Run`] read by [`super::report`]; nothing is typed in.

use std::fmt::Write as _;

use serde_json::Value;

use super::report::{Figures, IMPLICIT_DS, Run, STARTTLS_DS, commands, f, num};

/// The matrix against the round-trip bound, and the relay's own calibration.
pub fn matrix(s: &mut String, run: &Run, fig: &Figures) {
    let (delay_ms, bound, seq_bound) = (run.delay_ms, fig.bound, fig.seq_bound);
    let _ = writeln!(
        s,
        "## Matrix latency\n\n\
         Four lab servers in the 25/465/587/2525 styles (STARTTLS + EHLO, implicit TLS + \
         EHLO, STARTTLS + EHLO, STARTTLS + EHLO) sit behind latency relays \
         (`smtptui_lab::relay`, `crates/lab/src/relay.rs`: a loopback TCP proxy that holds every chunk \
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
         to the next millisecond, so each of the {STARTTLS_DS} holds may add up to 1 ms that \
         the bound does not count.\n",
        rtt = 2 * delay_ms
    );
    commands(s, run.matrix.as_ref());
    let relay = run.relay.as_ref();
    let _ = writeln!(
        s,
        "Relay calibration (`bench relay-rtt`): {} sequential one-byte round trips \
         through a relay with the same D in front of an echo server took {} ms on average \
         (nominal {} ms), so each hold overshoots D by {} ms; with that, the bound \
         becomes {} ms.\n",
        f(num(relay, "trips"), 0),
        f(num(relay, "mean_rtt_ms"), 2),
        2 * delay_ms,
        f(fig.overshoot, 3),
        f(fig.effective, 1)
    );
}

/// One lab endpoint, whole process: smtptui vs swaks vs `openssl s_client`.
pub fn whole(s: &mut String, v: Option<&Value>) {
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
         `--ca-file`, the two should now be alike. {}\n",
        rounds_note(v)
    );
    commands(s, v);
}

/// How a whole-process comparison was run: hyperfine rounds in rotated order, merged by
/// `bench merge` (the number of rounds read from the file).
pub fn rounds_note(v: Option<&Value>) -> String {
    format!(
        "hyperfine `-N` (no shell) in {} rounds, each with its own warm-up runs, the order of \
         the commands rotated every round (a change in the shared machine's speed then \
         hits every command alike); `bench merge` joins the rounds, so each row holds all \
         runs of its command.",
        f(num(v, "rounds"), 0)
    )
}

fn inter_med(v: Option<&Value>, i: usize) -> Option<f64> {
    v?.get("median_us")?.get(i)?.as_f64()
}

/// Frame render (criterion and `bench frames`).
pub fn frames(s: &mut String, run: &Run) {
    let inter = run.inter.as_ref();
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
    for (n, tail, all) in &run.frames {
        let _ = writeln!(s, "| {n} | {} | {} |", f(*tail, 1), f(*all, 1));
    }
    let _ = writeln!(
        s,
        "\nApplying one transcript event to the model: {} µs (median).\n",
        f(run.apply_us, 3)
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
}

/// Time to first frame, idle CPU and peak RSS of the TUI.
pub fn tui(s: &mut String, run: &Run) {
    let (demo, form, idle, rss) = (
        run.ttff_demo.as_ref(),
        run.ttff_form.as_ref(),
        run.idle.as_ref(),
        run.rss.as_ref(),
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

/// The 1,000-endpoint batch.
pub fn batch(s: &mut String, v: Option<&Value>) {
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
