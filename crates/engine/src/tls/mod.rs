//! The TLS layer: rustls client configs (webpki roots, system roots, an extra CA file),
//! the client handshake used for STARTTLS and implicit TLS, and the inspection of the
//! peer chain. The handshake completes whenever the peer is willing, even when the
//! chain does not verify: the chain and the verifier's verdict land in [`TlsInfo`] so
//! the inspector can show *why*. Handshake signatures are always verified for real.

mod failure;
mod inspect;
mod roots;
mod sniff;
mod verify;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, ProtocolVersion};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;

pub use failure::{FailureKind, HandshakeFailure, alert_name, classify_io_error};
pub use inspect::{sha256_fingerprint, summarize, summarize_at};
pub use sniff::{SNIFF_LIMIT, Sniff};

use crate::model::{CertSummary, DerChain, TlsInfo, escape_str};
use crate::settings::TlsSettings;
use verify::{Capture, CapturingVerifier, ClientCertProbe, Slot};

/// Errors building the TLS client.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The `--ca-file` could not be read or holds no usable certificate.
    #[error("CA file {path}: {reason}")]
    CaFile {
        /// The file as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No trust anchors at all.
    #[error("no trust anchors could be loaded")]
    NoRoots,
    /// `--client-cert` / `--client-key` could not be used.
    #[error("client certificate: {0}")]
    ClientCert(String),
    /// rustls refused the verifier or the protocol versions (should not happen).
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// Installs rustls's ring provider as the process-wide default, once. Harmless when a
/// default is already installed. [`TlsClient`] does not depend on it (it passes its
/// provider explicitly); it is for code that calls `ClientConfig::builder()` or
/// `ServerConfig::builder()`.
pub fn install_default_provider() {
    // An Err only means a provider is already installed, which is what we want.
    let _ = ring::default_provider().install_default();
}

/// The TLS client for one run: trust anchors and provider, built once. Cheap to clone.
#[derive(Clone)]
pub struct TlsClient {
    inner: Arc<Inner>,
}

struct Inner {
    client_key: Option<Arc<rustls::sign::CertifiedKey>>,
    provider: Arc<CryptoProvider>,
    /// webpki + `--ca-file`, tried first.
    verifier: Arc<WebPkiServerVerifier>,
    /// The system store, read when a chain does not verify without it (None with
    /// `no_system_roots`).
    system: Option<Arc<roots::SystemRoots>>,
    webpki: usize,
    ca_file: Option<usize>,
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClient")
            .field("roots", &self.roots_description())
            .finish()
    }
}

impl TlsClient {
    /// Trust anchors: webpki-roots, plus the system store unless
    /// `settings.no_system_roots`, plus `settings.ca_file` (PEM, one or more
    /// certificates). A missing or unusable CA file is [`TlsError::CaFile`].
    ///
    /// The system store is read only when a chain does not verify against webpki-roots
    /// and the CA file (then that chain is verified again with every anchor, without
    /// reconnecting), so verdicts are those of one store holding all three.
    pub fn new(settings: &TlsSettings) -> Result<Self, TlsError> {
        install_default_provider();
        let provider = Arc::new(ring::default_provider());
        let roots = roots::load(settings.ca_file.as_deref())?;
        let system = (!settings.no_system_roots).then(|| {
            Arc::new(roots::SystemRoots::new(
                roots.store.clone(),
                provider.clone(),
            ))
        });
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots.store), provider.clone())
                .build()
                .map_err(|e| TlsError::Config(e.to_string()))?;
        let client_key = load_client_key(settings, &provider)?;
        Ok(Self {
            inner: Arc::new(Inner {
                client_key,
                provider,
                verifier,
                system,
                webpki: roots.webpki,
                ca_file: roots.ca_file,
            }),
        })
    }

    /// Where the trust anchors came from, e.g. `webpki 146 + system 140 + ca-file 1`
    /// (`system off` with `no_system_roots`; `system when needed` while no chain has
    /// needed the system store yet).
    pub fn roots_description(&self) -> String {
        roots::description(
            self.inner.webpki,
            self.inner.ca_file,
            self.inner.system.as_deref(),
        )
    }

    /// A fresh config whose verifier and client-cert probe report into `slot`.
    fn config(&self, slot: &Arc<Slot>) -> Result<ClientConfig, rustls::Error> {
        let verifier = CapturingVerifier {
            inner: self.inner.verifier.clone(),
            system: self.inner.system.clone(),
            slot: slot.clone(),
        };
        let mut config = ClientConfig::builder_with_provider(self.inner.provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_cert_resolver(Arc::new(ClientCertProbe(
                slot.clone(),
                self.inner.client_key.clone(),
            )));
        // One config per handshake: a session cache would never be reused, and every
        // probe should see a full handshake anyway.
        config.resumption = Resumption::disabled();
        Ok(config)
    }

    /// Client handshake on `stream` with SNI = `server_name` (an IP literal is allowed:
    /// then no SNI is sent and the certificate's IP SANs are checked).
    ///
    /// Completes whenever the peer is willing, even if the chain does not verify: see
    /// [`TlsInfo::verified`], `error` and `problem`. On failure, [`HandshakeFailure`]
    /// says why and carries what the server sent first.
    pub async fn handshake<S: AsyncRead + AsyncWrite + Unpin + Send>(
        &self,
        stream: S,
        server_name: &str,
    ) -> Result<(tokio_rustls::client::TlsStream<Sniff<S>>, TlsInfo), HandshakeFailure> {
        self.run(stream, server_name, None).await
    }

    /// [`TlsClient::handshake`] bounded by `limit`. Unlike wrapping `handshake` in
    /// `tokio::time::timeout`, a timeout still reports what the server sent and, if
    /// the server got that far, its chain (kind [`FailureKind::Io`]`(TimedOut)`).
    pub async fn handshake_within<S: AsyncRead + AsyncWrite + Unpin + Send>(
        &self,
        stream: S,
        server_name: &str,
        limit: Duration,
    ) -> Result<(tokio_rustls::client::TlsStream<Sniff<S>>, TlsInfo), HandshakeFailure> {
        self.run(stream, server_name, Some(limit)).await
    }

    async fn run<S: AsyncRead + AsyncWrite + Unpin + Send>(
        &self,
        stream: S,
        server_name: &str,
        limit: Option<Duration>,
    ) -> Result<(tokio_rustls::client::TlsStream<Sniff<S>>, TlsInfo), HandshakeFailure> {
        let early_failure = |error: String| HandshakeFailure {
            kind: FailureKind::Other,
            error,
            first_bytes: Vec::new(),
            info: None,
        };
        let name = ServerName::try_from(server_name.to_owned()).map_err(|e| {
            early_failure(format!(
                "invalid TLS server name {}: {e}",
                escape_str(server_name)
            ))
        })?;
        let slot = Arc::new(Slot::default());
        let config = self
            .config(&slot)
            .map_err(|e| early_failure(format!("TLS configuration: {e}")))?;
        let connector = TlsConnector::from(Arc::new(config));
        let shared = Arc::new(Mutex::new(Vec::new()));
        let connect = connector
            .connect(name, Sniff::with_shared(stream, shared.clone()))
            .into_fallible();
        let outcome = match limit {
            Some(limit) => tokio::time::timeout(limit, connect).await.ok(),
            None => Some(connect.await),
        };
        let failure_info = |slot: &Slot| {
            slot.take().map(|capture| {
                let mut info = verdict_info(Some(capture), server_name, None);
                info.client_cert_requested = slot.client_cert_requested();
                info.client_cert_cas = slot.client_cert_cas();
                info.client_cert_sent =
                    info.client_cert_requested && self.inner.client_key.is_some();
                info
            })
        };
        match outcome {
            Some(Ok(tls)) => {
                let conn = tls.get_ref().1;
                let mut info = verdict_info(slot.take(), server_name, conn.peer_certificates());
                info.client_cert_requested = slot.client_cert_requested();
                info.client_cert_cas = slot.client_cert_cas();
                info.client_cert_sent =
                    info.client_cert_requested && self.inner.client_key.is_some();
                fill_negotiated(&mut info, conn);
                Ok((tls, info))
            }
            Some(Err((err, io))) => {
                let first_bytes = io.first_bytes().to_vec();
                let (kind, error) = failure::classify(&err, &first_bytes);
                let info = failure_info(&slot);
                Err(HandshakeFailure {
                    kind,
                    error,
                    first_bytes,
                    info,
                })
            }
            None => {
                let first_bytes = shared
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let secs = limit.unwrap_or_default().as_secs_f64();
                Err(HandshakeFailure {
                    kind: FailureKind::Io(std::io::ErrorKind::TimedOut),
                    error: format!("the TLS handshake did not finish within {secs:.1} s"),
                    first_bytes,
                    info: failure_info(&slot),
                })
            }
        }
    }
}

/// Loads `--client-cert` (PEM chain) and `--client-key` (PEM private key).
fn load_client_key(
    settings: &TlsSettings,
    provider: &CryptoProvider,
) -> Result<Option<Arc<rustls::sign::CertifiedKey>>, TlsError> {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject as _;
    let (cert, key) = match (&settings.client_cert, &settings.client_key) {
        (None, None) => return Ok(None),
        (Some(c), Some(k)) => (c, k),
        _ => {
            return Err(TlsError::ClientCert(
                "--client-cert and --client-key go together".into(),
            ));
        }
    };
    let bad = |what: &std::path::Path, e: &dyn std::fmt::Display| {
        TlsError::ClientCert(format!("{}: {e}", what.display()))
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(cert, &e))?;
    if chain.is_empty() {
        return Err(bad(cert, &"no certificate in the file"));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, &e))?;
    let signing = provider
        .key_provider
        .load_private_key(key_der)
        .map_err(|e| bad(key, &e))?;
    Ok(Some(Arc::new(rustls::sign::CertifiedKey::new(
        chain, signing,
    ))))
}

/// Builds a [`TlsInfo`] with the chain and the verifier's verdict (negotiated
/// parameters are left empty). `fallback_chain` is used when the verifier never ran.
fn verdict_info(
    capture: Option<Capture>,
    checked_name: &str,
    fallback_chain: Option<&[CertificateDer<'static>]>,
) -> TlsInfo {
    let (ders, result): (Vec<CertificateDer<'static>>, _) = match capture {
        Some(c) => (c.chain, Some(c.result)),
        None => (fallback_chain.map(<[_]>::to_vec).unwrap_or_default(), None),
    };
    let chain: Vec<CertSummary> = ders.iter().map(|d| summarize_or_placeholder(d)).collect();
    let mut info = TlsInfo {
        checked_name: escape_str(checked_name),
        ..TlsInfo::default()
    };
    match result {
        Some(Ok(())) => info.verified = true,
        Some(Err(err)) => {
            let (problem, text) = verify::describe(&err, &chain, checked_name);
            info.problem = Some(problem);
            info.error = Some(text);
        }
        None => info.error = Some("the server's certificate was not checked".to_string()),
    }
    info.chain = chain;
    info.chain_der = DerChain(ders.iter().map(|d| d.to_vec()).collect());
    info
}

/// A summary, or for an unparsable certificate a summary that says so (with its
/// fingerprint, so it can still be told apart).
fn summarize_or_placeholder(der: &[u8]) -> CertSummary {
    summarize(der).unwrap_or_else(|e| CertSummary {
        subject: format!("<unparsable certificate: {e}>"),
        sha256: sha256_fingerprint(der),
        ..CertSummary::default()
    })
}

fn fill_negotiated(info: &mut TlsInfo, conn: &ClientConnection) {
    info.version = match conn.protocol_version() {
        Some(ProtocolVersion::TLSv1_3) => "TLSv1.3".to_string(),
        Some(ProtocolVersion::TLSv1_2) => "TLSv1.2".to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    };
    info.cipher = conn
        .negotiated_cipher_suite()
        .map(|s| {
            let suite = s.suite();
            suite
                .as_str()
                .map_or_else(|| format!("{suite:?}"), str::to_string)
        })
        .unwrap_or_default();
    info.group = conn.negotiated_key_exchange_group().map(|g| {
        let name = g.name();
        name.as_str()
            .map_or_else(|| format!("{name:?}"), str::to_string)
    });
}
