//! Domain diagnosis (`--mx`): plans every MX host and address of a mail domain
//! (preference order, RFC 7505 null MX, RFC 5321 implicit MX), and after the probe
//! builds the DNS mail-security report: MX, PTR and forward-confirmed reverse DNS,
//! banner vs PTR, STARTTLS and certificate per MX, SPF, DMARC, MTA-STS (with the HTTPS
//! policy), TLS-RPT, DANE and DNSBL listings. Each check yields [`DnsFinding`]s with a
//! pass/warn/fail status, escaped evidence and advice.

pub mod dane;
pub mod dkim;
mod dmarc;
mod domain;
mod hosts;
pub mod net;
pub mod policy;
pub mod run;
pub mod spf;

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use crate::classify::infer;
use crate::dns::{DnsError, HickoryLookup, Lookup, MxRecord, StaticTable};
use crate::model::{
    DnsCheck, DnsFinding, DnsReport, DnsStatus, Endpoint, EndpointId, EndpointReport, Finding,
    Mode, MxHost, escape_str,
};
use crate::settings::{DEFAULT_DNSBL_ZONES, FamilyFilter, Settings};
use crate::tls::TlsClient;

/// MX hosts whose per-host checks (PTR, DNSBL, DANE ...) run at once.
const HOST_WIDTH: usize = 16;

/// How the domain's mail exchangers were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MxKind {
    /// Ordinary MX records.
    Records,
    /// A null MX (`0 .`): the domain accepts no mail.
    Null,
    /// No MX: the domain itself (its A/AAAA) is the implicit MX.
    Implicit,
    /// No usable MX: the lookup failed, or no MX and no address.
    Missing,
}

/// One MX host to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedHost {
    /// MX preference (0 for the implicit MX).
    pub preference: u16,
    /// Host name.
    pub host: String,
    /// Addresses after the family filter, IPv4 first.
    pub addrs: Vec<IpAddr>,
    /// Why it has no address, when it has none.
    pub error: Option<DnsError>,
    /// The CNAME chain the host name resolved through (an MX must not be an alias,
    /// RFC 2181 10.3); empty for a proper host name.
    pub cname: Vec<String>,
}

/// The MX plan of a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxPlan {
    /// The domain.
    pub domain: String,
    /// How the exchangers were found.
    pub kind: MxKind,
    /// The MX records as published (empty for implicit / missing).
    pub records: Vec<MxRecord>,
    /// The hosts in preference order.
    pub hosts: Vec<PlannedHost>,
    /// The MX (or implicit address) lookup error, for [`MxKind::Missing`].
    pub error: Option<DnsError>,
}

/// A resolver for the diagnosis: `--dns-server` or the system configuration.
pub fn lookup_for(settings: &Settings) -> Result<HickoryLookup, DnsError> {
    HickoryLookup::with_anchors(
        settings.dns_server,
        settings.timeouts.connect,
        settings.dnssec_anchor.as_deref(),
    )
}

/// Addresses of `host`: an IP literal as is, the static table, then DNS.
pub async fn addresses<L: Lookup>(
    lookup: &L,
    table: &StaticTable,
    host: &str,
) -> Result<Vec<IpAddr>, DnsError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    if let Some(a) = table.get(host) {
        return Ok(a);
    }
    lookup.lookup_ip(host).await
}

fn keep(family: FamilyFilter, a: IpAddr) -> bool {
    match family {
        FamilyFilter::Any => true,
        FamilyFilter::V4 => a.is_ipv4(),
        FamilyFilter::V6 => a.is_ipv6(),
    }
}

/// Resolves the MX records of `domain` and the addresses of every exchanger.
pub async fn plan_mx<L: Lookup>(
    lookup: &L,
    table: &StaticTable,
    domain: &str,
    family: FamilyFilter,
) -> MxPlan {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let mut plan = MxPlan {
        domain: domain.clone(),
        kind: MxKind::Records,
        records: Vec::new(),
        hosts: Vec::new(),
        error: None,
    };
    let targets: Vec<(u16, String)> = match lookup.lookup_mx(&domain).await {
        Ok(records) => {
            plan.records.clone_from(&records);
            if records.iter().any(MxRecord::is_null) {
                plan.kind = MxKind::Null;
                Vec::new()
            } else {
                records
                    .into_iter()
                    .map(|r| (r.preference, r.exchange))
                    .collect()
            }
        }
        Err(DnsError::NoAddress { .. }) => {
            plan.kind = MxKind::Implicit;
            vec![(0, domain.clone())]
        }
        Err(e) => {
            plan.kind = MxKind::Missing;
            plan.error = Some(e);
            Vec::new()
        }
    };
    for (preference, host) in targets {
        let mut cname = Vec::new();
        let found = if host.parse::<IpAddr>().is_ok() || table.get(&host).is_some() {
            addresses(lookup, table, &host).await
        } else {
            lookup.lookup_ip_traced(&host).await.map(|(a, c)| {
                cname = c;
                a
            })
        };
        let (addrs, error) = match found {
            Ok(a) => {
                let kept: Vec<IpAddr> = a.into_iter().filter(|a| keep(family, *a)).collect();
                let err = kept.is_empty().then(|| DnsError::NoAddress {
                    name: host.clone(),
                    what: match family {
                        FamilyFilter::V6 => "AAAA",
                        FamilyFilter::V4 => "A",
                        FamilyFilter::Any => "A/AAAA",
                    }
                    .into(),
                });
                (kept, err)
            }
            Err(e) => (Vec::new(), Some(e)),
        };
        plan.hosts.push(PlannedHost {
            preference,
            host,
            addrs,
            error,
            cname,
        });
    }
    if plan.kind == MxKind::Implicit && plan.hosts.iter().all(|h| h.addrs.is_empty()) {
        plan.kind = MxKind::Missing;
        plan.error = plan.hosts.first().and_then(|h| h.error.clone());
        plan.hosts.clear();
    }
    plan
}

impl MxPlan {
    /// One STARTTLS endpoint on `port` per host and address, in preference order.
    pub fn endpoints(&self, port: u16) -> Vec<Endpoint> {
        let mut out = Vec::new();
        for h in &self.hosts {
            for a in &h.addrs {
                out.push(Endpoint {
                    id: EndpointId(out.len()),
                    host: h.host.clone(),
                    address: *a,
                    port,
                    mode: Mode::Starttls,
                });
            }
        }
        out
    }

    /// Transcript lines describing the plan (escaped).
    pub fn describe(&self) -> Vec<String> {
        let d = escape_str(&self.domain);
        let mut out = vec![match self.kind {
            MxKind::Records => format!("{d}: {} MX record(s)", self.records.len()),
            MxKind::Null => format!("{d}: null MX (RFC 7505), the domain accepts no mail"),
            MxKind::Implicit => format!("{d}: no MX record, implicit MX = the domain's A/AAAA"),
            MxKind::Missing => format!(
                "{d}: no usable MX ({})",
                self.error
                    .as_ref()
                    .map_or_else(|| "no address".to_string(), |e| escape_str(&e.to_string()))
            ),
        }];
        for h in &self.hosts {
            let addrs = if h.addrs.is_empty() {
                h.error
                    .as_ref()
                    .map_or_else(String::new, |e| escape_str(&e.to_string()))
            } else {
                h.addrs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push(format!(
                "  MX {} {} → {addrs}",
                h.preference,
                escape_str(&h.host)
            ));
        }
        out
    }

    /// The plan as report entries.
    pub fn mx_hosts(&self) -> Vec<MxHost> {
        self.hosts
            .iter()
            .map(|h| MxHost {
                preference: h.preference,
                host: escape_str(&h.host),
                addresses: h.addrs.iter().map(ToString::to_string).collect(),
            })
            .collect()
    }
}

/// Polls every future to completion, all at once.
pub(crate) async fn join_all<F: Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futs.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// Builds a finding (escaping subject and evidence).
pub(crate) fn finding(
    check: DnsCheck,
    subject: &str,
    status: DnsStatus,
    evidence: &str,
    advice: &str,
) -> DnsFinding {
    DnsFinding {
        check,
        subject: escape_str(subject),
        status,
        evidence: escape_str(evidence),
        advice: advice.to_string(),
    }
}

/// Everything the diagnosis needs from the run.
pub struct Inputs<'a> {
    /// The run's settings.
    pub settings: &'a Settings,
    /// The MX plan.
    pub plan: &'a MxPlan,
    /// The endpoint reports of the MX probe.
    pub reports: &'a [EndpointReport],
}

/// Builds the DNS mail-security report of `inputs.plan.domain`.
pub async fn diagnose<L: Lookup>(lookup: &L, inputs: &Inputs<'_>) -> DnsReport {
    let s = inputs.settings;
    let plan = inputs.plan;
    let limit = s.timeouts.connect.max(Duration::from_millis(200));
    let tls = TlsClient::new(&s.tls).ok();
    let table = StaticTable::new(&s.resolve);
    let zones: Vec<String> = if s.dnsbl.is_empty() {
        DEFAULT_DNSBL_ZONES
            .iter()
            .map(|z| (*z).to_string())
            .collect()
    } else {
        s.dnsbl.clone()
    };
    let mut findings = domain::mx_findings(plan, inputs.reports);
    let ctx = domain::DomainCtx {
        lookup,
        table: &table,
        tls: tls.as_ref(),
        plan,
        settings: s,
        limit,
    };
    let null_mx = plan.kind == MxKind::Null;
    let dmarc_kind = match (&plan.kind, &plan.error) {
        (MxKind::Null, _) => dmarc::Kind::NullMx,
        (MxKind::Missing, Some(DnsError::NxDomain { .. })) => dmarc::Kind::Nonexistent,
        _ => dmarc::Kind::Mail,
    };
    let (spf, dmarc, dkim, sts, rpt) = tokio::join!(
        domain::spf(lookup, &plan.domain, null_mx),
        dmarc::dmarc(lookup, &plan.domain, dmarc_kind),
        dkim::dkim(lookup, &plan.domain, &s.dkim_selectors, null_mx, limit),
        domain::mta_sts(&ctx),
        domain::tls_rpt(lookup, &plan.domain, null_mx),
    );
    let hctx = hosts::HostCtx {
        lookup,
        table: &table,
        reports: inputs.reports,
        zones: &zones,
    };
    // MX hosts are checked a bounded number at a time, findings kept in plan order.
    let mut per_host = Vec::new();
    for group in plan.hosts.chunks(HOST_WIDTH) {
        let futs: Vec<_> = group
            .iter()
            .map(|h| hosts::host_findings(&hctx, h))
            .collect();
        for f in join_all(futs).await {
            per_host.extend(f);
        }
    }
    findings.extend(per_host);
    findings.extend([spf, dmarc]);
    findings.extend(dkim);
    findings.extend([sts, rpt]);
    DnsReport {
        domain: escape_str(&plan.domain),
        mx: plan.mx_hosts(),
        findings,
    }
}

/// The matrix findings of an MX run, computed per MX host (so an IPv6 path broken
/// towards one host is said for that host).
pub fn per_host_findings(reports: &[EndpointReport]) -> Vec<Finding> {
    let mut hosts: Vec<&str> = Vec::new();
    for r in reports {
        if !hosts.contains(&r.endpoint.host.as_str()) {
            hosts.push(&r.endpoint.host);
        }
    }
    let mut out = Vec::new();
    for host in hosts {
        let group: Vec<EndpointReport> = reports
            .iter()
            .filter(|r| r.endpoint.host == host)
            .cloned()
            .collect();
        for mut f in infer(&group) {
            f.summary = format!("{}: {}", escape_str(host), f.summary);
            f.evidence = format!("{}: {}", escape_str(host), f.evidence);
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests;
