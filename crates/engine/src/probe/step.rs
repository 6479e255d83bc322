//! Interactive stepping: one endpoint's handshake run one step at a time on command,
//! with raw commands on the live session in between (telnet / `openssl s_client` with
//! TLS, timestamps and verdicts). The session lives in its own task; the UI talks to it
//! over a channel and hears back through the usual [`ProbeEvent`]s plus
//! [`ProbeEvent::StepReady`].

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::classify::Stop;
use crate::model::transcript::RunClock;
use crate::model::{Endpoint, NextStep, ProbeEvent, RunId};
use crate::settings::Settings;
use crate::tls::TlsClient;

use super::Ctx;
use super::machine::{Machine, Step};

/// What the user asks the stepping session to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepCommand {
    /// Run the next step; `command` replaces its command line when the user edited it.
    Next {
        /// The edited command line, if any.
        command: Option<String>,
    },
    /// Send a raw command line on the live session.
    Raw(String),
    /// End the session (QUIT when healthy).
    Close,
}

/// Starts a stepping session for `endpoint`; events go to `events` tagged with `run`
/// (the session's own id, so its record stays apart from the probe's), timed by `clock`
/// (the probe run's, so times continue).
pub fn spawn(
    settings: Arc<Settings>,
    endpoint: Endpoint,
    run: RunId,
    clock: RunClock,
    events: mpsc::Sender<ProbeEvent>,
) -> mpsc::Sender<StepCommand> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(session(settings, endpoint, run, clock, events, rx));
    tx
}

fn describe(m: &Machine, step: Step) -> NextStep {
    let (label, editable) = match step {
        Step::Connect => ("connect (TCP, then TLS for implicit-TLS ports)", false),
        Step::Banner => ("read the greeting", false),
        Step::Ehlo => ("send EHLO", true),
        Step::Starttls => ("send STARTTLS, then the TLS handshake", false),
        Step::EhloTls => ("send EHLO inside TLS", true),
        Step::Auth => ("authenticate (the password is never shown)", false),
        Step::Mail => ("send MAIL FROM", true),
        Step::Rcpt(_) => ("send RCPT TO", true),
        Step::Data => ("send DATA and a test message", false),
        Step::RelayTest => (
            "open-relay test: MAIL/RCPT to documentation domains, then RSET",
            false,
        ),
        Step::DataEnd => (
            "DATA mode: `:` sends message text; Enter ends the message with a lone `.`",
            false,
        ),
        Step::Quit => ("send QUIT", true),
    };
    NextStep {
        phase: step.phase(),
        label: label.into(),
        command: m.command_for(step),
        editable,
    }
}

async fn session(
    settings: Arc<Settings>,
    endpoint: Endpoint,
    run: RunId,
    clock: RunClock,
    events: mpsc::Sender<ProbeEvent>,
    mut rx: mpsc::Receiver<StepCommand>,
) {
    let id = endpoint.id;
    let tls = match TlsClient::new(&settings.tls) {
        Ok(t) => t,
        Err(e) => {
            let verdict = crate::classify::tls_setup_failed(&e.to_string());
            let _ = events
                .send(ProbeEvent::StepReady {
                    run,
                    endpoint: id,
                    next: None,
                    in_tls: false,
                    verdict,
                })
                .await;
            return;
        }
    };
    let preset = settings.preset.clone();
    let ctx = Arc::new(Ctx {
        settings,
        tls,
        clock,
        run,
        tx: Some(events.clone()),
    });
    let mut m = Machine::new(ctx, endpoint, None);
    let mut verdict = m.verdict(None);
    // The last failure: after it only QUIT is proposed, and the verdict stays its own.
    let mut failure: Option<Stop> = None;
    loop {
        let next = if m.data_mode() {
            Some(Step::DataEnd)
        } else if failure.is_some() {
            m.connected().then_some(Step::Quit)
        } else {
            m.next_step()
                .or_else(|| m.connected().then_some(Step::Quit))
        };
        if let Some(hints) = &preset {
            crate::presets::hint_verdict(hints, &mut verdict);
        }
        let ready = ProbeEvent::StepReady {
            run,
            endpoint: id,
            next: next.map(|s| describe(&m, s)),
            in_tls: m.in_tls(),
            verdict: verdict.clone(),
        };
        if events.send(ready).await.is_err() {
            break;
        }
        match rx.recv().await {
            None | Some(StepCommand::Close) => break,
            Some(StepCommand::Next { command }) => {
                let Some(step) = next else { continue };
                match m.step(step, command).await {
                    Ok(()) if failure.is_none() => verdict = m.verdict(None),
                    Ok(()) => {}
                    Err(s) => {
                        verdict = m.verdict(Some(&s));
                        failure = Some(*s);
                    }
                }
            }
            Some(StepCommand::Raw(line)) => {
                if m.connected()
                    && let Err(s) = m.raw(&line).await
                {
                    verdict = m.verdict(Some(&s));
                    failure = Some(*s);
                }
            }
        }
    }
    let report = m.finish(failure).await;
    let _ = events
        .send(ProbeEvent::EndpointDone {
            run,
            report: Box::new(report),
        })
        .await;
}
