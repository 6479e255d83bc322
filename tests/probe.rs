//! Integration tests of the probe engine against lab servers on real loopback TCP with
//! real TLS: one test per classification code that loopback can produce, the matrix's
//! concurrency, DNS through a test DNS server, and secrets that never leak.

mod support;

use std::time::{Duration, Instant};

use smtptui::model::{Mode, PortSpec};
use smtptui_lab::{Banner, CertKind, Hostile, Script, closed_port};
use support::*;

#[tokio::test]
async fn starttls_auth_ok_with_chain() {
    let pki = TestPki::new();
    let leaf = pki.leaf(CertKind::Valid);
    let srv = start(Script::starttls(leaf.clone()).with_user(USER, PASSWORD)).await;
    let r = probe(auth_settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
    let ep = &r.endpoints[0];
    let tls = ep.tls.as_ref().expect("tls info");
    assert!(tls.verified);
    assert!(tls.version.starts_with("TLSv1."), "{}", tls.version);
    assert!(!tls.cipher.is_empty());
    assert!(!tls.chain.is_empty());
    assert!(
        tls.chain[0].sans.iter().any(|s| s == HOST),
        "{:?}",
        tls.chain[0].sans
    );
    assert!(ep.banner.as_deref().unwrap_or("").starts_with("220"));
    assert!(ep.auth_mechanisms.iter().any(|m| m == "PLAIN"));
    assert!(ep.timings_ms.contains_key("tls_handshake"));
    assert!(srv.commands().iter().any(|c| c.starts_with("AUTH")));
    let json = smtptui::export::to_json(&r);
    assert_no_secret("json", &json, USER, PASSWORD);
}

#[tokio::test]
async fn implicit_tls_auth_ok_and_login_mech() {
    let pki = TestPki::new();
    let srv = start(Script::implicit(pki.leaf(CertKind::Valid)).with_user(USER, PASSWORD)).await;
    let mut s = auth_settings(&pki, srv.port(), Mode::Tls);
    s.auth.as_mut().unwrap().mech = Some(smtptui::settings::AuthMech::Login);
    let r = probe(s).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
    let text = smtptui::export::to_text(&r);
    assert!(
        text.contains("~>") && text.contains("<~"),
        "TLS markers missing:\n{text}"
    );
    assert_no_secret("text export", &text, USER, PASSWORD);
}

#[tokio::test]
async fn wrong_password_is_auth_failed() {
    let pki = TestPki::new();
    let srv = start(pki.starttls()).await;
    let r = probe(with_auth(
        settings(&pki, srv.port(), Mode::Starttls),
        USER,
        "wrong-password",
    ))
    .await;
    assert_eq!(class(&r), "auth_failed", "{r:#?}");
    assert!(
        r.endpoints[0].evidence.contains("535"),
        "{}",
        r.endpoints[0].evidence
    );
}

#[tokio::test]
async fn echoed_credentials_never_leak() {
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(CertKind::Valid)).with_user(USER, "other");
    script.echo_credentials_in_failure = true;
    for mech in ["PLAIN", "LOGIN", "CRAM-MD5"] {
        let srv = start(script.clone()).await;
        let mut s = auth_settings(&pki, srv.port(), Mode::Starttls);
        s.auth.as_mut().unwrap().mech = smtptui::settings::AuthMech::parse(mech);
        let r = probe(s).await;
        assert_eq!(class(&r), "auth_failed", "{mech}: {r:#?}");
        // The server really echoed something back (the test can fail).
        assert!(
            srv.commands().iter().any(|c| c.starts_with("AUTH")),
            "{mech}"
        );
        let json = smtptui::export::to_json(&r);
        let text = smtptui::export::to_text(&r);
        assert_no_secret(&format!("{mech} json"), &json, USER, PASSWORD);
        assert_no_secret(&format!("{mech} text"), &text, USER, PASSWORD);
    }
}

#[tokio::test]
async fn connect_failures() {
    let pki = TestPki::new();
    let r = probe(settings(&pki, closed_port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "refused");
    let hole = blackhole().await;
    let mut s = settings(&pki, hole.port, Mode::Starttls);
    s.timeouts.connect = Duration::from_millis(700);
    let t = Instant::now();
    let r = probe(s).await;
    assert_eq!(class(&r), "timeout", "{r:#?}");
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn banner_problems() {
    let pki = TestPki::new();
    let srv = start(Script::plain().with_banner(Banner::None)).await;
    let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "banner_timeout", "{r:#?}");

    let srv = start(
        Script::plain().with_banner(Banner::Custom(b"554 5.7.1 Your IP is listed\r\n".to_vec())),
    )
    .await;
    let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "service_unavailable", "{r:#?}");

    let srv = start(Script::plain().with_banner(Banner::Custom(
        b"421 4.7.0 Too many connections from your host\r\n".to_vec(),
    )))
    .await;
    let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "rate_limited", "{r:#?}");

    let srv = start(Script::plain().with_close_after("EHLO")).await;
    let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "connection_reset", "{r:#?}");
}

#[tokio::test]
async fn wrong_tls_mode_is_detected() {
    let pki = TestPki::new();
    let srv = start(Script::implicit(pki.leaf(CertKind::Valid))).await;
    let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "implicit_tls_expected", "{r:#?}");

    let srv = start(Script::starttls(pki.leaf(CertKind::Valid))).await;
    let r = probe(settings(&pki, srv.port(), Mode::Tls)).await;
    assert_eq!(class(&r), "starttls_expected", "{r:#?}");
    assert!(
        r.endpoints[0].evidence.contains("220"),
        "{}",
        r.endpoints[0].evidence
    );
}

#[tokio::test]
async fn starttls_problems() {
    let pki = TestPki::new();
    let srv = start(Script::plain()).await;
    let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "starttls_not_offered", "{r:#?}");

    let srv = start(
        Script::starttls(pki.leaf(CertKind::Valid))
            .with_starttls_reply("454 4.7.0 TLS not available due to local problem"),
    )
    .await;
    let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "starttls_rejected", "{r:#?}");

    let srv = start(
        Script::starttls(pki.leaf(CertKind::Valid)).with_ehlo_override(&[
            "PIPELINING",
            "XXXXXXXA",
            "8BITMIME",
        ]),
    )
    .await;
    let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "starttls_stripped", "{r:#?}");

    let mut script = Script::starttls(pki.leaf(CertKind::Valid));
    script.garbage_after_starttls = Some(b"250 injected\r\n".to_vec());
    let srv = start(script).await;
    let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "protocol_violation", "{r:#?}");

    // auto mode: STARTTLS offered → used; not offered → plaintext ok.
    let srv = start(Script::starttls(pki.leaf(CertKind::Valid))).await;
    let r = probe(settings(&pki, srv.port(), Mode::Auto)).await;
    assert_eq!(class(&r), "ok");
    assert!(r.endpoints[0].tls.is_some());
    let srv = start(Script::plain()).await;
    let r = probe(settings(&pki, srv.port(), Mode::Auto)).await;
    assert_eq!(class(&r), "ok");
    assert!(r.endpoints[0].tls.is_none());
}

#[tokio::test]
async fn tls_handshake_failure() {
    let pki = TestPki::new();
    let (addr, _h) = alert_server().await;
    let r = probe(settings(&pki, addr.port(), Mode::Tls)).await;
    assert_eq!(class(&r), "tls_handshake_failed", "{r:#?}");
}

#[tokio::test]
async fn certificate_problems_are_classified_with_chain() {
    let pki = TestPki::new();
    let cases = [
        (pki.leaf(CertKind::Expired), "cert_expired"),
        (pki.leaf(CertKind::NotYetValid), "cert_not_yet_valid"),
        (pki.leaf(CertKind::SelfSigned), "cert_self_signed"),
        (pki.leaf(CertKind::UnknownCa), "cert_untrusted"),
        (
            pki.leaf_for("other.lab.test", CertKind::Valid),
            "cert_hostname_mismatch",
        ),
    ];
    for (leaf, want) in cases {
        let srv = start(Script::starttls(leaf).with_user(USER, PASSWORD)).await;
        let r = probe(auth_settings(&pki, srv.port(), Mode::Starttls)).await;
        assert_eq!(class(&r), want, "{r:#?}");
        let tls = r.endpoints[0].tls.as_ref().expect("chain captured");
        assert!(!tls.verified && !tls.chain.is_empty());
        // Credentials are never sent over an unverified session.
        assert!(
            !srv.commands().iter().any(|c| c.starts_with("AUTH")),
            "{want}: AUTH was sent"
        );
    }
}

#[tokio::test]
async fn insecure_goes_on_but_is_never_ok() {
    let pki = TestPki::new();
    let srv = start(Script::starttls(pki.leaf(CertKind::Expired)).with_user(USER, PASSWORD)).await;
    let mut s = auth_settings(&pki, srv.port(), Mode::Starttls);
    s.tls.insecure = true;
    let r = probe(s).await;
    assert_eq!(class(&r), "cert_expired");
    assert!(srv.commands().iter().any(|c| c.starts_with("AUTH")));
}

#[tokio::test]
async fn auth_problems() {
    let pki = TestPki::new();
    let leaf = pki.leaf(CertKind::Valid);
    let mk = |script: Script| script.with_user(USER, PASSWORD);
    let cases: Vec<(Script, &str)> = vec![
        (mk(Script::starttls(leaf.clone()).with_auth_mechs(&[])), "auth_not_offered"),
        (mk(Script::starttls(leaf.clone()).with_reply("AUTH", "534-5.7.9 Application-specific password required. Learn more at\r\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor")), "auth_app_password_required"),
        (mk(Script::starttls(leaf.clone()).with_reply("AUTH", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.")), "auth_disabled_by_policy"),
        (mk(Script::starttls(leaf.clone()).with_reply("AUTH", "454 4.7.0 Too many login attempts, rate limit exceeded")), "rate_limited"),
    ];
    for (script, want) in cases {
        let srv = start(script).await;
        let r = probe(auth_settings(&pki, srv.port(), Mode::Starttls)).await;
        assert_eq!(class(&r), want, "{r:#?}");
    }
    // Plain mode: smtptui refuses to send the password without TLS.
    let srv = start(mk(Script::plain())).await;
    let r = probe(auth_settings(&pki, srv.port(), Mode::Plain)).await;
    assert_eq!(class(&r), "auth_requires_tls", "{r:#?}");
    assert!(!srv.commands().iter().any(|c| c.starts_with("AUTH")));
}

#[tokio::test]
async fn envelope_policies() {
    let pki = TestPki::new();
    let leaf = pki.leaf(CertKind::Valid);
    let envelope = |mut s: smtptui::settings::Settings| {
        s.from = Some("alice@lab.test".into());
        s.to = vec!["someone@example.org".into()];
        s
    };
    let srv = start(Script::starttls(leaf.clone())).await;
    let r = probe(envelope(settings(&pki, srv.port(), Mode::Starttls))).await;
    assert_eq!(class(&r), "relay_denied", "{r:#?}");

    let cases = [
        (
            "MAIL",
            "550 5.7.1 Sender address rejected: not owned by user",
            "sender_rejected",
        ),
        (
            "RCPT",
            "450 4.2.0 <someone@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/",
            "greylisted",
        ),
        (
            "MAIL",
            "421 4.7.0 Too many connections, rate limit exceeded",
            "rate_limited",
        ),
    ];
    for (verb, reply, want) in cases {
        let srv = start(Script::starttls(leaf.clone()).with_reply(verb, reply)).await;
        let r = probe(envelope(settings(&pki, srv.port(), Mode::Starttls))).await;
        assert_eq!(class(&r), want, "{r:#?}");
    }

    // With AUTH, relaying works, and --send delivers a message.
    let srv = start(Script::starttls(leaf).with_user(USER, PASSWORD)).await;
    let mut s = envelope(auth_settings(&pki, srv.port(), Mode::Starttls));
    s.opt_in.send = true;
    let r = probe(s).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
    assert_eq!(srv.messages().len(), 1);
    assert!(srv.commands().iter().any(|c| c == "QUIT"));
}

#[tokio::test]
async fn hostile_servers_are_bounded() {
    let pki = TestPki::new();
    let cases = [
        (Hostile::EndlessLine, "protocol_violation"),
        (
            Hostile::ManyContinuationLines(100_000),
            "protocol_violation",
        ),
        (Hostile::CloseMidReply, "connection_reset"),
    ];
    for (h, want) in cases {
        let srv = start(Script::starttls(pki.leaf(CertKind::Valid)).with_hostile(h)).await;
        let t = Instant::now();
        let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
        assert_eq!(class(&r), want, "{h:?}: {r:#?}");
        assert!(
            t.elapsed() < Duration::from_secs(9),
            "{h:?} took {:?}",
            t.elapsed()
        );
    }
    for h in [
        Hostile::EscapeBanner,
        Hostile::InvalidUtf8Banner,
        Hostile::LfOnly,
    ] {
        let srv = start(Script::starttls(pki.leaf(CertKind::Valid)).with_hostile(h)).await;
        let r = probe(settings(&pki, srv.port(), Mode::Starttls)).await;
        let json = smtptui::export::to_json(&r);
        let text = smtptui::export::to_text(&r);
        for out in [&json, &text] {
            assert!(
                !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'),
                "{h:?}: raw control in output"
            );
        }
        let banner = r.endpoints[0].banner.clone().unwrap_or_default();
        assert!(banner.starts_with("220"), "{h:?}: {banner}");
        if h == Hostile::EscapeBanner {
            assert!(banner.contains("\\x1b"), "{banner}");
        }
    }
}

#[tokio::test]
async fn matrix_runs_concurrently() {
    let pki = TestPki::new();
    let delay = Duration::from_millis(250);
    let mut servers = Vec::new();
    for _ in 0..4 {
        servers
            .push(start(Script::starttls(pki.leaf(CertKind::Valid)).with_reply_delay(delay)).await);
    }
    let mut s = settings(&pki, 0, Mode::Starttls);
    s.ports = servers
        .iter()
        .map(|srv| PortSpec {
            port: srv.port(),
            mode: Mode::Starttls,
        })
        .collect();
    let t = Instant::now();
    let r = probe(s.clone()).await;
    let concurrent = t.elapsed();
    assert!(r.endpoints.iter().all(|e| e.class.is_ok()), "{r:#?}");
    s.concurrency = 1;
    let t = Instant::now();
    let _ = probe(s).await;
    let sequential = t.elapsed();
    assert!(
        concurrent.as_secs_f64() < sequential.as_secs_f64() * 0.5,
        "concurrent {concurrent:?} vs sequential {sequential:?}"
    );
}

#[tokio::test]
async fn dns_through_a_test_server() {
    let pki = TestPki::new();
    let srv = start(Script::starttls(pki.leaf(CertKind::Valid))).await;
    let mut zone = dns::Zone::default();
    zone.records
        .insert(HOST.into(), vec!["127.0.0.1".parse().unwrap()]);
    zone.records
        .insert("v6only.lab.test".into(), vec!["::1".parse().unwrap()]);
    zone.servfail.push("broken.lab.test".into());
    let dns = dns::TestDns::start(zone).await;
    let mut s = settings(&pki, srv.port(), Mode::Starttls);
    s.resolve.clear();
    s.dns_server = Some(dns.addr);
    let r = probe(s.clone()).await;
    assert_eq!(class(&r), "ok", "{r:#?}");

    for (name, fam) in [
        ("nowhere.lab.test", smtptui::settings::FamilyFilter::Any),
        ("broken.lab.test", smtptui::settings::FamilyFilter::Any),
        ("v6only.lab.test", smtptui::settings::FamilyFilter::V4),
    ] {
        let mut s2 = s.clone();
        s2.target = name.into();
        s2.family = fam;
        let r = probe(s2).await;
        assert!(r.endpoints.is_empty(), "{name}");
        assert_eq!(r.findings[0].code, "dns_failure", "{name}: {r:#?}");
        assert!(!r.any_ok());
    }
}
