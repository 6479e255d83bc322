//! What a session saw besides its protocol state, kept as types, and the
//! [`Observation`] the machine lends the classifier: after each step while stepping, and
//! once at the end of the endpoint. The machine never classifies on its own.

use super::Machine;
use super::facts::seen_reply;
use crate::classify::{BeforeTls, Command, Ehlo, Observation, QuitAnswer, RelayOutcome, Stop};
use crate::model::{Phase, Verdict};
use crate::smtp::reply::Reply;

/// What the session saw that its protocol state does not keep.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// AUTH mechanisms of an EHLO before TLS.
    pub auth_before_tls: Option<Vec<String>>,
    /// Whether that EHLO offered STARTTLS.
    pub starttls_offered: bool,
    /// The EHLO lines before STARTTLS (the capabilities are forgotten at STARTTLS).
    pub ehlo_before_tls: Vec<String>,
    /// The mechanism used for AUTH without TLS.
    pub plaintext_credentials: Option<String>,
    /// Whether the greeting looked masked by a middlebox.
    pub greeting_masked: bool,
    /// Whether the server ended a line with a bare LF (noted once).
    pub lf_only: bool,
    /// What the relay test found.
    pub relay: Option<RelayOutcome>,
    /// QUIT's answer, when it was not 221.
    pub quit: Option<QuitAnswer>,
}

/// The documentation-domain sender of `--relay-test` (RFC 2606).
pub const RELAY_TEST_FROM: &str = "relay-test@example.com";
/// The documentation-domain recipient of `--relay-test` (RFC 2606).
pub const RELAY_TEST_TO: &str = "relay-test@example.net";

impl Machine {
    /// Everything this session saw; `stop`: why it stopped short of its goal, if it did.
    pub fn observation<'a>(&'a self, stop: Option<&'a Stop>) -> Observation<'a> {
        let ehlo = self.caps.as_ref().map_or_else(Ehlo::default, |c| Ehlo {
            lines: &c.raw,
            auth: &c.auth,
            starttls: c.starttls,
            masked: &c.masked,
        });
        Observation {
            endpoint: &self.endpoint,
            insecure: self.ctx.settings.tls.insecure,
            stop,
            reached: self.reached,
            banner: self.banner.as_deref(),
            greeting_masked: self.seen.greeting_masked,
            ehlo,
            before_tls: BeforeTls {
                lines: &self.seen.ehlo_before_tls,
                auth: self.seen.auth_before_tls.as_deref(),
                starttls: self.seen.starttls_offered,
            },
            tls: self.tls.as_ref(),
            authenticated: self.authenticated,
            plaintext_credentials: self.seen.plaintext_credentials.as_deref(),
            relay: self.seen.relay.as_ref(),
            quit: self.seen.quit.as_ref(),
        }
    }

    /// The verdict of the session so far (stepping shows it after each step).
    pub fn verdict(&self, stop: Option<&Stop>) -> Verdict {
        crate::classify::verdict(&self.observation(stop))
    }

    /// A negative reply to `phase` (answering `command`).
    #[allow(clippy::unnecessary_box_returns)] // steps return Box<Stop> errors
    pub(super) fn rejected_as(phase: Phase, command: Command, reply: &Reply) -> Box<Stop> {
        Box::new(Stop::Rejected {
            phase,
            reply: seen_reply(command, reply),
        })
    }

    /// A negative reply to the command of `phase`.
    #[allow(clippy::unnecessary_box_returns)] // steps return Box<Stop> errors
    pub(super) fn rejected(phase: Phase, reply: &Reply) -> Box<Stop> {
        Self::rejected_as(phase, command_of(phase), reply)
    }
}

/// The command whose reply a phase reads.
fn command_of(phase: Phase) -> Command {
    match phase {
        Phase::Banner => Command::Banner,
        Phase::Starttls => Command::Starttls,
        Phase::Auth => Command::Auth,
        Phase::Mail => Command::Mail,
        Phase::Rcpt => Command::Rcpt,
        Phase::Data => Command::Data,
        _ => Command::Ehlo,
    }
}
