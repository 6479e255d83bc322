//! [`FixedLookup`]: every record type served from memory (unit tests, offline demos).

use std::collections::HashMap;
use std::net::IpAddr;

use super::{DnsError, DnssecProof, Lookup, MxRecord, TlsaAnswer, TlsaRecord, reverse_name};

/// An in-memory zone. A name that appears under any record type answers "no record of
/// that type" for the others; a name that appears nowhere is NXDOMAIN.
#[derive(Debug, Clone, Default)]
pub struct FixedLookup {
    addrs: HashMap<String, Vec<IpAddr>>,
    mx: HashMap<String, Vec<MxRecord>>,
    txt: HashMap<String, Vec<String>>,
    ptr: HashMap<IpAddr, Vec<String>>,
    tlsa: HashMap<String, TlsaAnswer>,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl FixedLookup {
    /// An empty zone.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an address for `name`.
    #[must_use]
    pub fn addr(mut self, name: &str, addr: IpAddr) -> Self {
        self.addrs.entry(key(name)).or_default().push(addr);
        self
    }

    /// Adds an MX record for `domain`.
    #[must_use]
    pub fn mx(mut self, domain: &str, preference: u16, exchange: &str) -> Self {
        let list = self.mx.entry(key(domain)).or_default();
        list.push(MxRecord::new(preference, exchange));
        list.sort();
        self
    }

    /// Adds a TXT record (one string) for `name`.
    #[must_use]
    pub fn txt(mut self, name: &str, text: &str) -> Self {
        self.txt.entry(key(name)).or_default().push(text.into());
        self
    }

    /// Adds a PTR name for `addr`.
    #[must_use]
    pub fn ptr(mut self, addr: IpAddr, name: &str) -> Self {
        self.ptr.entry(addr).or_default().push(key(name));
        self
    }

    /// Adds a TLSA record at `name`; `authenticated` makes the answer DNSSEC-secure
    /// (else insecure).
    #[must_use]
    pub fn tlsa(self, name: &str, record: TlsaRecord, authenticated: bool) -> Self {
        let proof = if authenticated {
            DnssecProof::Secure
        } else {
            DnssecProof::Insecure
        };
        self.tlsa_with_proof(name, record, proof)
    }

    /// Adds a TLSA record at `name` whose RRset carries `proof`.
    #[must_use]
    pub fn tlsa_with_proof(mut self, name: &str, record: TlsaRecord, proof: DnssecProof) -> Self {
        let a = self.tlsa.entry(key(name)).or_default();
        a.records.push(record);
        a.dnssec = proof;
        a.authenticated = proof == DnssecProof::Secure;
        self
    }

    fn known(&self, name: &str) -> bool {
        self.addrs.contains_key(name)
            || self.mx.contains_key(name)
            || self.txt.contains_key(name)
            || self.tlsa.contains_key(name)
    }

    fn missing(&self, name: &str, what: &str) -> DnsError {
        if self.known(name) {
            DnsError::NoAddress {
                name: name.into(),
                what: what.into(),
            }
        } else {
            DnsError::NxDomain { name: name.into() }
        }
    }
}

impl Lookup for FixedLookup {
    async fn lookup_ip(&self, host: &str) -> Result<Vec<IpAddr>, DnsError> {
        let k = key(host);
        let mut v = self
            .addrs
            .get(&k)
            .cloned()
            .ok_or_else(|| self.missing(&k, "A/AAAA"))?;
        v.sort_by_key(IpAddr::is_ipv6);
        Ok(v)
    }

    async fn lookup_mx(&self, domain: &str) -> Result<Vec<MxRecord>, DnsError> {
        let k = key(domain);
        self.mx
            .get(&k)
            .cloned()
            .ok_or_else(|| self.missing(&k, "MX"))
    }

    async fn lookup_txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let k = key(name);
        self.txt
            .get(&k)
            .cloned()
            .ok_or_else(|| self.missing(&k, "TXT"))
    }

    async fn lookup_ptr(&self, addr: IpAddr) -> Result<Vec<String>, DnsError> {
        self.ptr.get(&addr).cloned().ok_or(DnsError::NxDomain {
            name: reverse_name(addr),
        })
    }

    async fn lookup_tlsa(&self, name: &str) -> Result<TlsaAnswer, DnsError> {
        let k = key(name);
        self.tlsa
            .get(&k)
            .cloned()
            .ok_or_else(|| self.missing(&k, "TLSA"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fixed_zone_answers_and_negatives() {
        let z = FixedLookup::new()
            .addr("a.test", "::1".parse().unwrap())
            .addr("a.test", "127.0.0.1".parse().unwrap())
            .mx("test", 20, "b.test.")
            .mx("test", 10, "a.test")
            .txt("test", "v=spf1 -all");
        assert_eq!(
            z.lookup_ip("A.test.").await.unwrap()[0],
            "127.0.0.1".parse::<IpAddr>().unwrap()
        );
        let mx = z.lookup_mx("test").await.unwrap();
        assert_eq!(mx[0].exchange, "a.test");
        assert!(matches!(
            z.lookup_mx("a.test").await,
            Err(DnsError::NoAddress { .. })
        ));
        assert!(matches!(
            z.lookup_txt("nope.test").await,
            Err(DnsError::NxDomain { .. })
        ));
    }
}
