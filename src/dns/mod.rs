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

mod fixed;
mod records;

pub use fixed::FixedLookup;
pub use records::{DnssecProof, MxRecord, TlsaAnswer, TlsaRecord, reverse_name, reversed_labels};

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::dnssec::TrustAnchors;
use hickory_resolver::{Resolver, ResolverBuilder, TokioResolver};

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
    /// The name cannot be asked at all (our side: no server was asked).
    #[error("`{name}` is not a valid DNS name: {reason}")]
    InvalidName {
        /// The name as given (escaped).
        name: String,
        /// What is wrong, in words.
        reason: String,
    },
}

/// Checks that `name` can be put into a DNS query (before any server is asked): at most
/// 253 bytes, labels of 1-63 bytes, and only letters, digits, `-` and `_` (non-ASCII
/// labels are left to IDNA). The error is in words, and does not blame a server.
pub fn check_name(name: &str) -> Result<(), DnsError> {
    let bad = |reason: String| DnsError::InvalidName {
        name: name.escape_debug().to_string(),
        reason,
    };
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return Err(bad("the name is empty".into()));
    }
    if trimmed.len() > 253 {
        return Err(bad(format!("{} bytes, at most 253 fit", trimmed.len())));
    }
    for label in trimmed.split('.') {
        if label.is_empty() {
            return Err(bad("it has an empty label (two dots in a row)".into()));
        }
        if label.len() > 63 {
            return Err(bad(format!(
                "the label `{}…` has {} bytes, at most 63 fit",
                &label.chars().take(12).collect::<String>(),
                label.len()
            )));
        }
        if let Some(c) = label
            .chars()
            .find(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(bad(format!(
                "`{}` is not allowed in a DNS name",
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

/// A hickory resolver: the system configuration, or one given server. TLSA queries go
/// through a second, validating resolver on the same servers.
pub struct HickoryLookup {
    resolver: TokioResolver,
    /// DNSSEC-validating twin of `resolver`, used for TLSA.
    validator: TokioResolver,
    /// The explicit server, for queries hickory would answer locally.
    server: Option<SocketAddr>,
    timeout: Duration,
}

/// A resolver builder for `server`, or the system configuration.
fn builder(
    server: Option<SocketAddr>,
    timeout: Duration,
) -> Result<ResolverBuilder<TokioRuntimeProvider>, DnsError> {
    let builder = match server {
        Some(addr) => {
            let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
            for conn in &mut ns.connections {
                conn.port = addr.port();
            }
            let config = ResolverConfig::from_parts(None, Vec::new(), vec![ns]);
            Resolver::builder_with_config(config, TokioRuntimeProvider::default())
        }
        None => Resolver::builder_tokio().map_err(|e| DnsError::Setup(e.to_string()))?,
    };
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 2;
    if server.is_some() {
        // `--dns-server` means that server answers, not the local hosts file.
        opts.use_hosts_file = hickory_resolver::config::ResolveHosts::Never;
    }
    Ok(builder.with_options(opts))
}

/// Loads DNSSEC trust anchors (DNSKEY records in zone-file presentation form).
pub fn load_trust_anchors(path: &Path) -> Result<TrustAnchors, DnsError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| DnsError::Setup(format!("--dnssec-anchor {}: {e}", path.display())))?;
    if !text.lines().any(|l| {
        l.split_whitespace()
            .any(|w| w.eq_ignore_ascii_case("DNSKEY"))
    }) {
        return Err(DnsError::Setup(format!(
            "--dnssec-anchor {}: no DNSKEY record (DS anchors are not supported)",
            path.display()
        )));
    }
    text.parse::<TrustAnchors>()
        .map_err(|e| DnsError::Setup(format!("--dnssec-anchor {}: {e}", path.display())))
}

impl HickoryLookup {
    /// Uses `server` if given, else the system configuration (`/etc/resolv.conf`);
    /// TLSA answers are validated against the IANA root trust anchors.
    pub fn new(server: Option<SocketAddr>, timeout: Duration) -> Result<Self, DnsError> {
        Self::with_anchors(server, timeout, None)
    }

    /// Like [`HickoryLookup::new`], validating TLSA answers against the DNSKEY trust
    /// anchors in `anchor_file` instead of the root keys.
    pub fn with_anchors(
        server: Option<SocketAddr>,
        timeout: Duration,
        anchor_file: Option<&Path>,
    ) -> Result<Self, DnsError> {
        let resolver = builder(server, timeout)?
            .build()
            .map_err(|e| DnsError::Setup(e.to_string()))?;
        let anchors = match anchor_file {
            Some(path) => load_trust_anchors(path)?,
            None => TrustAnchors::default(),
        };
        let mut validating = builder(server, timeout)?.with_trust_anchor(Arc::new(anchors));
        validating.options_mut().validate = true;
        let validator = validating
            .build()
            .map_err(|e| DnsError::Setup(e.to_string()))?;
        Ok(Self {
            resolver,
            validator,
            server,
            timeout,
        })
    }
}

/// Whether hickory's validating lookup failed because the answer is bogus.
fn is_bogus(e: &hickory_resolver::net::NetError) -> bool {
    use hickory_resolver::net::{DnsError as HDnsError, NetError};
    match e {
        NetError::Dns(HDnsError::DnssecBogus) => true,
        NetError::Dns(HDnsError::Nsec { proof, .. }) => proof.is_bogus(),
        _ => false,
    }
}

/// Maps a hickory error for a query of `what` records at `name`.
fn net_error(name: &str, what: &str, e: &hickory_resolver::net::NetError) -> DnsError {
    if e.is_nx_domain() {
        DnsError::NxDomain { name: name.into() }
    } else if e.is_no_records_found() {
        DnsError::NoAddress {
            name: name.into(),
            what: what.into(),
        }
    } else {
        let text = e.to_string();
        if text.contains("Label") || text.contains("label") {
            // hickory refused to encode the name (IDNA): our side, not the server's.
            DnsError::InvalidName {
                name: name.escape_debug().to_string(),
                reason: "it has characters a DNS name cannot hold".into(),
            }
        } else if text.contains("timed out") || text.contains("timeout") {
            DnsError::Timeout { name: name.into() }
        } else {
            DnsError::ServerFailure {
                name: name.into(),
                detail: text,
            }
        }
    }
}

impl Lookup for HickoryLookup {
    async fn lookup_ip(&self, host: &str) -> Result<Vec<IpAddr>, DnsError> {
        check_name(host)?;
        match self.resolver.lookup_ip(host).await {
            Ok(found) => {
                let mut addrs: Vec<IpAddr> = found.iter().collect();
                addrs.sort_by_key(IpAddr::is_ipv6);
                addrs.dedup();
                if addrs.is_empty() {
                    Err(DnsError::NoAddress {
                        name: host.into(),
                        what: "A/AAAA".into(),
                    })
                } else {
                    Ok(addrs)
                }
            }
            Err(e) => Err(net_error(host, "A/AAAA", &e)),
        }
    }

    async fn lookup_mx(&self, domain: &str) -> Result<Vec<MxRecord>, DnsError> {
        check_name(domain)?;
        let found = self
            .resolver
            .mx_lookup(fqdn(domain))
            .await
            .map_err(|e| net_error(domain, "MX", &e))?;
        records::mx_from(domain, found.answers())
    }

    async fn lookup_txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        check_name(name)?;
        let found = self
            .resolver
            .txt_lookup(fqdn(name))
            .await
            .map_err(|e| net_error(name, "TXT", &e))?;
        records::txt_from(name, found.answers())
    }

    async fn lookup_ptr(&self, addr: IpAddr) -> Result<Vec<String>, DnsError> {
        let name = reverse_name(addr);
        // hickory answers PTR of 127/8 and ::1 itself ("localhost", RFC 6761); with an
        // explicit server, ask that server instead (test zones serve loopback PTRs).
        if let Some(server) = self.server
            && addr.is_loopback()
        {
            let message = records::direct_query(server, &name, self.timeout).await?;
            return records::ptr_from(&name, &message.answers);
        }
        let found = self
            .resolver
            .reverse_lookup(fqdn(&name))
            .await
            .map_err(|e| net_error(&name, "PTR", &e))?;
        records::ptr_from(&name, found.answers())
    }

    async fn lookup_tlsa(&self, name: &str) -> Result<TlsaAnswer, DnsError> {
        match self.validator.tlsa_lookup(fqdn(name)).await {
            Ok(found) => records::tlsa_from(name, found.answers()),
            Err(e) if is_bogus(&e) => {
                // Show what was served (unvalidated) next to the verdict.
                let records = match self.resolver.tlsa_lookup(fqdn(name)).await {
                    Ok(found) => records::tlsa_records(found.answers()),
                    Err(_) => Vec::new(),
                };
                Ok(TlsaAnswer {
                    records,
                    authenticated: false,
                    dnssec: DnssecProof::Bogus,
                })
            }
            Err(e) => Err(net_error(name, "TLSA", &e)),
        }
    }
}

/// `name` with a trailing dot, so the resolver never appends a search domain.
fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
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
