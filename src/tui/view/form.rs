//! The target form screen: one line per field, the password masked, remembered
//! targets below.
//!
//! ```text
//! ┌ smtptui — what should I probe? ───────────────────────┐
//! │ Host         mail.example.com█  (or mx:example.com)   │
//! │ Preset       gmail  (Google Gmail — ←/→ changes)      │
//! │ Ports/modes  25,465/tls,587,2525                      │
//! │ User         alice                                    │
//! │ AUTH         XOAUTH2  (←/→ changes)                   │
//! │ Password     ••••••••                                 │
//! │ …                                                     │
//! │ ✘ error line (or the modes hint)                      │
//! │ preset: AUTH and note, or the mx: / preset hint       │
//! │ Recent (Ctrl-N / Ctrl-P)                              │
//! │ ▸ mail.example.com  587,465                           │
//! │ Enter start · Tab next field · Esc back/quit          │
//! └───────────────────────────────────────────────────────┘
//! ```
//! On a terminal shorter than the form (e.g. 40 × 12) the form scrolls so the focused
//! field stays visible; the bottom border says `↓ more` / `↑ more`.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{input_spans, safe};
use crate::tui::app::App;
use crate::tui::form::Field;
use crate::tui::layout::centered;
use crate::tui::theme::Tone;

/// Draws the form.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme();
    let form = &app.form;
    // On a short terminal the fields scroll so the focused one stays in view.
    let field_rows = Field::ALL
        .len()
        .min((area.height as usize).saturating_sub(8).max(1));
    let first = form
        .focus
        .saturating_sub(field_rows / 2)
        .min(Field::ALL.len() - field_rows);
    let fixed = field_rows + 6 + 2;
    // Recent targets get the rows that are left (at most five).
    let room = (area.height as usize).saturating_sub(fixed + 1);
    let recent_rows = form.recent.len().min(5).min(room);
    let height = (fixed + recent_rows + usize::from(recent_rows > 0)) as u16;
    let r = centered(area, 78, height);
    let mut lines = Vec::new();
    if let Some(note) = &app.note() {
        lines.push(Line::from(Span::styled(safe(note).into_owned(), t.dim())));
    } else {
        lines.push(Line::from(Span::styled(
            "Probe SMTP submission from this network: ports, TLS, certificate, AUTH.",
            t.dim(),
        )));
    }
    lines.push(Line::from(""));
    let placeholder = |f: Field| {
        if f == Field::Password && form.keeps_secret() {
            "(unchanged: leave empty to keep the current one)"
        } else if f == Field::Password && form.wants_token() {
            "password or OAuth token (never stored)"
        } else {
            f.placeholder()
        }
    };
    for (i, f) in Field::ALL
        .into_iter()
        .enumerate()
        .skip(first)
        .take(field_rows)
    {
        let focused = i == form.focus;
        let input = form.input(f);
        let masked = f == Field::Password;
        let label_style = if focused { t.key() } else { t.dim() };
        let mut spans = vec![
            Span::styled(if focused { "▸ " } else { "  " }, label_style),
            Span::styled(format!("{:<12}", f.label()), label_style),
        ];
        if focused {
            spans.extend(input_spans(
                input,
                t.text(),
                masked,
                (r.width as usize).saturating_sub(20),
            ));
            if input.text().is_empty() {
                spans.push(Span::styled(format!(" {}", placeholder(f)), t.dim()));
            }
        } else if input.text().is_empty() {
            spans.push(Span::styled(placeholder(f), t.dim()));
        } else if masked {
            spans.push(Span::raw("•".repeat(input.text().chars().count())));
        } else {
            spans.push(Span::raw(safe(input.text()).into_owned()));
        }
        if f == Field::Auth && !input.text().is_empty() {
            let note = match form.mech() {
                Err(_) => "  (unknown: ←/→ lists the mechanisms)",
                Ok(_) if focused => "  (←/→ changes)",
                Ok(_) => "",
            };
            spans.push(Span::styled(note, t.dim()));
        }
        if f == Field::Preset && !input.text().is_empty() {
            let name = form
                .chosen_preset()
                .map_or("unknown preset".to_string(), |p| p.provider.name);
            let keys = if focused { " — ←/→ changes" } else { "" };
            spans.push(Span::styled(format!("  ({}{keys})", safe(&name)), t.dim()));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    lines.push(match &form.error {
        Some(e) => Line::from(Span::styled(format!("✘ {}", safe(e)), t.tone(Tone::Bad))),
        None => Line::from(Span::styled(
            "Modes: plain, starttls, tls (implicit), auto — e.g. 25,465/tls,587,2525",
            t.dim(),
        )),
    });
    lines.push(match form.preset_info() {
        Some(info) => Line::from(vec![
            Span::styled("Preset ", t.heading()),
            Span::styled(safe(&info).into_owned(), t.dim()),
        ]),
        None => Line::from(vec![
            Span::styled("mx:", t.key()),
            Span::styled("DOMAIN in Host → MX mode + DNS report · ", t.dim()),
            Span::styled("Ctrl-O", t.key()),
            Span::styled(" / ←→ on Preset: presets", t.dim()),
        ]),
    });
    if recent_rows > 0 {
        lines.push(Line::from(Span::styled(
            "Recent targets (Ctrl-N / Ctrl-P)",
            t.heading(),
        )));
        for (i, rt) in form.recent.iter().take(recent_rows).enumerate() {
            let sel = form.recent_index == Some(i);
            let mut text = format!(
                "{}{}  {}",
                if sel { "▸ " } else { "  " },
                safe(&rt.host),
                safe(&rt.ports)
            );
            if !rt.user.is_empty() {
                let _ = write!(text, "  user {}", safe(&rt.user));
            }
            lines.push(if sel {
                Line::from(text).style(t.selected())
            } else {
                Line::from(text)
            });
        }
    }
    lines.push(Line::from(vec![
        Span::styled("Enter", t.key()),
        Span::styled(" start  ", t.dim()),
        Span::styled("Tab/↓", t.key()),
        Span::styled(" next field  ", t.dim()),
        Span::styled("Esc", t.key()),
        Span::styled(
            if app.settings().is_some() {
                " back  "
            } else {
                " quit  "
            },
            t.dim(),
        ),
        Span::styled("?", t.key()),
        Span::styled(" in the main screen: all keys", t.dim()),
    ]));
    // On a short terminal the form scrolls so the focused field stays in view (one
    // line of context below it when there is room).
    let inner_h = r.height.saturating_sub(2) as usize;
    let focus_line = 2 + form.focus - first;
    let max_scroll = lines.len().saturating_sub(inner_h);
    let scroll = (focus_line + 2)
        .saturating_sub(inner_h)
        .min(max_scroll)
        .min(focus_line);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .padding(ratatui::widgets::Padding::horizontal(1))
        .title(Span::styled(
            " smtptui — what should I probe? ",
            t.heading(),
        ));
    // Fields left out of the window above or below count as more, like scrolled lines.
    let above = scroll > 0 || first > 0;
    let below = scroll < max_scroll || first + field_rows < Field::ALL.len();
    if above || below {
        let more = match (above, below) {
            (true, true) => " ↑↓ more ",
            (true, false) => " ↑ more ",
            _ => " ↓ more ",
        };
        block = block.title_bottom(Line::from(Span::styled(more, t.dim())).right_aligned());
    }
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll as u16, 0)),
        r,
    );
}
