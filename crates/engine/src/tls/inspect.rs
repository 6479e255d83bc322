//! Certificate inspection: turns one DER certificate into a [`CertSummary`] with
//! x509-parser. Every certificate field is attacker-controlled, so every string that
//! leaves this module went through [`escape_str`] / [`escape_bytes`], and no input
//! (however malformed) makes it panic.

use std::fmt::Write as _;

use ring::digest;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::asn1_rs::Tag;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::objects::{oid_registry, oid2abbrev, oid2sn};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_NIST_EC_P384, OID_NIST_EC_P521, OID_SIG_ED448, OID_SIG_ED25519,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::{AttributeTypeAndValue, SubjectPublicKeyInfo, X509Name};

use crate::model::{CertSummary, escape_bytes, escape_str};

/// Summarises one DER-encoded certificate. Never panics; a certificate that does not
/// parse is an `Err` with the parser's complaint in words.
pub fn summarize(der: &[u8]) -> Result<CertSummary, String> {
    summarize_at(der, OffsetDateTime::now_utc().unix_timestamp())
}

/// [`summarize`] with `now` (Unix seconds) given, so `days_left` is testable.
pub fn summarize_at(der: &[u8], now: i64) -> Result<CertSummary, String> {
    let (_rest, cert) = X509Certificate::from_der(der)
        .map_err(|e| escape_str(&format!("certificate does not parse: {e}")))?;
    let not_before = cert.validity().not_before.to_datetime();
    let not_after = cert.validity().not_after.to_datetime();
    let same_name = cert.subject().as_raw() == cert.issuer().as_raw();
    Ok(CertSummary {
        subject: format_name(cert.subject()),
        issuer: format_name(cert.issuer()),
        sans: sans(&cert),
        not_before: format_time(not_before),
        not_after: format_time(not_after),
        days_left: crate::model::cert::whole_days(not_after.unix_timestamp() - now),
        key: describe_key(cert.public_key()),
        signature: oid_name(&cert.signature_algorithm.algorithm),
        serial: colon_hex(cert.raw_serial(), false),
        sha256: sha256_fingerprint(der),
        self_signed: same_name && cert.verify_signature(None).is_ok(),
        is_ca: cert.is_ca(),
    })
}

/// SHA-256 of `der` as colon-separated upper-case hex (`AB:CD:…`).
pub fn sha256_fingerprint(der: &[u8]) -> String {
    colon_hex(digest::digest(&digest::SHA256, der).as_ref(), true)
}

/// Formats a Unix timestamp as RFC 3339 UTC (`2024-01-01T00:00:00Z`).
pub fn format_unix(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs).map_or_else(|_| format!("@{secs}"), format_time)
}

/// RFC 3339 in UTC; years outside 0000–9999 cannot be written that way and fall back
/// to the `time` crate's display form.
fn format_time(t: OffsetDateTime) -> String {
    // `to_offset` panics when the shifted date leaves the supported range.
    let t = t.checked_to_offset(time::UtcOffset::UTC).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn colon_hex(bytes: &[u8], upper: bool) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        if upper {
            let _ = write!(out, "{b:02X}");
        } else {
            let _ = write!(out, "{b:02x}");
        }
    }
    out
}

fn oid_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    match oid2sn(oid, oid_registry()) {
        Ok(sn) => escape_str(sn),
        Err(_) => escape_str(&oid.to_id_string()),
    }
}

/// A distinguished name in the familiar `CN=…, O=…` form (encoded order, as OpenSSL
/// prints it). Values that are not strings come out as `#HEX` (RFC 4514).
fn format_name(name: &X509Name<'_>) -> String {
    let mut out = String::new();
    for (i, rdn) in name.iter_rdn().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        for (j, attr) in rdn.iter().enumerate() {
            if j > 0 {
                out.push_str(" + ");
            }
            match oid2abbrev(attr.attr_type(), oid_registry()) {
                Ok(abbrev) => out.push_str(&escape_str(abbrev)),
                Err(_) => out.push_str(&escape_str(&attr.attr_type().to_id_string())),
            }
            out.push('=');
            out.push_str(&attribute_value(attr));
        }
    }
    out
}

fn attribute_value(attr: &AttributeTypeAndValue<'_>) -> String {
    let value = attr.attr_value();
    let data = value.data;
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString
        | Tag::T61String
        | Tag::GeneralString
        | Tag::GraphicString
        | Tag::VideotexString => escape_bytes(data),
        Tag::BmpString => {
            let units = data
                .chunks(2)
                // `chunks` never yields an empty slice, so `c[0]` exists.
                .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
            let s: String = char::decode_utf16(units)
                .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            escape_str(&s)
        }
        Tag::UniversalString => {
            let s: String = data
                .chunks(4)
                .map(|c| {
                    let mut buf = [0u8; 4];
                    buf[..c.len()].copy_from_slice(c);
                    char::from_u32(u32::from_be_bytes(buf)).unwrap_or(char::REPLACEMENT_CHARACTER)
                })
                .collect();
            escape_str(&s)
        }
        _ => format!("#{}", colon_hex(data, true).replace(':', "")),
    }
}

fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ext)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value.general_names.iter().map(general_name).collect()
}

fn general_name(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(s) => escape_str(s),
        GeneralName::IPAddress(bytes) => format!("IP:{}", ip_text(bytes)),
        GeneralName::RFC822Name(s) => format!("email:{}", escape_str(s)),
        GeneralName::URI(s) => format!("URI:{}", escape_str(s)),
        GeneralName::DirectoryName(n) => format!("DirName:{}", format_name(n)),
        GeneralName::RegisteredID(oid) => format!("RID:{}", escape_str(&oid.to_id_string())),
        GeneralName::OtherName(oid, _) => {
            format!("othername:{}", escape_str(&oid.to_id_string()))
        }
        GeneralName::X400Address(_) => "X400Name:<unsupported>".to_string(),
        GeneralName::EDIPartyName(_) => "EdiPartyName:<unsupported>".to_string(),
        GeneralName::Invalid(tag, data) => {
            format!("invalid[{}]:{}", tag.0, escape_bytes(data))
        }
    }
}

fn ip_text(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        std::net::Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        std::net::Ipv6Addr::from(v6).to_string()
    } else {
        // Name constraints use address+mask; anything else is malformed. Show it raw.
        colon_hex(bytes, false)
    }
}

/// `RSA 2048`, `EC P-256`, `Ed25519`, or the algorithm's name.
fn describe_key(spki: &SubjectPublicKeyInfo<'_>) -> String {
    let alg = &spki.algorithm.algorithm;
    if *alg == OID_SIG_ED25519 {
        return "Ed25519".to_string();
    }
    if *alg == OID_SIG_ED448 {
        return "Ed448".to_string();
    }
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA {}", rsa.key_size()),
        Ok(PublicKey::EC(point)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            match curve {
                Some(c) if c == OID_EC_P256 => "EC P-256".to_string(),
                Some(c) if c == OID_NIST_EC_P384 => "EC P-384".to_string(),
                Some(c) if c == OID_NIST_EC_P521 => "EC P-521".to_string(),
                Some(c) => format!("EC {}", oid_name(&c)),
                None => format!("EC {}", point.key_size()),
            }
        }
        Ok(PublicKey::DSA(y)) => format!("DSA {}", y.len() * 8),
        Ok(_) | Err(_) => oid_name(alg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colon_hex_forms() {
        assert_eq!(colon_hex(&[0x0a, 0xff], true), "0A:FF");
        assert_eq!(colon_hex(&[0x0a, 0xff], false), "0a:ff");
        assert_eq!(colon_hex(&[], true), "");
    }

    #[test]
    fn format_unix_is_rfc3339_utc() {
        assert_eq!(format_unix(1_704_067_200), "2024-01-01T00:00:00Z");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(summarize(b"").is_err());
        assert!(summarize(b"\x30\x03\x02\x01\x00").is_err());
    }

    #[test]
    fn ip_text_forms() {
        assert_eq!(ip_text(&[192, 0, 2, 1]), "192.0.2.1");
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert_eq!(ip_text(&v6), "::1");
        assert_eq!(ip_text(&[1, 2, 3]), "01:02:03");
    }
}
