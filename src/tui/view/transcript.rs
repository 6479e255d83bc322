//! The transcript: timestamped lines of the selected endpoint (or of all endpoints),
//! coloured by direction, with search highlighting. Only the visible slice is ever
//! turned into widgets, so a million lines cost as much as twenty.
//!
//! ```text
//! ┌ Transcript — v4 587/starttls ─────────────── following ┐
//! │    0.012 === connected to 192.0.2.10:587 from …         │
//! │    0.031 <-  220 mail.example.com ESMTP                 │
//! │    0.032 ->  EHLO smtptui.invalid                       │
//! │    0.090 <~  250-AUTH PLAIN LOGIN   (matches highlighted)│
//! └─────────────────────────────────────────────────────────┘
//! ```
//! In the "all" view every line carries its endpoint (`v4 587/starttls`) or `run`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{label_with_host, multi_host, row_label, safe};
use crate::tui::app::{App, Pane};
use crate::tui::scroll::{match_ranges, visible_window};
use crate::tui::theme::Theme;

/// The visible lines for a pane of `height` rows and `width` columns: exactly the
/// window's slice, built without touching any other line. Lines are not wrapped; the
/// current search match is shifted into view when it lies past the right edge.
pub fn visible_lines(app: &App, height: usize, width: usize) -> Vec<Line<'static>> {
    let window = visible_window(app.transcript_len(), height, app.transcript.scroll);
    let t = app.theme;
    let query = app.transcript.query.as_deref();
    // O(endpoints), not O(lines): the widest endpoint label aligns the "all" view.
    let multi = multi_host(app);
    let tag_w = if app.transcript.all {
        app.endpoints
            .iter()
            .map(|e| label_with_host(multi, &e.endpoint).chars().count())
            .max()
            .unwrap_or(3)
    } else {
        0
    };
    window
        .filter_map(|i| {
            let (ep, entry) = app.transcript_line(i)?;
            let mut spans = vec![Span::styled(
                format!("{:>9.3} ", entry.t_ms / 1000.0),
                t.dim(),
            )];
            if app.transcript.all {
                let tag = ep.map_or_else(
                    || "run".to_string(),
                    |e| label_with_host(multi, &e.endpoint),
                );
                spans.push(Span::styled(format!("{tag:<tag_w$} "), t.dim()));
            }
            let style = t.direction(entry.dir);
            spans.push(Span::styled(format!("{:<3} ", entry.dir.marker()), style));
            let mut text = safe(&entry.text).into_owned();
            let current = app.transcript.current_match == Some(i);
            if current && let Some(q) = query {
                let prefix = 10 + 4 + if app.transcript.all { tag_w + 1 } else { 0 };
                text = shift_into_view(text, q, width.saturating_sub(prefix));
            }
            spans.extend(highlight(&text, query, style, t, current));
            Some(Line::from(spans))
        })
        .collect()
}

/// When the first match of `q` ends past `room` columns, drops the start of the line
/// (marked with `…`) so the match shows with a little context after it.
fn shift_into_view(text: String, q: &str, room: usize) -> String {
    let Some(r) = match_ranges(&text, q).into_iter().next() else {
        return text;
    };
    let end = text[..r.end].chars().count();
    if end <= room || room < 10 {
        return text;
    }
    let skip = end + 8 - room + 1;
    let byte = text.char_indices().nth(skip).map_or(text.len(), |(b, _)| b);
    format!("…{}", &text[byte..])
}

fn highlight(
    text: &str,
    query: Option<&str>,
    style: ratatui::style::Style,
    t: Theme,
    current: bool,
) -> Vec<Span<'static>> {
    let ranges = query.map(|q| match_ranges(text, q)).unwrap_or_default();
    if ranges.is_empty() {
        return vec![Span::styled(text.to_string(), style)];
    }
    let hit = if current {
        t.current_match()
    } else {
        t.matched()
    };
    let mut out = Vec::new();
    let mut at = 0;
    for r in ranges {
        if r.start > at {
            out.push(Span::styled(text[at..r.start].to_string(), style));
        }
        out.push(Span::styled(text[r.clone()].to_string(), hit));
        at = r.end;
    }
    if at < text.len() {
        out.push(Span::styled(text[at..].to_string(), style));
    }
    out
}

/// Draws the transcript pane.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let which = if app.transcript.all {
        "all endpoints".to_string()
    } else {
        app.selected_endpoint()
            .map_or_else(|| "run".to_string(), |e| row_label(app, &e.endpoint))
    };
    let len = app.transcript_len();
    let height = area.height.saturating_sub(2) as usize;
    let right = if app.transcript.scroll.is_none() {
        " following ".to_string()
    } else {
        let w = visible_window(len, height, app.transcript.scroll);
        format!(" ↑ {}/{len} · End follows ", w.end)
    };
    let mut title = vec![Span::styled(format!(" Transcript — {which} "), t.heading())];
    if let Some(q) = &app.transcript.query {
        title.push(Span::styled(format!("/{} ", safe(q)), t.key()));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(app.focus == Pane::Transcript))
        .title(Line::from(title))
        .title(Line::from(Span::styled(right, t.dim())).right_aligned());
    let lines = if len == 0 {
        vec![Line::from(Span::styled("  no lines yet", t.dim()))]
    } else {
        visible_lines(app, height, area.width.saturating_sub(2) as usize)
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::shift_into_view;

    #[test]
    fn far_matches_are_shifted_into_view() {
        let line = format!("{}NEEDLE tail", "x".repeat(60));
        assert_eq!(shift_into_view(line.clone(), "needle", 100), line);
        let shifted = shift_into_view(line, "needle", 30);
        assert!(shifted.starts_with('…'));
        let pos = shifted.find("NEEDLE").unwrap();
        assert!(shifted[..pos].chars().count() + 6 <= 30, "{shifted}");
        assert_eq!(shift_into_view("short".into(), "zzz", 3), "short");
    }
}
