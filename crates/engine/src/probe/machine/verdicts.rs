//! How a session's observations become its verdict: the recognised provider, the
//! context of a reply (AUTH offered, authenticated), the reply table, and the final
//! touches at the end (provider hints, MX-mode advice, the relay test, warnings).

use super::Machine;
use super::facts::ReplyText;
use crate::classify::provider::{Signs, recognise};
use crate::classify::replies::Tier;
use crate::classify::warnings::{WarningFacts, warnings};
use crate::classify::{Command, Observation, ReplyContext, classify, reply_row};
use crate::model::{Direction, Phase, Verdict, Warning};
use crate::smtp::reply::Reply;

/// What the session saw that warnings are made of.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// AUTH mechanisms of an EHLO before TLS.
    pub auth_before_tls: Option<Vec<String>>,
    /// Whether that EHLO offered STARTTLS.
    pub starttls_offered: bool,
    /// The mechanism used for AUTH without TLS.
    pub plaintext_credentials: Option<String>,
    /// The reply that accepted an unauthenticated outside RCPT (`--relay-test`).
    pub relay_accepted: Option<String>,
    /// What the relay test found, in words.
    pub relay_outcome: Option<String>,
    /// Whether the last classified reply was decided by a provider row (its advice is
    /// the provider's already).
    pub provider_advised: std::sync::atomic::AtomicBool,
}

/// The documentation-domain sender of `--relay-test` (RFC 2606).
pub const RELAY_TEST_FROM: &str = "relay-test@example.com";
/// The documentation-domain recipient of `--relay-test` (RFC 2606).
pub const RELAY_TEST_TO: &str = "relay-test@example.net";

impl Machine {
    /// Updates the recognised provider from what the endpoint has shown so far.
    pub(super) fn recognise(&mut self) {
        let ehlo = self.caps.as_ref().map_or(&[][..], |c| c.raw.as_slice());
        let found = recognise(&Signs {
            host: &self.endpoint.host,
            banner: self.banner.as_deref(),
            ehlo,
            tls: self.tls.as_ref(),
        });
        if found.is_some() {
            self.provider = found;
        }
    }

    /// The session around a reply, for the reply table.
    pub(super) fn reply_ctx(&self) -> ReplyContext<'_> {
        ReplyContext {
            provider: self.provider.as_ref().map(|p| p.id.as_str()),
            auth_offered: self.caps.as_ref().is_some_and(|c| !c.auth.is_empty()),
            authenticated: self.authenticated,
        }
    }

    /// Classifies a negative reply to `phase` (answering `command`).
    #[allow(clippy::unnecessary_box_returns)] // steps return Box<Verdict> errors
    pub(super) fn rejected_as(
        &self,
        phase: Phase,
        command: Command,
        reply: &Reply,
    ) -> Box<Verdict> {
        let t = ReplyText::of(reply);
        let facts = t.facts(command, self.reply_ctx());
        let by_provider = reply_row(&facts).is_some_and(|r| r.tier == Tier::Provider);
        self.seen
            .provider_advised
            .store(by_provider, std::sync::atomic::Ordering::Relaxed);
        Box::new(classify(&Observation::Rejected {
            phase,
            reply: facts,
        }))
    }

    /// Classifies a negative reply to the command of `phase`.
    #[allow(clippy::unnecessary_box_returns)] // steps return Box<Verdict> errors
    pub(super) fn rejected(&self, phase: Phase, reply: &Reply) -> Box<Verdict> {
        self.rejected_as(phase, command_of(phase), reply)
    }

    /// The last touches to the verdict, and the endpoint's warnings.
    pub(super) async fn settle(&mut self, verdict: &mut Verdict) -> Vec<Warning> {
        self.recognise();
        if self.ctx.settings.mx {
            crate::classify::fit_to_mx(verdict, &self.endpoint.host);
        }
        if let Some(outcome) = self.seen.relay_outcome.take() {
            verdict.summary.push_str("; ");
            verdict.summary.push_str(&outcome);
        }
        // The provider's hints, unless its own reply row already advised (no repeats).
        if self.ctx.settings.preset.is_none()
            && !self
                .seen
                .provider_advised
                .load(std::sync::atomic::Ordering::Relaxed)
            && let Some(p) = &self.provider
            && let Ok(preset) = crate::presets::find(&p.id)
        {
            crate::presets::hint_verdict(&preset.hints, verdict);
        }
        let warnings = warnings(&WarningFacts {
            auth_before_tls: self.seen.auth_before_tls.as_deref(),
            starttls_offered: self.seen.starttls_offered,
            plaintext_credentials: self.seen.plaintext_credentials.as_deref(),
            tls: self.tls.as_ref(),
            relay_accepted: self.seen.relay_accepted.as_deref(),
        });
        for w in &warnings {
            self.note(
                Direction::Info,
                &format!("warning: {} - {}", w.code, w.summary),
            )
            .await;
        }
        warnings
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
