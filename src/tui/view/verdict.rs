//! The verdict bar of the selected endpoint, and the stepping panel that replaces it
//! during an interactive session.
//!
//! ```text
//! ─ Verdict — v4 587/starttls ────────────────────────────────────────
//!  cert_expired  The certificate has expired
//!  evidence  notAfter 2026-01-01T00:00:00Z
//!  advice    renew the certificate …
//!
//! ─ Stepping — v4 587/starttls · in TLS ─────────── 1 unrecognised ──
//!  next: send EHLO  > EHLO smtptui.invalid█            (edited)
//!  so far: ok  Works: the session went as far as asked
//!  Enter/n run · i edit · : raw command · Esc leave
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{input_spans, row_label, safe, short_label, spinner};
use crate::model::Verdict;
use crate::tui::app::{App, PromptKind, RowState};
use crate::tui::theme::{Theme, Tone, class_tone};

fn verdict_head(t: Theme, v: &Verdict) -> Vec<Span<'static>> {
    let tone = class_tone(v.class);
    vec![
        Span::styled(
            format!(" {} ", v.class.code()),
            t.tone(tone).add_modifier(Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::styled(safe(&v.summary).into_owned(), t.tone(tone)),
    ]
}

/// Draws the verdict bar.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let ep = app.selected_endpoint();
    let title = ep.map_or_else(
        || " Verdict ".to_string(),
        |e| match e.provider() {
            Some(p) => format!(
                " Verdict — {} — {} ",
                row_label(app, &e.endpoint),
                safe(&p.name)
            ),
            None => format!(" Verdict — {} ", row_label(app, &e.endpoint)),
        },
    );
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border(false))
        .title(Span::styled(title, t.heading()));
    let lines = match ep {
        None => vec![Line::from(Span::styled(
            if app.running {
                "waiting for the matrix…"
            } else {
                "no endpoint: press p to choose a target"
            },
            t.dim(),
        ))],
        Some(e) => match (e.verdict(), &e.state) {
            (Some(v), _) => {
                let mut lines = vec![
                    Line::from(verdict_head(t, v)),
                    Line::from(vec![
                        Span::styled(" evidence  ", t.dim()),
                        Span::raw(safe(&v.evidence).into_owned()),
                    ]),
                    Line::from(vec![
                        Span::styled(" advice    ", t.dim()),
                        Span::raw(safe(&v.advice).into_owned()),
                    ]),
                ];
                for w in e.warnings() {
                    lines.push(Line::from(vec![
                        Span::styled(format!(" ! {} ", w.code), t.tone(Tone::Warn)),
                        Span::raw(safe(&w.summary).into_owned()),
                        Span::styled(" — ", t.dim()),
                        Span::raw(safe(&w.advice).into_owned()),
                    ]));
                }
                lines
            }
            (None, RowState::Running(p)) => vec![Line::from(Span::styled(
                format!(" {} probing — {}", spinner(app.tick), p.label()),
                t.tone(Tone::Busy),
            ))],
            (None, RowState::Cancelled) => {
                vec![Line::from(Span::styled(
                    " cancelled before a verdict",
                    t.dim(),
                ))]
            }
            (None, _) => vec![Line::from(Span::styled(" queued", t.dim()))],
        },
    };
    // Long evidence and advice wrap when the bar has room for more than three lines.
    let para = Paragraph::new(lines).block(block);
    let para = if area.height > 4 {
        para.wrap(Wrap { trim: false })
    } else {
        para
    };
    frame.render_widget(para, area);
}

/// Draws the stepping panel.
pub fn render_step(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let Some(step) = app.step.as_ref() else {
        return;
    };
    let ep = app.endpoints.get(step.endpoint.0);
    let label = ep.map_or_else(String::new, |e| short_label(&e.endpoint));
    let tls = if step.in_tls { "in TLS" } else { "plaintext" };
    let mut right = String::new();
    if step.unrecognised > 0 {
        right = format!(" {} unrecognised (500/502) ", step.unrecognised);
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border(true))
        .title(Span::styled(
            format!(" Stepping — {label} · {tls} "),
            t.heading(),
        ))
        .title(Line::from(Span::styled(right, t.tone(Tone::Warn))).right_aligned());
    let mut first = vec![Span::styled(" next: ", t.dim())];
    let editing = app
        .prompt
        .as_ref()
        .filter(|p| p.kind == PromptKind::StepEdit);
    match (&step.next, editing) {
        (_, Some(p)) => {
            first.push(Span::styled("edit> ", t.key()));
            first.extend(input_spans(
                &p.input,
                t.text(),
                false,
                (area.width as usize).saturating_sub(40),
            ));
            first.push(Span::styled("  Enter keep · Esc discard", t.dim()));
        }
        (Some(next), None) => {
            first.push(Span::styled(format!("{}  ", safe(&next.label)), t.text()));
            let cmd = step.edited.as_deref().unwrap_or(&next.command);
            if !cmd.is_empty() || next.editable {
                first.push(Span::styled("> ", t.key()));
                first.push(Span::styled(
                    safe(cmd).into_owned(),
                    t.tone(Tone::Busy).add_modifier(Modifier::BOLD),
                ));
            }
            if step.edited.is_some() {
                first.push(Span::styled("  (edited)", t.tone(Tone::Warn)));
            }
        }
        (None, None) if step.ended => {
            first.push(Span::styled("session ended — Esc leaves", t.dim()));
        }
        (None, None) => {
            first.push(Span::styled(
                format!("{} working…", spinner(app.tick)),
                t.tone(Tone::Busy),
            ));
        }
    }
    let mut lines = vec![Line::from(first)];
    let session = app.manual.get(step.session);
    match session.and_then(|m| m.view.step_verdict.as_ref()) {
        Some(v) => {
            let mut l = vec![Span::styled(" so far: ", t.dim())];
            l.extend(verdict_head(t, v));
            lines.push(Line::from(l));
        }
        None => lines.push(Line::from(Span::styled(" so far: connecting…", t.dim()))),
    }
    lines.push(Line::from(Span::styled(
        " Enter/n run · i edit · : raw command (NOOP, HELP, VRFY …) · Esc leave",
        t.dim(),
    )));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
