//! DANE for SMTP (RFC 7672): matching TLSA records against a presented chain, and
//! the per-MX DANE finding. Usages 3 (DANE-EE, the leaf) and 2 (DANE-TA, a
//! certificate above the leaf) are usable; 0/1 (PKIX-*) are unusable for SMTP.
//! Selector 0 is the whole certificate, 1 its SubjectPublicKeyInfo; matching 0 exact,
//! 1 SHA-256, 2 SHA-512. The chain is the one the MX probe saw (its
//! [`crate::model::TlsInfo::chain_der`]): no second connection.

use std::net::IpAddr;

use ring::digest;
use x509_parser::prelude::{FromDer as _, X509Certificate};

use super::{PlannedHost, finding};
use crate::dns::{DnsError, DnssecProof, Lookup, TlsaAnswer, TlsaRecord};
use crate::model::{DnsCheck, DnsFinding, DnsStatus, EndpointReport};

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

/// Advice when the resolver path, not the zone, kept DNSSEC from reaching a verdict.
const RESOLVER_ADVICE: &str = "The resolver in use refused or stripped part of the DNSSEC chain, so nothing about the zone is proven (not the zone's fault as far as this run can tell): run again through a validating resolver that passes DNSSEC records (--dns-server ADDR). DANE senders validate through their own resolvers.";

/// A finding's status, evidence (unescaped) and advice.
type Said = (DnsStatus, String, &'static str);

/// The DANE finding of MX host `h`: its TLSA RRset (DNSSEC validated by smtptui)
/// matched against the chain the probe saw on the first of its addresses that
/// showed one.
pub(super) async fn check<L: Lookup>(
    lookup: &L,
    h: &PlannedHost,
    reports: &[EndpointReport],
) -> DnsFinding {
    let name = format!("_25._tcp.{}", h.host);
    let (status, evidence, advice) = match lookup.lookup_tlsa(&name).await {
        Ok(answer) => judge_answer(&answer, &name, h, reports),
        Err(e) => lookup_failed(&e, &name),
    };
    finding(DnsCheck::Dane, &h.host, status, &evidence, advice)
}

/// The finding when the TLSA lookup itself failed (no record is a failure too).
fn lookup_failed(e: &DnsError, name: &str) -> Said {
    match e {
        DnsError::NxDomain { .. } | DnsError::NoAddress { .. } => (
            DnsStatus::Warn,
            format!("no TLSA record at {name}"),
            "DANE is not deployed: with a DNSSEC-signed zone, publish `3 1 1 <sha256 of the key>` at _25._tcp.MX to make STARTTLS downgrade-proof.",
        ),
        DnsError::Budget { .. } => (
            DnsStatus::Warn,
            e.to_string(),
            "DANE not checked: the run's DNS budget is spent (a domain with this many MX hosts is itself suspect).",
        ),
        _ => (
            DnsStatus::Fail,
            format!("TLSA lookup failed: {e}"),
            "DANE senders defer mail while the TLSA lookup fails: fix the zone (often a DNSSEC or server problem).",
        ),
    }
}

/// The records of an answer as shown in evidence.
struct Listed {
    /// Every record, presentation form.
    all: Vec<String>,
    /// Bounded: a long RRset is summarised (the first three, then a count).
    shown: String,
}

impl Listed {
    fn of(answer: &TlsaAnswer) -> Self {
        let all: Vec<String> = answer.records.iter().map(TlsaRecord::display).collect();
        let shown = if all.len() > 4 {
            format!(
                "{}, … and {} more ({} TLSA records)",
                all[..3].join(", "),
                all.len() - 3,
                all.len()
            )
        } else {
            all.join(", ")
        };
        Self { all, shown }
    }
}

/// The words for an indeterminate proof (which query failed, when known).
fn indeterminate(answer: &TlsaAnswer) -> String {
    format!(
        "DNSSEC: indeterminate ({}): this resolver path cannot prove anything",
        answer
            .blame
            .as_deref()
            .unwrap_or("validation reached no verdict")
    )
}

/// The finding for an answer: unproven ones end here; otherwise the probe's chain
/// is matched.
fn judge_answer(
    answer: &TlsaAnswer,
    name: &str,
    h: &PlannedHost,
    reports: &[EndpointReport],
) -> Said {
    let listed = Listed::of(answer);
    if let Some(said) = unproven(answer, name, &listed) {
        return said;
    }
    match probe_chain(h, reports) {
        Ok((addr, chain)) => judge_chain(answer, &listed, addr, chain),
        Err(why) => (
            DnsStatus::Fail,
            format!("TLSA {}; no chain to compare: {why}", listed.shown),
            "DANE senders cannot deliver: make STARTTLS work on the MX.",
        ),
    }
}

/// A bogus answer, or no record behind an indeterminate proof: no chain is needed.
fn unproven(answer: &TlsaAnswer, name: &str, listed: &Listed) -> Option<Said> {
    let none = listed.all.is_empty();
    match answer.dnssec {
        // Nothing served: the "no TLSA" answer itself did not validate (a signed zone
        // without NSEC proofs, or a resolver that strips DNSSEC records).
        DnssecProof::Bogus if none => Some((
            DnsStatus::Warn,
            format!(
                "no TLSA record at {name}; DNSSEC: bogus (the denial of existence does not validate)"
            ),
            "If the zone is signed, DANE senders defer mail until its negative answers carry valid NSEC/NSEC3 proofs; if this network's resolver strips DNSSEC data, retry with --dns-server.",
        )),
        DnssecProof::Bogus => Some((
            DnsStatus::Fail,
            format!(
                "TLSA {} at {name}: DNSSEC: bogus (the signatures do not validate from the trust anchor{})",
                listed.shown,
                answer
                    .blame
                    .as_ref()
                    .map_or_else(String::new, |b| format!("; {b}"))
            ),
            "DANE senders defer mail to this MX while its TLSA RRset is bogus: re-sign the zone and check that the DS at the parent matches the DNSKEY.",
        )),
        DnssecProof::Indeterminate if none => Some((
            DnsStatus::Warn,
            format!("no TLSA record seen at {name}; {}", indeterminate(answer)),
            RESOLVER_ADVICE,
        )),
        _ => None,
    }
}

/// The chain (DER, leaf first) the probe saw on the first address of `h` that showed
/// one; else why there is none, per address (at most three said).
fn probe_chain<'r>(
    h: &PlannedHost,
    reports: &'r [EndpointReport],
) -> Result<(IpAddr, &'r [Vec<u8>]), String> {
    let mut why = Vec::new();
    for &addr in &h.addrs {
        let report = reports
            .iter()
            .find(|r| r.endpoint.host == h.host && r.endpoint.address == addr);
        match report {
            Some(r) => match r.tls.as_ref().map(|t| t.chain_der.certs()) {
                Some(chain) if !chain.is_empty() => return Ok((addr, chain)),
                _ => why.push(format!(
                    "{addr}: {}: {}",
                    r.verdict.class, r.verdict.summary
                )),
            },
            None => why.push(format!("{addr}: not probed")),
        }
    }
    if why.is_empty() {
        return Err("no address".into());
    }
    let more = why.len().saturating_sub(3);
    why.truncate(3);
    if more > 0 {
        why.push(format!("… and {more} more"));
    }
    Err(format!(
        "the probe saw no certificate chain ({})",
        why.join("; ")
    ))
}

/// Matches every record against `chain` (presented by `addr`).
fn judge_chain(answer: &TlsaAnswer, listed: &Listed, addr: IpAddr, chain: &[Vec<u8>]) -> Said {
    let results: Vec<TlsaMatch> = answer
        .records
        .iter()
        .map(|r| match_record(r, chain))
        .collect();
    let matched = results
        .iter()
        .position(|m| matches!(m, TlsaMatch::Matches(_)));
    let indeterminate = indeterminate(answer);
    let dnssec = match answer.dnssec {
        DnssecProof::Secure => "DNSSEC: secure (validated from the trust anchor by smtptui)",
        DnssecProof::Insecure => "DNSSEC: insecure (the zone is provably unsigned)",
        DnssecProof::Bogus => "DNSSEC: bogus",
        DnssecProof::Indeterminate => indeterminate.as_str(),
    };
    let shown = &listed.shown;
    match matched {
        Some(i) => {
            let ev = format!("{} matches the chain of {addr}; {dnssec}", listed.all[i]);
            match answer.dnssec {
                DnssecProof::Secure => (
                    DnsStatus::Pass,
                    ev,
                    "DANE is deployed and the presented chain matches.",
                ),
                DnssecProof::Indeterminate => (DnsStatus::Warn, ev, RESOLVER_ADVICE),
                _ => (
                    DnsStatus::Warn,
                    ev,
                    "The record matches, but senders only use TLSA records proven secure by DNSSEC: sign the zone and publish its DS at the parent.",
                ),
            }
        }
        None if results.iter().all(|m| *m == TlsaMatch::Unusable) => (
            DnsStatus::Fail,
            format!(
                "TLSA {shown}: only unusable records (PKIX-TA/PKIX-EE or unknown types); {dnssec}"
            ),
            "SMTP senders treat usages 0 and 1 as unusable (RFC 7672): publish 3 1 1 (DANE-EE) or 2 1 1 (DANE-TA) records.",
        ),
        None => (
            DnsStatus::Fail,
            format!("TLSA {shown} does not match the chain presented by {addr}; {dnssec}"),
            "DANE senders will refuse this MX: publish a TLSA record for the current certificate/key (publish the new record before rotating keys).",
        ),
    }
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
