//! A throw-away PKI for the lab: one generated CA that issues leaf certificates which
//! are valid, expired, not yet valid, self-signed or signed by another (untrusted) CA.
//! Keys are ECDSA P-256; nothing is read from or written to disk here.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

use super::LabError;

/// What kind of leaf certificate to issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKind {
    /// Issued by the CA, valid now.
    Valid,
    /// Issued by the CA, expired a day ago.
    Expired,
    /// Issued by the CA, valid now but expiring in ten days.
    ExpiresSoon,
    /// Issued by the CA, valid only from 30 days from now.
    NotYetValid,
    /// Self-signed, not issued by the CA.
    SelfSigned,
    /// Issued by a different, untrusted CA (whose certificate is sent in the chain).
    UnknownCa,
}

/// A certificate chain and its private key, ready for a rustls server.
#[derive(Clone)]
pub struct Identity {
    /// DER certificates, leaf first, then the issuing CA (absent for self-signed).
    pub chain_der: Vec<Vec<u8>>,
    /// The leaf's private key, PKCS#8 DER.
    pub key_der: Vec<u8>,
    /// The leaf certificate, DER (same as `chain_der[0]`).
    pub leaf_der: Vec<u8>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("chain_len", &self.chain_der.len())
            .field("leaf_der_len", &self.leaf_der.len())
            .field("key_der", &"<redacted>")
            .finish()
    }
}

/// A generated certificate authority.
pub struct Pki {
    issuer: Issuer<'static, KeyPair>,
    ca_der: Vec<u8>,
    ca_pem: String,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki")
            .field("ca_der_len", &self.ca_der.len())
            .finish_non_exhaustive()
    }
}

impl Pki {
    /// Generates a CA whose subject common name is `ca_name`.
    pub fn new(ca_name: &str) -> Result<Pki, LabError> {
        let (issuer, ca_der, ca_pem) = make_ca(ca_name)?;
        Ok(Pki {
            issuer,
            ca_der,
            ca_pem,
        })
    }

    /// The CA certificate, PEM (to trust it: write it to a file for `--ca-file`).
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> Vec<u8> {
        self.ca_der.clone()
    }

    /// Issues a leaf for `names` (DNS names or IP literals) with the given kind. The
    /// first name also becomes the subject common name.
    pub fn issue(&self, names: &[&str], kind: CertKind) -> Result<Identity, LabError> {
        let first = names.first().ok_or(LabError::NoNames)?;
        let now = OffsetDateTime::now_utc();
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_string()).collect::<Vec<_>>())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, *first);
        dn.push(DnType::OrganizationName, "smtptui lab");
        params.distinguished_name = dn;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = kind != CertKind::SelfSigned;
        let (not_before, not_after) = match kind {
            CertKind::Expired => (now - Duration::days(90), now - Duration::days(1)),
            CertKind::ExpiresSoon => (now - Duration::days(80), now + Duration::days(10)),
            CertKind::NotYetValid => (now + Duration::days(30), now + Duration::days(120)),
            CertKind::Valid | CertKind::SelfSigned | CertKind::UnknownCa => {
                (now - Duration::hours(1), now + Duration::days(90))
            }
        };
        params.not_before = not_before;
        params.not_after = not_after;
        let key = KeyPair::generate()?;
        let (leaf_der, chain_der) = match kind {
            CertKind::SelfSigned => {
                let leaf = params.self_signed(&key)?.der().to_vec();
                (leaf.clone(), vec![leaf])
            }
            CertKind::UnknownCa => {
                let (other, other_der, _) = make_ca("smtptui Untrusted Lab CA")?;
                let leaf = params.signed_by(&key, &other)?.der().to_vec();
                (leaf.clone(), vec![leaf, other_der])
            }
            CertKind::Valid | CertKind::Expired | CertKind::ExpiresSoon | CertKind::NotYetValid => {
                let leaf = params.signed_by(&key, &self.issuer)?.der().to_vec();
                (leaf.clone(), vec![leaf, self.ca_der.clone()])
            }
        };
        Ok(Identity {
            chain_der,
            key_der: key.serialize_der(),
            leaf_der,
        })
    }
}

/// Generates a self-signed CA valid from a year ago for ten years.
fn make_ca(name: &str) -> Result<(Issuer<'static, KeyPair>, Vec<u8>, String), LabError> {
    let now = OffsetDateTime::now_utc();
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn.push(DnType::OrganizationName, "smtptui lab");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = now - Duration::days(365);
    params.not_after = now + Duration::days(3650);
    let key = KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    let der = cert.der().to_vec();
    let pem = cert.pem();
    Ok((Issuer::new(params, key), der, pem))
}
