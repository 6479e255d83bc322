//! Verdicts and findings that say *where* on the path: a router's ICMP reject is not a
//! `refused`, a blocked port names the hop and who runs it (this network, the ISP /
//! upstream, the server's side), and a port answered nearer than the server gets an
//! `intercepted` finding with the differences that prove it.

use std::net::IpAddr;

use crate::model::path::{Zone, zone_of};
use crate::model::{
    Class, EndpointReport, Finding, Icmp, PathReport, PathVerdict, TcpReply, Verdict, escape_str,
};

/// Whether a failed `connect()` was a filter's reject rather than a refusal: Linux fails
/// it with `EACCES` on an ICMPv6 administratively-prohibited (and on a local `prohibit`
/// route), `EPERM` when this machine's own firewall drops it.
/// `os_error`: the error's OS number ([`std::io::Error::raw_os_error`]).
pub fn is_filter_reject(os_error: Option<i32>) -> bool {
    matches!(os_error, Some(1 | 13))
}

/// The verdict of a connect that a filter rejected; `by` names the hop when known.
pub fn filter_reject(error: &str, local: bool, by: Option<&str>) -> Verdict {
    let summary = if local {
        "this machine's own firewall blocked the connection".to_string()
    } else {
        match by {
            Some(b) => format!("rejected by {b} (ICMP administratively prohibited)"),
            None => "a router or firewall rejected the connection (ICMP administratively \
                     prohibited)"
                .into(),
        }
    };
    Verdict {
        class: Class::FirewallRejected,
        summary,
        evidence: error.to_string(),
        advice: if local {
            "Check this machine's firewall (nft/iptables OUTPUT rules, a security agent)."
        } else {
            "A filter on the way actively rejects this port: it is not the server refusing. \
             The path check (--trace) names the hop; ask whoever runs it, or use another port."
        }
        .into(),
    }
}

fn at_words(p: &PathReport) -> String {
    match &p.at {
        Some(at) => match &at.addr {
            Some(a) => format!("hop {} ({a})", at.hop),
            None => format!("hop {}", at.hop),
        },
        None => "the first hop".into(),
    }
}

fn zone(p: &PathReport) -> Zone {
    let hop = p.at.as_ref().map_or(1, |a| a.hop);
    let addr =
        p.at.as_ref()
            .and_then(|a| a.addr.as_deref())
            .and_then(|a| a.parse::<IpAddr>().ok());
    zone_of(hop, addr, p.distance)
}

/// "dropped after hop 2 (100.64.7.2): this network's firewall" — where and whose.
pub fn located(p: &PathReport) -> String {
    let whose = match zone(p) {
        Zone::Local => "this machine",
        Zone::ThisNetwork => "this network (its gateway or firewall)",
        Zone::Upstream => "beyond this network: the ISP / upstream",
        Zone::ServerSide => "the server's side (its provider or firewall)",
    };
    match p.verdict {
        PathVerdict::DroppedAfter if p.at.is_none() => {
            "dropped before the first hop answered: this machine or this network".into()
        }
        PathVerdict::DroppedAfter => format!("dropped after {}: {whose}", at_words(p)),
        PathVerdict::RejectedBy => format!("{}: {whose}", p.summary()),
        _ => p.summary(),
    }
}

/// Refines endpoint verdicts with their paths: a rejected connect that the trace saw
/// come back as ICMP prohibited is `firewall_rejected` naming the hop; a timeout's
/// evidence says where it was dropped. Returns the indexes of changed reports.
pub fn refine(reports: &mut [EndpointReport], paths: &[(usize, PathReport)]) -> Vec<usize> {
    let mut changed = Vec::new();
    for (i, p) in paths {
        let Some(r) = reports.get_mut(*i) else {
            continue;
        };
        let class = r.verdict.class;
        let prohibited = p.stop_icmp().is_some_and(Icmp::is_prohibited);
        if p.verdict == PathVerdict::RejectedBy
            && prohibited
            && matches!(
                class,
                Class::NetworkUnreachable | Class::Refused | Class::FirewallRejected
            )
        {
            let by = at_words(p);
            let evidence = format!("connect: {}; path: {}", r.verdict.evidence, hops_line(p));
            let mut v = filter_reject(&evidence, false, Some(&by));
            v.summary = format!("{}: {}", v.summary, zone(p).words());
            r.verdict = v;
            changed.push(*i);
        } else if matches!(class, Class::Timeout)
            && matches!(
                p.verdict,
                PathVerdict::DroppedAfter | PathVerdict::RejectedBy
            )
        {
            r.verdict.evidence = format!("{}; path: {}", r.verdict.evidence, located(p));
            changed.push(*i);
        } else if p.verdict == PathVerdict::InterceptedAt {
            r.verdict.evidence = format!(
                "{}; path: {} (finding `intercepted`)",
                r.verdict.evidence,
                p.summary()
            );
            changed.push(*i);
        }
    }
    changed
}

/// Located findings: `port25_blocked` (and `ipv*_broken`) say where; other blocked
/// ports get `blocked_on_path`; interception gets `intercepted` with its evidence.
pub fn locate(
    findings: &mut Vec<Finding>,
    reports: &[EndpointReport],
    paths: &[(usize, PathReport)],
) {
    let path_of = |i: usize| paths.iter().find(|(j, _)| *j == i).map(|(_, p)| p);
    let blocked = |p: &PathReport| {
        matches!(
            p.verdict,
            PathVerdict::DroppedAfter | PathVerdict::RejectedBy
        )
    };
    // Port 25: the first blocked port-25 path says where.
    let p25 = reports
        .iter()
        .enumerate()
        .filter(|(_, r)| r.endpoint.port == 25)
        .find_map(|(i, _)| path_of(i).filter(|p| blocked(p)));
    if let (Some(p), Some(f)) = (
        p25,
        findings.iter_mut().find(|f| f.code == "port25_blocked"),
    ) {
        let zone = zone(p);
        f.summary = match zone {
            Zone::ThisNetwork | Zone::Local => format!(
                "outbound port 25 is blocked by this site's firewall: {}",
                located(p)
            ),
            Zone::Upstream => format!(
                "outbound port 25 is blocked beyond this network (the ISP blocks it): {}",
                located(p)
            ),
            Zone::ServerSide => format!(
                "port 25 is blocked at the server's side, not on this network: {}",
                located(p)
            ),
        };
        f.evidence = format!("{}; path: {}", f.evidence, hops_line(p));
    }
    for (i, r) in reports.iter().enumerate() {
        let Some(p) = path_of(i) else { continue };
        let label = r.endpoint.label();
        if blocked(p) && r.endpoint.port != 25 && p.distance.is_some() && !r.verdict.class.is_ok() {
            findings.push(Finding {
                code: "blocked_on_path".into(),
                summary: format!("{label} is {}", located(p)),
                evidence: format!(
                    "port {} of the same address reached the server at hop {}; path: {}",
                    p.control_port.map_or_else(|| "?".into(), |c| c.to_string()),
                    p.distance.unwrap_or(0),
                    hops_line(p)
                ),
                advice: match zone(p) {
                    Zone::Local | Zone::ThisNetwork => {
                        "The block is on this network: ask its administrator to open the \
                         port, or use a port that works."
                    }
                    Zone::Upstream => {
                        "The block is beyond this network (ISP / upstream): use a port that \
                         works, or ask the provider."
                    }
                    Zone::ServerSide => {
                        "The block is next to the server: its operator filters this port; \
                         use the port it does serve."
                    }
                }
                .into(),
            });
        }
        if p.verdict == PathVerdict::InterceptedAt {
            findings.push(intercepted(r, p, reports, paths));
        }
    }
}

fn intercepted(
    r: &EndpointReport,
    p: &PathReport,
    reports: &[EndpointReport],
    paths: &[(usize, PathReport)],
) -> Finding {
    let control = reports.iter().enumerate().find(|(i, c)| {
        c.endpoint.address == r.endpoint.address
            && Some(c.endpoint.port) == p.control_port
            && paths
                .iter()
                .any(|(j, cp)| j == i && cp.verdict == PathVerdict::Reached)
    });
    let mut diffs = Vec::new();
    if let Some((_, c)) = control {
        diffs = differences(r, c);
    }
    let at = at_words(p);
    let d = p.distance.unwrap_or(0);
    let mut evidence = format!(
        "port {} connects at {at}; the control port {} of {} reaches the server at hop {d}",
        r.endpoint.port,
        p.control_port.map_or_else(|| "?".into(), |c| c.to_string()),
        r.endpoint.address,
    );
    if diffs.is_empty() {
        evidence.push_str("; banner, EHLO and certificate look the same (a transparent relay)");
    } else {
        evidence.push_str("; ");
        evidence.push_str(&diffs.join("; "));
    }
    Finding {
        code: "intercepted".into(),
        summary: format!(
            "{} is answered by a box at {at} ({}), not by the server {d} hops away",
            r.endpoint.label(),
            zone(p).words()
        ),
        evidence,
        advice: "An antivirus, firewall or ISP proxy answers in the server's place: what you \
                 see on this port (banner, certificate, AUTH) is the proxy's. Turn off its SMTP \
                 scanning, or use the port that reaches the server."
            .into(),
    }
}

/// What differs between an intercepted port and its control port, escaped.
pub fn differences(port: &EndpointReport, control: &EndpointReport) -> Vec<String> {
    let mut out = Vec::new();
    let first = |s: &Option<String>| {
        s.as_deref()
            .and_then(|b| b.lines().next())
            .map(str::to_string)
    };
    let (banner, ctl_banner) = (first(&port.banner), first(&control.banner));
    if banner != ctl_banner {
        out.push(format!(
            "banner `{}` vs `{}` on the control port",
            escape_str(banner.as_deref().unwrap_or("(none)")),
            escape_str(ctl_banner.as_deref().unwrap_or("(none)"))
        ));
    }
    let (ehlo, ctl_ehlo) = (port.ehlo.first(), control.ehlo.first());
    if ehlo != ctl_ehlo {
        out.push(format!(
            "EHLO `{}` vs `{}`",
            escape_str(ehlo.map_or("(none)", String::as_str)),
            escape_str(ctl_ehlo.map_or("(none)", String::as_str))
        ));
    }
    let leaf = |r: &EndpointReport| r.tls.as_ref().and_then(|t| t.chain.first()).cloned();
    match (leaf(port), leaf(control)) {
        (Some(a), Some(b)) if a.sha256 != b.sha256 => out.push(format!(
            "certificate `{}` issued by `{}` (SHA-256 {}) vs `{}` issued by `{}` on the control port",
            escape_str(&a.subject),
            escape_str(&a.issuer),
            short(&a.sha256),
            escape_str(&b.subject),
            escape_str(&b.issuer),
        )),
        (Some(a), None) => out.push(format!(
            "certificate `{}` issued by `{}` (the control port used no TLS)",
            escape_str(&a.subject),
            escape_str(&a.issuer)
        )),
        _ => {}
    }
    out
}

fn short(fp: &str) -> String {
    fp.chars().take(23).collect()
}

/// The hops of a path on one line: `1 10.7.1.1 0.2 ms · 2 100.64.7.2 0.3 ms · 3-20 *`.
pub fn hops_line(p: &PathReport) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < p.hops.len() {
        let h = &p.hops[i];
        let Some(addr) = h.addr.as_deref() else {
            let mut j = i;
            while j + 1 < p.hops.len() && p.hops[j + 1].addr.is_none() {
                j += 1;
            }
            parts.push(if j > i {
                format!("{}-{} *", h.ttl, p.hops[j].ttl)
            } else {
                format!("{} *", h.ttl)
            });
            i = j + 1;
            continue;
        };
        let rtt = h.rtt_ms.map(|r| format!(" {r:.1} ms")).unwrap_or_default();
        let what = match (h.icmp, h.tcp) {
            (Some(Icmp::TimeExceeded), _) | (None, None) => String::new(),
            (Some(i), _) => format!(" {i}"),
            (None, Some(TcpReply::Rst)) => " rst".into(),
            (None, Some(TcpReply::SynAck)) => " connected".into(),
        };
        parts.push(format!("{} {addr}{rtt}{what}", h.ttl));
        i += 1;
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Hop, HopRef};

    fn hop(ttl: u8, addr: Option<&str>, icmp: Option<Icmp>) -> Hop {
        Hop {
            ttl,
            name: None,
            addr: addr.map(str::to_string),
            rtt_ms: addr.map(|_| 0.5),
            icmp,
            tcp: None,
            probes: 1,
        }
    }

    #[test]
    fn located_words_and_hops() {
        let p = PathReport {
            verdict: PathVerdict::DroppedAfter,
            at: Some(HopRef {
                hop: 1,
                addr: Some("192.168.1.1".into()),
            }),
            distance: Some(12),
            hops: vec![
                hop(1, Some("192.168.1.1"), Some(Icmp::TimeExceeded)),
                hop(2, None, None),
                hop(3, None, None),
            ],
            control_port: Some(587),
            note: None,
        };
        assert_eq!(
            located(&p),
            "dropped after hop 1 (192.168.1.1): this network (its gateway or firewall)"
        );
        assert_eq!(hops_line(&p), "1 192.168.1.1 0.5 ms · 2-3 *");
        let isp = PathReport {
            at: Some(HopRef {
                hop: 3,
                addr: Some("203.0.113.1".into()),
            }),
            ..p.clone()
        };
        assert!(
            located(&isp).contains("the ISP / upstream"),
            "{}",
            located(&isp)
        );
        let mut f = vec![Finding {
            code: "port25_blocked".into(),
            summary: String::new(),
            evidence: String::new(),
            advice: String::new(),
        }];
        let ep = crate::model::Endpoint {
            id: crate::model::EndpointId(0),
            host: "h".into(),
            address: "192.0.2.1".parse().unwrap(),
            port: 25,
            mode: crate::model::Mode::Starttls,
        };
        let r = EndpointReport::bare(
            ep,
            Verdict {
                class: Class::Timeout,
                summary: String::new(),
                evidence: String::new(),
                advice: String::new(),
            },
        );
        locate(&mut f, &[r], &[(0, isp)]);
        assert!(
            f[0].summary
                .starts_with("outbound port 25 is blocked beyond this network"),
            "{}",
            f[0].summary
        );
    }

    #[test]
    fn filter_rejects_by_errno() {
        let os = |n| std::io::Error::from_raw_os_error(n).raw_os_error();
        assert!(is_filter_reject(os(13)));
        assert!(is_filter_reject(os(1)));
        assert!(!is_filter_reject(os(111)));
        let v = filter_reject("Permission denied (os error 13)", false, None);
        assert_eq!(v.class, Class::FirewallRejected);
    }
}
