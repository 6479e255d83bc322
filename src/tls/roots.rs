//! Trust anchors: the webpki-roots bundle, the system store (rustls-native-certs) and an
//! optional extra CA file, counted so the UI can say what it trusted.

use std::path::Path;

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::TlsError;

/// A root store plus how many anchors came from where.
#[derive(Debug)]
pub(crate) struct LoadedRoots {
    pub store: RootCertStore,
    pub webpki: usize,
    /// `None` when the system store was not consulted (`no_system_roots`).
    pub system: Option<usize>,
    pub ca_file: Option<usize>,
}

impl LoadedRoots {
    /// e.g. `webpki 146 + system 140 + ca-file 1`.
    pub fn description(&self) -> String {
        let mut parts = vec![format!("webpki {}", self.webpki)];
        match self.system {
            Some(n) => parts.push(format!("system {n}")),
            None => parts.push("system off".to_string()),
        }
        if let Some(n) = self.ca_file {
            parts.push(format!("ca-file {n}"));
        }
        parts.join(" + ")
    }
}

/// Builds the root store.
pub(crate) fn load(ca_file: Option<&Path>, system: bool) -> Result<LoadedRoots, TlsError> {
    let mut store = RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let webpki = store.len();

    let system = if system {
        // Errors here (unreadable bundle, no bundle at all) are not fatal: the webpki
        // bundle still stands, and the count of 0 shows what happened.
        let found = rustls_native_certs::load_native_certs();
        let (added, _ignored) = store.add_parsable_certificates(found.certs);
        Some(added)
    } else {
        None
    };

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
        system,
        ca_file,
    })
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
