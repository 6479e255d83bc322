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
use crate::model::{Class, Direction, ProbeEvent};
use smtptui_lab::DemoLab;
use smtptui_lab::demo::DEMO_PASSWORD;

struct Harness {
    app: App,
    rt: Runtime,
    events: mpsc::Receiver<ProbeEvent>,
    internal: mpsc::Receiver<Msg>,
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
        }
    }

    fn key(&mut self, code: KeyCode) {
        let cmds = update(
            &mut self.app,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        self.rt.perform(&mut self.app, cmds);
    }

    /// Pumps events until `done` holds (or 30 s pass).
    async fn pump_until(&mut self, mut done: impl FnMut(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !done(&self.app) {
            tokio::select! {
                Some(ev) = self.events.recv() => {
                    self.app.apply_event(ev);
                    while let Ok(ev) = self.events.try_recv() {
                        self.app.apply_event(ev);
                    }
                }
                Some(msg) = self.internal.recv() => {
                    let cmds = update(&mut self.app, msg);
                    self.rt.perform(&mut self.app, cmds);
                }
                () = tokio::time::sleep_until(deadline) => panic!("timed out; state: {:?}", self.app.endpoints.iter().map(|e| &e.state).collect::<Vec<_>>()),
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
    app.size = (120, 40);
    let mut h = Harness::new(app, export.path().to_path_buf());
    let cmds = start_run(&mut h.app, settings);
    h.rt.perform(&mut h.app, cmds);
    h.pump_until(|a| {
        !a.running && a.report.is_some() && a.endpoints.iter().all(|e| e.state == RowState::Done)
    })
    .await;

    let services = lab.services();
    assert_eq!(h.app.endpoints.len(), services.len());
    for ep in &h.app.endpoints {
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
    let warned: Vec<_> = h
        .app
        .endpoints
        .iter()
        .filter(|e| !e.warnings().is_empty())
        .collect();
    assert_eq!(warned.len(), 1, "one demo endpoint carries a warning");
    assert_eq!(
        warned[0].warnings()[0].code,
        crate::model::WarningCode::CertExpiresSoon
    );
    assert!(warned[0].verdict().unwrap().class.is_ok());
    for (w, hgt) in [(80, 24), (120, 40)] {
        let s = h.screen(w, hgt);
        assert!(s.contains("mail.demo.test"), "{s}");
        if std::env::var_os("SHOW").is_some() {
            eprintln!("{s}");
        }
        assert!(!s.contains(DEMO_PASSWORD));
    }
    // An untrusted chain is labelled in the inspector.
    if let Some(i) = h
        .app
        .endpoints
        .iter()
        .position(|e| e.tls.as_ref().is_some_and(|t| !t.verified))
    {
        h.app.selected = i;
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

    // Step through the first working endpoint by hand, with a raw NOOP on the way.
    let ok = h
        .app
        .endpoints
        .iter()
        .position(|e| e.verdict().is_some_and(|v| v.class == Class::Ok))
        .unwrap();
    h.app.selected = ok;
    h.key(KeyCode::Char('s'));
    assert!(h.app.step.is_some());
    h.pump_until(|a| a.step.as_ref().is_some_and(|s| !s.busy))
        .await;
    let mut sent_noop = false;
    for _ in 0..12 {
        let step = h.app.step.as_ref().unwrap();
        if step.ended {
            break;
        }
        if !sent_noop && step.next.as_ref().is_some_and(|n| n.label.contains("EHLO")) {
            h.key(KeyCode::Char(':'));
            for c in "NOOP".chars() {
                h.key(KeyCode::Char(c));
            }
            h.key(KeyCode::Enter);
            sent_noop = true;
        } else {
            h.key(KeyCode::Enter);
        }
        h.pump_until(|a| a.step.as_ref().is_some_and(|s| !s.busy))
            .await;
    }
    let ep = &h.app.manual[0].view;
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
