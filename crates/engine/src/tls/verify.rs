//! The capturing verifier: runs the real webpki chain verification, records the chain
//! and the verdict for the inspector, and lets the handshake go on whatever the verdict
//! (handshake signatures are still verified for real). Also a client-certificate
//! "resolver" that only records whether the server asked for one, and the translation
//! of rustls's certificate errors into a [`CertProblem`] and a sentence.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::ResolvesClientCert;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

use super::inspect::format_unix;
use super::roots::SystemRoots;
use crate::model::{CertProblem, CertSummary, escape_str};

/// What the verifier saw during one handshake.
#[derive(Debug)]
pub(crate) struct Capture {
    /// The peer's chain as presented, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The real verifier's verdict.
    pub result: Result<(), rustls::Error>,
}

/// Per-handshake record shared by the verifier, the client-cert probe and the caller.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    capture: Mutex<Option<Capture>>,
    client_cert_requested: AtomicBool,
    client_cert_cas: Mutex<Vec<String>>,
}

impl Slot {
    /// Takes what the verifier recorded (None when it never ran).
    pub fn take(&self) -> Option<Capture> {
        self.capture
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Whether the server sent a CertificateRequest.
    pub fn client_cert_requested(&self) -> bool {
        self.client_cert_requested.load(Ordering::Relaxed)
    }

    /// The CA names the server listed in its CertificateRequest (escaped).
    pub fn client_cert_cas(&self) -> Vec<String> {
        self.client_cert_cas
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Wraps [`WebPkiServerVerifier`]: records, then always accepts the chain. A chain
/// that does not verify against `inner` is verified again with the system store added
/// (read then, once per run), and that verdict is the one recorded.
#[derive(Debug)]
pub(crate) struct CapturingVerifier {
    pub inner: Arc<WebPkiServerVerifier>,
    pub system: Option<Arc<SystemRoots>>,
    pub slot: Arc<Slot>,
}

impl ServerCertVerifier for CapturingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut result = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ());
        // More anchors can only add chains, so only a failure needs the system store.
        if result.is_err()
            && let Some(full) = self.system.as_ref().and_then(|s| s.verifier())
        {
            result = full
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map(|_| ());
        }
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        let capture = Capture { chain, result };
        *self
            .slot
            .capture
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(capture);
        // The verdict is reported through the slot; the caller decides what to do.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

/// A client-certificate resolver with no certificate: records that the server asked.
#[derive(Debug)]
pub(crate) struct ClientCertProbe(pub Arc<Slot>, pub Option<Arc<CertifiedKey>>);

impl ResolvesClientCert for ClientCertProbe {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.0.client_cert_requested.store(true, Ordering::Relaxed);
        let names: Vec<String> = root_hint_subjects
            .iter()
            .take(64)
            .map(|der| describe_dn(der))
            .collect();
        *self
            .0
            .client_cert_cas
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = names;
        self.1.clone()
    }

    fn has_certs(&self) -> bool {
        self.1.is_some()
    }
}

/// A DER distinguished name (as in a CertificateRequest) in words, escaped.
fn describe_dn(der: &[u8]) -> String {
    // rustls hands over the DN's contents without the outer SEQUENCE header.
    let mut wrapped = vec![0x30];
    let len = der.len();
    if len < 0x80 {
        wrapped.push(len as u8);
    } else if len < 0x100 {
        wrapped.extend_from_slice(&[0x81, len as u8]);
    } else {
        wrapped.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    wrapped.extend_from_slice(der);
    for candidate in [der, &wrapped[..]] {
        if let Ok((_, name)) =
            <x509_parser::x509::X509Name as x509_parser::prelude::FromDer<_>>::from_der(candidate)
        {
            return crate::model::escape_str(&name.to_string());
        }
    }
    crate::model::escape_bytes(der)
}

/// Classifies a verifier error and puts it in words. `chain` is the summarised peer
/// chain (leaf first), `checked_name` the name the leaf was checked against.
pub(crate) fn describe(
    err: &rustls::Error,
    chain: &[CertSummary],
    checked_name: &str,
) -> (CertProblem, String) {
    let rustls::Error::InvalidCertificate(cert_err) = err else {
        let text = escape_str(&err.to_string());
        return (CertProblem::Other(text.clone()), text);
    };
    let leaf = chain.first();
    match cert_err {
        CertificateError::Expired => {
            let when = leaf.map_or_else(String::new, |l| format!(" {}", l.not_after));
            (CertProblem::Expired, format!("certificate expired{when}"))
        }
        CertificateError::ExpiredContext { time, not_after } => {
            let date = format_unix(secs(*not_after));
            let which = which_cert(chain, &date, |c| &c.not_after);
            let ago = secs(*time) - secs(*not_after);
            (
                CertProblem::Expired,
                format!("{which} expired {date} ({})", days_ago(ago)),
            )
        }
        CertificateError::NotValidYet => {
            let when = leaf.map_or_else(String::new, |l| format!(" before {}", l.not_before));
            (
                CertProblem::NotYetValid,
                format!("certificate is not valid{when}"),
            )
        }
        CertificateError::NotValidYetContext { time, not_before } => {
            let nb = format_unix(secs(*not_before));
            let which = which_cert(chain, &nb, |c| &c.not_before);
            let until = secs(*not_before) - secs(*time);
            (
                CertProblem::NotYetValid,
                format!("{which} is not valid before {nb} ({})", days_ahead(until)),
            )
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            let names = match leaf {
                Some(l) if !l.sans.is_empty() => l.sans.join(", "),
                Some(l) => format!("no host name (no subjectAltName; subject {})", l.subject),
                None => "an unknown name".to_string(),
            };
            let checked = escape_str(checked_name);
            (
                CertProblem::HostnameMismatch,
                format!("certificate is for {names}; checked name: {checked}"),
            )
        }
        CertificateError::UnknownIssuer => {
            if let [only] = chain
                && only.self_signed
            {
                return (
                    CertProblem::SelfSigned,
                    format!("self-signed certificate {} is not trusted", only.subject),
                );
            }
            let top = chain
                .last()
                .map_or_else(String::new, |c| format!(" {}", c.issuer));
            (
                CertProblem::UnknownIssuer,
                format!(
                    "certificate issuer{top} is not a trusted root (chain of {} sent)",
                    chain.len()
                ),
            )
        }
        CertificateError::BadSignature => (
            CertProblem::BadSignature,
            "a signature in the certificate chain does not verify".to_string(),
        ),
        CertificateError::Revoked => other("certificate has been revoked"),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            other("certificate is not valid for server authentication (extended key usage)")
        }
        CertificateError::BadEncoding => other("certificate is not correctly encoded"),
        CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            other("certificate is signed with an unsupported signature algorithm")
        }
        e => other(&escape_str(
            &rustls::Error::InvalidCertificate(e.clone()).to_string(),
        )),
    }
}

fn other(text: &str) -> (CertProblem, String) {
    (CertProblem::Other(text.to_string()), text.to_string())
}

fn secs(t: UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

/// "certificate" for the leaf, "intermediate certificate CN=…" for another chain
/// member whose date matches.
fn which_cert(chain: &[CertSummary], date: &str, field: fn(&CertSummary) -> &String) -> String {
    match chain.iter().position(|c| field(c) == date) {
        Some(0) | None => "certificate".to_string(),
        Some(i) => format!("chain certificate {}", chain[i].subject),
    }
}

fn days_ago(secs: i64) -> String {
    match crate::model::cert::whole_days(secs) {
        0 => "less than a day ago".to_string(),
        1 => "1 day ago".to_string(),
        n => format!("{n} days ago"),
    }
}

fn days_ahead(secs: i64) -> String {
    match crate::model::cert::whole_days(secs) {
        0 => "in less than a day".to_string(),
        1 => "in 1 day".to_string(),
        n => format!("in {n} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(subject: &str, sans: &[&str], self_signed: bool) -> CertSummary {
        CertSummary {
            subject: subject.to_string(),
            issuer: subject.to_string(),
            sans: sans.iter().map(ToString::to_string).collect(),
            self_signed,
            not_after: "2024-01-01T00:00:00Z".to_string(),
            ..CertSummary::default()
        }
    }

    #[test]
    fn expired_context_names_date_and_age() {
        let not_after = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_704_067_200));
        let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            1_704_067_200 + 3 * 86_400 + 5,
        ));
        let err =
            rustls::Error::InvalidCertificate(CertificateError::ExpiredContext { time, not_after });
        let (p, text) = describe(&err, &[cert("CN=a", &["a"], false)], "a");
        assert_eq!(p, CertProblem::Expired);
        assert_eq!(
            text,
            "certificate expired 2024-01-01T00:00:00Z (3 days ago)"
        );
    }

    #[test]
    fn unknown_issuer_single_self_signed_is_self_signed() {
        let err = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let (p, _) = describe(&err, &[cert("CN=a", &[], true)], "a");
        assert_eq!(p, CertProblem::SelfSigned);
        let (p, _) = describe(&err, &[cert("CN=a", &[], false)], "a");
        assert_eq!(p, CertProblem::UnknownIssuer);
    }

    #[test]
    fn name_mismatch_lists_names() {
        let err = rustls::Error::InvalidCertificate(CertificateError::NotValidForName);
        let chain = [cert("CN=x", &["mail.other.test", "www.other.test"], false)];
        let (p, text) = describe(&err, &chain, "mail.test");
        assert_eq!(p, CertProblem::HostnameMismatch);
        assert_eq!(
            text,
            "certificate is for mail.other.test, www.other.test; checked name: mail.test"
        );
    }

    #[test]
    fn other_errors_are_other() {
        let err = rustls::Error::InvalidCertificate(CertificateError::Revoked);
        let (p, text) = describe(&err, &[], "a");
        assert!(matches!(p, CertProblem::Other(ref t) if *t == text));
        assert!(text.contains("revoked"), "{text}");
    }
}
