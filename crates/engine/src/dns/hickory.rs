//! [`HickoryLookup`]: hickory-resolver for real lookups (the system configuration or a
//! `--dns-server`), every lookup checked, capped at the run's timeout and counted
//! against the run's budget; TLSA answers validated by a second, DNSSEC-validating
//! resolver, with the blame for a failed proof (which chain query failed and how).

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::dnssec::TrustAnchors;
use hickory_resolver::proto::rr::RecordType;
use hickory_resolver::{Resolver, ResolverBuilder, TokioResolver};

use super::cache;
use super::{
    DnsError, DnssecProof, Lookup, MxRecord, TlsaAnswer, check_name, records, reverse_name,
};

/// DNS lookups one run may make through a [`HickoryLookup`] (each trait call counts
/// once; a validated TLSA lookup counts as [`TLSA_COST`]). A hostile zone (thousands of
/// MX hosts, storms of includes) ends in [`DnsError::Budget`] findings, not in minutes
/// of queries.
pub const LOOKUP_BUDGET: usize = 20_000;

/// What one validated TLSA lookup costs of the budget (its validation asks ~7 questions
/// per MX host against the signed test zone beyond the cached chain, see BENCHMARKS.md).
pub const TLSA_COST: usize = 10;

/// A hickory resolver: the system configuration, or one given server. TLSA queries go
/// through a second, validating resolver on the same servers.
pub struct HickoryLookup {
    resolver: TokioResolver,
    /// DNSSEC-validating twin of `resolver`, used for TLSA.
    validator: TokioResolver,
    /// The explicit server, for queries hickory would answer locally.
    server: Option<SocketAddr>,
    /// Where the blame walk and answer explanations ask: the explicit server, else the
    /// first name server of the system configuration.
    direct: Option<SocketAddr>,
    /// The validator's caching forwarder (kept alive with the lookup).
    forwarder: Option<cache::Forwarder>,
    /// The zones of the trust anchors (`.` for the IANA root keys).
    anchor_zones: Vec<String>,
    timeout: Duration,
    /// Budget units spent so far (see [`LOOKUP_BUDGET`]).
    spent: std::sync::atomic::AtomicUsize,
    /// The budget.
    budget: usize,
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
    // Two attempts fit in one `--timeout` (each lookup is also capped at it).
    opts.timeout = (timeout / 2).max(Duration::from_millis(100));
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
        let (anchors, anchor_zones) = match anchor_file {
            Some(path) => (load_trust_anchors(path)?, anchor_owners(path)),
            None => (TrustAnchors::default(), vec![".".to_string()]),
        };
        let direct = server.or_else(|| {
            hickory_resolver::system_conf::read_system_conf()
                .ok()
                .and_then(|(c, _)| {
                    c.name_servers()
                        .first()
                        .map(|ns| SocketAddr::new(ns.ip, 53))
                })
        });
        // The validator asks through the run's caching forwarder (one chain walk per
        // distinct question and run), else straight.
        let forwarder = direct.and_then(|up| cache::start(up, timeout));
        let via = forwarder.as_ref().map(|f| f.addr).or(server);
        let mut validating = builder(via, timeout)?.with_trust_anchor(Arc::new(anchors));
        validating.options_mut().validate = true;
        let validator = validating
            .build()
            .map_err(|e| DnsError::Setup(e.to_string()))?;
        Ok(Self {
            resolver,
            validator,
            server,
            direct,
            forwarder,
            anchor_zones,
            timeout,
            spent: std::sync::atomic::AtomicUsize::new(0),
            budget: LOOKUP_BUDGET,
        })
    }

    /// The same resolver with another per-run budget (in lookups).
    #[must_use]
    pub fn with_budget(mut self, budget: usize) -> Self {
        self.budget = budget;
        self
    }

    /// Budget units spent so far.
    pub fn spent(&self) -> usize {
        self.spent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Charges `cost` units for a lookup of `name`, or refuses when the budget is spent.
    fn charge(&self, name: &str, cost: usize) -> Result<(), DnsError> {
        let before = self
            .spent
            .fetch_add(cost, std::sync::atomic::Ordering::Relaxed);
        if before + cost > self.budget {
            return Err(DnsError::Budget {
                name: name.into(),
                budget: self.budget,
            });
        }
        Ok(())
    }
}

/// The owner names of the DNSKEY lines of an anchor file (`test.` → `test`, the root
/// stays `.`).
fn anchor_owners(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out: Vec<String> = text
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .any(|w| w.eq_ignore_ascii_case("DNSKEY"))
        })
        .filter_map(|l| l.split_whitespace().next())
        .map(|o| {
            let o = o.trim_end_matches('.').to_ascii_lowercase();
            if o.is_empty() { ".".to_string() } else { o }
        })
        .collect();
    out.dedup();
    out
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
        if text.contains("timed out") || text.contains("timeout") {
            DnsError::Timeout { name: name.into() }
        } else {
            DnsError::ServerFailure {
                name: name.into(),
                detail: text,
            }
        }
    }
}

impl HickoryLookup {
    /// Runs one lookup of `name` within the run's timeout (every DNS wait honours
    /// `--timeout`), after checking the name.
    async fn bounded<T>(
        &self,
        name: &str,
        fut: impl std::future::Future<Output = Result<T, DnsError>>,
    ) -> Result<T, DnsError> {
        check_name(name)?;
        self.charge(name, 1)?;
        tokio::time::timeout(self.timeout, fut)
            .await
            .map_err(|_| DnsError::Timeout { name: name.into() })?
    }

    /// A/AAAA of `host` with the CNAME chain; `thorough` explains negative answers.
    async fn ip_lookup(
        &self,
        host: &str,
        thorough: bool,
    ) -> Result<(Vec<IpAddr>, Vec<String>), DnsError> {
        let result = self
            .bounded(host, async {
                match self.resolver.lookup_ip(fqdn(host)).await {
                    Ok(found) => {
                        let cnames = records::cnames(found.as_lookup().answers());
                        let mut addrs: Vec<IpAddr> = found.iter().collect();
                        addrs.sort_by_key(IpAddr::is_ipv6);
                        addrs.dedup();
                        if addrs.is_empty() {
                            Err(DnsError::NoAddress {
                                name: host.into(),
                                what: "A/AAAA".into(),
                            })
                        } else {
                            Ok((addrs, cnames))
                        }
                    }
                    Err(e) => Err(net_error(host, "A/AAAA", &e)),
                }
            })
            .await;
        match result {
            Err(e) => Err(self.explained(host, RecordType::A, e, thorough).await),
            ok => ok,
        }
    }

    /// Replaces a vague failure with the real cause when the server is known: a
    /// malformed answer, a CNAME loop, a chain that ends without the record. (A timeout
    /// is left as it is: asking again would wait past `--timeout`.)
    ///
    /// `negative`: also look behind NXDOMAIN / no-data answers (one more query; done for
    /// MX hosts, where a CNAME loop or cut chain hides behind "no address", not for the
    /// many expected negatives of DNSBL, SPF or DKIM lookups).
    async fn explained(
        &self,
        name: &str,
        rtype: RecordType,
        err: DnsError,
        negative: bool,
    ) -> DnsError {
        let vague = match err {
            DnsError::ServerFailure { .. } => true,
            DnsError::NoAddress { .. } | DnsError::NxDomain { .. } => negative,
            _ => false,
        };
        if !vague {
            return err;
        }
        let Some(server) = self.direct else {
            return err;
        };
        match records::explain(server, name, rtype, self.timeout).await {
            Some(why) => DnsError::BadAnswer {
                name: name.into(),
                why: clip(&why),
            },
            None => err,
        }
    }
}

impl Lookup for HickoryLookup {
    async fn lookup_ip(&self, host: &str) -> Result<Vec<IpAddr>, DnsError> {
        self.ip_lookup(host, false).await.map(|(a, _)| a)
    }

    async fn lookup_ip_traced(&self, host: &str) -> Result<(Vec<IpAddr>, Vec<String>), DnsError> {
        self.ip_lookup(host, true).await
    }

    async fn lookup_mx(&self, domain: &str) -> Result<Vec<MxRecord>, DnsError> {
        let result = self
            .bounded(domain, async {
                let found = self
                    .resolver
                    .mx_lookup(fqdn(domain))
                    .await
                    .map_err(|e| net_error(domain, "MX", &e))?;
                records::mx_from(domain, found.answers())
            })
            .await;
        match result {
            Err(e) => Err(self.explained(domain, RecordType::MX, e, false).await),
            ok => ok,
        }
    }

    async fn lookup_txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        self.lookup_txt_traced(name).await.map(|(t, _)| t)
    }

    async fn lookup_txt_traced(&self, name: &str) -> Result<(Vec<String>, Vec<String>), DnsError> {
        let result = self
            .bounded(name, async {
                let found = self
                    .resolver
                    .txt_lookup(fqdn(name))
                    .await
                    .map_err(|e| net_error(name, "TXT", &e))?;
                let cnames = records::cnames(found.answers());
                Ok((records::txt_from(name, found.answers())?, cnames))
            })
            .await;
        match result {
            Err(e) => Err(self.explained(name, RecordType::TXT, e, false).await),
            ok => ok,
        }
    }

    async fn lookup_ptr(&self, addr: IpAddr) -> Result<Vec<String>, DnsError> {
        let name = reverse_name(addr);
        // hickory answers PTR of 127/8 and ::1 itself ("localhost", RFC 6761); with an
        // explicit server, ask that server instead (test zones serve loopback PTRs).
        if let Some(server) = self.server
            && addr.is_loopback()
        {
            self.charge(&name, 1)?;
            let message = records::direct_query(server, &name, self.timeout).await?;
            return records::ptr_from(&name, &message.answers);
        }
        self.bounded(&name, async {
            let found = self
                .resolver
                .reverse_lookup(fqdn(&name))
                .await
                .map_err(|e| net_error(&name, "PTR", &e))?;
            records::ptr_from(&name, found.answers())
        })
        .await
    }

    async fn lookup_tlsa(&self, name: &str) -> Result<TlsaAnswer, DnsError> {
        check_name(name)?;
        self.charge(name, TLSA_COST)?;
        // Each wait below is capped at the run's timeout: the validation, the unvalidated
        // fetch of a failed answer, the blame walk.
        let validated = tokio::time::timeout(self.timeout, self.validator.tlsa_lookup(fqdn(name)))
            .await
            .map_err(|_| DnsError::Timeout { name: name.into() })?;
        let mut query_error = None;
        let mut answer = match validated {
            Ok(found) => records::tlsa_from(name, found.answers())?,
            Err(e) if is_bogus(&e) => TlsaAnswer {
                dnssec: DnssecProof::Bogus,
                ..TlsaAnswer::default()
            },
            Err(e) if e.is_nx_domain() || e.is_no_records_found() => {
                return Err(net_error(name, "TLSA", &e));
            }
            // The validator gave up: a chain query failed (found below), or the TLSA
            // query itself did.
            Err(e) => {
                query_error = Some(net_error(name, "TLSA", &e));
                TlsaAnswer {
                    dnssec: DnssecProof::Indeterminate,
                    ..TlsaAnswer::default()
                }
            }
        };
        if matches!(
            answer.dnssec,
            DnssecProof::Bogus | DnssecProof::Indeterminate
        ) {
            if answer.records.is_empty() {
                // Show what was served (unvalidated) next to the verdict.
                answer.records =
                    match tokio::time::timeout(self.timeout, self.resolver.tlsa_lookup(fqdn(name)))
                        .await
                    {
                        Ok(Ok(found)) => records::tlsa_records(found.answers()),
                        _ => Vec::new(),
                    };
            }
            // The blame walk asks through the forwarder too: the chain's answers are
            // cached for every other MX host (refusals are not cached, and are seen).
            let via = self.forwarder.as_ref().map(|f| f.addr).or(self.direct);
            if let Some(server) = via {
                let walk = records::chain_blame(server, &self.anchor_zones, name, self.timeout);
                let blame = tokio::time::timeout(self.timeout, walk)
                    .await
                    .unwrap_or_else(|_| Some("the DNSSEC chain queries timed out".into()));
                match blame {
                    // A chain query failed: this resolver path proves nothing.
                    Some(why) => {
                        answer.dnssec = DnssecProof::Indeterminate;
                        // Escaped where it is shown (the finding's evidence).
                        answer.blame = Some(clip(&why));
                    }
                    None if answer.dnssec == DnssecProof::Bogus => {
                        answer.blame = Some(
                            "every chain query was answered; the signatures do not verify".into(),
                        );
                    }
                    None => {}
                }
            }
        }
        match query_error {
            Some(e) if answer.blame.is_none() => Err(e),
            _ => Ok(answer),
        }
    }
}

/// `text` cut to 200 characters (evidence stays bounded).
pub(super) fn clip(text: &str) -> String {
    if text.chars().count() > 200 {
        format!("{}…", text.chars().take(200).collect::<String>())
    } else {
        text.to_string()
    }
}

/// `name` with a trailing dot, so the resolver never appends a search domain.
pub(super) fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}
