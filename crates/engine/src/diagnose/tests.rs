//! Unit tests of the diagnosis against in-memory zones (no network).

use super::*;
use crate::dns::FixedLookup;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[tokio::test]
async fn plans_records_null_implicit_and_missing() {
    let z = FixedLookup::new()
        .mx("d.test", 20, "mx2.d.test")
        .mx("d.test", 10, "mx1.d.test")
        .mx("d.test", 30, "gone.d.test")
        .addr("mx1.d.test", ip("::1"))
        .addr("mx1.d.test", ip("127.0.0.2"))
        .addr("mx2.d.test", ip("127.0.0.3"))
        .mx("null.test", 0, ".")
        .mx("mixed.test", 0, ".")
        .mx("mixed.test", 10, "mx1.d.test")
        .addr("implicit.test", ip("127.0.0.4"))
        .txt("noaddr.test", "x");
    let table = StaticTable::new(&[("mx2.d.test".into(), ip("127.0.0.9"))]);
    let p = plan_mx(&z, &table, "D.test.", FamilyFilter::Any).await;
    assert_eq!(p.kind, MxKind::Records);
    let hosts: Vec<(&str, u16)> = p
        .hosts
        .iter()
        .map(|h| (h.host.as_str(), h.preference))
        .collect();
    assert_eq!(
        hosts,
        [("mx1.d.test", 10), ("mx2.d.test", 20), ("gone.d.test", 30)]
    );
    assert_eq!(p.hosts[0].addrs, [ip("127.0.0.2"), ip("::1")]);
    assert_eq!(
        p.hosts[1].addrs,
        [ip("127.0.0.9")],
        "--resolve wins over DNS"
    );
    assert!(p.hosts[2].error.is_some());
    let eps = p.endpoints(2525);
    assert_eq!(eps.len(), 3);
    assert_eq!(
        (eps[1].host.as_str(), eps[1].address, eps[1].port),
        ("mx1.d.test", ip("::1"), 2525)
    );
    let f = domain::mx_findings(&p, &[]);
    assert_eq!((f[0].check, f[0].status), (DnsCheck::Mx, DnsStatus::Warn));
    let v6 = plan_mx(&z, &table, "d.test", FamilyFilter::V6).await;
    assert_eq!(v6.endpoints(25).len(), 1);

    let p = plan_mx(&z, &table, "null.test", FamilyFilter::Any).await;
    assert_eq!(p.kind, MxKind::Null);
    assert!(p.endpoints(25).is_empty());
    let f = domain::mx_findings(&p, &[]);
    assert_eq!(
        (f[0].check, f[0].status),
        (DnsCheck::NullMx, DnsStatus::Pass)
    );
    let p = plan_mx(&z, &table, "mixed.test", FamilyFilter::Any).await;
    assert_eq!(domain::mx_findings(&p, &[])[0].status, DnsStatus::Fail);

    let p = plan_mx(&z, &table, "implicit.test", FamilyFilter::Any).await;
    assert_eq!(p.kind, MxKind::Implicit);
    assert_eq!(p.hosts[0].host, "implicit.test");
    assert_eq!(domain::mx_findings(&p, &[])[0].check, DnsCheck::ImplicitMx);

    for d in ["noaddr.test", "nxdomain.test"] {
        let p = plan_mx(&z, &table, d, FamilyFilter::Any).await;
        assert_eq!(p.kind, MxKind::Missing, "{d}");
        let f = domain::mx_findings(&p, &[]);
        assert_eq!(
            (f[0].check, f[0].status),
            (DnsCheck::Mx, DnsStatus::Fail),
            "{d}"
        );
    }
}

#[tokio::test]
async fn dmarc_and_tlsrpt_statuses() {
    let z = FixedLookup::new()
        .txt(
            "_dmarc.good.test",
            "v=DMARC1; p=reject; rua=mailto:d@good.test",
        )
        .txt(
            "_dmarc.none.test",
            "v=DMARC1; p=none; rua=mailto:d@none.test",
        )
        .txt("_dmarc.norua.test", "v=DMARC1; p=quarantine")
        .txt("_dmarc.bad.test", "v=DMARC1; p=maybe")
        .txt(
            "_smtp._tls.good.test",
            "v=TLSRPTv1; rua=mailto:tls@good.test",
        )
        .txt("_smtp._tls.bad.test", "v=TLSRPTv1; rua=ftp://x");
    let st = |d: &'static str| {
        let z = z.clone();
        async move {
            (
                super::dmarc::dmarc(&z, d, super::dmarc::Kind::Mail)
                    .await
                    .status,
                domain::tls_rpt(&z, d, false).await.status,
            )
        }
    };
    assert_eq!(st("good.test").await, (DnsStatus::Pass, DnsStatus::Pass));
    assert_eq!(st("none.test").await, (DnsStatus::Warn, DnsStatus::Warn));
    assert_eq!(st("norua.test").await.0, DnsStatus::Warn);
    assert_eq!(st("bad.test").await, (DnsStatus::Fail, DnsStatus::Fail));
    assert_eq!(st("missing.test").await, (DnsStatus::Fail, DnsStatus::Warn));
}

#[test]
fn banner_host_extraction() {
    assert_eq!(
        hosts::banner_host("220 MX1.Example.test ESMTP ready").as_deref(),
        Some("mx1.example.test")
    );
    assert_eq!(
        hosts::banner_host("220-mx.test.\r\n220 more").as_deref(),
        Some("mx.test")
    );
    assert_eq!(hosts::banner_host("220 ESMTP"), None);
    assert_eq!(hosts::banner_host("220"), None);
}

#[test]
fn ipv6_broken_is_said_per_mx_host() {
    use crate::model::{Class, Verdict};
    let mk = |host: &str, addr: &str, ok: bool| EndpointReport {
        endpoint: Endpoint {
            id: EndpointId(0),
            host: host.into(),
            address: ip(addr),
            port: 25,
            mode: Mode::Starttls,
        },
        verdict: Verdict {
            class: if ok { Class::Ok } else { Class::Timeout },
            summary: String::new(),
            evidence: String::new(),
            advice: String::new(),
        },
        timings: Vec::new(),
        local_addr: None,
        banner: ok.then(|| "220 x.test".to_string()),
        ehlo: Vec::new(),
        capabilities: Vec::new(),
        auth_mechanisms: Vec::new(),
        auth_mech: None,
        tls: None,
        transcript: Vec::new(),
        provider: None,
        warnings: Vec::new(),
    };
    // mx1: v4 works, v6 broken. mx2: only v6, works. Pooled, no family looks broken
    // for v4; per host, mx1's IPv6 is.
    let reports = vec![
        mk("mx1.test", "127.0.0.2", true),
        mk("mx1.test", "::1", false),
        mk("mx2.test", "::2", true),
    ];
    let f = per_host_findings(&reports);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].code, "ipv6_broken");
    assert!(f[0].summary.starts_with("mx1.test: "));
}

#[test]
fn dnsbl_answers_per_rfc_5782() {
    use hosts::{DnsblAnswer, dnsbl_answer};
    let a = |v: &[&str]| v.iter().map(|s| ip(s)).collect::<Vec<_>>();
    assert_eq!(dnsbl_answer(&a(&["127.0.0.2"])), DnsblAnswer::Listed);
    assert_eq!(
        dnsbl_answer(&a(&["127.0.0.4", "127.0.0.11"])),
        DnsblAnswer::Listed
    );
    assert_eq!(dnsbl_answer(&a(&["127.0.0.255"])), DnsblAnswer::Listed);
    for not_listed in [
        &["127.0.0.1"][..],
        &["127.255.255.254"],
        &["127.0.0.2", "127.0.0.1"],
        &["127.0.1.2"],
        &["192.0.2.80"],
        &["::1"],
    ] {
        assert!(
            matches!(dnsbl_answer(&a(not_listed)), DnsblAnswer::Error(_)),
            "{not_listed:?}"
        );
    }
}
