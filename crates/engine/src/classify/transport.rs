//! Verdicts of the observations that are not SMTP replies: TCP connect, the SOCKS5 proxy,
//! TLS handshakes (and a port that speaks the other TLS mode), certificates. The advice
//! fits the context (the port that failed, the address family, MX mode).

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

/// A TCP connect that timed out after `secs` on `port`.
pub(super) fn connect_timeout(secs: f64, port: u16) -> Verdict {
    v(
        Class::Timeout,
        format!("TCP connect timed out after {secs:.0} s: packets are silently dropped"),
        format!("no SYN-ACK within {secs:.0} s"),
        &connect_timeout_advice(port),
    )
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

/// The SOCKS5 proxy failed; when it reports that the target refused, that is the
/// target's `refused`, not the proxy's failure.
pub(super) fn proxy_failed(error: &str, target_refused: bool, ipv4: bool) -> Verdict {
    if target_refused {
        return connect_failed(ErrorKind::ConnectionRefused, error, ipv4);
    }
    v(
        Class::ProxyFailed,
        "the SOCKS5 proxy failed; the target was not reached".into(),
        error.to_string(),
        "Check the proxy address, its credentials (SMTPTUI_PROXY_PASSWORD) and its \
         rules for this destination and port. This says nothing about the target yet.",
    )
}

pub(super) fn plaintext_on_tls_port(first_line: &str) -> Verdict {
    v(
        Class::StarttlsExpected,
        "the port answered in plaintext SMTP where implicit TLS was tried".into(),
        format!("server sent `{first_line}` instead of a TLS ServerHello"),
        "Use mode starttls on this port (e.g. -p PORT/starttls). Implicit TLS is usual \
         only on 465.",
    )
}

pub(super) fn tls_on_plain_port(version: &str) -> Verdict {
    v(
        Class::ImplicitTlsExpected,
        "the port wants TLS from the first byte (implicit TLS)".into(),
        format!("no plaintext greeting; a TLS handshake succeeded ({version})"),
        "Use mode tls on this port (e.g. -p PORT/tls); 465 is the implicit-TLS port.",
    )
}

pub(super) fn client_cert_rejected(error: &str, sent: bool) -> Verdict {
    v(
        Class::ClientCertRejected,
        if sent {
            "the server rejected the client certificate".into()
        } else {
            "the server requires a client certificate".into()
        },
        error.to_string(),
        "Give --client-cert and --client-key with a certificate the server trusts (see \
         the CA names it asked for in the inspector).",
    )
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
