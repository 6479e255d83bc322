//! The TLS side of a session: implicit-TLS and STARTTLS handshakes, the certificate
//! gate before credentials, and finding out what a port really speaks.

use std::time::Duration;

use super::{BoxIo, Machine, StepResult, first_line, seen_reply};
use crate::classify::{Command, Stop};
use crate::model::{Direction, Phase, ProbeEvent, TlsInfo};
use crate::smtp::reply::Limits;
use crate::smtp::session::Session;
use crate::tls::FailureKind;

impl Machine {
    /// TLS handshake on `stream`; records the chain; a failure is the step's stop.
    pub(super) async fn handshake(
        &mut self,
        stream: BoxIo,
        during: Phase,
    ) -> Result<BoxIo, Box<Stop>> {
        let t = self.ctx.settings.timeouts;
        let name = self.server_name();
        let start = self.phase_start(Phase::TlsHandshake).await;
        let limit = self.remaining(t.tls);
        let res = self.ctx.tls.handshake_within(stream, &name, limit).await;
        let timed_out =
            matches!(&res, Err(f) if f.kind == FailureKind::Io(std::io::ErrorKind::TimedOut));
        match res.map_err(|f| (timed_out, f)) {
            Err((true, failure)) => {
                if let Some(info) = failure.info.clone() {
                    self.record_tls(info).await;
                }
                self.phase_end(Phase::TlsHandshake, start, false).await;
                self.note(Direction::Error, "TLS handshake timed out").await;
                Err(Box::new(Stop::NoReply {
                    phase: Phase::TlsHandshake,
                    secs: t.tls.as_secs_f64(),
                    raw: None,
                }))
            }
            Err((false, failure)) => {
                self.phase_end(Phase::TlsHandshake, start, false).await;
                if let Some(info) = failure.info.clone() {
                    self.record_tls(info).await;
                }
                if failure.kind == FailureKind::Plaintext && during == Phase::Connect {
                    let first = first_line(&failure.first_bytes);
                    self.rec_line(Direction::Server, &first).await;
                    let shown = crate::model::escape_bytes(&first);
                    self.note(
                        Direction::Error,
                        "plaintext SMTP where a TLS handshake was expected",
                    )
                    .await;
                    return Err(Box::new(Stop::PlaintextOnTlsPort { first_line: shown }));
                }
                let error = match &failure.kind {
                    FailureKind::Alert(a) => {
                        format!("TLS alert from server: {a} ({})", failure.error)
                    }
                    FailureKind::Plaintext => format!(
                        "server answered the ClientHello with plaintext: `{}`",
                        crate::model::escape_bytes(&first_line(&failure.first_bytes))
                    ),
                    _ => failure.error.clone(),
                };
                self.note(Direction::Error, &format!("TLS handshake failed: {error}"))
                    .await;
                if let Some(sent) = client_cert_trouble(&failure) {
                    return Err(Box::new(Stop::ClientCertRejected { error, sent }));
                }
                let version_mismatch = failure.kind == FailureKind::ProtocolVersion;
                Err(Box::new(Stop::TlsFailed {
                    error,
                    version_mismatch,
                }))
            }
            Ok((tls, info)) => {
                self.phase_end(Phase::TlsHandshake, start, true).await;
                let verified = info.verified;
                self.note(
                    Direction::Info,
                    &format!(
                        "TLS established: {} {} {}",
                        info.version,
                        info.cipher,
                        info.group.as_deref().unwrap_or("")
                    ),
                )
                .await;
                if verified {
                    self.note(
                        Direction::Info,
                        &format!("certificate verified for {}", info.checked_name),
                    )
                    .await;
                } else {
                    let err = info.error.clone().unwrap_or_default();
                    self.note(
                        Direction::Error,
                        &format!("certificate NOT verified: {err}"),
                    )
                    .await;
                }
                self.record_tls(info).await;
                Ok(Box::new(tls))
            }
        }
    }

    pub(super) async fn record_tls(&mut self, info: TlsInfo) {
        self.emit(ProbeEvent::Tls {
            run: self.ctx.run,
            endpoint: self.endpoint.id,
            info: Box::new(info.clone()),
        })
        .await;
        self.tls = Some(info);
    }

    pub(super) fn server_name(&self) -> String {
        self.ctx
            .settings
            .tls
            .server_name
            .clone()
            .unwrap_or_else(|| {
                self.endpoint
                    .host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_string()
            })
    }

    /// No greeting in plaintext: reconnect and try a TLS handshake to find out whether
    /// the port speaks implicit TLS.
    pub(super) async fn detect_implicit_tls(&mut self, waited: Duration) -> Box<Stop> {
        let t = self.ctx.settings.timeouts;
        self.close_session();
        let start = self.phase_start(Phase::Detect).await;
        self.note(
            Direction::Info,
            "reconnecting to try a TLS handshake (does this port want implicit TLS?)",
        )
        .await;
        let found = match self.dial(&mut Vec::new()).await {
            Ok(tcp) => {
                let name = self.server_name();
                match self.ctx.tls.handshake_within(tcp, &name, t.tls).await {
                    Ok((_s, info)) => Some(info),
                    Err(_) => None,
                }
            }
            Err(_) => None,
        };
        self.phase_end(Phase::Detect, start, found.is_some()).await;
        let Some(info) = found else {
            self.note(Direction::Info, "no TLS either: the port stays silent")
                .await;
            return Box::new(Stop::NoReply {
                phase: Phase::Banner,
                secs: waited.as_secs_f64(),
                raw: None,
            });
        };
        let version = info.version.clone();
        self.note(
            Direction::Info,
            &format!("TLS handshake succeeded ({version}): the port speaks implicit TLS"),
        )
        .await;
        self.record_tls(info).await;
        Box::new(Stop::TlsOnPlainPort { version })
    }

    pub(super) async fn starttls(&mut self, command: Option<String>) -> StepResult {
        let offered = self.caps.as_ref().is_some_and(|c| c.starttls);
        if !offered && command.is_none() {
            self.note(Direction::Error, "STARTTLS is not offered").await;
            return Err(Box::new(Stop::StarttlsNotOffered));
        }
        let line = command.unwrap_or_else(|| "STARTTLS".into());
        let reply = self.command(Phase::Starttls, &line).await?;
        // `starttls` is the command's round trip; the handshake is its own phase.
        self.close_phase(reply.code == 220).await;
        if reply.code != 220 {
            let seen = seen_reply(Command::Starttls, &reply);
            return Err(Box::new(Stop::StarttlsRejected(seen)));
        }
        let sess = self
            .session
            .take()
            .ok_or_else(|| Self::rejected(Phase::Starttls, &reply))?;
        let (stream, leftover, rec) = sess.into_parts();
        self.rec = Some(rec);
        if !leftover.is_empty() {
            let shown = crate::model::escape_bytes(&leftover[..leftover.len().min(120)]);
            let detail = format!(
                "the server sent {} byte(s) after its STARTTLS 220 and before the TLS handshake: `{shown}` \
                 (a STARTTLS command-injection risk; aborting)",
                leftover.len()
            );
            self.note(Direction::Error, &detail).await;
            return Err(Box::new(Stop::Protocol {
                phase: Phase::Starttls,
                detail,
            }));
        }
        let tls = self.handshake(stream, Phase::Starttls).await?;
        let rec = self.take_recorder();
        self.session = Some(Session::new(tls, true, rec, Limits::default()));
        // RFC 3207: forget what was learned before TLS (the lines stay observed).
        if let Some(caps) = self.caps.take() {
            self.seen.ehlo_before_tls = caps.raw;
        }
        Ok(())
    }

    /// Whether the certificate check blocks going further (credentials, envelope).
    pub(super) fn cert_blocks(&self) -> Option<Box<Stop>> {
        let tls = self.tls.as_ref()?;
        (!tls.verified && !self.ctx.settings.tls.insecure).then(|| Box::new(Stop::CertRejected))
    }
}

/// `Some(sent)` when a failed handshake is about the client certificate: the server
/// asked for one and then sent an alert that rejects it.
pub(super) fn client_cert_trouble(failure: &crate::tls::HandshakeFailure) -> Option<bool> {
    let info = failure.info.as_ref()?;
    if !info.client_cert_requested {
        return None;
    }
    match &failure.kind {
        FailureKind::Alert(a)
            if matches!(
                a.as_str(),
                "certificate_required"
                    | "bad_certificate"
                    | "unknown_ca"
                    | "access_denied"
                    | "handshake_failure"
                    | "certificate_unknown"
                    | "unsupported_certificate"
            ) =>
        {
            Some(info.client_cert_sent)
        }
        _ => None,
    }
}
