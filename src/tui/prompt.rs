//! The parts of `update` that handle text prompts (search, raw command, step edit),
//! the unrecognised-command confirmation and starting a stepping session.

use super::app::{App, Confirm, PromptKind, Status, StepState};
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
    let Some(c) = app.confirm.take() else {
        return Vec::new();
    };
    match action {
        Action::Quit => quit(app),
        Action::Yes => send_raw(app, c.raw),
        _ => {
            app.status = Some(Status {
                text: "not sent".into(),
                error: false,
            });
            Vec::new()
        }
    }
}

pub(super) fn send_raw(app: &mut App, raw: String) -> Vec<Cmd> {
    match app.step.as_mut() {
        Some(step) if !step.ended => {
            step.busy = true;
            step.next = None;
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
            app.transcript.query = (!text.is_empty()).then_some(text);
            app.transcript.current_match = None;
            jump_to_match(app, true);
            Vec::new()
        }
        PromptKind::StepEdit => {
            if let Some(step) = app.step.as_mut() {
                let proposed = step.next.as_ref().map(|n| n.command.as_str());
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
                app.confirm = Some(Confirm {
                    question: format!(
                        "The server already answered {seen} commands with 500/502. Some servers \
                         disconnect after a few unrecognised commands. Send `{text}` anyway?"
                    ),
                    raw: text,
                });
                return Vec::new();
            }
            send_raw(app, text)
        }
    }
}

/// Moves the current match to the next (or previous) line containing the query.
pub(super) fn jump_to_match(app: &mut App, forward: bool) {
    let Some(q) = app.transcript.query.clone() else {
        app.status = Some(Status {
            text: "no search: press / first".into(),
            error: false,
        });
        return;
    };
    let len = app.transcript_len();
    let height = main_layout(app).transcript_height();
    let from = app.transcript.current_match.or_else(|| {
        let w = scroll::visible_window(len, height, app.transcript.scroll);
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
        app.transcript.match_counter = Some((before + 1, total));
        app.transcript.current_match = Some(i);
        app.transcript.scroll = scroll::reveal(len, height, app.transcript.scroll, i);
        app.status = Some(Status {
            text: format!("match {} of {total}: {q}", before + 1),
            error: false,
        });
    } else {
        app.transcript.match_counter = None;
        app.transcript.current_match = None;
        app.status = Some(Status {
            text: format!("not found: {q}"),
            error: true,
        });
    }
}

pub(super) fn start_step(app: &mut App) -> Vec<Cmd> {
    if app.running {
        app.status = Some(Status {
            text: "a run is in progress: wait for it or cancel it (c), then press s".into(),
            error: true,
        });
        return Vec::new();
    }
    let (Some(settings), Some(ep)) = (app.settings.clone(), app.selected_endpoint()) else {
        return Vec::new();
    };
    let endpoint = ep.endpoint.clone();
    let id = endpoint.id;
    let (run, session) = app.open_manual(&endpoint);
    app.step = Some(StepState {
        endpoint: id,
        session,
        next: None,
        edited: None,
        in_tls: false,
        busy: true,
        ended: false,
        unrecognised: 0,
    });
    app.transcript.scroll = None;
    app.status = None;
    vec![Cmd::StepOpen {
        run,
        endpoint,
        settings,
    }]
}
