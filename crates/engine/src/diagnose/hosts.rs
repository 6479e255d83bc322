//! Per-MX checks: PTR and forward-confirmed reverse DNS, greeting name vs PTR,
//! STARTTLS and certificate (from the probe's reports), DNSBL listings, then DANE
//! (`dane.rs`, against the chain the probe saw).

use std::net::IpAddr;

use super::{PlannedHost, addresses, dane, finding};
use crate::dns::{DnsError, Lookup, StaticTable, organizational_domain, reversed_labels};
use crate::model::{DnsCheck, DnsFinding, DnsStatus, EndpointReport};

/// What the per-host checks need.
pub(super) struct HostCtx<'a, L> {
    pub lookup: &'a L,
    pub table: &'a StaticTable,
    /// The probe's reports: greeting, TLS and the certificate chain of every MX address.
    pub reports: &'a [EndpointReport],
    pub zones: &'a [String],
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
    out.push(dane::check(c.lookup, h, c.reports).await);
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
