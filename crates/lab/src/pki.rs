//! A throw-away PKI for the lab: one generated CA that issues leaf certificates which
//! are valid, expired, not yet valid, self-signed or signed by another (untrusted) CA;
//! with [`LeafOptions`], a leaf whose subject name is any string (hostile bytes
//! included) and chains with intermediates, padded to any size.
//! Keys are ECDSA P-256; nothing is read from or written to disk here.

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
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

/// How to issue a leaf beyond its names and kind ([`Pki::issue_with`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct LeafOptions<'a> {
    /// The subject common name (default: the first name). Any string: certificate
    /// fields with escape sequences or bidi overrides are what hostile tests need.
    pub common_name: Option<&'a str>,
    /// Intermediate CAs between the leaf and its CA (default none). The chain is then
    /// the leaf, the intermediates nearest first, and the CA. Ignored for
    /// [`CertKind::SelfSigned`].
    pub intermediates: usize,
    /// Bytes of a private, non-critical extension added to each intermediate (default
    /// none), to make large chains.
    pub padding: usize,
}

/// A private arbitrary OID for padding extensions (under the example arc
/// 1.3.6.1.4.1.32473, RFC 5612).
const PAD_OID: &[u64] = &[1, 3, 6, 1, 4, 1, 32473, 7, 1];

/// A certificate chain and its private key, ready for a rustls server.
#[derive(Clone)]
pub struct Identity {
    /// DER certificates, leaf first, then any intermediates, then the issuing CA
    /// (absent for self-signed).
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
        self.issue_with(names, kind, LeafOptions::default())
    }

    /// [`Pki::issue`] with a common name of its own and intermediates
    /// ([`LeafOptions`]).
    pub fn issue_with(
        &self,
        names: &[&str],
        kind: CertKind,
        options: LeafOptions<'_>,
    ) -> Result<Identity, LabError> {
        let first = names.first().ok_or(LabError::NoNames)?;
        let params = leaf_params(names, options.common_name.unwrap_or(first), kind)?;
        let key = KeyPair::generate()?;
        let chain_der = match kind {
            CertKind::SelfSigned => vec![params.self_signed(&key)?.der().to_vec()],
            CertKind::UnknownCa => {
                let (other, other_der, _) = make_ca("smtptui Untrusted Lab CA")?;
                signed_chain(&params, &key, &other, &other_der, options)?
            }
            CertKind::Valid | CertKind::Expired | CertKind::ExpiresSoon | CertKind::NotYetValid => {
                signed_chain(&params, &key, &self.issuer, &self.ca_der, options)?
            }
        };
        Ok(Identity {
            leaf_der: chain_der[0].clone(),
            chain_der,
            key_der: key.serialize_der(),
        })
    }
}

/// The parameters of a leaf for `names` with subject `common_name`, valid as `kind`
/// says.
fn leaf_params(
    names: &[&str],
    common_name: &str,
    kind: CertKind,
) -> Result<CertificateParams, LabError> {
    let now = OffsetDateTime::now_utc();
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_string()).collect::<Vec<_>>())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
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
    Ok(params)
}

/// Signs the leaf through `options.intermediates` new intermediate CAs under `root`;
/// returns the chain: leaf, intermediates nearest first, root.
fn signed_chain(
    params: &CertificateParams,
    key: &KeyPair,
    root: &Issuer<'static, KeyPair>,
    root_der: &[u8],
    options: LeafOptions<'_>,
) -> Result<Vec<Vec<u8>>, LabError> {
    let mut above = Vec::with_capacity(options.intermediates + 1);
    let mut nearest: Option<Issuer<'static, KeyPair>> = None;
    for i in 0..options.intermediates {
        let mut ca = ca_params(&format!("smtptui lab intermediate {i}"));
        if options.padding > 0 {
            ca.custom_extensions = vec![padding(options.padding)];
        }
        let ca_key = KeyPair::generate()?;
        let cert = ca.signed_by(&ca_key, nearest.as_ref().unwrap_or(root))?;
        above.push(cert.der().to_vec());
        nearest = Some(Issuer::new(ca, ca_key));
    }
    above.reverse();
    above.push(root_der.to_vec());
    let leaf = params.signed_by(key, nearest.as_ref().unwrap_or(root))?;
    let mut chain = vec![leaf.der().to_vec()];
    chain.extend(above);
    Ok(chain)
}

/// A non-critical private extension whose value is an OCTET STRING of `len` bytes.
fn padding(len: usize) -> CustomExtension {
    let mut content = vec![0x04];
    if len < 0x80 {
        content.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        content.push(0x80 | (bytes.len() - skip) as u8);
        content.extend_from_slice(&bytes[skip..]);
    }
    content.extend(std::iter::repeat_n(b'P', len));
    CustomExtension::from_oid_content(PAD_OID, content)
}

/// The parameters of a CA named `name`, valid from a year ago for ten years.
fn ca_params(name: &str) -> CertificateParams {
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
    params
}

/// Generates a self-signed CA valid from a year ago for ten years.
fn make_ca(name: &str) -> Result<(Issuer<'static, KeyPair>, Vec<u8>, String), LabError> {
    let params = ca_params(name);
    let key = KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    let der = cert.der().to_vec();
    let pem = cert.pem();
    Ok((Issuer::new(params, key), der, pem))
}
