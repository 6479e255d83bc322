//! Classification: a pure function from what a probe saw to a [`Verdict`] (code, one-line
//! summary, evidence, advice), plus matrix-level inferences across endpoints.
//! What a server's reply means comes from data (`assets/replies.toml`, see [`replies`]);
//! this module adds the non-reply observations and the phase fallback. Table-tested; no
//! I/O.

use std::io::ErrorKind;

use crate::model::{CertProblem, Class, Phase, TlsInfo, Verdict};

pub mod provider;
pub mod replies;
pub mod warnings;

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

/// MX mode: senders check the certificate against the MX host name and cannot be told
/// another one, so a name mismatch is fixed on the server.
pub fn fit_to_mx(verdict: &mut Verdict, mx_host: &str) {
    if verdict.class == Class::CertHostnameMismatch {
        verdict.advice = format!(
            "Sending servers check the certificate against the MX host name `{mx_host}` and \
             cannot be told another one: install a certificate whose SANs include \
             `{mx_host}` (or point the MX record at the name the certificate carries)."
        );
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

/// The way out of a connect timeout, never through the port that timed out.
fn connect_timeout_advice(port: u16) -> String {
    let others: Vec<&str> = [(587, "587 (STARTTLS)"), (465, "465 (TLS)")]
        .into_iter()
        .filter(|(p, _)| *p != port)
        .map(|(_, s)| s)
        .collect();
    let why = if port == 25 {
        "Port 25 is commonly blocked by ISPs and cloud providers. "
    } else {
        ""
    };
    format!(
        "A firewall on this network, at the ISP, or in front of the server drops the \
         connection to port {port}. {why}Try {} for submission, or ask the network owner.",
        others.join(" or ")
    )
}

fn auth_needs_tls(detail: &str, by_client: bool, starttls_offered: bool) -> Verdict {
    let (summary, advice) = match (by_client, starttls_offered) {
        (true, true) => (
            "smtptui did not send the password: the connection is not encrypted yet",
            "This was smtptui's choice, not the server's: the server offers STARTTLS, so \
             probe with mode starttls (-p PORT/starttls). --allow-plaintext-auth sends the \
             password in clear anyway.",
        ),
        (true, false) => (
            "smtptui did not send the password: this connection cannot be encrypted",
            "This was smtptui's choice, not the server's: this port offers no STARTTLS, so \
             the password would cross the network in clear. Use the server's implicit-TLS \
             port (465) or a port with STARTTLS; --allow-plaintext-auth sends it anyway.",
        ),
        (false, _) => (
            "the server offers AUTH only after TLS",
            "Use STARTTLS (mode starttls) or implicit TLS (465), then authenticate.",
        ),
    };
    v(
        Class::AuthRequiresTls,
        summary.into(),
        detail.to_string(),
        advice,
    )
}

fn connect_failed(kind: ErrorKind, error: &str, ipv4: bool) -> Verdict {
    let unreachable_advice = if ipv4 {
        "A router or firewall on the path answered that the host or network cannot be \
         reached (ICMP unreachable): the address is filtered or not routed from this \
         network. Check the address, the VPN and the firewall rules on the way."
    } else {
        "This machine has no route there (for IPv6: often no IPv6 uplink). Check the \
         local network or VPN, or use -4."
    };
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
            unreachable_advice,
        ),
        ErrorKind::TimedOut => v(
            Class::Timeout,
            "TCP connect timed out: packets are silently dropped".into(),
            error.to_string(),
            "A firewall on the path drops the connection; read the error, and try the \
             server's other submission port.",
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

fn tls_failed(error: &str, version_mismatch: bool) -> Verdict {
    let lower = error.to_ascii_lowercase();
    let advice = if version_mismatch {
        "The server only speaks an old TLS version (1.0/1.1) that smtptui, like every \
         modern client, refuses. Upgrade the server's TLS configuration."
    } else if lower.contains("internal_error") || lower.contains("internalerror") {
        "The server aborted its own handshake with an internal_error alert: a fault on the \
         server side (unreadable or mismatched private key, broken certificate file, TLS \
         library error). Check the server's TLS logs and its key and certificate files."
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

#[cfg(test)]
mod tests;
