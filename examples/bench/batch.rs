//! `bench batch`: a thousand endpoints on loopback with bounded concurrency, through
//! the library's `probe::run_with`. The lab servers run in a child process (this
//! binary's `labserver`), so the figures — endpoints per second, peak RSS (`VmHWM`) and
//! peak open descriptors (`/proc/self/fd`, sampled every 2 ms) — are the prober's own.

use std::io::{BufRead as _, BufReader};
use std::net::IpAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use smtptui::model::{Mode, PortSpec, RunId};
use smtptui::settings::Settings;

use super::labserver::HOST;
use super::proc_status;

/// What to run.
pub struct Plan<'a> {
    /// Endpoints per run (a multiple of 2 × `addrs`).
    pub endpoints: usize,
    /// Endpoints probed at once.
    pub concurrency: usize,
    /// Loopback addresses used (the lab server picks and checks them).
    pub addrs: u8,
    /// Runs (the median rate is reported).
    pub runs: usize,
    /// Where the CA PEM goes.
    pub ca: &'a Path,
}

/// Runs the batch and returns the figures as JSON.
pub async fn run(plan: Plan<'_>) -> anyhow::Result<serde_json::Value> {
    let exe = std::env::current_exe()?;
    // Stopped by pid (with anything below it) on every way out of this function.
    let mut child = super::procs::Guard(
        Command::new(exe)
            .args([
                "labserver",
                "--stdin-eof",
                "--addrs",
                &plan.addrs.to_string(),
                "--ca",
            ])
            .arg(plan.ca)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?,
    );
    let stdout = child
        .0
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let (ports, addrs) = batch_servers(stdout)?;
    anyhow::ensure!(ports.len() == 2, "the lab server printed no batch ports");
    anyhow::ensure!(
        addrs.len() == usize::from(plan.addrs),
        "the lab server printed {} batch addresses, not {}",
        addrs.len(),
        plan.addrs
    );

    let per_addr = plan.endpoints / usize::from(plan.addrs);
    let mut settings = Settings::new(HOST);
    settings.ports = (0..per_addr)
        .map(|i| PortSpec {
            port: ports[i % 2],
            mode: if i % 2 == 0 {
                Mode::Starttls
            } else {
                Mode::Tls
            },
        })
        .collect();
    settings.resolve = addrs.iter().map(|ip| (HOST.to_string(), *ip)).collect();
    settings.tls.ca_file = Some(plan.ca.to_path_buf());
    settings.tls.no_system_roots = true;
    settings.concurrency = plan.concurrency;
    let settings = Arc::new(settings);

    let fds_before = count_fds();
    let hwm_before = proc_status("VmHWM");
    let peak = Arc::new(AtomicUsize::new(fds_before));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(count_fds(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let mut rates = Vec::new();
    let mut ok = Vec::new();
    let mut total = 0;
    for run in 0..plan.runs {
        let t = Instant::now();
        let report = smtptui::probe::run_with(settings.clone(), RunId(run as u64 + 1), None).await;
        let secs = t.elapsed().as_secs_f64();
        total = report.endpoints.len();
        ok.push(report.endpoints.iter().filter(|e| e.class.is_ok()).count());
        rates.push(total as f64 / secs);
    }
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    // The lab server ends when its stdin closes; the guard makes sure of it.
    drop(child.0.stdin.take());
    drop(child);
    rates.sort_by(f64::total_cmp);
    Ok(json!({
        "endpoints": total,
        "concurrency": plan.concurrency,
        "addresses": plan.addrs,
        "runs": plan.runs,
        "ok_per_run": ok,
        "endpoints_per_s_median": rates[rates.len() / 2],
        "endpoints_per_s_all": rates,
        "peak_rss_kib": proc_status("VmHWM"),
        "rss_before_kib": hwm_before,
        "peak_fds": peak.load(Ordering::Relaxed),
        "fds_before": fds_before,
    }))
}

/// Reads the lab server's `key=value` lines up to `ready`: the batch ports and the
/// batch addresses.
fn batch_servers(stdout: impl std::io::Read) -> anyhow::Result<(Vec<u16>, Vec<IpAddr>)> {
    let mut ports = Vec::new();
    let mut addrs = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(v) = line.strip_prefix("batch=") {
            ports = v
                .split(',')
                .map(str::parse)
                .collect::<Result<Vec<u16>, _>>()?;
        }
        if let Some(v) = line.strip_prefix("batch_addrs=") {
            addrs = v
                .split(',')
                .map(str::parse)
                .collect::<Result<Vec<IpAddr>, _>>()?;
        }
        if line == "ready" {
            break;
        }
    }
    Ok((ports, addrs))
}

fn count_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}
