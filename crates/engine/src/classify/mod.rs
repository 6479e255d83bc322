//! Classification: from what the probe of one endpoint observed (an [`Observation`]: typed,
//! lent by the probe once the endpoint is done) to its [`Verdict`] (code, one-line
//! summary, evidence, advice) and warnings ([`conclude`]), plus matrix-level inferences
//! across endpoints. What a server's reply means comes from data (`assets/replies.toml`,
//! see [`replies`]); this module adds the non-reply observations and the phase fallback.
//! Table-tested; no I/O.

use crate::model::{Class, Phase, TlsInfo, Verdict};

mod conclude;
mod observation;
pub mod provider;
pub mod replies;
mod session;
mod transport;
pub mod warnings;

pub use conclude::{
    Conclusion, Setup, conclude, describe_relay, dns_failure, internal_error, tls_setup_failed,
};
pub use observation::{BeforeTls, Ehlo, Observation, QuitAnswer, RelayOutcome, SeenReply, Stop};
pub use replies::Command;
pub use session::NO_PLAINTEXT_AUTH;
pub use transport::fit_to_mx;

/// The facts of one SMTP reply that classification needs.
#[derive(Debug, Clone, Copy)]
pub struct ReplyFacts<'a> {
    /// Three-digit code.
    pub code: u16,
    /// Enhanced status code (`5.7.8`), if any.
    pub enhanced: Option<&'a str>,
    /// The reply's text, all lines joined by a space (escaped, redacted).
    pub text: &'a str,
    /// The evidence line(s) to quote.
    pub evidence: &'a str,
    /// The command it answers.
    pub command: Command,
    /// What else is known about the session.
    pub ctx: ReplyContext<'a>,
}

/// The session around a reply: who the server is and what the client did.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplyContext<'a> {
    /// The recognised provider id (see [`provider::recognise`]).
    pub provider: Option<&'a str>,
    /// Whether the server offers AUTH on this connection.
    pub auth_offered: bool,
    /// Whether the client authenticated.
    pub authenticated: bool,
}

/// The verdict the reply table gives for a reply, if a row matches.
pub fn classify_reply(r: &ReplyFacts<'_>) -> Option<Verdict> {
    reply_row(r).map(|row| {
        let code = match r.enhanced {
            Some(e) => format!("{} {e}", r.code),
            None => r.code.to_string(),
        };
        v(
            row.class,
            format!("{} ({code})", row.summary),
            r.evidence.to_string(),
            &row.advice,
        )
    })
}

/// The row of the reply table that decides a reply, if any.
pub fn reply_row(r: &ReplyFacts<'_>) -> Option<&'static replies::Row> {
    let lower = r.text.to_ascii_lowercase();
    replies::lookup(&replies::Query {
        command: r.command,
        code: r.code,
        enhanced: r.enhanced,
        lower: &lower,
        provider: r.ctx.provider,
        auth_offered: r.ctx.auth_offered,
        authenticated: r.ctx.authenticated,
    })
}

/// The verdict of an observation: where the session stopped, or how far it got.
pub fn verdict(o: &Observation<'_>) -> Verdict {
    let provider = conclude::provider_of(o);
    verdict_in(o, context(o, provider.as_ref()))
}

/// The verdict of a negative reply to the command of `phase` (the greeting for
/// [`Phase::Banner`]): the reply table, then the phase fallback.
pub fn reply_verdict(phase: Phase, r: &ReplyFacts<'_>) -> Verdict {
    if phase == Phase::Banner {
        greeting(r)
    } else {
        rejected(phase, r)
    }
}

/// The session around the replies of an observation, as the reply table reads it.
fn context<'a>(
    o: &Observation<'_>,
    provider: Option<&'a crate::model::ProviderMatch>,
) -> ReplyContext<'a> {
    ReplyContext {
        provider: provider.map(|p| p.id.as_str()),
        auth_offered: !o.ehlo.auth.is_empty(),
        authenticated: o.authenticated,
    }
}

fn verdict_in(o: &Observation<'_>, ctx: ReplyContext<'_>) -> Verdict {
    match o.stop {
        Some(stop) => stop_verdict(stop, o, ctx),
        None => reached(o),
    }
}

/// The verdict of a session that stopped short of its goal.
fn stop_verdict(stop: &Stop, o: &Observation<'_>, ctx: ReplyContext<'_>) -> Verdict {
    use Stop as S;
    let ipv4 = o.endpoint.address.is_ipv4();
    match stop {
        S::ConnectTimeout { secs } => transport::connect_timeout(*secs, o.endpoint.port),
        S::ConnectFailed {
            os_error, error, ..
        } if path::is_filter_reject(*os_error) => {
            path::filter_reject(error, *os_error == Some(1), None)
        }
        S::ConnectFailed { kind, error, .. } => transport::connect_failed(*kind, error, ipv4),
        S::FilterRejected { error, by } => path::filter_reject(error, false, by.as_deref()),
        S::ProxyFailed {
            error,
            target_refused,
        } => transport::proxy_failed(error, *target_refused, ipv4),
        S::PartialGreeting { partial, secs } => session::partial_greeting(partial, *secs),
        S::NoReply { phase, secs, raw } => session::no_reply(*phase, *secs, raw.as_deref()),
        S::Closed { phase, error } => session::closed(*phase, error),
        S::Protocol { phase, detail } => session::protocol(*phase, detail),
        S::Greeting(r) => greeting(&r.facts(ctx)),
        S::StarttlsNotOffered => session::starttls_not_offered(&o.ehlo, o.greeting_masked),
        S::StarttlsRejected(r) => session::starttls_rejected(r),
        S::PlaintextOnTlsPort { first_line } => transport::plaintext_on_tls_port(first_line),
        S::TlsOnPlainPort { version } => transport::tls_on_plain_port(version),
        S::TlsFailed {
            error,
            version_mismatch,
        } => transport::tls_failed(error, *version_mismatch),
        S::CertRejected => match o.tls {
            Some(tls) => transport::cert_rejected(tls),
            None => transport::cert_rejected(&TlsInfo::default()),
        },
        S::AuthNotOffered { in_tls } => session::auth_not_offered(*in_tls, o.ehlo.auth),
        S::AuthNeedsTls { by_client } => session::auth_needs_tls(*by_client, &o.ehlo),
        S::ClientCertRejected { error, sent } => transport::client_cert_rejected(error, *sent),
        S::Rejected { phase, reply } => rejected(*phase, &reply.facts(ctx)),
    }
}

/// The verdict of a session that reached its goal: works, unless the certificate did
/// not verify (never `ok` then, even with `--insecure`). Before any step (stepping), it
/// says so.
fn reached(o: &Observation<'_>) -> Verdict {
    let Some(last) = o.reached else {
        return v(
            Class::Ok,
            "stepping: nothing has failed so far".into(),
            "no step run yet".into(),
            "Press Enter to run the next step, : to send a raw command.",
        );
    };
    if let Some(tls) = o.tls.filter(|t| !t.verified) {
        let mut v = transport::cert_rejected(tls);
        if o.insecure {
            v.summary.push_str(" (continued with --insecure)");
        }
        return v;
    }
    let note = o
        .auto_plaintext()
        .then_some("auto mode: STARTTLS not offered, stayed in plaintext");
    completed(last, o.tls, note)
}

fn v(class: Class, summary: String, evidence: String, advice: &str) -> Verdict {
    Verdict {
        class,
        summary,
        evidence,
        advice: advice.to_string(),
    }
}

fn completed(last: Phase, tls: Option<&TlsInfo>, note: Option<&str>) -> Verdict {
    let mut summary = match tls {
        Some(t) => format!(
            "works: reached {} over {} ({})",
            last.label(),
            t.version,
            t.cipher
        ),
        None => format!("works: reached {} (no TLS)", last.label()),
    };
    if let Some(n) = note {
        summary.push_str("; ");
        summary.push_str(n);
    }
    let evidence = match tls {
        Some(t) => format!("certificate verified for {}", t.checked_name),
        None => "plaintext session".into(),
    };
    let advice = if tls.is_some() {
        "Nothing to fix on this endpoint."
    } else {
        "This endpoint works without encryption; prefer STARTTLS or implicit TLS."
    };
    v(Class::Ok, summary, evidence, advice)
}

fn greeting(r: &ReplyFacts<'_>) -> Verdict {
    if let Some(verdict) = classify_reply(r) {
        return verdict;
    }
    v(
        Class::ServiceUnavailable,
        format!("the server refused service in its greeting ({})", r.code),
        r.evidence.to_string(),
        "The server is refusing connections from here (421: overloaded or shutting down; \
         554: your address may be blocklisted). Read the text; check DNSBL listings of \
         your public IP.",
    )
}

fn rejected(phase: Phase, r: &ReplyFacts<'_>) -> Verdict {
    if let Some(verdict) = classify_reply(r) {
        return verdict;
    }
    // The phase fallback: what no row of the reply table knows.
    match phase {
        _ if r.code == 421 => v(
            Class::ServiceUnavailable,
            format!(
                "the server is closing the session during {} (421)",
                phase.label()
            ),
            r.evidence.to_string(),
            "The server is overloaded or refuses this client for now; retry later and read \
             the reply text.",
        ),
        Phase::Auth => v(
            Class::AuthFailed,
            format!("authentication failed ({})", r.code),
            r.evidence.to_string(),
            "Check the user name (often the full address) and the password; the reply text \
             says why.",
        ),
        Phase::Mail => v(
            Class::SenderRejected,
            format!("the sender address was rejected ({})", r.code),
            r.evidence.to_string(),
            "Use a sender the account may send as (verified sender/domain at the \
             provider; Microsoft 365: SendAs permission).",
        ),
        Phase::Rcpt => v(
            Class::RecipientRejected,
            format!("the recipient was rejected ({})", r.code),
            r.evidence.to_string(),
            "Check the recipient address; the reply text says why.",
        ),
        Phase::Starttls => v(
            Class::StarttlsRejected,
            format!("STARTTLS was refused ({})", r.code),
            r.evidence.to_string(),
            "Check the server's TLS configuration.",
        ),
        Phase::Ehlo | Phase::EhloTls if r.code == 554 => v(
            Class::ServiceUnavailable,
            format!("the server refused service ({})", r.code),
            r.evidence.to_string(),
            "Read the text; the server refuses this client.",
        ),
        Phase::Ehlo | Phase::EhloTls if r.code / 100 == 5 => v(
            Class::HeloRejected,
            format!("the server refused EHLO and HELO ({})", r.code),
            r.evidence.to_string(),
            "Give a name the server accepts with --ehlo NAME (a fully qualified host name, \
             or an address literal like [192.0.2.7]).",
        ),
        Phase::Data if r.command == Command::DataEnd && r.code / 100 == 4 => v(
            Class::Greylisted,
            format!("the message was deferred after DATA ({})", r.code),
            r.evidence.to_string(),
            "The server accepted the envelope but deferred the message; a real mail server \
             retries later. Read the reply text.",
        ),
        _ => v(
            Class::ProtocolViolation,
            format!("{} was refused ({})", phase.label(), r.code),
            r.evidence.to_string(),
            "The server refused a standard command; read the reply text.",
        ),
    }
}

mod matrix;
pub use matrix::infer;
pub mod path;

#[cfg(test)]
mod tests;
