//! Why a TLS handshake failed: [`HandshakeFailure`] and its [`FailureKind`], worked
//! out from the rustls / I/O error and from the first bytes the peer sent.

use std::io;

use rustls::{AlertDescription, PeerIncompatible};

use crate::model::{TlsInfo, escape_str};

/// A handshake that did not complete.
#[derive(Debug)]
pub struct HandshakeFailure {
    /// What kind of failure it was.
    pub kind: FailureKind,
    /// The rustls or I/O error in words (escaped).
    pub error: String,
    /// What the server sent first (raw, at most 512 bytes; escape before display).
    pub first_bytes: Vec<u8>,
    /// The peer chain and the verifier's verdict, if the handshake got that far.
    pub info: Option<TlsInfo>,
}

impl std::fmt::Display for HandshakeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error)
    }
}

impl std::error::Error for HandshakeFailure {}

/// The broad reason a handshake failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The peer answered with plaintext (e.g. `220 …` — the first bytes are not a TLS
    /// record).
    Plaintext,
    /// The peer sent a TLS alert, named as in RFC 8446 (`handshake_failure`,
    /// `certificate_required`, …). A `protocol_version` alert is reported as
    /// [`FailureKind::ProtocolVersion`] instead.
    Alert(String),
    /// No common protocol version (e.g. a TLS 1.0-only server).
    ProtocolVersion,
    /// The peer closed or reset the connection before the handshake finished.
    Closed,
    /// Another I/O error.
    Io(io::ErrorKind),
    /// Anything else.
    Other,
}

/// Whether `bytes` start like a TLS record (content type 20–24, major version 3).
/// Fewer than two bytes are judged by the first alone.
pub(crate) fn looks_like_tls(bytes: &[u8]) -> bool {
    match bytes {
        [] => true,
        [t] => (20..=24).contains(t),
        [t, major, ..] => (20..=24).contains(t) && *major == 3,
    }
}

/// RFC 8446 name of an alert (`handshake_failure`), `unknown_alert_N` otherwise.
pub fn alert_name(desc: AlertDescription) -> String {
    match desc.as_str() {
        Some(name) => snake_case(name),
        None => format!("unknown_alert_{}", u8::from(desc)),
    }
}

fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Classifies an I/O error from an established TLS stream (for example the
/// `certificate_required` alert a TLS 1.3 server sends after the client's Finished)
/// and puts it in words.
pub fn classify_io_error(err: &io::Error) -> (FailureKind, String) {
    classify(err, &[])
}

/// Classifies a failed handshake and puts the error in words.
pub(crate) fn classify(err: &io::Error, first_bytes: &[u8]) -> (FailureKind, String) {
    let tls_err = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    if let Some(rustls::Error::AlertReceived(desc)) = tls_err {
        let name = alert_name(*desc);
        let kind = if *desc == AlertDescription::ProtocolVersion {
            FailureKind::ProtocolVersion
        } else {
            FailureKind::Alert(name.clone())
        };
        return (kind, format!("the server sent the TLS alert {name}"));
    }
    if !looks_like_tls(first_bytes) {
        return (
            FailureKind::Plaintext,
            format!(
                "the server answered in plaintext, not TLS ({})",
                escape_str(&err.to_string())
            ),
        );
    }
    let text = escape_str(&err.to_string());
    if let Some(e) = tls_err {
        let kind = match e {
            rustls::Error::PeerIncompatible(
                PeerIncompatible::ServerDoesNotSupportTls12Or13
                | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
                | PeerIncompatible::Tls12NotOffered
                | PeerIncompatible::Tls12NotOfferedOrEnabled
                | PeerIncompatible::SupportedVersionsExtensionRequired,
            )
            | rustls::Error::InvalidMessage(rustls::InvalidMessage::UnknownProtocolVersion) => {
                FailureKind::ProtocolVersion
            }
            _ => FailureKind::Other,
        };
        return (kind, text);
    }
    match err.kind() {
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => (
            FailureKind::Closed,
            format!("the server closed the connection during the TLS handshake ({text})"),
        ),
        kind => (FailureKind::Io(kind), text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rustls_io(e: rustls::Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }

    #[test]
    fn alert_names() {
        assert_eq!(
            alert_name(AlertDescription::HandshakeFailure),
            "handshake_failure"
        );
        assert_eq!(
            alert_name(AlertDescription::CertificateRequired),
            "certificate_required"
        );
        assert_eq!(
            alert_name(AlertDescription::from(200u8)),
            "unknown_alert_200"
        );
    }

    #[test]
    fn classification_table() {
        let tls = b"\x15\x03\x03\x00\x02\x02\x28";
        let cases: Vec<(io::Error, &[u8], FailureKind)> = vec![
            (
                rustls_io(rustls::Error::AlertReceived(
                    AlertDescription::HandshakeFailure,
                )),
                tls,
                FailureKind::Alert("handshake_failure".into()),
            ),
            (
                rustls_io(rustls::Error::AlertReceived(
                    AlertDescription::ProtocolVersion,
                )),
                tls,
                FailureKind::ProtocolVersion,
            ),
            (
                rustls_io(rustls::Error::PeerIncompatible(
                    PeerIncompatible::ServerDoesNotSupportTls12Or13,
                )),
                b"\x16\x03\x01",
                FailureKind::ProtocolVersion,
            ),
            (
                rustls_io(rustls::Error::InvalidMessage(
                    rustls::InvalidMessage::InvalidContentType,
                )),
                b"220 mail.test ESMTP\r\n",
                FailureKind::Plaintext,
            ),
            (
                io::Error::new(io::ErrorKind::UnexpectedEof, "eof"),
                b"",
                FailureKind::Closed,
            ),
            (
                io::Error::from(io::ErrorKind::ConnectionReset),
                b"",
                FailureKind::Closed,
            ),
            (
                io::Error::new(io::ErrorKind::UnexpectedEof, "eof"),
                b"HTTP/1.1 400 Bad Request\r\n",
                FailureKind::Plaintext,
            ),
            (
                io::Error::from(io::ErrorKind::TimedOut),
                b"",
                FailureKind::Io(io::ErrorKind::TimedOut),
            ),
            (
                rustls_io(rustls::Error::DecryptError),
                tls,
                FailureKind::Other,
            ),
        ];
        for (err, first, want) in cases {
            let (kind, text) = classify(&err, first);
            assert_eq!(kind, want, "{err:?} / {first:?}");
            assert!(!text.is_empty());
        }
    }
}
