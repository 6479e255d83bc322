//! Processes the helpers start are stopped by pid when their step ends: the child and
//! everything below it (`script` → `sh` → `smtptui`, tmux's pane), found through
//! `/proc/PID/task/*/children` before the child is stopped (once it is gone, its
//! children are re-parented and can no longer be found from it). SIGTERM first, SIGKILL
//! after a grace period, and a count of what was still alive at the end.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The pids below `pid` (children, their children, …), parents before children.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let Ok(text) = std::fs::read_to_string(task.path().join("children")) else {
                continue;
            };
            for c in text
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok())
            {
                if !out.contains(&c) {
                    out.push(c);
                    todo.push(c);
                }
            }
        }
    }
    out
}

/// Whether `pid` is a live process (a zombie counts as gone).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .and_then(|(_, r)| r.split_whitespace().next().map(|st| st != "Z"))
        })
        .unwrap_or(false)
}

fn signal(sig: &str, pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Stops `pids` (TERM, up to `grace`, then KILL); returns how many needed KILL and how
/// many were still alive after it.
pub fn stop_pids(pids: &[u32], grace: Duration) -> (usize, usize) {
    let live: Vec<u32> = pids.iter().copied().filter(|p| alive(*p)).collect();
    signal("TERM", &live);
    let t = Instant::now();
    while t.elapsed() < grace && live.iter().any(|p| alive(*p)) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stubborn: Vec<u32> = live.iter().copied().filter(|p| alive(*p)).collect();
    signal("KILL", &stubborn);
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(2) && stubborn.iter().any(|p| alive(*p)) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left = stubborn.iter().filter(|p| alive(**p)).count();
    (stubborn.len(), left)
}

/// Stops `child` and every process below it, and reaps `child`. Returns how many
/// processes were still alive afterwards (0 unless something is badly wrong).
pub fn stop_tree(child: &mut Child) -> usize {
    let mut pids = vec![child.id()];
    pids.extend(descendants(child.id()));
    let (_, left) = stop_pids(&pids, Duration::from_secs(2));
    let _ = child.kill();
    let _ = child.wait();
    left
}

/// A child that is stopped (with everything below it) when the guard goes, on every
/// path out of a step, errors included.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let left = stop_tree(&mut self.0);
        if left > 0 {
            eprintln!(
                "bench: {left} process(es) below pid {} survived SIGKILL",
                self.0.id()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_is_stopped_by_pid_grandchildren_included() {
        // sh → sleep (grandchild), with sh ignoring SIGTERM so the KILL path runs too.
        let mut child = Command::new("sh")
            .args(["-c", "trap '' TERM; sleep 300 & sleep 300; wait"])
            .spawn()
            .unwrap();
        let t = Instant::now();
        let mut below = Vec::new();
        while below.len() < 2 && t.elapsed() < Duration::from_secs(5) {
            below = descendants(child.id());
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(below.len(), 2, "two sleeps below sh: {below:?}");
        assert_eq!(stop_tree(&mut child), 0);
        for p in below {
            assert!(!alive(p), "pid {p} left behind");
        }
        assert!(!alive(child.id()));
    }
}
