//! Whole-app tests: feed `App` fixed probe events and keys, render to a `TestBackend`
//! at 80×24 and 120×40 and snapshot the screen with insta.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::app::{App, Pane, Popup, RowState, Screen, SideView};
use super::fixtures::{self, HOST};
use super::fixtures::{render, text};
use super::form::{Field, Form};
use super::layout;
use super::theme::Theme;
use super::update::{Cmd, Msg, start_run, update};
use super::view::visible_lines;
use crate::model::{Class, Direction, EndpointId, ProbeEvent, RunId, TranscriptEntry, Verdict};
use crate::settings::Settings;

pub(super) const SMALL: (u16, u16) = (80, 24);
pub(super) const LARGE: (u16, u16) = (120, 40);

/// An app that started run 1 against the fixture host.
fn running_app(no_color: bool, size: (u16, u16)) -> App {
    let settings = Settings::new(HOST);
    let mut app = App::new(
        Some(settings.clone()),
        Theme::new(no_color),
        Form::new(Vec::new()),
    );
    update(&mut app, Msg::Resize(size.0, size.1));
    let cmds = start_run(&mut app, settings);
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::StartRun { run: RunId(1), .. }]
    ));
    for _ in 0..3 {
        update(&mut app, Msg::Tick { now_ms: 0.0 });
    }
    app
}

fn feed(app: &mut App, events: Vec<ProbeEvent>) {
    for ev in events {
        update(app, Msg::Probe(ev));
    }
}

fn mid(size: (u16, u16)) -> App {
    let mut app = running_app(false, size);
    feed(&mut app, fixtures::mid_run());
    app
}

/// The fixture run with every endpoint done, the engine's report not in yet.
pub(super) fn all_done(no_color: bool, size: (u16, u16)) -> App {
    let mut app = running_app(no_color, size);
    feed(&mut app, fixtures::mid_run());
    feed(&mut app, fixtures::finish());
    app
}

/// The fixture run, finished: the engine's report (with the findings) arrived.
pub(super) fn finished(no_color: bool, size: (u16, u16)) -> App {
    let mut app = all_done(no_color, size);
    let done = fixtures::run_finished(&app, fixtures::findings());
    update(&mut app, done);
    app
}

pub(super) fn key(app: &mut App, code: KeyCode) -> Vec<Cmd> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub(super) fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn screen(app: &App) -> String {
    text(&render(app))
}

/// Finds the first cell whose row text contains `needle` at that position.
pub(super) fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let w = buf.area.width;
    for y in 0..buf.area.height {
        let cells: Vec<&str> = (0..w).map(|x| buf[(x, y)].symbol()).collect();
        let line: String = cells.concat();
        if let Some(byte) = line.find(needle) {
            // Map the byte offset back to a cell index.
            let mut acc = 0;
            for (x, s) in cells.iter().enumerate() {
                if acc == byte {
                    return Some((x as u16, y));
                }
                acc += s.len();
            }
        }
    }
    None
}

#[test]
fn mid_run_small() {
    let app = mid(SMALL);
    let s = screen(&app);
    assert!(s.contains("⠸"), "frozen spinner frame for tick 3:\n{s}");
    insta::assert_snapshot!("mid_run_80x24", s);
}

#[test]
fn mid_run_large_with_transcript() {
    let mut app = mid(LARGE);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.panes.selected, 2);
    let s = screen(&app);
    assert!(s.contains("<~  250-AUTH PLAIN LOGIN"), "{s}");
    insta::assert_snapshot!("mid_run_120x40", s);
}

#[test]
fn finished_with_findings() {
    let app = finished(false, LARGE);
    assert!(!app.run().running() && !app.busy());
    let s = screen(&app);
    assert!(
        s.contains("Outbound port 25 is blocked on this network"),
        "{s}"
    );
    insta::assert_snapshot!("finished_120x40", s);
    let mut small = finished(false, SMALL);
    update(&mut small, Msg::Resize(SMALL.0, SMALL.1));
    let s = screen(&small);
    assert!(s.contains("+1 more"), "{s}");
    insta::assert_snapshot!("finished_80x24", s);
}

#[test]
fn verdict_colours() {
    let app = finished(false, LARGE);
    let buf = render(&app);
    let (x, y) = find(&buf, "cert_expired").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
    let (x, y) = find(&buf, "refused").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Red);
    let (x, y) = find(&buf, " ok").unwrap();
    assert_eq!(buf[(x + 1, y)].fg, Color::Green);
}

#[test]
fn cert_inspector_verified() {
    let mut app = finished(false, LARGE);
    app.panes.selected = 2;
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
    );
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
    );
    assert_eq!(app.panes.focus, Pane::Cert);
    key(&mut app, KeyCode::Down);
    assert_eq!(app.panes.cert.index, 1);
    let s = screen(&app);
    assert!(s.contains("✔ verified for mail.example.com"), "{s}");
    assert!(!s.contains("UNTRUSTED"), "{s}");
    insta::assert_snapshot!("cert_verified_120x40", s);
}

#[test]
fn cert_inspector_untrusted() {
    for size in [LARGE, SMALL] {
        let mut app = finished(false, size);
        app.panes.selected = 1;
        let s = screen(&app);
        let want = if size == LARGE { 2 } else { 1 };
        assert!(
            s.matches("UNTRUSTED — shown for inspection").count() >= want,
            "title and body must both say it:\n{s}"
        );
        assert!(s.contains("Certificate  UNTRUSTED"), "{s}");
        insta::assert_snapshot!(format!("cert_untrusted_{}x{}", size.0, size.1), s);
    }
}

#[test]
fn verdict_bar_for_a_failure() {
    let mut app = finished(false, SMALL);
    key(&mut app, KeyCode::Home);
    assert_eq!(app.panes.selected, 0);
    let s = screen(&app);
    assert!(s.contains("Verdict — v4 25/starttls"), "{s}");
    assert!(s.contains(" timeout  TCP connect timed out"), "{s}");
    assert!(
        s.contains("advice    this network blocks outbound port 25"),
        "{s}"
    );
    insta::assert_snapshot!("verdict_failure_80x24", s);
}

#[test]
fn timeline() {
    let mut app = finished(false, SMALL);
    app.panes.selected = 2;
    key(&mut app, KeyCode::Char('t'));
    assert_eq!(app.panes.side, SideView::Timeline);
    let s = screen(&app);
    assert!(s.contains("TLS"), "{s}");
    assert!(s.contains("48ms"), "{s}");
    insta::assert_snapshot!("timeline_80x24", s);
    let mut large = mid(LARGE);
    large.panes.selected = 6;
    let s = screen(&large);
    assert!(s.contains("▒"), "open bar for the running EHLO:\n{s}");
    insta::assert_snapshot!("timeline_live_120x40", s);
}

#[test]
fn target_form_masks_the_password() {
    for size in [SMALL, LARGE] {
        let mut app = App::new(
            None,
            Theme::new(false),
            Form::new(vec![super::recent::RecentTarget {
                host: "smtp.old.example".into(),
                ports: "587".into(),
                ..Default::default()
            }]),
        );
        update(&mut app, Msg::Resize(size.0, size.1));
        assert_eq!(app.screen, Screen::Form);
        typ(&mut app, HOST);
        for _ in 0..3 {
            key(&mut app, KeyCode::Tab);
        }
        typ(&mut app, "alice");
        key(&mut app, KeyCode::Tab);
        assert_eq!(app.form.focused(), Field::Auth);
        for _ in 0..4 {
            key(&mut app, KeyCode::Right);
        }
        assert_eq!(app.form.input(Field::Auth).text(), "XOAUTH2");
        key(&mut app, KeyCode::Tab);
        let s = screen(&app);
        assert!(s.contains("password or OAuth token"), "{s}");
        typ(&mut app, "hunter2-secret");
        assert_eq!(app.form.focused(), Field::Password);
        let s = screen(&app);
        assert!(!s.contains("hunter2"), "{s}");
        assert!(s.contains("••••••••••••••"), "{s}");
        insta::assert_snapshot!(format!("form_{}x{}", size.0, size.1), s);
        let cmds = key(&mut app, KeyCode::Enter);
        assert_eq!(app.screen, Screen::Main);
        match cmds.as_slice() {
            [Cmd::StartRun { settings, .. }] => {
                let remembered = app.pending_recent().unwrap();
                let list = [remembered.clone()];
                assert_eq!(list[0].host, HOST);
                assert_eq!(list[0].auth, "XOAUTH2");
                assert_eq!(
                    settings.auth.as_ref().unwrap().mech,
                    Some(crate::settings::AuthMech::XOAuth2)
                );
                assert!(!format!("{list:?}").contains("hunter2"));
                assert_eq!(
                    settings.auth.as_ref().unwrap().secret.expose(),
                    "hunter2-secret"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(!format!("{:?}", app.form).contains("hunter2"));
    }
}

#[test]
fn form_reports_errors_and_p_reopens_it() {
    let mut app = finished(false, SMALL);
    key(&mut app, KeyCode::Char('p'));
    assert_eq!(app.screen, Screen::Form);
    assert_eq!(app.form.focused(), Field::Ports);
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typ(&mut app, "587,99999");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    let s = screen(&app);
    assert!(s.contains("✘ ports: invalid port"), "{s}");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Main);
}

fn stepping_app() -> App {
    let mut app = finished(false, SMALL);
    app.panes.selected = 2;
    let cmds = key(&mut app, KeyCode::Char('s'));
    // The session has a run id of its own: its events never touch the probe's row.
    let run = match cmds.as_slice() {
        [Cmd::StepOpen { run, endpoint, .. }] if endpoint.port == 587 => *run,
        other => panic!("{other:?}"),
    };
    assert_ne!(run, app.run().id());
    let ep = EndpointId(2);
    // The session's times continue the run's clock.
    let t0 = app.run().last_ms();
    let entry = |t: f64, d, s: &str| ProbeEvent::Line {
        run,
        endpoint: ep,
        entry: TranscriptEntry::new(t0 + t, d, s),
    };
    feed(
        &mut app,
        vec![
            entry(5.0, Direction::Info, "connected to 192.0.2.10:587"),
            entry(
                30.0,
                Direction::Server,
                "220 mail.example.com ESMTP Postfix",
            ),
            ProbeEvent::StepReady {
                run,
                endpoint: ep,
                next: Some(fixtures::next_ehlo()),
                in_tls: false,
                verdict: Verdict {
                    class: Class::Ok,
                    summary: "greeting received".into(),
                    evidence: "220 mail.example.com".into(),
                    advice: String::new(),
                },
            },
        ],
    );
    app
}

mod sizes;
mod stepping;

#[test]
fn warnings_show_as_a_marker_and_in_the_verdict_pane() {
    use crate::model::{ProviderMatch, Warning, WarningCode};
    let mut app = finished(true, LARGE);
    let ep = app.selected_endpoint().unwrap().endpoint.clone();
    let mut ev = fixtures::report(
        &ep,
        fixtures::verdict(
            Class::Ok,
            "works: reached EHLO/TLS",
            "certificate verified",
            "Nothing to fix.",
        ),
        Some(fixtures::tls_verified()),
        &["PLAIN"],
    );
    if let ProbeEvent::EndpointDone { report, .. } = &mut ev {
        report.warnings.push(Warning {
            code: WarningCode::AuthOfferedBeforeTls,
            summary: "AUTH is offered before TLS".into(),
            evidence: "EHLO before STARTTLS lists AUTH PLAIN".into(),
            advice: "Offer AUTH only after STARTTLS.".into(),
        });
        report.provider = Some(ProviderMatch {
            id: "gmail".into(),
            name: "Gmail / Google Workspace".into(),
            evidence: "greeting contains `gsmtp`".into(),
        });
    }
    update(&mut app, Msg::Probe(ev));
    let screen = text(&render(&app));
    assert!(screen.contains("ok !1"), "{screen}");
    assert!(
        screen.contains("auth_offered_before_tls: AUTH is offered"),
        "{screen}"
    );
    assert!(screen.contains("Gmail / Google Workspace"), "{screen}");
}
