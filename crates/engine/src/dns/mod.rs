//! Name resolution behind a small trait: hickory-resolver for real lookups (the system
//! configuration or a `--dns-server`), and a static table for `--resolve` and tests.
//! IP-literal targets never touch DNS. Besides addresses, the trait answers the record
//! types the domain diagnosis needs: MX, TXT, PTR and TLSA (see [`records`]), and
//! [`FixedLookup`] serves all of them from memory for tests.
//!
//! TLSA answers are validated by smtptui itself: a second hickory resolver with DNSSEC
//! validation on (ring crypto) walks the chain from the trust anchors (the IANA root
//! keys, or `--dnssec-anchor`) and labels the RRset secure, insecure, bogus or
//! indeterminate ([`DnssecProof`]). The upstream resolver's AD bit is not trusted.

mod cache;
mod fixed;
mod hickory;
mod records;

pub use fixed::FixedLookup;
use hickory::clip;
pub use hickory::{HickoryLookup, LOOKUP_BUDGET, TLSA_COST, load_trust_anchors};
pub use records::{DnssecProof, MxRecord, TlsaAnswer, TlsaRecord, reverse_name, reversed_labels};

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Why a name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// The name does not exist (NXDOMAIN).
    #[error("{name}: no such domain (NXDOMAIN)")]
    NxDomain {
        /// The name asked.
        name: String,
    },
    /// The name exists but has no A/AAAA record (of the wanted family).
    #[error("{name}: the name exists but has no {what} record")]
    NoAddress {
        /// The name asked.
        name: String,
        /// Which records were wanted ("A/AAAA", "A", "AAAA").
        what: String,
    },
    /// The server answered SERVFAIL, REFUSED or similar.
    #[error("{name}: DNS server failure ({detail})")]
    ServerFailure {
        /// The name asked.
        name: String,
        /// What the server said.
        detail: String,
    },
    /// No answer in time.
    #[error("{name}: DNS query timed out")]
    Timeout {
        /// The name asked.
        name: String,
    },
    /// The resolver could not be set up (no usable system configuration ...).
    #[error("DNS resolver unavailable: {0}")]
    Setup(String),
    /// The name is not a valid DNS name; no query was sent. `name` has every control
    /// or non-ASCII character replaced by `?` (safe to print as is; `why` names it).
    #[error("`{name}` is not a valid DNS name ({why}); no query was sent")]
    InvalidName {
        /// The name as given (escaped).
        name: String,
        /// What is wrong with it.
        why: String,
    },
    /// The run's DNS budget ([`LOOKUP_BUDGET`]) is spent; the name was not queried.
    #[error("{name}: not queried: the run's budget of {budget} DNS lookups is spent")]
    Budget {
        /// The name that was not asked.
        name: String,
        /// The budget.
        budget: usize,
    },
    /// The server answered, but the answer itself is broken (malformed, a CNAME loop,
    /// a chain cut short or too long).
    #[error("{name}: {why}")]
    BadAnswer {
        /// The name asked.
        name: String,
        /// What is wrong with the answer.
        why: String,
    },
}

/// Checks a name before it is queried: at most 253 characters, labels of 1-63 bytes
/// (letters, digits, `-`, `_`; `*` as a whole label). A
/// binary label is an input error in plain words, never sent; non-ASCII letters are
/// left to IDNA.
pub fn check_name(name: &str) -> Result<(), DnsError> {
    let shown: String = clip(name)
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect();
    let bad = |why: &str| DnsError::InvalidName {
        name: shown.clone(),
        why: why.into(),
    };
    let n = name.strip_suffix('.').unwrap_or(name);
    if n.is_empty() {
        return Err(bad("empty name"));
    }
    if n.len() > 253 {
        return Err(bad("longer than 253 characters"));
    }
    for label in n.split('.') {
        if label.is_empty() {
            return Err(bad("empty label (two dots in a row)"));
        }
        if label.len() > 63 {
            return Err(bad("a label is longer than 63 bytes (at most 63 fit)"));
        }
        if let Some(b) = label.bytes().find(u8::is_ascii_control) {
            return Err(bad(&format!(
                "a label contains the control/binary byte 0x{b:02x}"
            )));
        }
        // Non-ASCII letters are left to IDNA (hickory encodes them as xn-- labels).
        if let Some(c) = label.chars().find(|c| {
            label != "*"
                && (c.is_whitespace()
                    || (c.is_ascii() && !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')))
        }) {
            return Err(bad(&format!(
                "`{}` is not allowed in a DNS name (labels hold letters, digits, `-` and `_`)",
                c.escape_debug()
            )));
        }
    }
    Ok(())
}

/// Resolves a host name to addresses, and the mail-related record types.
///
/// Every record method has a default that reports [`DnsError::Setup`] ("not
/// supported"), so an address-only implementation stays valid.
pub trait Lookup: Send + Sync {
    /// All A and AAAA addresses of `host`, IPv4 first.
    fn lookup_ip(
        &self,
        host: &str,
    ) -> impl std::future::Future<Output = Result<Vec<IpAddr>, DnsError>> + Send;

    /// Like [`Lookup::lookup_ip`], plus the CNAME chain the answer went through.
    fn lookup_ip_traced(
        &self,
        host: &str,
    ) -> impl std::future::Future<Output = Result<(Vec<IpAddr>, Vec<String>), DnsError>> + Send
    {
        let fut = self.lookup_ip(host);
        async move { fut.await.map(|a| (a, Vec::new())) }
    }

    /// The MX records of `domain`, sorted by preference then name. A null MX
    /// (RFC 7505) is returned as a record whose exchange is `.`. No MX record at all is
    /// [`DnsError::NoAddress`] with `what` = `MX`.
    fn lookup_mx(
        &self,
        domain: &str,
    ) -> impl std::future::Future<Output = Result<Vec<MxRecord>, DnsError>> + Send {
        unsupported(domain, "MX")
    }

    /// The TXT records of `name`, each record's character strings concatenated
    /// (lossy UTF-8, *not* escaped: callers escape before display).
    fn lookup_txt(
        &self,
        name: &str,
    ) -> impl std::future::Future<Output = Result<Vec<String>, DnsError>> + Send {
        unsupported(name, "TXT")
    }

    /// Like [`Lookup::lookup_txt`], plus the CNAME chain the answer went through (the
    /// targets in order; empty when `name` holds the records itself).
    fn lookup_txt_traced(
        &self,
        name: &str,
    ) -> impl std::future::Future<Output = Result<(Vec<String>, Vec<String>), DnsError>> + Send
    {
        let fut = self.lookup_txt(name);
        async move { fut.await.map(|t| (t, Vec::new())) }
    }

    /// The PTR names of `addr` (lower case, no trailing dot).
    fn lookup_ptr(
        &self,
        addr: IpAddr,
    ) -> impl std::future::Future<Output = Result<Vec<String>, DnsError>> + Send {
        unsupported(&reverse_name(addr), "PTR")
    }

    /// The TLSA records at `name` (e.g. `_25._tcp.mx.example.com`) and what DNSSEC
    /// validation proved about them.
    fn lookup_tlsa(
        &self,
        name: &str,
    ) -> impl std::future::Future<Output = Result<TlsaAnswer, DnsError>> + Send {
        unsupported(name, "TLSA")
    }
}

fn unsupported<T>(
    name: &str,
    what: &str,
) -> impl std::future::Future<Output = Result<T, DnsError>> + Send + use<T> {
    let err = DnsError::Setup(format!("{what} lookups are not supported here ({name})"));
    async move { Err(err) }
}

/// A fixed table (curl's `--resolve`), consulted before any real lookup.
#[derive(Debug, Clone, Default)]
pub struct StaticTable {
    entries: Vec<(String, IpAddr)>,
}

impl StaticTable {
    /// Builds the table; host names compare case-insensitively.
    pub fn new(entries: &[(String, IpAddr)]) -> Self {
        Self {
            entries: entries.iter().map(|(h, a)| (normalise(h), *a)).collect(),
        }
    }

    /// The addresses listed for `host`, if any.
    pub fn get(&self, host: &str) -> Option<Vec<IpAddr>> {
        let host = normalise(host);
        let found: Vec<IpAddr> = self
            .entries
            .iter()
            .filter(|(h, _)| *h == host)
            .map(|(_, a)| *a)
            .collect();
        (!found.is_empty()).then_some(found)
    }
}

fn normalise(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Resolves `host` the way a run does: an IP literal as is, then the static table,
/// then DNS (only built when needed, so tests with `--resolve` never touch it).
pub async fn resolve(
    host: &str,
    table: &StaticTable,
    server: Option<SocketAddr>,
    timeout: Duration,
) -> Result<(Vec<IpAddr>, Source), DnsError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok((vec![ip], Source::Literal));
    }
    if let Some(addrs) = table.get(host) {
        return Ok((addrs, Source::Static));
    }
    check_name(host)?;
    let lookup = HickoryLookup::new(server, timeout)?;
    let addrs = tokio::time::timeout(timeout * 3, lookup.lookup_ip(host))
        .await
        .map_err(|_| DnsError::Timeout { name: host.into() })??;
    Ok((addrs, Source::Dns))
}

/// The organizational domain of `name` (RFC 7489 3.2): the registrable domain by the
/// Public Suffix List compiled into the `psl` crate (`mail.example.co.uk` →
/// `example.co.uk`). A name that is itself a public suffix, or not a domain at all,
/// is returned as is (lower case, no trailing dot).
pub fn organizational_domain(name: &str) -> String {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    psl::domain(name.as_bytes())
        .and_then(|d| std::str::from_utf8(d.as_bytes()).ok().map(str::to_string))
        .unwrap_or(name)
}

/// Where the addresses came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The target was an IP literal.
    Literal,
    /// `--resolve`.
    Static,
    /// A DNS query.
    Dns,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn literals_and_static_table_never_query_dns() {
        let table = StaticTable::new(&[("Mail.Test".into(), "127.0.0.2".parse().unwrap())]);
        // A server address nobody listens on: any real query would time out.
        let dead: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let t = Duration::from_millis(200);
        let (a, s) = resolve("mail.test.", &table, Some(dead), t).await.unwrap();
        assert_eq!(
            (a, s),
            (vec!["127.0.0.2".parse::<IpAddr>().unwrap()], Source::Static)
        );
        let (a, s) = resolve("[::1]", &table, Some(dead), t).await.unwrap();
        assert_eq!(
            (a, s),
            (vec!["::1".parse::<IpAddr>().unwrap()], Source::Literal)
        );
    }

    #[test]
    fn organizational_domains_follow_the_public_suffix_list() {
        assert_eq!(
            organizational_domain("mail.example.co.uk."),
            "example.co.uk"
        );
        assert_eq!(organizational_domain("a.b.Example.COM"), "example.com");
        assert_eq!(organizational_domain("sub.example.test"), "example.test");
        assert_eq!(organizational_domain("example.test"), "example.test");
        assert_eq!(organizational_domain("co.uk"), "co.uk");
    }

    #[test]
    fn names_are_checked_before_any_query() {
        for ok in [
            "example.com",
            "_dmarc.example.com.",
            "s1._domainkey.x-y.test",
            "*.a.test",
            // IDNA: hickory sends the xn-- form.
            "ex\u{e4}mple.test",
        ] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a..b", "a\0b.test", "bad label.test", &"a".repeat(64)] {
            let e = check_name(bad).unwrap_err();
            assert!(matches!(e, DnsError::InvalidName { .. }), "{bad:?}: {e:?}");
            assert!(e.to_string().contains("no query was sent"), "{e}");
        }
        let e = check_name("a\0b.test").unwrap_err().to_string();
        assert!(e.contains("`a?b.test`") && e.contains("byte 0x00"), "{e}");
        assert!(!e.contains('\0'), "{e}");
    }

    #[tokio::test]
    async fn the_run_budget_ends_lookups() {
        let dead: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let l = HickoryLookup::new(Some(dead), Duration::from_millis(100))
            .unwrap()
            .with_budget(1);
        // The first lookup is made (and fails: nobody listens) ...
        assert!(!matches!(
            l.lookup_txt("a.test").await,
            Err(DnsError::Budget { .. })
        ));
        // ... the second is refused without a query.
        let e = l.lookup_txt("b.test").await.unwrap_err();
        assert!(matches!(e, DnsError::Budget { budget: 1, .. }), "{e:?}");
        assert!(
            e.to_string().contains("budget of 1 DNS lookups is spent"),
            "{e}"
        );
        assert!(matches!(
            l.lookup_tlsa("_25._tcp.c.test").await,
            Err(DnsError::Budget { .. })
        ));
    }

    #[test]
    fn trust_anchor_files() {
        let dir = std::env::temp_dir().join(format!("smtptui-anchor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ds = dir.join("ds");
        std::fs::write(&ds, "test. 3600 IN DS 12345 13 2 00ff\n").unwrap();
        let err = load_trust_anchors(&ds).err().unwrap();
        assert!(
            err.to_string().contains("DS anchors are not supported"),
            "{err}"
        );
        // A root-zone RSA DNSKEY in presentation form loads.
        let key = dir.join("key");
        std::fs::write(
            &key,
            ". 172800 IN DNSKEY 257 3 8 AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdpWWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwuMoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBevYtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc=\n",
        )
        .unwrap();
        assert!(load_trust_anchors(&key).is_ok());
        let dead: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let err = HickoryLookup::with_anchors(
            Some(dead),
            Duration::from_secs(1),
            Some(&dir.join("none")),
        )
        .err()
        .unwrap();
        assert!(matches!(err, DnsError::Setup(_)), "{err:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn dead_server_is_a_classified_error() {
        let dead: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let err = resolve(
            "nowhere.test",
            &StaticTable::default(),
            Some(dead),
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                DnsError::Timeout { .. } | DnsError::ServerFailure { .. }
            ),
            "{err:?}"
        );
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn bad_names_are_ours_in_plain_words() {
        assert!(check_name("mail.example.com").is_ok());
        assert!(check_name("_dmarc.example.com.").is_ok());
        assert!(check_name("bücher.example").is_ok());
        for (name, words) in [
            ("mx:good.test", "`:` is not allowed"),
            ("a..b", "empty label"),
            ("", "empty"),
            (&"x".repeat(64), "at most 63"),
            ("bin\u{1}ary.example", "0x01"),
        ] {
            let e = check_name(name).unwrap_err().to_string();
            assert!(e.contains(words), "{name}: {e}");
            assert!(!e.contains("server") && !e.contains("Err("), "{e}");
        }
    }

    #[tokio::test]
    async fn an_invalid_name_asks_no_server() {
        // A DNS server that does not exist: the answer comes before any query.
        let dead: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let err = resolve(
            "a b.example",
            &StaticTable::new(&[]),
            Some(dead),
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, DnsError::InvalidName { .. }), "{err}");
    }
}
