//! A hostile DNS / HTTPS world on loopback: an MX behind a CNAME loop, a CNAME chain
//! cut short, an MX pointing at a CNAME, a malformed A answer, 300 TLSA records, a
//! silent `_dmarc` name, a binary label, and MTA-STS policies that are huge (a 50 MB
//! Content-Length) or cut short. Each must give the right verdict with evidence that
//! names the cause, within the timeout, bounded in size.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use smtptui::dns::{HickoryLookup, Lookup};
use smtptui::model::{DnsCheck, DnsStatus};

use super::support::dns::Zone;
use super::{MxAddrs, dump, run, settings, world};

const POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx1.good.test\r\nmax_age: 86400\r\n";

pub(crate) fn zones(z: &mut Zone, ips: &MxAddrs) {
    z.mx("loop.test", 10, "a.loop.test")
        .cname("a.loop.test", "b.loop.test")
        .cname("b.loop.test", "a.loop.test");
    z.mx("cut.test", 10, "c0.cut.test");
    for i in 0..8 {
        z.cname(&format!("c{i}.cut.test"), &format!("c{}.cut.test", i + 1));
    }
    z.mx("alias.test", 10, "mail.alias.test")
        .cname("mail.alias.test", "mx1.good.test");
    z.mx("malformed.test", 10, "mx.malformed.test");
    z.malformed.push("mx.malformed.test".into());
    z.mx("tlsa300.test", 10, "mx1.tlsa300.test")
        .a("mx1.tlsa300.test", &ips.good1);
    for i in 0..300u16 {
        let mut data = vec![0u8; 32];
        data[..2].copy_from_slice(&i.to_be_bytes());
        z.tlsa("_25._tcp.mx1.tlsa300.test", (3, 1, 1, data), false);
    }
    z.mx("silent.test", 10, "mx1.good.test");
    z.silent.push("_dmarc.silent.test".into());
    for d in ["hugests.test", "cutsts.test"] {
        z.mx(d, 10, "mx1.good.test")
            .txt(&format!("_mta-sts.{d}"), "v=STSv1; id=1");
    }
}

pub(crate) fn policies(p: &mut HashMap<String, String>) {
    // Claims 50 MB and sends a valid-looking policy followed by 100 KiB of padding.
    let mut huge = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 52428800\r\n\r\n{POLICY}"
    );
    huge.push_str(&"x".repeat(100 * 1024));
    p.insert("mta-sts.hugests.test".into(), huge);
    // Promises 5000 bytes, sends the policy (under 100) and closes.
    p.insert(
        "mta-sts.cutsts.test".into(),
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\n{POLICY}"
        ),
    );
}

fn mx_evidence(d: &smtptui::model::DnsReport) -> (DnsStatus, String) {
    let f = d
        .of(DnsCheck::Mx)
        .next()
        .unwrap_or_else(|| panic!("{}", dump(d)));
    (f.status, f.evidence.clone())
}

#[tokio::test]
async fn evidence_names_the_real_cause() {
    let w = world().await;
    let d = run(settings(&w, "loop.test")).await.dns.unwrap();
    let (st, ev) = mx_evidence(&d);
    assert_eq!(st, DnsStatus::Fail, "{ev}");
    assert!(
        ev.contains("CNAME loop: a.loop.test → b.loop.test → a.loop.test"),
        "{ev}"
    );

    let d = run(settings(&w, "cut.test")).await.dns.unwrap();
    let (st, ev) = mx_evidence(&d);
    assert_eq!(st, DnsStatus::Fail, "{ev}");
    assert!(
        ev.contains("CNAME chain of 8 hop(s) ends at c8.cut.test"),
        "{ev}"
    );

    let d = run(settings(&w, "malformed.test")).await.dns.unwrap();
    let (st, ev) = mx_evidence(&d);
    assert_eq!(st, DnsStatus::Fail, "{ev}");
    assert!(ev.contains("malformed answer"), "{ev}");

    let d = run(settings(&w, "alias.test")).await.dns.unwrap();
    let (st, ev) = mx_evidence(&d);
    assert_eq!(st, DnsStatus::Warn, "{ev}");
    assert!(ev.contains("mail.alias.test → CNAME mx1.good.test"), "{ev}");

    // 300 TLSA records: summarised, bounded.
    let d = run(settings(&w, "tlsa300.test")).await.dns.unwrap();
    let f = d.of(DnsCheck::Dane).next().unwrap();
    assert!(
        f.evidence.contains("and 297 more (300 TLSA records)"),
        "{}",
        f.evidence
    );
    assert!(f.evidence.len() < 1000, "{} bytes", f.evidence.len());
}

#[tokio::test]
async fn every_dns_wait_honours_the_timeout_and_binary_labels_are_input_errors() {
    let w = world().await;
    let lookup = HickoryLookup::new(Some(w.dns.addr), Duration::from_secs(1)).unwrap();
    let t = Instant::now();
    let err = lookup.lookup_txt("_dmarc.silent.test").await.unwrap_err();
    assert!(
        t.elapsed() < Duration::from_millis(1600),
        "{:?}",
        t.elapsed()
    );
    assert!(err.to_string().contains("timed out"), "{err}");

    let before = w.dns.queries.load(std::sync::atomic::Ordering::Relaxed);
    let r = run(settings(&w, "bin\u{0}ary.test")).await;
    let after = w.dns.queries.load(std::sync::atomic::Ordering::Relaxed);
    // The streamed run lines escape once: `\0`, never `\\0`.
    let lines: Vec<&str> = r.run_transcript.iter().map(|e| e.text.as_str()).collect();
    assert!(
        lines.iter().any(|l| l.contains("bin\\0ary.test")),
        "{lines:?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("\\\\0") || l.contains('\0')),
        "{lines:?}"
    );
    let d = r.dns.unwrap();
    let (st, ev) = mx_evidence(&d);
    assert_eq!(st, DnsStatus::Fail, "{ev}");
    assert!(
        ev.contains("not a valid DNS name") && ev.contains("no query was sent"),
        "{ev}"
    );
    assert!(!ev.contains("DNS server failure"), "{ev}");
    assert_eq!(before, after, "no query may be sent for a binary label");
}

#[tokio::test]
async fn huge_or_short_mta_sts_policies_are_never_trusted() {
    let w = world().await;
    let d = run(settings(&w, "hugests.test")).await.dns.unwrap();
    let f = d.of(DnsCheck::MtaSts).next().unwrap();
    assert_eq!(f.status, DnsStatus::Fail, "{}", f.evidence);
    assert!(
        f.evidence.contains("over the RFC 8461 limit"),
        "{}",
        f.evidence
    );
    assert!(!f.evidence.contains("mode enforce"), "{}", f.evidence);
    let d = run(settings(&w, "cutsts.test")).await.dns.unwrap();
    let f = d.of(DnsCheck::MtaSts).next().unwrap();
    assert_eq!(f.status, DnsStatus::Fail, "{}", f.evidence);
    assert!(f.evidence.contains("cut short"), "{}", f.evidence);
}
