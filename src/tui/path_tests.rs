//! The path view, whole-app: a run whose port 25 is dropped after hop 2 and whose 465
//! is intercepted at hop 1, with 587 as the control port; rendered at 80×24 and 120×40,
//! reached with `P` and through the `t` cycle.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Pane, SideView};
use super::fixtures::{endpoints, render, report, text, verdict};
use super::form::Form;
use super::theme::Theme;
use super::update::{Msg, next_side_with, start_run, update};
use crate::model::{
    Class, Hop, HopRef, Icmp, PathReport, PathVerdict, ProbeEvent, RunId, TcpReply,
};
use crate::settings::Settings;

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (120, 40);

fn te(ttl: u8, addr: &str, rtt: f64) -> Hop {
    Hop {
        ttl,
        name: None,
        addr: Some(addr.into()),
        rtt_ms: Some(rtt),
        icmp: Some(Icmp::TimeExceeded),
        tcp: None,
        probes: 1,
    }
}

fn silent(ttl: u8) -> Hop {
    Hop {
        ttl,
        name: None,
        addr: None,
        rtt_ms: None,
        icmp: None,
        tcp: None,
        probes: 2,
    }
}

fn connected(ttl: u8, rtt: f64) -> Hop {
    Hop {
        ttl,
        name: None,
        addr: Some("192.0.2.10".into()),
        rtt_ms: Some(rtt),
        icmp: None,
        tcp: Some(TcpReply::SynAck),
        probes: 1,
    }
}

fn paths() -> Vec<(usize, PathReport)> {
    let mut dropped_hops = vec![te(1, "192.168.1.1", 0.7), te(2, "203.0.113.1", 4.2)];
    dropped_hops.extend((3..=20).map(silent));
    vec![
        (
            0,
            PathReport {
                verdict: PathVerdict::DroppedAfter,
                at: Some(HopRef {
                    hop: 2,
                    addr: Some("203.0.113.1".into()),
                }),
                distance: Some(3),
                hops: dropped_hops,
                control_port: Some(587),
                note: None,
            },
        ),
        (
            1,
            PathReport {
                verdict: PathVerdict::InterceptedAt,
                at: Some(HopRef {
                    hop: 1,
                    addr: Some("192.168.1.1".into()),
                }),
                distance: Some(3),
                hops: vec![connected(1, 0.9)],
                control_port: Some(587),
                note: None,
            },
        ),
        (
            2,
            PathReport {
                verdict: PathVerdict::Reached,
                at: None,
                distance: Some(3),
                hops: vec![
                    te(1, "192.168.1.1", 0.6),
                    te(2, "203.0.113.1", 4.0),
                    connected(3, 9.5),
                ],
                control_port: None,
                note: None,
            },
        ),
    ]
}

fn app(size: (u16, u16)) -> App {
    let settings = Settings::new("mail.example.com");
    let mut app = App::new(
        Some(settings.clone()),
        Theme::new(false),
        Form::new(Vec::new()),
    );
    update(&mut app, Msg::Resize(size.0, size.1));
    start_run(&mut app, settings);
    let run = RunId(1);
    let eps = endpoints();
    let mut evs = vec![
        ProbeEvent::RunStarted {
            run,
            target: "mail.example.com".into(),
        },
        ProbeEvent::Planned {
            run,
            endpoints: eps.clone(),
        },
    ];
    for ep in &eps {
        evs.push(report(
            ep,
            verdict(Class::Ok, "works", "250 OK", "nothing to do"),
            None,
            &[],
        ));
    }
    for (i, path) in paths() {
        evs.push(ProbeEvent::Path {
            run,
            endpoint: eps[i].id,
            path: Box::new(path),
            verdict: None,
        });
    }
    for ev in evs {
        update(&mut app, Msg::Probe(ev));
    }
    let done = super::fixtures::run_finished(&app, Vec::new());
    update(&mut app, done);
    app
}

fn key(app: &mut App, c: char) {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    );
}

#[test]
fn p_opens_the_path_view_of_the_selected_endpoint() {
    for (size, name) in [(SMALL, "path_80x24"), (LARGE, "path_120x40")] {
        let mut app = app(size);
        key(&mut app, 'P');
        assert_eq!(
            (app.panes.side, app.panes.focus),
            (SideView::Path, Pane::Path)
        );
        let screen = text(&render(&app));
        assert!(
            screen.contains("dropped after hop 2 (203.0.113.1)"),
            "{screen}"
        );
        assert!(
            screen.contains("control 587"),
            "the control port beside it:\n{screen}"
        );
        assert!(screen.contains("▶ 2"), "the stop hop is marked:\n{screen}");
        assert!(
            screen.contains("ok dropped@2"),
            "the matrix shows it:\n{screen}"
        );
        insta::assert_snapshot!(name, screen);
        key(&mut app, 'P');
        assert_eq!(app.panes.side, SideView::Cert, "P again leaves the view");
    }
}

#[test]
fn intercepted_endpoint_shows_where_it_was_answered() {
    let mut app = app(LARGE);
    key(&mut app, 'P');
    key(&mut app, 'j');
    // Focus is on the path pane: move the matrix selection instead.
    app.panes.selected = 1;
    let screen = text(&render(&app));
    assert!(
        screen.contains("answered at hop 1 (192.168.1.1)"),
        "{screen}"
    );
    assert!(screen.contains("✔ connected"), "{screen}");
}

#[test]
fn side_cycle_includes_the_path_when_traced() {
    use SideView::{Cert, Dns, Path, Timeline};
    let table = [
        // (side, has_path, has_dns, wide) -> next
        (Cert, true, false, false, Timeline),
        (Timeline, true, false, false, Path),
        (Path, true, false, false, Cert),
        (Path, true, true, false, Dns),
        (Cert, true, true, true, Timeline),
        (Timeline, true, false, true, Path),
        (Path, true, false, true, Cert),
        (Timeline, false, false, false, Cert),
        (Timeline, false, true, true, Dns),
    ];
    for (side, p, d, w, want) in table {
        assert_eq!(next_side_with(side, p, d, w), want, "{side:?} {p} {d} {w}");
    }
    let mut app = app(SMALL);
    for want in [Timeline, Path, Cert] {
        key(&mut app, 't');
        assert_eq!(app.panes.side, want);
    }
}
