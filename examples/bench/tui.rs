//! TUI figures measured from outside the process or through the public API:
//!
//! - `ttff`: time to first frame. The binary runs under `script` (a pseudo-terminal
//!   sized 120×40 with `stty`); the clock starts when `script` is spawned and stops when
//!   the output holds the alternate-screen switch followed by the title bar text. The
//!   figure includes `script`, `sh` and `stty` start-up, so it is an upper bound.
//! - `idle`: CPU used while idle. `smtptui --demo` runs in a detached tmux session;
//!   once the title bar says the run is done, the CPU time of every thread
//!   (`/proc/PID/task/*/schedstat`, nanoseconds) is read before and after the window.
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
        let _ = child.kill();
        let _ = child.wait();
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

/// CPU used by `bin --demo` while idle for `secs` seconds after its run finished.
pub fn idle(bin: &Path, secs: u64, state: &Path) -> anyhow::Result<serde_json::Value> {
    let session = format!("smtptui-bench-idle-{}", std::process::id());
    let status = Command::new("tmux")
        .args(["new-session", "-d", "-s", &session, "-x", "120", "-y", "40"])
        .arg(format!(
            "XDG_STATE_HOME={} TERM=xterm-256color exec {} --demo",
            state.display(),
            bin.display()
        ))
        .status()?;
    anyhow::ensure!(status.success(), "tmux new-session failed");
    let result = idle_in(&session, secs);
    let _ = Command::new("tmux")
        .args(["kill-session", "-t", &session])
        .status();
    result
}

fn idle_in(session: &str, secs: u64) -> anyhow::Result<serde_json::Value> {
    let pid = String::from_utf8(
        Command::new("tmux")
            .args(["display-message", "-p", "-t", session, "#{pane_pid}"])
            .output()?
            .stdout,
    )?
    .trim()
    .parse::<u32>()?;
    let t0 = Instant::now();
    loop {
        let screen = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", session])
            .output()?
            .stdout;
        if String::from_utf8_lossy(&screen).contains("done in") {
            break;
        }
        anyhow::ensure!(
            t0.elapsed() < Duration::from_secs(60),
            "the demo run did not finish"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Let the last redraw settle before the window opens.
    std::thread::sleep(Duration::from_secs(1));
    let (cpu0, ticks0) = (cpu_ns(pid)?, cpu_ticks(pid)?);
    let w = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let wall = w.elapsed().as_secs_f64();
    let (cpu1, ticks1) = (cpu_ns(pid)?, cpu_ticks(pid)?);
    let cpu_ms = (cpu1 - cpu0) as f64 / 1e6;
    Ok(json!({
        "window_s": wall,
        "cpu_ms": cpu_ms,
        "cpu_before_window_ms": cpu0 as f64 / 1e6,
        "percent_of_one_core": cpu_ms / (wall * 1000.0) * 100.0,
        "utime_stime_ticks": ticks1 - ticks0,
        "threads": std::fs::read_dir(format!("/proc/{pid}/task"))?.count(),
    }))
}

/// CPU time of every thread of `pid`, in nanoseconds (first field of schedstat).
fn cpu_ns(pid: u32) -> anyhow::Result<u64> {
    let mut sum = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let path = task?.path().join("schedstat");
        if let Ok(s) = std::fs::read_to_string(path) {
            sum += s
                .split_whitespace()
                .next()
                .unwrap_or("0")
                .parse::<u64>()
                .unwrap_or(0);
        }
    }
    Ok(sum)
}

/// utime + stime of `pid` in clock ticks (`/proc/PID/stat` fields 14 and 15).
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    Ok(parse_ticks(&stat))
}

/// utime + stime from the text of `/proc/PID/stat`.
fn parse_ticks(stat: &str) -> u64 {
    // The command name may hold spaces: fields are counted after its closing paren.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(11) + get(12)
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
    use super::{first_frame, parse_ticks};

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
        let stat = "4242 (smtp tui) S 1 4242 4242 0 -1 4194560 100 0 0 0 17 5 0 0 20 0 4 0";
        assert_eq!(parse_ticks(stat), 22);
        assert_eq!(parse_ticks("garbage"), 0);
    }
}
