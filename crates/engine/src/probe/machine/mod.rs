//! The handshake of one endpoint as a sequence of steps. The automatic probe runs the
//! steps back to back; interactive stepping runs them one key press at a time (and lets
//! the user send raw commands in between). Both share this code.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::classify::{Setup, Stop, conclude};
use crate::model::{
    Direction, Endpoint, EndpointReport, Mode, Phase, PhaseTiming, ProbeEvent, TlsInfo,
};
use crate::settings::Stage;
use crate::smtp::auth::choose_mech;
use crate::smtp::ehlo::{Capabilities, parse_ehlo};
use crate::smtp::record::Recorder;
use crate::smtp::reply::{Limits, Reply};
use crate::smtp::session::{Session, SmtpError};
mod connect;
mod facts;
mod mail;
mod secure;
mod verdicts;

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
    /// `--relay-test`: unauthenticated MAIL/RCPT to documentation domains, then RSET.
    RelayTest,
    /// Stepping's DATA mode (after a raw `DATA` got 354): end the message with a lone
    /// `.` and read the reply.
    DataEnd,
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
            Step::Rcpt(_) | Step::RelayTest => Phase::Rcpt,
            Step::Data | Step::DataEnd => Phase::Data,
            Step::Quit => Phase::Quit,
        }
    }
}

/// The verb of a command line, upper case (`mail from:<a>` → `MAIL`).
pub(super) fn verb_of(line: &str) -> String {
    line.split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// Why a step could not continue: what it saw, classified at the end.
pub type StepResult = Result<(), Box<Stop>>;

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
    /// The AUTH mechanism that succeeded.
    auth_used: Option<String>,
    done: Vec<Step>,
    /// The phase of the last step run (not QUIT or the relay test), as of that step.
    reached: Option<Phase>,
    /// Whether QUIT has been sent (it is sent at most once).
    pub quit_sent: bool,
    authenticated: bool,
    /// What the session saw that its protocol state does not keep.
    seen: Seen,
    /// Stepping: a raw `DATA` got 354, so raw lines are message text until a lone `.`.
    data_mode: bool,
    /// The step's phase while it is being timed; a step that goes on into another
    /// phase (connect → TLS handshake, STARTTLS → handshake, greeting → detection)
    /// closes it first, so no two phases overlap.
    open_phase: Option<(Phase, f64)>,
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
            auth_used: None,
            done: Vec::new(),
            reached: None,
            quit_sent: false,
            authenticated: false,
            seen: Seen::default(),
            data_mode: false,
            open_phase: None,
        }
    }

    /// Whether a session is open.
    pub fn connected(&self) -> bool {
        self.session.is_some()
    }

    /// Whether the session is in stepping's DATA mode (raw lines are message text).
    pub fn data_mode(&self) -> bool {
        self.data_mode && self.session.is_some()
    }

    /// Whether the session is inside TLS.
    pub fn in_tls(&self) -> bool {
        self.session.as_ref().is_some_and(Session::in_tls)
    }

    /// The step that comes next given what has happened and the settings, or None when
    /// the session has reached its goal (`--quit-after`) or ended.
    pub fn next_step(&self) -> Option<Step> {
        self.next_main_step().or_else(|| {
            let s = &self.ctx.settings;
            (s.opt_in.relay_test
                && self.connected()
                && self.caps.is_some()
                && !self.done.contains(&Step::RelayTest)
                && !self.done.contains(&Step::Data))
            .then_some(Step::RelayTest)
        })
    }

    /// The name this session sends in EHLO/HELO.
    pub fn ehlo_name(&self) -> String {
        let local = self.local_addr.as_deref().and_then(|a| a.parse().ok());
        crate::settings::ehlo_name_for(&self.ctx.settings.ehlo_name, local)
    }

    fn next_main_step(&self) -> Option<Step> {
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
            Some(Step::Connect) => (goal > Stage::Connect).then_some(Step::Banner),
            Some(Step::Banner) => (goal > Stage::Banner).then_some(Step::Ehlo),
            Some(Step::Ehlo) if want_tls => Some(Step::Starttls),
            Some(Step::Starttls) => Some(Step::EhloTls),
            Some(Step::Ehlo | Step::EhloTls) => after_ehlo(),
            Some(Step::Auth) => after_auth(s, goal),
            Some(Step::Mail) => {
                if s.to.is_empty() || goal < Stage::Rcpt {
                    None
                } else {
                    Some(Step::Rcpt(0))
                }
            }
            Some(Step::Rcpt(i)) if i + 1 < s.to.len() => Some(Step::Rcpt(i + 1)),
            Some(Step::Rcpt(_)) => (s.opt_in.send && goal >= Stage::Data).then_some(Step::Data),
            Some(Step::Quit | Step::Data | Step::RelayTest | Step::DataEnd) => None,
        }
    }

    /// The command line a step would send (for the stepping UI; empty for steps that
    /// send no command line).
    pub fn command_for(&self, step: Step) -> String {
        let s = &self.ctx.settings;
        match step {
            Step::Connect | Step::Banner => String::new(),
            Step::Ehlo | Step::EhloTls => format!("EHLO {}", self.ehlo_name()),
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
            Step::RelayTest => {
                format!("MAIL FROM:<{RELAY_TEST_FROM}> / RCPT TO:<{RELAY_TEST_TO}> / RSET")
            }
            Step::DataEnd => ".".into(),
            Step::Quit => "QUIT".into(),
        }
    }

    pub(super) fn sender(&self) -> String {
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

    pub(super) fn pick_mech(&self) -> Option<crate::settings::AuthMech> {
        let forced = self.ctx.settings.auth.as_ref().and_then(|a| a.mech);
        forced.or_else(|| self.caps.as_ref().and_then(|c| choose_mech(&c.auth)))
    }

    pub(super) fn remaining(&self, phase_timeout: Duration) -> Duration {
        match self.deadline {
            Some(d) => phase_timeout.min(d.saturating_duration_since(Instant::now())),
            None => phase_timeout,
        }
    }

    pub(super) async fn emit(&self, ev: ProbeEvent) {
        if let Some(tx) = &self.ctx.tx {
            let _ = tx.send(ev).await;
        }
    }

    pub(super) async fn note(&mut self, dir: Direction, text: &str) {
        if let Some(s) = self.session.as_mut() {
            s.recorder().note(dir, text).await;
        } else if let Some(r) = self.rec.as_mut() {
            r.note(dir, text).await;
        }
    }

    pub(super) async fn phase_start(&self, phase: Phase) -> f64 {
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

    pub(super) async fn phase_end(&mut self, phase: Phase, start_ms: f64, ok: bool) {
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
        // An edited last step (QUIT → NOOP) sends what the screen shows: the edited line
        // goes out as a raw command and the session stays open.
        if step == Step::Quit
            && let Some(line) = command.as_deref().filter(|c| verb_of(c) != "QUIT")
        {
            return self.raw(line).await.map(drop);
        }
        let phase = step.phase();
        self.open_phase = Some((phase, self.phase_start(phase).await));
        let result = match step {
            Step::Connect => self.connect().await,
            Step::Banner => self.read_banner().await,
            Step::Ehlo | Step::EhloTls => self.ehlo(phase, command).await,
            Step::Starttls => self.starttls(command).await,
            Step::Auth => self.auth().await,
            Step::Mail | Step::Rcpt(_) | Step::Data => self.envelope(step, command).await,
            Step::RelayTest => self.relay_test().await,
            Step::DataEnd => self.data_end().await,
            Step::Quit => self.quit().await,
        };
        self.close_phase(result.is_ok()).await;
        self.done.push(step);
        self.reached = self
            .done
            .iter()
            .rev()
            .find(|s| !matches!(s, Step::Quit | Step::RelayTest))
            .map(|s| s.phase());
        result
    }

    /// Ends the step's phase now (before a nested phase starts); a no-op when it has
    /// been ended already.
    pub(super) async fn close_phase(&mut self, ok: bool) {
        if let Some((phase, start)) = self.open_phase.take() {
            self.phase_end(phase, start, ok).await;
        }
    }

    pub(super) async fn connect(&mut self) -> StepResult {
        self.note(
            Direction::Info,
            &format!(
                "connecting to {} ({})",
                self.endpoint.label(),
                self.endpoint.host
            ),
        )
        .await;
        let tcp = self.open_tcp().await?;
        // `connect` is the TCP connect only; an implicit-TLS handshake is its own phase.
        self.close_phase(true).await;
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
    pub(super) fn close_session(&mut self) {
        if let Some(s) = self.session.take() {
            let (_, _, rec) = s.into_parts();
            self.rec = Some(rec);
        }
    }

    pub(super) fn take_recorder(&mut self) -> Recorder {
        self.rec.take().unwrap_or_else(|| {
            Recorder::new(
                self.ctx.clock,
                self.ctx.run,
                self.endpoint.id,
                self.ctx.tx.clone(),
            )
        })
    }

    pub(super) async fn rec_line(&mut self, dir: Direction, raw: &[u8]) {
        if let Some(s) = self.session.as_mut() {
            s.recorder().line(dir, raw).await;
        } else if let Some(r) = self.rec.as_mut() {
            r.line(dir, raw).await;
        }
    }

    pub(super) fn session(&mut self) -> Result<&mut Session<BoxIo>, Box<Stop>> {
        self.session.as_mut().ok_or_else(|| {
            Box::new(Stop::Closed {
                phase: Phase::Quit,
                error: "the session is closed".into(),
            })
        })
    }

    pub(super) async fn note_lf_only(&mut self, reply: &Reply) {
        if reply.lf_only && !self.seen.lf_only {
            self.seen.lf_only = true;
            self.note(
                Direction::Info,
                "the server ends lines with bare LF instead of CRLF (tolerated)",
            )
            .await;
        }
    }

    pub(super) async fn smtp_error(&mut self, phase: Phase, e: &SmtpError) -> Box<Stop> {
        let text = e.to_string();
        self.note(Direction::Error, &text).await;
        self.close_session();
        // TLS 1.3: a server that rejects the client certificate says so in an alert
        // on the first read after the handshake.
        let requested = self.tls.as_ref().filter(|t| t.client_cert_requested);
        if let (SmtpError::Io(io), Some(tls)) = (e, requested)
            && let (crate::tls::FailureKind::Alert(alert), detail) =
                crate::tls::classify_io_error(io)
        {
            let error = format!("TLS alert from server after the handshake: {alert} ({detail})");
            let sent = tls.client_cert_sent;
            return Box::new(Stop::ClientCertRejected { error, sent });
        }
        Box::new(match e {
            SmtpError::Closed { .. } | SmtpError::Io(_) => Stop::Closed { phase, error: text },
            SmtpError::Reply(_) => Stop::Protocol {
                phase,
                detail: text,
            },
        })
    }

    /// Sends a command and reads its reply within the command timeout.
    pub(super) async fn command(&mut self, phase: Phase, line: &str) -> Result<Reply, Box<Stop>> {
        self.exchange(phase, line, None).await
    }

    pub(super) async fn ehlo(&mut self, phase: Phase, command: Option<String>) -> StepResult {
        let name = self.ehlo_name();
        let line = command.unwrap_or_else(|| format!("EHLO {name}"));
        let mut reply = self.command(phase, &line).await?;
        if reply.severity() == 5 && line.to_ascii_uppercase().starts_with("EHLO") {
            self.note(Direction::Info, "EHLO refused; falling back to HELO")
                .await;
            reply = self.command(phase, &format!("HELO {name}")).await?;
        }
        if !reply.is_positive() {
            return Err(Self::rejected(phase, &reply));
        }
        let caps = parse_ehlo(&reply);
        if !self.in_tls() && !caps.auth.is_empty() {
            self.seen.auth_before_tls = Some(caps.auth.clone());
            self.seen.starttls_offered = caps.starttls;
        }
        self.caps = Some(caps);
        Ok(())
    }

    /// Closes politely (QUIT when healthy), concludes from everything the session saw
    /// (`stop`: why it stopped short of its goal) and builds the report.
    pub async fn finish(mut self, stop: Option<Stop>) -> EndpointReport {
        if self.session.is_some() && !self.quit_sent {
            let start = self.phase_start(Phase::Quit).await;
            let _ = self.quit().await;
            self.phase_end(Phase::Quit, start, true).await;
        }
        let settings = self.ctx.settings.clone();
        let setup = Setup {
            mx: settings.mx,
            preset: settings.preset.as_ref(),
        };
        let end = conclude(&self.observation(stop.as_ref()), &setup);
        for (dir, text) in &end.remarks {
            self.note(*dir, text).await;
        }
        let mut rec = match self.session.take() {
            Some(s) => s.into_parts().2,
            None => self.take_recorder(),
        };
        let caps = self.caps.take().unwrap_or_default();
        EndpointReport {
            endpoint: self.endpoint.clone(),
            verdict: end.verdict,
            timings: std::mem::take(&mut self.timings),
            local_addr: self.local_addr.take(),
            banner: self.banner.take(),
            ehlo: caps.raw,
            capabilities: caps.keywords,
            auth_mechanisms: caps.auth,
            auth_mech: self.auth_used.take(),
            tls: self.tls.take(),
            transcript: rec.take_entries(),
            provider: end.provider,
            warnings: end.warnings,
        }
    }
}

fn after_auth(s: &crate::settings::Settings, goal: Stage) -> Option<Step> {
    (goal >= Stage::Mail && (s.from.is_some() || !s.to.is_empty())).then_some(Step::Mail)
}

pub use facts::test_message;
use facts::{first_line, seen_reply};
use verdicts::Seen;
pub use verdicts::{RELAY_TEST_FROM, RELAY_TEST_TO};
