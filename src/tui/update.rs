//! Messages in, commands out: `update(&mut App, Msg) -> Vec<Cmd>`. Pure apart from the
//! model it changes; the runtime performs the commands (engine, files, quitting).

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, MouseEvent};
use ratatui::layout::Rect;

use crate::model::{Endpoint, ProbeEvent, RunId, RunReport};
use crate::settings::Settings;

use super::app::{App, Pane, Prompt, PromptKind, Screen, Status};
use super::engine::ExportFormat;
use super::form::Field;
use super::input::LineInput;
use super::keys::{Action, Context, Key, action_for, types_text};
use super::layout::{self, MainLayout};
use super::navigate;
pub use super::navigate::{next_side, next_side_with};
use super::prompt::{jump_to_match, on_confirm, on_prompt, start_step};
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
            navigate::on_mouse(app, ev);
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

/// Run, export, search and stepping actions of the main screen; moving around (focus,
/// scrolling, the side pane) is [`navigate::on_view`].
fn on_main(app: &mut App, action: Action) -> Vec<Cmd> {
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
        other => navigate::on_view(app, other),
    }
    Vec::new()
}
