//! The rustls server configuration of a lab server, built with an explicit ring
//! provider so that nothing depends on a process-wide default provider.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::LabError;
use super::script::{ClientCert, Script, TlsMode, TlsVersions};

/// Builds the acceptor for a script, or `None` when the script never uses TLS.
pub(crate) fn acceptor_for(script: &Script) -> Result<Option<tokio_rustls::TlsAcceptor>, LabError> {
    if script.tls == TlsMode::Plain {
        return Ok(None);
    }
    let id = script.identity.as_ref().ok_or(LabError::MissingIdentity)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&'static rustls::SupportedProtocolVersion] = match script.tls_versions {
        TlsVersions::Default => &[&rustls::version::TLS13, &rustls::version::TLS12],
        TlsVersions::Tls12Only => &[&rustls::version::TLS12],
        TlsVersions::Tls13Only => &[&rustls::version::TLS13],
    };
    let chain: Vec<CertificateDer<'static>> = id
        .chain_der
        .iter()
        .map(|c| CertificateDer::from(c.clone()))
        .collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_der.clone()));
    let builder =
        ServerConfig::builder_with_provider(provider.clone()).with_protocol_versions(versions)?;
    let config = if script.client_cert == ClientCert::Required {
        let mut roots = rustls::RootCertStore::empty();
        let anchor = id.chain_der.last().ok_or(LabError::MissingIdentity)?;
        roots.add(CertificateDer::from(anchor.clone()))?;
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build()?;
        builder
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)?
    } else {
        builder.with_no_client_auth().with_single_cert(chain, key)?
    };
    Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))))
}
