//! Reach: a real SOCKS5 proxy on loopback (with and without auth, and one that refuses),
//! socks5h name resolution at the proxy, `--bind`, and mutual TLS with a server that
//! demands a client certificate.

mod support;

use std::sync::atomic::Ordering;

use smtptui::model::{Mode, Secret};
use smtptui::settings::ProxySettings;
use smtptui_lab::{CertKind, ClientCert, Script};
use support::socks::{SocksConfig, SocksProxy};
use support::*;

fn proxy(p: &SocksProxy, remote_dns: bool, user: Option<(&str, &str)>) -> ProxySettings {
    ProxySettings {
        host: "127.0.0.1".into(),
        port: p.addr.port(),
        remote_dns,
        user: user.map(|(u, _)| u.to_string()),
        password: user.map(|(_, pw)| Secret::new(pw)),
    }
}

#[tokio::test]
async fn socks5_gives_the_same_verdict_as_direct() {
    let pki = TestPki::new();
    let srv = start(pki.starttls()).await;
    let base = auth_settings(&pki, srv.port(), Mode::Starttls);
    let direct = probe(base.clone()).await;
    assert_eq!(class(&direct), "ok");

    let open = SocksProxy::start(SocksConfig::default()).await;
    let mut s = base.clone();
    s.proxy = Some(proxy(&open, false, None));
    let r = probe(s).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
    assert_eq!(open.connects.load(Ordering::SeqCst), 1);
    let text = smtptui::export::to_text(&r);
    assert!(
        text.contains("SOCKS5 proxy"),
        "the transcript shows the proxy hop:\n{text}"
    );

    let authed = SocksProxy::start(SocksConfig {
        credentials: Some(("pu".into(), "proxy-pw-123".into())),
        ..Default::default()
    })
    .await;
    let mut s = base.clone();
    s.proxy = Some(proxy(&authed, false, Some(("pu", "proxy-pw-123"))));
    let r = probe(s).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
    assert!(!smtptui::export::to_json(&r).contains("proxy-pw-123"));

    // Wrong proxy password, no credentials at all, and a deny rule: proxy_failed.
    for (cfg, user) in [
        (
            SocksConfig {
                credentials: Some(("pu".into(), "proxy-pw-123".into())),
                ..Default::default()
            },
            Some(("pu", "wrong")),
        ),
        (
            SocksConfig {
                credentials: Some(("pu".into(), "proxy-pw-123".into())),
                ..Default::default()
            },
            None,
        ),
        (
            SocksConfig {
                deny_all: true,
                ..Default::default()
            },
            None,
        ),
    ] {
        let p = SocksProxy::start(cfg).await;
        let mut s = base.clone();
        s.proxy = Some(proxy(&p, false, user));
        let r = probe(s).await;
        assert_eq!(class(&r), "proxy_failed", "{r:#?}");
    }

    // A proxy that is not there: proxy_failed, not refused.
    let mut s = base.clone();
    s.proxy = Some(ProxySettings {
        host: "127.0.0.1".into(),
        port: smtptui_lab::closed_port(),
        remote_dns: false,
        user: None,
        password: None,
    });
    assert_eq!(class(&probe(s).await), "proxy_failed");
    // The destination refuses behind the proxy: that is the target's answer.
    let mut s = settings(&pki, smtptui_lab::closed_port(), Mode::Starttls);
    s.proxy = Some(proxy(&open, false, None));
    assert_eq!(class(&probe(s).await), "refused");
}

#[tokio::test]
async fn socks5h_resolves_at_the_proxy() {
    let pki = TestPki::new();
    let srv = start(Script::starttls(pki.leaf(CertKind::Valid))).await;
    let p = SocksProxy::start(SocksConfig {
        names: vec![(HOST.into(), "127.0.0.1".parse().unwrap())],
        ..Default::default()
    })
    .await;
    let mut s = settings(&pki, srv.port(), Mode::Starttls);
    s.resolve.clear(); // no local DNS answer exists: the proxy must resolve it
    s.dns_server = Some("127.0.0.1:9".parse().unwrap());
    s.proxy = Some(proxy(&p, true, None));
    let r = probe(s).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
}

#[tokio::test]
async fn bind_sets_the_local_address() {
    let pki = TestPki::new();
    let srv = start(Script::starttls(pki.leaf(CertKind::Valid))).await;
    // A loopback address of its own, high in 127/8 and checked to answer here.
    let local = loopback_addrs(1).await[0];
    let mut s = settings(&pki, srv.port(), Mode::Starttls);
    s.bind = Some(local.into());
    let r = probe(s).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
    assert!(
        r.endpoints[0]
            .local_addr
            .as_deref()
            .unwrap()
            .starts_with(&format!("{local}:")),
        "{:?}",
        r.endpoints[0].local_addr
    );
}

#[tokio::test]
async fn client_certificates() {
    let pki = TestPki::new();
    let mut script = Script::implicit(pki.leaf(CertKind::Valid));
    script.client_cert = ClientCert::Required;
    let srv = start(script.clone()).await;
    // Without a certificate: client_cert_rejected.
    let r = probe(settings(&pki, srv.port(), Mode::Tls)).await;
    assert_eq!(class(&r), "client_cert_rejected", "{r:#?}");
    // With one issued by the CA the server trusts: ok, and the inspector knows it was asked.
    let client = pki.leaf_for("client.lab.test", CertKind::Valid);
    let cert = pki.dir.path().join("client.pem");
    let key = pki.dir.path().join("client.key");
    std::fs::write(&cert, pem("CERTIFICATE", &client.chain_der)).unwrap();
    std::fs::write(
        &key,
        pem("PRIVATE KEY", std::slice::from_ref(&client.key_der)),
    )
    .unwrap();
    let mut s = settings(&pki, srv.port(), Mode::Tls);
    s.tls.client_cert = Some(cert);
    s.tls.client_key = Some(key);
    let r = probe(s).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
    let tls = r.endpoints[0].tls.as_ref().unwrap();
    assert!(tls.client_cert_requested && tls.client_cert_sent);
    assert!(
        tls.client_cert_cas
            .iter()
            .any(|n| n.contains("smtptui test CA")),
        "{:?}",
        tls.client_cert_cas
    );
    // STARTTLS path too.
    let mut script = Script::starttls(pki.leaf(CertKind::Valid));
    script.client_cert = ClientCert::Required;
    let srv = start(script).await;
    let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "client_cert_rejected", "{r:#?}");
}

#[tokio::test]
async fn interface_binding() {
    let pki = TestPki::new();
    let srv = start(Script::starttls(pki.leaf(CertKind::Valid))).await;
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
    let mut s = settings(&pki, srv.port(), Mode::Starttls);
    s.interface = Some("lo".into());
    let r = probe(s.clone()).await;
    if root {
        assert_eq!(class(&r), "ok", "{r:#?}");
    } else {
        eprintln!("not root: SO_BINDTODEVICE needs CAP_NET_RAW; checking the error is classified");
        assert!(!r.endpoints[0].class.is_ok());
    }
    // A device that does not exist is a classified connect failure, not a panic.
    s.interface = Some("nosuchdev0".into());
    let r = probe(s).await;
    assert!(!r.endpoints[0].class.is_ok(), "{r:#?}");
    assert!(
        r.endpoints[0].evidence.contains("No such device") || !root,
        "{}",
        r.endpoints[0].evidence
    );
}
