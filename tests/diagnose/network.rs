//! One network stack in MX mode: DANE matches the chain the probe saw (no second
//! connection to any MX; a plain statement when the probe saw no chain), and the
//! MTA-STS policy fetch is opened the probe's way: through `--proxy` (socks5 and
//! socks5h) and from `--bind`.

use smtptui::model::{DnsCheck, DnsFinding, DnsReport, DnsStatus};
use smtptui::settings::ProxySettings;

use super::support::dns::Zone;
use super::support::socks::{SocksConfig, SocksProxy};
use super::{MxAddrs, World, dump, run, settings, world};

/// The zones of this file (added to the shared world).
pub(crate) fn zones(z: &mut Zone, ips: &MxAddrs) {
    // nochain.test: a TLSA record, and nothing listens on its MX (the dead address).
    z.mx("nochain.test", 10, "mx1.nochain.test")
        .a("mx1.nochain.test", &ips.dead)
        .tlsa(
            "_25._tcp.mx1.nochain.test",
            (3, 1, 1, vec![0xcd; 32]),
            false,
        );
}

fn proxy(p: &SocksProxy, remote_dns: bool) -> ProxySettings {
    ProxySettings {
        host: "127.0.0.1".into(),
        port: p.addr.port(),
        remote_dns,
        user: None,
        password: None,
    }
}

fn one(d: &DnsReport, check: DnsCheck) -> DnsFinding {
    d.of(check)
        .next()
        .unwrap_or_else(|| panic!("no {check:?}\n{}", dump(d)))
        .clone()
}

fn sts_target(w: &World) -> String {
    format!("127.0.0.1:{}", w.sts_port)
}

#[tokio::test]
async fn dane_matches_the_chain_the_probe_saw() {
    let w = world().await;
    let d = run(settings(&w, "good.test")).await.dns.unwrap();
    let dane: Vec<_> = d.of(DnsCheck::Dane).collect();
    assert_eq!(dane.len(), 2, "{}", dump(&d));
    assert!(
        dane.iter().all(|f| f.status == DnsStatus::Pass),
        "{}",
        dump(&d)
    );
    // One connection to each MX: the probe's. DANE opened none of its own.
    for (ip, srv) in [&w.ips.good1, &w.ips.good2].iter().zip(&w.servers) {
        assert_eq!(srv.connections(), 1, "connections to {ip}");
    }
    // Nothing listens on the MX, so the probe saw no chain: said so, no retry.
    let d = run(settings(&w, "nochain.test")).await.dns.unwrap();
    let f = one(&d, DnsCheck::Dane);
    assert_eq!(f.status, DnsStatus::Fail, "{}", f.evidence);
    assert!(
        f.evidence.contains(&format!(
            "no chain to compare: the probe saw no certificate chain ({}: refused: ",
            w.ips.dead
        )),
        "{}",
        f.evidence
    );
}

#[tokio::test]
async fn the_mta_sts_fetch_goes_through_the_proxy() {
    let w = world().await;
    let open = SocksProxy::start(SocksConfig::default()).await;
    let mut s = settings(&w, "good.test");
    s.proxy = Some(proxy(&open, false));
    let d = run(s).await.dns.unwrap();
    assert_eq!(
        d.worst(DnsCheck::MtaSts),
        Some(DnsStatus::Pass),
        "{}",
        dump(&d)
    );
    assert_eq!(
        d.worst(DnsCheck::Dane),
        Some(DnsStatus::Pass),
        "{}",
        dump(&d)
    );
    let asked = open.targets();
    assert!(asked.contains(&sts_target(&w)), "{asked:?}");
    assert!(
        asked.contains(&format!("{}:{}", w.ips.good1, w.mx_port)),
        "the MX probe went through it too: {asked:?}"
    );

    // A proxy that refuses every CONNECT: the fetch fails with the proxy's words, and
    // never went around it.
    let deny = SocksProxy::start(SocksConfig {
        deny_all: true,
        ..Default::default()
    })
    .await;
    let mut s = settings(&w, "good.test");
    s.proxy = Some(proxy(&deny, false));
    let d = run(s).await.dns.unwrap();
    let f = one(&d, DnsCheck::MtaSts);
    assert_eq!(f.status, DnsStatus::Fail, "{}", f.evidence);
    assert!(
        f.evidence.contains("SOCKS5 proxy refused CONNECT")
            && f.evidence.contains("not allowed by ruleset"),
        "{}",
        f.evidence
    );
    assert!(
        deny.targets().contains(&sts_target(&w)),
        "{:?}",
        deny.targets()
    );

    // socks5h: the proxy resolves mta-sts.good.test (no local answer exists for it).
    let named = SocksProxy::start(SocksConfig {
        names: vec![("mta-sts.good.test".into(), "127.0.0.1".parse().unwrap())],
        ..Default::default()
    })
    .await;
    let mut s = settings(&w, "good.test");
    s.resolve.retain(|(name, _)| name != "mta-sts.good.test");
    s.proxy = Some(proxy(&named, true));
    let d = run(s).await.dns.unwrap();
    assert_eq!(
        d.worst(DnsCheck::MtaSts),
        Some(DnsStatus::Pass),
        "{}",
        dump(&d)
    );
    let asked = named.targets();
    assert!(
        asked.contains(&format!("mta-sts.good.test:{}", w.sts_port)),
        "{asked:?}"
    );
}

#[tokio::test]
async fn the_mta_sts_fetch_binds_like_the_probe() {
    let w = world().await;
    let mut s = settings(&w, "good.test");
    s.bind = Some(w.ips.dead.parse().unwrap());
    let d = run(s).await.dns.unwrap();
    assert_eq!(
        d.worst(DnsCheck::MtaSts),
        Some(DnsStatus::Pass),
        "{}",
        dump(&d)
    );
    // An IPv6 source for an IPv4 policy host: the fetch fails as the probe would.
    let mut s = settings(&w, "good.test");
    s.bind = Some("::1".parse().unwrap());
    let d = run(s).await.dns.unwrap();
    let f = one(&d, DnsCheck::MtaSts);
    assert_eq!(f.status, DnsStatus::Fail, "{}", f.evidence);
    assert!(
        f.evidence
            .contains("--bind ::1 is not of the same address family as 127.0.0.1:"),
        "{}",
        f.evidence
    );
}
