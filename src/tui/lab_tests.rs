//! End-to-end tests of the TUI model with the real engine: the demo lab's loopback
//! servers, the probe engine through [`super::engine`], the runtime's command
//! handling, rendering, export and an interactive stepping session. No terminal.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use super::app::{App, RowState};
use super::form::Form;
use super::runtime::Runtime;
use super::theme::Theme;
use super::update::{Msg, start_run, update};
use super::view::view;
use crate::model::{Class, Direction, ProbeEvent, RunReport};
use smtptui_lab::DemoLab;
use smtptui_lab::demo::DEMO_PASSWORD;

struct Harness {
    app: App,
    rt: Runtime,
    events: mpsc::Receiver<ProbeEvent>,
    internal: mpsc::Receiver<Msg>,
    /// A copy of the engine's report, as `Msg::RunFinished` brought it.
    engine_report: Option<RunReport>,
}

impl Harness {
    fn new(app: App, export_dir: std::path::PathBuf) -> Self {
        let (etx, events) = mpsc::channel(1024);
        let (itx, internal) = mpsc::channel(16);
        Self {
            app,
            rt: Runtime::new(etx, itx, export_dir, None),
            events,
            internal,
            engine_report: None,
        }
    }

    fn key(&mut self, code: KeyCode) {
        let key = Msg::Key(KeyEvent::new(code, KeyModifiers::NONE));
        self.rt.deliver(&mut self.app, key);
    }

    /// Pumps messages, as the runtime's loop does (engine events first, every one
    /// through `update`), until `done` holds (or 30 s pass).
    async fn pump_until(&mut self, mut done: impl FnMut(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !done(&self.app) {
            tokio::select! {
                biased;
                Some(ev) = self.events.recv() => {
                    self.rt.deliver(&mut self.app, Msg::Probe(ev));
                    while let Ok(ev) = self.events.try_recv() {
                        self.rt.deliver(&mut self.app, Msg::Probe(ev));
                    }
                }
                Some(msg) = self.internal.recv() => {
                    if let Msg::RunFinished(_, report) = &msg {
                        self.engine_report = Some((**report).clone());
                    }
                    self.rt.deliver(&mut self.app, msg);
                }
                () = tokio::time::sleep_until(deadline) => panic!("timed out; state: {:?}", self.app.run().endpoints().iter().map(|e| &e.state).collect::<Vec<_>>()),
            }
        }
    }

    fn screen(&self, w: u16, h: u16) -> String {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| view(&self.app, f)).unwrap();
        let buf = term.backend().buffer().clone();
        buf.content()
            .chunks(w as usize)
            .map(|r| {
                r.iter()
                    .map(ratatui::buffer::Cell::symbol)
                    .collect::<String>()
                    + "\n"
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_lab_end_to_end() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let lab = DemoLab::start().await.unwrap();
    let settings = lab.settings();
    let export = tempfile::tempdir().unwrap();
    let mut app = App::new(
        Some(settings.clone()),
        Theme::new(false),
        Form::new(Vec::new()),
    );
    update(&mut app, Msg::Resize(120, 40));
    let mut h = Harness::new(app, export.path().to_path_buf());
    let cmds = start_run(&mut h.app, settings);
    h.rt.perform(&mut h.app, cmds);
    h.pump_until(|a| {
        a.run().report().is_some()
            && a.run()
                .endpoints()
                .iter()
                .all(|e| e.state == RowState::Done)
    })
    .await;
    assert!(!h.app.run().running());
    verdicts_as_the_lab_plays_them(&h, &lab);
    every_transcript_is_kept_once(&h);
    screens_and_exports(&mut h);
    step_by_hand(&mut h).await;
}

/// Each row's verdict is the one its lab scenario plays; the warning scenario warns.
fn verdicts_as_the_lab_plays_them(h: &Harness, lab: &DemoLab) {
    let services = lab.services();
    let endpoints = h.app.run().endpoints();
    assert_eq!(endpoints.len(), services.len());
    for ep in endpoints {
        assert_eq!(ep.state, RowState::Done, "{}", ep.endpoint.label());
        let want = services
            .iter()
            .find(|s| s.port == ep.endpoint.port)
            .unwrap();
        assert_eq!(
            ep.verdict().unwrap().class,
            want.expected,
            "{}: {}",
            ep.endpoint.label(),
            want.title
        );
    }
    // The demo's warning scenario: a working port whose certificate expires soon.
    let warned: Vec<_> = endpoints
        .iter()
        .filter(|e| !e.warnings().is_empty())
        .collect();
    assert_eq!(warned.len(), 1, "one demo endpoint carries a warning");
    assert_eq!(
        warned[0].warnings()[0].code,
        crate::model::WarningCode::CertExpiresSoon
    );
    assert!(warned[0].verdict().unwrap().class.is_ok());
}

/// The engine's report and the streamed events carry the same lines; the app keeps
/// them once (in the views) and the export has them all again.
fn every_transcript_is_kept_once(h: &Harness) {
    let engine = h
        .engine_report
        .as_ref()
        .expect("the engine's report arrived");
    let run = h.app.run();
    let kept = run.report().expect("finished");
    assert!(
        kept.endpoints.is_empty(),
        "endpoint reports live in the views"
    );
    assert_eq!(kept.run_transcript, engine.run_transcript);
    assert_eq!(kept.findings, engine.findings);
    assert!(kept.recommended.is_some());
    for (ep, theirs) in run.endpoints().iter().zip(&engine.endpoints) {
        let mine = ep.report.as_ref().expect("a report per endpoint");
        assert!(mine.transcript.is_empty() && mine.timings.is_empty() && mine.tls.is_none());
        assert!(!ep.transcript.is_empty());
        assert_eq!(ep.transcript, theirs.transcript, "{}", ep.endpoint.label());
        assert_eq!(ep.timings, theirs.timeline, "{}", ep.endpoint.label());
        assert_eq!(ep.tls, theirs.tls, "{}", ep.endpoint.label());
    }
    let export = h.app.export_report();
    assert_eq!(
        serde_json::to_value(&export.endpoints).unwrap(),
        serde_json::to_value(&engine.endpoints).unwrap()
    );
}

/// Both sizes draw without the password; an untrusted chain is labelled; exports
/// write files that hold no password.
fn screens_and_exports(h: &mut Harness) {
    for (w, hgt) in [(80, 24), (120, 40)] {
        let s = h.screen(w, hgt);
        assert!(s.contains("mail.demo.test"), "{s}");
        if std::env::var_os("SHOW").is_some() {
            eprintln!("{s}");
        }
        assert!(!s.contains(DEMO_PASSWORD));
    }
    if let Some(i) = h
        .app
        .run()
        .endpoints()
        .iter()
        .position(|e| e.tls.as_ref().is_some_and(|t| !t.verified))
    {
        h.app.panes.selected = i;
        assert!(
            h.screen(120, 40)
                .contains("UNTRUSTED — shown for inspection")
        );
    }
    // Export JSON: the status line shows the path; the file holds no password.
    h.key(KeyCode::Char('E'));
    let status = h.app.status.clone().unwrap();
    assert!(!status.error, "{}", status.text);
    let path = status.text.trim_start_matches("exported to ").to_string();
    let json = std::fs::read_to_string(&path).unwrap();
    assert!(json.contains("\"schema_version\""));
    assert!(!json.contains(DEMO_PASSWORD));
    h.key(KeyCode::Char('e'));
    assert!(h.app.status.as_ref().is_some_and(|s| {
        std::path::Path::new(&s.text)
            .extension()
            .is_some_and(|e| e == "txt")
    }));
}

/// Steps through the first working endpoint by hand, with a raw NOOP on the way.
async fn step_by_hand(h: &mut Harness) {
    let ok = h
        .app
        .run()
        .endpoints()
        .iter()
        .position(|e| e.verdict().is_some_and(|v| v.class == Class::Ok))
        .unwrap();
    h.app.panes.selected = ok;
    h.key(KeyCode::Char('s'));
    assert!(h.app.step.is_some());
    let waiting = |a: &App| a.step.as_ref().is_some_and(|s| !s.busy());
    h.pump_until(waiting).await;
    let mut sent_noop = false;
    for _ in 0..12 {
        let step = h.app.step.as_ref().unwrap();
        if step.ended() {
            break;
        }
        if !sent_noop && step.next().is_some_and(|n| n.label.contains("EHLO")) {
            h.key(KeyCode::Char(':'));
            for c in "NOOP".chars() {
                h.key(KeyCode::Char(c));
            }
            h.key(KeyCode::Enter);
            sent_noop = true;
        } else {
            h.key(KeyCode::Enter);
        }
        h.pump_until(waiting).await;
    }
    let ep = &h.app.run().manual()[0].view;
    let sent: Vec<&str> = ep
        .transcript
        .iter()
        .filter(|e| matches!(e.dir, Direction::Client | Direction::ClientTls))
        .map(|e| e.text.as_str())
        .collect();
    assert!(sent.contains(&"NOOP"), "{sent:?}");
    assert!(ep.step_verdict.is_some());
    let s = h.screen(80, 24);
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{s}");
    }
    assert!(s.contains("Stepping"), "{s}");
    h.key(KeyCode::Esc);
    assert!(h.app.step.is_none());
}
