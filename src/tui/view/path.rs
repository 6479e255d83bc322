//! The path view (`P`, or `t` cycles to it): the selected endpoint's network path, one
//! row per TTL with an RTT bar, the hop where it stops marked, and the control port's
//! path (the port of the same address that reached the server) beside it.
//!
//! ```text
//! ┌ Path — v4 25/starttls ───────────────────────────────────────┐
//! │ dropped after hop 2 (100.64.7.2)                             │
//! │ ttl  this port                rtt          control 587       │
//! │   1  10.7.1.1        ▆▆       0.7ms        10.7.1.1          │
//! │ ▶ 2  100.64.7.2      ▆        0.5ms        100.64.7.2        │
//! │   3  *                                     198.18.7.2 ✔      │
//! │ 4-20 *  no answer                                            │
//! └──────────────────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{safe, short_label};
use crate::model::{Hop, Icmp, PathReport, PathVerdict, TcpReply};
use crate::tui::app::{App, Pane};
use crate::tui::endpoint_view::EndpointView;
use crate::tui::theme::{Theme, Tone};

/// Width of the RTT bar in cells.
const BAR: usize = 8;

fn hop_at(p: &PathReport, ttl: u8) -> Option<&Hop> {
    p.hops.iter().find(|h| h.ttl == ttl)
}

fn what(h: &Hop) -> &'static str {
    match (h.icmp, h.tcp) {
        (Some(Icmp::TimeExceeded), _) | (None, None) => "",
        (Some(i), _) => i.as_str(),
        (None, Some(TcpReply::SynAck)) => "✔ connected",
        (None, Some(TcpReply::Rst)) => "reset",
    }
}

/// The matrix's short located verdict: `dropped@2`, `rejected@2`, `intercepted@1`.
pub fn matrix_tag(p: &PathReport) -> Option<String> {
    let hop = p.at.as_ref().map_or(0, |a| a.hop);
    match p.verdict {
        PathVerdict::DroppedAfter => Some(format!("dropped@{hop}")),
        PathVerdict::RejectedBy => Some(format!("rejected@{hop}")),
        PathVerdict::InterceptedAt => Some(format!("intercepted@{hop}")),
        PathVerdict::Reached | PathVerdict::Unavailable => None,
    }
}

/// The control port's view, when the path names one.
fn control<'a>(app: &'a App, ep: &EndpointView) -> Option<(u16, &'a PathReport)> {
    let port = ep.path.as_ref()?.control_port?;
    app.run()
        .endpoints()
        .iter()
        .find(|o| o.endpoint.address == ep.endpoint.address && o.endpoint.port == port)
        .and_then(|o| o.path.as_ref().map(|p| (port, p)))
}

/// The lines of the view for one endpoint.
pub fn lines(app: &App, ep: &EndpointView, width: u16) -> Vec<Line<'static>> {
    let t = app.theme();
    let Some(p) = &ep.path else {
        let why = if app.run().running() {
            "tracing… (the path comes when the probes finish)"
        } else {
            "not traced (loopback, a proxy, or --no-trace)"
        };
        return vec![Line::from(Span::styled(why.to_string(), t.dim()))];
    };
    let tone = match p.verdict {
        PathVerdict::Reached => Tone::Good,
        PathVerdict::InterceptedAt => Tone::Warn,
        PathVerdict::Unavailable => Tone::Dim,
        PathVerdict::DroppedAfter | PathVerdict::RejectedBy => Tone::Bad,
    };
    let mut out = vec![Line::from(Span::styled(
        safe(&p.summary()).into_owned(),
        t.tone(tone),
    ))];
    if p.verdict == PathVerdict::Unavailable {
        return out;
    }
    let ctl = control(app, ep);
    // Narrow: the control port's path goes on its own line below the verdict.
    let narrow = width < 60;
    let table = HopTable::new(p, ctl.filter(|_| !narrow), ctl, width, narrow);
    out.push(table.head(t));
    for ttl in 1..=table.last_row {
        out.push(table.row(t, ttl, tone));
    }
    if table.last_ttl > table.last_row {
        out.push(Line::from(Span::styled(
            format!("{}-{} *  no answer", table.last_row + 1, table.last_ttl),
            t.dim(),
        )));
    }
    if let (true, Some((port, c))) = (narrow, ctl) {
        // Right under the verdict: a compact pane is only a few rows tall.
        out.insert(1, control_line(t, port, c));
    }
    if let Some(n) = &p.note {
        out.push(Line::from(Span::styled(safe(n).into_owned(), t.dim())));
    }
    out
}

/// The hop table's geometry: which rows, how wide the address and the RTT bar, the
/// longest RTT (the bar's full width) and the hop where the path stops.
struct HopTable<'a> {
    path: &'a PathReport,
    /// The control port's path, in a column beside (wide panes only).
    ctl: Option<(u16, &'a PathReport)>,
    bar_w: usize,
    addr_w: usize,
    max_rtt: f64,
    stop: Option<u8>,
    /// The last TTL with a row of its own.
    last_row: u8,
    /// The last TTL tried.
    last_ttl: u8,
}

impl<'a> HopTable<'a> {
    /// `ctl` is the column beside; `ctl_any` the control port's path even when it goes
    /// on a line of its own (its length still decides how many rows to show).
    fn new(
        path: &'a PathReport,
        ctl: Option<(u16, &'a PathReport)>,
        ctl_any: Option<(u16, &'a PathReport)>,
        width: u16,
        narrow: bool,
    ) -> Self {
        let bar_w = if narrow { 4 } else { BAR };
        let cols = usize::from(width).saturating_sub(5 + bar_w + 9);
        let addr_w = if ctl.is_some() {
            cols.saturating_sub(2) / 2
        } else {
            cols
        };
        let max_rtt = path
            .hops
            .iter()
            .chain(ctl.iter().flat_map(|(_, c)| c.hops.iter()))
            .filter_map(|h| h.rtt_ms)
            .fold(0.0_f64, f64::max)
            .max(0.001);
        let last_answer = path
            .hops
            .iter()
            .filter(|h| h.addr.is_some())
            .map(|h| h.ttl)
            .max();
        let ctl_len = ctl_any.and_then(|(_, c)| c.distance).unwrap_or(0);
        let shown = last_answer.unwrap_or(0).max(ctl_len).saturating_add(1);
        let last_ttl = path.hops.last().map_or(0, |h| h.ttl);
        Self {
            path,
            ctl,
            bar_w,
            addr_w: addr_w.clamp(8, 39),
            max_rtt,
            stop: path.at.as_ref().map(|a| a.hop),
            last_row: shown.min(last_ttl.max(ctl_len)),
            last_ttl,
        }
    }

    fn head(&self, t: Theme) -> Line<'static> {
        let (addr_w, bar_w) = (self.addr_w, self.bar_w);
        let head = match self.ctl {
            Some((port, _)) => format!(
                "ttl  {:<addr_w$} {:<bar_w$} {:>7}  control {port}",
                "this port", "", "rtt"
            ),
            None => format!("ttl  {:<addr_w$} {:<bar_w$} {:>7}", "hop", "", "rtt"),
        };
        Line::from(Span::styled(head, t.heading()))
    }

    /// The row of `ttl`: the stop marked in the verdict's `tone`, the RTT bar, what
    /// answered, and the control port's hop beside.
    fn row(&self, t: Theme, ttl: u8, tone: Tone) -> Line<'static> {
        let (addr_w, bar_w) = (self.addr_w, self.bar_w);
        let own = hop_at(self.path, ttl);
        let stop = self.stop == Some(ttl);
        let addr = own
            .and_then(|h| h.addr.clone())
            .unwrap_or_else(|| "*".into());
        let rtt = own.and_then(|h| h.rtt_ms);
        let bar = rtt.map_or(String::new(), |r| {
            "▆".repeat(
                ((r / self.max_rtt) * bar_w as f64)
                    .ceil()
                    .clamp(1.0, bar_w as f64) as usize,
            )
        });
        let rtt_s = rtt.map_or(String::new(), super::fmt_ms);
        let style = if stop {
            t.tone(tone)
        } else if own.is_some_and(|h| h.addr.is_none()) {
            t.dim()
        } else {
            t.text()
        };
        let mark = if stop { "▶" } else { " " };
        let mut spans = vec![
            Span::styled(format!("{mark}{ttl:>2}  "), style),
            Span::styled(format!("{:<addr_w$} ", safe(&addr)), style),
            Span::styled(format!("{bar:<bar_w$} "), t.tone(Tone::Good)),
            Span::styled(format!("{rtt_s:>7}"), t.dim()),
        ];
        if let Some(h) = own.filter(|h| !what(h).is_empty()) {
            spans.push(Span::styled(format!(" {}", what(h)), style));
        }
        if let Some((_, c)) = self.ctl {
            let ch = hop_at(c, ttl);
            let caddr = ch
                .and_then(|h| h.addr.clone())
                .unwrap_or_else(|| "*".into());
            let done = ch.is_some_and(|h| h.tcp == Some(TcpReply::SynAck));
            spans.push(Span::styled(
                format!("  {}{}", safe(&caddr), if done { " ✔" } else { "" }),
                t.dim(),
            ));
        }
        Line::from(spans)
    }
}

/// The control port's path on one line (narrow panes).
fn control_line(t: Theme, port: u16, c: &PathReport) -> Line<'static> {
    let hops: Vec<String> = c
        .hops
        .iter()
        .map(|h| {
            let a = h.addr.as_deref().unwrap_or("*");
            let done = if h.tcp == Some(TcpReply::SynAck) {
                " ✔"
            } else {
                ""
            };
            format!("{} {}{done}", h.ttl, safe(a))
        })
        .collect();
    Line::from(Span::styled(
        format!("control {port}: {}", hops.join(" · ")),
        t.dim(),
    ))
}

/// Draws the path view of the selected endpoint.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t: Theme = app.theme();
    let title = app.selected_endpoint().map_or_else(
        || " Path ".to_string(),
        |e| format!(" Path — {} ", short_label(&e.endpoint)),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(app.panes.focus == Pane::Path))
        .title(Span::styled(title, t.heading()));
    let inner = block.inner(area);
    let body = app
        .selected_endpoint()
        .map_or_else(Vec::new, |e| lines(app, e, inner.width));
    frame.render_widget(
        Paragraph::new(body).block(block).wrap(Wrap { trim: false }),
        area,
    );
}
