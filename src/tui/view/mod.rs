//! The Elm view: `view(&App, &mut Frame)` draws the whole screen from the model.
//! Each pane lives in its own module, which documents its layout.
//!
//! ```text
//! title bar                     (this module)
//! matrix + findings header      (matrix.rs)
//! transcript | cert / timeline / path / DNS (transcript.rs, cert.rs, timeline.rs,
//!                               path.rs, dns.rs)
//! verdict bar or stepping panel (verdict.rs)
//! status line / prompt          (this module)
//! overlays: help, confirmation  (popup.rs); working settings (settings.rs);
//!   the target form (form.rs)
//! ```

mod cert;
mod dns;
mod form;
mod matrix;
pub(crate) mod path;
mod popup;
pub(crate) mod settings;
mod timeline;
pub(crate) mod transcript;
mod verdict;

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::{Endpoint, Family, escape_str};

use super::app::{App, Pane, Popup, PromptKind, Screen};
use super::input::LineInput;
use super::keys::Context;
use super::layout;
use super::theme::Tone;

pub use transcript::{HSCROLL_STEP, max_hscroll, visible_lines};
pub use verdict::hanging_rows;

/// Spinner frames (braille), advanced by the ~8 Hz tick while something runs.
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner frame for a tick.
pub fn spinner(tick: u64) -> &'static str {
    SPINNER[(tick % SPINNER.len() as u64) as usize]
}

/// Draws the whole screen.
pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if app.screen == Screen::Form {
        form::render(app, frame, area);
    } else {
        let lay = layout::main_layout(area, app);
        render_title(app, frame, lay.title);
        matrix::render(app, frame, &lay);
        transcript::render(app, frame, lay.transcript);
        if let Some(r) = lay.cert {
            cert::render(app, frame, r);
        }
        if let Some(r) = lay.timeline {
            timeline::render(app, frame, r);
        }
        if let Some(r) = lay.dns {
            dns::render(app, frame, r);
        }
        if let Some(r) = lay.path {
            path::render(app, frame, r);
        }
        let dns_bar =
            app.panes.focus == Pane::Dns && lay.dns.is_some_and(|r| !dns::shows_detail(r));
        if app.step.is_some() {
            verdict::render_step(app, frame, lay.bottom);
        } else if dns_bar {
            dns::render_bar(app, frame, lay.bottom);
        } else {
            verdict::render(app, frame, lay.bottom);
        }
        render_status(app, frame, lay.status);
    }
    match &app.popup {
        Some(Popup::Settings { tab, scroll }) => settings::render(app, frame, area, *tab, *scroll),
        Some(Popup::Help { scroll }) => popup::render_help(app, frame, area, *scroll),
        Some(Popup::Confirm(c)) => popup::render_confirm(app, frame, area, c),
        None => {}
    }
}

/// Makes text safe for the terminal. The engine escapes everything from the network
/// already; this is the last line of defence, should a control or bidi character
/// ever slip through (then the whole string is escaped).
pub fn safe(s: &str) -> Cow<'_, str> {
    if s.chars().any(crate::tui::input::unsafe_char) {
        Cow::Owned(escape_str(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// Milliseconds for humans: `0.4ms`, `12ms`, `1.23s`.
pub fn fmt_ms(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1}ms")
    } else if ms < 1000.0 {
        format!("{ms:.0}ms")
    } else {
        format!("{:.2}s", ms / 1000.0)
    }
}

/// `v4 587/starttls`.
pub fn short_label(ep: &Endpoint) -> String {
    let fam = match ep.family() {
        Family::V4 => "v4",
        Family::V6 => "v6",
    };
    format!("{fam} {}/{}", ep.port, ep.mode)
}

/// Whether the matrix rows have different hosts (MX mode), so rows need a host name.
pub fn multi_host(app: &App) -> bool {
    app.run().endpoints().first().is_some_and(|first| {
        app.run()
            .endpoints()
            .iter()
            .any(|e| e.endpoint.host != first.endpoint.host)
    })
}

/// The endpoint's label, with its host when the rows have different hosts.
pub fn row_label(app: &App, ep: &Endpoint) -> String {
    label_with_host(multi_host(app), ep)
}

/// [`short_label`], prefixed with the host when `with_host`.
pub fn label_with_host(with_host: bool, ep: &Endpoint) -> String {
    if with_host {
        format!("{} {}", safe(&ep.host), short_label(ep))
    } else {
        short_label(ep)
    }
}

/// Renders an input line with a visible (reverse-video) cursor in at most `width`
/// columns, scrolled horizontally so the cursor stays visible.
pub fn input_spans(
    input: &LineInput,
    style: Style,
    masked: bool,
    width: usize,
) -> Vec<Span<'static>> {
    // Inputs hold no control or bidi characters (LineInput refuses them).
    let chars: Vec<char> = if masked {
        input.text().chars().map(|_| '•').collect()
    } else {
        input.text().chars().collect()
    };
    let width = width.max(2);
    let cur = input.cursor().min(chars.len());
    let start = (cur + 1).saturating_sub(width);
    let end = (start + width).min(chars.len());
    let before: String = chars[start..cur].iter().collect();
    let at: String = chars.get(cur).map_or(" ".to_string(), char::to_string);
    let after: String = chars
        .get((cur + 1).min(end)..end)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    vec![
        Span::styled(before, style),
        Span::styled(at, style.add_modifier(Modifier::REVERSED)),
        Span::styled(after, style),
    ]
}

fn render_title(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme();
    let mut spans = vec![
        Span::styled(" smtptui ", t.bar().add_modifier(Modifier::BOLD)),
        Span::styled("│ ", t.bar()),
        Span::styled(
            safe(app.run().target()).into_owned(),
            t.bar().add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!(" │ run #{} │ ", app.run().number()), t.bar()),
    ];
    let (done, total) = app.run().progress();
    let state = if app.run().running() {
        format!("{} probing {done}/{total}", spinner(app.tick()))
    } else if app.step.is_some() {
        "stepping".to_string()
    } else if let Some(ms) = app.run().duration_ms() {
        format!("done in {}", fmt_ms(ms))
    } else if total > 0 {
        "cancelled".to_string()
    } else {
        "idle".to_string()
    };
    spans.push(Span::styled(state, t.bar()));
    if let Some(note) = &app.note() {
        spans.push(Span::styled(format!(" │ {}", safe(note)), t.bar()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(t.bar()), area);
}

fn hints(ctx: Context) -> &'static [(&'static str, &'static str)] {
    match ctx {
        Context::Input => &[
            ("Enter", "accept"),
            ("Esc", "cancel"),
            ("Ctrl-U", "clear"),
            ("←→", "move"),
        ],
        Context::Step => &[
            ("Enter", "run step"),
            ("i", "edit"),
            (":", "raw cmd"),
            ("Esc", "leave"),
            ("?", "help"),
        ],
        _ => &[
            ("?", "help"),
            ("r", "re-run"),
            ("c", "cancel"),
            ("s", "step"),
            ("/", "search"),
            ("e/E/H", "export"),
            ("W", "works"),
            ("p", "target"),
            ("q", "quit"),
        ],
    }
}

fn render_status(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme();
    let prompt = app
        .prompt
        .as_ref()
        .filter(|p| p.kind != PromptKind::StepEdit);
    let line = if let Some(p) = prompt {
        let (lead, label) = match p.kind {
            PromptKind::Search => ("/", "search: "),
            _ if app
                .step
                .as_ref()
                .is_some_and(super::app::StepState::data_mode) =>
            {
                (":", "message text (DATA mode): ")
            }
            _ => (":", "raw SMTP command: "),
        };
        let mut spans = vec![Span::styled(lead, t.key()), Span::styled(label, t.dim())];
        let room = (area.width as usize).saturating_sub(label.len() + 30);
        spans.extend(input_spans(&p.input, t.text(), false, room));
        spans.push(Span::styled("   Enter send · Esc cancel", t.dim()));
        Line::from(spans)
    } else if let Some(s) = &app.status {
        let tone = if s.error { Tone::Bad } else { Tone::Good };
        Line::from(Span::styled(format!(" {}", safe(&s.text)), t.tone(tone)))
    } else {
        // The hints that fit (`?` always first), then the icon legend when there is
        // room for it too.
        // Chosen by priority (help, quit, working settings, export first), shown in the
        // table's order.
        const PRIORITY: &[&str] = &["?", "q", "W", "e/E/H", "r", "s", "/", "p", "Enter", "i"];
        let mut spans = Vec::new();
        let width = area.width as usize;
        let all = hints(app.context());
        let cost = |(k, h): &(&str, &str)| k.chars().count() + h.chars().count() + 3;
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_by_key(|&i| {
            PRIORITY
                .iter()
                .position(|p| *p == all[i].0)
                .unwrap_or(PRIORITY.len())
        });
        let mut keep = vec![false; all.len()];
        let mut used = 0;
        for i in order {
            if used + cost(&all[i]) <= width {
                used += cost(&all[i]);
                keep[i] = true;
            }
        }
        for ((k, h), _) in all.iter().zip(&keep).filter(|(_, k)| **k) {
            spans.push(Span::styled(format!(" {k}"), t.key()));
            spans.push(Span::styled(format!(" {h} "), t.dim()));
        }
        let legend = matrix::legend(app);
        let legend_w = legend.width();
        if app.context() == Context::Main && used + legend_w + 2 <= width {
            spans.push(Span::raw(" ".repeat(width - used - legend_w)));
            spans.extend(legend.spans);
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_escapes_only_when_needed() {
        assert!(matches!(safe("220 ok \\x1b"), Cow::Borrowed(_)));
        assert_eq!(safe("a\x1b[31m"), "a\\x1b[31m");
        assert_eq!(safe("bidi\u{202e}"), "bidi\\u{202e}");
    }

    #[test]
    fn input_scrolls_to_keep_the_cursor_visible() {
        let text = |spans: &[Span<'_>]| {
            spans
                .iter()
                .map(|s| s.content.to_string())
                .collect::<Vec<_>>()
        };
        let mut input = LineInput::new("0123456789abcdefghij");
        let s = input_spans(&input, Style::new(), false, 8);
        assert_eq!(text(&s), ["defghij", " ", ""]);
        input.apply(super::super::keys::Action::CursorHome);
        let s = input_spans(&input, Style::new(), false, 8);
        assert_eq!(text(&s), ["", "0", "1234567"]);
        let s = input_spans(&LineInput::new("pw"), Style::new(), true, 8);
        assert_eq!(text(&s), ["••", " ", ""]);
    }

    #[test]
    fn durations() {
        assert_eq!(fmt_ms(0.42), "0.4ms");
        assert_eq!(fmt_ms(12.4), "12ms");
        assert_eq!(fmt_ms(1234.0), "1.23s");
    }
}
