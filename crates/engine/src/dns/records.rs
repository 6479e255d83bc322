//! Mail-related DNS record types (MX, TLSA) and their extraction from hickory answers.

use std::fmt::Write as _;
use std::net::IpAddr;

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::proto::dnssec::Proof;
use hickory_resolver::proto::op::{Message, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};

use super::DnsError;

/// One MX record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MxRecord {
    /// Preference (lower is preferred).
    pub preference: u16,
    /// The mail exchanger, lower case without the trailing dot; `.` for a null MX.
    pub exchange: String,
}

impl MxRecord {
    /// A record for `exchange` (normalised: lower case, trailing dot removed; the root
    /// stays `.`).
    pub fn new(preference: u16, exchange: &str) -> Self {
        let trimmed = exchange.trim_end_matches('.').to_ascii_lowercase();
        Self {
            preference,
            exchange: if trimmed.is_empty() {
                ".".into()
            } else {
                trimmed
            },
        }
    }

    /// Whether this is the RFC 7505 null MX (`0 .`).
    pub fn is_null(&self) -> bool {
        self.exchange == "."
    }
}

/// One TLSA record (RFC 6698).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TlsaRecord {
    /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// Selector: 0 full certificate, 1 SubjectPublicKeyInfo.
    pub selector: u8,
    /// Matching type: 0 exact, 1 SHA-256, 2 SHA-512.
    pub matching: u8,
    /// The association data.
    pub data: Vec<u8>,
}

impl TlsaRecord {
    /// Presentation form, `3 1 1 ab12…` (full hex).
    pub fn display(&self) -> String {
        let mut s = format!("{} {} {} ", self.usage, self.selector, self.matching);
        for b in &self.data {
            let _ = write!(s, "{b:02x}");
        }
        s
    }
}

/// What smtptui's own DNSSEC validation proved about an RRset (RFC 4035 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DnssecProof {
    /// A chain of valid signatures from a trust anchor covers the RRset.
    Secure,
    /// The zone is provably unsigned (a signed proof that no DS exists above it).
    Insecure,
    /// Signatures are missing, expired or broken where the chain says they must exist.
    Bogus,
    /// Validation could not reach a conclusion (no answer, no trust anchor ...).
    #[default]
    Indeterminate,
}

impl DnssecProof {
    /// Lower-case name: `secure`, `insecure`, `bogus`, `indeterminate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Secure => "secure",
            Self::Insecure => "insecure",
            Self::Bogus => "bogus",
            Self::Indeterminate => "indeterminate",
        }
    }
}

/// The TLSA records at a name and what DNSSEC proved about them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsaAnswer {
    /// The records (for a bogus answer: as served, unvalidated, for display only).
    pub records: Vec<TlsaRecord>,
    /// The answer is proven secure ([`TlsaAnswer::dnssec`] is
    /// [`DnssecProof::Secure`]).
    pub authenticated: bool,
    /// The proof smtptui's validating resolver reached for the TLSA RRset.
    pub dnssec: DnssecProof,
    /// When the proof is not secure: which DNSSEC query failed and how (e.g. `DNSKEY .:
    /// REFUSED`), or that every chain query answered and the signatures themselves do
    /// not verify. Bounded in size.
    pub blame: Option<String>,
}

/// The reverse-lookup name of `addr`: `4.3.2.1.in-addr.arpa` or the nibble form under
/// `ip6.arpa` (no trailing dot).
pub fn reverse_name(addr: IpAddr) -> String {
    format!(
        "{}.{}",
        reversed_labels(addr),
        match addr {
            IpAddr::V4(_) => "in-addr.arpa",
            IpAddr::V6(_) => "ip6.arpa",
        }
    )
}

/// The address in reverse label order (as used by DNSBLs): `4.3.2.1` or 32 nibbles.
pub fn reversed_labels(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(a) => {
            let o = a.octets();
            format!("{}.{}.{}.{}", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(a) => {
            let mut parts = Vec::with_capacity(32);
            for b in a.octets().iter().rev() {
                parts.push(format!("{:x}", b & 0x0f));
                parts.push(format!("{:x}", b >> 4));
            }
            parts.join(".")
        }
    }
}

fn name_text(n: &hickory_resolver::proto::rr::Name) -> String {
    n.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

pub(super) fn mx_from(domain: &str, answers: &[Record]) -> Result<Vec<MxRecord>, DnsError> {
    let mut out: Vec<MxRecord> = answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::MX(mx) => Some(MxRecord::new(mx.preference, &mx.exchange.to_ascii())),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(DnsError::NoAddress {
            name: domain.into(),
            what: "MX".into(),
        });
    }
    Ok(out)
}

pub(super) fn txt_from(name: &str, answers: &[Record]) -> Result<Vec<String>, DnsError> {
    let out: Vec<String> = answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::TXT(txt) => {
                let bytes: Vec<u8> = txt
                    .txt_data
                    .iter()
                    .flat_map(|s| s.iter().copied())
                    .collect();
                Some(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => None,
        })
        .collect();
    if out.is_empty() {
        return Err(DnsError::NoAddress {
            name: name.into(),
            what: "TXT".into(),
        });
    }
    Ok(out)
}

/// The CNAME targets among `answers`, in answer order (lower case, no trailing dot).
pub(super) fn cnames(answers: &[Record]) -> Vec<String> {
    answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::CNAME(c) => Some(name_text(&c.0)),
            _ => None,
        })
        .collect()
}

pub(super) fn ptr_from(name: &str, answers: &[Record]) -> Result<Vec<String>, DnsError> {
    let out: Vec<String> = answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::PTR(p) => Some(name_text(&p.0)),
            _ => None,
        })
        .collect();
    if out.is_empty() {
        return Err(DnsError::NoAddress {
            name: name.into(),
            what: "PTR".into(),
        });
    }
    Ok(out)
}

/// The TLSA records among `answers` (any proof).
pub(super) fn tlsa_records(answers: &[Record]) -> Vec<TlsaRecord> {
    answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::TLSA(t) => Some(TlsaRecord {
                usage: t.cert_usage.into(),
                selector: t.selector.into(),
                matching: t.matching.into(),
                data: t.cert_data.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// The TLSA answer from a validating lookup: the records and the weakest proof among
/// them (one bogus record makes the RRset bogus).
pub(super) fn tlsa_from(name: &str, answers: &[Record]) -> Result<TlsaAnswer, DnsError> {
    let records = tlsa_records(answers);
    if records.is_empty() {
        return Err(DnsError::NoAddress {
            name: name.into(),
            what: "TLSA".into(),
        });
    }
    let proofs: Vec<Proof> = answers
        .iter()
        .filter(|r| matches!(r.data, RData::TLSA(_)))
        .map(|r| r.proof)
        .collect();
    let dnssec = if proofs.iter().any(Proof::is_bogus) {
        DnssecProof::Bogus
    } else if proofs.iter().any(Proof::is_indeterminate) {
        DnssecProof::Indeterminate
    } else if proofs.iter().any(Proof::is_insecure) {
        DnssecProof::Insecure
    } else {
        DnssecProof::Secure
    };
    Ok(TlsaAnswer {
        records,
        authenticated: dnssec == DnssecProof::Secure,
        dnssec,
        blame: None,
    })
}

/// One PTR query for `name` straight to `server` over UDP (no cache, no local
/// special-use answers). NXDOMAIN and SERVFAIL map to [`DnsError`].
pub(super) async fn direct_query(
    server: SocketAddr,
    name: &str,
    timeout: Duration,
) -> Result<Message, DnsError> {
    let message = raw_query(server, name, RecordType::PTR, false, timeout).await?;
    match message.metadata.response_code {
        ResponseCode::NoError => Ok(message),
        ResponseCode::NXDomain => Err(DnsError::NxDomain { name: name.into() }),
        other => Err(DnsError::ServerFailure {
            name: name.into(),
            detail: other.to_string(),
        }),
    }
}

/// One query of `rtype` at `name` straight to `server` over UDP, with the DNSSEC OK bit
/// when `dnssec`; the answer whatever its response code.
pub(super) async fn raw_query(
    server: SocketAddr,
    name: &str,
    rtype: RecordType,
    dnssec: bool,
    timeout: Duration,
) -> Result<Message, DnsError> {
    let fail = |detail: String| DnsError::ServerFailure {
        name: name.into(),
        detail,
    };
    let qname = Name::from_ascii(format!("{}.", name.trim_end_matches('.')))
        .map_err(|e| fail(e.to_string()))?;
    let mut query = Message::query();
    query.metadata.recursion_desired = true;
    query.add_query(Query::query(qname, rtype));
    if dnssec {
        let mut edns = hickory_resolver::proto::op::Edns::new();
        edns.set_dnssec_ok(true).set_max_payload(1232);
        query.set_edns(edns);
    }
    let id = query.metadata.id;
    let bytes = query.to_vec().map_err(|e| fail(e.to_string()))?;
    let local: SocketAddr = if server.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let exchange = async {
        let sock = tokio::net::UdpSocket::bind(local).await?;
        sock.connect(server).await?;
        sock.send(&bytes).await?;
        let mut buf = vec![0u8; 4096];
        loop {
            let n = sock.recv(&mut buf).await?;
            // An answer to this query (same id) that does not parse is a malformed
            // answer, not something to wait past.
            if n >= 2 && buf[..2] == id.to_be_bytes() {
                return Ok::<_, std::io::Error>(
                    Message::from_vec(&buf[..n]).map_err(|e| e.to_string()),
                );
            }
        }
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| DnsError::Timeout { name: name.into() })?
        .map_err(|e| fail(e.to_string()))?
        .map_err(|e| DnsError::BadAnswer {
            name: name.into(),
            why: format!("malformed answer from {server} ({e})"),
        })
}

/// Asks `server` directly for `rtype` at `name` and names what is wrong with the
/// answer, if anything: malformed, a CNAME loop, a chain longer than 8 hops, or a
/// chain that ends without the record (cut short).
pub(super) async fn explain(
    server: SocketAddr,
    name: &str,
    rtype: RecordType,
    timeout: Duration,
) -> Option<String> {
    let m = match raw_query(server, name, rtype, false, timeout).await {
        Err(DnsError::BadAnswer { why, .. }) => return Some(why),
        Err(_) => return None,
        Ok(m) => m,
    };
    let links: Vec<(String, String)> = m
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::CNAME(c) => Some((name_text(&r.name), name_text(&c.0))),
            _ => None,
        })
        .collect();
    let mut chain = vec![name.trim_end_matches('.').to_ascii_lowercase()];
    while let Some((_, target)) = links.iter().find(|(o, _)| Some(o) == chain.last()) {
        if chain.contains(target) {
            chain.push(target.clone());
            return Some(format!("CNAME loop: {}", shorten(&chain)));
        }
        chain.push(target.clone());
        if chain.len() > 9 {
            return Some(format!(
                "CNAME chain longer than 8 hops: {}",
                shorten(&chain)
            ));
        }
    }
    let hops = chain.len() - 1;
    let end = chain.last().cloned().unwrap_or_default();
    let holds = m
        .answers
        .iter()
        .any(|r| r.record_type() == rtype && name_text(&r.name) == end);
    (hops > 0 && !holds).then(|| {
        format!(
            "CNAME chain of {hops} hop(s) ends at {end} without a {rtype} record (cut short or too long): {}",
            shorten(&chain)
        )
    })
}

/// A chain of names for evidence: the first three and the last when long.
fn shorten(chain: &[String]) -> String {
    if chain.len() <= 5 {
        chain.join(" → ")
    } else {
        format!(
            "{} → … ({} more) → {}",
            chain[..3].join(" → "),
            chain.len() - 4,
            chain[chain.len() - 1]
        )
    }
}

/// The RFC 1035 / 6895 mnemonic of a response code (`REFUSED`, `SERVFAIL`, ...).
fn rcode_name(code: ResponseCode) -> String {
    match code {
        ResponseCode::NoError => "NOERROR".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        ResponseCode::Refused => "REFUSED".into(),
        other => format!("response code {}", u16::from(other)),
    }
}

/// Finds which DNSSEC chain query fails for `name` through `server`, walking from the
/// trust-anchor zones down: the anchor zone's DNSKEY (answered, present, signed), then
/// the DS of every zone between the anchor and `name` (answered). `Some(why)` names the
/// query and how it failed (the resolver path cannot prove anything); `None`: every
/// chain query was answered, so a failed validation means the signatures are broken.
pub(super) async fn chain_blame(
    server: SocketAddr,
    anchors: &[String],
    name: &str,
    timeout: Duration,
) -> Option<String> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let under = |zone: &str| zone == "." || name == zone || name.ends_with(&format!(".{zone}"));
    let anchor = anchors
        .iter()
        .filter(|z| under(z))
        .max_by_key(|z| z.len())
        .map_or(".", String::as_str);
    let shown = |z: &str| {
        if z == "." {
            ".".to_string()
        } else {
            format!("{z}.")
        }
    };
    match raw_query(server, anchor, RecordType::DNSKEY, true, timeout).await {
        Err(e) => return Some(format!("DNSKEY {}: {e}", shown(anchor))),
        Ok(m) if m.metadata.response_code != ResponseCode::NoError => {
            return Some(format!(
                "DNSKEY {}: {}",
                shown(anchor),
                rcode_name(m.metadata.response_code)
            ));
        }
        Ok(m) if m.metadata.truncation => {}
        Ok(m) => {
            let keys = m
                .answers
                .iter()
                .filter(|r| r.record_type() == RecordType::DNSKEY)
                .count();
            let sigs = m
                .answers
                .iter()
                .filter(|r| r.record_type() == RecordType::RRSIG)
                .count();
            if keys == 0 {
                return Some(format!("DNSKEY {}: no DNSKEY in the answer", shown(anchor)));
            }
            if sigs == 0 {
                return Some(format!(
                    "DNSKEY {}: no RRSIG (the resolver strips DNSSEC records)",
                    shown(anchor)
                ));
            }
        }
    }
    // The zones between the anchor and the name's parent, top down (`test` → `a.test`).
    let labels: Vec<&str> = name.split('.').collect();
    let depth = if anchor == "." {
        0
    } else {
        anchor.split('.').count()
    };
    for i in (1..labels.len().saturating_sub(depth)).rev() {
        let zone = labels[i..].join(".");
        match raw_query(server, &zone, RecordType::DS, true, timeout).await {
            Err(e) => return Some(format!("DS {zone}.: {e}")),
            Ok(m) => match m.metadata.response_code {
                ResponseCode::NoError | ResponseCode::NXDomain => {}
                other => return Some(format!("DS {zone}.: {}", rcode_name(other))),
            },
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("192.0.2.10".parse().unwrap()),
            "10.2.0.192.in-addr.arpa"
        );
        let v6 = reverse_name("2001:db8::1".parse().unwrap());
        assert!(v6.starts_with("1.0.0.0.0.0.0.0"), "{v6}");
        assert!(v6.ends_with("8.b.d.0.1.0.0.2.ip6.arpa"), "{v6}");
        assert_eq!(v6.split('.').count(), 34);
    }

    #[test]
    fn tlsa_proof_is_the_weakest_of_the_rrset() {
        use hickory_resolver::proto::rr::rdata::TLSA;
        let rec = |proof: Proof, byte: u8| {
            let mut r = Record::from_rdata(
                Name::from_ascii("_25._tcp.mx.test.").unwrap(),
                60,
                RData::TLSA(TLSA::new(3.into(), 1.into(), 1.into(), vec![byte; 32])),
            );
            r.proof = proof;
            r
        };
        let name = "_25._tcp.mx.test";
        let a = tlsa_from(name, &[rec(Proof::Secure, 1), rec(Proof::Secure, 2)]).unwrap();
        assert_eq!((a.dnssec, a.authenticated), (DnssecProof::Secure, true));
        assert_eq!(a.records.len(), 2);
        assert_eq!(a.records[0].display(), format!("3 1 1 {}", "01".repeat(32)));
        let a = tlsa_from(name, &[rec(Proof::Secure, 1), rec(Proof::Insecure, 2)]).unwrap();
        assert_eq!((a.dnssec, a.authenticated), (DnssecProof::Insecure, false));
        let a = tlsa_from(
            name,
            &[rec(Proof::Indeterminate, 1), rec(Proof::Insecure, 2)],
        )
        .unwrap();
        assert_eq!(a.dnssec, DnssecProof::Indeterminate);
        let a = tlsa_from(name, &[rec(Proof::Bogus, 1), rec(Proof::Secure, 2)]).unwrap();
        assert_eq!(a.dnssec, DnssecProof::Bogus);
        assert!(matches!(
            tlsa_from(name, &[]),
            Err(DnsError::NoAddress { .. })
        ));
    }

    #[test]
    fn mx_normalisation_and_null() {
        assert_eq!(
            MxRecord::new(10, "MX1.Example.COM.").exchange,
            "mx1.example.com"
        );
        assert!(MxRecord::new(0, ".").is_null());
        assert!(MxRecord::new(0, "").is_null());
        assert!(!MxRecord::new(0, "a.").is_null());
    }
}
