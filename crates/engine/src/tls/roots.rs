//! Trust anchors: the webpki-roots bundle and an optional extra CA file, loaded at
//! once, and the system store (rustls-native-certs), loaded only when a chain does not
//! verify without it ([`SystemRoots`]). Reading the system store costs more than the
//! rest of a loopback probe (it parses the bundle and every file of `/etc/ssl/certs`),
//! and a chain that verifies against a subset of the anchors verifies against all of
//! them, so a verdict is the same as if every anchor had been loaded up front.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::TlsError;

/// The anchors loaded up front (webpki + `--ca-file`), counted so the UI can say what
/// it trusted.
#[derive(Debug)]
pub(crate) struct LoadedRoots {
    pub store: RootCertStore,
    pub webpki: usize,
    pub ca_file: Option<usize>,
}

/// Builds the up-front root store: webpki-roots plus `ca_file`.
pub(crate) fn load(ca_file: Option<&Path>) -> Result<LoadedRoots, TlsError> {
    let mut store = RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let webpki = store.len();
    let ca_file = match ca_file {
        Some(path) => {
            let certs = read_ca_file(path)?;
            let n = certs.len();
            for (i, cert) in certs.into_iter().enumerate() {
                store.add(cert).map_err(|e| TlsError::CaFile {
                    path: path.display().to_string(),
                    reason: format!("certificate {} is not a usable trust anchor: {e}", i + 1),
                })?;
            }
            Some(n)
        }
        None => None,
    };
    if store.is_empty() {
        return Err(TlsError::NoRoots);
    }
    Ok(LoadedRoots {
        store,
        webpki,
        ca_file,
    })
}

/// The system trust store, read on first use: a verifier over the up-front anchors
/// plus the system's. Shared by every handshake of a run (clones of the `TlsClient`).
/// The read happens inside the certificate verifier (rustls's callback is synchronous):
/// a few milliseconds, once per run, on the task of the first handshake that needs it.
#[derive(Debug)]
pub(crate) struct SystemRoots {
    base: RootCertStore,
    provider: Arc<CryptoProvider>,
    loaded: OnceLock<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    /// How many system anchors were added.
    added: usize,
    /// None when the system store added nothing (nothing to verify again with).
    verifier: Option<Arc<WebPkiServerVerifier>>,
}

impl SystemRoots {
    /// The system store on top of `base`, not read yet.
    pub fn new(base: RootCertStore, provider: Arc<CryptoProvider>) -> Self {
        Self {
            base,
            provider,
            loaded: OnceLock::new(),
        }
    }

    fn get(&self) -> &Loaded {
        self.loaded.get_or_init(|| {
            let mut store = self.base.clone();
            // Errors here (unreadable bundle, no bundle at all) are not fatal: the
            // up-front anchors still stand, and the count of 0 shows what happened.
            let found = rustls_native_certs::load_native_certs();
            let (added, _ignored) = store.add_parsable_certificates(found.certs);
            let verifier = (added > 0)
                .then(|| {
                    WebPkiServerVerifier::builder_with_provider(
                        Arc::new(store),
                        self.provider.clone(),
                    )
                    .build()
                    .ok()
                })
                .flatten();
            Loaded { added, verifier }
        })
    }

    /// The verifier with every anchor (reads the system store on first call); None
    /// when the system store holds nothing usable.
    pub fn verifier(&self) -> Option<&Arc<WebPkiServerVerifier>> {
        self.get().verifier.as_ref()
    }

    /// How many system anchors were added, or None when the store was not read yet.
    pub fn count(&self) -> Option<usize> {
        self.loaded.get().map(|l| l.added)
    }
}

/// e.g. `webpki 146 + system 140 + ca-file 1`; `system off` with `no_system_roots`,
/// `system when needed` while the system store has not been read.
pub(crate) fn description(
    webpki: usize,
    ca_file: Option<usize>,
    system: Option<&SystemRoots>,
) -> String {
    let mut parts = vec![format!("webpki {webpki}")];
    match system.map(SystemRoots::count) {
        Some(Some(n)) => parts.push(format!("system {n}")),
        Some(None) => parts.push("system when needed".to_string()),
        None => parts.push("system off".to_string()),
    }
    if let Some(n) = ca_file {
        parts.push(format!("ca-file {n}"));
    }
    parts.join(" + ")
}

/// Reads every certificate from a PEM file (a single DER certificate is accepted too).
pub(crate) fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let fail = |reason: String| TlsError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    let mut certs = Vec::new();
    for (i, item) in CertificateDer::pem_slice_iter(&bytes).enumerate() {
        let cert = item.map_err(|e| fail(format!("PEM section {} is malformed: {e}", i + 1)))?;
        certs.push(cert);
    }
    if certs.is_empty() {
        if bytes.first() == Some(&0x30) && super::inspect::summarize(&bytes).is_ok() {
            certs.push(CertificateDer::from(bytes));
        } else {
            return Err(fail("no PEM CERTIFICATE section found".to_string()));
        }
    }
    Ok(certs)
}
