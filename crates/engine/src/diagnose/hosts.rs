//! Per-MX checks: PTR and forward-confirmed reverse DNS, greeting name vs PTR,
//! STARTTLS and certificate (from the probe's reports), DANE and DNSBL listings.

use std::net::IpAddr;
use std::time::Duration;

use super::dane::{TlsaMatch, match_record};
use super::{PlannedHost, addresses, finding, net};
use crate::dns::{
    DnsError, DnssecProof, Lookup, StaticTable, TlsaRecord, organizational_domain, reversed_labels,
};
use crate::model::{DnsCheck, DnsFinding, DnsStatus, EndpointReport};
use crate::tls::TlsClient;

/// What the per-host checks need.
pub(super) struct HostCtx<'a, L> {
    pub lookup: &'a L,
    pub table: &'a StaticTable,
    pub tls: Option<&'a TlsClient>,
    pub reports: &'a [EndpointReport],
    pub zones: &'a [String],
    pub mx_port: u16,
    pub ehlo: &'a str,
    pub limit: Duration,
}

fn subject(host: &str, addr: IpAddr) -> String {
    format!("{host} [{addr}]")
}

/// Every per-host finding for `h`, addresses in order, then DANE.
pub(super) async fn host_findings<L: Lookup>(
    c: &HostCtx<'_, L>,
    h: &PlannedHost,
) -> Vec<DnsFinding> {
    let mut out = Vec::new();
    for &addr in &h.addrs {
        let ptrs = ptr_checks(c, addr, &mut out).await;
        if let Some(r) = c
            .reports
            .iter()
            .find(|r| r.endpoint.host == h.host && r.endpoint.address == addr)
        {
            out.push(banner_check(r, addr, &ptrs));
            out.push(mx_tls(r, &h.host, addr));
        }
        out.push(dnsbl(c, addr).await);
    }
    out.push(dane(c, h).await);
    out
}

/// PTR and FCrDNS for `addr`; returns the PTR names.
async fn ptr_checks<L: Lookup>(
    c: &HostCtx<'_, L>,
    addr: IpAddr,
    out: &mut Vec<DnsFinding>,
) -> Vec<String> {
    let s = addr.to_string();
    let names = match c.lookup.lookup_ptr(addr).await {
        Ok(n) => n,
        Err(e @ DnsError::Budget { .. }) => {
            out.push(finding(
                DnsCheck::Ptr,
                &s,
                DnsStatus::Warn,
                &e.to_string(),
                "Not checked: the run's DNS budget is spent (a domain with this many MX hosts or lookups is itself suspect).",
            ));
            return Vec::new();
        }
        Err(e) => {
            out.push(finding(
                DnsCheck::Ptr,
                &s,
                DnsStatus::Fail,
                &e.to_string(),
                "Ask the owner of the address (hosting provider / ISP) for a PTR record naming the mail server; many receivers reject or score mail from addresses without reverse DNS.",
            ));
            return Vec::new();
        }
    };
    out.push(finding(
        DnsCheck::Ptr,
        &s,
        DnsStatus::Pass,
        &format!("PTR {}", names.join(", ")),
        "Reverse DNS is set.",
    ));
    let mut confirmed = None;
    let mut seen = Vec::new();
    for n in &names {
        match addresses(c.lookup, c.table, n).await {
            Ok(a) if a.contains(&addr) => {
                confirmed = Some(n.clone());
                break;
            }
            Ok(a) => seen.push(format!(
                "{n} → {}",
                a.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Err(e) => seen.push(format!("{n}: {e}")),
        }
    }
    out.push(match confirmed {
        Some(n) => finding(
            DnsCheck::Fcrdns,
            &s,
            DnsStatus::Pass,
            &format!("{s} → {n} → {s}"),
            "Forward-confirmed reverse DNS holds.",
        ),
        None => finding(
            DnsCheck::Fcrdns,
            &s,
            DnsStatus::Fail,
            &format!("no PTR name resolves back to {s}: {}", seen.join("; ")),
            "Make the PTR name's A/AAAA record point back at this address (receivers check forward-confirmed reverse DNS).",
        ),
    });
    names
}

/// The host name a greeting announces (`220 mx.example.com ESMTP ...`).
pub(super) fn banner_host(banner: &str) -> Option<String> {
    let first = banner.lines().next()?;
    let rest = first.get(4..)?;
    let name = rest.split_whitespace().next()?;
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    (name.contains('.') || name.parse::<IpAddr>().is_ok()).then_some(name)
}

fn banner_check(r: &EndpointReport, addr: IpAddr, ptrs: &[String]) -> DnsFinding {
    let s = addr.to_string();
    let Some(banner) = &r.banner else {
        return finding(
            DnsCheck::BannerPtrMatch,
            &s,
            DnsStatus::Warn,
            &format!("no greeting ({})", r.verdict.class),
            "The server did not greet, so its name could not be compared with the PTR.",
        );
    };
    match banner_host(banner) {
        None => finding(
            DnsCheck::BannerPtrMatch,
            &s,
            DnsStatus::Warn,
            &format!("greeting names no host: {banner}"),
            "Let the greeting start with the server's fully qualified name (the one in its PTR).",
        ),
        Some(name) if ptrs.iter().any(|p| p.eq_ignore_ascii_case(&name)) => finding(
            DnsCheck::BannerPtrMatch,
            &s,
            DnsStatus::Pass,
            &format!("greeting {name} = PTR"),
            "The greeting name matches reverse DNS.",
        ),
        Some(name)
            if ptrs
                .iter()
                .any(|p| organizational_domain(p) == organizational_domain(&name)) =>
        {
            finding(
                DnsCheck::BannerPtrMatch,
                &s,
                DnsStatus::Warn,
                &format!(
                    "greeting {name}, PTR {} (same organizational domain {})",
                    ptrs.join(", "),
                    organizational_domain(&name)
                ),
                "The greeting names another host of the same organization: set it to this address's PTR name exactly (receivers compare HELO/greeting with reverse DNS).",
            )
        }
        Some(name) => finding(
            DnsCheck::BannerPtrMatch,
            &s,
            DnsStatus::Warn,
            &format!(
                "greeting {name}, PTR {}",
                if ptrs.is_empty() {
                    "none".to_string()
                } else {
                    ptrs.join(", ")
                }
            ),
            "Set the server's greeting / myhostname to the PTR name of its address (some receivers compare them).",
        ),
    }
}

fn mx_tls(r: &EndpointReport, host: &str, addr: IpAddr) -> DnsFinding {
    let subj = subject(host, addr);
    let tls = r.tls.as_ref();
    match tls {
        Some(t) if r.verdict.class.is_ok() && t.verified => finding(
            DnsCheck::MxTls,
            &subj,
            DnsStatus::Pass,
            &format!(
                "STARTTLS {}, certificate valid for {}",
                t.version, t.checked_name
            ),
            "STARTTLS works with a certificate that matches the MX name.",
        ),
        Some(t) if !t.verified => finding(
            DnsCheck::MxTls,
            &subj,
            DnsStatus::Fail,
            &format!(
                "certificate not valid for {}: {}",
                t.checked_name,
                t.error.clone().unwrap_or_default()
            ),
            "Install a certificate from a public CA that names the MX host: MTA-STS senders refuse this MX, others deliver without authentication.",
        ),
        _ => finding(
            DnsCheck::MxTls,
            &subj,
            DnsStatus::Fail,
            &format!("{}: {}", r.verdict.class, r.verdict.summary),
            "Make the MX reachable on port 25 and offer STARTTLS with a valid certificate.",
        ),
    }
}

/// What a DNSBL's A answer means.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum DnsblAnswer {
    /// A listing: an answer in 127.0.0.2–127.0.0.255 (RFC 5782 2.1).
    Listed,
    /// Not a listing: an error or refusal code, or a rewriting resolver.
    Error(&'static str),
}

/// Reads a DNSBL answer per RFC 5782 and the lists' documented error codes: 127.0.0.1
/// must never be listed (URIBL answers it to refused queries), Spamhaus answers
/// 127.255.255.x to refused / rate-limited / public-resolver queries, and an address
/// outside 127/8 is a resolver that rewrites NXDOMAIN. Listed only when every address
/// is a listing code.
pub(super) fn dnsbl_answer(addrs: &[IpAddr]) -> DnsblAnswer {
    let mut verdict = DnsblAnswer::Listed;
    for a in addrs {
        let IpAddr::V4(v) = a else {
            return DnsblAnswer::Error("IPv6 answer, not a listing code");
        };
        let o = v.octets();
        let why = match o {
            [127, 0, 0, 1] => {
                "127.0.0.1 is not a listing (RFC 5782; lists answer it to refused queries)"
            }
            [127, 255, 255, _] => "query refused (the list's error code)",
            [127, 0, 0, n] if n >= 2 => continue,
            [127, ..] => "answer outside 127.0.0.2-127.0.0.255, not a documented listing code",
            _ => "answer outside 127.0.0.0/8: the resolver rewrites missing names",
        };
        verdict = DnsblAnswer::Error(why);
    }
    verdict
}

async fn dnsbl<L: Lookup>(c: &HostCtx<'_, L>, addr: IpAddr) -> DnsFinding {
    let subj = addr.to_string();
    let rev = reversed_labels(addr);
    let mut listed = Vec::new();
    let mut errors = Vec::new();
    for zone in c.zones {
        let q = format!("{rev}.{zone}");
        match c.lookup.lookup_ip(&q).await {
            Ok(a) => {
                let codes: Vec<String> = a.iter().map(ToString::to_string).collect();
                match dnsbl_answer(&a) {
                    DnsblAnswer::Listed => listed.push(format!("{zone} ({})", codes.join(", "))),
                    DnsblAnswer::Error(why) => {
                        errors.push(format!("{zone}: {why} ({})", codes.join(", ")));
                    }
                }
            }
            Err(DnsError::NxDomain { .. } | DnsError::NoAddress { .. }) => {}
            Err(e) => errors.push(format!("{zone}: {e}")),
        }
    }
    if !listed.is_empty() {
        finding(
            DnsCheck::Dnsbl,
            &subj,
            DnsStatus::Fail,
            &format!("listed in {}", listed.join(", ")),
            "Mail from this address is likely rejected: find and fix the cause (open relay, compromised account), then request delisting at each list.",
        )
    } else if !errors.is_empty() {
        finding(
            DnsCheck::Dnsbl,
            &subj,
            DnsStatus::Warn,
            &errors.join("; "),
            "Some lists could not be queried (public resolvers are often refused): use --dns-server with your own resolver or choose --dnsbl zones.",
        )
    } else {
        finding(
            DnsCheck::Dnsbl,
            &subj,
            DnsStatus::Pass,
            &format!("not listed in {}", c.zones.join(", ")),
            "No listing found.",
        )
    }
}

/// Advice when the resolver path, not the zone, kept DNSSEC from reaching a verdict.
const RESOLVER_ADVICE: &str = "The resolver in use refused or stripped part of the DNSSEC chain, so nothing about the zone is proven (not the zone's fault as far as this run can tell): run again through a validating resolver that passes DNSSEC records (--dns-server ADDR). DANE senders validate through their own resolvers.";

async fn dane<L: Lookup>(c: &HostCtx<'_, L>, h: &PlannedHost) -> DnsFinding {
    let name = format!("_25._tcp.{}", h.host);
    let f = |status, evidence: &str, advice: &str| {
        finding(DnsCheck::Dane, &h.host, status, evidence, advice)
    };
    let answer = match c.lookup.lookup_tlsa(&name).await {
        Ok(a) => a,
        Err(DnsError::NxDomain { .. } | DnsError::NoAddress { .. }) => {
            return f(
                DnsStatus::Warn,
                &format!("no TLSA record at {name}"),
                "DANE is not deployed: with a DNSSEC-signed zone, publish `3 1 1 <sha256 of the key>` at _25._tcp.MX to make STARTTLS downgrade-proof.",
            );
        }
        Err(e @ DnsError::Budget { .. }) => {
            return f(
                DnsStatus::Warn,
                &e.to_string(),
                "DANE not checked: the run's DNS budget is spent (a domain with this many MX hosts is itself suspect).",
            );
        }
        Err(e) => {
            return f(
                DnsStatus::Fail,
                &format!("TLSA lookup failed: {e}"),
                "DANE senders defer mail while the TLSA lookup fails: fix the zone (often a DNSSEC or server problem).",
            );
        }
    };
    let all: Vec<String> = answer.records.iter().map(TlsaRecord::display).collect();
    // Evidence stays bounded: a long RRset is summarised (the first three, then a count).
    let shown: Vec<String> = if all.len() > 4 {
        let mut s: Vec<String> = all[..3].to_vec();
        s.push(format!(
            "… and {} more ({} TLSA records)",
            all.len() - 3,
            all.len()
        ));
        s
    } else {
        all.clone()
    };
    if answer.dnssec == DnssecProof::Bogus {
        if shown.is_empty() {
            // Nothing served: the "no TLSA" answer itself did not validate (a signed
            // zone without NSEC proofs, or a resolver that strips DNSSEC records).
            return f(
                DnsStatus::Warn,
                &format!(
                    "no TLSA record at {name}; DNSSEC: bogus (the denial of existence does not validate)"
                ),
                "If the zone is signed, DANE senders defer mail until its negative answers carry valid NSEC/NSEC3 proofs; if this network's resolver strips DNSSEC data, retry with --dns-server.",
            );
        }
        return f(
            DnsStatus::Fail,
            &format!(
                "TLSA {} at {name}: DNSSEC: bogus (the signatures do not validate from the trust anchor{})",
                shown.join(", "),
                answer
                    .blame
                    .as_ref()
                    .map_or_else(String::new, |b| format!("; {b}"))
            ),
            "DANE senders defer mail to this MX while its TLSA RRset is bogus: re-sign the zone and check that the DS at the parent matches the DNSKEY.",
        );
    }
    let indeterminate = format!(
        "DNSSEC: indeterminate ({}): this resolver path cannot prove anything",
        answer
            .blame
            .as_deref()
            .unwrap_or("validation reached no verdict")
    );
    if answer.dnssec == DnssecProof::Indeterminate && shown.is_empty() {
        return f(
            DnsStatus::Warn,
            &format!("no TLSA record seen at {name}; {indeterminate}"),
            RESOLVER_ADVICE,
        );
    }
    let Some(tls) = c.tls else {
        return f(
            DnsStatus::Warn,
            &format!(
                "TLSA {}; chain not fetched (TLS set-up failed)",
                shown.join(", ")
            ),
            "Check --ca-file.",
        );
    };
    let mut chain = None;
    let mut last_err = String::from("no address");
    for &a in &h.addrs {
        match net::starttls_chain(tls, &h.host, a, c.mx_port, c.ehlo, c.limit).await {
            Ok(ch) => {
                chain = Some((a, ch));
                break;
            }
            Err(e) => last_err = e.0,
        }
    }
    let Some((addr, chain)) = chain else {
        return f(
            DnsStatus::Fail,
            &format!("TLSA {}; no chain to compare: {last_err}", shown.join(", ")),
            "DANE senders cannot deliver: make STARTTLS work on the MX.",
        );
    };
    let results: Vec<TlsaMatch> = answer
        .records
        .iter()
        .map(|r| match_record(r, &chain))
        .collect();
    let matched = results
        .iter()
        .position(|m| matches!(m, TlsaMatch::Matches(_)));
    let dnssec = match answer.dnssec {
        DnssecProof::Secure => "DNSSEC: secure (validated from the trust anchor by smtptui)",
        DnssecProof::Insecure => "DNSSEC: insecure (the zone is provably unsigned)",
        DnssecProof::Bogus => "DNSSEC: bogus",
        DnssecProof::Indeterminate => indeterminate.as_str(),
    };
    match matched {
        Some(i) => {
            let ev = format!("{} matches the chain of {addr}; {dnssec}", all[i]);
            if answer.dnssec == DnssecProof::Secure {
                f(
                    DnsStatus::Pass,
                    &ev,
                    "DANE is deployed and the presented chain matches.",
                )
            } else if answer.dnssec == DnssecProof::Indeterminate {
                f(DnsStatus::Warn, &ev, RESOLVER_ADVICE)
            } else {
                f(
                    DnsStatus::Warn,
                    &ev,
                    "The record matches, but senders only use TLSA records proven secure by DNSSEC: sign the zone and publish its DS at the parent.",
                )
            }
        }
        None if results.iter().all(|m| *m == TlsaMatch::Unusable) => f(
            DnsStatus::Fail,
            &format!(
                "TLSA {}: only unusable records (PKIX-TA/PKIX-EE or unknown types); {dnssec}",
                shown.join(", ")
            ),
            "SMTP senders treat usages 0 and 1 as unusable (RFC 7672): publish 3 1 1 (DANE-EE) or 2 1 1 (DANE-TA) records.",
        ),
        None => f(
            DnsStatus::Fail,
            &format!(
                "TLSA {} does not match the chain presented by {addr}; {dnssec}",
                shown.join(", ")
            ),
            "DANE senders will refuse this MX: publish a TLSA record for the current certificate/key (publish the new record before rotating keys).",
        ),
    }
}
