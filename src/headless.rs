//! The headless front end (`smtptui check`): streams a readable transcript while the
//! probe runs, then prints the matrix and verdicts, or one JSON document. Colour only
//! when the binary says so (on a terminal, never with `NO_COLOR`).

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::model::{Class, Direction, Endpoint, ProbeEvent, RunId, RunReport, Severity};
use crate::settings::Settings;

/// How to print.
#[derive(Debug, Clone)]
pub struct HeadlessOptions {
    /// JSON, or text (streamed or not, coloured or not).
    pub output: Output,
    /// Write the transcript (text, or JSON if the name ends in .json) here.
    pub export: Option<PathBuf>,
    /// Exit 3 when any endpoint has a warning (`--fail-on-warning`).
    pub fail_on_warning: bool,
}

/// What goes to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// One JSON document at the end, nothing while running.
    Json,
    /// The readable report at the end.
    Text {
        /// Stream the transcript while running (not with `--quiet`).
        stream: bool,
        /// ANSI colours.
        color: bool,
    },
}

struct Paint(bool);

impl Paint {
    fn dir(&self, d: Direction) -> &'static str {
        if !self.0 {
            return "";
        }
        match d {
            Direction::Client | Direction::ClientTls => "\x1b[36m",
            Direction::Server | Direction::ServerTls => "\x1b[32m",
            Direction::Info => "\x1b[2m",
            Direction::Error => "\x1b[31m",
        }
    }
    fn class(&self, c: Class) -> &'static str {
        // The one severity source, shared with the TUI's colours.
        self.class_of(c.severity())
    }
    fn warn(&self) -> &'static str {
        self.class_of(Severity::Attention)
    }
    fn class_of(&self, sev: Severity) -> &'static str {
        if !self.0 {
            return "";
        }
        match sev {
            Severity::Ok => "\x1b[1;32m",
            Severity::Attention => "\x1b[1;33m",
            Severity::Failure => "\x1b[1;31m",
        }
    }
    fn reset(&self) -> &'static str {
        if self.0 { "\x1b[0m" } else { "" }
    }
}

/// Runs the check and prints; returns the process exit code (0 any ok, 1 none ok; with
/// `--fail-on-warning`, 3 when some endpoint works but any endpoint has a warning).
pub async fn check(settings: Settings, opts: HeadlessOptions) -> i32 {
    let settings = Arc::new(settings);
    let (tx, mut rx) = mpsc::channel::<ProbeEvent>(1024);
    let runner = tokio::spawn(crate::probe::run(settings.clone(), RunId(1), tx));
    let (stream, color) = match opts.output {
        Output::Json => (false, false),
        Output::Text { stream, color } => (stream, color),
    };
    let paint = Paint(color);
    let mut endpoints: Vec<Endpoint> = Vec::new();
    while let Some(ev) = rx.recv().await {
        if let ProbeEvent::Planned { endpoints: eps, .. } = &ev
            && !eps.is_empty()
        {
            // The probe connects next and waits on the network meanwhile (this task runs
            // while it waits): parse the compiled-in provider table now, so that the
            // greetings' provider check finds it parsed instead of parsing it on the
            // critical path. Parsed once per process (presets::providers).
            let _ = crate::presets::providers();
        }
        if stream {
            print_event(ev, &mut endpoints, &paint);
        }
    }
    let report = match runner.await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("smtptui: internal error: {e}");
            return 1;
        }
    };
    let mut out = std::io::stdout().lock();
    if opts.output == Output::Json {
        let _ = writeln!(out, "{}", crate::export::to_json(&report));
    } else {
        let _ = write!(out, "{}", summary_text(&report, &paint));
    }
    let _ = out.flush();
    drop(out);
    if let Some(path) = &opts.export {
        let format = crate::export::Format::from_path(path);
        let body = format.render(&report);
        match crate::export::write_new(path, &report.target, format.ext(), &body) {
            Ok(p) => eprintln!("smtptui: report written to {}", p.display()),
            Err(e) => eprintln!("smtptui: export failed: {e}"),
        }
    }
    exit_code(&report, opts.fail_on_warning)
}

/// One streamed transcript line (run lines, the plan, endpoint lines labelled with
/// the endpoint `endpoints` names).
fn print_event(ev: ProbeEvent, endpoints: &mut Vec<Endpoint>, paint: &Paint) {
    let mut out = std::io::stdout().lock();
    let _ = match ev {
        ProbeEvent::RunLine { entry, .. } => writeln!(
            out,
            "{:>9.3} {}{:<3} {}{}",
            entry.t_ms / 1000.0,
            paint.dir(entry.dir),
            entry.dir.marker(),
            entry.text,
            paint.reset()
        ),
        ProbeEvent::Planned { endpoints: eps, .. } => {
            *endpoints = eps;
            writeln!(out, "{:>9} === probing {} endpoint(s)", "", endpoints.len())
        }
        ProbeEvent::Line {
            endpoint, entry, ..
        } => {
            let label = endpoints
                .get(endpoint.0)
                .map(Endpoint::label)
                .unwrap_or_default();
            writeln!(
                out,
                "{:>9.3} {}{:<3} [{label}] {}{}",
                entry.t_ms / 1000.0,
                paint.dir(entry.dir),
                entry.dir.marker(),
                entry.text,
                paint.reset()
            )
        }
        _ => Ok(()),
    };
}

/// The exit status: 1 when no endpoint works, else 3 when warnings fail the run, else 0.
pub fn exit_code(report: &RunReport, fail_on_warning: bool) -> i32 {
    if !report.any_ok() {
        1
    } else if fail_on_warning && report.endpoints.iter().any(|e| !e.warnings.is_empty()) {
        3
    } else {
        0
    }
}

/// The text report: the matrix, then details under it (failures, provider, warnings,
/// path, certificate, findings, DNS report, recommendation).
fn summary_text(report: &RunReport, paint: &Paint) -> String {
    let mut s = String::new();
    s.push_str(&matrix_text(report, paint));
    s.push_str(&failures_text(report));
    s.push_str(&warnings_text(report, paint));
    s.push_str(&path_text(report));
    s.push_str(&certificate_text(report));
    s.push_str(&findings_text(report));
    if let Some(dns) = &report.dns {
        s.push_str(&dns_text(dns, paint));
    }
    s.push_str(&recommended_text(report));
    s
}

/// The heading and one row per endpoint: label, class, TLS version, summary, and the
/// number of warnings (or why no endpoint was probed).
fn matrix_text(report: &RunReport, paint: &Paint) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nsmtptui: {} ({:.0} ms)",
        report.target, report.duration_ms
    );
    if report.endpoints.is_empty() {
        let _ = writeln!(s, "  no endpoint was probed");
        for e in report
            .run_transcript
            .iter()
            .filter(|e| e.dir == Direction::Error)
        {
            let _ = writeln!(s, "  {}", e.text);
        }
    }
    let width = report
        .endpoints
        .iter()
        .map(|e| e.label().len())
        .max()
        .unwrap_or(10);
    for e in &report.endpoints {
        let tls = e
            .tls
            .as_ref()
            .map_or(String::from("-"), |t| t.version.clone());
        let marker = if e.warnings.is_empty() {
            String::new()
        } else {
            format!(" !{}", e.warnings.len())
        };
        let _ = writeln!(
            s,
            "  {:<width$}  {}{:<24}{}  {:<8} {}{marker}",
            e.label(),
            paint.class(e.class),
            e.class.code(),
            paint.reset(),
            tls,
            e.summary
        );
    }
    s
}

/// Evidence and advice of every endpoint that did not work.
fn failures_text(report: &RunReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for e in report.endpoints.iter().filter(|e| !e.class.is_ok()) {
        let _ = writeln!(s, "\n  {} - {}", e.label(), e.class.code());
        let _ = writeln!(s, "    evidence: {}", e.evidence);
        let _ = writeln!(s, "    advice:   {}", e.advice);
    }
    s
}

/// The provider recognised, then every endpoint's warnings.
fn warnings_text(report: &RunReport, paint: &Paint) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if let Some(p) = report.endpoints.iter().find_map(|e| e.provider.as_ref()) {
        let _ = writeln!(s, "\n  provider: {} ({})", p.name, p.evidence);
    }
    for e in &report.endpoints {
        for w in &e.warnings {
            let _ = writeln!(
                s,
                "\n  {} - {}warning {}{}: {}\n    evidence: {}\n    advice:   {}",
                e.label(),
                paint.warn(),
                w.code,
                paint.reset(),
                w.summary,
                w.evidence,
                w.advice
            );
        }
    }
    s
}

/// The leaf certificate of the first endpoint that did TLS.
fn certificate_text(report: &RunReport) -> String {
    let Some((ep, leaf, verified)) = report.endpoints.iter().find_map(|e| {
        let t = e.tls.as_ref()?;
        Some((e, t.chain.first(), t.verified))
    }) else {
        return String::new();
    };
    let Some(leaf) = leaf else {
        return String::new();
    };
    format!(
        "\n  certificate ({}): {} — issuer {} — until {} ({} days) — {}\n",
        ep.label(),
        leaf.subject,
        leaf.issuer,
        leaf.not_after,
        leaf.days_left,
        if verified { "verified" } else { "NOT VERIFIED" }
    )
}

/// The matrix findings.
fn findings_text(report: &RunReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for f in &report.findings {
        let _ = writeln!(
            s,
            "\n  finding {}: {}\n    evidence: {}\n    advice:   {}",
            f.code, f.summary, f.evidence, f.advice
        );
    }
    s
}

/// The recommended settings and the Python snippet (the others: JSON and HTML report).
fn recommended_text(report: &RunReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let Some(r) = &report.recommended else {
        if !report.endpoints.is_empty() {
            let _ = writeln!(s, "\n  recommended: none - no endpoint worked from here");
        }
        return s;
    };
    let _ = writeln!(s, "\n  recommended: {}", r.headline());
    for line in r.settings_text().lines() {
        let _ = writeln!(s, "    {line}");
    }
    if let Some(py) = r.snippet("python") {
        let _ = writeln!(
            s,
            "\n    Python smtplib (Node, PHP, Django, .NET, Go, curl: --format json or --export report.html):"
        );
        for line in py.code.lines() {
            let _ = writeln!(s, "      {line}");
        }
    }
    s
}

/// The path of every endpoint that did not simply reach its server: the verdict, then
/// one row per hop (a run of silent TTLs on one row).
fn path_text(report: &RunReport) -> String {
    use crate::model::PathVerdict;
    use std::fmt::Write as _;
    let mut out = String::new();
    for ep in &report.endpoints {
        let Some(path) = &ep.path else { continue };
        if path.verdict == PathVerdict::Reached {
            continue;
        }
        let _ = writeln!(out, "\n  path {}: {}", ep.label(), path.summary());
        if let Some(c) = path.control_port {
            let d = path.distance.map_or_else(|| "?".into(), |d| d.to_string());
            let _ = writeln!(out, "    control port {c}: reached the server at hop {d}");
        }
        if let Some(n) = path
            .note
            .as_ref()
            .filter(|_| path.verdict != PathVerdict::Unavailable)
        {
            let _ = writeln!(out, "    note: {n}");
        }
        let mut i = 0;
        while i < path.hops.len() {
            let h = &path.hops[i];
            if h.addr.is_none() {
                let mut j = i;
                while j + 1 < path.hops.len() && path.hops[j + 1].addr.is_none() {
                    j += 1;
                }
                let ttl = if j > i {
                    format!("{}-{}", h.ttl, path.hops[j].ttl)
                } else {
                    h.ttl.to_string()
                };
                let _ = writeln!(out, "    {ttl:>5}  *  (no answer)");
                i = j + 1;
                continue;
            }
            let what = match (h.icmp, h.tcp) {
                (Some(icmp), _) => icmp.as_str(),
                (None, Some(crate::model::TcpReply::SynAck)) => "connected",
                (None, Some(crate::model::TcpReply::Rst)) => "reset",
                (None, None) => "",
            };
            let rtt = h.rtt_ms.map_or_else(String::new, |r| format!("{r:.1} ms"));
            let addr = match (&h.addr, &h.name) {
                (Some(a), Some(n)) => format!("{a} ({n})"),
                (Some(a), None) => a.clone(),
                _ => "*".into(),
            };
            let _ = writeln!(out, "    {:>5}  {:<39} {:>9}  {what}", h.ttl, addr, rtt);
            i += 1;
        }
    }
    out
}

/// The DNS mail-security report (MX mode): MX hosts, then one line per check with
/// advice under the ones that warn or fail.
fn dns_text(dns: &crate::model::DnsReport, paint: &Paint) -> String {
    use crate::model::DnsStatus;
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "\n  DNS mail-security report for {}", dns.domain);
    for h in &dns.mx {
        let addrs = if h.addresses.is_empty() {
            "(no address)".to_string()
        } else {
            h.addresses.join(", ")
        };
        let _ = writeln!(s, "    MX {:>5} {}  {addrs}", h.preference, h.host);
    }
    for f in &dns.findings {
        let colour = match (paint.0, f.status) {
            (false, _) => "",
            (true, DnsStatus::Pass) => "\x1b[1;32m",
            (true, DnsStatus::Warn) => "\x1b[1;33m",
            (true, DnsStatus::Fail) => "\x1b[1;31m",
        };
        let _ = writeln!(
            s,
            "    {colour}{:<4}{}  {:<16} {}: {}",
            f.status.as_str(),
            paint.reset(),
            f.check.as_str(),
            f.subject,
            f.evidence
        );
        if f.status != DnsStatus::Pass {
            let _ = writeln!(s, "          advice: {}", f.advice);
        }
    }
    s
}
