//! Domain-level checks: MX / null MX / implicit MX, SPF, DMARC, MTA-STS and TLS-RPT.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::policy::{self, StsMode};
use super::{MxKind, MxPlan, addresses, finding, net, spf as spf_check};
use std::fmt::Write as _;

use crate::dns::{DnsError, Lookup, StaticTable, organizational_domain};
use crate::model::{DnsCheck, DnsFinding, DnsStatus, EndpointReport};
use crate::probe::net::Target;
use crate::settings::Settings;
use crate::tls::TlsClient;

/// How many of the planned hosts answered on the MX port in the probe: (hosts that
/// greeted on at least one address, hosts that were probed, the dead ones with why).
fn reachability(plan: &MxPlan, reports: &[EndpointReport]) -> (usize, usize, Vec<String>) {
    let mut alive = 0;
    let mut probed = 0;
    let mut dead = Vec::new();
    for h in &plan.hosts {
        let mine: Vec<&EndpointReport> = reports
            .iter()
            .filter(|r| r.endpoint.host == h.host)
            .collect();
        if mine.is_empty() {
            continue;
        }
        probed += 1;
        if mine.iter().any(|r| r.banner.is_some()) {
            alive += 1;
        } else {
            let why = mine
                .iter()
                .map(|r| format!("{} {}", r.endpoint.address, r.verdict.class))
                .collect::<Vec<_>>()
                .join(", ");
            dead.push(format!("MX {} {} ({why})", h.preference, h.host));
        }
    }
    (alive, probed, dead)
}

/// MX, null MX and implicit MX findings from the plan, with what the probe saw of each
/// MX host on the MX port (`reports`).
pub(super) fn mx_findings(plan: &MxPlan, reports: &[EndpointReport]) -> Vec<DnsFinding> {
    let d = plan.domain.as_str();
    match plan.kind {
        MxKind::Null if plan.records.len() == 1 => vec![finding(
            DnsCheck::NullMx,
            d,
            DnsStatus::Pass,
            "MX 0 . (null MX, RFC 7505): the domain declares it accepts no mail",
            "Nothing to deliver to. If the domain should receive mail, replace the null MX with real MX records.",
        )],
        MxKind::Null => vec![finding(
            DnsCheck::NullMx,
            d,
            DnsStatus::Fail,
            &format!(
                "a null MX among {} MX records: {}",
                plan.records.len(),
                plan.records
                    .iter()
                    .map(|r| format!("{} {}", r.preference, r.exchange))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            "RFC 7505: a null MX must be the only MX record. Remove it, or remove the others if the domain accepts no mail.",
        )],
        MxKind::Implicit => vec![finding(
            DnsCheck::ImplicitMx,
            d,
            DnsStatus::Warn,
            &format!(
                "no MX record; mail goes to the domain's own address: {}",
                host_list(plan)
            ),
            "Publish an explicit MX record (or a null MX if the domain takes no mail); relying on the implicit MX is fragile and some senders refuse it.",
        )],
        MxKind::Missing => vec![missing_finding(plan, d)],
        MxKind::Records => vec![records_finding(plan, d, reports)],
    }
}

/// The MX hosts as evidence: preference, host, addresses (or why there are none).
fn host_list(plan: &MxPlan) -> String {
    plan.hosts
        .iter()
        .map(|h| {
            let addrs = if h.addrs.is_empty() {
                h.error
                    .as_ref()
                    .map_or_else(|| "no address".into(), ToString::to_string)
            } else {
                h.addrs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!("{} {} ({addrs})", h.preference, h.host)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The finding when the domain has neither MX nor address (or the lookup failed).
fn missing_finding(plan: &MxPlan, d: &str) -> DnsFinding {
    let why = plan
        .error
        .as_ref()
        .map_or_else(|| "no MX and no address".to_string(), ToString::to_string);
    let advice = match plan.error {
        Some(DnsError::InvalidName { .. }) => {
            "Give the domain as a valid DNS name (see the evidence for what is wrong with it); nothing was queried."
        }
        Some(DnsError::BadAnswer { .. }) => {
            "The name server's answer is broken (see the evidence): fix the zone or its server; senders cannot use it."
        }
        Some(DnsError::ServerFailure { .. } | DnsError::Timeout { .. }) => {
            "The MX lookup failed: fix the domain's name servers (senders defer mail until it answers)."
        }
        _ => {
            "The domain cannot receive mail: publish MX records pointing at hosts with A/AAAA records."
        }
    };
    finding(DnsCheck::Mx, d, DnsStatus::Fail, &why, advice)
}

/// The MX finding of a domain with MX records.
fn records_finding(plan: &MxPlan, d: &str, reports: &[EndpointReport]) -> DnsFinding {
    let mut evidence = host_list(plan);
    let verdict = resolution_verdict(plan);
    let verdict = name_verdict(plan, d, &mut evidence, verdict);
    let (status, advice) = reach_verdict(plan, reports, &mut evidence, verdict);
    finding(DnsCheck::Mx, d, status, &evidence, advice)
}

/// Whether the MX hosts resolve (and name hosts, not addresses).
fn resolution_verdict(plan: &MxPlan) -> (DnsStatus, &'static str) {
    let unresolved = plan.hosts.iter().filter(|h| h.addrs.is_empty()).count();
    let literal = plan.hosts.iter().any(|h| h.host.parse::<IpAddr>().is_ok());
    if literal {
        (
            DnsStatus::Fail,
            "An MX must name a host, not an IP address: publish an A/AAAA record and point the MX at its name.",
        )
    } else if unresolved == plan.hosts.len() {
        (
            DnsStatus::Fail,
            "No MX host resolves: the domain cannot receive mail. Add A/AAAA records for the MX hosts.",
        )
    } else if unresolved > 0 {
        (
            DnsStatus::Warn,
            "Some MX hosts do not resolve: fix or remove them (senders waste time and may defer).",
        )
    } else {
        (DnsStatus::Pass, "The MX records resolve.")
    }
}

/// Adds to the evidence MX hosts outside the organizational domain and MX targets that
/// are aliases (a CNAME: a warning unless the verdict is already a failure).
fn name_verdict(
    plan: &MxPlan,
    d: &str,
    evidence: &mut String,
    (status, advice): (DnsStatus, &'static str),
) -> (DnsStatus, &'static str) {
    let org = organizational_domain(d);
    let outside: Vec<String> = plan
        .hosts
        .iter()
        .filter(|h| h.host.parse::<IpAddr>().is_err())
        .map(|h| organizational_domain(&h.host))
        .filter(|o| *o != org)
        .fold(Vec::new(), |mut v, o| {
            if !v.contains(&o) {
                v.push(o);
            }
            v
        });
    if !outside.is_empty() {
        let _ = write!(
            evidence,
            "; hosted outside the organizational domain {org}: {}",
            outside.join(", ")
        );
    }
    let aliases: Vec<String> = plan
        .hosts
        .iter()
        .filter(|h| !h.cname.is_empty())
        .map(|h| format!("{} → CNAME {}", h.host, h.cname.join(" → ")))
        .collect();
    if aliases.is_empty() || status == DnsStatus::Fail {
        (status, advice)
    } else {
        let _ = write!(evidence, "; MX target is an alias: {}", aliases.join("; "));
        (
            DnsStatus::Warn,
            "An MX must name a host, not a CNAME (RFC 2181 10.3, RFC 5321 5.1): point the MX at the canonical name.",
        )
    }
}

/// What the probe saw on port 25 of the MX hosts, added to the evidence and verdict.
fn reach_verdict(
    plan: &MxPlan,
    reports: &[EndpointReport],
    evidence: &mut String,
    (status, advice): (DnsStatus, &'static str),
) -> (DnsStatus, &'static str) {
    let (alive, probed, dead) = reachability(plan, reports);
    if probed == 0 || status == DnsStatus::Fail {
        (status, advice)
    } else if alive == 0 {
        let _ = write!(
            evidence,
            "; no MX host answered on port 25: {}",
            dead.join("; ")
        );
        (
            DnsStatus::Fail,
            "No MX host answers on port 25 from here: the domain cannot receive mail (or this network blocks outbound port 25 — compare with another network).",
        )
    } else if !dead.is_empty() {
        let _ = write!(
            evidence,
            "; {} of {probed} MX hosts unreachable on port 25: {}",
            dead.len(),
            dead.join("; ")
        );
        (
            DnsStatus::Warn,
            "A backup MX that does not answer delays mail when the primary is down (and spammers target it): fix it or remove its MX record.",
        )
    } else {
        let _ = write!(evidence, "; all {probed} MX host(s) answered on port 25");
        (status, advice)
    }
}

/// The SPF finding.
pub(super) async fn spf<L: Lookup>(lookup: &L, domain: &str, null_mx: bool) -> DnsFinding {
    let (status, evidence, advice) = spf_check::check(lookup, domain, null_mx).await;
    DnsFinding {
        check: DnsCheck::Spf,
        subject: crate::model::escape_str(domain),
        status,
        evidence,
        advice,
    }
}

/// TXT records at `name` that start with `v=VERSION`; `Err` on a lookup failure other
/// than "no such record".
pub(super) async fn versioned<L: Lookup>(
    lookup: &L,
    name: &str,
    version: &str,
) -> Result<Vec<String>, DnsError> {
    match lookup.lookup_txt(name).await {
        Ok(t) => Ok(t
            .into_iter()
            .filter(|t| policy::has_version(t, version))
            .collect()),
        Err(DnsError::NxDomain { .. } | DnsError::NoAddress { .. }) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The TLS-RPT finding.
pub(super) async fn tls_rpt<L: Lookup>(lookup: &L, domain: &str, null_mx: bool) -> DnsFinding {
    let name = format!("_smtp._tls.{domain}");
    let f = |status, evidence: &str, advice: &str| {
        finding(DnsCheck::TlsRpt, domain, status, evidence, advice)
    };
    match versioned(lookup, &name, "TLSRPTv1").await {
        Err(e) => f(
            DnsStatus::Fail,
            &e.to_string(),
            "The TLS-RPT lookup failed: fix the domain's name servers.",
        ),
        Ok(r) if r.is_empty() && null_mx => f(
            DnsStatus::Pass,
            &format!(
                "no v=TLSRPTv1 TXT record at {name}; not needed: the domain accepts no mail (null MX)"
            ),
            "Nothing to do: senders never deliver to a null-MX domain, so there is no TLS to report on.",
        ),
        Ok(r) if r.is_empty() => f(
            DnsStatus::Warn,
            &format!("no v=TLSRPTv1 TXT record at {name}"),
            "Publish `v=TLSRPTv1; rua=mailto:tls-reports@DOMAIN` to learn when senders fail to reach you over TLS.",
        ),
        Ok(r) if r.len() > 1 => f(
            DnsStatus::Fail,
            &format!("{} TLS-RPT records at {name}", r.len()),
            "Keep exactly one TLS-RPT record: with several, senders ignore it.",
        ),
        Ok(r) => match policy::parse_tlsrpt(&r[0]) {
            Ok(uris) => f(
                DnsStatus::Pass,
                &format!("reports go to {}", uris.join(", ")),
                "TLS reporting is set up.",
            ),
            Err(e) => f(
                DnsStatus::Fail,
                &format!("{}: {e}", r[0]),
                "Fix the record: `v=TLSRPTv1; rua=mailto:...` (or an https: URI).",
            ),
        },
    }
}

/// What the MTA-STS check needs.
pub(super) struct DomainCtx<'a, L> {
    pub lookup: &'a L,
    pub table: &'a StaticTable,
    pub tls: Option<&'a TlsClient>,
    pub plan: &'a MxPlan,
    /// The run's settings: the policy port, `--proxy`, `--bind`, `--interface`.
    pub settings: &'a Settings,
    pub limit: Duration,
}

/// The `id` of the domain's one `_mta-sts` record; else the MTA-STS finding (no
/// record, several, a malformed one, a failed lookup).
async fn sts_record_id<L: Lookup>(c: &DomainCtx<'_, L>) -> Result<String, DnsFinding> {
    let domain = c.plan.domain.as_str();
    let f = |status, evidence: &str, advice: &str| {
        finding(DnsCheck::MtaSts, domain, status, evidence, advice)
    };
    let name = format!("_mta-sts.{domain}");
    let records = match versioned(c.lookup, &name, "STSv1").await {
        Ok(r) => r,
        Err(e) => {
            return Err(f(
                DnsStatus::Fail,
                &e.to_string(),
                "The MTA-STS lookup failed: fix the domain's name servers.",
            ));
        }
    };
    match records.as_slice() {
        [] if c.plan.kind == MxKind::Null => Err(f(
            DnsStatus::Pass,
            &format!(
                "no v=STSv1 TXT record at {name}; not needed: the domain accepts no mail (null MX)"
            ),
            "Nothing to do: MTA-STS protects delivery to MX hosts, and a null-MX domain has none.",
        )),
        [] => Err(f(
            DnsStatus::Warn,
            &format!("no v=STSv1 TXT record at {name}"),
            "Without MTA-STS (or DANE) senders fall back to unauthenticated TLS that an attacker can strip. Publish a policy at https://mta-sts.DOMAIN/.well-known/mta-sts.txt and a `v=STSv1; id=...` record.",
        )),
        [one] => policy::parse_sts_record(one).map_err(|e| {
            f(
                DnsStatus::Fail,
                &format!("{one}: {e}"),
                "Fix the record: `v=STSv1; id=20240101T000000` (id: 1-32 letters and digits).",
            )
        }),
        many => Err(f(
            DnsStatus::Fail,
            &format!("{} STSv1 records at {name}", many.len()),
            "Keep exactly one v=STSv1 record: with several, senders ignore MTA-STS.",
        )),
    }
}

/// The policy file of `c.plan.domain` (record id `id`), fetched like any probe
/// connection (`--proxy`, `--bind`, `--interface`): from each address of
/// mta-sts.DOMAIN in turn, or with a socks5h proxy by name through the proxy. On
/// failure, the MTA-STS finding that says why.
async fn fetch_policy<L: Lookup>(c: &DomainCtx<'_, L>, id: &str) -> Result<String, DnsFinding> {
    let domain = c.plan.domain.as_str();
    let f = |status, evidence: &str, advice: &str| {
        finding(DnsCheck::MtaSts, domain, status, evidence, advice)
    };
    let host = format!("mta-sts.{domain}");
    let Some(tls) = c.tls else {
        return Err(f(
            DnsStatus::Warn,
            &format!("id={id}; policy not fetched: TLS set-up failed"),
            "Check --ca-file.",
        ));
    };
    let port = c.settings.mta_sts_port;
    let targets: Vec<Target> = if c.settings.proxy.as_ref().is_some_and(|p| p.remote_dns) {
        vec![Target::Name(host.clone(), port)]
    } else {
        match addresses(c.lookup, c.table, &host).await {
            Ok(a) => a
                .into_iter()
                .map(|a| Target::Addr(SocketAddr::new(a, port)))
                .collect(),
            Err(e) => {
                return Err(f(
                    DnsStatus::Fail,
                    &format!("id={id}; {host}: {e}"),
                    "The policy host does not resolve: publish an A/AAAA record for mta-sts.DOMAIN (senders cannot fetch the policy).",
                ));
            }
        }
    };
    let mut last_err = String::new();
    for target in &targets {
        match net::fetch_sts_policy(tls, c.settings, &host, target, c.limit).await {
            Ok(body) => return Ok(body),
            Err(e) => last_err = e.0,
        }
    }
    Err(f(
        DnsStatus::Fail,
        &format!("id={id}; fetching https://{host}/.well-known/mta-sts.txt failed: {last_err}"),
        "Serve the policy over HTTPS with a valid certificate for mta-sts.DOMAIN, status 200 and Content-Type text/plain (no redirects).",
    ))
}

/// The MTA-STS finding: TXT record, HTTPS policy, MX patterns, mode.
pub(super) async fn mta_sts<L: Lookup>(c: &DomainCtx<'_, L>) -> DnsFinding {
    let domain = c.plan.domain.as_str();
    let f = |status, evidence: &str, advice: &str| {
        finding(DnsCheck::MtaSts, domain, status, evidence, advice)
    };
    let id = match sts_record_id(c).await {
        Ok(id) => id,
        Err(finding) => return finding,
    };
    let body = match fetch_policy(c, &id).await {
        Ok(b) => b,
        Err(finding) => return finding,
    };
    let p = match policy::parse_sts_policy(&body) {
        Ok(p) => p,
        Err(e) => {
            return f(
                DnsStatus::Fail,
                &format!("id={id}; policy file: {e}"),
                "Fix the policy file: version: STSv1, mode, mx and max_age lines.",
            );
        }
    };
    let unmatched: Vec<&str> = c
        .plan
        .hosts
        .iter()
        .filter(|h| !p.mx.iter().any(|m| policy::mx_matches(m, &h.host)))
        .map(|h| h.host.as_str())
        .collect();
    let evidence = format!(
        "id={id}; mode {}; mx {}; max_age {}",
        p.mode.as_str(),
        p.mx.join(", "),
        p.max_age
    );
    if !unmatched.is_empty() && p.mode != StsMode::None {
        return f(
            DnsStatus::Fail,
            &format!(
                "{evidence}; MX not covered by the policy: {}",
                unmatched.join(", ")
            ),
            "Senders honouring the policy will refuse these MX hosts: add them to the policy's mx: lines (and bump the id).",
        );
    }
    match p.mode {
        StsMode::Enforce => f(
            DnsStatus::Pass,
            &evidence,
            "MTA-STS is enforced and covers every MX.",
        ),
        StsMode::Testing => f(
            DnsStatus::Warn,
            &evidence,
            "mode: testing only reports: switch to enforce once TLS-RPT reports are clean.",
        ),
        StsMode::None => f(
            DnsStatus::Warn,
            &evidence,
            "mode: none withdraws the policy.",
        ),
    }
}
