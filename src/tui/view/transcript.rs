//! The transcript: timestamped lines of the selected endpoint (or of all endpoints),
//! coloured by direction, with search highlighting. Only the visible slice is ever
//! turned into widgets, so a million lines cost as much as twenty.
//!
//! ```text
//! ┌ Transcript — v4 587/starttls ────────── col 16 · following ┐
//! │    0.012 === connected to 192.0.2.10:587 from …         │
//! │    0.031 <-  220 mail.example.com ESMTP                 │
//! │    0.032 ->  EHLO smtptui.invalid                       │
//! │    0.090 <~  250-AUTH PLAIN LOGIN   (matches highlighted)│
//! └─────────────────────────────────────────────────────────┘
//! ```
//! In the "all" view every line carries its endpoint (`v4 587/starttls`) or `run`.
//! Long lines either scroll sideways (`h` / `l`, `0`; the title shows the column) or
//! wrap (`w`, title "wrap") onto continuation rows indented past the time column.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{label_with_host, multi_host, row_label, safe};
use crate::tui::app::{App, Pane};
use crate::tui::scroll::{match_ranges, visible_window};
use crate::tui::theme::Theme;

/// Columns the horizontal keys (`h` / `l` / ←/→) move the transcript by.
pub const HSCROLL_STEP: usize = 8;

/// What every line of one drawing shares: theme, search, the "all" tag width.
struct LineFmt<'a> {
    t: Theme,
    query: Option<&'a str>,
    tag_w: usize,
    multi: bool,
    all: bool,
}

/// One transcript line, formatted: the fixed prefix (time, tag, direction) and the
/// escaped text with its style.
struct Formatted {
    prefix: Vec<Span<'static>>,
    prefix_w: usize,
    text: String,
    style: Style,
    current: bool,
}

impl Formatted {
    /// Rows the line takes when wrapped into `width` columns.
    fn rows(&self, width: usize) -> usize {
        self.text
            .chars()
            .count()
            .div_ceil(wrap_room(width, self.prefix_w))
            .max(1)
    }
}

/// Text columns of a wrapped row (continuation rows are indented by the prefix).
fn wrap_room(width: usize, prefix_w: usize) -> usize {
    width.saturating_sub(prefix_w).max(1)
}

#[cfg(test)]
thread_local! {
    /// How many lines were formatted (tests check that only the window is).
    pub(crate) static FORMATTED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl LineFmt<'_> {
    fn new(app: &App) -> LineFmt<'_> {
        // O(endpoints), not O(lines): the widest endpoint label aligns the "all" view.
        let multi = multi_host(app);
        let tag_w = if app.panes.transcript.all {
            app.run()
                .endpoints()
                .iter()
                .map(|e| label_with_host(multi, &e.endpoint).chars().count())
                .max()
                .unwrap_or(3)
        } else {
            0
        };
        LineFmt {
            t: app.theme(),
            query: app.panes.transcript.query.as_deref(),
            tag_w,
            multi,
            all: app.panes.transcript.all,
        }
    }

    fn format(&self, app: &App, i: usize) -> Option<Formatted> {
        #[cfg(test)]
        FORMATTED.with(|c| c.set(c.get() + 1));
        let t = self.t;
        let (ep, entry) = app.transcript_line(i)?;
        let mut prefix = vec![Span::styled(
            format!("{:>9.3} ", entry.t_ms / 1000.0),
            t.dim(),
        )];
        let mut prefix_w = 10 + 4;
        if self.all {
            let tag = ep.map_or_else(
                || "run".to_string(),
                |e| label_with_host(self.multi, &e.endpoint),
            );
            let tag_w = self.tag_w;
            prefix.push(Span::styled(format!("{tag:<tag_w$} "), t.dim()));
            prefix_w += tag_w + 1;
        }
        let style = t.direction(entry.dir);
        prefix.push(Span::styled(format!("{:<3} ", entry.dir.marker()), style));
        Some(Formatted {
            prefix,
            prefix_w,
            text: safe(&entry.text).into_owned(),
            style,
            current: app.panes.transcript.current_match == Some(i),
        })
    }

    fn body(&self, text: &str, f: &Formatted) -> Vec<Span<'static>> {
        highlight(text, self.query, f.style, self.t, f.current)
    }
}

/// How far the text of the lines in view can scroll left in a pane `width` columns
/// wide (inner width) and `height` rows high: until the longest of them ends at the right
/// edge. O(height): only the window's lines are measured.
pub fn max_hscroll(app: &App, height: usize, width: usize) -> usize {
    let fmt = LineFmt::new(app);
    let prefix = 14 + if fmt.all { fmt.tag_w + 1 } else { 0 };
    let room = width.saturating_sub(prefix).max(1);
    visible_window(app.transcript_len(), height, app.panes.transcript.scroll)
        .filter_map(|i| app.transcript_line(i))
        .map(|(_, e)| safe(&e.text).chars().count())
        .max()
        .unwrap_or(0)
        .saturating_sub(room)
}

/// The visible lines for a pane of `height` rows and `width` columns: exactly the
/// window's slice, built without touching any other line. Without wrapping the text is
/// shifted left by the horizontal scroll (the time and direction columns stay), and
/// the current search match is shifted into view when it lies past the right edge; with
/// wrapping, long lines continue on indented rows.
pub fn visible_lines(app: &App, height: usize, width: usize) -> Vec<Line<'static>> {
    let fmt = LineFmt::new(app);
    if app.panes.transcript.wrap {
        return wrapped_lines(app, &fmt, height, width);
    }
    let window = visible_window(app.transcript_len(), height, app.panes.transcript.scroll);
    let hscroll = app.panes.transcript.hscroll;
    window
        .filter_map(|i| {
            let f = fmt.format(app, i)?;
            let mut spans = f.prefix.clone();
            let room = width.saturating_sub(f.prefix_w);
            // The current match stays in view: the user's column when it shows there,
            // else the line is shifted so that it does.
            let shift_for = fmt
                .query
                .filter(|q| f.current && (hscroll == 0 || off_screen(&f.text, q, hscroll, room)));
            if let Some(q) = shift_for {
                let text = shift_into_view(f.text.clone(), q, room);
                spans.extend(fmt.body(&text, &f));
            } else {
                spans.extend(skip_chars(fmt.body(&f.text, &f), hscroll));
            }
            Some(Line::from(spans))
        })
        .collect()
}

/// Wrap mode: the rows of the lines in view. Following the tail (or when the current
/// match would fall below the pane) the lines are walked back from the last one until
/// the pane is full; otherwise forward from the top line. Either way at most `height`
/// lines are formatted, since every line takes at least one row.
fn wrapped_lines(app: &App, fmt: &LineFmt, height: usize, width: usize) -> Vec<Line<'static>> {
    let len = app.transcript_len();
    if height == 0 || len == 0 {
        return Vec::new();
    }
    let back_from = |last: usize| {
        let mut picked = Vec::new();
        let mut rows = 0;
        for i in (0..=last).rev() {
            let Some(f) = fmt.format(app, i) else { break };
            rows += f.rows(width);
            picked.push(f);
            if rows >= height {
                break;
            }
        }
        picked.reverse();
        let mut out = wrap_rows(fmt, &picked, width);
        let extra = out.len().saturating_sub(height);
        out.drain(..extra);
        out
    };
    let Some(top) = app.panes.transcript.scroll else {
        return back_from(len - 1);
    };
    let top = visible_window(len, height, Some(top)).start;
    let mut picked = Vec::new();
    let mut rows = 0;
    for i in top..len {
        if rows >= height {
            break;
        }
        let Some(f) = fmt.format(app, i) else { break };
        rows += f.rows(width);
        picked.push(f);
    }
    let shown_to = top + picked.len();
    if let Some(m) = app.panes.transcript.current_match
        && m >= top
        && m < top + height
        && (m >= shown_to || (m + 1 == shown_to && rows > height))
    {
        // The match is in the line window but wrapped rows pushed it out of the pane.
        return back_from(m);
    }
    let mut out = wrap_rows(fmt, &picked, width);
    out.truncate(height);
    out
}

/// Splits formatted lines into rows of `width` columns: the prefix on the first row,
/// an indent of the same width on the continuation rows.
fn wrap_rows(fmt: &LineFmt, lines: &[Formatted], width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for f in lines {
        let room = wrap_room(width, f.prefix_w);
        let chunks = split_chars(fmt.body(&f.text, f), room);
        for (k, chunk) in chunks.into_iter().enumerate() {
            let mut spans = if k == 0 {
                f.prefix.clone()
            } else {
                vec![Span::raw(" ".repeat(f.prefix_w))]
            };
            spans.extend(chunk);
            out.push(Line::from(spans));
        }
    }
    out
}

/// Drops the first `n` characters of a list of spans (keeping each span's style).
fn skip_chars(spans: Vec<Span<'static>>, mut n: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    for span in spans {
        let count = span.content.chars().count();
        if n >= count {
            n -= count;
            continue;
        }
        let byte = span
            .content
            .char_indices()
            .nth(n)
            .map_or(span.content.len(), |(b, _)| b);
        out.push(Span::styled(span.content[byte..].to_string(), span.style));
        n = 0;
    }
    out
}

/// Cuts a list of spans into rows of at most `room` characters (at least one row).
fn split_chars(spans: Vec<Span<'static>>, room: usize) -> Vec<Vec<Span<'static>>> {
    let mut rows = vec![Vec::new()];
    let mut used = 0;
    for span in spans {
        let mut rest: &str = &span.content;
        while !rest.is_empty() {
            if used == room {
                rows.push(Vec::new());
                used = 0;
            }
            let take = room - used;
            let byte = rest.char_indices().nth(take).map_or(rest.len(), |(b, _)| b);
            let piece = &rest[..byte];
            used += piece.chars().count();
            if let Some(row) = rows.last_mut() {
                row.push(Span::styled(piece.to_string(), span.style));
            }
            rest = &rest[byte..];
        }
    }
    rows
}

/// Whether the first match of `q` in `text` lies (partly) outside the columns
/// `hscroll..hscroll + room`.
fn off_screen(text: &str, q: &str, hscroll: usize, room: usize) -> bool {
    match_ranges(text, q).into_iter().next().is_some_and(|r| {
        let start = text[..r.start].chars().count();
        let end = text[..r.end].chars().count();
        start < hscroll || end > hscroll + room
    })
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
    style: Style,
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
    let t = app.theme();
    let which = if app.panes.transcript.all {
        "all endpoints".to_string()
    } else {
        app.selected_endpoint()
            .map_or_else(|| "run".to_string(), |e| row_label(app, &e.endpoint))
    };
    let len = app.transcript_len();
    let height = area.height.saturating_sub(2) as usize;
    let horizontal = if app.panes.transcript.wrap {
        " wrap ·".to_string()
    } else if app.panes.transcript.hscroll > 0 {
        format!(" → col {} ·", app.panes.transcript.hscroll)
    } else {
        String::new()
    };
    let right = if app.panes.transcript.scroll.is_none() {
        format!("{horizontal} following ")
    } else {
        let w = visible_window(len, height, app.panes.transcript.scroll);
        format!("{horizontal} ↑ {}/{len} · End follows ", w.end)
    };
    let mut title = vec![Span::styled(format!(" Transcript — {which} "), t.heading())];
    if let Some(q) = &app.panes.transcript.query {
        title.push(Span::styled(format!("/{} ", safe(q)), t.key()));
        if let (Some((n, of)), Some(_)) = (
            app.panes.transcript.match_counter,
            app.panes.transcript.current_match,
        ) {
            title.push(Span::styled(format!("{n}/{of} "), t.dim()));
        }
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(app.panes.focus == Pane::Transcript))
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
