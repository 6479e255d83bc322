//! DKIM key records (RFC 6376 3.6.1) at `SELECTOR._domainkey.DOMAIN`: the selectors
//! given with `--dkim-selector`, or discovery over the selectors common senders publish,
//! queried concurrently (a bounded number at a time, within the run's timeout). Per key:
//! CNAMEs followed (and shown), the tags parsed (`v k p t h s n`), the key type and size
//! (RSA from a SubjectPublicKeyInfo or a bare PKCS#1 key, via x509-parser; Ed25519 per
//! RFC 8463), `t=y` testing, an empty `p=` revoked, RSA below 1024 bits failed and
//! below 2048 warned (RFC 8301). Then one domain verdict that says which selectors
//! were tried: absence at guessed selectors cannot be proven.

use std::time::Duration;

use base64::Engine as _;
use x509_parser::prelude::FromDer as _;
use x509_parser::public_key::{PublicKey, RSAPublicKey};
use x509_parser::x509::SubjectPublicKeyInfo;

use super::finding;
use crate::dns::{DnsError, Lookup};
use crate::model::{DnsCheck, DnsFinding, DnsStatus};

/// Selectors tried when none is given: Google (`google`), Microsoft 365
/// (`selector1`/`selector2`, CNAMEs into the tenant), SendGrid (`s1`/`s2`), Mailchimp /
/// Mandrill (`k1`–`k3`), Mailgun (`pdk1`/`pdk2`, `mx`, `smtp`, `k1`), Fastmail
/// (`fm1`–`fm3`), Proton (`protonmail`, `protonmail2`, `protonmail3`) and generic
/// names (`default`, `dkim`, `mail`, `selector`).
pub const COMMON_SELECTORS: &[&str] = &[
    "google",
    "selector1",
    "selector2",
    "s1",
    "s2",
    "k1",
    "k2",
    "k3",
    "pdk1",
    "pdk2",
    "mx",
    "smtp",
    "fm1",
    "fm2",
    "fm3",
    "protonmail",
    "protonmail2",
    "protonmail3",
    "default",
    "dkim",
    "mail",
    "selector",
];

/// Lookups in flight at once during discovery.
const WIDTH: usize = 8;

/// Checks a selector (`--dkim-selector`): dot-separated labels of letters, digits, `-`
/// and `_`, at most 63 bytes each; returns it lower case.
pub fn valid_selector(sel: &str) -> Result<String, String> {
    let s = sel.trim().trim_end_matches('.').to_ascii_lowercase();
    if s.is_empty() {
        return Err("empty selector".into());
    }
    if s.len() > 200 {
        return Err("longer than 200 characters".into());
    }
    for label in s.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err("each label must be 1-63 characters".into());
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err("only letters, digits, `-`, `_` and dots are allowed".into());
        }
    }
    Ok(s)
}

/// A parsed key record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// `k=` (default `rsa`), lower case.
    pub key_type: String,
    /// `p=` with whitespace removed (empty: revoked).
    pub public_key: String,
    /// `t=` flags contain `y` (testing).
    pub testing: bool,
    /// `h=` hash algorithms, if restricted.
    pub hashes: Option<Vec<String>>,
    /// `s=` service types, if restricted.
    pub services: Option<Vec<String>>,
}

/// Parses a DKIM key record's tag list (RFC 6376 3.2, 3.6.1).
pub fn parse_key_record(txt: &str) -> Result<KeyRecord, String> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for part in txt.split(';') {
        if part.trim().is_empty() {
            continue;
        }
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("`{}` is not tag=value", part.trim()))?;
        let k = k.trim().to_string();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("invalid tag name `{k}`"));
        }
        if tags.iter().any(|(t, _)| *t == k) {
            return Err(format!("duplicate tag {k}="));
        }
        tags.push((k, v.trim().to_string()));
    }
    let get = |k: &str| tags.iter().find(|(t, _)| t == k).map(|(_, v)| v.as_str());
    if let Some(v) = get("v") {
        if tags.first().map(|(t, _)| t.as_str()) != Some("v") {
            return Err("v= must be the first tag".into());
        }
        if v != "DKIM1" {
            return Err(format!("v={v} (must be DKIM1)"));
        }
    }
    let public_key: String = get("p")
        .ok_or("no p= tag (the public key is required)")?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let list = |v: &str| -> Vec<String> {
        v.split(':')
            .map(|x| x.trim().to_ascii_lowercase())
            .filter(|x| !x.is_empty())
            .collect()
    };
    Ok(KeyRecord {
        key_type: get("k").unwrap_or("rsa").trim().to_ascii_lowercase(),
        public_key,
        testing: get("t").is_some_and(|t| list(t).iter().any(|f| f == "y")),
        hashes: get("h").map(list),
        services: get("s").map(list),
    })
}

/// What the `p=` key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyInfo {
    /// Empty `p=`: the key was revoked.
    Revoked,
    /// An RSA key of this many bits.
    Rsa(usize),
    /// An Ed25519 key (RFC 8463: 32 raw bytes).
    Ed25519,
    /// The key does not decode; why.
    Malformed(String),
}

/// Bits of a big-endian unsigned integer (leading zero bytes ignored).
fn bits(n: &[u8]) -> usize {
    let n: &[u8] = match n.iter().position(|b| *b != 0) {
        Some(i) => &n[i..],
        None => &[],
    };
    n.first()
        .map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize)
}

/// Decodes the key of a record: RSA (SubjectPublicKeyInfo, else PKCS#1 RSAPublicKey)
/// or Ed25519.
pub fn key_info(rec: &KeyRecord) -> KeyInfo {
    if rec.public_key.is_empty() {
        return KeyInfo::Revoked;
    }
    let Ok(der) = base64::engine::general_purpose::STANDARD.decode(&rec.public_key) else {
        return KeyInfo::Malformed("p= is not valid base64".into());
    };
    match rec.key_type.as_str() {
        "rsa" => {
            if let Ok((rest, spki)) = SubjectPublicKeyInfo::from_der(&der) {
                if !rest.is_empty() {
                    return KeyInfo::Malformed("trailing bytes after the key".into());
                }
                return match spki.parsed() {
                    Ok(PublicKey::RSA(rsa)) => KeyInfo::Rsa(bits(rsa.modulus)),
                    Ok(_) => KeyInfo::Malformed("k=rsa but the key is not RSA".into()),
                    Err(e) => KeyInfo::Malformed(format!("RSA key does not parse: {e}")),
                };
            }
            match RSAPublicKey::from_der(&der) {
                Ok((&[], rsa)) => KeyInfo::Rsa(bits(rsa.modulus)),
                _ => KeyInfo::Malformed(
                    "p= is neither a SubjectPublicKeyInfo nor a PKCS#1 RSA key".into(),
                ),
            }
        }
        "ed25519" if der.len() == 32 => KeyInfo::Ed25519,
        "ed25519" => KeyInfo::Malformed(format!(
            "an Ed25519 key is 32 bytes (RFC 8463), this one is {}",
            der.len()
        )),
        other => KeyInfo::Malformed(format!("unknown key type k={other}")),
    }
}

/// One selector's answer.
struct Found {
    selector: String,
    name: String,
    cnames: Vec<String>,
    records: Vec<String>,
}

/// Queries one selector within `limit`.
async fn query<L: Lookup>(
    lookup: &L,
    domain: &str,
    selector: String,
    limit: Duration,
) -> Result<Option<Found>, DnsError> {
    let name = format!("{selector}._domainkey.{domain}");
    match tokio::time::timeout(limit, lookup.lookup_txt_traced(&name)).await {
        Err(_) => Err(DnsError::Timeout { name }),
        Ok(Ok((records, cnames))) => Ok(Some(Found {
            selector,
            name,
            cnames,
            records,
        })),
        Ok(Err(DnsError::NxDomain { .. } | DnsError::NoAddress { .. })) => Ok(None),
        Ok(Err(e)) => Err(e),
    }
}

/// Every DKIM finding of `domain`: one per key record found, then the domain verdict.
/// `selectors` empty: discovery over [`COMMON_SELECTORS`].
pub(super) async fn dkim<L: Lookup>(
    lookup: &L,
    domain: &str,
    selectors: &[String],
    null_mx: bool,
    limit: Duration,
) -> Vec<DnsFinding> {
    let given = !selectors.is_empty();
    let tried: Vec<String> = if given {
        selectors.to_vec()
    } else {
        COMMON_SELECTORS.iter().map(|s| (*s).to_string()).collect()
    };
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for group in tried.chunks(WIDTH) {
        let futs: Vec<_> = group
            .iter()
            .map(|s| query(lookup, domain, s.clone(), limit))
            .collect();
        for r in super::join_all(futs).await {
            match r {
                Ok(Some(f)) => found.push(f),
                Ok(None) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    let mut out = Vec::new();
    let mut good = Vec::new();
    let mut weak = Vec::new();
    for f in &found {
        let dkim: Vec<&String> = f
            .records
            .iter()
            .filter(|r| r.contains("p=") || r.trim_start().starts_with("v=DKIM1"))
            .collect();
        let via = if f.cnames.is_empty() {
            String::new()
        } else {
            format!(" (via CNAME {})", f.cnames.join(" → "))
        };
        let subject = f.name.clone();
        let (status, evidence, advice) = match dkim.as_slice() {
            [] => (
                DnsStatus::Fail,
                format!("TXT at {}{via} but no DKIM key record", f.name),
                "The name answers, but with no `v=DKIM1; k=...; p=...` record: publish the key the sender signs with.".to_string(),
            ),
            [one] => grade(one, &via),
            many => (
                DnsStatus::Fail,
                format!("{} key records at {}{via}", many.len(), f.name),
                "Keep one key record per selector: verifiers pick an arbitrary one.".to_string(),
            ),
        };
        match status {
            DnsStatus::Pass => good.push(f.selector.clone()),
            _ => weak.push(format!("{} ({})", f.selector, status.as_str())),
        }
        out.push(finding(
            DnsCheck::Dkim,
            &subject,
            status,
            &evidence,
            &advice,
        ));
    }
    out.push(verdict(
        domain, &tried, given, &good, &weak, &errors, null_mx,
    ));
    out
}

/// Grades one key record: status, evidence, advice.
fn grade(txt: &str, via: &str) -> (DnsStatus, String, String) {
    let rec = match parse_key_record(txt) {
        Ok(r) => r,
        Err(e) => {
            return (
                DnsStatus::Fail,
                format!("malformed key record{via}: {e}: {}", clip(txt)),
                "Fix the record: `v=DKIM1; k=rsa; p=<base64 key>` (RFC 6376 3.6.1); verifiers fail every signature with this selector.".into(),
            );
        }
    };
    let mut notes = Vec::new();
    if rec.testing {
        notes.push("t=y (testing: verifiers treat failures as unsigned)".to_string());
    }
    if let Some(h) = &rec.hashes {
        notes.push(format!("h={}", h.join(":")));
    }
    let email = rec
        .services
        .as_ref()
        .is_none_or(|s| s.iter().any(|x| x == "*" || x == "email"));
    let info = key_info(&rec);
    let key = match &info {
        KeyInfo::Revoked => "revoked (empty p=)".to_string(),
        KeyInfo::Rsa(b) => format!("RSA {b} bits"),
        KeyInfo::Ed25519 => "Ed25519 (RFC 8463)".to_string(),
        KeyInfo::Malformed(e) => format!("malformed p=: {e}"),
    };
    let tail = if notes.is_empty() {
        String::new()
    } else {
        format!("; {}", notes.join("; "))
    };
    let evidence = format!("{key}{via}{tail}");
    let sha1_only = rec
        .hashes
        .as_ref()
        .is_some_and(|h| !h.iter().any(|x| x == "sha256"));
    let (status, advice) = match info {
        KeyInfo::Malformed(_) => (
            DnsStatus::Fail,
            "The key does not decode: republish p= as the base64 of the public key (SubjectPublicKeyInfo for RSA, 32 raw bytes for Ed25519).",
        ),
        KeyInfo::Revoked => (
            DnsStatus::Warn,
            "This key is revoked: signatures with this selector fail. Remove the record once no mail is signed with it.",
        ),
        KeyInfo::Rsa(b) if b < 1024 => (
            DnsStatus::Fail,
            "RSA keys under 1024 bits must not be used (RFC 8301): verifiers reject them. Rotate to a 2048-bit key.",
        ),
        _ if !email => (
            DnsStatus::Fail,
            "s= excludes email: the key cannot verify mail. Drop s= or include `email`.",
        ),
        _ if sha1_only => (
            DnsStatus::Fail,
            "h= allows only SHA-1, which verifiers must not accept (RFC 8301): allow sha256.",
        ),
        KeyInfo::Rsa(b) if b < 2048 => (
            DnsStatus::Warn,
            "RSA keys under 2048 bits are weak (RFC 8301 recommends at least 2048): rotate to a 2048-bit key.",
        ),
        _ if rec.testing => (
            DnsStatus::Warn,
            "t=y asks verifiers to ignore failures: remove the t=y flag once signing works.",
        ),
        KeyInfo::Ed25519 => (
            DnsStatus::Pass,
            "A valid Ed25519 key; many verifiers only check RSA, so sign with an RSA key too.",
        ),
        KeyInfo::Rsa(_) => (DnsStatus::Pass, "A valid key."),
    };
    (status, evidence, advice.to_string())
}

/// A long record cut for evidence.
fn clip(s: &str) -> String {
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The domain verdict: pass with a good key, warn when none was found (saying where it
/// looked), pass for a no-mail domain.
fn verdict(
    domain: &str,
    tried: &[String],
    given: bool,
    good: &[String],
    weak: &[String],
    errors: &[String],
    null_mx: bool,
) -> DnsFinding {
    let f = |status, evidence: &str, advice: &str| {
        finding(DnsCheck::Dkim, domain, status, evidence, advice)
    };
    let where_ = format!(
        "selectors tried{}: {}",
        if given { " (--dkim-selector)" } else { "" },
        tried.join(", ")
    );
    let errs = if errors.is_empty() {
        String::new()
    } else {
        format!("; lookups failed: {}", clip(&errors.join("; ")))
    };
    if !good.is_empty() {
        let weak = if weak.is_empty() {
            String::new()
        } else {
            format!("; also {}", weak.join(", "))
        };
        return f(
            DnsStatus::Pass,
            &format!("good key(s) at {}{weak}; {where_}{errs}", good.join(", ")),
            "DKIM keys are published.",
        );
    }
    if null_mx && weak.is_empty() {
        return f(
            DnsStatus::Pass,
            &format!(
                "no DKIM key; not needed: the domain accepts no mail (null MX) and should send none; {where_}"
            ),
            "Nothing to do: a domain that sends no mail needs no DKIM key (SPF -all and DMARC p=reject say it sends none).",
        );
    }
    if !weak.is_empty() {
        return f(
            DnsStatus::Warn,
            &format!("no good key: {}; {where_}{errs}", weak.join(", ")),
            "Fix or rotate the keys above: no selector has a key verifiers accept without reservations.",
        );
    }
    f(
        DnsStatus::Warn,
        &format!("no DKIM key found; {where_}{errs}"),
        if given {
            "No key at the given selectors: check the selector in a signed message's DKIM-Signature header (s=) and publish its key."
        } else {
            "No key at the common selectors. Absence cannot be proven (any name can be a selector; Amazon SES token selectors cannot be guessed): pass --dkim-selector SEL with the s= of a signed message's DKIM-Signature header."
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER SubjectPublicKeyInfo for an RSA modulus of `bits` bits (random-looking
    /// bytes: only the structure and size matter here).
    fn rsa_spki(bits: usize) -> Vec<u8> {
        fn len(n: usize) -> Vec<u8> {
            if n < 128 {
                vec![n as u8]
            } else if n < 256 {
                vec![0x81, n as u8]
            } else {
                vec![0x82, (n >> 8) as u8, n as u8]
            }
        }
        fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
            let mut v = vec![tag];
            v.extend(len(body.len()));
            v.extend_from_slice(body);
            v
        }
        let mut modulus = vec![0u8, 0xc3];
        modulus.extend((1..bits / 8).map(|i| (i * 7 + 1) as u8));
        let pkcs1 = tlv(0x30, &[tlv(0x02, &modulus), tlv(0x02, &[1, 0, 1])].concat());
        let alg = tlv(
            0x30,
            &[
                tlv(
                    0x06,
                    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
                ),
                vec![0x05, 0x00],
            ]
            .concat(),
        );
        let mut bitstring = vec![0u8];
        bitstring.extend(&pkcs1);
        tlv(0x30, &[alg, tlv(0x03, &bitstring)].concat())
    }

    fn b64(b: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    #[test]
    fn key_records_and_sizes() {
        let rec = |t: &str| parse_key_record(t).unwrap();
        let k = rec(&format!("v=DKIM1; k=rsa; p={}", b64(&rsa_spki(2048))));
        assert_eq!(key_info(&k), KeyInfo::Rsa(2048));
        assert_eq!(
            grade(&format!("v=DKIM1; p={}", b64(&rsa_spki(2048))), "").0,
            DnsStatus::Pass
        );
        // PKCS#1 (no SubjectPublicKeyInfo wrapper), whitespace inside p=.
        let spki = rsa_spki(1024);
        let pkcs1 = &spki[spki.len() - 140..];
        let (_, parsed) = RSAPublicKey::from_der(pkcs1).unwrap();
        assert_eq!(bits(parsed.modulus), 1024);
        let spaced = b64(pkcs1);
        let spaced = format!("{} {}", &spaced[..10], &spaced[10..]);
        assert_eq!(
            key_info(&rec(&format!("k=rsa; p={spaced}"))),
            KeyInfo::Rsa(1024)
        );
        assert_eq!(
            grade(&format!("p={}", b64(&rsa_spki(1024))), "").0,
            DnsStatus::Warn
        );
        assert_eq!(
            grade(&format!("p={}", b64(&rsa_spki(512))), "").0,
            DnsStatus::Fail
        );
        assert_eq!(key_info(&rec("v=DKIM1; p=")), KeyInfo::Revoked);
        assert_eq!(grade("v=DKIM1; p=", "").0, DnsStatus::Warn);
        let ed = format!("v=DKIM1; k=ed25519; p={}", b64(&[7u8; 32]));
        assert_eq!(key_info(&rec(&ed)), KeyInfo::Ed25519);
        assert_eq!(grade(&ed, "").0, DnsStatus::Pass);
        let t = grade(&format!("v=DKIM1; t=y; p={}", b64(&rsa_spki(2048))), "");
        assert_eq!(t.0, DnsStatus::Warn, "{}", t.1);
        assert!(t.1.contains("t=y"));
        for bad in [
            "v=DKIM1; p=!!notbase64",
            "v=DKIM1; p=AAAA",
            "v=DKIM1; k=ed25519; p=AAAA",
            "v=DKIM1; k=dsa; p=AAAA",
            "k=rsa; v=DKIM1; p=AAAA",
            "v=DKIM2; p=AAAA",
            "v=DKIM1; k=rsa",
            "v=DKIM1; p=A; p=B",
        ] {
            assert_eq!(grade(bad, "").0, DnsStatus::Fail, "{bad}");
        }
        let sha1 = grade(&format!("v=DKIM1; h=sha1; p={}", b64(&rsa_spki(2048))), "");
        assert_eq!(sha1.0, DnsStatus::Fail);
        assert!(valid_selector("Google").is_ok());
        assert!(valid_selector("a.b-c_d").is_ok());
        for bad in ["", "a b", "a..b", "x\u{1b}"] {
            assert!(valid_selector(bad).is_err(), "{bad:?}");
        }
    }
}
