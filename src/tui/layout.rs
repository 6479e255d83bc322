//! Where every pane goes, as a pure function of the terminal size and the model, so
//! the view and the mouse hit-testing agree.
//!
//! Wide (≥ 110 × 32), e.g. 120 × 40:
//! ```text
//! ┌ title bar ─────────────────────────────────────────────────────────┐
//! ┌ Port matrix ───────────────────────────────────────────────────────┐
//! │ findings header                                                    │
//! │ st endpoint        phase   connect banner TLS   AUTH      verdict  │
//! └────────────────────────────────────────────────────────────────────┘
//! ┌ Transcript ───────────────────────┐┌ Certificate ──────────────────┐
//! │ 0.012 -> EHLO smtptui.invalid     ││ chain + details               │
//! │                                   │└───────────────────────────────┘
//! │                                   │┌ Timeline ─────────────────────┐
//! └───────────────────────────────────┘└───────────────────────────────┘
//! ─ Verdict / Stepping (4 lines compact, 6 wide: evidence and advice wrap) ─
//!   code summary / evidence / advice
//!  status line and key hints
//! ```
//! Wide: `t` gives the larger share of the side column to the timeline or back to the
//! certificate. Compact (e.g. 80 × 24): the same, with a smaller matrix and a single side
//! pane that shows either the certificate or the timeline (`t` toggles). Tiny (under 18
//! lines, e.g. 40 × 12): no findings lines, a two-line verdict bar, so at least one
//! matrix row shows.
//! In MX mode the side pane can also show the DNS report (`t` cycles to it, `d` jumps
//! to it); in the wide layout it then takes the whole side column.

use ratatui::layout::{Constraint, Direction as Dir, Layout, Rect};

use super::app::{App, Pane, SideView};

/// The rectangles of the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MainLayout {
    /// Title bar (one line).
    pub title: Rect,
    /// The matrix block (with borders).
    pub matrix: Rect,
    /// Inside the matrix block: the findings lines.
    pub findings: Rect,
    /// Inside the matrix block: the table (header row first).
    pub table: Rect,
    /// The transcript block.
    pub transcript: Rect,
    /// The certificate block, when shown.
    pub cert: Option<Rect>,
    /// The timeline block, when shown.
    pub timeline: Option<Rect>,
    /// The DNS report block, when shown.
    pub dns: Option<Rect>,
    /// The path view block, when shown.
    pub path: Option<Rect>,
    /// The verdict bar or the stepping panel.
    pub bottom: Rect,
    /// Status line.
    pub status: Rect,
}

/// Whether the terminal is big enough for the wide layout.
pub fn is_wide(width: u16, height: u16) -> bool {
    width >= 110 && height >= 32
}

/// Whether the terminal is so short (under 18 lines) that the matrix loses its findings
/// lines and the verdict bar shrinks, so at least one matrix row stays visible.
pub fn is_tiny(height: u16) -> bool {
    height < 18
}

/// How many findings lines the matrix header gets (none on a tiny terminal: the
/// matrix title counts them instead).
pub fn findings_lines(app: &App, wide: bool, tiny: bool) -> u16 {
    if tiny {
        return 0;
    }
    let cap = if wide { 3 } else { 1 };
    (app.run().findings().len() as u16).clamp(1, cap)
}

/// Lines the verdict bar needs for the selected endpoint at `width` (wrapped).
fn verdict_lines(app: &App, width: u16) -> u16 {
    use crate::tui::view::hanging_rows;
    let Some(v) = app.selected_endpoint().and_then(|e| e.verdict()) else {
        return 1;
    };
    let w = width as usize;
    let mut n = 1 + hanging_rows(&v.evidence, w) + hanging_rows(&v.advice, w);
    if let Some(s) = app
        .selected_endpoint()
        .and_then(|e| app.scenario(&e.endpoint))
    {
        n += hanging_rows(&s.about, w);
    }
    n as u16
}

/// Computes the main screen's layout.
pub fn main_layout(area: Rect, app: &App) -> MainLayout {
    let wide = is_wide(area.width, area.height);
    let tiny = is_tiny(area.height);
    let findings = findings_lines(app, wide, tiny);
    let rows = app.run().endpoints().len().max(1) as u16;
    // Tall terminals show more matrix rows (at 200 × 60 all of a 20-row matrix).
    let cap = if tiny {
        5
    } else if wide {
        (area.height / 3).max(16)
    } else {
        9
    };
    let matrix_h = (2 + findings + 1 + rows).min(cap);
    // The demo's scenario line needs one more line in the verdict bar.
    let extra = u16::from(app.has_scenarios());
    let bottom_h = if tiny {
        2
    } else if wide {
        // As many lines as the selected verdict needs (wrapped), 3 to 6.
        1 + verdict_lines(app, area.width).clamp(3, 6)
    } else {
        4 + extra
    };
    let [title, matrix, middle, bottom, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(matrix_h),
        Constraint::Min(if tiny { 3 } else { 4 }),
        Constraint::Length(bottom_h),
        Constraint::Length(1),
    ])
    .areas(area);
    let inner = Rect {
        x: matrix.x + 1,
        y: matrix.y + 1,
        width: matrix.width.saturating_sub(2),
        height: matrix.height.saturating_sub(2),
    };
    let findings_rect = Rect {
        height: findings.min(inner.height),
        ..inner
    };
    let table = Rect {
        y: inner.y + findings_rect.height,
        height: inner.height.saturating_sub(findings_rect.height),
        ..inner
    };
    let pct = if wide { 58 } else { 55 };
    let [transcript, side] = Layout::default()
        .direction(Dir::Horizontal)
        .constraints([
            Constraint::Percentage(pct),
            Constraint::Percentage(100 - pct),
        ])
        .areas(middle);
    let show_dns = app.panes.side == SideView::Dns && app.run().dns().is_some();
    let path = (app.panes.side == SideView::Path).then_some(side);
    let (cert, timeline, dns) = if show_dns {
        (None, None, Some(side))
    } else if path.is_some() {
        (None, None, None)
    } else if wide {
        // The certificate gets all but six lines (the timeline compresses to fit);
        // `t` gives the bigger share to the timeline instead.
        let small = 6.min(side.height / 2);
        let big = side.height.saturating_sub(small);
        let (ch, th) = if app.panes.side == SideView::Timeline {
            (small, big)
        } else {
            (big, small)
        };
        let [c, t] = Layout::vertical([Constraint::Length(ch), Constraint::Length(th)]).areas(side);
        (Some(c), Some(t), None)
    } else {
        match app.panes.side {
            SideView::Timeline => (None, Some(side), None),
            SideView::Cert | SideView::Dns | SideView::Path => (Some(side), None, None),
        }
    };
    MainLayout {
        title,
        matrix,
        findings: findings_rect,
        table,
        transcript,
        cert,
        timeline,
        dns,
        path,
        bottom,
        status,
    }
}

impl MainLayout {
    /// The focusable panes that are visible, in Tab order.
    pub fn panes(&self) -> Vec<Pane> {
        let mut v = vec![Pane::Matrix, Pane::Transcript];
        if self.cert.is_some() {
            v.push(Pane::Cert);
        }
        if self.timeline.is_some() {
            v.push(Pane::Timeline);
        }
        if self.dns.is_some() {
            v.push(Pane::Dns);
        }
        if self.path.is_some() {
            v.push(Pane::Path);
        }
        v
    }

    /// The block of a pane, when shown.
    pub fn rect(&self, pane: Pane) -> Option<Rect> {
        match pane {
            Pane::Matrix => Some(self.matrix),
            Pane::Transcript => Some(self.transcript),
            Pane::Cert => self.cert,
            Pane::Timeline => self.timeline,
            Pane::Dns => self.dns,
            Pane::Path => self.path,
        }
    }

    /// The pane under a screen position.
    pub fn pane_at(&self, col: u16, row: u16) -> Option<Pane> {
        let pos = ratatui::layout::Position { x: col, y: row };
        [
            Pane::Matrix,
            Pane::Transcript,
            Pane::Cert,
            Pane::Timeline,
            Pane::Dns,
            Pane::Path,
        ]
        .into_iter()
        .find(|&p| self.rect(p).is_some_and(|r| r.contains(pos)))
    }

    /// Lines of transcript text that fit (inside the borders).
    pub fn transcript_height(&self) -> usize {
        self.transcript.height.saturating_sub(2) as usize
    }

    /// Matrix data rows that fit (below the header row).
    pub fn matrix_rows(&self) -> usize {
        self.table.height.saturating_sub(1) as usize
    }
}

/// The first matrix row shown so that `selected` stays visible in `rows` rows.
pub fn matrix_offset(selected: usize, rows: usize) -> usize {
    if rows == 0 || selected < rows {
        0
    } else {
        selected + 1 - rows
    }
}

/// A centred rectangle of at most `w` × `h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_keep_the_selection_visible() {
        assert_eq!(matrix_offset(0, 5), 0);
        assert_eq!(matrix_offset(4, 5), 0);
        assert_eq!(matrix_offset(5, 5), 1);
        assert_eq!(matrix_offset(9, 5), 5);
        assert_eq!(matrix_offset(3, 0), 0);
    }

    #[test]
    fn centred() {
        let r = centered(Rect::new(0, 0, 80, 24), 40, 10);
        assert_eq!(r, Rect::new(20, 7, 40, 10));
        assert_eq!(
            centered(Rect::new(0, 0, 10, 5), 40, 10),
            Rect::new(0, 0, 10, 5)
        );
    }
}
