//! Messages in, commands out: `update(&mut App, Msg) -> Vec<Cmd>`. Pure apart from the
//! model it changes; the runtime performs the commands (engine, files, quitting).

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, MouseEvent};
use ratatui::layout::Rect;

use crate::model::{Endpoint, ProbeEvent, RunId, RunReport};
use crate::settings::Settings;

use super::app::{App, Pane, Popup, Prompt, PromptKind, Screen, Status};
use super::engine::ExportFormat;
use super::form::Field;
use super::input::LineInput;
use super::keys::{Action, Context, Key, action_for, types_text};
use super::layout::{self, MainLayout};
use super::navigate;
pub use super::navigate::{next_side, next_side_with};
use super::prompt::{jump_to_match, on_confirm, on_prompt, on_step};
use super::recent::{self, RecentTarget};

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// A mouse event.
    Mouse(MouseEvent),
    /// The terminal was resized.
    Resize(u16, u16),
    /// Spinner tick (only while something runs), with the run's clock.
    Tick {
        /// Milliseconds since the run started.
        now_ms: f64,
    },
    /// An event from the engine (every one comes through here).
    Probe(ProbeEvent),
    /// The engine's run returned its report: the end of the run.
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
    if app.run().running() {
        cmds.push(Cmd::CancelRun);
    }
    if app.step.is_some() {
        cmds.push(Cmd::StepClose);
    }
    let run = app.begin_run(Arc::clone(&settings));
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
            navigate::on_mouse(app, ev);
            Vec::new()
        }
        Msg::Resize(w, h) => {
            app.resize(w, h);
            let panes = main_layout(app).panes();
            if !panes.contains(&app.panes.focus) {
                app.panes.focus = Pane::Matrix;
            }
            Vec::new()
        }
        Msg::Tick { now_ms } => {
            app.on_tick(now_ms);
            Vec::new()
        }
        Msg::Probe(ev) => {
            app.apply_event(ev);
            Vec::new()
        }
        Msg::RunFinished(run, report) => match app.finish_run(run, *report) {
            Some(target) => {
                recent::remember(&mut app.form.recent, target);
                vec![Cmd::SaveRecent(app.form.recent.clone())]
            }
            None => Vec::new(),
        },
        Msg::Exported(res) => {
            app.status = Some(match res {
                Ok(p) => Status::info(format!("exported to {}", p.display())),
                Err(e) => Status::error(format!("export failed: {e}")),
            });
            Vec::new()
        }
        Msg::Error(e) => {
            app.status = Some(Status::error(e));
            Vec::new()
        }
    }
}

pub(super) fn main_layout(app: &App) -> MainLayout {
    let (w, h) = app.size();
    layout::main_layout(Rect::new(0, 0, w, h), app)
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
    app.request_quit();
    vec![Cmd::Quit]
}

fn on_action(app: &mut App, ctx: Context, action: Action) -> Vec<Cmd> {
    match ctx {
        Context::Confirm => on_confirm(app, action),
        Context::Help => on_help(app, action),
        Context::Settings => on_settings(app, action),
        Context::Form => on_form(app, action),
        Context::Input => on_prompt(app, action),
        Context::Step | Context::Main => on_main(app, action),
    }
}

/// Keys of the help popup: close, scroll.
fn on_help(app: &mut App, action: Action) -> Vec<Cmd> {
    if action == Action::Quit {
        return quit(app);
    }
    let Some(Popup::Help { scroll }) = app.popup.as_mut() else {
        return Vec::new();
    };
    match action {
        Action::ToggleHelp => app.popup = None,
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        Action::Down => *scroll += 1,
        Action::PageDown => *scroll += 10,
        _ => {}
    }
    Vec::new()
}

/// Keys of the working-settings popup: close, switch tab, scroll, copy, export HTML.
fn on_settings(app: &mut App, action: Action) -> Vec<Cmd> {
    let tabs = super::view::settings::tab_count(app);
    let Some(Popup::Settings { tab, scroll }) = app.popup.as_mut() else {
        return Vec::new();
    };
    match action {
        Action::Quit => return quit(app),
        Action::ToggleSettings => app.popup = None,
        Action::FocusNext => (*tab, *scroll) = ((*tab + 1) % tabs, 0),
        Action::FocusPrev => (*tab, *scroll) = ((*tab + tabs - 1) % tabs, 0),
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        Action::Down => *scroll += 1,
        Action::PageDown => *scroll += 10,
        Action::ExportHtml => return export(ExportFormat::Html),
        Action::Copy => {
            let tab = *tab;
            let lines = super::view::settings::tab_lines(app, tab);
            app.status = Some(Status::info(format!(
                "copied {} lines (OSC 52: the terminal must allow it; tmux: set-clipboard on)",
                lines.len()
            )));
            return vec![Cmd::Copy(lines.join("\n") + "\n")];
        }
        other => navigate::on_view(app, other),
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
                app.remember_when_answered(remembered);
                return cmds;
            }
            Err(e) => app.form.error = Some(e.to_string()),
        },
        Action::Abort => {
            if app.settings().is_some() {
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

/// The main screen (and the stepping session on it), by what an action is about: the
/// run, an export, the transcript's search, the stepping panel, or moving around the
/// panes ([`navigate::on_view`]).
fn on_main(app: &mut App, action: Action) -> Vec<Cmd> {
    match action {
        Action::Quit
        | Action::ToggleHelp
        | Action::ToggleSettings
        | Action::Rerun
        | Action::Cancel
        | Action::EditTarget => on_run(app, action),
        Action::ExportText => export(ExportFormat::Text),
        Action::ExportJson => export(ExportFormat::Json),
        Action::ExportHtml => export(ExportFormat::Html),
        Action::Search | Action::NextMatch | Action::PrevMatch => {
            on_search(app, action);
            Vec::new()
        }
        Action::StartStep
        | Action::StepRun
        | Action::StepEdit
        | Action::RawPrompt
        | Action::StepClose => on_step(app, action),
        other => {
            navigate::on_view(app, other);
            Vec::new()
        }
    }
}

/// The run and the screen around it: quit, the popups, re-run, cancel, the form.
fn on_run(app: &mut App, action: Action) -> Vec<Cmd> {
    match action {
        Action::Quit => return quit(app),
        Action::ToggleHelp => app.popup = Some(Popup::Help { scroll: 0 }),
        Action::ToggleSettings => app.popup = Some(Popup::Settings { tab: 0, scroll: 0 }),
        Action::Rerun => {
            if let Some(s) = app.settings().cloned() {
                return start_run(app, (*s).clone());
            }
        }
        Action::Cancel if app.run().running() => {
            app.abandon_run();
            app.status = Some(Status::info("run cancelled"));
            return vec![Cmd::CancelRun];
        }
        Action::Cancel => clear_search(app),
        Action::EditTarget => {
            if let Some(s) = app.settings().cloned() {
                app.form.load_settings(&s);
                app.form.focus = Field::Ports as usize;
            }
            app.screen = Screen::Form;
        }
        _ => {}
    }
    Vec::new()
}

/// Esc with no run going: forget the search (and its highlight).
fn clear_search(app: &mut App) {
    if app.panes.transcript.query.take().is_some() {
        app.panes.transcript.current_match = None;
    }
}

fn export(format: ExportFormat) -> Vec<Cmd> {
    vec![Cmd::Export { format }]
}

/// The transcript's search: `/` opens the prompt, `n` / `N` jump.
fn on_search(app: &mut App, action: Action) {
    match action {
        Action::Search => {
            let q = app.panes.transcript.query.clone().unwrap_or_default();
            app.prompt = Some(Prompt {
                kind: PromptKind::Search,
                input: LineInput::new(q),
            });
        }
        Action::NextMatch => jump_to_match(app, true),
        Action::PrevMatch => jump_to_match(app, false),
        _ => {}
    }
}
