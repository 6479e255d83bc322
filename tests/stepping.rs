//! Interactive stepping against a real loopback lab server: replies are read as the
//! answer to the command that was sent (a raw MAIL opens a transaction, so AUTH is not
//! proposed after it), DATA mode (after 354, raw lines are message text until the `.`
//! step), an edited last step sends what the screen shows (QUIT → NOOP), and raw
//! commands are timed only as the phase their verb is.

mod support;

use std::sync::Arc;
use std::time::Duration;

use smtptui::model::transcript::RunClock;
use smtptui::model::{Endpoint, EndpointId, Mode, NextStep, Phase, ProbeEvent, RunId};
use smtptui::probe::step::{StepCommand, spawn};
use smtptui_lab::{CertKind, LabServer, Script};
use support::{HOST, PASSWORD, TestPki, settings, with_auth};
use tokio::sync::mpsc;

struct Stepper {
    tx: mpsc::Sender<StepCommand>,
    rx: mpsc::Receiver<ProbeEvent>,
    phases: Vec<Phase>,
    lines: Vec<String>,
}

impl Stepper {
    async fn start(server: &LabServer, s: smtptui::settings::Settings) -> (Self, NextStep) {
        let endpoint = Endpoint {
            id: EndpointId(0),
            host: HOST.into(),
            address: "127.0.0.1".parse().unwrap(),
            port: server.port(),
            mode: Mode::Starttls,
        };
        let (etx, rx) = mpsc::channel(1024);
        let tx = spawn(Arc::new(s), endpoint, RunId(7), RunClock::start(), etx);
        let mut st = Stepper {
            tx,
            rx,
            phases: Vec::new(),
            lines: Vec::new(),
        };
        let next = st.ready().await.expect("a first step");
        (st, next)
    }

    /// Waits for the next StepReady; returns its proposed step.
    async fn ready(&mut self) -> Option<NextStep> {
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(10), self.rx.recv())
                .await
                .expect("no event within 10 s")
                .expect("session ended");
            match ev {
                ProbeEvent::PhaseDone { timing, .. } => self.phases.push(timing.phase),
                ProbeEvent::Line { entry, .. } => self.lines.push(entry.text),
                ProbeEvent::StepReady { next, .. } => return next,
                _ => {}
            }
        }
    }

    async fn next(&mut self, command: Option<&str>) -> Option<NextStep> {
        self.tx
            .send(StepCommand::Next {
                command: command.map(String::from),
            })
            .await
            .unwrap();
        self.ready().await
    }

    async fn raw(&mut self, line: &str) -> Option<NextStep> {
        self.tx.send(StepCommand::Raw(line.into())).await.unwrap();
        self.ready().await
    }

    /// Runs steps until the proposed one's label contains `what`.
    async fn until(&mut self, mut next: NextStep, what: &str) -> NextStep {
        for _ in 0..10 {
            if next.label.contains(what) {
                return next;
            }
            next = self.next(None).await.expect("session ended early");
        }
        panic!("never reached `{what}`");
    }
}

async fn lab(pki: &TestPki) -> LabServer {
    let id = pki.leaf(CertKind::Valid);
    LabServer::start(Script::starttls(id).with_user("alice", PASSWORD))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_raw_mail_opens_a_transaction_so_auth_is_not_next() {
    let pki = TestPki::new();
    let server = lab(&pki).await;
    let s = with_auth(
        settings(&pki, server.port(), Mode::Starttls),
        "alice",
        PASSWORD,
    );
    let (mut st, next) = Stepper::start(&server, s).await;
    let next = st.until(next, "authenticate").await;
    assert_eq!(next.phase, Phase::Auth);
    let next = st.raw("MAIL FROM:<a@lab.test>").await.unwrap();
    assert_ne!(next.phase, Phase::Auth, "{next:?}");
    assert_eq!(next.command, "QUIT", "{next:?}");
    // The raw MAIL is timed as MAIL, never as an extra EHLO.
    let ehlos = st
        .phases
        .iter()
        .filter(|p| matches!(p, Phase::Ehlo | Phase::EhloTls))
        .count();
    assert_eq!(ehlos, 2, "{:?}", st.phases);
    assert_eq!(st.phases.last(), Some(&Phase::Mail), "{:?}", st.phases);
    // RSET ends the transaction: AUTH is proposed again.
    let next = st.raw("RSET").await.unwrap();
    assert_eq!(next.phase, Phase::Auth, "{next:?}");
    assert_eq!(st.phases.last(), Some(&Phase::Mail), "RSET is not a phase");
}

#[tokio::test]
async fn data_mode_sends_text_until_a_lone_dot() {
    let pki = TestPki::new();
    let server = lab(&pki).await;
    let s = settings(&pki, server.port(), Mode::Starttls);
    let (mut st, next) = Stepper::start(&server, s).await;
    let next = st.until(next, "QUIT").await;
    assert_eq!(next.phase, Phase::Quit);
    st.raw("MAIL FROM:<a@lab.test>").await.unwrap();
    st.raw("RCPT TO:<b@lab.test>").await.unwrap();
    let next = st.raw("DATA").await.unwrap();
    assert_eq!(next.command, ".", "{next:?}");
    assert!(next.label.contains("DATA mode"), "{next:?}");
    assert!(
        st.lines.iter().any(|l| l.contains("DATA mode")),
        "{:?}",
        st.lines
    );
    for line in [
        "Subject: stepping",
        "",
        "QUIT is text here",
        ".a leading dot",
    ] {
        let next = st.raw(line).await.unwrap();
        assert_eq!(next.command, ".", "still DATA mode after {line:?}");
    }
    let next = st.next(None).await.unwrap();
    assert_eq!(next.command, "QUIT", "{next:?}");
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "{:?}", server.commands());
    let text = String::from_utf8_lossy(&messages[0]);
    assert!(
        text.contains("Subject: stepping") && text.contains("QUIT is text here"),
        "{text}"
    );
    assert!(
        text.contains("\n.a leading dot"),
        "dot-unstuffed by the server: {text}"
    );
    assert!(!server.commands().iter().any(|c| c == "QUIT"));
    assert!(
        st.lines.iter().any(|l| l.starts_with("250")),
        "{:?}",
        st.lines
    );
}

#[tokio::test]
async fn an_edited_last_step_sends_what_the_screen_shows() {
    let pki = TestPki::new();
    let server = lab(&pki).await;
    let s = settings(&pki, server.port(), Mode::Starttls);
    let (mut st, next) = Stepper::start(&server, s).await;
    let next = st.until(next, "QUIT").await;
    assert!(next.editable);
    let next = st.next(Some("NOOP")).await.unwrap();
    let commands = server.commands();
    assert_eq!(
        commands.last().map(String::as_str),
        Some("NOOP"),
        "{commands:?}"
    );
    assert!(!commands.iter().any(|c| c == "QUIT"), "{commands:?}");
    // The session is still open and offers QUIT again; unedited, QUIT goes out.
    assert_eq!(next.command, "QUIT");
    assert!(st.next(None).await.is_none());
    let commands = server.commands();
    assert_eq!(
        commands.last().map(String::as_str),
        Some("QUIT"),
        "{commands:?}"
    );
    assert_eq!(commands.iter().filter(|c| *c == "QUIT").count(), 1);
}
