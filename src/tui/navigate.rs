//! Moving around the main screen: focus, selection, scrolling, the side-pane cycle and
//! the mouse. Pure state changes of [`App`]; nothing here returns a command.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::app::{App, Pane, Screen, SideView, Status};
use super::keys::Action;
use super::layout;
use super::scroll;
use super::update::main_layout;
use super::view::{HSCROLL_STEP, max_hscroll};

/// The main screen's view actions (anything else is ignored).
pub(super) fn on_view(app: &mut App, action: Action) {
    let lay = main_layout(app);
    let page = lay.transcript_height().max(2) as isize - 1;
    match action {
        Action::FocusNext | Action::FocusPrev => {
            let panes = lay.panes();
            let i = panes
                .iter()
                .position(|&p| p == app.panes.focus)
                .unwrap_or(0) as isize;
            let d = if action == Action::FocusNext { 1 } else { -1 };
            app.panes.focus = panes[(i + d).rem_euclid(panes.len() as isize) as usize];
        }
        Action::Up => move_in_pane(app, app.panes.focus, -1),
        Action::Down => move_in_pane(app, app.panes.focus, 1),
        Action::PageUp => move_in_pane(app, app.panes.focus, -page),
        Action::PageDown => move_in_pane(app, app.panes.focus, page),
        Action::Home => match app.panes.focus {
            Pane::Matrix => select_row(app, 0),
            Pane::Transcript => app.panes.transcript.scroll = Some(0),
            Pane::Cert => {
                app.panes.cert.index = 0;
                app.panes.cert.scroll = 0;
            }
            Pane::Timeline => app.panes.timeline_scroll = 0,
            Pane::Dns => app.panes.dns.selected = 0,
            Pane::Path => {}
        },
        Action::End => match app.panes.focus {
            Pane::Matrix => select_row(app, app.run().endpoints().len().saturating_sub(1)),
            Pane::Dns => {
                let n = app.run().dns().map_or(0, |d| d.findings.len());
                app.panes.dns.selected = n.saturating_sub(1);
            }
            _ => app.panes.transcript.scroll = None,
        },
        Action::ToggleSide => {
            let side = next_side_with(
                app.panes.side,
                app.run().endpoints().iter().any(|e| e.path.is_some()),
                app.run().dns().is_some(),
                layout::is_wide(app.size().0, app.size().1),
            );
            set_side(app, side);
        }
        Action::ShowPath => {
            if app.panes.side == SideView::Path {
                set_side(app, SideView::Cert);
            } else {
                set_side(app, SideView::Path);
                app.panes.focus = Pane::Path;
            }
        }
        Action::ShowDns => {
            if app.run().dns().is_none() {
                let mx_run = app.run().running() && app.settings().is_some_and(|s| s.mx);
                let text = if mx_run {
                    "the DNS report comes when the MX run finishes"
                } else {
                    "no DNS report: run in MX mode (--mx, or mx:DOMAIN in the form)"
                };
                app.status = Some(Status::info(text));
            } else if app.panes.side == SideView::Dns {
                set_side(app, SideView::Cert);
            } else {
                set_side(app, SideView::Dns);
                app.panes.focus = Pane::Dns;
            }
        }
        Action::ToggleAll => {
            app.panes.transcript.all = !app.panes.transcript.all;
            app.panes.transcript.scroll = None;
            app.panes.transcript.hscroll = 0;
            app.panes.transcript.current_match = None;
        }
        Action::ScrollLeft | Action::ScrollRight if app.panes.transcript.wrap => {
            app.status = Some(Status::info("long lines are wrapped: w turns wrapping off"));
        }
        Action::ScrollLeft => {
            app.panes.transcript.hscroll =
                app.panes.transcript.hscroll.saturating_sub(HSCROLL_STEP);
        }
        Action::ScrollRight => scroll_right(app, HSCROLL_STEP),
        Action::ScrollColumn0 => app.panes.transcript.hscroll = 0,
        Action::ToggleWrap => app.panes.transcript.wrap = !app.panes.transcript.wrap,
        _ => {}
    }
}

/// Selects a matrix row; a new row starts its certificate, timeline and transcript views
/// at the top.
pub(super) fn select_row(app: &mut App, row: usize) {
    let row = row.min(app.run().endpoints().len().saturating_sub(1));
    if row != app.panes.selected {
        app.panes.selected = row;
        app.panes.cert.index = 0;
        app.panes.cert.scroll = 0;
        app.panes.timeline_scroll = 0;
        if !app.panes.transcript.all {
            app.panes.transcript.scroll = None;
            app.panes.transcript.current_match = None;
            app.panes.transcript.hscroll = 0;
        }
    }
}

fn move_in_pane(app: &mut App, pane: Pane, delta: isize) {
    let lay = main_layout(app);
    match pane {
        Pane::Matrix => {
            let n = app.run().endpoints().len();
            if n > 0 {
                let row = app.panes.selected.saturating_add_signed(delta).min(n - 1);
                select_row(app, row);
            }
        }
        Pane::Transcript => {
            let len = app.transcript_len();
            app.panes.transcript.scroll = scroll::scroll_by(
                len,
                lay.transcript_height(),
                app.panes.transcript.scroll,
                delta,
            );
        }
        Pane::Cert => {
            let n = app
                .selected_endpoint()
                .and_then(|e| e.tls.as_ref())
                .map_or(0, |t| t.chain.len());
            if delta.unsigned_abs() == 1 && n > 0 {
                app.panes.cert.index = app.panes.cert.index.saturating_add_signed(delta).min(n - 1);
                app.panes.cert.scroll = 0;
            } else {
                app.panes.cert.scroll = app
                    .panes
                    .cert
                    .scroll
                    .saturating_add_signed(delta.signum() * 5);
            }
        }
        Pane::Timeline => {
            app.panes.timeline_scroll = app.panes.timeline_scroll.saturating_add_signed(delta);
        }
        Pane::Dns => {
            let n = app.run().dns().map_or(0, |d| d.findings.len());
            app.panes.dns.selected = app
                .panes
                .dns
                .selected
                .saturating_add_signed(delta)
                .min(n.saturating_sub(1));
        }
        Pane::Path => {}
    }
}

/// The side view after `t`: certificate → timeline → DNS (only with a DNS report) →
/// certificate, with the path view (when the run traced any path) after the timeline.
/// The wide layout shows certificate and timeline together; there `t` gives the larger
/// share to the one chosen, so every press changes the screen.
pub fn next_side(side: SideView, has_dns: bool, wide: bool) -> SideView {
    next_side_with(side, false, has_dns, wide)
}

/// [`next_side`] with the path view: certificate → timeline → path → DNS → certificate,
/// skipping the views that have nothing to show.
pub fn next_side_with(side: SideView, has_path: bool, has_dns: bool, _wide: bool) -> SideView {
    match side {
        SideView::Cert => SideView::Timeline,
        SideView::Timeline if has_path => SideView::Path,
        SideView::Timeline | SideView::Path if has_dns => SideView::Dns,
        _ => SideView::Cert,
    }
}

fn set_side(app: &mut App, side: SideView) {
    app.panes.side = side;
    if !main_layout(app).panes().contains(&app.panes.focus) {
        app.panes.focus = match app.panes.side {
            SideView::Cert => Pane::Cert,
            SideView::Timeline => Pane::Timeline,
            SideView::Dns => Pane::Dns,
            SideView::Path => Pane::Path,
        };
    }
}

/// Scrolls the transcript's text right, up to where the longest line in view ends.
fn scroll_right(app: &mut App, step: usize) {
    let lay = main_layout(app);
    let width = lay.transcript.width.saturating_sub(2) as usize;
    let max = max_hscroll(app, lay.transcript_height(), width);
    app.panes.transcript.hscroll = (app.panes.transcript.hscroll + step).min(max);
}

/// Clicks select a pane (and a matrix row); the wheel scrolls the pane under it.
pub(super) fn on_mouse(app: &mut App, ev: MouseEvent) {
    if app.screen != Screen::Main || app.popup.is_some() {
        return;
    }
    let lay = main_layout(app);
    let Some(pane) = lay.pane_at(ev.column, ev.row) else {
        return;
    };
    match ev.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            app.panes.focus = pane;
            if pane == Pane::Matrix && ev.row > lay.table.y && ev.row < lay.table.bottom() {
                let offset = layout::matrix_offset(app.panes.selected, lay.matrix_rows());
                let row = offset + (ev.row - lay.table.y - 1) as usize;
                if row < app.run().endpoints().len() {
                    select_row(app, row);
                }
            }
        }
        MouseEventKind::ScrollUp => move_in_pane(app, pane, -3),
        MouseEventKind::ScrollDown => move_in_pane(app, pane, 3),
        MouseEventKind::ScrollLeft if pane == Pane::Transcript && !app.panes.transcript.wrap => {
            app.panes.transcript.hscroll =
                app.panes.transcript.hscroll.saturating_sub(HSCROLL_STEP);
        }
        MouseEventKind::ScrollRight if pane == Pane::Transcript && !app.panes.transcript.wrap => {
            scroll_right(app, HSCROLL_STEP);
        }
        _ => {}
    }
}
