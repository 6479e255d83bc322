//! DANE for SMTP (RFC 7672): matching TLSA records against a presented chain.
//! Usages 3 (DANE-EE, the leaf) and 2 (DANE-TA, a certificate above the leaf) are
//! usable; 0/1 (PKIX-*) are unusable for SMTP. Selector 0 is the whole certificate,
//! 1 its SubjectPublicKeyInfo; matching 0 exact, 1 SHA-256, 2 SHA-512.

use ring::digest;
use x509_parser::prelude::{FromDer as _, X509Certificate};

use crate::dns::TlsaRecord;

/// How a record relates to a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsaMatch {
    /// It matches certificate `index` of the chain (0 = leaf).
    Matches(usize),
    /// Usable, but nothing in the chain matches.
    NoMatch,
    /// Unusable for SMTP (usage 0/1, unknown selector or matching type).
    Unusable,
}

/// The bytes `selector` picks from a certificate.
fn selected(der: &[u8], selector: u8) -> Option<Vec<u8>> {
    match selector {
        0 => Some(der.to_vec()),
        1 => X509Certificate::from_der(der)
            .ok()
            .map(|(_, c)| c.tbs_certificate.subject_pki.raw.to_vec()),
        _ => None,
    }
}

/// The association data `matching` computes from `bytes`.
fn associate(bytes: &[u8], matching: u8) -> Option<Vec<u8>> {
    match matching {
        0 => Some(bytes.to_vec()),
        1 => Some(digest::digest(&digest::SHA256, bytes).as_ref().to_vec()),
        2 => Some(digest::digest(&digest::SHA512, bytes).as_ref().to_vec()),
        _ => None,
    }
}

/// Matches one record against `chain` (DER, leaf first).
pub fn match_record<C: AsRef<[u8]>>(record: &TlsaRecord, chain: &[C]) -> TlsaMatch {
    let candidates: Vec<usize> = match record.usage {
        3 => vec![0],
        2 => (1..chain.len()).collect(),
        _ => return TlsaMatch::Unusable,
    };
    if record.selector > 1 || record.matching > 2 {
        return TlsaMatch::Unusable;
    }
    for i in candidates {
        let Some(der) = chain.get(i) else { continue };
        let computed =
            selected(der.as_ref(), record.selector).and_then(|b| associate(&b, record.matching));
        if computed.as_deref() == Some(record.data.as_slice()) {
            return TlsaMatch::Matches(i);
        }
    }
    TlsaMatch::NoMatch
}

/// A record for `der` with the given parameters (for tests and for showing what the
/// record *should* be).
pub fn record_for(der: &[u8], usage: u8, selector: u8, matching: u8) -> Option<TlsaRecord> {
    let data = associate(&selected(der, selector)?, matching)?;
    Some(TlsaRecord {
        usage,
        selector,
        matching,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtptui_lab::{CertKind, Pki};

    #[test]
    fn matching_all_combinations() {
        let pki = Pki::new("dane test CA").unwrap();
        let id = pki.issue(&["mx.test"], CertKind::Valid).unwrap();
        let leaf = id.leaf_der.clone();
        let ca = pki.ca_der();
        let chain = vec![leaf.clone(), ca.clone()];
        for selector in 0..=1 {
            for matching in 0..=2 {
                let ee = record_for(&leaf, 3, selector, matching).unwrap();
                assert_eq!(match_record(&ee, &chain), TlsaMatch::Matches(0));
                let ta = record_for(&ca, 2, selector, matching).unwrap();
                assert_eq!(match_record(&ta, &chain), TlsaMatch::Matches(1));
                // A DANE-EE record of the CA does not match the leaf position.
                let wrong = record_for(&ca, 3, selector, matching).unwrap();
                assert_eq!(match_record(&wrong, &chain), TlsaMatch::NoMatch);
            }
        }
        let pkix = record_for(&leaf, 1, 1, 1).unwrap();
        assert_eq!(match_record(&pkix, &chain), TlsaMatch::Unusable);
        let mut odd = record_for(&leaf, 3, 1, 1).unwrap();
        odd.matching = 9;
        assert_eq!(match_record(&odd, &chain), TlsaMatch::Unusable);
        // DANE-TA needs a certificate above the leaf.
        let ta_leaf = record_for(&leaf, 2, 0, 1).unwrap();
        assert_eq!(match_record(&ta_leaf, &chain[..1]), TlsaMatch::NoMatch);
    }
}
