//! Messages in, commands out: `update(&mut App, Msg) -> Vec<Cmd>`. Pure apart from the
//! model it changes; the runtime performs the commands (engine, files, quitting).

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use crate::model::{Endpoint, ProbeEvent, RunId, RunReport};
use crate::settings::Settings;

use super::app::{App, Pane, Prompt, PromptKind, Screen, SideView, Status};
use super::engine::ExportFormat;
use super::form::Field;
use super::input::LineInput;
use super::keys::{Action, Context, Key, action_for, types_text};
use super::layout::{self, MainLayout};
use super::prompt::{jump_to_match, on_confirm, on_prompt, start_step};
use super::recent::{self, RecentTarget};
use super::scroll;
use super::view::{HSCROLL_STEP, max_hscroll};

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// A mouse event.
    Mouse(MouseEvent),
    /// The terminal was resized.
    Resize(u16, u16),
    /// Spinner tick (only while something runs).
    Tick,
    /// An event from the engine.
    Probe(ProbeEvent),
    /// The engine's run future returned its report.
    RunFinished(RunId, Box<RunReport>),
    /// An export finished.
    Exported(Result<PathBuf, String>),
    /// A background failure to show in the status line.
    Error(String),
}

/// Something for the runtime to do.
#[derive(Debug)]
pub enum Cmd {
    /// Start a probe run.
    StartRun {
        /// Its id.
        run: RunId,
        /// What to probe.
        settings: Arc<Settings>,
    },
    /// Abort the running probe.
    CancelRun,
    /// Open a stepping session on an endpoint.
    StepOpen {
        /// Run id the session's events carry.
        run: RunId,
        /// The endpoint.
        endpoint: Endpoint,
        /// Settings.
        settings: Arc<Settings>,
    },
    /// Run the proposed step; `Some` when the user edited the command.
    StepNext {
        /// The edited command.
        command: Option<String>,
    },
    /// Send a raw command line.
    StepRaw(String),
    /// End the stepping session.
    StepClose,
    /// Export the current report.
    Export {
        /// Text, JSON or HTML.
        format: ExportFormat,
    },
    /// Put text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Remember the recent targets (never a password).
    SaveRecent(Vec<RecentTarget>),
    /// Leave the program.
    Quit,
}

/// Starts a run with `settings`.
pub fn start_run(app: &mut App, settings: Settings) -> Vec<Cmd> {
    let settings = Arc::new(settings);
    let mut cmds = Vec::new();
    if app.running {
        cmds.push(Cmd::CancelRun);
    }
    if app.step.is_some() {
        cmds.push(Cmd::StepClose);
    }
    let run = app.begin_run(settings.target.clone());
    app.settings = Some(Arc::clone(&settings));
    app.screen = Screen::Main;
    app.status = None;
    cmds.push(Cmd::StartRun { run, settings });
    cmds
}

/// The Elm update: applies a message and returns what the runtime must do.
pub fn update(app: &mut App, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(ev) => on_key(app, ev),
        Msg::Mouse(ev) => {
            on_mouse(app, ev);
            Vec::new()
        }
        Msg::Resize(w, h) => {
            app.size = (w, h);
            let panes = main_layout(app).panes();
            if !panes.contains(&app.focus) {
                app.focus = Pane::Matrix;
            }
            Vec::new()
        }
        Msg::Tick => {
            app.tick = app.tick.wrapping_add(1);
            Vec::new()
        }
        Msg::Probe(ev) => {
            app.apply_event(ev);
            Vec::new()
        }
        Msg::RunFinished(run, report) => {
            let mut cmds = Vec::new();
            if run == app.run {
                if let Some((pending, target)) = app.pending_recent.take()
                    && pending == run
                    && reached_a_server(&report)
                {
                    recent::remember(&mut app.form.recent, target);
                    cmds.push(Cmd::SaveRecent(app.form.recent.clone()));
                }
                app.duration_ms = Some(report.duration_ms);
                app.running = false;
                app.report = Some(*report);
            }
            cmds
        }
        Msg::Exported(res) => {
            app.status = Some(match res {
                Ok(p) => Status {
                    text: format!("exported to {}", p.display()),
                    error: false,
                },
                Err(e) => Status {
                    text: format!("export failed: {e}"),
                    error: true,
                },
            });
            Vec::new()
        }
        Msg::Error(e) => {
            app.status = Some(Status {
                text: e,
                error: true,
            });
            Vec::new()
        }
    }
}

/// Whether a run got an answer from some server (a greeting, or MX hosts in MX mode):
/// only such targets are remembered (a typo or a dead host is not).
fn reached_a_server(report: &RunReport) -> bool {
    report.dns.as_ref().is_some_and(|d| !d.mx.is_empty())
        || report.endpoints.iter().any(|e| e.banner.is_some())
}

pub(super) fn main_layout(app: &App) -> MainLayout {
    layout::main_layout(Rect::new(0, 0, app.size.0, app.size.1), app)
}

fn on_key(app: &mut App, ev: KeyEvent) -> Vec<Cmd> {
    let ctx = app.context();
    let key = Key::from_event(ev);
    // A status message lasts until the next key press.
    app.status = None;
    if let Some(action) = action_for(ctx, key) {
        return on_action(app, ctx, action);
    }
    if let (true, KeyCode::Char(c)) = (types_text(ctx), key.code)
        && key.mods.is_empty()
    {
        if ctx == Context::Form {
            app.form.focused_input().insert(c);
            app.form.recent_index = None;
            app.form.sync_preset();
        } else if let Some(p) = app.prompt.as_mut() {
            p.input.insert(c);
        }
    }
    Vec::new()
}

pub(super) fn quit(app: &mut App) -> Vec<Cmd> {
    app.quit = true;
    vec![Cmd::Quit]
}

fn on_action(app: &mut App, ctx: Context, action: Action) -> Vec<Cmd> {
    match ctx {
        Context::Confirm => on_confirm(app, action),
        Context::Help => {
            match action {
                Action::Quit => return quit(app),
                Action::ToggleHelp => app.help = None,
                Action::Up => app.help = app.help.map(|s| s.saturating_sub(1)),
                Action::PageUp => app.help = app.help.map(|s| s.saturating_sub(10)),
                Action::Down => app.help = app.help.map(|s| s + 1),
                Action::PageDown => app.help = app.help.map(|s| s + 10),
                _ => {}
            }
            Vec::new()
        }
        Context::Settings => on_settings(app, action),
        Context::Form => on_form(app, action),
        Context::Input => on_prompt(app, action),
        Context::Step | Context::Main => on_main(app, action),
    }
}

/// Keys of the working-settings popup: close, switch tab, scroll, export HTML.
fn on_settings(app: &mut App, action: Action) -> Vec<Cmd> {
    let tabs = super::view::settings::tab_count(app);
    let Some((tab, scroll)) = app.settings_popup.as_mut() else {
        return Vec::new();
    };
    match action {
        Action::Quit => return quit(app),
        Action::ToggleSettings => app.settings_popup = None,
        Action::FocusNext => (*tab, *scroll) = ((*tab + 1) % tabs, 0),
        Action::FocusPrev => (*tab, *scroll) = ((*tab + tabs - 1) % tabs, 0),
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        Action::Down => *scroll += 1,
        Action::PageDown => *scroll += 10,
        Action::ExportHtml => {
            return vec![Cmd::Export {
                format: ExportFormat::Html,
            }];
        }
        Action::Copy => {
            let tab = *tab;
            let lines = super::view::settings::tab_lines(app, tab);
            app.status = Some(Status {
                text: format!(
                    "copied {} lines (OSC 52: the terminal must allow it; tmux: set-clipboard on)",
                    lines.len()
                ),
                error: false,
            });
            return vec![Cmd::Copy(lines.join("\n") + "\n")];
        }
        _ => {}
    }
    Vec::new()
}

fn on_form(app: &mut App, action: Action) -> Vec<Cmd> {
    match action {
        Action::Quit => return quit(app),
        Action::Submit => match app.form.submit() {
            Ok(settings) => {
                let remembered = app.form.to_recent();
                let cmds = start_run(app, settings);
                app.pending_recent = Some((app.run, remembered));
                return cmds;
            }
            Err(e) => app.form.error = Some(e.to_string()),
        },
        Action::Abort => {
            if app.settings.is_some() {
                app.screen = Screen::Main;
            } else {
                return quit(app);
            }
        }
        Action::NextField => app.form.move_focus(1),
        Action::PrevField => app.form.move_focus(-1),
        Action::RecentNext => app.form.cycle_recent(1),
        Action::RecentPrev => app.form.cycle_recent(-1),
        Action::PresetNext => app.form.cycle_preset(1),
        Action::CursorLeft if app.form.focused() == Field::Preset => app.form.cycle_preset(-1),
        Action::CursorRight if app.form.focused() == Field::Preset => app.form.cycle_preset(1),
        Action::CursorLeft if app.form.focused() == Field::Auth => app.form.cycle_mech(-1),
        Action::CursorRight if app.form.focused() == Field::Auth => app.form.cycle_mech(1),
        other => {
            app.form.focused_input().apply(other);
            app.form.sync_preset();
        }
    }
    Vec::new()
}

fn select_row(app: &mut App, row: usize) {
    let row = row.min(app.endpoints.len().saturating_sub(1));
    if row != app.selected {
        app.selected = row;
        app.cert_index = 0;
        app.cert_scroll = 0;
        app.timeline_scroll = 0;
        if !app.transcript.all {
            app.transcript.scroll = None;
            app.transcript.current_match = None;
            app.transcript.hscroll = 0;
        }
    }
}

fn move_in_pane(app: &mut App, pane: Pane, delta: isize) {
    let lay = main_layout(app);
    match pane {
        Pane::Matrix => {
            let n = app.endpoints.len();
            if n > 0 {
                let row = app.selected.saturating_add_signed(delta).min(n - 1);
                select_row(app, row);
            }
        }
        Pane::Transcript => {
            let len = app.transcript_len();
            app.transcript.scroll =
                scroll::scroll_by(len, lay.transcript_height(), app.transcript.scroll, delta);
        }
        Pane::Cert => {
            let n = app
                .selected_endpoint()
                .and_then(|e| e.tls.as_ref())
                .map_or(0, |t| t.chain.len());
            if delta.unsigned_abs() == 1 && n > 0 {
                app.cert_index = app.cert_index.saturating_add_signed(delta).min(n - 1);
                app.cert_scroll = 0;
            } else {
                app.cert_scroll = app.cert_scroll.saturating_add_signed(delta.signum() * 5);
            }
        }
        Pane::Timeline => app.timeline_scroll = app.timeline_scroll.saturating_add_signed(delta),
        Pane::Dns => {
            let n = app.dns.as_ref().map_or(0, |d| d.findings.len());
            app.dns_pane.selected = app
                .dns_pane
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
    app.side = side;
    if !main_layout(app).panes().contains(&app.focus) {
        app.focus = match app.side {
            SideView::Cert => Pane::Cert,
            SideView::Timeline => Pane::Timeline,
            SideView::Dns => Pane::Dns,
            SideView::Path => Pane::Path,
        };
    }
}

fn on_main(app: &mut App, action: Action) -> Vec<Cmd> {
    let lay = main_layout(app);
    let page = lay.transcript_height().max(2) as isize - 1;
    match action {
        Action::Quit => return quit(app),
        Action::ToggleHelp => app.help = Some(0),
        Action::ToggleSettings => app.settings_popup = Some((0, 0)),
        Action::Rerun => {
            if let Some(s) = app.settings.clone() {
                return start_run(app, (*s).clone());
            }
        }
        Action::Cancel => {
            if app.running {
                app.abandon_run();
                app.status = Some(Status {
                    text: "run cancelled".into(),
                    error: false,
                });
                return vec![Cmd::CancelRun];
            }
            if app.transcript.query.take().is_some() {
                app.transcript.current_match = None;
            }
        }
        Action::EditTarget => {
            if let Some(s) = app.settings.clone() {
                app.form.load_settings(&s);
                app.form.focus = Field::Ports as usize;
            }
            app.screen = Screen::Form;
        }
        Action::ExportText => {
            return vec![Cmd::Export {
                format: ExportFormat::Text,
            }];
        }
        Action::ExportJson => {
            return vec![Cmd::Export {
                format: ExportFormat::Json,
            }];
        }
        Action::ExportHtml => {
            return vec![Cmd::Export {
                format: ExportFormat::Html,
            }];
        }
        Action::FocusNext | Action::FocusPrev => {
            let panes = lay.panes();
            let i = panes.iter().position(|&p| p == app.focus).unwrap_or(0) as isize;
            let d = if action == Action::FocusNext { 1 } else { -1 };
            app.focus = panes[(i + d).rem_euclid(panes.len() as isize) as usize];
        }
        Action::Up => move_in_pane(app, app.focus, -1),
        Action::Down => move_in_pane(app, app.focus, 1),
        Action::PageUp => move_in_pane(app, app.focus, -page),
        Action::PageDown => move_in_pane(app, app.focus, page),
        Action::Home => match app.focus {
            Pane::Matrix => select_row(app, 0),
            Pane::Transcript => app.transcript.scroll = Some(0),
            Pane::Cert => {
                app.cert_index = 0;
                app.cert_scroll = 0;
            }
            Pane::Timeline => app.timeline_scroll = 0,
            Pane::Dns => app.dns_pane.selected = 0,
            Pane::Path => {}
        },
        Action::End => match app.focus {
            Pane::Matrix => select_row(app, app.endpoints.len().saturating_sub(1)),
            Pane::Dns => {
                let n = app.dns.as_ref().map_or(0, |d| d.findings.len());
                app.dns_pane.selected = n.saturating_sub(1);
            }
            _ => app.transcript.scroll = None,
        },
        Action::ToggleSide => {
            let side = next_side_with(
                app.side,
                app.endpoints.iter().any(|e| e.path.is_some()),
                app.dns.is_some(),
                layout::is_wide(app.size.0, app.size.1),
            );
            set_side(app, side);
        }
        Action::ShowPath => {
            if app.side == SideView::Path {
                set_side(app, SideView::Cert);
            } else {
                set_side(app, SideView::Path);
                app.focus = Pane::Path;
            }
        }
        Action::ShowDns => {
            if app.dns.is_none() {
                let mx_run = app.running && app.settings.as_ref().is_some_and(|s| s.mx);
                let text = if mx_run {
                    "the DNS report comes when the MX run finishes"
                } else {
                    "no DNS report: run in MX mode (--mx, or mx:DOMAIN in the form)"
                };
                app.status = Some(Status {
                    text: text.into(),
                    error: false,
                });
            } else if app.side == SideView::Dns {
                set_side(app, SideView::Cert);
            } else {
                set_side(app, SideView::Dns);
                app.focus = Pane::Dns;
            }
        }
        Action::ToggleAll => {
            app.transcript.all = !app.transcript.all;
            app.transcript.scroll = None;
            app.transcript.hscroll = 0;
            app.transcript.current_match = None;
        }
        Action::ScrollLeft | Action::ScrollRight if app.transcript.wrap => {
            app.status = Some(Status {
                text: "long lines are wrapped: w turns wrapping off".into(),
                error: false,
            });
        }
        Action::ScrollLeft => {
            app.transcript.hscroll = app.transcript.hscroll.saturating_sub(HSCROLL_STEP);
        }
        Action::ScrollRight => scroll_right(app, HSCROLL_STEP),
        Action::ScrollColumn0 => app.transcript.hscroll = 0,
        Action::ToggleWrap => app.transcript.wrap = !app.transcript.wrap,
        Action::Search => {
            let q = app.transcript.query.clone().unwrap_or_default();
            app.prompt = Some(Prompt {
                kind: PromptKind::Search,
                input: LineInput::new(q),
            });
        }
        Action::NextMatch => jump_to_match(app, true),
        Action::PrevMatch => jump_to_match(app, false),
        Action::StartStep => return start_step(app),
        Action::StepRun => {
            if let Some(step) = app.step.as_mut() {
                if step.ended {
                    app.status = Some(Status {
                        text: "the session has ended: Esc leaves stepping".into(),
                        error: false,
                    });
                } else if !step.busy && step.next.is_some() {
                    step.busy = true;
                    step.next = None;
                    return vec![Cmd::StepNext {
                        command: step.edited.take(),
                    }];
                }
            }
        }
        Action::StepEdit => {
            if let Some(step) = app.step.as_ref()
                && let Some(next) = step.next.as_ref().filter(|n| n.editable)
            {
                let text = step.edited.clone().unwrap_or_else(|| next.command.clone());
                app.prompt = Some(Prompt {
                    kind: PromptKind::StepEdit,
                    input: LineInput::new(text),
                });
            }
        }
        Action::RawPrompt if app.step.as_ref().is_some_and(|s| !s.ended) => {
            app.prompt = Some(Prompt {
                kind: PromptKind::Raw,
                input: LineInput::default(),
            });
        }
        Action::StepClose if app.step.is_some() => {
            app.step = None;
            app.status = Some(Status {
                text: "left the stepping session".into(),
                error: false,
            });
            return vec![Cmd::StepClose];
        }
        _ => {}
    }
    Vec::new()
}

/// Scrolls the transcript's text right, up to where the longest line in view ends.
fn scroll_right(app: &mut App, step: usize) {
    let lay = main_layout(app);
    let width = lay.transcript.width.saturating_sub(2) as usize;
    let max = max_hscroll(app, lay.transcript_height(), width);
    app.transcript.hscroll = (app.transcript.hscroll + step).min(max);
}

fn on_mouse(app: &mut App, ev: MouseEvent) {
    if app.screen != Screen::Main
        || app.help.is_some()
        || app.settings_popup.is_some()
        || app.confirm.is_some()
    {
        return;
    }
    let lay = main_layout(app);
    let Some(pane) = lay.pane_at(ev.column, ev.row) else {
        return;
    };
    match ev.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            app.focus = pane;
            if pane == Pane::Matrix && ev.row > lay.table.y && ev.row < lay.table.bottom() {
                let offset = layout::matrix_offset(app.selected, lay.matrix_rows());
                let row = offset + (ev.row - lay.table.y - 1) as usize;
                if row < app.endpoints.len() {
                    select_row(app, row);
                }
            }
        }
        MouseEventKind::ScrollUp => move_in_pane(app, pane, -3),
        MouseEventKind::ScrollDown => move_in_pane(app, pane, 3),
        MouseEventKind::ScrollLeft if pane == Pane::Transcript && !app.transcript.wrap => {
            app.transcript.hscroll = app.transcript.hscroll.saturating_sub(HSCROLL_STEP);
        }
        MouseEventKind::ScrollRight if pane == Pane::Transcript && !app.transcript.wrap => {
            scroll_right(app, HSCROLL_STEP);
        }
        _ => {}
    }
}
