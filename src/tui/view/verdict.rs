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
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{input_spans, row_label, safe, short_label, spinner};
use crate::model::Verdict;
use crate::tui::app::{App, PromptKind, RowState, StepPhase};
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
    let t = app.theme();
    let ep = app.selected_endpoint();
    let title = ep.map_or_else(
        || " Verdict ".to_string(),
        |e| {
            let provider = e
                .provider()
                .map(|p| format!(" — {}", safe(&p.name)))
                .unwrap_or_default();
            match app.scenario(&e.endpoint) {
                Some(s) => format!(
                    " Verdict — {} · {}{provider} ",
                    safe(&s.name),
                    row_label(app, &e.endpoint)
                ),
                None => format!(" Verdict — {}{provider} ", row_label(app, &e.endpoint)),
            }
        },
    );
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border(false))
        .title(Span::styled(title, t.heading()));
    let lines = match ep {
        None => vec![Line::from(Span::styled(
            if app.run().running() {
                "waiting for the matrix…"
            } else {
                "no endpoint: press p to choose a target"
            },
            t.dim(),
        ))],
        Some(e) => match (e.verdict(), &e.state) {
            (Some(v), _) => {
                // Wrap with a hanging indent when the wrapped text fits the bar; else
                // one line each (cut at the edge), so advice is never pushed out.
                let build = |width: usize| {
                    let mut lines = vec![Line::from(verdict_head(t, v))];
                    if let Some(s) = app.scenario(&e.endpoint) {
                        lines.extend(hanging(
                            t,
                            " scenario  ",
                            &s.about,
                            width,
                            t.tone(Tone::Busy),
                        ));
                    }
                    let mut warned = Vec::new();
                    for w in e.warnings() {
                        let text = format!("{}: {} — {}", w.code, w.summary, w.advice);
                        warned.extend(hanging(t, " warning   ", &text, width, t.tone(Tone::Warn)));
                    }
                    // On a working endpoint the warnings are the news; on a failing one
                    // the evidence and advice come first.
                    if v.class.is_ok() {
                        lines.append(&mut warned);
                    }
                    lines.extend(hanging(t, " evidence  ", &v.evidence, width, t.text()));
                    lines.extend(hanging(t, " advice    ", &v.advice, width, t.text()));
                    lines.append(&mut warned);
                    lines
                };
                let wrapped = build(area.width as usize);
                if wrapped.len() < area.height as usize {
                    wrapped
                } else {
                    build(usize::MAX)
                }
            }
            (None, RowState::Running(p)) => vec![Line::from(Span::styled(
                format!(" {} probing — {}", spinner(app.tick()), p.label()),
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
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// How many lines [`hanging`] makes of `text` at `width` (label of 11 columns).
pub fn hanging_rows(text: &str, width: usize) -> usize {
    wrap_rows(&safe(text), width.saturating_sub(11).max(10)).len()
}

fn wrap_rows(text: &str, room: usize) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > room {
            if !cur.is_empty() {
                rows.push(std::mem::take(&mut cur));
            }
            rows.push(word.drain(..room).collect());
        }
        let word: String = word.into_iter().collect();
        let need = cur.chars().count() + usize::from(!cur.is_empty()) + word.chars().count();
        if need > room && !cur.is_empty() {
            rows.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    rows.push(cur);
    rows
}

/// `label` then `text` word-wrapped to `width` columns, continuation lines indented
/// under the text (not at column 0). A word longer than a line is cut into pieces.
pub fn hanging(
    t: Theme,
    label: &'static str,
    text: &str,
    width: usize,
    style: ratatui::style::Style,
) -> Vec<Line<'static>> {
    let indent = label.chars().count();
    let room = width.saturating_sub(indent).max(10);
    let rows = if width == usize::MAX {
        vec![safe(text).into_owned()]
    } else {
        wrap_rows(&safe(text), room)
    };
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| {
            let head = if i == 0 {
                Span::styled(label, t.dim())
            } else {
                Span::raw(" ".repeat(indent))
            };
            Line::from(vec![head, Span::styled(r, style)])
        })
        .collect()
}

/// Draws the stepping panel.
pub fn render_step(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme();
    let Some(step) = app.step.as_ref() else {
        return;
    };
    let ep = app.run().endpoints().get(step.endpoint.0);
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
    match (&step.phase, editing) {
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
        (StepPhase::Ready(next), None) => {
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
        (StepPhase::Ended, None) => {
            first.push(Span::styled("session ended — Esc leaves", t.dim()));
        }
        (StepPhase::Busy, None) => {
            first.push(Span::styled(
                format!("{} working…", spinner(app.tick())),
                t.tone(Tone::Busy),
            ));
        }
    }
    let mut lines = vec![Line::from(first)];
    let session = app.run().manual().get(step.session);
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
