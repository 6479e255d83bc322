//! Whole-app tests: feed `App` fixed probe events and keys, render to a `TestBackend`
//! at 80×24 and 120×40 and snapshot the screen with insta.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::app::{App, Pane, Screen, SideView};
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
    app.size = size;
    let cmds = start_run(&mut app, settings);
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::StartRun { run: RunId(1), .. }]
    ));
    app.tick = 3;
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

pub(super) fn finished(no_color: bool, size: (u16, u16)) -> App {
    let mut app = running_app(no_color, size);
    feed(&mut app, fixtures::mid_run());
    feed(&mut app, fixtures::finish());
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
    assert_eq!(app.selected, 2);
    let s = screen(&app);
    assert!(s.contains("<~  250-AUTH PLAIN LOGIN"), "{s}");
    insta::assert_snapshot!("mid_run_120x40", s);
}

#[test]
fn finished_with_findings() {
    let app = finished(false, LARGE);
    assert!(!app.running && !app.busy());
    let s = screen(&app);
    assert!(
        s.contains("Outbound port 25 is blocked on this network"),
        "{s}"
    );
    insta::assert_snapshot!("finished_120x40", s);
    let mut small = finished(false, SMALL);
    small.size = SMALL;
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
    app.selected = 2;
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
    );
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
    );
    assert_eq!(app.focus, Pane::Cert);
    key(&mut app, KeyCode::Down);
    assert_eq!(app.cert_index, 1);
    let s = screen(&app);
    assert!(s.contains("✔ verified for mail.example.com"), "{s}");
    assert!(!s.contains("UNTRUSTED"), "{s}");
    insta::assert_snapshot!("cert_verified_120x40", s);
}

#[test]
fn cert_inspector_untrusted() {
    for size in [LARGE, SMALL] {
        let mut app = finished(false, size);
        app.selected = 1;
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
    assert_eq!(app.selected, 0);
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
    app.selected = 2;
    key(&mut app, KeyCode::Char('t'));
    assert_eq!(app.side, SideView::Timeline);
    let s = screen(&app);
    assert!(s.contains("TLS"), "{s}");
    assert!(s.contains("48ms"), "{s}");
    insta::assert_snapshot!("timeline_80x24", s);
    let mut large = mid(LARGE);
    large.selected = 6;
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
        app.size = size;
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
            [Cmd::SaveRecent(list), Cmd::StartRun { settings, .. }] => {
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
    app.selected = 2;
    let cmds = key(&mut app, KeyCode::Char('s'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::StepOpen { run: RunId(1), endpoint, .. }] if endpoint.port == 587)
    );
    let run = app.run;
    let ep = EndpointId(2);
    let entry = |t, d, s: &str| ProbeEvent::Line {
        run,
        endpoint: ep,
        entry: TranscriptEntry::new(t, d, s),
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

#[test]
fn stepping_with_an_edited_command() {
    let mut app = stepping_app();
    key(&mut app, KeyCode::Char('i'));
    for _ in 0.."smtptui.invalid".len() {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "client.example.net");
    let editing = screen(&app);
    assert!(
        editing.contains("edit> EHLO client.example.net"),
        "{editing}"
    );
    key(&mut app, KeyCode::Enter);
    let s = screen(&app);
    assert!(s.contains("> EHLO client.example.net  (edited)"), "{s}");
    insta::assert_snapshot!("stepping_edited_80x24", s);
    let cmds = key(&mut app, KeyCode::Char('n'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::StepNext { command: Some(c) }] if c == "EHLO client.example.net")
    );
    assert!(app.busy());
    // Not edited: None is sent.
    let run = app.run;
    feed(
        &mut app,
        vec![ProbeEvent::StepReady {
            run,
            endpoint: EndpointId(2),
            next: Some(fixtures::next_ehlo()),
            in_tls: true,
            verdict: Verdict {
                class: Class::Ok,
                summary: "ok".into(),
                evidence: String::new(),
                advice: String::new(),
            },
        }],
    );
    let cmds = key(&mut app, KeyCode::Enter);
    assert!(matches!(cmds.as_slice(), [Cmd::StepNext { command: None }]));
    let cmds = key(&mut app, KeyCode::Esc);
    assert!(matches!(cmds.as_slice(), [Cmd::StepClose]));
    assert!(app.step.is_none());
}

#[test]
fn raw_commands_warn_after_two_unrecognised() {
    let mut app = stepping_app();
    let run = app.run;
    for (cmd, reply) in [
        ("XFOO", "502 5.5.2 Error: command not recognized"),
        ("XBAR", "500 5.5.1 unknown"),
    ] {
        key(&mut app, KeyCode::Char(':'));
        typ(&mut app, cmd);
        let cmds = key(&mut app, KeyCode::Enter);
        assert!(
            matches!(cmds.as_slice(), [Cmd::StepRaw(c)] if c == cmd),
            "{cmds:?}"
        );
        feed(
            &mut app,
            vec![
                ProbeEvent::Line {
                    run,
                    endpoint: EndpointId(2),
                    entry: TranscriptEntry::new(40.0, Direction::Server, reply),
                },
                ProbeEvent::StepReady {
                    run,
                    endpoint: EndpointId(2),
                    next: Some(fixtures::next_ehlo()),
                    in_tls: false,
                    verdict: Verdict {
                        class: Class::Ok,
                        summary: "ok".into(),
                        evidence: String::new(),
                        advice: String::new(),
                    },
                },
            ],
        );
    }
    assert_eq!(app.step.as_ref().unwrap().unrecognised, 2);
    // A known verb goes through without a question.
    key(&mut app, KeyCode::Char(':'));
    typ(&mut app, "NOOP");
    assert!(matches!(
        key(&mut app, KeyCode::Enter).as_slice(),
        [Cmd::StepRaw(_)]
    ));
    app.step.as_mut().unwrap().busy = false;
    // A third unknown command asks first.
    key(&mut app, KeyCode::Char(':'));
    typ(&mut app, "VRFY postmaster");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.confirm.is_some());
    let s = screen(&app);
    assert!(s.contains("Send anyway?"), "{s}");
    insta::assert_snapshot!("stepping_confirm_80x24", s);
    assert!(key(&mut app, KeyCode::Char('n')).is_empty());
    key(&mut app, KeyCode::Char(':'));
    typ(&mut app, "VRFY postmaster");
    key(&mut app, KeyCode::Enter);
    let cmds = key(&mut app, KeyCode::Char('y'));
    assert!(matches!(cmds.as_slice(), [Cmd::StepRaw(c)] if c == "VRFY postmaster"));
}

#[test]
fn search_highlights_and_n_moves() {
    let mut app = finished(false, LARGE);
    app.selected = 2;
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "ehlo");
    let prompt = screen(&app);
    assert!(prompt.contains("/search: ehlo"), "{prompt}");
    key(&mut app, KeyCode::Enter);
    let first = app.transcript.current_match.unwrap();
    key(&mut app, KeyCode::Char('n'));
    let second = app.transcript.current_match.unwrap();
    assert_ne!(second, first);
    key(&mut app, KeyCode::Char('N'));
    assert_eq!(app.transcript.current_match, Some(first));
    let buf = render(&app);
    let s = text(&buf);
    insta::assert_snapshot!("search_120x40", s);
    // Every visible occurrence is highlighted, the current one differently.
    let (x, y) = find(&buf, "EHLO smtptui").unwrap();
    assert!(
        matches!(buf[(x, y)].bg, Color::Yellow | Color::LightRed),
        "{:?}",
        buf[(x, y)]
    );
    key(&mut app, KeyCode::Char('/'));
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typ(&mut app, "no-such-text");
    key(&mut app, KeyCode::Enter);
    assert!(app.status.as_ref().is_some_and(|s| s.error));
}

#[test]
fn help_popup_lists_the_key_table() {
    let mut app = finished(false, SMALL);
    key(&mut app, KeyCode::Char('?'));
    assert!(app.help.is_some());
    insta::assert_snapshot!("help_80x24", screen(&app));
    app.size = LARGE;
    insta::assert_snapshot!("help_120x40", screen(&app));
    app.size = (120, 200);
    let s = screen(&app);
    for b in super::keys::KEYS {
        assert!(s.contains(b.help), "{} missing", b.help);
        assert!(s.contains(&b.key.label()), "{} missing", b.key.label());
    }
    key(&mut app, KeyCode::Esc);
    assert!(app.help.is_none());
}

#[test]
fn no_color_has_no_colours() {
    let app = finished(true, LARGE);
    let buf = render(&app);
    for cell in buf.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "coloured cell {cell:?}"
        );
    }
    insta::assert_snapshot!("no_color_120x40", text(&buf));
}

#[test]
fn stale_run_events_are_dropped() {
    let mut app = mid(SMALL);
    let before = app.transcript_len();
    let stale = ProbeEvent::Line {
        run: RunId(99),
        endpoint: EndpointId(0),
        entry: TranscriptEntry::new(1.0, Direction::Info, "stale"),
    };
    assert!(!app.apply_event(stale));
    assert_eq!(app.transcript_len(), before);
    // Cancelling makes the old run stale too.
    let cmds = key(&mut app, KeyCode::Char('c'));
    assert!(matches!(cmds.as_slice(), [Cmd::CancelRun]));
    assert!(!app.running && app.run != RunId(1));
    assert!(!app.apply_event(fixtures::finish().remove(0)));
    let s = screen(&app);
    assert!(s.contains("⊘"), "{s}");
    let cmds = key(&mut app, KeyCode::Char('r'));
    assert!(matches!(cmds.as_slice(), [Cmd::StartRun { .. }]));
    assert!(app.running && app.endpoints.is_empty());
}

#[test]
fn a_million_lines_render_only_the_visible_slice() {
    let mut app = finished(false, SMALL);
    app.selected = 2;
    let ep = &mut app.endpoints[2];
    ep.transcript = (0..1_000_000)
        .map(|i| TranscriptEntry::new(f64::from(i), Direction::Server, format!("line {i}")))
        .collect();
    let lines = visible_lines(&app, 20, 78);
    assert_eq!(lines.len(), 20);
    assert!(
        lines[19].to_string().ends_with("line 999999"),
        "{}",
        lines[19]
    );
    assert!(lines[0].to_string().ends_with("line 999980"));
    app.transcript.scroll = Some(500_000);
    let lines = visible_lines(&app, 20, 78);
    assert!(lines[0].to_string().ends_with("line 500000"));
    let s = screen(&app);
    assert!(s.contains("↑ 500"), "{s}");
    let lay = layout::main_layout(ratatui::layout::Rect::new(0, 0, 80, 24), &app);
    assert!(
        s.contains(&format!("line {}", 500_000 + lay.transcript_height() - 1)),
        "{s}"
    );
    key(&mut app, KeyCode::End);
    app.focus = Pane::Transcript;
    key(&mut app, KeyCode::End);
    assert_eq!(app.transcript.scroll, None);
}

#[test]
fn mouse_selects_rows_and_scrolls_panes() {
    let mut app = finished(false, LARGE);
    let lay = layout::main_layout(ratatui::layout::Rect::new(0, 0, 120, 40), &app);
    let click = |row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 10,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut app, click(lay.table.y + 1 + 3));
    assert_eq!(app.selected, 3);
    assert_eq!(app.focus, Pane::Matrix);
    let t = lay.transcript;
    update(
        &mut app,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollUp,
            column: t.x + 2,
            row: t.y + 2,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(app.selected, 3);
    assert!(
        app.transcript.scroll.is_none(),
        "short transcript stays at the tail"
    );
    app.selected = 2;
    update(
        &mut app,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollUp,
            column: t.x + 2,
            row: t.y + 2,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert!(app.transcript.scroll.is_some());
}

#[test]
fn export_keys_and_status() {
    let mut app = finished(false, SMALL);
    assert!(matches!(
        key(&mut app, KeyCode::Char('e')).as_slice(),
        [Cmd::Export { json: false }]
    ));
    let cmds = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('E'), KeyModifiers::SHIFT)),
    );
    assert!(matches!(cmds.as_slice(), [Cmd::Export { json: true }]));
    update(&mut app, Msg::Exported(Ok("/tmp/x/smtptui-1.json".into())));
    assert!(screen(&app).contains("exported to /tmp/x/smtptui-1.json"));
    update(&mut app, Msg::Exported(Err("permission denied".into())));
    assert!(screen(&app).contains("export failed: permission denied"));
    let report = app.export_report();
    assert_eq!(report.endpoints.len(), 8);
    assert_eq!(report.findings.len(), 2);
}

#[test]
fn all_view_interleaves_endpoints() {
    let mut app = mid(LARGE);
    key(&mut app, KeyCode::Char('a'));
    let s = screen(&app);
    assert!(s.contains("Transcript — all endpoints"), "{s}");
    assert!(s.contains("v6 587/starttls"), "{s}");
    assert!(s.contains("Timeline — all endpoints"), "{s}");
    insta::assert_snapshot!("all_view_120x40", s);
}

#[test]
fn resize_adapts_the_layout() {
    let mut app = finished(false, SMALL);
    app.focus = Pane::Timeline;
    update(&mut app, Msg::Resize(80, 24));
    assert_eq!(
        app.focus,
        Pane::Matrix,
        "timeline hidden at 80x24 in cert view"
    );
    update(&mut app, Msg::Resize(120, 40));
    for _ in 0..3 {
        update(
            &mut app,
            Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
        );
    }
    assert_eq!(app.focus, Pane::Timeline);
}

#[test]
fn escaped_text_is_never_unescaped() {
    let mut app = mid(SMALL);
    app.selected = 2;
    feed(
        &mut app,
        vec![ProbeEvent::Line {
            run: RunId(1),
            endpoint: EndpointId(2),
            entry: TranscriptEntry::new(171.0, Direction::Server, "250 evil \u{1b}[2J\u{202e}"),
        }],
    );
    let s = screen(&app);
    assert!(!s.contains('\u{1b}') && !s.contains('\u{202e}'), "{s}");
    assert!(s.contains("\\x1b[2J"), "{s}");
}

#[test]
fn client_certificate_request_is_shown() {
    let mut app = finished(false, LARGE);
    app.selected = 2;
    let tls = app.endpoints[2].tls.as_mut().unwrap();
    tls.client_cert_requested = true;
    tls.client_cert_cas = vec!["CN=Corp Client CA".into()];
    let s = screen(&app);
    assert!(s.contains("certificate requested (none sent)"), "{s}");
    assert!(s.contains("CN=Corp Client CA"), "{s}");
}

#[test]
fn tiny_terminals_do_not_panic() {
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 12), (60, 15)] {
        for all in [false, true] {
            let mut app = finished(false, (w, h));
            app.transcript.all = all;
            app.selected = 1;
            let _ = screen(&app);
            app.help = Some(0);
            let _ = screen(&app);
            app.help = None;
            app.screen = Screen::Form;
            let _ = screen(&app);
        }
    }
}
