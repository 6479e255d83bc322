//! Verdicts of the observations that are not SMTP replies: TCP connect, TLS handshakes,
//! certificates, and smtptui's own refusal to send a password in clear. The advice fits
//! the context (the port that failed, the address family, MX mode).

use std::io::ErrorKind;

use super::v;
use crate::model::{CertProblem, Class, TlsInfo, Verdict};

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

/// The way out of a connect timeout, never through the port that timed out.
pub(super) fn connect_timeout_advice(port: u16) -> String {
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

pub(super) fn auth_needs_tls(detail: &str, by_client: bool, starttls_offered: bool) -> Verdict {
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

pub(super) fn connect_failed(kind: ErrorKind, error: &str, ipv4: bool) -> Verdict {
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

pub(super) fn tls_failed(error: &str, version_mismatch: bool) -> Verdict {
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

pub(super) fn cert_rejected(info: &TlsInfo) -> Verdict {
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
