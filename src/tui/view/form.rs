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
use crate::tui::form::{Field, Form};
use crate::tui::layout::centered;
use crate::tui::theme::Tone;

/// Draws the form.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
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
    let mut lines = vec![intro_line(app), Line::from("")];
    for (i, f) in Field::ALL
        .into_iter()
        .enumerate()
        .skip(first)
        .take(field_rows)
    {
        lines.push(field_line(app, f, i == form.focus, r.width));
    }
    lines.push(Line::from(""));
    lines.extend(hint_lines(app));
    lines.extend(recent_lines(app, recent_rows));
    lines.push(keys_line(app));
    // On a short terminal the form scrolls so the focused field stays in view (one
    // line of context below it when there is room).
    let inner_h = r.height.saturating_sub(2) as usize;
    let focus_line = 2 + form.focus - first;
    let max_scroll = lines.len().saturating_sub(inner_h);
    let scroll = (focus_line + 2)
        .saturating_sub(inner_h)
        .min(max_scroll)
        .min(focus_line);
    // Fields left out of the window above or below count as more, like scrolled lines.
    let above = scroll > 0 || first > 0;
    let below = scroll < max_scroll || first + field_rows < Field::ALL.len();
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(app, above, below))
            .scroll((scroll as u16, 0)),
        r,
    );
}

/// The demo's note, or what the tool does.
fn intro_line(app: &App) -> Line<'static> {
    let t = app.theme();
    let text = app.note().map_or_else(
        || "Probe SMTP submission from this network: ports, TLS, certificate, AUTH.".into(),
        |note| safe(note).into_owned(),
    );
    Line::from(Span::styled(text, t.dim()))
}

/// What an empty field shows.
fn placeholder(form: &Form, f: Field) -> &'static str {
    if f == Field::Password && form.keeps_secret() {
        "(unchanged: leave empty to keep the current one)"
    } else if f == Field::Password && form.wants_token() {
        "password or OAuth token (never stored)"
    } else {
        f.placeholder()
    }
}

/// One field: its label, its text (the password masked, a cursor when focused) and,
/// for AUTH and Preset, what the choice is.
fn field_line(app: &App, f: Field, focused: bool, width: u16) -> Line<'static> {
    let t = app.theme();
    let form = &app.form;
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
            (width as usize).saturating_sub(20),
        ));
        if input.text().is_empty() {
            spans.push(Span::styled(format!(" {}", placeholder(form, f)), t.dim()));
        }
    } else if input.text().is_empty() {
        spans.push(Span::styled(placeholder(form, f), t.dim()));
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
    Line::from(spans)
}

/// The error (or the modes hint), then the preset's note (or the mx: / preset hint).
fn hint_lines(app: &App) -> [Line<'static>; 2] {
    let t = app.theme();
    let form = &app.form;
    let error = match &form.error {
        Some(e) => Line::from(Span::styled(format!("✘ {}", safe(e)), t.tone(Tone::Bad))),
        None => Line::from(Span::styled(
            "Modes: plain, starttls, tls (implicit), auto — e.g. 25,465/tls,587,2525",
            t.dim(),
        )),
    };
    let preset = match form.preset_info() {
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
    };
    [error, preset]
}

/// The remembered targets that fit in `rows`, under a heading (nothing when none fit).
fn recent_lines(app: &App, rows: usize) -> Vec<Line<'static>> {
    let t = app.theme();
    let form = &app.form;
    if rows == 0 {
        return Vec::new();
    }
    let mut lines = vec![Line::from(Span::styled(
        "Recent targets (Ctrl-N / Ctrl-P)",
        t.heading(),
    ))];
    for (i, rt) in form.recent.iter().take(rows).enumerate() {
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
    lines
}

/// The keys of the form (Esc goes back when there is a run to go back to).
fn keys_line(app: &App) -> Line<'static> {
    let t = app.theme();
    Line::from(vec![
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
    ])
}

/// The form's frame, saying when there is more above or below.
fn block(app: &App, above: bool, below: bool) -> Block<'static> {
    let t = app.theme();
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .padding(ratatui::widgets::Padding::horizontal(1))
        .title(Span::styled(
            " smtptui — what should I probe? ",
            t.heading(),
        ));
    if above || below {
        let more = match (above, below) {
            (true, true) => " ↑↓ more ",
            (true, false) => " ↑ more ",
            _ => " ↓ more ",
        };
        block = block.title_bottom(Line::from(Span::styled(more, t.dim())).right_aligned());
    }
    block
}
