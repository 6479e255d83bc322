//! What the probe of one endpoint saw, as types. A step that cannot go on returns a
//! [`Stop`]; the machine keeps the rest (greeting, EHLO, TLS, AUTH, the relay test, the
//! answer to QUIT) and lends it all as an [`Observation`] to [`super::conclude`] at the
//! end, which decides the verdict and the warnings once. The text a stop carries is
//! evidence (what the server, the OS or the TLS library said, escaped), never a verdict.

use std::io::ErrorKind;

use super::{Command, ReplyContext, ReplyFacts};
use crate::model::{Endpoint, Mode, Phase, TlsInfo};

/// A reply as the probe saw it (escaped, redacted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenReply {
    /// The command it answers.
    pub command: Command,
    /// Three-digit code.
    pub code: u16,
    /// Enhanced status code (`5.7.8`), if any.
    pub enhanced: Option<String>,
    /// The reply's text, all lines joined by a space.
    pub text: String,
    /// The evidence line(s) to quote.
    pub evidence: String,
}

impl SeenReply {
    /// The reply with the session around it, as the reply table reads it.
    pub fn facts<'a>(&'a self, ctx: ReplyContext<'a>) -> ReplyFacts<'a> {
        ReplyFacts {
            code: self.code,
            enhanced: self.enhanced.as_deref(),
            text: &self.text,
            evidence: &self.evidence,
            command: self.command,
            ctx,
        }
    }
}

/// Why the session of an endpoint stopped short of its goal: what a step returns when it
/// cannot go on.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// TCP connect did not finish within `secs`.
    ConnectTimeout {
        /// The connect timeout in seconds.
        secs: f64,
    },
    /// TCP connect failed.
    ConnectFailed {
        /// The I/O error kind.
        kind: ErrorKind,
        /// The OS error number, if any (`EPERM`, `EACCES`: a filter's reject).
        os_error: Option<i32>,
        /// The error in words.
        error: String,
    },
    /// The socket's error queue named the router or firewall that rejected the connect.
    FilterRejected {
        /// The error in words.
        error: String,
        /// The hop that sent the reject, when known.
        by: Option<String>,
    },
    /// The SOCKS5 proxy failed.
    ProxyFailed {
        /// The proxy error in words.
        error: String,
        /// Whether the proxy reported that the target refused the connection.
        target_refused: bool,
    },
    /// The greeting started but did not complete in time (a dribbling tarpit).
    PartialGreeting {
        /// What arrived, escaped.
        partial: String,
        /// The timeout in seconds.
        secs: f64,
    },
    /// No reply within the timeout during `phase` (after connecting).
    NoReply {
        /// The phase.
        phase: Phase,
        /// The timeout in seconds.
        secs: f64,
        /// The verb of the raw command (stepping's `:`) that got no reply.
        raw: Option<String>,
    },
    /// The connection was reset or closed by the peer during `phase`.
    Closed {
        /// The phase.
        phase: Phase,
        /// Error text.
        error: String,
    },
    /// The server sent something that is not SMTP.
    Protocol {
        /// The phase.
        phase: Phase,
        /// What was wrong.
        detail: String,
    },
    /// The greeting was not 220.
    Greeting(SeenReply),
    /// STARTTLS was not in the EHLO reply (see [`Observation::ehlo`]).
    StarttlsNotOffered,
    /// STARTTLS got a non-220 reply.
    StarttlsRejected(SeenReply),
    /// Plaintext SMTP came back where a TLS handshake was tried.
    PlaintextOnTlsPort {
        /// The first line the server sent (escaped).
        first_line: String,
    },
    /// No greeting in plaintext, but a TLS handshake worked on a reconnect.
    TlsOnPlainPort {
        /// TLS version seen on the retry.
        version: String,
    },
    /// The TLS handshake failed.
    TlsFailed {
        /// The error in words (alert name, version mismatch ...).
        error: String,
        /// Whether the cause is a protocol-version mismatch.
        version_mismatch: bool,
    },
    /// The certificate did not verify, so smtptui went no further (see
    /// [`Observation::tls`]).
    CertRejected,
    /// The server offers no AUTH we can use (see [`Observation::ehlo`]).
    AuthNotOffered {
        /// Whether TLS was active.
        in_tls: bool,
    },
    /// AUTH is offered only after STARTTLS, or smtptui refused to send credentials
    /// without TLS.
    AuthNeedsTls {
        /// Whether smtptui itself declined (no `--allow-plaintext-auth`), not the server.
        by_client: bool,
    },
    /// The server asked for a client certificate and rejected the handshake.
    ClientCertRejected {
        /// The TLS alert or error.
        error: String,
        /// Whether smtptui sent a certificate.
        sent: bool,
    },
    /// A command got a negative reply.
    Rejected {
        /// Which phase.
        phase: Phase,
        /// The reply.
        reply: SeenReply,
    },
}

/// QUIT answered with something other than 221.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuitAnswer {
    /// A multi-line answer: an earlier reply arriving late, so every reply after it
    /// answered the command before (the reply's summary).
    OutOfStep(String),
    /// Another answer (the reply's summary).
    Unexpected(String),
}

/// What `--relay-test` found.
#[derive(Debug, Clone, PartialEq)]
pub enum RelayOutcome {
    /// Not run: the session is authenticated (relaying after AUTH is normal).
    Skipped,
    /// MAIL FROM was refused (the reply's summary): inconclusive.
    MailRefused(String),
    /// The unauthenticated RCPT to an outside domain was accepted (the reply's summary).
    Relays(String),
    /// The RCPT was refused (the reply's summary).
    Refused(String),
    /// The session failed during the test.
    Aborted(Box<Stop>),
}

/// The EHLO reply of the current connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ehlo<'a> {
    /// The reply lines, escaped, as received.
    pub lines: &'a [String],
    /// AUTH mechanisms offered.
    pub auth: &'a [String],
    /// Whether STARTTLS was offered.
    pub starttls: bool,
    /// Keywords that look masked by a middlebox.
    pub masked: &'a [String],
}

/// The EHLO before STARTTLS (or of a plaintext session).
#[derive(Debug, Clone, Copy, Default)]
pub struct BeforeTls<'a> {
    /// Its lines.
    pub lines: &'a [String],
    /// AUTH mechanisms it listed, when any.
    pub auth: Option<&'a [String]>,
    /// Whether it offered STARTTLS.
    pub starttls: bool,
}

/// Everything classification reads about one endpoint, lent by the probe.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// The endpoint (host for provider recognition and MX advice, port, address, mode).
    pub endpoint: &'a Endpoint,
    /// Whether the user accepted an unverified certificate (`--insecure`).
    pub insecure: bool,
    /// Why the session stopped short of its goal; None: it reached it.
    pub stop: Option<&'a Stop>,
    /// The last phase done; None: nothing done.
    pub reached: Option<Phase>,
    /// The greeting line(s).
    pub banner: Option<&'a str>,
    /// Whether the greeting looked masked by a middlebox (asterisks).
    pub greeting_masked: bool,
    /// The EHLO of the current connection (none after STARTTLS until the next EHLO).
    pub ehlo: Ehlo<'a>,
    /// What the EHLO before STARTTLS said.
    pub before_tls: BeforeTls<'a>,
    /// TLS details, once a handshake got as far as the certificate.
    pub tls: Option<&'a TlsInfo>,
    /// Whether AUTH succeeded.
    pub authenticated: bool,
    /// The mechanism of an AUTH sent without TLS (`--allow-plaintext-auth`).
    pub plaintext_credentials: Option<&'a str>,
    /// What `--relay-test` found.
    pub relay: Option<&'a RelayOutcome>,
    /// QUIT's answer, when it was not 221.
    pub quit: Option<&'a QuitAnswer>,
}

impl<'a> Observation<'a> {
    /// An endpoint where nothing has been seen yet.
    pub fn of(endpoint: &'a Endpoint) -> Self {
        Self {
            endpoint,
            insecure: false,
            stop: None,
            reached: None,
            banner: None,
            greeting_masked: false,
            ehlo: Ehlo::default(),
            before_tls: BeforeTls::default(),
            tls: None,
            authenticated: false,
            plaintext_credentials: None,
            relay: None,
            quit: None,
        }
    }

    /// Whether the endpoint was probed in auto mode and stayed in plaintext.
    pub(super) fn auto_plaintext(&self) -> bool {
        self.endpoint.mode == Mode::Auto && self.tls.is_none()
    }
}
