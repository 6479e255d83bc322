//! The text report: a summary first (the matrix, each verdict with evidence and
//! advice, matrix findings, the recommended settings and the options used), then the
//! transcript of every endpoint with swaks-like markers (`->` `<-` client/server, `~>`
//! `<~` inside TLS, `===` info, `***` error) and timestamps relative to the start.

use std::fmt::Write as _;

use crate::model::report::ManualSession;
use crate::model::{DnsReport, EndpointJson, RunReport, TranscriptEntry};

/// The text report.
pub fn to_text(report: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "=== smtptui {} report", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "=== target: {}", report.target);
    let _ = writeln!(
        out,
        "=== started: {}  duration: {:.0} ms{}",
        report.started_at,
        report.duration_ms,
        match report.manual_sessions.len() {
            0 => String::new(),
            n => format!(" (the probe; {n} manual session(s) below)"),
        }
    );
    out.push_str(&summary(report));
    let _ = writeln!(out, "\n=== transcript");
    for e in &report.run_transcript {
        push_entry(&mut out, e);
    }
    for ep in &report.endpoints {
        push_endpoint(&mut out, ep);
    }
    for m in &report.manual_sessions {
        push_manual(&mut out, m);
    }
    if let Some(dns) = &report.dns {
        push_dns(&mut out, dns);
    }
    out
}

/// One endpoint: its transcript, verdict, provider, path, warnings and TLS chain.
fn push_endpoint(out: &mut String, ep: &EndpointJson) {
    let _ = writeln!(out);
    let _ = writeln!(out, "=== endpoint {} ({})", ep.label(), ep.host);
    for e in &ep.transcript {
        push_entry(out, e);
    }
    let _ = writeln!(out, "=== verdict: {} - {}", ep.class, ep.summary);
    let _ = writeln!(out, "=== evidence: {}", ep.evidence);
    let _ = writeln!(out, "=== advice: {}", ep.advice);
    if let Some(p) = &ep.provider {
        let _ = writeln!(out, "=== provider: {} ({})", p.name, p.evidence);
    }
    if let Some(p) = &ep.path {
        let _ = writeln!(out, "=== path: {}", p.summary());
    }
    for w in &ep.warnings {
        let _ = writeln!(out, "=== warning {}: {}", w.code, w.summary);
        let _ = writeln!(out, "===   evidence: {}", w.evidence);
        let _ = writeln!(out, "===   advice: {}", w.advice);
    }
    if let Some(tls) = &ep.tls {
        let state = if tls.verified {
            "verified"
        } else {
            "NOT VERIFIED (shown for inspection)"
        };
        let _ = writeln!(
            out,
            "=== tls: {} {} certificate {state}",
            tls.version, tls.cipher
        );
        for (i, c) in tls.chain.iter().enumerate() {
            let _ = writeln!(
                out,
                "===   [{i}] {} (issuer {}) until {} sha256 {}",
                c.subject, c.issuer, c.not_after, c.sha256
            );
        }
    }
}

/// One manual (stepping) session: its transcript and verdict.
fn push_manual(out: &mut String, m: &ManualSession) {
    let ep = &m.session;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "=== manual session {} on {} ({}): started at {:.3} s, lasted {:.0} ms",
        m.number,
        ep.label(),
        ep.host,
        m.started_ms / 1000.0,
        m.duration_ms
    );
    for e in &ep.transcript {
        push_entry(out, e);
    }
    let _ = writeln!(
        out,
        "=== manual session {} verdict: {} - {}",
        m.number, ep.class, ep.summary
    );
}

/// The DNS mail-security report of an MX run.
fn push_dns(out: &mut String, dns: &DnsReport) {
    let _ = writeln!(out);
    let _ = writeln!(out, "=== DNS report for {}", dns.domain);
    for mx in &dns.mx {
        let _ = writeln!(
            out,
            "===   MX {} {} ({})",
            mx.preference,
            mx.host,
            mx.addresses.join(", ")
        );
    }
    for f in &dns.findings {
        let _ = writeln!(
            out,
            "=== dns {} {} {}: {}",
            f.status.as_str(),
            f.check.as_str(),
            f.subject,
            f.evidence
        );
    }
}

/// The summary block at the top of the text report.
fn summary(report: &RunReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\nSUMMARY");
    let width = report
        .endpoints
        .iter()
        .map(|e| e.label().len())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        s,
        "  {:<width$}  {:<24} {:<8} {:<14} SUMMARY",
        "ENDPOINT", "VERDICT", "TLS", "AUTH"
    );
    for e in &report.endpoints {
        let _ = writeln!(
            s,
            "  {:<width$}  {:<24} {:<8} {:<14} {}",
            e.label(),
            e.class.code(),
            e.tls.as_ref().map_or("-", |t| t.version.as_str()),
            auth_cell(e),
            e.summary
        );
    }
    if report.endpoints.is_empty() {
        let _ = writeln!(s, "  no endpoint was probed");
    }
    let failing: Vec<&EndpointJson> = report
        .endpoints
        .iter()
        .filter(|e| !e.class.is_ok())
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(s, "\nVERDICTS");
        for e in failing {
            let _ = writeln!(s, "  {} - {}: {}", e.label(), e.class.code(), e.summary);
            let _ = writeln!(s, "    evidence: {}", e.evidence);
            let _ = writeln!(s, "    advice:   {}", e.advice);
        }
    }
    if report.endpoints.iter().any(|e| !e.warnings.is_empty()) {
        let _ = writeln!(s, "\nWARNINGS");
        for e in &report.endpoints {
            for w in &e.warnings {
                let _ = writeln!(s, "  {} - {}: {}", e.label(), w.code, w.summary);
                let _ = writeln!(s, "    evidence: {}", w.evidence);
                let _ = writeln!(s, "    advice:   {}", w.advice);
            }
        }
    }
    if !report.findings.is_empty() {
        let _ = writeln!(s, "\nFINDINGS");
        for f in &report.findings {
            let _ = writeln!(s, "  {}: {} ({})", f.code, f.summary, f.evidence);
            let _ = writeln!(s, "    advice:   {}", f.advice);
        }
    }
    match &report.recommended {
        Some(r) => {
            let _ = writeln!(s, "\nRECOMMENDED SETTINGS: {}", r.headline());
            for line in r.settings_text().lines() {
                let _ = writeln!(s, "  {line}");
            }
            let _ = writeln!(
                s,
                "  (code for Python, Node, PHP, Django, .NET, Go and curl: the HTML and JSON reports)"
            );
        }
        None if !report.endpoints.is_empty() => {
            let _ = writeln!(
                s,
                "\nRECOMMENDED SETTINGS: none - no endpoint worked from here"
            );
        }
        None => {}
    }
    if !report.options.is_empty() {
        let _ = writeln!(s, "\nOPTIONS USED");
        for o in &report.options {
            let _ = writeln!(s, "  {o}");
        }
    }
    s
}

/// AUTH column: the mechanism that succeeded, or the ones offered.
pub(super) fn auth_cell(e: &EndpointJson) -> String {
    match &e.auth_mech {
        Some(m) => format!("{m} ok"),
        None if e.auth_mechanisms.is_empty() => "-".into(),
        None => e.auth_mechanisms.join(","),
    }
}

fn push_entry(out: &mut String, e: &TranscriptEntry) {
    let _ = writeln!(
        out,
        "{:>10.3} {:<3} {}",
        e.t_ms / 1000.0,
        e.dir.marker(),
        e.text
    );
}
