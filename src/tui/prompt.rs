//! The parts of `update` that handle text prompts (search, raw command, step edit),
//! the unrecognised-command confirmation and the stepping panel (start, run, edit,
//! raw command, leave).

use super::app::{App, Confirm, Popup, Prompt, PromptKind, Status, StepPhase, StepState};
use super::input::LineInput;
use super::keys::Action;
use super::scroll;
use super::update::{Cmd, main_layout, quit};

/// SMTP verbs every server knows; others count towards the unrecognised warning.
pub(super) const KNOWN_VERBS: &[&str] = &[
    "HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "STARTTLS", "AUTH",
];

/// Unrecognised replies after which an unknown command needs confirmation.
pub(super) const UNRECOGNISED_LIMIT: usize = 2;

pub(super) fn on_confirm(app: &mut App, action: Action) -> Vec<Cmd> {
    let Some(Popup::Confirm(c)) = app.popup.take() else {
        return Vec::new();
    };
    match action {
        Action::Quit => quit(app),
        Action::Yes => send_raw(app, c.raw),
        _ => {
            app.status = Some(Status::info("not sent"));
            Vec::new()
        }
    }
}

pub(super) fn send_raw(app: &mut App, raw: String) -> Vec<Cmd> {
    match app.step.as_mut() {
        Some(step) if !step.ended() => {
            step.phase = StepPhase::Busy;
            vec![Cmd::StepRaw(raw)]
        }
        _ => Vec::new(),
    }
}

pub(super) fn on_prompt(app: &mut App, action: Action) -> Vec<Cmd> {
    let Some(prompt) = app.prompt.as_mut() else {
        return Vec::new();
    };
    if prompt.input.apply(action) {
        return Vec::new();
    }
    let Some(prompt) = app.prompt.take() else {
        return Vec::new();
    };
    if action != Action::Submit {
        return Vec::new();
    }
    let text = prompt.input.text().to_string();
    match prompt.kind {
        PromptKind::Search => {
            app.panes.transcript.query = (!text.is_empty()).then_some(text);
            app.panes.transcript.current_match = None;
            jump_to_match(app, true);
            Vec::new()
        }
        PromptKind::StepEdit => {
            if let Some(step) = app.step.as_mut() {
                let proposed = step.next().map(|n| n.command.as_str());
                step.edited = (proposed != Some(text.as_str())).then_some(text);
            }
            Vec::new()
        }
        PromptKind::Raw => {
            let data_mode = app.step.as_ref().is_some_and(StepState::data_mode);
            // An empty line is message text in DATA mode, nothing otherwise.
            if text.trim().is_empty() && !data_mode {
                return Vec::new();
            }
            let verb = text
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            // In DATA mode the line is message text, not a command.
            let risky = !data_mode && !KNOWN_VERBS.contains(&verb.as_str());
            let seen = app.step.as_ref().map_or(0, |s| s.unrecognised);
            if risky && seen >= UNRECOGNISED_LIMIT {
                app.popup = Some(Popup::Confirm(Confirm {
                    question: format!(
                        "The server already answered {seen} commands with 500/502. Some servers \
                         disconnect after a few unrecognised commands. Send `{text}` anyway?"
                    ),
                    raw: text,
                }));
                return Vec::new();
            }
            send_raw(app, text)
        }
    }
}

/// Moves the current match to the next (or previous) line containing the query.
pub(super) fn jump_to_match(app: &mut App, forward: bool) {
    let Some(q) = app.panes.transcript.query.clone() else {
        app.status = Some(Status::info("no search: press / first"));
        return;
    };
    let len = app.transcript_len();
    let height = main_layout(app).transcript_height();
    let transcript = &app.panes.transcript;
    let from = transcript.current_match.or_else(|| {
        let w = scroll::visible_window(len, height, transcript.scroll);
        if forward {
            w.start.checked_sub(1)
        } else {
            Some(w.end.min(len))
        }
    });
    let found = scroll::find_next(len, from, forward, |i| {
        app.transcript_line(i)
            .is_some_and(|(_, e)| !scroll::match_ranges(&e.text, &q).is_empty())
    });
    if let Some(i) = found {
        let matches = |j: &usize| {
            app.transcript_line(*j)
                .is_some_and(|(_, e)| !scroll::match_ranges(&e.text, &q).is_empty())
        };
        let before = (0..i).filter(matches).count();
        let total = before + (i..len).filter(matches).count();
        let transcript = &mut app.panes.transcript;
        transcript.match_counter = Some((before + 1, total));
        transcript.current_match = Some(i);
        transcript.scroll = scroll::reveal(len, height, transcript.scroll, i);
        app.status = Some(Status::info(format!(
            "match {} of {total}: {q}",
            before + 1
        )));
    } else {
        app.panes.transcript.match_counter = None;
        app.panes.transcript.current_match = None;
        app.status = Some(Status::error(format!("not found: {q}")));
    }
}

/// The stepping panel's actions: start a session on the selected endpoint, run the
/// next step, edit it, open the raw-command prompt, leave.
pub(super) fn on_step(app: &mut App, action: Action) -> Vec<Cmd> {
    match action {
        Action::StartStep => return start_step(app),
        Action::StepRun => return run_step(app),
        Action::StepEdit => {
            if let Some(step) = app.step.as_ref()
                && let Some(next) = step.next().filter(|n| n.editable)
            {
                let text = step.edited.clone().unwrap_or_else(|| next.command.clone());
                app.prompt = Some(Prompt {
                    kind: PromptKind::StepEdit,
                    input: LineInput::new(text),
                });
            }
        }
        Action::RawPrompt if app.step.as_ref().is_some_and(|s| !s.ended()) => {
            app.prompt = Some(Prompt {
                kind: PromptKind::Raw,
                input: LineInput::default(),
            });
        }
        Action::StepClose if app.step.is_some() => {
            app.step = None;
            app.status = Some(Status::info("left the stepping session"));
            return vec![Cmd::StepClose];
        }
        _ => {}
    }
    Vec::new()
}

/// Runs the proposed step (as edited), when the session waits for it.
fn run_step(app: &mut App) -> Vec<Cmd> {
    let Some(step) = app.step.as_mut() else {
        return Vec::new();
    };
    match step.phase {
        StepPhase::Ended => {
            app.status = Some(Status::info("the session has ended: Esc leaves stepping"));
            Vec::new()
        }
        StepPhase::Ready(_) => {
            step.phase = StepPhase::Busy;
            vec![Cmd::StepNext {
                command: step.edited.take(),
            }]
        }
        StepPhase::Busy => Vec::new(),
    }
}

fn start_step(app: &mut App) -> Vec<Cmd> {
    if app.run().running() {
        app.status = Some(Status::error(
            "a run is in progress: wait for it or cancel it (c), then press s",
        ));
        return Vec::new();
    }
    let (Some(settings), Some(ep)) = (app.settings().cloned(), app.selected_endpoint()) else {
        return Vec::new();
    };
    let endpoint = ep.endpoint.clone();
    let (run, session) = app.open_manual(&endpoint);
    app.step = Some(StepState::opened(endpoint.id, session));
    app.panes.transcript.scroll = None;
    app.status = None;
    vec![Cmd::StepOpen {
        run,
        endpoint,
        settings,
    }]
}
