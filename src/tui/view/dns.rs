//! The DNS pane (MX mode): the domain's MX hosts, then one row per DNS mail-security
//! finding coloured like verdicts, and — when there is room — the selected finding's
//! evidence and advice (otherwise the verdict bar shows them while the pane has focus).
//!
//! ```text
//! ┌ DNS — example.com ──────────────────── ✘1 ▲2 ✔3 ┐
//! │ MX hosts                                         │
//! │  10 mx1.example.com  192.0.2.25, 2001:db8::25    │
//! │  20 mx2.example.com  192.0.2.26                  │
//! │ Checks (↑↓ selects)                              │
//! │ ✔ pass spf      example.com  v=spf1 mx -all      │
//! │▸▲ warn dmarc    example.com  p=none              │
//! │ ✘ fail dnsbl    192.0.2.26   listed in bl.test   │
//! │ ── dmarc · example.com ──                        │
//! │ evidence  p=none                                 │
//! │ advice    move to p=quarantine once reports …    │
//! └──────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::safe;
use crate::model::{DnsFinding, DnsReport, DnsStatus};
use crate::tui::app::{App, Pane};
use crate::tui::theme::{Theme, Tone};

/// Inner heights from which the pane shows the selected finding's details itself.
pub const DETAIL_MIN_HEIGHT: u16 = 12;

/// The tone of a DNS status, as for verdicts.
pub fn status_tone(status: DnsStatus) -> Tone {
    match status {
        DnsStatus::Pass => Tone::Good,
        DnsStatus::Warn => Tone::Warn,
        DnsStatus::Fail => Tone::Bad,
    }
}

/// The icon of a DNS status, as in the matrix.
pub fn status_icon(status: DnsStatus) -> &'static str {
    match status {
        DnsStatus::Pass => "✔",
        DnsStatus::Warn => "▲",
        DnsStatus::Fail => "✘",
    }
}

/// The selected finding (the index clamped to the list).
pub fn selected_finding(app: &App) -> Option<&DnsFinding> {
    let dns = app.run().dns()?;
    let n = dns.findings.len();
    dns.findings
        .get(app.panes.dns.selected.min(n.saturating_sub(1)))
}

/// Whether the pane in `area` is tall enough to show the details itself.
pub fn shows_detail(area: Rect) -> bool {
    area.height.saturating_sub(2) >= DETAIL_MIN_HEIGHT
}

fn count(dns: &DnsReport, status: DnsStatus) -> usize {
    dns.findings.iter().filter(|f| f.status == status).count()
}

/// The list part: MX hosts, then the findings; returns the lines and the line index of
/// the selected finding.
fn list_lines(t: Theme, dns: &DnsReport, selected: usize) -> (Vec<Line<'static>>, usize) {
    let mut out = vec![Line::from(Span::styled("MX hosts", t.heading()))];
    if dns.mx.is_empty() {
        out.push(Line::from(Span::styled(" none", t.dim())));
    }
    let host_w = dns
        .mx
        .iter()
        .map(|m| m.host.chars().count())
        .max()
        .unwrap_or(0)
        .min(32);
    for m in &dns.mx {
        let addrs = if m.addresses.is_empty() {
            Span::styled("no address".to_string(), t.tone(Tone::Warn))
        } else {
            Span::styled(safe(&m.addresses.join(", ")).into_owned(), t.dim())
        };
        out.push(Line::from(vec![
            Span::styled(format!("{:>3} ", m.preference), t.dim()),
            Span::raw(format!("{:<host_w$}  ", safe(&m.host))),
            addrs,
        ]));
    }
    out.push(Line::from(Span::styled(
        format!("Checks ({}, ↑↓ selects)", dns.findings.len()),
        t.heading(),
    )));
    let check_w = dns
        .findings
        .iter()
        .map(|f| f.check.as_str().len())
        .max()
        .unwrap_or(0);
    let mut sel_line = out.len();
    for (i, f) in dns.findings.iter().enumerate() {
        let tone = t.tone(status_tone(f.status));
        let is_sel = i == selected;
        if is_sel {
            sel_line = out.len();
        }
        let line = Line::from(vec![
            Span::raw(if is_sel { "▸" } else { " " }),
            Span::styled(
                format!("{} {:<4} ", status_icon(f.status), f.status.as_str()),
                tone,
            ),
            Span::raw(format!("{:<check_w$} ", f.check.as_str())),
            Span::raw(format!("{}  ", safe(&f.subject))),
            Span::styled(safe(&f.evidence).into_owned(), t.dim()),
        ]);
        out.push(if is_sel {
            line.style(t.selected())
        } else {
            line
        });
    }
    if dns.findings.is_empty() {
        out.push(Line::from(Span::styled(" no findings", t.dim())));
    }
    (out, sel_line)
}

/// The evidence and advice lines of a finding.
pub fn detail_lines(t: Theme, f: &DnsFinding) -> Vec<Line<'static>> {
    vec![
        Line::from(vec![
            Span::styled(
                format!(" {} ", f.status.as_str()),
                t.tone(status_tone(f.status))
                    .add_modifier(ratatui::style::Modifier::REVERSED),
            ),
            Span::raw(format!(" {} · {}", f.check.as_str(), safe(&f.subject))),
        ]),
        Line::from(vec![
            Span::styled(" evidence  ", t.dim()),
            Span::raw(safe(&f.evidence).into_owned()),
        ]),
        Line::from(vec![
            Span::styled(" advice    ", t.dim()),
            Span::raw(safe(&f.advice).into_owned()),
        ]),
    ]
}

/// Draws the DNS pane.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme();
    let Some(dns) = app.run().dns() else {
        return;
    };
    let counts = format!(
        " ✘{} ▲{} ✔{} ",
        count(dns, DnsStatus::Fail),
        count(dns, DnsStatus::Warn),
        count(dns, DnsStatus::Pass)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(app.panes.focus == Pane::Dns))
        .title(Span::styled(
            format!(" DNS — {} ", safe(&dns.domain)),
            t.heading(),
        ))
        .title(Line::from(Span::styled(counts, t.dim())).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let selected = app
        .panes
        .dns
        .selected
        .min(dns.findings.len().saturating_sub(1));
    let (list, sel_line) = list_lines(t, dns, selected);
    let detail = selected_finding(app).filter(|_| shows_detail(area));
    let (list_area, detail_area) = match detail {
        Some(_) => {
            let h = (inner.height / 3).clamp(4, 8);
            let [a, b] = Layout::vertical([Constraint::Min(1), Constraint::Length(h)]).areas(inner);
            (a, Some(b))
        }
        None => (inner, None),
    };
    let h = list_area.height as usize;
    let scroll = (sel_line + 1)
        .saturating_sub(h)
        .min(list.len().saturating_sub(h));
    frame.render_widget(
        Paragraph::new(list).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        list_area,
    );
    if let (Some(f), Some(r)) = (detail, detail_area) {
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(t.border(false));
        frame.render_widget(
            Paragraph::new(detail_lines(t, f))
                .block(block)
                .wrap(Wrap { trim: false }),
            r,
        );
    }
}

/// The verdict bar's stand-in while the DNS pane has focus and is too small to show
/// the selected finding's details itself.
pub fn render_bar(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme();
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border(false))
        .title(Span::styled(" DNS finding ", t.heading()));
    let lines = selected_finding(app).map_or_else(
        || vec![Line::from(Span::styled(" no findings", t.dim()))],
        |f| detail_lines(t, f),
    );
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
