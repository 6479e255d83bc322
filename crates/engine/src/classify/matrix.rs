//! Matrix-level inferences: what the endpoints together say about the network path
//! (outbound port 25 blocked, one address family broken, no port reached at all).

use crate::model::{Class, EndpointReport, Family, Finding};

/// Matrix-level inferences across finished endpoints.
pub fn infer(reports: &[EndpointReport]) -> Vec<Finding> {
    let mut out = Vec::new();
    let failed_connect =
        |r: &EndpointReport| matches!(r.verdict.class, Class::Timeout) && r.banner.is_none();
    let port25: Vec<&EndpointReport> = reports.iter().filter(|r| r.endpoint.port == 25).collect();
    let others_ok = reports
        .iter()
        .any(|r| r.endpoint.port != 25 && r.banner.is_some());
    if !port25.is_empty() && port25.iter().all(|r| failed_connect(r)) && others_ok {
        out.push(Finding {
            code: "port25_blocked".into(),
            summary: "outbound port 25 is blocked on this network (typical ISP policy)".into(),
            evidence: format!(
                "port 25 timed out on {} address(es) while other ports of the same host answered",
                port25.len()
            ),
            advice: "Submit mail on 587 (STARTTLS) or 465 (TLS) with AUTH; port 25 is for \
                     server-to-server delivery and is commonly filtered for end users."
                .into(),
        });
    }
    if let Some(f) = all_ports_failed(reports) {
        out.push(f);
    }
    for (broken, works, code, name) in [
        (Family::V6, Family::V4, "ipv6_broken", "IPv6"),
        (Family::V4, Family::V6, "ipv4_broken", "IPv4"),
    ] {
        let reached = |fam: Family| {
            reports
                .iter()
                .filter(|r| r.endpoint.family() == fam)
                .any(|r| r.banner.is_some())
        };
        let fam_reports: Vec<&EndpointReport> = reports
            .iter()
            .filter(|r| r.endpoint.family() == broken)
            .collect();
        if !fam_reports.is_empty() && !reached(broken) && reached(works) {
            out.push(Finding {
                code: code.into(),
                summary: format!(
                    "the {name} path is broken: {name} endpoints fail where the others work"
                ),
                evidence: format!(
                    "{} {name} endpoint(s) failed to connect ({})",
                    fam_reports.len(),
                    fam_reports[0].verdict.class
                ),
                advice: format!(
                    "Mail clients that prefer {name} will stall or fail. Check {name} routing and \
                     firewalling on this network, or force the other family."
                ),
            });
        }
    }
    out
}

/// Every endpoint failed before an SMTP greeting: the host (or the path to it) is the
/// problem, not one port — worth saying once, above the rows.
fn all_ports_failed(reports: &[EndpointReport]) -> Option<Finding> {
    if reports.is_empty() || reports.iter().any(|r| r.banner.is_some()) {
        return None;
    }
    let all = |c: Class| reports.iter().all(|r| r.verdict.class == c);
    let n = reports.len();
    let (summary, advice) = if all(Class::Timeout) {
        (
            format!("no port answers: all {n} connection attempts timed out"),
            "The host is down, or a firewall on the way drops the packets. Check the address,              then try from another network (a phone hotspot) to tell this network's filter              from the server's.",
        )
    } else if all(Class::Refused) {
        (
            format!("every port refuses: all {n} connections were refused"),
            "The host is up but nothing listens on these ports (or a firewall rejects them).              Check the host name and the ports the provider documents.",
        )
    } else {
        (
            format!("no port reached an SMTP server: all {n} endpoints failed before a greeting"),
            "Nothing on this host answered SMTP. Check the host name and address, the ports,              and whether this network filters outbound mail ports.",
        )
    };
    let mut classes: Vec<&str> = reports.iter().map(|r| r.verdict.class.code()).collect();
    classes.sort_unstable();
    classes.dedup();
    Some(Finding {
        code: "all_ports_failed".into(),
        summary,
        evidence: format!("{n} endpoint(s), none greeted ({})", classes.join(", ")),
        advice: advice.into(),
    })
}
