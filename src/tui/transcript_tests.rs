//! Long transcript lines: horizontal scrolling (`h` / `l` / ←/→, `0`) and the wrap
//! toggle (`w`), at 80×24 and 120×40, with search highlighting in both modes and the
//! O(visible rows) promise kept for a million lines.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::style::Color;

use ratatui::layout::Rect;

use super::app::{App, Pane};
use super::fixtures::{render, text};
use super::layout;
use super::render_tests::{LARGE, SMALL, find, finished, key, typ};
use super::update::{Msg, update};
use super::view::transcript::FORMATTED;
use super::view::{HSCROLL_STEP, visible_lines};
use crate::model::{Direction, EndpointId, ProbeEvent, TranscriptEntry};

/// The tail of the long line, far past any pane's right edge.
const TAIL: &str = "END-OF-LONG-LINE";

/// The finished fixture on the v4 587 session with a long EHLO line and a long TLS
/// note appended, transcript focused.
fn long_app(size: (u16, u16)) -> App {
    let mut app = finished(false, size);
    app.panes.selected = 2;
    let ehlo = format!(
        "250-AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER {} {TAIL}",
        (0..12)
            .map(|i| format!("X-EXT{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let note = "TLS note: the server offered a certificate chain whose intermediate is \
                missing; clients that do not fetch it (AIA) will fail to verify";
    for entry in [
        TranscriptEntry::new(500.0, Direction::ServerTls, ehlo),
        TranscriptEntry::new(501.0, Direction::Info, note),
    ] {
        let line = ProbeEvent::Line {
            run: app.run().id(),
            endpoint: EndpointId(2),
            entry,
        };
        update(&mut app, Msg::Probe(line));
    }
    app.panes.focus = Pane::Transcript;
    app
}

fn screen(app: &App) -> String {
    text(&render(app))
}

#[test]
fn horizontal_scroll_moves_the_text_not_the_time_column() {
    for size in [SMALL, LARGE] {
        let mut app = long_app(size);
        let before = screen(&app);
        assert!(!before.contains(TAIL), "{before}");
        assert!(before.contains("following"), "{before}");
        key(&mut app, KeyCode::Char('l'));
        assert_eq!(app.panes.transcript.hscroll, HSCROLL_STEP);
        key(&mut app, KeyCode::Right);
        assert_eq!(app.panes.transcript.hscroll, 2 * HSCROLL_STEP);
        key(&mut app, KeyCode::Char('h'));
        assert_eq!(app.panes.transcript.hscroll, HSCROLL_STEP);
        // Far right: clamped where the longest line in view ends at the edge.
        for _ in 0..100 {
            key(&mut app, KeyCode::Char('l'));
        }
        let s = screen(&app);
        assert!(s.contains(TAIL), "{s}");
        assert!(
            s.contains(&format!("col {}", app.panes.transcript.hscroll)),
            "{s}"
        );
        // The time column stays put.
        assert!(s.contains("    0.501 "), "{s}");
        insta::assert_snapshot!(format!("transcript_scrolled_{}x{}", size.0, size.1), s);
        let max = app.panes.transcript.hscroll;
        key(&mut app, KeyCode::Char('l'));
        assert_eq!(app.panes.transcript.hscroll, max);
        key(&mut app, KeyCode::Char('0'));
        assert_eq!(app.panes.transcript.hscroll, 0);
        assert_eq!(screen(&app), before);
    }
}

#[test]
fn wrap_shows_the_whole_line_on_indented_rows() {
    for size in [SMALL, LARGE] {
        let mut app = long_app(size);
        key(&mut app, KeyCode::Char('w'));
        assert!(app.panes.transcript.wrap);
        let s = screen(&app);
        assert!(s.contains("wrap ·"), "{s}");
        // Continuation rows start below the text, past the time and direction columns;
        // together the rows hold the whole line.
        let lay = layout::main_layout(Rect::new(0, 0, size.0, size.1), &app);
        let width = lay.transcript.width.saturating_sub(2) as usize;
        let rows = visible_lines(&app, lay.transcript_height(), width);
        let mut body = String::new();
        for (k, row) in rows.iter().map(ToString::to_string).enumerate() {
            assert!(row.chars().count() <= width, "{row}");
            if row.starts_with("    0.") {
                body.push('\n');
            } else {
                assert!(k == 0 || row.starts_with(&" ".repeat(14)), "{row}");
            }
            body.extend(row.chars().skip(14));
        }
        assert!(body.contains(TAIL), "{body}");
        assert!(
            body.contains("clients that do not fetch it (AIA) will fail"),
            "{body}"
        );
        insta::assert_snapshot!(format!("transcript_wrapped_{}x{}", size.0, size.1), s);
        // h / l do nothing while wrapping (and say why).
        key(&mut app, KeyCode::Char('l'));
        assert_eq!(app.panes.transcript.hscroll, 0);
        assert!(app.status.is_some());
        key(&mut app, KeyCode::Char('w'));
        assert!(!screen(&app).contains(TAIL));
    }
}

/// Whether `LONG-LINE` in the transcript text (not the `/LONG-LINE` of the pane title)
/// is highlighted as a search match.
fn highlighted(app: &App) -> bool {
    let buf = render(app);
    let Some((x, y)) = find(&buf, "-OF-LONG-LINE") else {
        return false;
    };
    matches!(buf[(x + 4, y)].bg, Color::Yellow | Color::LightRed)
}

#[test]
fn search_highlights_in_both_modes() {
    let mut app = long_app(LARGE);
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "LONG-LINE");
    key(&mut app, KeyCode::Enter);
    assert!(app.panes.transcript.current_match.is_some());
    // Unscrolled: the current match is shifted into view.
    assert!(highlighted(&app), "{}", screen(&app));
    for _ in 0..100 {
        key(&mut app, KeyCode::Char('l'));
    }
    assert!(highlighted(&app), "{}", screen(&app));
    key(&mut app, KeyCode::Char('0'));
    key(&mut app, KeyCode::Char('w'));
    assert!(highlighted(&app), "{}", screen(&app));
    key(&mut app, KeyCode::Char('w'));
    // A match left of the scrolled column is brought back into view.
    app.panes.transcript.hscroll = 100;
    key(&mut app, KeyCode::Char('/'));
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typ(&mut app, "OAUTHBEARER");
    key(&mut app, KeyCode::Enter);
    let buf = render(&app);
    let (x, y) = find(&buf, "XOAUTH2 OAUTHBEARER").unwrap();
    assert_eq!(buf[(x + 8, y)].bg, Color::LightRed, "{}", text(&buf));
}

#[test]
fn the_mouse_wheel_scrolls_sideways() {
    let mut app = long_app(LARGE);
    let lay = layout::main_layout(Rect::new(0, 0, LARGE.0, LARGE.1), &app);
    let wheel = |kind| {
        Msg::Mouse(MouseEvent {
            kind,
            column: lay.transcript.x + 5,
            row: lay.transcript.y + 3,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut app, wheel(MouseEventKind::ScrollRight));
    update(&mut app, wheel(MouseEventKind::ScrollRight));
    assert_eq!(app.panes.transcript.hscroll, 2 * HSCROLL_STEP);
    update(&mut app, wheel(MouseEventKind::ScrollLeft));
    assert_eq!(app.panes.transcript.hscroll, HSCROLL_STEP);
    // Another endpoint starts at column 0 again.
    app.panes.focus = Pane::Matrix;
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.panes.transcript.hscroll, 0);
}

#[test]
fn wrapping_a_million_lines_formats_only_the_visible_ones() {
    let mut app = finished(false, SMALL);
    app.panes.selected = 2;
    app.panes.transcript.wrap = true;
    // Every line takes three rows at 78 columns.
    let long = "y".repeat(150);
    app.endpoints_mut()[2].transcript = (0..1_000_000)
        .map(|i| TranscriptEntry::new(f64::from(i), Direction::Server, format!("{long} {i}")))
        .collect();
    let count = |app: &App| {
        FORMATTED.with(|c| c.set(0));
        let lines = visible_lines(app, 20, 78);
        (lines, FORMATTED.with(std::cell::Cell::get))
    };
    let (lines, formatted) = count(&app);
    assert_eq!(lines.len(), 20);
    assert!(formatted <= 7, "{formatted} lines formatted for 20 rows");
    assert!(lines[19].to_string().ends_with(" 999999"), "{}", lines[19]);
    // The top rows are the continuation of a line whose start is above the pane.
    assert!(lines[0].to_string().starts_with("    "), "{}", lines[0]);
    app.panes.transcript.scroll = Some(500_000);
    let (lines, formatted) = count(&app);
    assert_eq!(lines.len(), 20);
    assert!(formatted <= 7, "{formatted}");
    assert!(lines[0].to_string().contains("500.000"), "{}", lines[0]);
    assert!(lines[2].to_string().ends_with(" 500000"), "{}", lines[2]);
    // A current match that the wrapped rows would push below the pane is brought up.
    app.panes.transcript.current_match = Some(500_010);
    let (lines, formatted) = count(&app);
    assert!(formatted <= 7 + 7, "{formatted}");
    assert!(lines[19].to_string().ends_with(" 500010"), "{}", lines[19]);
    app.panes.transcript.current_match = None;
    // Unwrapped, a million short lines still cost one line per row.
    app.panes.transcript.wrap = false;
    let (lines, formatted) = count(&app);
    assert_eq!((lines.len(), formatted), (20, 20));
}
