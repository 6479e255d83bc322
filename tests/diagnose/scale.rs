//! Scale: a domain with 500 MX hosts (none answering on the MX port: checked loopback
//! addresses where nothing listens, so every connect is refused) through the test DNS
//! server. The run's DNS query count (< 13 per MX host) and time must stay bounded;
//! the test prints
//! both (BENCHMARKS.md quotes this output:
//! `cargo test --test diagnose scale -- --nocapture`).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use smtptui::model::{DnsCheck, DnsStatus};

use super::support::dns::{TestDns, Zone};
use super::support::loopback_addrs;
use super::support::signed_dns::Signing;
use super::{dump, run, settings, world};

/// MX hosts in the big domain.
pub(crate) const HOSTS: usize = 500;

fn big_zone(addrs: &[std::net::Ipv4Addr]) -> Zone {
    let mut z = Zone::default();
    for (i, addr) in addrs.iter().enumerate() {
        let host = format!("mx{i}.big.test");
        z.mx("big.test", 10 + i as u16, &host)
            .a(&host, &addr.to_string());
    }
    z.txt("big.test", "v=spf1 mx -all").txt(
        "_dmarc.big.test",
        "v=DMARC1; p=reject; rua=mailto:d@big.test",
    );
    z
}

#[tokio::test]
async fn five_hundred_mx_hosts_stay_within_the_query_budget() {
    let w = world().await;
    // Signed (big.test inside the signed `test.`): every TLSA answer is validated.
    let mut zone = big_zone(&loopback_addrs(HOSTS).await);
    let signing = Signing::new(&["big.test"], &[]);
    let mut anchor = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut anchor, signing.anchor().as_bytes()).unwrap();
    zone.signing = Some(std::sync::Arc::new(signing));
    let dns = TestDns::start(zone).await;
    let mut s = settings(&w, "big.test");
    s.dns_server = Some(dns.addr);
    s.dnssec_anchor = Some(anchor.path().to_path_buf());
    s.timeouts = smtptui::settings::Timeouts::uniform(Duration::from_secs(2));
    let started = Instant::now();
    let r = run(s).await;
    let elapsed = started.elapsed();
    let queries = dns.queries.load(Ordering::Relaxed);
    let d = r.dns.unwrap();
    println!(
        "BENCH 500-MX domain: {queries} DNS queries, {:.2} s for the whole run ({} endpoints, {} findings)",
        elapsed.as_secs_f64(),
        r.endpoints.len(),
        d.findings.len()
    );
    assert_eq!(r.endpoints.len(), HOSTS);
    assert_eq!(d.worst(DnsCheck::Mx), Some(DnsStatus::Fail), "{}", dump(&d));
    // 12.1 per host measured; without the validator's caching forwarder it was 14.4
    // (the chain's DNSKEY and DS asked again for every host).
    assert!(queries < 13 * HOSTS, "{queries} queries");
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
}
