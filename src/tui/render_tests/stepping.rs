//! Whole-app tests, continued: stepping, search, help, NO_COLOR and mouse.

use super::*;
use crate::tui::engine::ExportFormat;

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
    let run = step_run(&app);
    feed(&mut app, vec![ready(run, fixtures::next_ehlo(), true)]);
    let cmds = key(&mut app, KeyCode::Enter);
    assert!(matches!(cmds.as_slice(), [Cmd::StepNext { command: None }]));
    let cmds = key(&mut app, KeyCode::Esc);
    assert!(matches!(cmds.as_slice(), [Cmd::StepClose]));
    assert!(app.step.is_none());
}

/// The session on v4 587 waits for the user with `next`, its verdict so far ok.
fn ready(run: RunId, next: crate::model::NextStep, in_tls: bool) -> ProbeEvent {
    ProbeEvent::StepReady {
        run,
        endpoint: EndpointId(2),
        next: Some(next),
        in_tls,
        verdict: Verdict {
            class: Class::Ok,
            summary: "ok".into(),
            evidence: String::new(),
            advice: String::new(),
        },
    }
}

/// The run id the stepping session's events carry.
fn step_run(app: &App) -> RunId {
    app.run().manual()[app.step.as_ref().unwrap().session].run
}

#[test]
fn a_manual_session_is_its_own_record() {
    let mut app = stepping_app();
    let before = app.run().endpoints()[2].verdict().cloned().unwrap();
    let run = step_run(&app);
    let mut failed = app.run().endpoints()[2].report.clone().unwrap();
    failed.verdict = Verdict {
        class: Class::StarttlsNotOffered,
        summary: "HELO has no extensions".into(),
        evidence: String::new(),
        advice: "use 465 or 587".into(),
    };
    feed(
        &mut app,
        vec![ProbeEvent::EndpointDone {
            run,
            report: Box::new(failed),
        }],
    );
    // The row keeps the probe's verdict; the session has its own.
    assert_eq!(app.run().endpoints()[2].verdict(), Some(&before));
    let s = screen(&app);
    assert!(s.contains("=== manual session 1"), "{s}");
    let report = app.export_report();
    assert_eq!(report.endpoints[2].class, before.class);
    let m = &report.manual_sessions[0];
    assert_eq!((m.number, m.session.class), (1, Class::StarttlsNotOffered));
    // Times continue the run's clock: the session starts where the run ended.
    let probe_end = report.endpoints[2].transcript.last().unwrap().t_ms;
    assert!(m.started_ms >= probe_end, "{} < {probe_end}", m.started_ms);
    assert!(
        m.session
            .transcript
            .windows(2)
            .all(|w| w[0].t_ms <= w[1].t_ms),
        "{:?}",
        m.session.transcript
    );
    let text = crate::export::to_text(&report);
    assert!(
        text.contains("=== manual session 1 on 192.0.2.10:587"),
        "{text}"
    );
    assert!(
        text.contains("=== manual session 1 verdict: starttls_not_offered"),
        "{text}"
    );
    assert!(
        text.contains("(the probe; 1 manual session(s) below)"),
        "{text}"
    );
}

#[test]
fn raw_commands_warn_after_two_unrecognised() {
    let mut app = stepping_app();
    let run = step_run(&app);
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
        let t = app.run().last_ms() + 10.0;
        feed(
            &mut app,
            vec![
                ProbeEvent::Line {
                    run,
                    endpoint: EndpointId(2),
                    entry: TranscriptEntry::new(t, Direction::Server, reply),
                },
                ready(run, fixtures::next_ehlo(), false),
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
    // A third unknown command asks first (even while the NOOP is on its way).
    key(&mut app, KeyCode::Char(':'));
    typ(&mut app, "VRFY postmaster");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(matches!(app.popup, Some(Popup::Confirm(_))));
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
    app.panes.selected = 2;
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "ehlo");
    let prompt = screen(&app);
    assert!(prompt.contains("/search: ehlo"), "{prompt}");
    key(&mut app, KeyCode::Enter);
    let first = app.panes.transcript.current_match.unwrap();
    key(&mut app, KeyCode::Char('n'));
    let second = app.panes.transcript.current_match.unwrap();
    assert_ne!(second, first);
    let counted = app.panes.transcript.match_counter.unwrap();
    key(&mut app, KeyCode::Char('N'));
    assert_eq!(app.panes.transcript.current_match, Some(first));
    // The counter: which match of how many, in the title and the status line.
    let (n, of) = app.panes.transcript.match_counter.unwrap();
    assert_eq!(of, 2);
    assert_ne!(counted.0, n);
    let buf = render(&app);
    let s = text(&buf);
    assert!(s.contains(&format!("/ehlo {n}/2")), "{s}");
    assert!(s.contains(&format!("match {n} of 2: ehlo")), "{s}");
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
    assert!(matches!(app.popup, Some(Popup::Help { scroll: 0 })));
    insta::assert_snapshot!("help_80x24", screen(&app));
    update(&mut app, Msg::Resize(LARGE.0, LARGE.1));
    insta::assert_snapshot!("help_120x40", screen(&app));
    update(&mut app, Msg::Resize(120, 200));
    let s = screen(&app);
    for b in crate::tui::keys::bindings() {
        assert!(s.contains(b.help), "{} missing", b.help);
        assert!(s.contains(&b.key.label()), "{} missing", b.key.label());
    }
    key(&mut app, KeyCode::Esc);
    assert!(app.popup.is_none());
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
    feed(&mut app, vec![stale]);
    assert_eq!(app.transcript_len(), before);
    // Cancelling makes the old run stale too.
    let cmds = key(&mut app, KeyCode::Char('c'));
    assert!(matches!(cmds.as_slice(), [Cmd::CancelRun]));
    assert!(!app.run().running() && app.run().id() != RunId(1));
    let timings = app.run().endpoints()[0].timings.len();
    feed(&mut app, fixtures::finish());
    assert_eq!(app.run().endpoints()[0].timings.len(), timings);
    assert_eq!(app.run().endpoints()[0].state, RowState::Cancelled);
    let s = screen(&app);
    assert!(s.contains("⊘"), "{s}");
    let cmds = key(&mut app, KeyCode::Char('r'));
    assert!(matches!(cmds.as_slice(), [Cmd::StartRun { .. }]));
    assert!(app.run().running() && app.run().endpoints().is_empty());
}

#[test]
fn a_million_lines_render_only_the_visible_slice() {
    let mut app = finished(false, SMALL);
    app.panes.selected = 2;
    let ep = &mut app.endpoints_mut()[2];
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
    app.panes.transcript.scroll = Some(500_000);
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
    app.panes.focus = Pane::Transcript;
    key(&mut app, KeyCode::End);
    assert_eq!(app.panes.transcript.scroll, None);
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
    assert_eq!(app.panes.selected, 3);
    assert_eq!(app.panes.focus, Pane::Matrix);
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
    assert_eq!(app.panes.selected, 3);
    assert!(
        app.panes.transcript.scroll.is_none(),
        "short transcript stays at the tail"
    );
    app.panes.selected = 2;
    update(
        &mut app,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollUp,
            column: t.x + 2,
            row: t.y + 2,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert!(app.panes.transcript.scroll.is_some());
}

#[test]
fn export_keys_and_status() {
    let mut app = finished(false, SMALL);
    assert!(matches!(
        key(&mut app, KeyCode::Char('e')).as_slice(),
        [Cmd::Export {
            format: ExportFormat::Text
        }]
    ));
    let cmds = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('E'), KeyModifiers::SHIFT)),
    );
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::Export {
            format: ExportFormat::Json
        }]
    ));
    let cmds = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('H'), KeyModifiers::SHIFT)),
    );
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::Export {
            format: ExportFormat::Html
        }]
    ));
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
    app.panes.focus = Pane::Timeline;
    update(&mut app, Msg::Resize(80, 24));
    assert_eq!(
        app.panes.focus,
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
    assert_eq!(app.panes.focus, Pane::Timeline);
}

#[test]
fn escaped_text_is_never_unescaped() {
    let mut app = mid(SMALL);
    app.panes.selected = 2;
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
    app.panes.selected = 2;
    let tls = app.endpoints_mut()[2].tls.as_mut().unwrap();
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
            app.panes.transcript.all = all;
            app.panes.selected = 1;
            let _ = screen(&app);
            app.popup = Some(Popup::Help { scroll: 0 });
            let _ = screen(&app);
            app.popup = None;
            app.screen = Screen::Form;
            let _ = screen(&app);
        }
    }
}
