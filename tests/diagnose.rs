//! Domain diagnosis end to end, all on loopback: a test DNS server (MX, TXT, PTR, TLSA,
//! DNSBL entries), lab SMTP servers on 127.0.0.x standing in for the MX hosts, and an
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
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use smtptui::diagnose::dane::record_for;
use smtptui::model::{DnsCheck, DnsReport, DnsStatus, RunId, RunReport};
use smtptui::settings::{Settings, Timeouts};
use smtptui_lab::{CertKind, LabServer, Script};
use sts::sts_server;
use support::TestPki;
use support::dns::{TestDns, Zone};
use support::signed_dns::Signing;
use tokio::process::Command;

/// Lab SMTP servers sharing one port on several loopback addresses.
async fn mx_servers(specs: Vec<(&str, Script)>) -> (u16, Vec<LabServer>) {
    'retry: loop {
        let mut servers: Vec<LabServer> = Vec::new();
        let mut port = 0;
        for (ip, script) in &specs {
            let addr: SocketAddr = format!("{ip}:{port}").parse().unwrap();
            match LabServer::start_on(addr, script.clone()).await {
                Ok(s) => {
                    port = s.port();
                    servers.push(s);
                }
                Err(_) => continue 'retry,
            }
        }
        return (port, servers);
    }
}

/// The whole loopback world: DNS, MX lab servers, MTA-STS HTTPS.
struct World {
    pki: TestPki,
    dns: TestDns,
    /// The DNSKEY of the signed test zone `test.` (the `--dnssec-anchor` file).
    anchor: tempfile::NamedTempFile,
    mx_port: u16,
    sts_port: u16,
    /// The zone data the DNS server serves (for a second server with other habits).
    zone: Zone,
    /// The MX lab servers on 127.0.0.2, .3 and .4 (in that order).
    servers: Vec<LabServer>,
    _sts: tokio::task::JoinHandle<()>,
}

async fn world() -> World {
    let pki = TestPki::new();
    let good1 = pki.leaf_for("mx1.good.test", CertKind::Valid);
    let good2 = pki.leaf_for("mx2.good.test", CertKind::Valid);
    let bad1 = pki.leaf_for("wrong.bad.test", CertKind::Valid);
    let (mx_port, servers) = mx_servers(vec![
        (
            "127.0.0.2",
            Script::starttls(good1.clone()).with_hostname("mx1.good.test"),
        ),
        (
            "127.0.0.3",
            Script::starttls(good2).with_hostname("mx2.good.test"),
        ),
        (
            "127.0.0.4",
            Script::starttls(bad1).with_hostname("mx1.bad.test"),
        ),
    ])
    .await;
    let mut z = Zone::default();
    // good.test: everything right.
    z.mx("good.test", 20, "mx2.good.test.")
        .mx("good.test", 10, "mx1.good.test.")
        .a("mx1.good.test", "127.0.0.2")
        .a("mx2.good.test", "127.0.0.3")
        .ptr("127.0.0.2", "mx1.good.test")
        .ptr("127.0.0.3", "mx2.good.test")
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
    // bad.test: everything wrong.
    z.mx("bad.test", 10, "mx1.bad.test")
        .mx("bad.test", 20, "gone.bad.test")
        .a("mx1.bad.test", "127.0.0.4")
        .a("mx1.bad.test", "::1")
        .ptr("127.0.0.4", "other.bad.test")
        .a("other.bad.test", "127.0.0.99")
        .txt("bad.test", "v=spf1 +all")
        .txt("_mta-sts.bad.test", "v=STSv1; id=1")
        .txt(
            "_smtp._tls.bad.test",
            "v=TLSRPTv1; rua=ftp://reports.bad.test",
        )
        .tlsa("_25._tcp.mx1.bad.test", (3, 1, 1, vec![0xab; 32]), false)
        .a("4.0.0.127.bl.test", "127.0.0.2");
    // warn.test: works, but weakly (monitoring-only policies, DANE without DNSSEC).
    z.mx("warn.test", 10, "alias.warn.test")
        .a("alias.warn.test", "127.0.0.2")
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
        .a("mx1.bogus.test", "127.0.0.2")
        .tlsa(
            "_25._tcp.mx1.bogus.test",
            tlsa(&good1.leaf_der, 3, 1, 1),
            true,
        );
    // nodane.test: signed, no TLSA (and the responder makes no NSEC proof for it).
    z.mx("nodane.test", 10, "mx1.nodane.test")
        .a("mx1.nodane.test", "127.0.0.2");
    // Null and implicit MX.
    z.mx("null.test", 0, ".").a("implicit.test", "127.0.0.2");
    report::zones(&mut z);
    hostile_dns::zones(&mut z);
    network::zones(&mut z);
    // DNSSEC: good.test and bogus.test live in the signed zone `test.`; every other
    // domain is an insecure delegation from it.
    let signing = Signing::new(&["good.test", "bogus.test"], &["_25._tcp.mx1.bogus.test"]);
    let mut anchor = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut anchor, signing.anchor().as_bytes()).unwrap();
    z.signing = Some(Arc::new(signing));
    let zone = z.clone();
    let dns = TestDns::start(z).await;
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
    let (sts_port, sts) = sts_server(&pki, policies).await;
    World {
        pki,
        dns,
        anchor,
        mx_port,
        sts_port,
        zone,
        servers,
        _sts: sts,
    }
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
            ("mx1.good.test", "127.0.0.2", w.mx_port),
            ("mx2.good.test", "127.0.0.3", w.mx_port)
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
    assert_eq!(st(DnsCheck::Ptr, "127.0.0.4"), DnsStatus::Pass);
    assert_eq!(st(DnsCheck::Ptr, "::1"), DnsStatus::Fail);
    assert_eq!(st(DnsCheck::Fcrdns, "127.0.0.4"), DnsStatus::Fail);
    assert_eq!(st(DnsCheck::BannerPtrMatch, "127.0.0.4"), DnsStatus::Warn);
    assert_eq!(
        st(DnsCheck::MxTls, "mx1.bad.test [127.0.0.4]"),
        DnsStatus::Fail
    );
    assert_eq!(st(DnsCheck::MxTls, "mx1.bad.test [::1]"), DnsStatus::Fail);
    assert_eq!(st(DnsCheck::Dnsbl, "127.0.0.4"), DnsStatus::Fail);
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
        ("implicit.test", "127.0.0.2")
    );

    let r = run(settings(&w, "nowhere.test")).await;
    assert!(r.endpoints.is_empty());
    assert_eq!(r.dns.unwrap().worst(DnsCheck::Mx), Some(DnsStatus::Fail));
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_smtptui"));
    c.env_remove("SMTPTUI_PASSWORD").env("NO_COLOR", "1");
    c
}

#[tokio::test]
async fn cli_mx_json_and_text() {
    let w = world().await;
    let dns = w.dns.addr.to_string();
    let mx_port = w.mx_port.to_string();
    let sts_port = w.sts_port.to_string();
    let ca = w.pki.ca_file.to_string_lossy().into_owned();
    let anchor = w.anchor.path().to_string_lossy().into_owned();
    let args = |domain: &str, json: bool| {
        let mut v: Vec<String> = [
            "check",
            domain,
            "--mx",
            "--dns-server",
            &dns,
            "--resolve",
            &format!("mta-sts.{domain}:127.0.0.1"),
            "--mx-port",
            &mx_port,
            "--mta-sts-port",
            &sts_port,
            "--ca-file",
            &ca,
            "--no-system-roots",
            "--dnsbl",
            "bl.test",
            "--timeout",
            "2",
            "--dnssec-anchor",
            &anchor,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        if json {
            v.extend(["--format".into(), "json".into()]);
        }
        v
    };
    let out = bin().args(args("good.test", true)).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let findings = doc["dns"]["findings"].as_array().unwrap();
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
    assert_eq!(doc["dns"]["mx"][1]["host"], "mx2.good.test");
    assert_eq!(doc["endpoints"].as_array().unwrap().len(), 2);

    // Without --dnssec-anchor only the IANA root keys are trusted, and the test server
    // has no root zone: this resolver path proves nothing (indeterminate, warn), and the
    // evidence names the query that failed.
    let mut no_anchor = args("good.test", true);
    no_anchor.truncate(no_anchor.len() - 4);
    no_anchor.extend(["--format".into(), "json".into()]);
    let out = bin().args(&no_anchor).output().await.unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dane: Vec<&serde_json::Value> = doc["dns"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "dane")
        .collect();
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

    let out = bin().args(args("bad.test", false)).output().await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("DNS mail-security report for bad.test"),
        "{text}"
    );
    assert!(text.contains("fail  spf"), "{text}");
    assert!(text.contains("advice:"), "{text}");
    // The newer checks in text and JSON: DKIM via --dkim-selector, inherited DMARC.
    let mut custom = args("custom.test", true);
    custom.extend(["--dkim-selector".into(), "corp2026".into()]);
    let out = bin().args(&custom).output().await.unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dkim: Vec<&serde_json::Value> = doc["dns"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "dkim")
        .collect();
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
    let out = bin()
        .args(args("sub.inherit.test", false))
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("pass  dmarc"), "{text}");
    assert!(
        text.contains("inherited from the organizational domain inherit.test"),
        "{text}"
    );
    assert!(
        text.contains("warn  dkim") && text.contains("selectors tried"),
        "{text}"
    );

    // Without --mx there is no dns object.
    let out = bin()
        .args([
            "check",
            "127.0.0.2",
            "-p",
            &format!("{mx_port}/starttls"),
            "--ca-file",
            &ca,
            "--no-system-roots",
            "--format",
            "json",
            "--timeout",
            "2",
        ])
        .output()
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc.get("dns").is_none());
}

#[tokio::test]
async fn presets_list_and_hints_reach_the_advice() {
    let out = bin().arg("presets").output().await.unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
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
    let srv = LabServer::start(
        Script::starttls(pki.leaf_for("smtp.sendgrid.net", CertKind::Valid))
            .with_hostname("smtp.sendgrid.net")
            .with_user("apikey", "SG.right"),
    )
    .await
    .unwrap();
    let ca = pki.ca_file.to_string_lossy().into_owned();
    let out = bin()
        .args([
            "check",
            "--preset",
            "sendgrid",
            "--resolve",
            "smtp.sendgrid.net:127.0.0.1",
            "-p",
            &format!("{}/starttls", srv.port()),
            "--user",
            "apikey",
            "--ca-file",
            &ca,
            "--no-system-roots",
            "--format",
            "json",
            "--timeout",
            "2",
        ])
        .env("SMTPTUI_PASSWORD", "SG.wrong")
        .output()
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
