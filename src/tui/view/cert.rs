//! The certificate inspector: verification verdict, negotiated parameters, the chain as
//! a selectable list (leaf → intermediates → root) and the selected certificate's
//! details. An unverified chain is labelled "UNTRUSTED — shown for inspection" in the
//! title and in the body.
//!
//! ```text
//! ┌ Certificate  UNTRUSTED — shown for inspection ┐
//! │ ✘ UNTRUSTED — shown for inspection             │
//! │   reason: certificate expired (expired)        │
//! │ Subject   CN=mail.example.com                  │
//! │ SANs      mail.example.com                     │
//! │ Until     2026-01-01T00:00:00Z (12 days ago)   │
//! │ Issuer    CN=Example CA R1                     │
//! │ SHA-256   AB:CD:… (wrapped, never cut)         │
//! │ Chain (2, ↑↓ selects)                          │
//! │ ▸ leaf          CN=mail.example.com            │
//! │ TLS       TLSv1.3 · TLS13_AES_256_GCM_SHA384   │
//! └────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::safe;
use crate::model::{CertProblem, CertSummary, TlsInfo};
use crate::tui::app::{App, Pane, RowState};
use crate::tui::theme::{Theme, Tone};

/// The label of an unverified chain.
pub const UNTRUSTED: &str = "UNTRUSTED — shown for inspection";

/// A problem in words.
pub fn problem_text(p: &CertProblem) -> String {
    match p {
        CertProblem::Expired => "expired".into(),
        CertProblem::NotYetValid => "not yet valid".into(),
        CertProblem::UnknownIssuer => "unknown issuer".into(),
        CertProblem::SelfSigned => "self-signed".into(),
        CertProblem::HostnameMismatch => "hostname mismatch".into(),
        CertProblem::BadSignature => "bad signature".into(),
        CertProblem::Other(s) => safe(s).into_owned(),
    }
}

fn role(i: usize, n: usize, c: &CertSummary) -> &'static str {
    if i == 0 {
        "leaf"
    } else if i + 1 == n && (c.self_signed || c.is_ca) && c.subject == c.issuer {
        "root"
    } else {
        "intermediate"
    }
}

fn kv(t: Theme, k: &str, v: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{k:<10}"), t.dim()),
        Span::raw(v.into()),
    ])
}

/// A key and a value wrapped to `width` columns: continuation lines are indented under
/// the value; long hex strings break after a `:` so no octet is split.
fn kv_wrap(t: Theme, k: &str, v: &str, width: usize) -> Vec<Line<'static>> {
    let room = width.saturating_sub(10).max(12);
    let mut rows: Vec<String> = Vec::new();
    let mut cur = String::new();
    let sep = if v.contains(' ') { ' ' } else { ':' };
    let parts: Vec<&str> = v.split(sep).collect();
    for (i, part) in parts.iter().enumerate() {
        // The separator stays at the end of its line (`AB:CD:` / `EF:…`).
        let piece = if i + 1 < parts.len() {
            format!("{part}{sep}")
        } else {
            (*part).to_string()
        };
        if cur.chars().count() + piece.trim_end().chars().count() > room && !cur.is_empty() {
            rows.push(cur.trim_end().to_string());
            cur = String::new();
        }
        cur.push_str(&piece);
    }
    rows.push(cur);
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| kv(t, if i == 0 { k } else { "" }, r))
        .collect()
}

/// The body lines for a TLS handshake, `width` columns wide. The essentials come first
/// (verdict, subject, SANs, validity with the days, fingerprint), so a short pane shows
/// them without scrolling; then the parameters, the chain and the rest.
pub fn lines(app: &App, tls: &TlsInfo, width: usize) -> Vec<Line<'static>> {
    let t = app.theme();
    let mut out = verification_lines(t, tls, width);
    out.extend(client_lines(t, tls));
    let n = tls.chain.len();
    if n == 0 {
        out.push(Line::from(Span::styled(
            "no certificates presented",
            t.tone(Tone::Bad),
        )));
        out.extend(params_lines(t, tls));
        return out;
    }
    let sel = app.panes.cert.index.min(n - 1);
    let cert = &tls.chain[sel];
    out.extend(essential_lines(t, tls, cert, width));
    out.extend(chain_lines(t, tls, sel));
    out.extend(params_lines(t, tls));
    out.extend(detail_lines(t, cert, width));
    out
}

/// Verified for the name checked, or UNTRUSTED with the reason.
fn verification_lines(t: Theme, tls: &TlsInfo, width: usize) -> Vec<Line<'static>> {
    if tls.verified {
        return vec![Line::from(Span::styled(
            format!("✔ verified for {}", safe(&tls.checked_name)),
            t.tone(Tone::Good),
        ))];
    }
    let mut out = vec![Line::from(Span::styled(
        format!("✘ {UNTRUSTED}"),
        t.tone(Tone::Bad),
    ))];
    let reason = tls
        .error
        .as_deref()
        .map(|e| safe(e).into_owned())
        .unwrap_or_default();
    let problem = tls.problem.as_ref().map(problem_text);
    let text = match (reason.is_empty(), problem) {
        // The reason usually names the problem already ("certificate expired …").
        (false, Some(problem)) if reason.contains(problem.as_str()) => reason,
        (false, Some(problem)) => format!("{reason} ({problem})"),
        (false, None) => reason,
        (true, Some(problem)) => problem,
        (true, None) => "the verifier gave no reason".into(),
    };
    out.extend(kv_wrap(t, "  reason", &text, width));
    out
}

/// The days left (or since expiry) in words, and their tone.
fn days_left(tls: &TlsInfo, cert: &CertSummary) -> (String, Tone) {
    let expired_today = cert.days_left == 0 && tls.problem == Some(CertProblem::Expired);
    let plural = |n: i64| if n == 1 { "day" } else { "days" };
    if cert.days_left < 0 {
        (
            format!(
                "expired {} {} ago",
                -cert.days_left,
                plural(-cert.days_left)
            ),
            Tone::Bad,
        )
    } else if expired_today {
        ("expired less than a day ago".to_string(), Tone::Bad)
    } else if cert.days_left == 0 {
        ("less than a day left".to_string(), Tone::Warn)
    } else if cert.days_left < 14 {
        (
            format!("{} {} left", cert.days_left, plural(cert.days_left)),
            Tone::Warn,
        )
    } else {
        (format!("{} days left", cert.days_left), Tone::Good)
    }
}

/// Subject, SANs, validity with the days, fingerprint and issuer of `cert`.
fn essential_lines(
    t: Theme,
    tls: &TlsInfo,
    cert: &CertSummary,
    width: usize,
) -> Vec<Line<'static>> {
    let days = days_left(tls, cert);
    let mut out = kv_wrap(t, "Subject", &safe(&cert.subject), width);
    if !cert.sans.is_empty() {
        out.extend(kv_wrap(t, "SANs", &safe(&cert.sans.join(", ")), width));
    }
    let until = safe(&cert.not_after).into_owned();
    if 10 + until.chars().count() + 3 + days.0.chars().count() <= width {
        out.push(Line::from(vec![
            Span::styled(format!("{:<10}", "Until"), t.dim()),
            Span::raw(format!("{until} ")),
            Span::styled(format!("({})", days.0), t.tone(days.1)),
        ]));
    } else {
        out.push(kv(t, "Until", until));
        out.push(Line::from(vec![
            Span::raw(" ".repeat(10)),
            Span::styled(format!("({})", days.0), t.tone(days.1)),
        ]));
    }
    out.extend(kv_wrap(t, "SHA-256", &safe(&cert.sha256), width));
    out.extend(kv_wrap(t, "Issuer", &safe(&cert.issuer), width));
    out
}

/// The chain as a list, leaf first, `sel` marked.
fn chain_lines(t: Theme, tls: &TlsInfo, sel: usize) -> Vec<Line<'static>> {
    let n = tls.chain.len();
    let mut out = vec![Line::from(Span::styled(
        format!("Chain ({n}, ↑↓ selects)"),
        t.heading(),
    ))];
    for (i, c) in tls.chain.iter().enumerate() {
        let marker = if i == sel { "▸ " } else { "  " };
        let line = Line::from(format!("{marker}{:<13}{}", role(i, n, c), safe(&c.subject)));
        out.push(if i == sel {
            line.style(t.selected())
        } else {
            line
        });
    }
    out
}

/// The rest of `cert`: start of validity, key, signature, serial, flags.
fn detail_lines(t: Theme, cert: &CertSummary, width: usize) -> Vec<Line<'static>> {
    let mut out = vec![
        kv(t, "From", safe(&cert.not_before).into_owned()),
        kv(t, "Key", safe(&cert.key).into_owned()),
        kv(t, "Signature", safe(&cert.signature).into_owned()),
    ];
    out.extend(kv_wrap(t, "Serial", &safe(&cert.serial), width));
    out.push(kv(
        t,
        "Flags",
        format!(
            "{}{}",
            if cert.self_signed {
                "self-signed"
            } else {
                "not self-signed"
            },
            if cert.is_ca { ", CA" } else { "" }
        ),
    ));
    out
}

/// The negotiated parameters, the name checked and the client-certificate request.
fn params_lines(t: Theme, tls: &TlsInfo) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut params = vec![
        safe(&tls.version).into_owned(),
        safe(&tls.cipher).into_owned(),
    ];
    if let Some(g) = &tls.group {
        params.push(safe(g).into_owned());
    }
    out.push(kv(t, "TLS", params.join(" · ")));
    out.push(kv(t, "checked", safe(&tls.checked_name).into_owned()));
    out
}

/// The server's request for a client certificate (mutual TLS), when it asked.
fn client_lines(t: Theme, tls: &TlsInfo) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if tls.client_cert_requested {
        let sent = if tls.client_cert_sent {
            "sent"
        } else {
            "none sent"
        };
        out.push(kv(t, "client", format!("certificate requested ({sent})")));
        if !tls.client_cert_cas.is_empty() {
            out.push(kv(
                t,
                "  CAs",
                safe(&tls.client_cert_cas.join("; ")).into_owned(),
            ));
        }
    }
    out
}

/// Draws the inspector for the selected endpoint.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme();
    let ep = app.selected_endpoint();
    let tls = ep.and_then(|e| e.tls.as_ref());
    let mut title = vec![Span::styled(" Certificate ", t.heading())];
    if tls.is_some_and(|i| !i.verified) {
        // The full label when it fits; the body always carries it in full.
        let label = if area.width as usize >= UNTRUSTED.chars().count() + 18 {
            UNTRUSTED
        } else {
            "UNTRUSTED"
        };
        title.push(Span::styled(format!(" {label} "), t.tone(Tone::Bad)));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(app.panes.focus == Pane::Cert))
        .title(Line::from(title));
    let body = match (ep, tls) {
        (_, Some(info)) => lines(app, info, area.width.saturating_sub(2) as usize),
        (Some(e), None) if matches!(e.state, RowState::Running(_) | RowState::Pending) => {
            vec![Line::from(Span::styled(
                "waiting for a TLS handshake…",
                t.dim(),
            ))]
        }
        (Some(_), None) => {
            vec![Line::from(Span::styled(
                "no TLS handshake on this endpoint",
                t.dim(),
            ))]
        }
        (None, None) => vec![Line::from(Span::styled("no endpoint selected", t.dim()))],
    };
    let inner_h = area.height.saturating_sub(2) as usize;
    let max_scroll = body.len().saturating_sub(inner_h);
    let scroll = app.panes.cert.scroll.min(max_scroll) as u16;
    frame.render_widget(Paragraph::new(body).block(block).scroll((scroll, 0)), area);
}
