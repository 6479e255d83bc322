//! DNSSEC for the test DNS server: the zone `test.` is signed with a P-256 key
//! (algorithm 13) generated at test time, and that key's DNSKEY is the trust anchor the
//! tests hand to smtptui (`--dnssec-anchor`), so no chain from the real root is needed.
//!
//! Layout: second-level names listed as *signed* (e.g. `good.test`) are part of the
//! signed `test.` zone: every positive answer under them carries an RRSIG made by
//! hickory-proto's signer (canonical form, RFC 4034 §6). Every other second-level name
//! is an insecure delegation: `test.` answers its DS query with a signed NSEC that
//! proves "NS, no DS", and its own answers are unsigned. Names listed as *bogus* get an
//! RRSIG whose signature bytes are flipped.
//!
//! [`sign`] post-processes the plain responder's answer; it knows only what the
//! validator needs (DNSKEY, DS, NS, SOA at the cuts) and leaves everything else as is.

use std::time::Duration;

use hickory_resolver::proto::dnssec::crypto::EcdsaSigningKey;
use hickory_resolver::proto::dnssec::rdata::{DNSKEY, DNSSECRData, NSEC, RRSIG};
use hickory_resolver::proto::dnssec::{Algorithm, DnssecSigner, SigningKey};
use hickory_resolver::proto::op::{Message, ResponseCode};
use hickory_resolver::proto::rr::rdata::{NS, SOA};
use hickory_resolver::proto::rr::{DNSClass, Name, RData, Record, RecordSet, RecordType};

/// The signing key of `test.` and which names are signed or broken.
pub struct Signing {
    signer: DnssecSigner,
    dnskey: DNSKEY,
    /// Second-level names (`good.test`) inside the signed zone.
    pub signed: Vec<String>,
    /// Names whose RRSIGs are corrupted.
    pub bogus: Vec<String>,
}

fn name(s: &str) -> Name {
    Name::from_ascii(format!("{}.", s.trim_end_matches('.'))).unwrap()
}

impl Signing {
    /// A fresh P-256 key for `test.`; `signed` second-level names are signed, names in
    /// `bogus` get broken signatures.
    pub fn new(signed: &[&str], bogus: &[&str]) -> Self {
        let pkcs8 = EcdsaSigningKey::generate_pkcs8(Algorithm::ECDSAP256SHA256).unwrap();
        let key = EcdsaSigningKey::from_pkcs8(&pkcs8, Algorithm::ECDSAP256SHA256).unwrap();
        let dnskey = DNSKEY::new(true, true, false, key.to_public_key().unwrap());
        let signer = DnssecSigner::new(
            dnskey.clone(),
            Box::new(key),
            name("test"),
            Duration::from_secs(7 * 86400),
        );
        Self {
            signer,
            dnskey,
            signed: signed.iter().map(|s| (*s).to_string()).collect(),
            bogus: bogus.iter().map(|s| (*s).to_string()).collect(),
        }
    }

    /// The trust anchor in zone-file form (`test. 3600 IN DNSKEY 257 3 13 ...`).
    pub fn anchor(&self) -> String {
        format!("test. 3600 IN DNSKEY {}\n", self.dnskey)
    }

    /// RRSIGs (one per RRset) for `records`, broken when `corrupt`.
    fn rrsigs(&self, records: &[Record], corrupt: bool) -> Vec<Record> {
        let mut sets: Vec<RecordSet> = Vec::new();
        for r in records {
            match sets
                .iter_mut()
                .find(|s| s.name() == &r.name && s.record_type() == r.record_type())
            {
                Some(s) => {
                    s.insert(r.clone(), 0);
                }
                None => {
                    let mut s = RecordSet::with_ttl(r.name.clone(), r.record_type(), r.ttl);
                    s.insert(r.clone(), 0);
                    sets.push(s);
                }
            }
        }
        let inception = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
        sets.iter()
            .map(|set| {
                let sig = RRSIG::from_rrset(set, DNSClass::IN, inception, &self.signer).unwrap();
                let sig = if corrupt {
                    let mut bytes = sig.sig().to_vec();
                    for b in &mut bytes[..8] {
                        *b ^= 0xff;
                    }
                    RRSIG::from_sig(sig.input().clone(), bytes)
                } else {
                    sig
                };
                Record::from_rdata(
                    set.name().clone(),
                    set.ttl(),
                    RData::DNSSEC(DNSSECRData::RRSIG(sig)),
                )
            })
            .collect()
    }

    fn signed_set(&self, records: Vec<Record>, corrupt: bool) -> Vec<Record> {
        let sigs = self.rrsigs(&records, corrupt);
        records.into_iter().chain(sigs).collect()
    }
}

/// The SOA of `zone` (apex name without the dot).
fn soa(zone: &str) -> Record {
    Record::from_rdata(
        name(zone),
        60,
        RData::SOA(SOA::new(
            name("ns.test"),
            name("root.test"),
            1,
            60,
            60,
            60,
            60,
        )),
    )
}

/// Re-writes `plain` (the unsigned responder's answer to `query`) for the signed layout.
pub fn sign(query: &[u8], plain: Vec<u8>, s: &Signing) -> Vec<u8> {
    let (Ok(q), Ok(mut m)) = (Message::from_vec(query), Message::from_vec(&plain)) else {
        return plain;
    };
    let Some(question) = q.queries.first() else {
        return plain;
    };
    let qname = question
        .name()
        .to_ascii()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let qtype = question.query_type();
    let labels: Vec<&str> = qname.split('.').collect();
    if labels.last() != Some(&"test") {
        return plain;
    }
    // The second-level name ("good.test"), or "test" itself for the apex.
    let sld = labels[labels.len().saturating_sub(2)..].join(".");
    let in_signed = qname == "test" || s.signed.contains(&sld);
    let corrupt = s.bogus.contains(&qname);
    let apex = if in_signed { "test" } else { sld.as_str() };
    m.metadata.authoritative = true;
    m.edns.clone_from(&q.edns);
    let mut special = true;
    match (qname.as_str(), qtype) {
        ("test", RecordType::DNSKEY) => {
            let key = Record::from_rdata(
                name("test"),
                3600,
                RData::DNSSEC(DNSSECRData::DNSKEY(s.dnskey.clone())),
            );
            m.answers = s.signed_set(vec![key], false);
            m.authorities.clear();
        }
        (_, RecordType::NS) if qname == apex => {
            let ns = Record::from_rdata(name(apex), 60, RData::NS(NS(name("ns.test"))));
            m.answers = if in_signed {
                s.signed_set(vec![ns], false)
            } else {
                vec![ns]
            };
            m.authorities.clear();
        }
        (_, RecordType::DS) if !in_signed && qname == sld => {
            // Parent-side proof of an insecure delegation: NSEC at the cut, NS but no DS.
            let nsec = Record::from_rdata(
                name(&sld),
                60,
                RData::DNSSEC(DNSSECRData::NSEC(NSEC::new_cover_self(
                    name("test"),
                    [RecordType::NS],
                ))),
            );
            m.answers.clear();
            m.authorities = s.signed_set(vec![soa("test")], false);
            m.authorities.extend(s.signed_set(vec![nsec], false));
        }
        _ => special = false,
    }
    if special {
        m.metadata.response_code = ResponseCode::NoError;
    } else if m.answers.is_empty() {
        // Negative answer: the SOA of the zone the name lives in (signed in `test.`;
        // signed denials would also need NSEC, which this responder does not make).
        if m.metadata.response_code != ResponseCode::ServFail {
            let records = vec![soa(apex)];
            m.authorities = if in_signed {
                s.signed_set(records, false)
            } else {
                records
            };
        }
    } else if in_signed {
        let answers = std::mem::take(&mut m.answers);
        m.answers = s.signed_set(answers, corrupt);
    }
    m.to_vec().unwrap_or(plain)
}
