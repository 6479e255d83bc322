//! The timeline: a waterfall of the selected endpoint's phases, one bar per phase,
//! placed by start time and scaled to the endpoint's span, with durations. A phase
//! still running is drawn open up to the latest time seen in any event.
//!
//! ```text
//! ┌ Timeline — v4 587/starttls ────────────── 182ms ┐
//! │ phase     0ms                           182ms   │
//! │ connect   ██                              12ms  │
//! │ banner      ████                          31ms  │
//! │ EHLO            ██                        10ms  │
//! │ TLS               ▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒…      95ms… │
//! └─────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{fmt_ms, row_label, short_label};
use crate::model::Phase;
use crate::tui::app::{App, EndpointView, Pane};
use crate::tui::theme::Tone;

/// One bar of the waterfall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Phase.
    pub phase: Phase,
    /// Start (run-relative ms).
    pub start: f64,
    /// Duration (ms).
    pub dur: f64,
    /// Finished well.
    pub ok: bool,
    /// Still running.
    pub open: bool,
}

/// The bars of an endpoint, finished phases first, then the live one.
pub fn bars(ep: &EndpointView, now_ms: f64) -> Vec<Bar> {
    let mut v: Vec<Bar> = ep
        .timings
        .iter()
        .map(|t| Bar {
            phase: t.phase,
            start: t.start_ms,
            dur: t.dur_ms,
            ok: t.ok,
            open: false,
        })
        .collect();
    if let Some((phase, start)) = ep.live_phase {
        v.push(Bar {
            phase,
            start,
            dur: (now_ms - start).max(0.0),
            ok: true,
            open: true,
        });
    }
    // A waterfall reads top-down by start time (the TLS handshake ends inside the
    // STARTTLS phase, so completion order would put it first).
    v.sort_by(|a, b| a.start.total_cmp(&b.start));
    v
}

/// Column span `(offset, len)` of a bar in `width` columns for the range `t0..t0+span`;
/// every bar is at least one column wide and stays inside the width.
pub fn columns(bar: &Bar, t0: f64, span: f64, width: usize) -> (usize, usize) {
    if width == 0 {
        return (0, 0);
    }
    let span = span.max(1e-3);
    let w = width as f64;
    let off = (((bar.start - t0) / span) * w).floor().clamp(0.0, w - 1.0) as usize;
    let len = ((bar.dur / span) * w).round().max(1.0) as usize;
    (off, len.min(width - off))
}

/// Draws the timeline pane.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    const LABEL: usize = 9;
    const DUR: usize = 9;
    if app.panes.transcript.all {
        render_overview(app, frame, area);
        return;
    }
    let t = app.theme();
    let ep = app.selected_endpoint();
    let all = ep.map(|e| bars(e, app.run().last_ms())).unwrap_or_default();
    let t0 = all.iter().map(|b| b.start).fold(f64::INFINITY, f64::min);
    let t_end = all.iter().map(|b| b.start + b.dur).fold(0.0, f64::max);
    let span = if all.is_empty() { 0.0 } else { t_end - t0 };
    let label = ep.map_or_else(String::new, |e| {
        format!("— {} ", row_label(app, &e.endpoint))
    });
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(app.panes.focus == Pane::Timeline))
        .title(Span::styled(format!(" Timeline {label}"), t.heading()))
        .title(
            Line::from(Span::styled(
                if all.is_empty() {
                    String::new()
                } else {
                    format!(" {} ", fmt_ms(span))
                },
                t.dim(),
            ))
            .right_aligned(),
        );
    let inner_w = area.width.saturating_sub(2) as usize;
    let inner_h = area.height.saturating_sub(2) as usize;
    let bar_w = inner_w.saturating_sub(LABEL + DUR + 1);
    let mut lines = Vec::new();
    if all.is_empty() {
        lines.push(Line::from(Span::styled("no phases yet", t.dim())));
    } else if all.len() > inner_h && inner_h >= 2 {
        // Too short for a row per phase: every phase on one bar, durations below.
        lines = compressed(app, &all, t0, span, inner_w);
    } else {
        let header = all.len() < inner_h;
        let end = fmt_ms(span);
        let pad = bar_w.saturating_sub(3 + end.len());
        if header {
            lines.push(Line::from(Span::styled(
                format!("{:<LABEL$}0ms{}{end}", "phase", " ".repeat(pad)),
                t.dim(),
            )));
        }
        for (i, b) in all
            .iter()
            .enumerate()
            .skip(app.panes.timeline_scroll.min(all.len().saturating_sub(1)))
        {
            let (off, len) = columns(b, t0, span, bar_w);
            let ch = match (b.open, b.ok, t.no_color) {
                (true, _, _) => "▒",
                (false, false, true) => "░",
                _ => "█",
            };
            let style = if b.open {
                t.tone(Tone::Busy)
            } else {
                t.bar_segment(i, b.ok)
            };
            let dur = format!(
                "{}{}",
                fmt_ms(b.dur),
                if b.open {
                    "…"
                } else if b.ok {
                    ""
                } else {
                    "✘"
                }
            );
            lines.push(Line::from(vec![
                Span::styled(format!("{:<LABEL$}", b.phase.label()), t.text()),
                Span::raw(" ".repeat(off)),
                Span::styled(ch.repeat(len), style),
                Span::raw(" ".repeat(bar_w - off - len)),
                Span::styled(
                    format!(" {dur:>DUR$}"),
                    if b.ok { t.dim() } else { t.tone(Tone::Bad) },
                ),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The compressed waterfall for a short pane: one bar with every phase as a segment
/// (in its own colour), then `phase duration` pairs wrapped to the width, so every phase
/// stays visible.
fn compressed(app: &App, all: &[Bar], t0: f64, span: f64, width: usize) -> Vec<Line<'static>> {
    let t = app.theme();
    let mut cells: Vec<Option<usize>> = vec![None; width];
    for (i, b) in all.iter().enumerate() {
        let (off, len) = columns(b, t0, span, width);
        for c in cells.iter_mut().skip(off).take(len) {
            *c = Some(i);
        }
    }
    let mut bar = Vec::new();
    for c in cells {
        bar.push(match c {
            Some(i) => {
                let b = &all[i];
                let style = if b.open {
                    t.tone(Tone::Busy)
                } else {
                    t.bar_segment(i, b.ok)
                };
                Span::styled("█", style)
            }
            None => Span::raw(" "),
        });
    }
    let mut lines = vec![Line::from(bar)];
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (i, b) in all.iter().enumerate() {
        let mark = if b.open {
            "…"
        } else if b.ok {
            ""
        } else {
            "✘"
        };
        let text = format!("{} {}{mark}", b.phase.label(), fmt_ms(b.dur));
        let need = text.chars().count() + 2;
        if used + need > width && !cur.is_empty() {
            lines.push(Line::from(std::mem::take(&mut cur)));
            used = 0;
        }
        cur.push(Span::styled("■ ", t.bar_segment(i, b.ok)));
        cur.push(Span::styled(format!("{text} "), t.text()));
        used += need + 1;
    }
    if !cur.is_empty() {
        lines.push(Line::from(cur));
    }
    lines
}

/// The "all endpoints" view: one row per endpoint, its phases as segments on the run's
/// common time axis, with the endpoint's total time.
fn render_overview(app: &App, frame: &mut Frame, area: Rect) {
    const DUR: usize = 9;
    let t = app.theme();
    let rows: Vec<(String, Vec<Bar>)> = app
        .run()
        .endpoints()
        .iter()
        .map(|e| (short_label(&e.endpoint), bars(e, app.run().last_ms())))
        .collect();
    let t_end = rows
        .iter()
        .flat_map(|(_, b)| b.iter().map(|b| b.start + b.dur))
        .fold(0.0, f64::max);
    let label_w = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(3);
    let inner_w = area.width.saturating_sub(2) as usize;
    let bar_w = inner_w.saturating_sub(label_w + 1 + DUR + 1);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(app.panes.focus == Pane::Timeline))
        .title(Span::styled(" Timeline — all endpoints ", t.heading()))
        .title(Line::from(Span::styled(format!(" {} ", fmt_ms(t_end)), t.dim())).right_aligned());
    let end = fmt_ms(t_end);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{:<w$} 0ms{}{end}",
            "endpoint",
            " ".repeat(bar_w.saturating_sub(3 + end.len())),
            w = label_w
        ),
        t.dim(),
    ))];
    for (i, (label, bars)) in rows.iter().enumerate().skip(app.panes.timeline_scroll) {
        let mut cells = vec![(" ", t.text()); bar_w];
        for (k, b) in bars.iter().enumerate() {
            let (off, len) = columns(b, 0.0, t_end, bar_w);
            let style = if b.open {
                t.tone(Tone::Busy)
            } else {
                t.bar_segment(k, b.ok)
            };
            let ch = if b.open {
                "▒"
            } else if b.ok || !t.no_color {
                "█"
            } else {
                "░"
            };
            for cell in cells.iter_mut().skip(off).take(len) {
                *cell = (ch, style);
            }
        }
        let label_style = if i == app.panes.selected {
            t.selected()
        } else {
            t.text()
        };
        let mut spans = vec![Span::styled(format!("{label:<label_w$} "), label_style)];
        for (ch, style) in cells {
            spans.push(Span::styled(ch, style));
        }
        let total = match (
            bars.first(),
            bars.iter().map(|b| b.start + b.dur).reduce(f64::max),
        ) {
            (Some(first), Some(last)) => fmt_ms(last - first.start),
            _ => String::new(),
        };
        let failed = bars.iter().any(|b| !b.ok);
        spans.push(Span::styled(
            format!(" {total:>DUR$}"),
            if failed { t.tone(Tone::Bad) } else { t.dim() },
        ));
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(start: f64, dur: f64) -> Bar {
        Bar {
            phase: Phase::Connect,
            start,
            dur,
            ok: true,
            open: false,
        }
    }

    #[test]
    fn bars_scale_into_the_width() {
        assert_eq!(columns(&bar(0.0, 50.0), 0.0, 100.0, 20), (0, 10));
        assert_eq!(columns(&bar(50.0, 50.0), 0.0, 100.0, 20), (10, 10));
        assert_eq!(columns(&bar(99.0, 0.1), 0.0, 100.0, 20), (19, 1));
        assert_eq!(columns(&bar(100.0, 0.0), 0.0, 100.0, 20), (19, 1));
        assert_eq!(columns(&bar(0.0, 500.0), 0.0, 100.0, 20), (0, 20));
        assert_eq!(columns(&bar(0.0, 1.0), 0.0, 0.0, 20), (0, 20));
        assert_eq!(columns(&bar(0.0, 1.0), 0.0, 10.0, 0), (0, 0));
    }
}
