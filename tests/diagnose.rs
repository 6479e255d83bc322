//! Domain diagnosis end to end, all on loopback: a test DNS server (MX, TXT, PTR, TLSA,
//! DNSBL entries), lab SMTP servers standing in for the MX hosts (on loopback addresses
//! high in 127/8, checked before use), and an
//! HTTPS server with the test CA serving the MTA-STS policies. One zone is built to
//! pass every check, one to fail them; plus null MX, implicit MX, presets. The DNS
//! server signs `test.` (good.test, bogus.test inside it; the other domains are
//! insecure delegations) and the tests trust that key with `--dnssec-anchor`.

#[path = "diagnose/dnssec.rs"]
mod dnssec;
#[path = "diagnose/hostile_dns.rs"]
mod hostile_dns;
#[path = "diagnose/network.rs"]
mod network;
#[path = "diagnose/report.rs"]
mod report;
#[path = "diagnose/scale.rs"]
mod scale;
#[path = "diagnose/sts.rs"]
mod sts;
mod support;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use smtptui::diagnose::dane::record_for;
use smtptui::model::{DnsCheck, DnsReport, DnsStatus, RunId, RunReport};
use smtptui::settings::{Settings, Timeouts};
use smtptui_lab::{CertKind, Identity, LabServer, Script, loopback};
use sts::sts_server;
use support::binary::{self, check_json};
use support::dns::{TestDns, Zone};
use support::signed_dns::Signing;
use support::{TestPki, loopback_addrs};

/// The MX hosts' loopback addresses, high in 127/8 and checked before use: the zones
/// name them and the lab servers listen on them (all but `dead`, where nothing does).
pub(crate) struct MxAddrs {
    /// mx1.good.test; also the address of implicit.test, alias.warn.test and the MX
    /// hosts of bogus.test, nodane.test and tlsa300.test.
    good1: String,
    /// mx2.good.test.
    good2: String,
    /// mx1.bad.test.
    bad1: String,
    /// dead.backup.test: nothing listens, connections are refused.
    dead: String,
}

impl MxAddrs {
    async fn pick() -> MxAddrs {
        let ips = loopback_addrs(4).await;
        MxAddrs {
            good1: ips[0].to_string(),
            good2: ips[1].to_string(),
            bad1: ips[2].to_string(),
            dead: ips[3].to_string(),
        }
    }
}

/// The name a DNSBL `zone` is asked for IPv4 `addr`: its octets reversed (RFC 5782).
pub(crate) fn dnsbl_name(addr: &str, zone: &str) -> String {
    let mut octets: Vec<&str> = addr.split('.').collect();
    octets.reverse();
    format!("{}.{zone}", octets.join("."))
}

/// The whole loopback world: DNS, MX lab servers, MTA-STS HTTPS.
struct World {
    pki: TestPki,
    dns: TestDns,
    /// The DNSKEY of the signed test zone `test.` (the `--dnssec-anchor` file).
    anchor: tempfile::NamedTempFile,
    /// The MX hosts' addresses.
    ips: MxAddrs,
    mx_port: u16,
    sts_port: u16,
    /// The zone data the DNS server serves (for a second server with other habits).
    zone: Zone,
    /// The MX lab servers: mx1.good.test, mx2.good.test, mx1.bad.test (in that order).
    servers: Vec<LabServer>,
    _sts: tokio::task::JoinHandle<()>,
}

/// The MX lab servers, all on one port: mx1 and mx2 of good.test, mx1 of bad.test (with
/// a certificate for the wrong name).
async fn mx_servers(pki: &TestPki, ips: &MxAddrs, good1: Identity) -> (u16, Vec<LabServer>) {
    let good2 = pki.leaf_for("mx2.good.test", CertKind::Valid);
    let bad1 = pki.leaf_for("wrong.bad.test", CertKind::Valid);
    let ip = |a: &str| a.parse::<IpAddr>().unwrap();
    let specs = [
        (
            ip(&ips.good1),
            Script::starttls(good1).with_hostname("mx1.good.test"),
        ),
        (
            ip(&ips.good2),
            Script::starttls(good2).with_hostname("mx2.good.test"),
        ),
        (
            ip(&ips.bad1),
            Script::starttls(bad1).with_hostname("mx1.bad.test"),
        ),
    ];
    let servers = loopback::on_one_port(&specs).await.unwrap();
    (servers[0].port(), servers)
}

async fn world() -> World {
    let pki = TestPki::new();
    let ips = MxAddrs::pick().await;
    let good1 = pki.leaf_for("mx1.good.test", CertKind::Valid);
    let (mx_port, servers) = mx_servers(&pki, &ips, good1.clone()).await;
    let mut z = Zone::default();
    good_and_bad_zones(&mut z, &ips, &pki, &good1);
    weak_zones(&mut z, &ips, &good1);
    report::zones(&mut z, &ips);
    hostile_dns::zones(&mut z, &ips);
    network::zones(&mut z, &ips);
    // DNSSEC: good.test and bogus.test live in the signed zone `test.`; every other
    // domain is an insecure delegation from it.
    let signing = Signing::new(&["good.test", "bogus.test"], &["_25._tcp.mx1.bogus.test"]);
    let mut anchor = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut anchor, signing.anchor().as_bytes()).unwrap();
    z.signing = Some(Arc::new(signing));
    let zone = z.clone();
    let dns = TestDns::start(z).await;
    let (sts_port, sts) = sts_server(&pki, policies()).await;
    World {
        pki,
        dns,
        anchor,
        ips,
        mx_port,
        sts_port,
        zone,
        servers,
        _sts: sts,
    }
}

/// good.test, built to pass every check, and bad.test, built to fail them.
fn good_and_bad_zones(z: &mut Zone, ips: &MxAddrs, pki: &TestPki, good1: &Identity) {
    // good.test: everything right.
    z.mx("good.test", 20, "mx2.good.test.")
        .mx("good.test", 10, "mx1.good.test.")
        .a("mx1.good.test", &ips.good1)
        .a("mx2.good.test", &ips.good2)
        .ptr(&ips.good1, "mx1.good.test")
        .ptr(&ips.good2, "mx2.good.test")
        .txt("good.test", "v=spf1 mx include:_spf.good.test -all")
        .txt("good.test", "google-site-verification=abc")
        .txt("_spf.good.test", "v=spf1 ip4:127.0.0.0/8 -all")
        .txt(
            "_dmarc.good.test",
            "v=DMARC1; p=reject; rua=mailto:dmarc@good.test",
        )
        .txt("_mta-sts.good.test", "v=STSv1; id=20260101")
        .txt(
            "_smtp._tls.good.test",
            "v=TLSRPTv1; rua=mailto:tlsrpt@good.test",
        )
        .tlsa(
            "_25._tcp.mx1.good.test",
            tlsa(&good1.leaf_der, 3, 1, 1),
            true,
        )
        .tlsa(
            "_25._tcp.mx2.good.test",
            tlsa(&pki.pki.ca_der(), 2, 0, 2),
            true,
        );
    // bad.test: everything wrong. other.bad.test never answers: it only makes the
    // forward-confirmed reverse DNS fail.
    z.mx("bad.test", 10, "mx1.bad.test")
        .mx("bad.test", 20, "gone.bad.test")
        .a("mx1.bad.test", &ips.bad1)
        .a("mx1.bad.test", "::1")
        .ptr(&ips.bad1, "other.bad.test")
        .a("other.bad.test", "127.66.0.99")
        .txt("bad.test", "v=spf1 +all")
        .txt("_mta-sts.bad.test", "v=STSv1; id=1")
        .txt(
            "_smtp._tls.bad.test",
            "v=TLSRPTv1; rua=ftp://reports.bad.test",
        )
        .tlsa("_25._tcp.mx1.bad.test", (3, 1, 1, vec![0xab; 32]), false)
        // Listed: 127.0.0.2 is the DNSBL answer meaning "listed" (RFC 5782).
        .a(&dnsbl_name(&ips.bad1, "bl.test"), "127.0.0.2");
}

/// warn.test (works, weakly), bogus.test and nodane.test (DNSSEC cases), null and
/// implicit MX.
fn weak_zones(z: &mut Zone, ips: &MxAddrs, good1: &Identity) {
    // warn.test: works, but weakly (monitoring-only policies, DANE without DNSSEC).
    z.mx("warn.test", 10, "alias.warn.test")
        .a("alias.warn.test", &ips.good1)
        .txt("warn.test", "v=spf1 a ?all")
        .txt(
            "_dmarc.warn.test",
            "v=DMARC1; p=none; rua=mailto:d@warn.test",
        )
        .txt("_mta-sts.warn.test", "v=STSv1; id=7")
        .tlsa(
            "_25._tcp.alias.warn.test",
            tlsa(&good1.leaf_der, 3, 0, 1),
            false,
        );
    // bogus.test: signed, and the TLSA matches, but its RRSIG is broken (the responder
    // still sets the AD bit: smtptui must not trust it).
    z.mx("bogus.test", 10, "mx1.bogus.test")
        .a("mx1.bogus.test", &ips.good1)
        .tlsa(
            "_25._tcp.mx1.bogus.test",
            tlsa(&good1.leaf_der, 3, 1, 1),
            true,
        );
    // nodane.test: signed, no TLSA (and the responder makes no NSEC proof for it).
    z.mx("nodane.test", 10, "mx1.nodane.test")
        .a("mx1.nodane.test", &ips.good1);
    // Null and implicit MX.
    z.mx("null.test", 0, ".").a("implicit.test", &ips.good1);
}

/// The MTA-STS policies by policy host.
fn policies() -> HashMap<String, String> {
    let mut policies = HashMap::new();
    policies.insert(
        "mta-sts.good.test".to_string(),
        "version: STSv1\r\nmode: enforce\r\nmx: *.good.test\r\nmax_age: 86400\r\n".to_string(),
    );
    policies.insert(
        "mta-sts.bad.test".to_string(),
        "version: STSv1\nmode: enforce\nmx: mx9.bad.test\nmax_age: 86400\n".to_string(),
    );
    policies.insert(
        "mta-sts.warn.test".to_string(),
        "version: STSv1\nmode: testing\nmx: alias.warn.test\nmax_age: 600\n".to_string(),
    );
    hostile_dns::policies(&mut policies);
    policies
}

fn tlsa(der: &[u8], u: u8, s: u8, m: u8) -> (u8, u8, u8, Vec<u8>) {
    let r = record_for(der, u, s, m).unwrap();
    (r.usage, r.selector, r.matching, r.data)
}

fn settings(w: &World, domain: &str) -> Settings {
    let mut s = Settings::new(domain);
    s.mx = true;
    s.mx_port = w.mx_port;
    s.mta_sts_port = w.sts_port;
    s.dns_server = Some(w.dns.addr);
    s.resolve = vec![
        ("mta-sts.good.test".into(), "127.0.0.1".parse().unwrap()),
        ("mta-sts.bad.test".into(), "127.0.0.1".parse().unwrap()),
        ("mta-sts.warn.test".into(), "127.0.0.1".parse().unwrap()),
        ("mta-sts.hugests.test".into(), "127.0.0.1".parse().unwrap()),
        ("mta-sts.cutsts.test".into(), "127.0.0.1".parse().unwrap()),
    ];
    s.dnsbl = vec!["bl.test".into()];
    s.dnssec_anchor = Some(w.anchor.path().to_path_buf());
    s.timeouts = Timeouts::uniform(Duration::from_secs(2));
    s.tls.ca_file = Some(w.pki.ca_file.clone());
    s.tls.no_system_roots = true;
    s
}

async fn run(s: Settings) -> RunReport {
    smtptui::probe::run_with(Arc::new(s), RunId(1), None).await
}

fn statuses(d: &DnsReport, check: DnsCheck) -> Vec<(String, DnsStatus)> {
    d.of(check).map(|f| (f.subject.clone(), f.status)).collect()
}

fn dump(d: &DnsReport) -> String {
    d.findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.status.as_str(),
                f.check.as_str(),
                f.subject,
                f.evidence
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn zone_built_to_pass_passes_every_check() {
    let w = world().await;
    let r = run(settings(&w, "good.test")).await;
    let d = r.dns.as_ref().expect("dns report in MX mode");
    let all = dump(d);
    let text = smtptui::export::to_text(&r);
    assert!(
        text.contains("=== DNS report for good.test") && text.contains("=== dns pass spf"),
        "{text}"
    );
    // The HTML report carries the DNS report too, one row per finding.
    let html = smtptui::export::to_html(&r);
    assert!(
        html.contains("DNS mail-security report: good.test"),
        "{html}"
    );
    for f in &d.findings {
        assert!(
            html.contains(&format!("<td class=\"mono\">{}</td>", f.check.as_str())),
            "{} missing from the HTML report",
            f.check.as_str()
        );
    }
    // Every MX, every address, in preference order, probed on the MX port.
    let eps: Vec<(&str, &str, u16)> = r
        .endpoints
        .iter()
        .map(|e| (e.host.as_str(), e.address.as_str(), e.port))
        .collect();
    assert_eq!(
        eps,
        [
            ("mx1.good.test", w.ips.good1.as_str(), w.mx_port),
            ("mx2.good.test", w.ips.good2.as_str(), w.mx_port)
        ]
    );
    assert!(r.endpoints.iter().all(|e| e.class.code() == "ok"), "{r:#?}");
    assert_eq!(d.mx.len(), 2);
    assert_eq!(
        (d.mx[0].preference, d.mx[0].host.as_str()),
        (10, "mx1.good.test")
    );
    for check in [
        DnsCheck::Mx,
        DnsCheck::Ptr,
        DnsCheck::Fcrdns,
        DnsCheck::BannerPtrMatch,
        DnsCheck::MxTls,
        DnsCheck::Spf,
        DnsCheck::Dmarc,
        DnsCheck::Dkim,
        DnsCheck::MtaSts,
        DnsCheck::TlsRpt,
        DnsCheck::Dane,
        DnsCheck::Dnsbl,
    ] {
        assert_eq!(d.worst(check), Some(DnsStatus::Pass), "{check:?}\n{all}");
    }
    assert_eq!(statuses(d, DnsCheck::Ptr).len(), 2);
    assert_eq!(statuses(d, DnsCheck::Dane).len(), 2);
    assert!(
        d.findings.iter().all(|f| f.status == DnsStatus::Pass),
        "{all}"
    );
    assert!(all.contains("mode enforce"), "{all}");
    assert!(all.contains("2 DNS lookup"), "{all}");
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[tokio::test]
async fn zone_built_to_fail_fails_every_check() {
    let w = world().await;
    let r = run(settings(&w, "bad.test")).await;
    let d = r.dns.as_ref().expect("dns report");
    let all = dump(d);
    let st = |check, subject: &str| {
        d.of(check)
            .find(|f| f.subject == subject)
            .map_or_else(|| panic!("no {check:?} for {subject}\n{all}"), |f| f.status)
    };
    assert_eq!(
        st(DnsCheck::Mx, "bad.test"),
        DnsStatus::Warn,
        "gone.bad.test has no address"
    );
    let bad1 = w.ips.bad1.as_str();
    assert_eq!(st(DnsCheck::Ptr, bad1), DnsStatus::Pass);
    assert_eq!(st(DnsCheck::Ptr, "::1"), DnsStatus::Fail);
    assert_eq!(st(DnsCheck::Fcrdns, bad1), DnsStatus::Fail);
    assert_eq!(st(DnsCheck::BannerPtrMatch, bad1), DnsStatus::Warn);
    assert_eq!(
        st(DnsCheck::MxTls, &format!("mx1.bad.test [{bad1}]")),
        DnsStatus::Fail
    );
    assert_eq!(st(DnsCheck::MxTls, "mx1.bad.test [::1]"), DnsStatus::Fail);
    assert_eq!(st(DnsCheck::Dnsbl, bad1), DnsStatus::Fail);
    assert_eq!(st(DnsCheck::Dnsbl, "::1"), DnsStatus::Pass);
    assert_eq!(st(DnsCheck::Dane, "mx1.bad.test"), DnsStatus::Fail);
    assert_eq!(st(DnsCheck::Dane, "gone.bad.test"), DnsStatus::Warn);
    for check in [
        DnsCheck::Spf,
        DnsCheck::Dmarc,
        DnsCheck::MtaSts,
        DnsCheck::TlsRpt,
    ] {
        assert_eq!(st(check, "bad.test"), DnsStatus::Fail, "{check:?}");
    }
    assert!(all.contains("mx1.bad.test"), "{all}");
    assert!(all.contains("not covered"), "{all}");
    assert!(all.contains("listed in bl.test"), "{all}");
    // The IPv6 path of mx1 is refused while IPv4 works: said for that MX host.
    let v6 = r
        .findings
        .iter()
        .find(|f| f.code == "ipv6_broken")
        .expect("ipv6_broken");
    assert!(v6.summary.starts_with("mx1.bad.test:"), "{v6:?}");
}

#[tokio::test]
async fn zone_built_to_warn_warns() {
    let w = world().await;
    let r = run(settings(&w, "warn.test")).await;
    let d = r.dns.as_ref().expect("dns report");
    let all = dump(d);
    for check in [
        DnsCheck::Spf,
        DnsCheck::Dmarc,
        DnsCheck::MtaSts,
        DnsCheck::TlsRpt,
        DnsCheck::Dane,
    ] {
        assert_eq!(d.worst(check), Some(DnsStatus::Warn), "{check:?}\n{all}");
    }
    assert!(all.contains("mode testing"), "{all}");
    assert!(
        all.contains("3 0 1 ") && all.contains("DNSSEC: insecure"),
        "{all}"
    );
    // The MX serves mx1.good.test's certificate: wrong name for alias.warn.test.
    assert_eq!(d.worst(DnsCheck::MxTls), Some(DnsStatus::Fail), "{all}");
    assert_eq!(d.worst(DnsCheck::Ptr), Some(DnsStatus::Pass), "{all}");
}

#[tokio::test]
async fn null_and_implicit_mx() {
    let w = world().await;
    let r = run(settings(&w, "null.test")).await;
    assert!(r.endpoints.is_empty());
    assert_eq!(r.findings[0].code, "null_mx");
    let d = r.dns.unwrap();
    assert_eq!(d.worst(DnsCheck::NullMx), Some(DnsStatus::Pass));
    assert_eq!(d.worst(DnsCheck::Spf), Some(DnsStatus::Fail));

    let r = run(settings(&w, "implicit.test")).await;
    let d = r.dns.unwrap();
    assert_eq!(d.worst(DnsCheck::ImplicitMx), Some(DnsStatus::Warn));
    assert_eq!(r.endpoints.len(), 1);
    assert_eq!(
        (
            r.endpoints[0].host.as_str(),
            r.endpoints[0].address.as_str()
        ),
        ("implicit.test", w.ips.good1.as_str())
    );

    let r = run(settings(&w, "nowhere.test")).await;
    assert!(r.endpoints.is_empty());
    assert_eq!(r.dns.unwrap().worst(DnsCheck::Mx), Some(DnsStatus::Fail));
}

/// `check` arguments (after `check`) for `domain` in MX mode against the world: its DNS
/// server, MX and MTA-STS ports, CA, DNSBL zone and (with `anchor`) its trust anchor.
fn mx_args(w: &World, domain: &str, anchor: bool) -> Vec<String> {
    let mut v: Vec<String> = [
        domain,
        "--mx",
        "--dns-server",
        &w.dns.addr.to_string(),
        "--resolve",
        &format!("mta-sts.{domain}:127.0.0.1"),
        "--mx-port",
        &w.mx_port.to_string(),
        "--mta-sts-port",
        &w.sts_port.to_string(),
        "--ca-file",
        &w.pki.ca_file.to_string_lossy(),
        "--no-system-roots",
        "--dnsbl",
        "bl.test",
        "--timeout",
        "2",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    if anchor {
        v.push("--dnssec-anchor".into());
        v.push(w.anchor.path().to_string_lossy().into_owned());
    }
    v
}

/// `smtptui check ARGS` in text.
async fn check_text(args: &[String]) -> binary::Output {
    let mut all = vec!["check".to_string()];
    all.extend_from_slice(args);
    binary::run(&all, None).await
}

/// The findings of `check` of one kind.
fn findings_of<'a>(doc: &'a serde_json::Value, check: &str) -> Vec<&'a serde_json::Value> {
    doc["dns"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .collect()
}

#[tokio::test]
async fn cli_mx_json_and_text() {
    let w = world().await;
    cli_good_json_passes_every_check(&w).await;
    cli_without_anchor_dnssec_is_indeterminate(&w).await;
    cli_bad_text_fails(&w).await;
    cli_dkim_selector_and_inherited_dmarc(&w).await;
    // Without --mx there is no dns object.
    let port = format!("{}/starttls", w.mx_port);
    let ca = w.pki.ca_file.to_string_lossy().into_owned();
    let plain = [&w.ips.good1, "-p", &port, "--ca-file", &ca]
        .into_iter()
        .chain(["--no-system-roots", "--timeout", "2"]);
    let doc = check_json(&plain.collect::<Vec<_>>(), None).await.doc;
    assert!(doc.get("dns").is_none());
}

async fn cli_good_json_passes_every_check(w: &World) {
    let r = check_json(&mx_args(w, "good.test", true), None).await;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let findings = r.doc["dns"]["findings"].as_array().unwrap();
    let checks: Vec<&str> = findings
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    for c in [
        "mx",
        "ptr",
        "fcrdns",
        "banner_ptr_match",
        "mx_tls",
        "spf",
        "dmarc",
        "dkim",
        "mta_sts",
        "tls_rpt",
        "dane",
        "dnsbl",
    ] {
        assert!(checks.contains(&c), "{c} missing: {checks:?}");
    }
    for f in findings {
        for key in ["check", "subject", "status", "evidence", "advice"] {
            assert!(f[key].is_string(), "{key} in {f}");
        }
        assert_eq!(f["status"], "pass", "{f}");
    }
    assert_eq!(r.doc["dns"]["mx"][1]["host"], "mx2.good.test");
    assert_eq!(r.doc["endpoints"].as_array().unwrap().len(), 2);
}

/// Without --dnssec-anchor only the IANA root keys are trusted, and the test server has
/// no root zone: this resolver path proves nothing (indeterminate, warn), and the
/// evidence names the query that failed.
async fn cli_without_anchor_dnssec_is_indeterminate(w: &World) {
    let doc = check_json(&mx_args(w, "good.test", false), None).await.doc;
    let dane = findings_of(&doc, "dane");
    assert_eq!(dane.len(), 2, "{doc}");
    for f in dane {
        assert_eq!(f["status"], "warn", "{f}");
        assert!(
            f["evidence"]
                .as_str()
                .unwrap()
                .contains("DNSSEC: indeterminate (DNSKEY .: "),
            "{f}"
        );
        assert!(
            f["advice"].as_str().unwrap().contains("--dns-server"),
            "{f}"
        );
    }
}

async fn cli_bad_text_fails(w: &World) {
    let out = check_text(&mx_args(w, "bad.test", true)).await;
    let text = &out.stdout;
    assert_eq!(out.code, 1, "{text}");
    assert!(
        text.contains("DNS mail-security report for bad.test"),
        "{text}"
    );
    assert!(text.contains("fail  spf"), "{text}");
    assert!(text.contains("advice:"), "{text}");
}

/// The newer checks in text and JSON: DKIM via --dkim-selector, inherited DMARC.
async fn cli_dkim_selector_and_inherited_dmarc(w: &World) {
    let mut custom = mx_args(w, "custom.test", true);
    custom.extend(["--dkim-selector".into(), "corp2026".into()]);
    let doc = check_json(&custom, None).await.doc;
    let dkim = findings_of(&doc, "dkim");
    assert_eq!(dkim.len(), 2, "{doc}");
    assert_eq!(
        dkim[0]["subject"], "corp2026._domainkey.custom.test",
        "{doc}"
    );
    assert_eq!(dkim[0]["status"], "pass", "{doc}");
    assert!(
        dkim[0]["evidence"]
            .as_str()
            .unwrap()
            .contains("RSA 2048 bits")
    );
    let text = check_text(&mx_args(w, "sub.inherit.test", true))
        .await
        .stdout;
    assert!(text.contains("pass  dmarc"), "{text}");
    assert!(
        text.contains("inherited from the organizational domain inherit.test"),
        "{text}"
    );
    assert!(
        text.contains("warn  dkim") && text.contains("selectors tried"),
        "{text}"
    );
}

#[tokio::test]
async fn presets_list_and_hints_reach_the_advice() {
    let out = binary::run(&["presets"], None).await;
    assert_eq!(out.code, 0);
    let text = out.stdout;
    let ids = text
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains("  "))
        .count();
    assert!(ids >= 15, "{ids} presets:\n{text}");
    for host in [
        "smtp.gmail.com",
        "smtp.office365.com",
        "email-smtp.{region}.amazonaws.com",
        "smtp.eu.mailgun.org",
        "smtp.resend.com",
    ] {
        assert!(text.contains(host), "{host}");
    }

    // --preset sendgrid against a lab server standing in for smtp.sendgrid.net: the
    // wrong password fails AUTH and the SendGrid hint lands in the advice.
    let pki = TestPki::new();
    let srv = support::start(
        Script::starttls(pki.leaf_for("smtp.sendgrid.net", CertKind::Valid))
            .with_hostname("smtp.sendgrid.net")
            .with_user("apikey", "SG.right"),
    )
    .await;
    let ca = pki.ca_file.to_string_lossy().into_owned();
    let port = format!("{}/starttls", srv.port());
    let args = [
        "--preset",
        "sendgrid",
        "--resolve",
        "smtp.sendgrid.net:127.0.0.1",
        "-p",
        &port,
        "--user",
        "apikey",
        "--ca-file",
        &ca,
        "--no-system-roots",
        "--timeout",
        "2",
    ];
    let doc = check_json(&args, Some("SG.wrong")).await.doc;
    assert_eq!(doc["target"], "smtp.sendgrid.net");
    let ep = &doc["endpoints"][0];
    assert_eq!(ep["class"], "auth_failed", "{ep}");
    let advice = ep["advice"].as_str().unwrap();
    assert!(
        advice.contains("SendGrid: the user name must be the literal `apikey`"),
        "{advice}"
    );
    // The preset chose its first mechanism (PLAIN) since --auth was not given.
    assert!(
        srv.commands().iter().any(|c| c.starts_with("AUTH PLAIN")),
        "{:?}",
        srv.commands()
    );
}
