//! Overlays: the `?` help popup, generated from the key table, and the yes/no
//! confirmation.
//!
//! ```text
//!        ┌ Keys — Esc closes ─────────────────────────┐
//!        │ Main screen                                │
//!        │   q / Ctrl-c          quit                 │
//!        │   ?                   this help            │
//!        │ Stepping session                           │
//!        │   …                                        │
//!        └────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::{App, Confirm};
use crate::tui::keys::{Context, help_rows};
use crate::tui::layout::centered;
use crate::tui::theme::{Theme, Tone};

use super::safe;

/// The right-aligned "first-last of all" title of a scrolled popup.
pub fn range_title(t: Theme, scroll: usize, inner_h: usize, len: usize) -> Line<'static> {
    Line::from(Span::styled(
        format!(" {}-{} of {len} ", scroll + 1, (scroll + inner_h).min(len)),
        t.dim(),
    ))
    .right_aligned()
}

/// Every line of the help popup, from [`crate::tui::keys::KEYS`].
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let t = app.theme();
    let mut out = Vec::new();
    for ctx in Context::ALL {
        out.push(Line::from(Span::styled(ctx.title(), t.heading())));
        for row in help_rows(ctx) {
            out.push(Line::from(vec![
                Span::styled(format!("  {:<22}", row.keys), t.key()),
                Span::raw(row.help),
            ]));
        }
    }
    out.push(Line::from(Span::styled("Matrix icons", t.heading())));
    for (icon, tone, what) in [
        (
            "✔",
            Some(Tone::Good),
            "works: the session went as far as asked",
        ),
        (
            "▲",
            Some(Tone::Warn),
            "warning: a certificate or set-up problem, or try later (greylisted)",
        ),
        (
            "✘",
            Some(Tone::Bad),
            "fails: the verdict says why and what to do",
        ),
        ("⊘", None, "cancelled before a verdict"),
        ("·", None, "queued;  a spinner: running"),
    ] {
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(icon, tone.map_or(t.dim(), |tn| t.tone(tn))),
            Span::raw(format!("  {what}")),
        ]));
    }
    out.push(Line::from(Span::styled(
        "Mouse: click a matrix row to select it; the wheel scrolls the pane under it.",
        t.dim(),
    )));
    out
}

/// Draws the help popup scrolled to `scroll`.
pub fn render_help(app: &App, frame: &mut Frame, area: Rect, scroll: usize) {
    let t = app.theme();
    let r = centered(area, 76, area.height.saturating_sub(2));
    let lines = help_lines(app);
    let inner_h = r.height.saturating_sub(2) as usize;
    let scroll = scroll.min(lines.len().saturating_sub(inner_h));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .title(Span::styled(" Keys — Esc closes, ↑↓ scroll ", t.heading()))
        .title(range_title(t, scroll, inner_h, lines.len()));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll as u16, 0)),
        r,
    );
}

/// Draws the confirmation.
pub fn render_confirm(app: &App, frame: &mut Frame, area: Rect, c: &Confirm) {
    let t = app.theme();
    let r = centered(area, 64, 8);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .title(Span::styled(" Send anyway? ", t.heading()));
    let lines = vec![
        Line::from(safe(&c.question).into_owned()),
        Line::from(""),
        Line::from(vec![
            Span::styled("y / Enter", t.key()),
            Span::raw(" send   "),
            Span::styled("n / Esc", t.key()),
            Span::raw(" don't send"),
        ]),
    ];
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        r,
    );
}
