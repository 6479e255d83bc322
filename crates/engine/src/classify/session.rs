//! Verdicts of a session that stopped between replies: silence, a closed connection, a
//! protocol breach, and what EHLO did not offer (STARTTLS, usable AUTH), including
//! smtptui's own refusal to send a password in clear.

use super::observation::{Ehlo, SeenReply};
use super::v;
use crate::model::{Class, Phase, Verdict};

/// Why smtptui did not send credentials (transcript and evidence).
pub const NO_PLAINTEXT_AUTH: &str = "smtptui does not send credentials over an unencrypted \
                                     connection (use STARTTLS/TLS, or --allow-plaintext-auth)";

pub(super) fn partial_greeting(partial: &str, secs: f64) -> Verdict {
    v(
        Class::BannerTimeout,
        format!("the greeting did not complete within {secs:.0} s"),
        format!("partial greeting `{partial}` after {secs:.0} s"),
        "The server sends its greeting very slowly or stalls mid-line: a tarpit (some \
         servers slow down clients they distrust), an overloaded server or a middlebox \
         holding the data. Retry with a longer --banner-timeout to see whether it \
         completes.",
    )
}

pub(super) fn closed(phase: Phase, error: &str) -> Verdict {
    v(
        Class::ConnectionReset,
        format!("the connection was closed during {}", phase.label()),
        error.to_string(),
        "The server or a middlebox dropped the session. Look at the last lines of the \
         transcript; an IPS or a connection limit can do this.",
    )
}

/// No reply within `secs`; `raw`: the verb of stepping's raw command that got none.
pub(super) fn no_reply(phase: Phase, secs: f64, raw: Option<&str>) -> Verdict {
    let mut verdict = if phase == Phase::Banner {
        v(
            Class::BannerTimeout,
            format!("connected, but no greeting within {secs:.0} s"),
            "TCP connect succeeded; the server sent nothing".into(),
            "The port is open but nothing speaks SMTP first on it. It may expect TLS first \
             (try mode tls), be a tarpit, or be a proxy that holds the connection.",
        )
    } else {
        v(
            Class::Timeout,
            format!("no reply to {} within {secs:.0} s", phase.label()),
            format!("timed out waiting for the {} reply", phase.label()),
            "The server stopped answering mid-session. A middlebox inspecting SMTP, or an \
             overloaded server, can do this; retry with --timeout raised.",
        )
    };
    if let Some(verb) = raw {
        verdict.summary = format!("no reply to the raw command `{verb}` within {secs:.0} s");
    }
    verdict
}

pub(super) fn protocol(phase: Phase, detail: &str) -> Verdict {
    v(
        Class::ProtocolViolation,
        format!(
            "the server broke the SMTP protocol during {}",
            phase.label()
        ),
        detail.to_string(),
        "What answered is not a conforming SMTP server (or a middlebox mangled it). \
         Check that the port is really SMTP.",
    )
}

/// STARTTLS missing from `ehlo`: stripped when a keyword (or the greeting) looks masked.
pub(super) fn starttls_not_offered(ehlo: &Ehlo<'_>, greeting_masked: bool) -> Verdict {
    let masked = ehlo
        .masked
        .first()
        .map(String::as_str)
        .or(greeting_masked.then_some("a masked greeting"));
    match masked {
        Some(m) => v(
            Class::StarttlsStripped,
            "a middlebox masked STARTTLS (e.g. Cisco ASA SMTP inspection)".into(),
            format!("EHLO shows `{m}` where STARTTLS should be"),
            "A firewall's SMTP inspection (Cisco ASA/PIX 'fixup smtp' / ESMTP inspection) \
             rewrites the commands it does not know. Disable ESMTP inspection on that \
             firewall, or use implicit TLS on 465.",
        ),
        None => v(
            Class::StarttlsNotOffered,
            "the server does not offer STARTTLS".into(),
            format!("EHLO: {}", ehlo.lines.join(" / ")),
            "This port cannot encrypt. Use 465 (implicit TLS) or 587, or enable TLS on the \
             server (Postfix: smtpd_tls_security_level = may).",
        ),
    }
}

pub(super) fn starttls_rejected(r: &SeenReply) -> Verdict {
    v(
        Class::StarttlsRejected,
        format!("STARTTLS was refused ({})", r.code),
        r.evidence.clone(),
        "The server advertises STARTTLS but cannot start it: often a missing or \
         unreadable certificate/key on the server. Check its TLS configuration and logs.",
    )
}

/// The AUTH mechanisms offered, in words.
fn offered(auth: &[String]) -> String {
    if auth.is_empty() {
        "none".to_string()
    } else {
        auth.join(" ")
    }
}

pub(super) fn auth_not_offered(in_tls: bool, auth: &[String]) -> Verdict {
    v(
        Class::AuthNotOffered,
        if in_tls {
            "the server offers no AUTH mechanism we can use".into()
        } else {
            "the server offers no AUTH on this connection".into()
        },
        format!("AUTH offered: {}", offered(auth)),
        "Submission needs AUTH: use port 587 or 465, or check the server's SASL set-up \
         (Postfix: smtpd_sasl_auth_enable = yes).",
    )
}

/// AUTH needs TLS first: the server's rule, or smtptui's own (`by_client`).
pub(super) fn auth_needs_tls(by_client: bool, ehlo: &Ehlo<'_>) -> Verdict {
    let (summary, advice) = match (by_client, ehlo.starttls) {
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
    let evidence = if by_client {
        NO_PLAINTEXT_AUTH.to_string()
    } else {
        format!(
            "AUTH is not offered before STARTTLS (offered: {})",
            offered(ehlo.auth)
        )
    };
    v(Class::AuthRequiresTls, summary.into(), evidence, advice)
}
