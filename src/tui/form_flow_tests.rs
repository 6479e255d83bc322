//! The form → run → remembered-target flow, and the run counter: a target is remembered
//! only once its run reached a server, a form error is shown and nothing starts, and a
//! cancel does not count as a run.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Screen};
use super::form::{Field, Form};
use super::theme::Theme;
use super::update::{Cmd, Msg, start_run, update};
use crate::model::RunReport;
use crate::model::report::DnsReport;
use crate::settings::Settings;

fn key(app: &mut App, code: KeyCode) -> Vec<Cmd> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn finish(app: &mut App, dns: bool) -> Vec<Cmd> {
    let mut report = RunReport::new(
        app.run().target().to_string(),
        String::new(),
        1.0,
        Vec::new(),
        &[],
        Vec::new(),
    );
    report.dns = dns.then(|| {
        let mut d = DnsReport::default();
        d.mx.push(
            serde_json::from_value(serde_json::json!({
                "preference": 10, "host": "mx.up.example", "addresses": ["192.0.2.25"]
            }))
            .unwrap(),
        );
        d
    });
    let run = app.run().id();
    update(app, Msg::RunFinished(run, Box::new(report)))
}

#[test]
fn only_targets_that_answered_are_remembered() {
    let mut app = App::new(None, Theme::new(false), Form::new(Vec::new()));
    typ(&mut app, "down.example");
    let cmds = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(cmds.as_slice(), [Cmd::StartRun { .. }]),
        "{cmds:?}"
    );
    // Nothing answered: not remembered.
    assert!(finish(&mut app, false).is_empty());
    assert!(app.form.recent.is_empty());
    key(&mut app, KeyCode::Char('p'));
    assert_eq!(app.screen, Screen::Form);
    app.form.inputs[Field::Host as usize].set("mx:up.example");
    key(&mut app, KeyCode::Enter);
    let cmds = finish(&mut app, true);
    assert!(matches!(cmds.as_slice(), [Cmd::SaveRecent(l)] if l[0].host == "mx:up.example"));
    assert_eq!(app.form.recent.len(), 1);
}

#[test]
fn a_form_error_stays_on_the_form_and_is_not_remembered() {
    let mut app = App::new(None, Theme::new(false), Form::new(Vec::new()));
    typ(&mut app, "mail.example.com");
    app.form.inputs[Field::CaFile as usize].set("/nonexistent.pem");
    let cmds = key(&mut app, KeyCode::Enter);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(app.screen, Screen::Form);
    assert_eq!(
        app.form.error.as_deref(),
        Some("CA file /nonexistent.pem: no such file")
    );
    assert!(app.pending_recent().is_none() && app.form.recent.is_empty());
    let screen = super::fixtures::text(&super::fixtures::render(&app));
    assert!(
        screen.contains("✘ CA file /nonexistent.pem: no such file"),
        "{screen}"
    );
}

#[test]
fn rerun_then_cancel_counts_one_run() {
    let mut app = App::new(None, Theme::new(false), Form::new(Vec::new()));
    start_run(&mut app, Settings::new("mail.example.com"));
    finish(&mut app, false);
    assert_eq!(app.run().number(), 1);
    key(&mut app, KeyCode::Char('r'));
    assert_eq!(app.run().number(), 2);
    key(&mut app, KeyCode::Char('c'));
    assert_eq!(app.run().number(), 2);
    let screen = super::fixtures::text(&super::fixtures::render(&app));
    assert!(screen.contains("run #2"), "{screen}");
}

#[test]
fn a_silent_phase_shows_its_elapsed_time_and_limit() {
    let mut app = App::new(None, Theme::new(false), Form::new(Vec::new()));
    update(&mut app, Msg::Resize(120, 40));
    start_run(&mut app, Settings::new("mail.example.com"));
    for ev in super::fixtures::mid_run() {
        update(&mut app, Msg::Probe(ev));
    }
    let (phase, since) = app
        .run()
        .endpoints()
        .iter()
        .find_map(|e| {
            e.live_phase
                .filter(|(p, _)| *p == crate::model::Phase::Connect)
        })
        .expect("a row waiting in connect");
    assert_eq!(phase, crate::model::Phase::Connect);
    // Nothing arrives for 7 s: the tick's clock still moves the row on.
    update(
        &mut app,
        Msg::Tick {
            now_ms: since + 7_000.0,
        },
    );
    let screen = super::fixtures::text(&super::fixtures::render(&app));
    assert!(screen.contains("7.0 s of 10 s"), "{screen}");
}
