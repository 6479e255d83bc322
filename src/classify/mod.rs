//! Classification: a pure function from what a probe saw to a [`Verdict`] (code, one-line
//! summary, evidence, advice), plus matrix-level inferences across endpoints.
//! Table-tested; no I/O.

use std::io::ErrorKind;

use crate::model::{CertProblem, Class, Phase, TlsInfo, Verdict};

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
    },
    /// TCP connect failed.
    ConnectFailed {
        /// The I/O error kind.
        kind: ErrorKind,
        /// The error in words.
        error: &'a str,
    },
    /// The connection was reset or closed by the peer during `phase`.
    Closed {
        /// The phase.
        phase: Phase,
        /// Error text.
        error: &'a str,
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
        O::ConnectTimeout { secs } => v(
            Class::Timeout,
            format!("TCP connect timed out after {secs:.0} s: packets are silently dropped"),
            format!("no SYN-ACK within {secs:.0} s"),
            "A firewall on this network, at the ISP, or in front of the server drops the \
             connection. Port 25 is commonly blocked by ISPs and cloud providers: use 587 \
             (STARTTLS) or 465 (TLS) for submission, or ask the network owner.",
        ),
        O::ConnectFailed { kind, error } => connect_failed(*kind, error),
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
        O::AuthNeedsTls { detail } => v(
            Class::AuthRequiresTls,
            "AUTH is only possible after TLS".into(),
            (*detail).to_string(),
            "Use STARTTLS (mode starttls) or implicit TLS (465). Sending a password in \
             plaintext is refused unless --allow-plaintext-auth.",
        ),
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

fn connect_failed(kind: ErrorKind, error: &str) -> Verdict {
    match kind {
        ErrorKind::ConnectionRefused => v(
            Class::Refused,
            "connection refused: nothing listens on this port (or a firewall rejects)".into(),
            error.to_string(),
            "The host answered with a TCP reset. The service is not running on this port, \
             or a firewall actively rejects it. Check the port number.",
        ),
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => v(
            Class::NetworkUnreachable,
            "no route to the host or network".into(),
            error.to_string(),
            "This machine has no route there (for IPv6: often no IPv6 uplink). Check the \
             local network, VPN, or use -4.",
        ),
        ErrorKind::TimedOut => v(
            Class::Timeout,
            "TCP connect timed out: packets are silently dropped".into(),
            error.to_string(),
            "A firewall drops the connection; try 587 or 465.",
        ),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => v(
            Class::ConnectionReset,
            "the connection was reset while connecting".into(),
            error.to_string(),
            "A middlebox or the server reset the connection.",
        ),
        _ => {
            let class = if error.contains("unreachable") || error.contains("No route") {
                Class::NetworkUnreachable
            } else {
                Class::Refused
            };
            v(
                class,
                format!("connect failed: {error}"),
                error.to_string(),
                "Check the network path.",
            )
        }
    }
}

fn greeting(r: &ReplyFacts<'_>) -> Verdict {
    if let Some(verdict) = temporary_policy(r) {
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

/// Greylisting and rate limits, recognised in any phase.
fn temporary_policy(r: &ReplyFacts<'_>) -> Option<Verdict> {
    let t = r.text.to_ascii_lowercase();
    let rate = [
        "rate limit",
        "too many",
        "try again later, closing",
        "exceeded",
        "throttl",
        "4.7.28",
        "limit",
    ];
    if (r.code == 421
        || r.code == 450
        || r.code == 451
        || r.code == 452
        || r.code == 454
        || r.code == 550
        || r.code == 554)
        && rate.iter().any(|k| t.contains(k) || r.enhanced == Some(k))
    {
        return Some(v(
            Class::RateLimited,
            format!("rate limited by the server ({})", r.code),
            r.evidence.to_string(),
            "Too many connections or messages from this address or account. Wait and \
             retry; lower the sending rate; check the provider's limits.",
        ));
    }
    let grey = t.contains("greylist")
        || t.contains("graylist")
        || t.contains("grey-list")
        || (r.code / 100 == 4 && (t.contains("try again later") || t.contains("please retry")));
    if r.code / 100 == 4 && grey {
        return Some(v(
            Class::Greylisted,
            format!("temporarily deferred, typical greylisting ({})", r.code),
            r.evidence.to_string(),
            "A real mail server retries after a few minutes and is then accepted. Nothing \
             to fix unless retries keep failing.",
        ));
    }
    None
}

fn tls_failed(error: &str, version_mismatch: bool) -> Verdict {
    let advice = if version_mismatch {
        "The server only speaks an old TLS version (1.0/1.1) that smtptui, like every \
         modern client, refuses. Upgrade the server's TLS configuration."
    } else {
        "Compare the server's TLS settings (versions, ciphers, certificate type) with \
         modern clients; the error names the failing step."
    };
    v(
        Class::TlsHandshakeFailed,
        "the TLS handshake failed".into(),
        error.to_string(),
        advice,
    )
}

fn cert_rejected(info: &TlsInfo) -> Verdict {
    let reason = info
        .error
        .clone()
        .unwrap_or_else(|| "verification failed".into());
    let (class, summary, advice) = match &info.problem {
        Some(CertProblem::Expired) => (
            Class::CertExpired,
            "the server's certificate has expired",
            "Renew the certificate on the server (check the renewal job, e.g. certbot, and \
             that the MTA was reloaded).",
        ),
        Some(CertProblem::NotYetValid) => (
            Class::CertNotYetValid,
            "the server's certificate is not valid yet",
            "Check the clock of this machine and of the server; the certificate may have \
             been issued with a future date.",
        ),
        Some(CertProblem::SelfSigned) => (
            Class::CertSelfSigned,
            "the server presents a self-signed certificate",
            "Install a certificate from a public CA (e.g. Let's Encrypt), or pass the \
             certificate with --ca-file if this is a private server you trust.",
        ),
        Some(CertProblem::HostnameMismatch) => (
            Class::CertHostnameMismatch,
            "the certificate does not name the host you connected to",
            "Connect with the name on the certificate (see SANs), fix the DNS name, or \
             set --tls-server-name to the name the server's certificate carries.",
        ),
        Some(CertProblem::UnknownIssuer | CertProblem::BadSignature | CertProblem::Other(_))
        | None => (
            Class::CertUntrusted,
            "the certificate chain is not trusted",
            "The server may be missing its intermediate certificate, or uses a private CA \
             (pass it with --ca-file). A TLS-intercepting middlebox also looks like this.",
        ),
    };
    let evidence = if reason.contains("checked name") {
        reason
    } else {
        format!("{reason} (checked name: {})", info.checked_name)
    };
    v(class, summary.into(), evidence, advice)
}

fn rejected(phase: Phase, r: &ReplyFacts<'_>) -> Verdict {
    let t = r.text.to_ascii_lowercase();
    let enh = r.enhanced.unwrap_or("");
    if phase == Phase::Auth {
        if r.code == 534
            || enh == "5.7.9"
            || t.contains("application-specific password")
            || t.contains("app password")
        {
            return v(
                Class::AuthAppPasswordRequired,
                "the account needs an app password for SMTP".into(),
                r.evidence.to_string(),
                "The account has 2-step verification: create an app password (Google: \
                 myaccount.google.com/apppasswords) and use it instead of the normal \
                 password, or use OAuth (XOAUTH2).",
            );
        }
        if enh == "5.7.139"
            || t.contains("smtpclientauthentication is disabled")
            || t.contains("basic authentication is disabled")
            || t.contains("authentication disabled")
        {
            return v(
                Class::AuthDisabledByPolicy,
                "SMTP AUTH is disabled for this account or tenant".into(),
                r.evidence.to_string(),
                "Microsoft 365: enable Authenticated SMTP for the mailbox (Set-CASMailbox \
                 -SmtpClientAuthenticationDisabled $false) and check Security Defaults, or \
                 use OAuth.",
            );
        }
        if r.code == 530
            || r.code == 538
            || enh == "5.7.11"
            || t.contains("starttls first")
            || t.contains("must issue a starttls")
        {
            return v(
                Class::AuthRequiresTls,
                "the server requires TLS before AUTH".into(),
                r.evidence.to_string(),
                "Use STARTTLS (mode starttls) or implicit TLS (465).",
            );
        }
        if r.code == 504
            || t.contains("unrecognized authentication")
            || t.contains("mechanism not supported")
        {
            return v(
                Class::AuthNotOffered,
                "the server does not accept this AUTH mechanism".into(),
                r.evidence.to_string(),
                "Pick one of the mechanisms the server lists in EHLO with --auth MECH.",
            );
        }
        if let Some(verdict) = temporary_policy(r) {
            return verdict;
        }
        return v(
            Class::AuthFailed,
            format!("authentication failed ({})", r.code),
            r.evidence.to_string(),
            "Check the user name (often the full address) and the password. Providers: \
             SendGrid's user is literally `apikey`; SES needs SMTP credentials, not IAM keys.",
        );
    }
    if let Some(verdict) = temporary_policy(r) {
        return verdict;
    }
    match phase {
        Phase::Mail => v(
            Class::SenderRejected,
            format!("the sender address was rejected ({})", r.code),
            r.evidence.to_string(),
            "Use a sender the account may send as (verified sender/domain at the \
             provider; Microsoft 365: SendAs permission).",
        ),
        Phase::Rcpt if is_relay_denial(r, &t) => v(
            Class::RelayDenied,
            "relaying denied: the server will not accept mail for that domain from you".into(),
            r.evidence.to_string(),
            "Authenticate first (AUTH on 587/465), or send to a domain the server hosts. \
             Port 25 without AUTH only accepts mail for the server's own domains.",
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
        Phase::Ehlo | Phase::EhloTls if r.code == 421 || r.code == 554 => v(
            Class::ServiceUnavailable,
            format!("the server refused service ({})", r.code),
            r.evidence.to_string(),
            "Read the text; the server refuses this client.",
        ),
        _ if r.code == 421 => v(
            Class::ServiceUnavailable,
            "the server is closing the session (421)".into(),
            r.evidence.to_string(),
            "The server is overloaded or refuses this client; retry later.",
        ),
        _ => v(
            Class::ProtocolViolation,
            format!("{} was refused ({})", phase.label(), r.code),
            r.evidence.to_string(),
            "The server refused a standard command; read the reply text.",
        ),
    }
}

fn is_relay_denial(r: &ReplyFacts<'_>, lower: &str) -> bool {
    lower.contains("relay") || (r.enhanced == Some("5.7.1") && !lower.contains("user unknown"))
}

mod matrix;
pub use matrix::infer;
pub mod path;

#[cfg(test)]
mod tests;
