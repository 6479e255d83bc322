//! Classification: a pure function from what a probe saw to a [`Verdict`] (code, one-line
//! summary, evidence, advice), plus matrix-level inferences across endpoints.
//! What a server's reply means comes from data (`assets/replies.toml`, see [`replies`]);
//! this module adds the non-reply observations and the phase fallback. Table-tested; no
//! I/O.

use std::io::ErrorKind;

use crate::model::{Class, Phase, TlsInfo, Verdict};

pub mod provider;
pub mod replies;
mod transport;
pub mod warnings;

pub use transport::fit_to_mx;
use transport::{
    auth_needs_tls, cert_rejected, connect_failed, connect_timeout_advice, tls_failed,
};

pub use replies::Command;

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

/// What the probe of one endpoint observed at the point where it stopped.
#[derive(Debug, Clone)]
pub enum Observation<'a> {
    /// The session reached the requested stage.
    Completed {
        /// The last phase done.
        last: Phase,
        /// TLS details, if TLS was used.
        tls: Option<&'a TlsInfo>,
        /// Mode note, e.g. "auto mode: STARTTLS not offered, stayed in plaintext".
        note: Option<&'a str>,
    },
    /// TCP connect did not finish in time.
    ConnectTimeout {
        /// The timeout in seconds.
        secs: f64,
        /// The port that timed out (never advised as the way out).
        port: u16,
    },
    /// TCP connect failed.
    ConnectFailed {
        /// The I/O error kind.
        kind: ErrorKind,
        /// The error in words.
        error: &'a str,
        /// Whether the address is IPv4 (then `-4` is no advice).
        ipv4: bool,
    },
    /// The connection was reset or closed by the peer during `phase`.
    Closed {
        /// The phase.
        phase: Phase,
        /// Error text.
        error: &'a str,
    },
    /// The greeting started but did not complete in time (a dribbling tarpit).
    PartialGreeting {
        /// What arrived, escaped.
        partial: &'a str,
        /// The timeout in seconds.
        secs: f64,
    },
    /// No reply within the timeout during `phase` (after connecting).
    NoReply {
        /// The phase.
        phase: Phase,
        /// The timeout in seconds.
        secs: f64,
    },
    /// The server sent something that is not SMTP.
    Protocol {
        /// The phase.
        phase: Phase,
        /// What was wrong.
        detail: &'a str,
    },
    /// The greeting was not 220.
    Greeting(ReplyFacts<'a>),
    /// STARTTLS was not in the EHLO reply.
    StarttlsNotOffered {
        /// A keyword or banner that looks masked by a middlebox.
        masked: Option<&'a str>,
        /// The EHLO lines, joined.
        ehlo: &'a str,
    },
    /// STARTTLS got a non-220 reply.
    StarttlsRejected(ReplyFacts<'a>),
    /// Plaintext SMTP came back where a TLS handshake was tried.
    PlaintextOnTlsPort {
        /// The first line the server sent (escaped).
        first_line: &'a str,
    },
    /// No banner in plaintext, but a TLS handshake worked on a reconnect.
    TlsOnPlainPort {
        /// TLS version seen on the retry.
        version: &'a str,
    },
    /// The TLS handshake failed.
    TlsFailed {
        /// The error in words (alert name, version mismatch ...).
        error: &'a str,
        /// Whether the cause is a protocol-version mismatch.
        version_mismatch: bool,
    },
    /// The handshake completed but the certificate did not verify.
    CertRejected(&'a TlsInfo),
    /// The server offers no AUTH (or none we can use).
    AuthNotOffered {
        /// Whether TLS is active now.
        in_tls: bool,
        /// What is offered.
        offered: &'a str,
    },
    /// AUTH is offered only after STARTTLS, or smtptui refused to send credentials
    /// without TLS.
    AuthNeedsTls {
        /// Explanation.
        detail: &'a str,
        /// Whether smtptui itself declined (no `--allow-plaintext-auth`), not the server.
        by_client: bool,
        /// Whether the server offers STARTTLS on this connection.
        starttls_offered: bool,
    },
    /// The SOCKS5 proxy failed (unreachable, auth, ruleset ...).
    ProxyFailed {
        /// The proxy error in words.
        error: &'a str,
    },
    /// The server asked for a client certificate and rejected the handshake.
    ClientCertRejected {
        /// The TLS alert or error.
        error: &'a str,
        /// Whether smtptui sent a certificate.
        sent: bool,
    },
    /// A command got a negative reply.
    Rejected {
        /// Which phase.
        phase: Phase,
        /// The reply.
        reply: ReplyFacts<'a>,
    },
}

/// Classifies one observation.
pub fn classify(obs: &Observation<'_>) -> Verdict {
    use Observation as O;
    match obs {
        O::Completed { last, tls, note } => completed(*last, *tls, *note),
        O::ConnectTimeout { secs, port } => v(
            Class::Timeout,
            format!("TCP connect timed out after {secs:.0} s: packets are silently dropped"),
            format!("no SYN-ACK within {secs:.0} s"),
            &connect_timeout_advice(*port),
        ),
        O::ConnectFailed { kind, error, ipv4 } => connect_failed(*kind, error, *ipv4),
        O::PartialGreeting { partial, secs } => v(
            Class::BannerTimeout,
            format!("the greeting did not complete within {secs:.0} s"),
            format!("partial greeting `{partial}` after {secs:.0} s"),
            "The server sends its greeting very slowly or stalls mid-line: a tarpit (some \
             servers slow down clients they distrust), an overloaded server or a middlebox \
             holding the data. Retry with a longer --banner-timeout to see whether it \
             completes.",
        ),
        O::Closed { phase, error } => v(
            Class::ConnectionReset,
            format!("the connection was closed during {}", phase.label()),
            (*error).to_string(),
            "The server or a middlebox dropped the session. Look at the last lines of the \
             transcript; an IPS or a connection limit can do this.",
        ),
        O::NoReply {
            phase: Phase::Banner,
            secs,
        } => v(
            Class::BannerTimeout,
            format!("connected, but no greeting within {secs:.0} s"),
            "TCP connect succeeded; the server sent nothing".into(),
            "The port is open but nothing speaks SMTP first on it. It may expect TLS first \
             (try mode tls), be a tarpit, or be a proxy that holds the connection.",
        ),
        O::NoReply { phase, secs } => v(
            Class::Timeout,
            format!("no reply to {} within {secs:.0} s", phase.label()),
            format!("timed out waiting for the {} reply", phase.label()),
            "The server stopped answering mid-session. A middlebox inspecting SMTP, or an \
             overloaded server, can do this; retry with --timeout raised.",
        ),
        O::Protocol { phase, detail } => v(
            Class::ProtocolViolation,
            format!(
                "the server broke the SMTP protocol during {}",
                phase.label()
            ),
            (*detail).to_string(),
            "What answered is not a conforming SMTP server (or a middlebox mangled it). \
             Check that the port is really SMTP.",
        ),
        O::Greeting(r) => greeting(r),
        O::StarttlsNotOffered {
            masked: Some(m), ..
        } => v(
            Class::StarttlsStripped,
            "a middlebox masked STARTTLS (e.g. Cisco ASA SMTP inspection)".into(),
            format!("EHLO shows `{m}` where STARTTLS should be"),
            "A firewall's SMTP inspection (Cisco ASA/PIX 'fixup smtp' / ESMTP inspection) \
             rewrites the commands it does not know. Disable ESMTP inspection on that \
             firewall, or use implicit TLS on 465.",
        ),
        O::StarttlsNotOffered { ehlo, .. } => v(
            Class::StarttlsNotOffered,
            "the server does not offer STARTTLS".into(),
            format!("EHLO: {ehlo}"),
            "This port cannot encrypt. Use 465 (implicit TLS) or 587, or enable TLS on the \
             server (Postfix: smtpd_tls_security_level = may).",
        ),
        O::StarttlsRejected(r) => v(
            Class::StarttlsRejected,
            format!("STARTTLS was refused ({})", r.code),
            r.evidence.to_string(),
            "The server advertises STARTTLS but cannot start it: often a missing or \
             unreadable certificate/key on the server. Check its TLS configuration and logs.",
        ),
        O::PlaintextOnTlsPort { first_line } => v(
            Class::StarttlsExpected,
            "the port answered in plaintext SMTP where implicit TLS was tried".into(),
            format!("server sent `{first_line}` instead of a TLS ServerHello"),
            "Use mode starttls on this port (e.g. -p PORT/starttls). Implicit TLS is usual \
             only on 465.",
        ),
        O::TlsOnPlainPort { version } => v(
            Class::ImplicitTlsExpected,
            "the port wants TLS from the first byte (implicit TLS)".into(),
            format!("no plaintext greeting; a TLS handshake succeeded ({version})"),
            "Use mode tls on this port (e.g. -p PORT/tls); 465 is the implicit-TLS port.",
        ),
        O::TlsFailed {
            error,
            version_mismatch,
        } => tls_failed(error, *version_mismatch),
        O::CertRejected(info) => cert_rejected(info),
        O::AuthNotOffered { in_tls, offered } => v(
            Class::AuthNotOffered,
            if *in_tls {
                "the server offers no AUTH mechanism we can use".into()
            } else {
                "the server offers no AUTH on this connection".into()
            },
            format!("AUTH offered: {offered}"),
            "Submission needs AUTH: use port 587 or 465, or check the server's SASL set-up \
             (Postfix: smtpd_sasl_auth_enable = yes).",
        ),
        O::AuthNeedsTls {
            detail,
            by_client,
            starttls_offered,
        } => auth_needs_tls(detail, *by_client, *starttls_offered),
        O::Rejected { phase, reply } => rejected(*phase, reply),
        O::ProxyFailed { error } => v(
            Class::ProxyFailed,
            "the SOCKS5 proxy failed; the target was not reached".into(),
            (*error).to_string(),
            "Check the proxy address, its credentials (SMTPTUI_PROXY_PASSWORD) and its \
             rules for this destination and port. This says nothing about the target yet.",
        ),
        O::ClientCertRejected { error, sent } => v(
            Class::ClientCertRejected,
            if *sent {
                "the server rejected the client certificate".into()
            } else {
                "the server requires a client certificate".into()
            },
            (*error).to_string(),
            "Give --client-cert and --client-key with a certificate the server trusts (see \
             the CA names it asked for in the inspector).",
        ),
    }
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
