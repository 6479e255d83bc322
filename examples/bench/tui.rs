//! TUI figures measured from outside the process or through the public API:
//!
//! - `ttff`: time to first frame. The binary runs under `script` (a pseudo-terminal
//!   sized 120×40 with `stty`); the clock starts when `script` is spawned and stops when
//!   the output holds the alternate-screen switch followed by the title bar text. The
//!   figure includes `script`, `sh` and `stty` start-up, so it is an upper bound.
//! - `idle`: CPU used while idle. `smtptui --demo` runs in a detached tmux session (a
//!   tmux server of its own); once the title bar says the run is done, the CPU time of
//!   every thread (`/proc/PID/task/*/schedstat`, nanoseconds) and of the whole process
//!   (utime + stime) is read before and after the window (see [`idle_cpu`]).
//!
//! Every process these steps start is stopped by pid when the step ends (`procs`).
//! - `rss`: peak RSS of a process holding an `App` with N transcript lines after one
//!   frame was drawn (`VmHWM`), with the baseline before the model was built.

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use smtptui::tui::view::view;

use super::{fixture, proc_status};

/// Time to first frame of `bin args`, `runs` times; returns the figures in ms.
pub fn ttff(
    bin: &Path,
    args: &[String],
    runs: usize,
    state: &Path,
) -> anyhow::Result<serde_json::Value> {
    let mut times = Vec::new();
    let mut left_behind = 0;
    let cmd = format!(
        "stty rows 40 cols 120; exec {} {}",
        bin.display(),
        args.join(" ")
    );
    for _ in 0..runs {
        let start = Instant::now();
        let mut child = Command::new("script")
            .args(["-qfec", &cmd, "/dev/null"])
            .env("TERM", "xterm-256color")
            .env("XDG_STATE_HOME", state)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut out = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut buf = [0u8; 8192];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
                if first_frame(&seen) {
                    let _ = tx.send(start.elapsed());
                    break;
                }
            }
        });
        let got = rx.recv_timeout(Duration::from_secs(20));
        // `script`, its `sh` and the TUI, by pid.
        left_behind += super::procs::stop_tree(&mut child);
        times.push(
            got.map_err(|_| anyhow::anyhow!("no first frame within 20 s"))?
                .as_secs_f64()
                * 1000.0,
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    Ok(json!({
        "command": format!("smtptui {}", args.join(" ")),
        "runs": runs,
        "median_ms": sorted[sorted.len() / 2],
        "min_ms": sorted[0],
        "max_ms": sorted[sorted.len() - 1],
        "all_ms": times,
        "left_behind": left_behind,
    }))
}

/// Whether the output holds the alternate-screen switch and, after it, the title text.
fn first_frame(out: &[u8]) -> bool {
    const ALT: &[u8] = b"\x1b[?1049h";
    let Some(at) = out.windows(ALT.len()).position(|w| w == ALT) else {
        return false;
    };
    out[at..].windows(7).any(|w| w == b"smtptui")
}

/// CPU used by `bin --demo` while idle for `secs` seconds after its run finished. The
/// TUI runs in a tmux server of its own (`-L`, so no other tmux session is touched);
/// afterwards the pane's processes and that server are stopped by pid.
pub fn idle(bin: &Path, secs: u64, state: &Path) -> anyhow::Result<serde_json::Value> {
    let socket = format!("smtptui-bench-idle-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket])
            .args(args)
            .stdin(Stdio::null())
            .output()
    };
    let out = tmux(&[
        "new-session",
        "-d",
        "-s",
        "idle",
        "-x",
        "120",
        "-y",
        "40",
        &format!(
            "XDG_STATE_HOME={} TERM=xterm-256color exec {} --demo",
            state.display(),
            bin.display()
        ),
    ])?;
    anyhow::ensure!(out.status.success(), "tmux new-session failed");
    let pid_of = |what: &str| -> Option<u32> {
        let out = tmux(&["display-message", "-p", "-t", "idle", what]).ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    let (pane, server) = (pid_of("#{pane_pid}"), pid_of("#{pid}"));
    let result = match pane {
        Some(pid) => idle_in(pid, secs, &|| {
            tmux(&["capture-pane", "-p", "-t", "idle"])
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default()
        }),
        None => Err(anyhow::anyhow!("no pane pid from tmux")),
    };
    // Stop what this step started, by pid: the pane's tree, then the private server.
    let mut pids: Vec<u32> = pane.into_iter().collect();
    if let Some(p) = pane {
        pids.extend(super::procs::descendants(p));
    }
    let _ = tmux(&["kill-server"]);
    pids.extend(server);
    let (killed, left) = super::procs::stop_pids(&pids, Duration::from_secs(2));
    let mut v = result?;
    v["stopped_pids"] = json!(pids);
    v["needed_sigkill"] = json!(killed);
    v["left_behind"] = json!(left);
    Ok(v)
}

fn idle_in(pid: u32, secs: u64, screen: &dyn Fn() -> String) -> anyhow::Result<serde_json::Value> {
    let t0 = Instant::now();
    while !screen().contains("done in") {
        anyhow::ensure!(
            t0.elapsed() < Duration::from_secs(60),
            "the demo run did not finish"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Let the last redraw settle before the window opens.
    std::thread::sleep(Duration::from_secs(1));
    let before = CpuSample::read(pid)?;
    let w = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let wall = w.elapsed().as_secs_f64();
    let after = CpuSample::read(pid);
    let mut v = json!({
        "window_s": wall,
        "cpu_before_window_ms": before.threads.iter().map(|t| t.1).sum::<u64>() as f64 / 1e6,
        "threads": before.threads.len(),
    });
    match after
        .map_err(|e| e.to_string())
        .and_then(|a| idle_cpu(&before, &a, wall, tick_hz(), cores()))
    {
        Ok(c) => {
            v["cpu_ms"] = json!(c.cpu_ms);
            v["percent_of_one_core"] = json!(c.percent);
            v["utime_stime_ticks"] = json!(c.ticks);
            v["method"] = json!(c.method);
        }
        // No figure rather than a wrong one (the report says "not measured" and why).
        Err(e) => v["error"] = json!(e),
    }
    Ok(v)
}

/// The CPU counters of one process at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuSample {
    /// Start time (`/proc/PID/stat` field 22): a pid reused by another process differs.
    pub start: u64,
    /// utime + stime of the whole process in clock ticks; exited threads stay counted.
    pub ticks: u64,
    /// Each live thread: (tid, run time in ns from its `schedstat`).
    pub threads: Vec<(u32, u64)>,
}

impl CpuSample {
    fn read(pid: u32) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        let (ticks, start) =
            parse_stat(&text).ok_or_else(|| anyhow::anyhow!("unreadable /proc/{pid}/stat"))?;
        let mut threads = Vec::new();
        for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
            let task = task?;
            let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) else {
                continue;
            };
            // A thread that exits between the listing and this read is left out.
            if let Ok(s) = std::fs::read_to_string(task.path().join("schedstat"))
                && let Some(ns) = s.split_whitespace().next().and_then(|v| v.parse().ok())
            {
                threads.push((tid, ns));
            }
        }
        Ok(Self {
            start,
            ticks,
            threads,
        })
    }
}

/// The idle figure.
#[derive(Debug, PartialEq)]
pub struct IdleCpu {
    pub cpu_ms: f64,
    pub percent: f64,
    pub ticks: u64,
    pub method: &'static str,
}

/// CPU used between two samples of one process over `wall_s` seconds: the per-thread
/// run times (ns, precise) of the threads alive at the end, or the whole-process tick
/// counters when they say more (they keep the time of threads that exited; a plain sum
/// over live threads would shrink and, subtracted, wrap around). A replaced process,
/// counters that went backwards, or a share above what `cores` can give is an error,
/// never a figure.
pub fn idle_cpu(
    before: &CpuSample,
    after: &CpuSample,
    wall_s: f64,
    tick_hz: u64,
    cores: usize,
) -> Result<IdleCpu, String> {
    if wall_s <= 0.0 || !wall_s.is_finite() {
        return Err(format!("bad window of {wall_s} s"));
    }
    if before.start != after.start {
        return Err("the process was replaced during the window".into());
    }
    let ticks = after
        .ticks
        .checked_sub(before.ticks)
        .ok_or("utime + stime went backwards")?;
    // The threads alive at the end: their run time in the window (from zero for a
    // thread that started in it). A thread that exited is missing here (its time is
    // only in the whole-process ticks), so the larger of the two is the figure.
    let mut sum = 0u64;
    for (tid, ns1) in &after.threads {
        let ns0 = before
            .threads
            .iter()
            .find(|(t, _)| t == tid)
            .map_or(0, |t| t.1);
        sum += ns1
            .checked_sub(ns0)
            .ok_or_else(|| format!("thread {tid}: run time went backwards"))?;
    }
    let by_ticks = ticks as f64 * 1e9 / tick_hz.max(1) as f64;
    let (ns, method) = if sum as f64 >= by_ticks {
        (sum as f64, "schedstat")
    } else {
        (
            by_ticks,
            "ticks (above the live threads' run time: a thread exited)",
        )
    };
    let cpu_ms = ns / 1e6;
    let percent = cpu_ms / (wall_s * 1000.0) * 100.0;
    // A little slack for the clocks of the two reads.
    if percent > 100.0 * cores.max(1) as f64 * 1.05 {
        return Err(format!(
            "impossible figure {percent:.3e} % with {cores} core(s)"
        ));
    }
    Ok(IdleCpu {
        cpu_ms,
        percent,
        ticks,
        method,
    })
}

fn tick_hz() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// (utime + stime, start time) from the text of `/proc/PID/stat`.
fn parse_stat(stat: &str) -> Option<(u64, u64)> {
    // The command name may hold spaces: fields are counted after its closing paren.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    Some((get(11)? + get(12)?, get(19)?))
}

/// Peak RSS with an `App` of `lines` transcript lines after one 120×40 frame.
pub fn rss(lines: usize) -> anyhow::Result<serde_json::Value> {
    let before = proc_status("VmHWM");
    let t = Instant::now();
    let app = fixture::app_with_lines(lines, 120, 40);
    let build_ms = t.elapsed().as_secs_f64() * 1000.0;
    let mut term = Terminal::new(TestBackend::new(120, 40))?;
    term.draw(|f| view(&app, f))?;
    Ok(json!({
        "lines": lines,
        "build_ms": build_ms,
        "peak_rss_kib": proc_status("VmHWM"),
        "rss_before_kib": before,
    }))
}

/// Frame time with 1 k, 100 k and 1 M lines, drawn in turn (`rounds` times each), so a
/// change in the machine's load hits every size alike. Medians in µs and the ratio of
/// the 1 M-line frame to the 1 k-line frame.
pub fn frames(rounds: usize) -> anyhow::Result<serde_json::Value> {
    const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];
    let apps: Vec<_> = SIZES
        .iter()
        .map(|n| fixture::app_with_lines(*n, 120, 40))
        .collect();
    let mut terms = Vec::new();
    for _ in SIZES {
        terms.push(Terminal::new(TestBackend::new(120, 40))?);
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); SIZES.len()];
    for round in 0..rounds + 10 {
        for (i, (app, term)) in apps.iter().zip(terms.iter_mut()).enumerate() {
            let t = Instant::now();
            term.draw(|f| view(app, f))?;
            // The first rounds warm the caches and are not counted.
            if round >= 10 {
                times[i].push(t.elapsed().as_secs_f64() * 1e6);
            }
        }
    }
    let medians: Vec<f64> = times
        .iter_mut()
        .map(|v| {
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
        })
        .collect();
    Ok(json!({
        "rounds": rounds,
        "lines": SIZES,
        "median_us": medians,
        "ratio_1m_to_1k": medians[2] / medians[0],
    }))
}

#[cfg(test)]
mod tests {
    use super::{CpuSample, cores, first_frame, idle_cpu, parse_stat, tick_hz};
    use std::time::{Duration, Instant};

    #[test]
    fn first_frame_needs_the_alternate_screen_then_the_title() {
        assert!(!first_frame(b"smtptui starting"));
        assert!(!first_frame(b"smtptui \x1b[?1049h\x1b[2J"));
        assert!(first_frame(
            b"\x1b[?1049h\x1b[1;1H smtptui \xe2\x94\x82 demo"
        ));
    }

    #[test]
    fn ticks_are_counted_after_the_command_name() {
        let stat = "4242 (smtp tui) S 1 4242 4242 0 -1 4194560 100 0 0 0 17 5 0 0 20 0 4 0 777 0";
        assert_eq!(parse_stat(stat), Some((22, 777)));
        assert_eq!(parse_stat("garbage"), None);
    }

    fn sample(start: u64, ticks: u64, threads: &[(u32, u64)]) -> CpuSample {
        CpuSample {
            start,
            ticks,
            threads: threads.to_vec(),
        }
    }

    #[test]
    fn idle_cpu_of_a_quiet_process() {
        let a = sample(9, 100, &[(1, 50_000_000), (2, 7_000_000)]);
        let b = sample(9, 100, &[(1, 50_300_000), (2, 7_000_000)]);
        let c = idle_cpu(&a, &b, 30.0, 100, 2).unwrap();
        assert!((c.cpu_ms - 0.3).abs() < 1e-9);
        assert!((c.percent - 0.001).abs() < 1e-9);
        assert_eq!(c.method, "schedstat");
    }

    /// The old arithmetic summed live threads' run times: a thread that exits during
    /// the window made the sum shrink and the u64 difference wrap to ~1.8e19 ns, which
    /// over 30 s is the 6.1e10 % once reported. Now the whole-process ticks are used.
    #[test]
    fn a_thread_exiting_in_the_window_cannot_wrap_around() {
        let before = sample(9, 100, &[(1, 50_000_000), (2, 900_000_000)]);
        let after = sample(9, 101, &[(1, 50_100_000)]);
        let wrapped = (50_100_000u64).wrapping_sub(950_000_000) as f64 / 1e6 / 30_000.0 * 100.0;
        assert!(wrapped > 6.0e10, "the old figure: {wrapped:e}");
        let got = idle_cpu(&before, &after, 30.0, 100, 2).unwrap();
        assert!(
            (got.cpu_ms - 10.0).abs() < 1e-9,
            "one tick at 100 Hz: {got:?}"
        );
        assert!(got.method.starts_with("ticks"));
        // A thread that starts in the window is counted from zero.
        let one = sample(9, 100, &[(1, 50_000_000)]);
        let two = sample(9, 100, &[(1, 50_000_000), (3, 2_000_000)]);
        let grown = idle_cpu(&one, &two, 30.0, 100, 2).unwrap();
        assert!((grown.cpu_ms - 2.0).abs() < 1e-9);
    }

    /// A real thread that burns CPU and exits inside the window is counted (through the
    /// ticks), and the figure stays within what the cores can give.
    #[test]
    fn a_real_thread_exiting_in_the_window_is_counted() {
        let pid = std::process::id();
        let before = CpuSample::read(pid).unwrap();
        let t = Instant::now();
        std::thread::spawn(|| {
            let spin = Instant::now();
            let mut x = 0u64;
            while spin.elapsed() < Duration::from_millis(300) {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        })
        .join()
        .unwrap();
        let after = CpuSample::read(pid).unwrap();
        let got = idle_cpu(
            &before,
            &after,
            t.elapsed().as_secs_f64(),
            tick_hz(),
            cores(),
        )
        .unwrap();
        // Ticks are sampled: allow for a loaded machine, but the spin must show.
        assert!(got.cpu_ms >= 100.0, "{got:?}");
        assert!(got.percent <= 100.0 * cores() as f64 * 1.05, "{got:?}");
    }

    #[test]
    fn misbehaving_processes_give_errors_not_figures() {
        let a = sample(9, 100, &[(1, 50_000_000)]);
        // Replaced by another process with the same pid.
        assert!(idle_cpu(&a, &sample(10, 100, &[(1, 60_000_000)]), 30.0, 100, 2).is_err());
        // Counters that go backwards.
        assert!(idle_cpu(&a, &sample(9, 99, &[(1, 50_000_000)]), 30.0, 100, 2).is_err());
        assert!(idle_cpu(&a, &sample(9, 100, &[(1, 40_000_000)]), 30.0, 100, 2).is_err());
        // More CPU than two cores can give in the window.
        assert!(idle_cpu(&a, &sample(9, 100, &[(1, 70_000_000_000)]), 30.0, 100, 2).is_err());
        // A busy process within the cores is a figure (two cores flat out: 200 %).
        let busy = idle_cpu(&a, &sample(9, 6100, &[(1, 60_050_000_000)]), 30.0, 100, 2);
        assert!((busy.unwrap().percent - 200.0).abs() < 1e-6);
        assert!(idle_cpu(&a, &a, 0.0, 100, 2).is_err());
    }
}
