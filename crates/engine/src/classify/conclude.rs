//! The end of an endpoint, decided once: the provider recognised from everything it
//! showed, the verdict (with QUIT's late answer, MX-mode advice, the relay test and the
//! provider's or preset's hints), the warnings, and the lines the transcript closes with.

use super::observation::{Observation, QuitAnswer, RelayOutcome, Stop};
use super::provider::{Signs, recognise};
use super::replies::Tier;
use super::warnings::{WarningFacts, warnings};
use super::{ReplyContext, context, fit_to_mx, reply_row, session, stop_verdict, v, verdict_in};
use crate::model::{Class, Direction, Phase, ProviderMatch, Verdict, Warning};
use crate::settings::PresetHints;

/// What the run was asked that changes a conclusion's words.
#[derive(Debug, Clone, Copy, Default)]
pub struct Setup<'a> {
    /// MX mode (`--mx`): certificate advice for a sending server.
    pub mx: bool,
    /// The hints of `--preset`, appended to a failing verdict's advice.
    pub preset: Option<&'a PresetHints>,
}

/// What an endpoint came to.
#[derive(Debug, Clone, PartialEq)]
pub struct Conclusion {
    /// The verdict.
    pub verdict: Verdict,
    /// The warnings, in a stable order.
    pub warnings: Vec<Warning>,
    /// The provider recognised from the host, greeting, EHLO or certificate.
    pub provider: Option<ProviderMatch>,
    /// The lines the transcript closes with, in order: QUIT's odd answer, the verdict,
    /// each warning.
    pub remarks: Vec<(Direction, String)>,
}

/// Concludes an endpoint from everything it showed.
pub fn conclude(o: &Observation<'_>, setup: &Setup<'_>) -> Conclusion {
    let provider = provider_of(o);
    let ctx = context(o, provider.as_ref());
    let mut verdict = verdict_in(o, ctx);
    let mut remarks = Vec::new();
    if let Some(answer) = o.quit {
        answered_quit(answer, &mut verdict, &mut remarks);
    }
    let dir = if verdict.class.is_ok() {
        Direction::Info
    } else {
        Direction::Error
    };
    remarks.push((
        dir,
        format!("verdict: {} - {}", verdict.class, verdict.summary),
    ));
    if setup.mx {
        fit_to_mx(&mut verdict, &o.endpoint.host);
    }
    if let Some(relay) = o.relay {
        verdict.summary.push_str("; ");
        verdict.summary.push_str(&describe_relay(relay, o));
    }
    add_hints(&mut verdict, setup, o, ctx, provider.as_ref());
    let warnings = warnings(&WarningFacts {
        auth_before_tls: o.before_tls.auth,
        starttls_offered: o.before_tls.starttls,
        plaintext_credentials: o.plaintext_credentials,
        tls: o.tls,
        relay_accepted: match o.relay {
            Some(RelayOutcome::Relays(reply)) => Some(reply),
            _ => None,
        },
    });
    remarks.extend(warnings.iter().map(|w| {
        (
            Direction::Info,
            format!("warning: {} - {}", w.code, w.summary),
        )
    }));
    Conclusion {
        verdict,
        warnings,
        provider,
        remarks,
    }
}

/// The provider, from the signs at the end; an EHLO inside TLS replaces the one before
/// it, which still counts when the later one found nothing (or failed).
pub(super) fn provider_of(o: &Observation<'_>) -> Option<ProviderMatch> {
    let now = Signs {
        host: &o.endpoint.host,
        banner: o.banner,
        ehlo: o.ehlo.lines,
        tls: o.tls,
    };
    recognise(&now).or_else(|| {
        recognise(&Signs {
            ehlo: o.before_tls.lines,
            tls: None,
            ..now
        })
    })
}

/// A QUIT answered out of step makes every earlier verdict unreliable.
fn answered_quit(
    answer: &QuitAnswer,
    verdict: &mut Verdict,
    remarks: &mut Vec<(Direction, String)>,
) {
    match answer {
        QuitAnswer::OutOfStep(reply) => {
            let detail = format!(
                "out of step: QUIT was answered with `{reply}`; the server sent unsolicited \
                 replies (pipelining desync), so the earlier verdict `{}` is unreliable",
                verdict.class
            );
            *verdict = session::protocol(Phase::Quit, &detail);
            remarks.push((Direction::Error, detail));
        }
        QuitAnswer::Unexpected(reply) => remarks.push((
            Direction::Info,
            format!("QUIT was answered with `{reply}` instead of 221"),
        )),
    }
}

/// The preset's hints; without a preset, the recognised provider's, unless its own
/// reply row decided the verdict (its advice is the provider's already).
fn add_hints(
    verdict: &mut Verdict,
    setup: &Setup<'_>,
    o: &Observation<'_>,
    ctx: ReplyContext<'_>,
    provider: Option<&ProviderMatch>,
) {
    if let Some(hints) = setup.preset {
        crate::presets::hint_verdict(hints, verdict);
        return;
    }
    let reply = match o.stop {
        Some(Stop::Rejected { reply, .. } | Stop::Greeting(reply)) => Some(reply),
        _ => None,
    };
    let advised = reply
        .is_some_and(|r| reply_row(&r.facts(ctx)).is_some_and(|row| row.tier == Tier::Provider));
    if !advised
        && let Some(p) = provider
        && let Ok(preset) = crate::presets::find(&p.id)
    {
        crate::presets::hint_verdict(&preset.hints, verdict);
    }
}

/// What `--relay-test` found, in words (the transcript and the verdict's summary).
pub fn describe_relay(outcome: &RelayOutcome, o: &Observation<'_>) -> String {
    match outcome {
        RelayOutcome::Skipped => {
            "relay test skipped (authenticated session; run it without --user)".into()
        }
        RelayOutcome::MailRefused(reply) => {
            format!("relay test inconclusive: MAIL FROM refused (`{reply}`)")
        }
        RelayOutcome::Relays(reply) => format!(
            "relay test: the server RELAYS — unauthenticated RCPT to example.net accepted \
             (`{reply}`)"
        ),
        RelayOutcome::Refused(reply) => {
            format!("relay test: the server does not relay (`{reply}`)")
        }
        RelayOutcome::Aborted(stop) => format!(
            "relay test aborted: {}",
            stop_verdict(stop, o, ReplyContext::default()).summary
        ),
    }
}

/// The verdict of an endpoint whose probe task ended without a report.
pub fn internal_error() -> Verdict {
    v(
        Class::ProtocolViolation,
        "internal error: the probe task ended unexpectedly".into(),
        "task aborted".into(),
        "Please report this with --log FILE.",
    )
}

/// The verdict of a stepping session whose TLS client could not be set up.
pub fn tls_setup_failed(error: &str) -> Verdict {
    v(
        Class::TlsHandshakeFailed,
        "TLS set-up failed".into(),
        error.to_string(),
        "Check --ca-file.",
    )
}

/// The finding of a target whose name did not resolve (`error`: why).
pub fn dns_failure(error: &str) -> crate::model::Finding {
    crate::model::Finding {
        code: Class::DnsFailure.code().into(),
        summary: format!("the name did not resolve: {error}"),
        evidence: error.to_string(),
        advice: "Check the spelling and the domain's DNS; try --dns-server or --resolve \
                 HOST:ADDR to bypass a broken resolver."
            .into(),
    }
}
