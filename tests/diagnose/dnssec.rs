//! smtptui's own DNSSEC validation of the TLSA answer, against the signed test zone.

use smtptui::model::{DnsCheck, DnsReport, DnsStatus};

use super::support::dns::TestDns;
use super::support::signed_dns::Signing;
use super::{dump, run, settings, world};

/// The DANE finding of the one MX host of `domain`.
fn dane_of(d: &DnsReport) -> (DnsStatus, String) {
    let f: Vec<_> = d.of(DnsCheck::Dane).collect();
    assert_eq!(f.len(), 1, "{}", dump(d));
    (f[0].status, f[0].evidence.clone())
}

#[tokio::test]
async fn dnssec_is_validated_by_smtptui() {
    let w = world().await;
    // Signed and matching: secure, pass.
    let r = run(settings(&w, "good.test")).await;
    let d = r.dns.unwrap();
    for f in d.of(DnsCheck::Dane) {
        assert_eq!(f.status, DnsStatus::Pass, "{}", dump(&d));
        assert!(f.evidence.contains("DNSSEC: secure"), "{}", f.evidence);
    }
    // Same key, same record, AD bit set, but the TLSA RRSIG is corrupted: bogus, fail.
    let r = run(settings(&w, "bogus.test")).await;
    let (status, ev) = dane_of(&r.dns.unwrap());
    assert_eq!(status, DnsStatus::Fail, "{ev}");
    assert!(
        ev.contains("DNSSEC: bogus")
            && ev.contains("3 1 1 ")
            && ev.contains("the signatures do not verify"),
        "{ev}"
    );
    // An unsigned zone (insecure delegation proven by a signed NSEC): warn, insecure.
    let r = run(settings(&w, "warn.test")).await;
    let (status, ev) = dane_of(&r.dns.unwrap());
    assert_eq!(status, DnsStatus::Warn, "{ev}");
    assert!(
        ev.contains("matches") && ev.contains("DNSSEC: insecure"),
        "{ev}"
    );
    // No TLSA in the signed zone (and no NSEC from this responder): hickory 0.26 lets
    // this denial through, so it is the plain "no TLSA" warning, never a pass.
    let r = run(settings(&w, "nodane.test")).await;
    let (status, ev) = dane_of(&r.dns.unwrap());
    assert_eq!(status, DnsStatus::Warn, "{ev}");
    assert!(
        ev.contains("no TLSA record at _25._tcp.mx1.nodane.test"),
        "{ev}"
    );
    // A trust anchor for a different key: the good zone no longer validates.
    let other = Signing::new(&[], &[]);
    let mut wrong = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut wrong, other.anchor().as_bytes()).unwrap();
    let mut s = settings(&w, "good.test");
    s.dnssec_anchor = Some(wrong.path().to_path_buf());
    let d = run(s).await.dns.unwrap();
    for f in d.of(DnsCheck::Dane) {
        assert_eq!(f.status, DnsStatus::Fail, "{}", dump(&d));
        assert!(f.evidence.contains("DNSSEC: bogus"), "{}", f.evidence);
    }
    // An anchor file without a DNSKEY is a set-up error, not a silent fallback.
    let mut empty = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut empty, b"; nothing here\n").unwrap();
    let mut s = settings(&w, "good.test");
    s.dnssec_anchor = Some(empty.path().to_path_buf());
    let d = run(s).await.dns.unwrap();
    assert_eq!(d.worst(DnsCheck::Mx), Some(DnsStatus::Fail), "{}", dump(&d));
    assert!(dump(&d).contains("no DNSKEY record"), "{}", dump(&d));
}

#[tokio::test]
async fn a_resolver_refusing_the_chain_is_indeterminate_not_bogus() {
    let w = world().await;
    // The same zones, through a server that answers REFUSED to every DNSKEY and DS
    // query: nothing can be proven, and the zone is not to blame.
    let mut zone = w.zone.clone();
    zone.refused_types = vec![48, 43];
    let refusing = TestDns::start(zone).await;
    for domain in ["good.test", "bogus.test"] {
        let mut s = settings(&w, domain);
        s.dns_server = Some(refusing.addr);
        let d = run(s).await.dns.unwrap();
        let all = dump(&d);
        let dane: Vec<_> = d.of(DnsCheck::Dane).collect();
        assert!(!dane.is_empty(), "{all}");
        for f in dane {
            assert_eq!(f.status, DnsStatus::Warn, "{all}");
            assert!(
                f.evidence
                    .contains("DNSSEC: indeterminate (DNSKEY test.: REFUSED"),
                "{}",
                f.evidence
            );
            assert!(f.advice.contains("--dns-server"), "{}", f.advice);
            assert!(!f.advice.contains("re-sign"), "{}", f.advice);
        }
    }
    // Through the normal server the broken zone is still bogus (fail, zone advice).
    let d = run(settings(&w, "bogus.test")).await.dns.unwrap();
    let (status, ev) = dane_of(&d);
    assert_eq!(status, DnsStatus::Fail, "{ev}");
}
