//! The HTML report to hand over: ONE self-contained file (inline CSS, no script, no
//! font, no image, no link to the network; a Content-Security-Policy of
//! `default-src 'none'` makes sure of it) with the recommended settings and their code,
//! the matrix, each verdict with evidence and advice, the certificate chain, a
//! waterfall of the phase timings, the DNS report (MX mode), the options used and the
//! escaped transcript.
//!
//! Network text arrives already escaped by the engine (control bytes as `\x1b`); here
//! every string is HTML-escaped once more, so a banner such as `<script>` is shown, not
//! run.
//!
//! ```text
//! ┌ header: target, time, duration ─────────────────────────┐
//! │ recommended settings + snippets (details)               │
//! │ matrix table                                            │
//! │ findings · waterfall                                    │
//! │ one section per endpoint: verdict, cert chain, transcript│
//! │ DNS report · options used                               │
//! └─────────────────────────────────────────────────────────┘
//! ```

use std::fmt::Write as _;

use crate::model::{
    DnsReport, DnsStatus, EndpointJson, Phase, Recommendation, RunReport, Severity, TlsInfo,
};

const STYLE: &str = "
:root{--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--mute:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.meta{color:var(--mute)}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
code,pre,.mono{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:12.5px}
pre{background:var(--bg);border:1px solid var(--line);padding:10px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;margin:6px 0}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}.mute{color:var(--mute)}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-weight:600;font-size:12.5px;color:#fff}
.b-ok{background:var(--ok)}.b-warn{background:var(--warn)}.b-bad{background:var(--bad)}
.rec{border:2px solid var(--ok);border-radius:8px;padding:12px 16px;background:#f0fff4}
.rec.none{border-color:var(--bad);background:#fff5f5}
.kv td:first-child{width:210px;color:var(--mute)}
td.nw{white-space:nowrap}
.ep{border:1px solid var(--line);border-radius:8px;padding:4px 14px 10px;margin:14px 0}
.wf{position:relative;height:16px;background:var(--bg);border:1px solid var(--line);min-width:320px}
.wf span{position:absolute;top:1px;bottom:1px;min-width:2px;border-radius:2px}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
.p-dns{background:#8250df}.p-connect{background:#0969da}.p-banner{background:#1b7c83}.p-ehlo{background:#4ac26b}
.p-starttls{background:#bf8700}.p-tls_handshake{background:#e16f24}.p-ehlo_tls{background:#2da44e}.p-auth{background:#cf222e}
.p-mail,.p-rcpt,.p-data{background:#6e7781}.p-quit{background:#afb8c1}.p-detect{background:#a475f9}
.fail{outline:2px solid var(--bad)}
details summary{cursor:pointer;font-weight:600}
footer{margin-top:32px;color:var(--mute);font-size:12px}
";

/// The HTML report.
pub fn to_html(report: &RunReport) -> String {
    let mut h = String::with_capacity(16 * 1024);
    let title = format!("smtptui report: {}", report.target);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(&title)
    );
    let ok = report.endpoints.iter().filter(|e| e.class.is_ok()).count();
    let _ = writeln!(
        h,
        "<h1>SMTP submission report: {}</h1>\n<p class=\"meta\">Started {} · {:.0} ms · \
         {ok} of {} endpoint(s) work from here · smtptui {}</p>",
        esc(&report.target),
        esc(&report.started_at),
        report.duration_ms,
        report.endpoints.len(),
        env!("CARGO_PKG_VERSION")
    );
    recommended(&mut h, report);
    matrix(&mut h, report);
    findings(&mut h, report);
    waterfall(&mut h, report);
    let _ = writeln!(h, "<h2>Endpoints</h2>");
    for e in &report.endpoints {
        endpoint(&mut h, e);
    }
    if let Some(dns) = &report.dns {
        dns_report(&mut h, dns);
    }
    if !report.options.is_empty() {
        let _ = writeln!(h, "<h2>Options used</h2>\n<ul>");
        for o in &report.options {
            let _ = writeln!(h, "<li class=\"mono\">{}</li>", esc(o));
        }
        let _ = writeln!(h, "</ul>");
    }
    if !report.run_transcript.is_empty() {
        let _ = writeln!(
            h,
            "<details><summary>Run transcript (DNS, planning)</summary>\n<pre>"
        );
        for e in &report.run_transcript {
            let _ = writeln!(
                h,
                "{:>9.3} {:<3} {}",
                e.t_ms / 1000.0,
                esc(e.dir.marker()),
                esc(&e.text)
            );
        }
        let _ = writeln!(h, "</pre></details>");
    }
    let _ = writeln!(
        h,
        "<footer>Generated by smtptui {} — self-contained: this file loads nothing from the \
         network. Passwords and tokens are never recorded (AUTH lines show &lt;redacted&gt;); \
         bytes from servers are shown escaped.</footer>\n</main>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    h
}

/// HTML-escapes text for element content and double-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // The engine escapes network bytes; this is a second line of defence.
            // Tabs indent the generated Go snippet.
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The CSS tone of an endpoint, from the one severity source ([`Class::severity`]).
fn tone(e: &EndpointJson) -> &'static str {
    match e.class.severity() {
        Severity::Ok => "ok",
        Severity::Attention => "warn",
        Severity::Failure => "bad",
    }
}

fn icon(e: &EndpointJson) -> &'static str {
    e.class.severity().icon()
}

fn recommended(h: &mut String, report: &RunReport) {
    let _ = writeln!(h, "<h2>What works from here</h2>");
    let Some(r) = &report.recommended else {
        let _ = writeln!(
            h,
            "<div class=\"rec none\"><b>No endpoint worked from here.</b> See the verdicts \
             below for what failed and what to do.</div>"
        );
        return;
    };
    let _ = writeln!(
        h,
        "<div class=\"rec\"><p><b>Use {}</b></p>",
        esc(&r.headline())
    );
    rec_table(h, r);
    let _ = writeln!(
        h,
        "<p><b>The same settings as code</b> (the password comes from ${}):</p>",
        esc(&r.password_env)
    );
    for (i, s) in r.snippets.iter().enumerate() {
        let _ = writeln!(
            h,
            "<details{}><summary>{}</summary>\n<pre>{}</pre></details>",
            if i == 0 { " open" } else { "" },
            esc(&s.title),
            esc(&s.code)
        );
    }
    let _ = writeln!(h, "</div>");
}

fn rec_table(h: &mut String, r: &Recommendation) {
    let _ = writeln!(h, "<table class=\"kv\">");
    let mut row = |k: &str, v: &str| {
        let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(k), esc(v));
    };
    row("host", &r.host);
    row("port", &r.port.to_string());
    row("security", &r.security);
    if let Some(m) = &r.mech {
        let state = if r.auth_verified {
            "succeeded here"
        } else {
            "offered, not tested"
        };
        row("AUTH", &format!("{m} ({state})"));
    }
    row(
        "user",
        &match &r.user {
            Some(u) => format!("{u} ({})", r.user_form),
            None => r.user_form.clone(),
        },
    );
    row(
        "password",
        &format!("from the environment variable {}", r.password_env),
    );
    if let Some(n) = &r.tls_server_name {
        row("TLS name", n);
    }
    if let Some(ca) = &r.ca_file {
        row(
            "CA file",
            &format!("{ca} (the certificate verified with it)"),
        );
    }
    row("why", &r.why);
    for n in &r.notes {
        row("note", n);
    }
    let _ = writeln!(h, "</table>");
    if !r.not_chosen.is_empty() {
        let _ = writeln!(h, "<p><b>Not chosen</b></p>\n<table class=\"kv\">");
        for n in &r.not_chosen {
            let _ = writeln!(
                h,
                "<tr><td class=\"mono\">{}</td><td>{}</td></tr>",
                esc(&n.endpoint),
                esc(&n.reason)
            );
        }
        let _ = writeln!(h, "</table>");
    }
}

fn matrix(h: &mut String, report: &RunReport) {
    // A Host column only when the rows have different hosts (MX mode).
    let multi = report
        .endpoints
        .iter()
        .any(|e| report.endpoints.first().is_some_and(|f| f.host != e.host));
    let _ = writeln!(
        h,
        "<h2>Port matrix</h2>\n<table>\n<tr><th></th><th>Endpoint</th>{}\
         <th>Connect</th><th>Banner</th><th>TLS</th><th>AUTH</th><th>Verdict</th><th>Summary</th></tr>",
        if multi { "<th>Host</th>" } else { "" }
    );
    for e in &report.endpoints {
        let connect = e
            .timings_ms
            .get(Phase::Connect.as_str())
            .map_or("-".to_string(), |ms| format!("{ms:.1} ms"));
        let banner = e.banner.as_deref().and_then(|b| b.get(..3)).unwrap_or("-");
        let tls = e.tls.as_ref().map_or("-", |t| t.version.as_str());
        let _ = writeln!(
            h,
            "<tr><td class=\"{t}\">{}</td><td class=\"mono nw\"><a href=\"#ep{}\">{}</a></td>{}\
             <td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"mono\">{}</td>\
             <td><span class=\"badge b-{t}\">{}</span>{}</td><td>{}</td></tr>",
            icon(e),
            endpoint_anchor(e),
            esc(&e.label()),
            if multi {
                format!("<td>{}</td>", esc(&e.host))
            } else {
                String::new()
            },
            esc(&connect),
            esc(banner),
            esc(tls),
            esc(&super::text::auth_cell(e).replace(',', ", ")),
            esc(e.class.code()),
            match e.warnings.len() {
                0 => String::new(),
                n => format!(" <span class=\"warn\" title=\"warnings\">!{n}</span>"),
            },
            esc(&e.summary),
            t = tone(e),
        );
    }
    let _ = writeln!(
        h,
        "</table>\n<p class=\"mute\">{} works · {} warning (certificate or set-up problem, try \
         later) · {} fails</p>",
        Severity::Ok.icon(),
        Severity::Attention.icon(),
        Severity::Failure.icon()
    );
}

fn endpoint_anchor(e: &EndpointJson) -> String {
    // Only digits, letters and '-' in the fragment id.
    e.label()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn findings(h: &mut String, report: &RunReport) {
    if report.findings.is_empty() {
        return;
    }
    let _ = writeln!(h, "<h2>Findings</h2>");
    for f in &report.findings {
        let _ = writeln!(
            h,
            "<p><code>{}</code> — {}<br><span class=\"mute\">evidence:</span> {}<br>\
             <span class=\"mute\">advice:</span> {}</p>",
            esc(&f.code),
            esc(&f.summary),
            esc(&f.evidence),
            esc(&f.advice)
        );
    }
}

fn waterfall(h: &mut String, report: &RunReport) {
    let phases = || report.endpoints.iter().flat_map(|e| e.timeline.iter());
    let Some(start) = phases().map(|t| t.start_ms).reduce(f64::min) else {
        return;
    };
    let end = phases()
        .map(|t| t.start_ms + t.dur_ms)
        .fold(start, f64::max);
    if end <= start {
        return;
    }
    let span = end - start;
    let _ = writeln!(
        h,
        "<h2>Timeline</h2>\n<p class=\"mute\">Each phase from the start of the run; the \
         whole bar is {span:.0} ms. A red outline marks the phase that failed.</p>\n<table>"
    );
    for e in &report.endpoints {
        let _ = write!(
            h,
            "<tr><td class=\"mono\" style=\"width:260px\">{}</td><td><div class=\"wf\">",
            esc(&e.label())
        );
        for t in &e.timeline {
            let left = (t.start_ms - start) / span * 100.0;
            let width = t.dur_ms / span * 100.0;
            let _ = write!(
                h,
                "<span class=\"p-{}{}\" style=\"left:{left:.2}%;width:{width:.2}%\" title=\"{} {:.1} ms\"></span>",
                t.phase.as_str(),
                if t.ok { "" } else { " fail" },
                esc(t.phase.label()),
                t.dur_ms
            );
        }
        let first = e.timeline.iter().map(|t| t.start_ms).reduce(f64::min);
        let last = e
            .timeline
            .iter()
            .map(|t| t.start_ms + t.dur_ms)
            .fold(0f64, f64::max);
        let total = first.map_or(0.0, |f| last - f);
        let total = if total < 10.0 {
            format!("{total:.1} ms")
        } else {
            format!("{total:.0} ms")
        };
        let _ = writeln!(h, "</div></td><td class=\"mono nw\">{total}</td></tr>");
    }
    let _ = write!(h, "</table>\n<p class=\"legend mute\">");
    for p in [
        Phase::Dns,
        Phase::Connect,
        Phase::Banner,
        Phase::Ehlo,
        Phase::Starttls,
        Phase::TlsHandshake,
        Phase::EhloTls,
        Phase::Auth,
        Phase::Mail,
        Phase::Quit,
        Phase::Detect,
    ] {
        let _ = write!(h, "<span class=\"p-{}\"></span>{}", p.as_str(), p.label());
    }
    let _ = writeln!(h, "</p>");
}

fn endpoint(h: &mut String, e: &EndpointJson) {
    let t = tone(e);
    let _ = writeln!(
        h,
        "<div class=\"ep\" id=\"ep{}\"><h3><span class=\"{t}\">{}</span> {} \
         <span class=\"badge b-{t}\">{}</span></h3>\n<table class=\"kv\">\
         <tr><td>verdict</td><td>{}</td></tr><tr><td>evidence</td><td>{}</td></tr>\
         <tr><td>advice</td><td>{}</td></tr>",
        endpoint_anchor(e),
        icon(e),
        esc(&e.label()),
        esc(e.class.code()),
        esc(&e.summary),
        esc(&e.evidence),
        esc(&e.advice)
    );
    super::html_rows::facts(h, e);
    if let Some(b) = &e.banner {
        let _ = writeln!(
            h,
            "<tr><td>banner</td><td class=\"mono\">{}</td></tr>",
            esc(b)
        );
    }
    if let Some(l) = &e.local_addr {
        let _ = writeln!(
            h,
            "<tr><td>from</td><td class=\"mono\">{}</td></tr>",
            esc(l)
        );
    }
    if !e.timeline.is_empty() {
        let phases: Vec<String> = e
            .timeline
            .iter()
            .map(|t| {
                format!(
                    "{} {:.1} ms{}",
                    t.phase.label(),
                    t.dur_ms,
                    if t.ok { "" } else { " ✘" }
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr><td>phases</td><td>{}</td></tr>",
            esc(&phases.join(" · "))
        );
    }
    let _ = writeln!(h, "</table>");
    if let Some(tls) = &e.tls {
        tls_table(h, tls);
    }
    let _ = writeln!(
        h,
        "<details{}><summary>Transcript ({} lines)</summary>\n<pre>",
        if e.class.is_ok() { "" } else { " open" },
        e.transcript.len()
    );
    for l in &e.transcript {
        let _ = writeln!(
            h,
            "{:>9.3} {:<3} {}",
            l.t_ms / 1000.0,
            esc(l.dir.marker()),
            esc(&l.text)
        );
    }
    let _ = writeln!(h, "</pre></details></div>");
}

/// The TLS line and the certificate chain table of one endpoint.
fn tls_table(h: &mut String, tls: &TlsInfo) {
    let state = if tls.verified {
        format!(
            "<span class=\"ok\">verified for {}</span>",
            esc(&tls.checked_name)
        )
    } else {
        format!(
            "<span class=\"bad\">NOT verified for {}</span>: {}",
            esc(&tls.checked_name),
            esc(tls.error.as_deref().unwrap_or(""))
        )
    };
    let _ = writeln!(
        h,
        "<p><b>TLS</b> {} · {} {} — certificate {state}</p>\n<table>\
         <tr><th>#</th><th>Subject</th><th>Issuer</th><th>SANs</th><th>Valid</th>\
         <th>Key</th><th>SHA-256</th></tr>",
        esc(&tls.version),
        esc(&tls.cipher),
        esc(tls.group.as_deref().unwrap_or("")),
    );
    for (i, c) in tls.chain.iter().enumerate() {
        let days = if c.days_left < 0 {
            format!(
                "<span class=\"bad\">expired {} days ago</span>",
                -c.days_left
            )
        } else {
            format!("{} days left", c.days_left)
        };
        let _ = writeln!(
            h,
            "<tr><td>{i}</td><td>{}</td><td>{}</td><td>{}</td><td>{} – {}<br>{days}</td>\
             <td>{}<br>{}</td><td class=\"mono\">{}</td></tr>",
            esc(&c.subject),
            esc(&c.issuer),
            esc(&c.sans.join(", ")),
            esc(&c.not_before),
            esc(&c.not_after),
            esc(&c.key),
            esc(&c.signature),
            esc(&c.sha256)
        );
    }
    let _ = writeln!(h, "</table>");
}

fn dns_report(h: &mut String, dns: &DnsReport) {
    let _ = writeln!(
        h,
        "<h2>DNS mail-security report: {}</h2>\n<table><tr><th>Pref</th><th>MX</th><th>Addresses</th></tr>",
        esc(&dns.domain)
    );
    for m in &dns.mx {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td></tr>",
            m.preference,
            esc(&m.host),
            esc(&m.addresses.join(", "))
        );
    }
    let _ = writeln!(
        h,
        "</table>\n<table><tr><th>Status</th><th>Check</th><th>Subject</th><th>Evidence</th><th>Advice</th></tr>"
    );
    for f in &dns.findings {
        let t = match f.status {
            DnsStatus::Pass => "ok",
            DnsStatus::Warn => "warn",
            DnsStatus::Fail => "bad",
        };
        let _ = writeln!(
            h,
            "<tr><td><span class=\"badge b-{t}\">{}</span></td><td class=\"mono\">{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            f.status.as_str(),
            f.check.as_str(),
            esc(&f.subject),
            esc(&f.evidence),
            if f.status == DnsStatus::Pass {
                String::new()
            } else {
                esc(&f.advice)
            }
        );
    }
    let _ = writeln!(h, "</table>");
}
