//! The handshake of one endpoint as a sequence of steps. The automatic probe runs the
//! steps back to back; interactive stepping runs them one key press at a time (and lets
//! the user send raw commands in between). Both share this code.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::classify::{Observation, ReplyFacts, classify};
use crate::model::{
    Direction, Endpoint, EndpointReport, Mode, Phase, PhaseTiming, ProbeEvent, TlsInfo, Verdict,
};
use crate::settings::Stage;
use crate::smtp::auth::{authenticate, choose_mech};
use crate::smtp::ehlo::{Capabilities, banner_looks_masked, parse_ehlo};
use crate::smtp::record::Recorder;
use crate::smtp::reply::{Limits, Reply};
use crate::smtp::session::{Session, SmtpError};
use crate::tls::FailureKind;

use super::Ctx;

/// Any byte stream the session can run on (TCP, or TLS over TCP).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + Sync {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync> Io for T {}

/// A boxed stream.
pub type BoxIo = Box<dyn Io>;

/// One step of the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// TCP connect (and, in implicit-TLS mode, the TLS handshake).
    Connect,
    /// Read the greeting.
    Banner,
    /// EHLO before TLS.
    Ehlo,
    /// STARTTLS command and TLS handshake.
    Starttls,
    /// EHLO inside TLS.
    EhloTls,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO (index into the recipients).
    Rcpt(usize),
    /// DATA with a generated message.
    Data,
    /// QUIT.
    Quit,
}

impl Step {
    /// The phase this step is timed as.
    pub fn phase(self) -> Phase {
        match self {
            Step::Connect => Phase::Connect,
            Step::Banner => Phase::Banner,
            Step::Ehlo => Phase::Ehlo,
            Step::Starttls => Phase::Starttls,
            Step::EhloTls => Phase::EhloTls,
            Step::Auth => Phase::Auth,
            Step::Mail => Phase::Mail,
            Step::Rcpt(_) => Phase::Rcpt,
            Step::Data => Phase::Data,
            Step::Quit => Phase::Quit,
        }
    }
}

/// Why a step could not continue: the verdict, already classified.
pub type StepResult = Result<(), Box<Verdict>>;

/// The state of one endpoint's session.
pub struct Machine {
    ctx: Arc<Ctx>,
    /// The endpoint.
    pub endpoint: Endpoint,
    rec: Option<Recorder>,
    session: Option<Session<BoxIo>>,
    deadline: Option<Instant>,
    timings: Vec<PhaseTiming>,
    local_addr: Option<String>,
    banner: Option<String>,
    caps: Option<Capabilities>,
    tls: Option<TlsInfo>,
    notes: Vec<String>,
    done: Vec<Step>,
    /// Whether the user forced past an unverified certificate (stepping only).
    pub quit_sent: bool,
}

impl Machine {
    /// A fresh machine for `endpoint`. `deadline`: the overall deadline (automatic runs).
    pub fn new(ctx: Arc<Ctx>, endpoint: Endpoint, deadline: Option<Instant>) -> Self {
        let rec = Recorder::new(ctx.clock, ctx.run, endpoint.id, ctx.tx.clone());
        Self {
            ctx,
            endpoint,
            rec: Some(rec),
            session: None,
            deadline,
            timings: Vec::new(),
            local_addr: None,
            banner: None,
            caps: None,
            tls: None,
            notes: Vec::new(),
            done: Vec::new(),
            quit_sent: false,
        }
    }

    /// Whether a session is open.
    pub fn connected(&self) -> bool {
        self.session.is_some()
    }

    /// Whether the session is inside TLS.
    pub fn in_tls(&self) -> bool {
        self.session.as_ref().is_some_and(Session::in_tls)
    }

    /// The step that comes next given what has happened and the settings, or None when
    /// the session has reached its goal (`--quit-after`) or ended.
    pub fn next_step(&self) -> Option<Step> {
        let s = &self.ctx.settings;
        let goal = s.effective_quit_after();
        let last = self.done.last().copied();
        let want_tls = match self.endpoint.mode {
            Mode::Starttls => true,
            Mode::Auto => self.caps.as_ref().is_some_and(|c| c.starttls),
            Mode::Plain | Mode::Tls => false,
        };
        let after_ehlo = || -> Option<Step> {
            if goal <= Stage::Ehlo {
                return None;
            }
            if s.auth.is_some() && goal >= Stage::Auth {
                return Some(Step::Auth);
            }
            after_auth(s, goal)
        };
        match last {
            None => Some(Step::Connect),
            Some(Step::Quit) => None,
            Some(Step::Connect) => (goal > Stage::Connect).then_some(Step::Banner),
            Some(Step::Banner) => (goal > Stage::Banner || want_tls_goal(self.endpoint.mode, goal))
                .then_some(Step::Ehlo),
            Some(Step::Ehlo) if want_tls => Some(Step::Starttls),
            Some(Step::Ehlo) => after_ehlo(),
            Some(Step::Starttls) => Some(Step::EhloTls),
            Some(Step::EhloTls) => after_ehlo(),
            Some(Step::Auth) => after_auth(s, goal),
            Some(Step::Mail) => {
                if s.to.is_empty() || goal < Stage::Rcpt {
                    None
                } else {
                    Some(Step::Rcpt(0))
                }
            }
            Some(Step::Rcpt(i)) if i + 1 < s.to.len() => Some(Step::Rcpt(i + 1)),
            Some(Step::Rcpt(_)) => (s.send && goal >= Stage::Data).then_some(Step::Data),
            Some(Step::Data) => None,
        }
    }

    /// The command line a step would send (for the stepping UI; empty for steps that
    /// send no command line).
    pub fn command_for(&self, step: Step) -> String {
        let s = &self.ctx.settings;
        match step {
            Step::Connect | Step::Banner => String::new(),
            Step::Ehlo | Step::EhloTls => format!("EHLO {}", s.ehlo_name),
            Step::Starttls => "STARTTLS".into(),
            Step::Auth => match &s.auth {
                Some(a) => {
                    format!("AUTH {}", self.pick_mech().map_or("?", |m| m.as_str()))
                        + &format!(" (user {})", a.user)
                }
                None => String::new(),
            },
            Step::Mail => format!("MAIL FROM:<{}>", self.sender()),
            Step::Rcpt(i) => format!("RCPT TO:<{}>", s.to.get(i).map_or("", String::as_str)),
            Step::Data => "DATA".into(),
            Step::Quit => "QUIT".into(),
        }
    }

    fn sender(&self) -> String {
        let s = &self.ctx.settings;
        s.from
            .clone()
            .or_else(|| {
                s.auth
                    .as_ref()
                    .filter(|a| a.user.contains('@'))
                    .map(|a| a.user.clone())
            })
            .unwrap_or_default()
    }

    fn pick_mech(&self) -> Option<crate::settings::AuthMech> {
        let forced = self.ctx.settings.auth.as_ref().and_then(|a| a.mech);
        forced.or_else(|| self.caps.as_ref().and_then(|c| choose_mech(&c.auth)))
    }

    fn remaining(&self, phase_timeout: Duration) -> Duration {
        match self.deadline {
            Some(d) => phase_timeout.min(d.saturating_duration_since(Instant::now())),
            None => phase_timeout,
        }
    }

    async fn emit(&self, ev: ProbeEvent) {
        if let Some(tx) = &self.ctx.tx {
            let _ = tx.send(ev).await;
        }
    }

    async fn note(&mut self, dir: Direction, text: &str) {
        if let Some(s) = self.session.as_mut() {
            s.recorder().note(dir, text).await;
        } else if let Some(r) = self.rec.as_mut() {
            r.note(dir, text).await;
        }
    }

    async fn phase_start(&self, phase: Phase) -> f64 {
        let at = self.ctx.clock.ms();
        self.emit(ProbeEvent::PhaseStarted {
            run: self.ctx.run,
            endpoint: self.endpoint.id,
            phase,
            at_ms: at,
        })
        .await;
        at
    }

    async fn phase_end(&mut self, phase: Phase, start_ms: f64, ok: bool) {
        let timing = PhaseTiming {
            phase,
            start_ms,
            dur_ms: self.ctx.clock.ms() - start_ms,
            ok,
        };
        self.timings.push(timing);
        self.emit(ProbeEvent::PhaseDone {
            run: self.ctx.run,
            endpoint: self.endpoint.id,
            timing,
        })
        .await;
    }

    /// Runs one step; `command` replaces the default command line (stepping edits).
    pub async fn step(&mut self, step: Step, command: Option<String>) -> StepResult {
        let phase = step.phase();
        let start = self.phase_start(phase).await;
        let result = match step {
            Step::Connect => self.connect().await,
            Step::Banner => self.read_banner().await,
            Step::Ehlo | Step::EhloTls => self.ehlo(phase, command).await,
            Step::Starttls => self.starttls(command).await,
            Step::Auth => self.auth().await,
            Step::Mail | Step::Rcpt(_) | Step::Data => self.envelope(step, command).await,
            Step::Quit => self.quit().await,
        };
        self.phase_end(phase, start, result.is_ok()).await;
        self.done.push(step);
        result
    }

    async fn connect(&mut self) -> StepResult {
        let t = self.ctx.settings.timeouts;
        let addr = SocketAddr::new(self.endpoint.address, self.endpoint.port);
        self.note(
            Direction::Info,
            &format!(
                "connecting to {} ({})",
                self.endpoint.label(),
                self.endpoint.host
            ),
        )
        .await;
        let tcp =
            match tokio::time::timeout(self.remaining(t.connect), TcpStream::connect(addr)).await {
                Err(_) => {
                    let secs = self
                        .remaining(t.connect)
                        .as_secs_f64()
                        .max(t.connect.as_secs_f64().min(1.0));
                    self.note(
                        Direction::Error,
                        &format!("connect timed out after {:.1} s", t.connect.as_secs_f64()),
                    )
                    .await;
                    return Err(Box::new(classify(&Observation::ConnectTimeout {
                        secs: secs.max(t.connect.as_secs_f64()),
                    })));
                }
                Ok(Err(e)) => {
                    let text = e.to_string();
                    self.note(Direction::Error, &format!("connect failed: {text}"))
                        .await;
                    return Err(Box::new(classify(&Observation::ConnectFailed {
                        kind: e.kind(),
                        error: &text,
                    })));
                }
                Ok(Ok(s)) => s,
            };
        let _ = tcp.set_nodelay(true);
        self.local_addr = tcp.local_addr().ok().map(|a| a.to_string());
        let local = self.local_addr.clone().unwrap_or_default();
        self.note(Direction::Info, &format!("connected from {local}"))
            .await;
        let stream: BoxIo = if self.endpoint.mode == Mode::Tls {
            match self.handshake(Box::new(tcp), Phase::Connect).await {
                Ok(s) => s,
                Err(v) => return Err(v),
            }
        } else {
            Box::new(tcp)
        };
        let in_tls = self.endpoint.mode == Mode::Tls;
        let rec = self.take_recorder();
        self.session = Some(Session::new(stream, in_tls, rec, Limits::default()));
        Ok(())
    }

    /// Drops the connection but keeps its recorder (and so the transcript).
    fn close_session(&mut self) {
        if let Some(s) = self.session.take() {
            let (_, _, rec) = s.into_parts();
            self.rec = Some(rec);
        }
    }

    fn take_recorder(&mut self) -> Recorder {
        self.rec.take().unwrap_or_else(|| {
            Recorder::new(
                self.ctx.clock,
                self.ctx.run,
                self.endpoint.id,
                self.ctx.tx.clone(),
            )
        })
    }

    /// TLS handshake on `stream`; records the chain; classifies failures.
    async fn handshake(&mut self, stream: BoxIo, during: Phase) -> Result<BoxIo, Box<Verdict>> {
        let t = self.ctx.settings.timeouts;
        let name = self.server_name();
        let start = self.phase_start(Phase::TlsHandshake).await;
        let fut = self.ctx.tls.handshake(stream, &name);
        let res = tokio::time::timeout(self.remaining(t.tls), fut).await;
        match res {
            Err(_) => {
                self.phase_end(Phase::TlsHandshake, start, false).await;
                self.note(Direction::Error, "TLS handshake timed out").await;
                Err(Box::new(classify(&Observation::NoReply {
                    phase: Phase::TlsHandshake,
                    secs: t.tls.as_secs_f64(),
                })))
            }
            Ok(Err(failure)) => {
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
                    return Err(Box::new(classify(&Observation::PlaintextOnTlsPort {
                        first_line: &shown,
                    })));
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
                let version_mismatch = failure.kind == FailureKind::ProtocolVersion;
                Err(Box::new(classify(&Observation::TlsFailed {
                    error: &error,
                    version_mismatch,
                })))
            }
            Ok(Ok((tls, info))) => {
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

    async fn rec_line(&mut self, dir: Direction, raw: &[u8]) {
        if let Some(s) = self.session.as_mut() {
            s.recorder().line(dir, raw).await;
        } else if let Some(r) = self.rec.as_mut() {
            r.line(dir, raw).await;
        }
    }

    async fn record_tls(&mut self, info: TlsInfo) {
        self.emit(ProbeEvent::Tls {
            run: self.ctx.run,
            endpoint: self.endpoint.id,
            info: Box::new(info.clone()),
        })
        .await;
        self.tls = Some(info);
    }

    fn server_name(&self) -> String {
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

    fn session(&mut self) -> Result<&mut Session<BoxIo>, Box<Verdict>> {
        self.session.as_mut().ok_or_else(|| {
            Box::new(classify(&Observation::Closed {
                phase: Phase::Quit,
                error: "the session is closed",
            }))
        })
    }

    async fn read_banner(&mut self) -> StepResult {
        let t = self.ctx.settings.timeouts;
        let wait = self.remaining(t.banner);
        let sess = self.session()?;
        match tokio::time::timeout(wait, sess.read_reply()).await {
            Err(_) => {
                self.note(
                    Direction::Error,
                    &format!("no greeting within {:.1} s", wait.as_secs_f64()),
                )
                .await;
                if matches!(
                    self.endpoint.mode,
                    Mode::Plain | Mode::Starttls | Mode::Auto
                ) {
                    return Err(self.detect_implicit_tls(wait).await);
                }
                Err(Box::new(classify(&Observation::NoReply {
                    phase: Phase::Banner,
                    secs: wait.as_secs_f64(),
                })))
            }
            Ok(Err(e)) => Err(self.smtp_error(Phase::Banner, &e).await),
            Ok(Ok(reply)) => {
                self.banner = Some(reply.lines.join(" / "));
                self.note_lf_only(&reply).await;
                if reply.code != 220 {
                    let (text, ev) = facts_text(&reply);
                    return Err(Box::new(classify(&Observation::Greeting(facts(
                        &reply, &text, &ev,
                    )))));
                }
                if banner_looks_masked(&reply) {
                    self.notes
                        .push("the greeting is masked by a middlebox (asterisks)".into());
                    self.note(
                        Direction::Info,
                        "the greeting looks masked by a middlebox (asterisks)",
                    )
                    .await;
                }
                Ok(())
            }
        }
    }

    /// No greeting in plaintext: reconnect and try a TLS handshake to find out whether
    /// the port speaks implicit TLS.
    async fn detect_implicit_tls(&mut self, waited: Duration) -> Box<Verdict> {
        let t = self.ctx.settings.timeouts;
        self.close_session();
        let start = self.phase_start(Phase::Detect).await;
        self.note(
            Direction::Info,
            "reconnecting to try a TLS handshake (does this port want implicit TLS?)",
        )
        .await;
        let addr = SocketAddr::new(self.endpoint.address, self.endpoint.port);
        let found = match tokio::time::timeout(t.connect, TcpStream::connect(addr)).await {
            Ok(Ok(tcp)) => {
                let name = self.server_name();
                match tokio::time::timeout(t.tls, self.ctx.tls.handshake(tcp, &name)).await {
                    Ok(Ok((_s, info))) => Some(info),
                    _ => None,
                }
            }
            _ => None,
        };
        self.phase_end(Phase::Detect, start, found.is_some()).await;
        match found {
            Some(info) => {
                let version = info.version.clone();
                self.note(
                    Direction::Info,
                    &format!("TLS handshake succeeded ({version}): the port speaks implicit TLS"),
                )
                .await;
                self.record_tls(info).await;
                Box::new(classify(&Observation::TlsOnPlainPort { version: &version }))
            }
            None => {
                self.note(Direction::Info, "no TLS either: the port stays silent")
                    .await;
                Box::new(classify(&Observation::NoReply {
                    phase: Phase::Banner,
                    secs: waited.as_secs_f64(),
                }))
            }
        }
    }

    async fn note_lf_only(&mut self, reply: &Reply) {
        if reply.lf_only && !self.notes.iter().any(|n| n.contains("bare LF")) {
            self.notes
                .push("the server ends lines with bare LF (tolerated)".into());
            self.note(
                Direction::Info,
                "the server ends lines with bare LF instead of CRLF (tolerated)",
            )
            .await;
        }
    }

    async fn smtp_error(&mut self, phase: Phase, e: &SmtpError) -> Box<Verdict> {
        let text = e.to_string();
        self.note(Direction::Error, &text).await;
        self.close_session();
        match e {
            SmtpError::Closed { .. } => Box::new(classify(&Observation::Closed {
                phase,
                error: &text,
            })),
            SmtpError::Io(io)
                if matches!(
                    io.kind(),
                    ErrorKind::ConnectionReset
                        | ErrorKind::ConnectionAborted
                        | ErrorKind::BrokenPipe
                        | ErrorKind::UnexpectedEof
                ) =>
            {
                Box::new(classify(&Observation::Closed {
                    phase,
                    error: &text,
                }))
            }
            SmtpError::Io(_) => Box::new(classify(&Observation::Closed {
                phase,
                error: &text,
            })),
            SmtpError::Reply(_) => Box::new(classify(&Observation::Protocol {
                phase,
                detail: &text,
            })),
        }
    }

    /// Sends a command and reads its reply within the command timeout.
    async fn command(&mut self, phase: Phase, line: &str) -> Result<Reply, Box<Verdict>> {
        let wait = self.remaining(self.ctx.settings.timeouts.command);
        let sess = self.session()?;
        match tokio::time::timeout(wait, sess.command(line)).await {
            Err(_) => {
                self.note(
                    Direction::Error,
                    &format!("no reply within {:.1} s", wait.as_secs_f64()),
                )
                .await;
                self.close_session();
                Err(Box::new(classify(&Observation::NoReply {
                    phase,
                    secs: wait.as_secs_f64(),
                })))
            }
            Ok(Err(e)) => Err(self.smtp_error(phase, &e).await),
            Ok(Ok(reply)) => {
                self.note_lf_only(&reply).await;
                Ok(reply)
            }
        }
    }

    async fn ehlo(&mut self, phase: Phase, command: Option<String>) -> StepResult {
        let line = command.unwrap_or_else(|| format!("EHLO {}", self.ctx.settings.ehlo_name));
        let mut reply = self.command(phase, &line).await?;
        if reply.severity() == 5 && line.to_ascii_uppercase().starts_with("EHLO") {
            self.note(Direction::Info, "EHLO refused; falling back to HELO")
                .await;
            reply = self
                .command(phase, &format!("HELO {}", self.ctx.settings.ehlo_name))
                .await?;
        }
        if !reply.is_positive() {
            return Err(rejected(phase, &reply));
        }
        self.caps = Some(parse_ehlo(&reply));
        Ok(())
    }

    async fn starttls(&mut self, command: Option<String>) -> StepResult {
        let caps = self.caps.clone().unwrap_or_default();
        if !caps.starttls && command.is_none() {
            let masked = caps.masked.first().cloned().or_else(|| {
                self.notes
                    .iter()
                    .any(|n| n.contains("masked"))
                    .then(|| "a masked greeting".to_string())
            });
            let ehlo = caps.raw.join(" / ");
            self.note(Direction::Error, "STARTTLS is not offered").await;
            return Err(Box::new(classify(&Observation::StarttlsNotOffered {
                masked: masked.as_deref(),
                ehlo: &ehlo,
            })));
        }
        let line = command.unwrap_or_else(|| "STARTTLS".into());
        let reply = self.command(Phase::Starttls, &line).await?;
        if reply.code != 220 {
            let (text, ev) = facts_text(&reply);
            return Err(Box::new(classify(&Observation::StarttlsRejected(facts(
                &reply, &text, &ev,
            )))));
        }
        let sess = self
            .session
            .take()
            .ok_or_else(|| rejected(Phase::Starttls, &reply))?;
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
            return Err(Box::new(classify(&Observation::Protocol {
                phase: Phase::Starttls,
                detail: &detail,
            })));
        }
        let tls = self.handshake(stream, Phase::Starttls).await?;
        let rec = self.take_recorder();
        self.session = Some(Session::new(tls, true, rec, Limits::default()));
        // RFC 3207: forget what was learned before TLS.
        self.caps = None;
        Ok(())
    }

    /// Whether the certificate check blocks going further (credentials, envelope).
    fn cert_blocks(&self) -> Option<Box<Verdict>> {
        let tls = self.tls.as_ref()?;
        (!tls.verified && !self.ctx.settings.tls.insecure)
            .then(|| Box::new(classify(&Observation::CertRejected(tls))))
    }

    async fn auth(&mut self) -> StepResult {
        let Some(auth) = self.ctx.settings.auth.clone() else {
            return Ok(());
        };
        if let Some(v) = self.cert_blocks() {
            self.note(Direction::Error, "not sending credentials: the certificate did not verify (use --insecure to override)")
                .await;
            return Err(v);
        }
        let in_tls = self.in_tls();
        let caps = self.caps.clone().unwrap_or_default();
        if !in_tls && !self.ctx.settings.allow_plaintext_auth {
            let detail = "smtptui does not send credentials over an unencrypted connection \
                          (use STARTTLS/TLS, or --allow-plaintext-auth)";
            self.note(Direction::Error, detail).await;
            return Err(Box::new(classify(&Observation::AuthNeedsTls { detail })));
        }
        let Some(mech) = self.pick_mech() else {
            let offered = if caps.auth.is_empty() {
                "none".to_string()
            } else {
                caps.auth.join(" ")
            };
            if !in_tls && caps.starttls {
                let detail = format!("AUTH is not offered before STARTTLS (offered: {offered})");
                return Err(Box::new(classify(&Observation::AuthNeedsTls {
                    detail: &detail,
                })));
            }
            return Err(Box::new(classify(&Observation::AuthNotOffered {
                in_tls,
                offered: &offered,
            })));
        };
        let wait = self.remaining(self.ctx.settings.timeouts.command * 2);
        let sess = self.session()?;
        let res =
            tokio::time::timeout(wait, authenticate(sess, mech, &auth.user, &auth.secret)).await;
        match res {
            Err(_) => {
                self.close_session();
                Err(Box::new(classify(&Observation::NoReply {
                    phase: Phase::Auth,
                    secs: wait.as_secs_f64(),
                })))
            }
            Ok(Err(e)) => Err(self.smtp_error(Phase::Auth, &e).await),
            Ok(Ok(reply)) if reply.code == 235 => {
                self.note(
                    Direction::Info,
                    &format!("authenticated as {} with {}", auth.user, mech.as_str()),
                )
                .await;
                Ok(())
            }
            Ok(Ok(reply)) => Err(rejected(Phase::Auth, &reply)),
        }
    }

    async fn envelope(&mut self, step: Step, command: Option<String>) -> StepResult {
        if let Some(v) = self.cert_blocks() {
            return Err(v);
        }
        let phase = step.phase();
        let line = command.unwrap_or_else(|| self.command_for(step));
        let reply = self.command(phase, &line).await?;
        if step != Step::Data {
            return if reply.is_positive() {
                Ok(())
            } else {
                Err(rejected(phase, &reply))
            };
        }
        if reply.code != 354 {
            return Err(rejected(phase, &reply));
        }
        let body = test_message(
            &self.sender(),
            &self.ctx.settings.to,
            &self.ctx.settings.ehlo_name,
        );
        let wait = self.remaining(self.ctx.settings.timeouts.command * 2);
        let sess = self.session()?;
        match tokio::time::timeout(wait, sess.send_message(&body)).await {
            Err(_) => Err(Box::new(classify(&Observation::NoReply {
                phase,
                secs: wait.as_secs_f64(),
            }))),
            Ok(Err(e)) => Err(self.smtp_error(phase, &e).await),
            Ok(Ok(r)) if r.is_positive() => Ok(()),
            Ok(Ok(r)) => Err(rejected(phase, &r)),
        }
    }

    async fn quit(&mut self) -> StepResult {
        if self.session.is_some() && !self.quit_sent {
            self.quit_sent = true;
            let wait = self
                .remaining(self.ctx.settings.timeouts.command)
                .min(Duration::from_secs(5));
            if let Some(sess) = self.session.as_mut() {
                let _ = tokio::time::timeout(wait, sess.command("QUIT")).await;
            }
        }
        self.close_session();
        Ok(())
    }

    /// Sends a raw command on the live session (stepping's `:` prompt).
    pub async fn raw(&mut self, line: &str) -> Result<Reply, Box<Verdict>> {
        let upper = line.trim().to_ascii_uppercase();
        let phase = if upper.starts_with("QUIT") {
            Phase::Quit
        } else {
            Phase::Ehlo
        };
        let start = self.phase_start(phase).await;
        let r = self.command(phase, line).await;
        self.phase_end(phase, start, r.as_ref().is_ok_and(|r| r.severity() < 4))
            .await;
        if upper.starts_with("QUIT") {
            self.close_session();
            self.done.push(Step::Quit);
        }
        r
    }

    /// The verdict for a session that reached its goal.
    pub fn success_verdict(&self) -> Verdict {
        if let Some(v) = self.cert_blocks() {
            return *v;
        }
        if let Some(tls) = self.tls.as_ref().filter(|t| !t.verified) {
            // --insecure: went on, but never call an unverified session ok.
            let mut v = classify(&Observation::CertRejected(tls));
            v.summary.push_str(" (continued with --insecure)");
            return v;
        }
        let last = self
            .done
            .iter()
            .rev()
            .find(|s| **s != Step::Quit)
            .map_or(Phase::Connect, |s| s.phase());
        let note = (self.endpoint.mode == Mode::Auto && self.tls.is_none())
            .then_some("auto mode: STARTTLS not offered, stayed in plaintext");
        classify(&Observation::Completed {
            last,
            tls: self.tls.as_ref(),
            note,
        })
    }

    /// Closes politely (QUIT when healthy) and builds the report.
    pub async fn finish(mut self, verdict: Verdict) -> EndpointReport {
        if self.session.is_some() && !self.quit_sent {
            let start = self.phase_start(Phase::Quit).await;
            let _ = self.quit().await;
            self.phase_end(Phase::Quit, start, true).await;
        }
        let color = if verdict.class.is_ok() {
            Direction::Info
        } else {
            Direction::Error
        };
        self.note(
            color,
            &format!("verdict: {} - {}", verdict.class, verdict.summary),
        )
        .await;
        let mut rec = match self.session.take() {
            Some(s) => s.into_parts().2,
            None => self.take_recorder(),
        };
        let caps = self.caps.clone().unwrap_or_default();
        EndpointReport {
            endpoint: self.endpoint.clone(),
            verdict,
            timings: std::mem::take(&mut self.timings),
            local_addr: self.local_addr.take(),
            banner: self.banner.take(),
            ehlo: caps.raw.clone(),
            capabilities: caps.keywords.clone(),
            auth_mechanisms: caps.auth.clone(),
            tls: self.tls.take(),
            transcript: rec.take_entries(),
        }
    }
}

fn after_auth(s: &crate::settings::Settings, goal: Stage) -> Option<Step> {
    (goal >= Stage::Mail && (s.from.is_some() || !s.to.is_empty())).then_some(Step::Mail)
}

/// With `--quit-after banner` in STARTTLS mode there is nothing to do after the banner.
fn want_tls_goal(_mode: Mode, _goal: Stage) -> bool {
    false
}

fn first_line(bytes: &[u8]) -> Vec<u8> {
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len())
        .min(200);
    let mut line = bytes[..end].to_vec();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    line
}

fn facts_text(reply: &Reply) -> (String, String) {
    (reply.text_lines().join(" "), reply.summary())
}

fn facts<'a>(reply: &Reply, text: &'a str, evidence: &'a str) -> ReplyFacts<'a> {
    ReplyFacts {
        code: reply.code,
        enhanced: enhanced_str(reply),
        text,
        evidence,
    }
}

fn enhanced_str(reply: &Reply) -> Option<&'static str> {
    // Only the codes classification looks at need to be recognised here.
    let e = reply.enhanced?;
    match (e.class, e.subject, e.detail) {
        (5, 7, 1) => Some("5.7.1"),
        (5, 7, 9) => Some("5.7.9"),
        (5, 7, 8) => Some("5.7.8"),
        (5, 7, 139) => Some("5.7.139"),
        (4, 7, 0) => Some("4.7.0"),
        (4, 7, 28) => Some("4.7.28"),
        _ => None,
    }
}

fn rejected(phase: Phase, reply: &Reply) -> Box<Verdict> {
    let (text, ev) = facts_text(reply);
    let enhanced = reply.enhanced.map(|e| e.to_string());
    let f = ReplyFacts {
        code: reply.code,
        enhanced: enhanced.as_deref(),
        text: &text,
        evidence: &ev,
    };
    Box::new(classify(&Observation::Rejected { phase, reply: f }))
}

/// The small test message `--send` delivers.
pub fn test_message(from: &str, to: &[String], host: &str) -> String {
    let date = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default();
    format!(
        "From: <{from}>\r\nTo: {}\r\nSubject: smtptui test message\r\nDate: {date}\r\n\
         Message-ID: <smtptui.{}@{host}>\r\nX-Mailer: smtptui {}\r\n\r\n\
         This is a test message sent by smtptui to check mail submission.\r\n",
        to.iter()
            .map(|t| format!("<{t}>"))
            .collect::<Vec<_>>()
            .join(", "),
        std::process::id(),
        env!("CARGO_PKG_VERSION"),
    )
}
