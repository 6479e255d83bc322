//! Certificate chains for the hostile-server tests, built with rcgen: a CA written to a
//! temporary PEM file, hostile-named leaves, long chains of intermediates and chains
//! padded with large extensions.

use std::fmt::Write as _;

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use smtptui_lab::Identity;
use time::{Duration, OffsetDateTime};

/// A private arbitrary OID for padding extensions (under the example arc 1.3.6.1.4.1.32473).
const PAD_OID: &[u64] = &[1, 3, 6, 1, 4, 1, 32473, 7, 1];

/// A CA (root or intermediate) that can issue certificates.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    /// The CA certificate, DER.
    pub der: Vec<u8>,
    /// The CA certificate, PEM.
    pub pem: String,
}

fn ca_params(name: &str, pad: usize) -> CertificateParams {
    let now = OffsetDateTime::now_utc();
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn.push(DnType::OrganizationName, "smtptui hostile lab");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(365);
    if pad > 0 {
        params.custom_extensions = vec![padding(pad)];
    }
    params
}

/// A non-critical private extension whose value is an OCTET STRING of `len` bytes.
fn padding(len: usize) -> CustomExtension {
    let mut content = vec![0x04, 0x83];
    content.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
    content.extend(std::iter::repeat_n(b'P', len));
    CustomExtension::from_oid_content(PAD_OID, content)
}

impl Ca {
    /// A self-signed root.
    pub fn root(name: &str) -> Ca {
        let params = ca_params(name, 0);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// An intermediate CA issued by `self`, padded with a `pad`-byte extension.
    pub fn intermediate(&self, name: &str, pad: usize) -> Ca {
        let params = ca_params(name, pad);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Ca {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server leaf for `sans` with subject CN `cn`; the chain is the leaf, then
    /// `above` (the intermediates, nearest first).
    pub fn leaf(&self, cn: &str, sans: &[&str], above: &[Vec<u8>]) -> Identity {
        let now = OffsetDateTime::now_utc();
        let mut params =
            CertificateParams::new(sans.iter().map(|s| (*s).to_string()).collect::<Vec<_>>())
                .unwrap();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, cn);
        params.distinguished_name = dn;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = now - Duration::hours(1);
        params.not_after = now + Duration::days(30);
        let key = KeyPair::generate().unwrap();
        let leaf = params.signed_by(&key, &self.issuer).unwrap().der().to_vec();
        let mut chain_der = vec![leaf.clone()];
        chain_der.extend(above.iter().cloned());
        Identity {
            chain_der,
            key_der: key.serialize_der(),
            leaf_der: leaf,
        }
    }

    /// The leaf's private key and certificate as PEM files for `openssl s_server`.
    pub fn leaf_pem_files(&self, name: &str, dir: &std::path::Path) -> (String, String) {
        let id = self.leaf(name, &[name], &[]);
        let cert = pem("CERTIFICATE", &id.leaf_der);
        let key = pem("PRIVATE KEY", &id.key_der);
        let cert_path = dir.join("leaf.pem");
        let key_path = dir.join("leaf.key");
        std::fs::write(&cert_path, cert).unwrap();
        std::fs::write(&key_path, key).unwrap();
        (
            cert_path.display().to_string(),
            key_path.display().to_string(),
        )
    }
}

/// Builds a chain of `n` certificates in total: leaf, `n - 2` intermediates (each
/// padded with `pad` bytes) and the root; returns the root and the identity.
pub fn long_chain(n: usize, pad: usize, host: &str) -> (Ca, Identity) {
    assert!(n >= 2);
    let root = Ca::root("smtptui hostile root");
    let mut ders = Vec::new();
    let mut cur: Option<Ca> = None;
    for i in 0..n - 2 {
        let next = cur
            .as_ref()
            .unwrap_or(&root)
            .intermediate(&format!("intermediate {i}"), pad);
        ders.push(next.der.clone());
        cur = Some(next);
    }
    // Nearest issuer first, root last.
    ders.reverse();
    ders.push(root.der.clone());
    let id = cur.as_ref().unwrap_or(&root).leaf(host, &[host], &ders);
    (root, id)
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    let _ = writeln!(out, "-----END {label}-----");
    out
}
