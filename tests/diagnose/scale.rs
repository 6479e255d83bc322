//! Scale: a domain with 500 MX hosts (none answering on the MX port: checked loopback
//! addresses where nothing listens, so every connect is refused) through the test DNS
//! server. The run's DNS query count (< 13 per MX host) and time must stay bounded.
//! The test prints both, and the bounds, as `BENCH` lines: `bench/run.sh` runs
//! `cargo test --test diagnose scale -- --nocapture`, keeps those lines in
//! `target/bench-out/dns_scale.txt`, and `examples/bench/dns_scale.rs` turns them into
//! the "DNS report" section of BENCHMARKS.md (change both together).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use smtptui::model::{DnsCheck, DnsStatus};

use super::support::dns::{TestDns, Zone};
use super::support::loopback_addrs;
use super::support::signed_dns::Signing;
use super::{dump, run, settings, world};

/// MX hosts in the big domain.
pub(crate) const HOSTS: usize = 500;
/// Fewer DNS queries than this per MX host.
const QUERIES_PER_HOST: usize = 13;
/// The whole run takes less than this.
const MAX_RUN: Duration = Duration::from_secs(60);

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
        "BENCH {HOSTS}-MX domain: {queries} DNS queries, {:.2} s for the whole run ({} endpoints, {} findings)",
        elapsed.as_secs_f64(),
        r.endpoints.len(),
        d.findings.len()
    );
    println!(
        "BENCH {HOSTS}-MX bounds: < {} DNS queries ({QUERIES_PER_HOST} per MX host), < {} s, lookup budget {} (a TLSA lookup counts {})",
        QUERIES_PER_HOST * HOSTS,
        MAX_RUN.as_secs(),
        smtptui::dns::LOOKUP_BUDGET,
        smtptui::dns::TLSA_COST,
    );
    assert_eq!(r.endpoints.len(), HOSTS);
    assert_eq!(d.worst(DnsCheck::Mx), Some(DnsStatus::Fail), "{}", dump(&d));
    // 12.1 per host measured; without the validator's caching forwarder it was 14.4
    // (the chain's DNSKEY and DS asked again for every host).
    assert!(queries < QUERIES_PER_HOST * HOSTS, "{queries} queries");
    assert!(elapsed < MAX_RUN, "{elapsed:?}");
}
