//! Lab tests, continued: implicit TLS, certificate kinds, TLS versions, STARTTLS
//! abuse, hostile behaviour and the demo lab.

use super::*;

#[tokio::test]
async fn implicit_tls_greets_inside_tls() {
    let pki = Pki::new("Test CA").unwrap();
    let id = pki
        .issue(&["mail.lab.test", "127.0.0.1"], CertKind::Valid)
        .unwrap();
    let server = LabServer::start(Script::implicit(id)).await.unwrap();
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let tls = tls_handshake(&pki, tcp, "127.0.0.1").await.unwrap();
    let mut c = Client::new(tls);
    assert_eq!(c.reply().await, "220 mail.lab.test ESMTP lab");
    let ehlo = c.cmd("EHLO c").await;
    assert!(
        ehlo.contains("AUTH PLAIN") && !ehlo.contains("STARTTLS"),
        "{ehlo}"
    );
    assert!(server.log().iter().all(|l| l.tls));
    // A plaintext client gets no greeting.
    let mut raw = TcpStream::connect(server.addr).await.unwrap();
    raw.write_all(b"EHLO c\r\n").await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(T, raw.read(&mut buf))
        .await
        .unwrap()
        .unwrap_or(0);
    assert!(!buf[..n].starts_with(b"220"));
}

#[tokio::test]
async fn certificate_kinds_fail_verification_as_expected() {
    let pki = Pki::new("Test CA").unwrap();
    let cases = [
        (CertKind::Valid, "mail.lab.test", None),
        (CertKind::Expired, "mail.lab.test", Some("Expired")),
        (CertKind::NotYetValid, "mail.lab.test", Some("NotValidYet")),
        (CertKind::SelfSigned, "mail.lab.test", Some("UnknownIssuer")),
        (CertKind::UnknownCa, "mail.lab.test", Some("UnknownIssuer")),
        (CertKind::Valid, "other.lab.test", Some("NotValidForName")),
    ];
    for (kind, name, want) in cases {
        let id = pki.issue(&["mail.lab.test"], kind).unwrap();
        assert_eq!(id.chain_der[0], id.leaf_der);
        assert_eq!(
            id.chain_der.len(),
            if kind == CertKind::SelfSigned { 1 } else { 2 }
        );
        let server = LabServer::start(Script::implicit(id)).await.unwrap();
        let tcp = TcpStream::connect(server.addr).await.unwrap();
        let result = tls_handshake(&pki, tcp, name).await;
        match want {
            None => assert!(result.is_ok(), "{kind:?}: {:?}", result.err()),
            Some(w) => {
                let err = format!("{:?}", result.expect_err("should fail"));
                assert!(err.contains(w), "{kind:?}: {err}");
            }
        }
    }
}

#[tokio::test]
async fn leaf_options_give_any_common_name_and_padded_intermediates() {
    let pki = Pki::new("Test CA").unwrap();
    let cn = "mail.lab.test\u{1b}]0;x\u{7} \u{202e}txt";
    let options = LeafOptions {
        common_name: Some(cn),
        intermediates: 2,
        padding: 300,
    };
    let id = pki
        .issue_with(&["mail.lab.test"], CertKind::Valid, options)
        .unwrap();
    // Leaf, the two intermediates nearest first, the CA.
    assert_eq!(id.chain_der.len(), 4);
    assert_eq!(id.chain_der[0], id.leaf_der);
    assert_eq!(id.chain_der[3], pki.ca_der());
    assert!(id.chain_der[1..3].iter().all(|c| c.len() > 300));
    let (_, leaf) = x509_parser::parse_x509_certificate(&id.leaf_der).unwrap();
    let got = leaf.subject().iter_common_name().next().unwrap();
    assert_eq!(got.as_str().unwrap(), cn);
    let (_, nearest) = x509_parser::parse_x509_certificate(&id.chain_der[1]).unwrap();
    assert_eq!(leaf.issuer(), nearest.subject());
    // A client that trusts only the CA verifies the whole path.
    let server = LabServer::start(Script::implicit(id)).await.unwrap();
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let result = tls_handshake(&pki, tcp, "mail.lab.test").await;
    assert!(result.is_ok(), "{:?}", result.err());
    // Without intermediates, `issue_with` is `issue`: leaf and CA.
    let plain = pki
        .issue_with(&["mail.lab.test"], CertKind::Valid, LeafOptions::default())
        .unwrap();
    assert_eq!(plain.chain_der.len(), 2);
}

#[tokio::test]
async fn tls12_only_negotiates_tls12() {
    let pki = Pki::new("Test CA").unwrap();
    let id = pki.issue(&["mail.lab.test"], CertKind::Valid).unwrap();
    let server = LabServer::start(Script::implicit(id).with_tls_versions(TlsVersions::Tls12Only))
        .await
        .unwrap();
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let tls = tls_handshake(&pki, tcp, "mail.lab.test").await.unwrap();
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
}

#[tokio::test]
async fn starttls_can_be_rejected_masked_or_followed_by_garbage() {
    let pki = Pki::new("Test CA").unwrap();
    let id = pki.issue(&["mail.lab.test"], CertKind::Valid).unwrap();
    let rejected = Script::starttls(id.clone())
        .with_starttls_reply("454 4.7.0 TLS not available due to local problem");
    let server = LabServer::start(rejected).await.unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    assert!(c.cmd("EHLO c").await.contains("STARTTLS"));
    assert_eq!(
        c.cmd("STARTTLS").await,
        "454 4.7.0 TLS not available due to local problem"
    );
    assert!(c.cmd("NOOP").await.starts_with("250"), "still plaintext");

    let mut masked = Script::starttls(id.clone()).with_ehlo_override(&["PIPELINING", "XXXXXXXA"]);
    masked.offer_starttls = false;
    let server = LabServer::start(masked).await.unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    assert_eq!(
        c.cmd("EHLO c").await,
        "250-mail.lab.test\n250-PIPELINING\n250 XXXXXXXA"
    );
    assert!(c.cmd("STARTTLS").await.starts_with("502"));

    let mut garbage = Script::starttls(id);
    garbage.garbage_after_starttls = Some(b"250 injected\r\n".to_vec());
    let server = LabServer::start(garbage).await.unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    c.cmd("EHLO c").await;
    assert_eq!(c.cmd("STARTTLS").await, "220 2.0.0 Ready to start TLS");
    assert_eq!(c.r.buffer(), b"250 injected\r\n");
}

#[tokio::test]
async fn client_certificate_can_be_required() {
    let pki = Pki::new("Test CA").unwrap();
    let id = pki.issue(&["mail.lab.test"], CertKind::Valid).unwrap();
    let mut script = Script::implicit(id);
    script.client_cert = ClientCert::Required;
    let server = LabServer::start(script).await.unwrap();
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    // Without a client certificate the server aborts: either the handshake fails or
    // (TLS 1.3) the first read does.
    if let Ok(tls) = tls_handshake(&pki, tcp, "mail.lab.test").await {
        let mut tls = tls;
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(T, tls.read(&mut buf)).await.unwrap();
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    }
}

#[tokio::test]
async fn no_banner_keeps_the_socket_open() {
    let server = LabServer::start(Script::plain().with_banner(Banner::None))
        .await
        .unwrap();
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let mut buf = [0u8; 16];
    let waited = tokio::time::timeout(Duration::from_millis(300), tcp.read(&mut buf)).await;
    assert!(waited.is_err(), "nothing should arrive: {waited:?}");
    tcp.write_all(b"EHLO c\r\n").await.unwrap();
    let waited = tokio::time::timeout(Duration::from_millis(200), tcp.read(&mut buf)).await;
    assert!(waited.is_err(), "still silent and open: {waited:?}");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn delayed_and_custom_banners() {
    let server =
        LabServer::start(Script::plain().with_banner(Banner::Delay(Duration::from_millis(200))))
            .await
            .unwrap();
    let start = std::time::Instant::now();
    let mut c = connect(&server).await;
    assert!(c.reply().await.starts_with("220 "));
    assert!(start.elapsed() >= Duration::from_millis(190));

    let custom = Banner::Custom(b"554 5.3.2 No service for you\r\n".to_vec());
    let server = LabServer::start(Script::plain().with_banner(custom))
        .await
        .unwrap();
    let mut c = connect(&server).await;
    assert_eq!(c.reply().await, "554 5.3.2 No service for you");
    assert!(c.cmd("EHLO c").await.starts_with("503"));
    assert!(c.cmd("QUIT").await.starts_with("221"));

    let server = LabServer::start(Script::plain().with_banner(Banner::Slow { bytes_per_sec: 200 }))
        .await
        .unwrap();
    let start = std::time::Instant::now();
    let mut c = connect(&server).await;
    assert_eq!(c.reply().await, "220 mail.lab.test ESMTP lab");
    assert!(
        start.elapsed() >= Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn overrides_close_after_and_long_lines() {
    let script = Script::plain()
        .with_reply("MAIL", "451 4.7.1 Greylisted, try again later")
        .with_reply("ehlo", "250-mail.lab.test\r\n250 SIZE 1")
        .with_close_after("RCPT");
    let server = LabServer::start(script).await.unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    assert_eq!(c.cmd("EHLO c").await, "250-mail.lab.test\n250 SIZE 1");
    assert_eq!(
        c.cmd("MAIL FROM:<a@lab.test>").await,
        "451 4.7.1 Greylisted, try again later"
    );
    c.send("RCPT TO:<b@lab.test>").await;
    assert!(c.closed().await);

    let mut c = connect(&server).await;
    c.reply().await;
    c.send(&"A".repeat(5000)).await;
    assert_eq!(c.reply().await, "500 5.5.0 Error: line too long");
    assert!(c.closed().await);
}

#[tokio::test]
async fn hostile_banners_and_replies() {
    let server = LabServer::start(Script::plain().with_hostile(Hostile::EscapeBanner))
        .await
        .unwrap();
    let mut c = connect(&server).await;
    assert!(c.reply().await.contains('\x1b'));

    let server = LabServer::start(Script::plain().with_hostile(Hostile::InvalidUtf8Banner))
        .await
        .unwrap();
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let mut buf = vec![0u8; 256];
    let n = tokio::time::timeout(T, tcp.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(buf[..n].starts_with(b"220 ") && std::str::from_utf8(&buf[..n]).is_err());

    let server =
        LabServer::start(Script::plain().with_hostile(Hostile::ManyContinuationLines(1000)))
            .await
            .unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    let ehlo = c.cmd("EHLO c").await;
    assert_eq!(ehlo.lines().filter(|l| *l == "250-x").count(), 1000);

    let server = LabServer::start(Script::plain().with_hostile(Hostile::LfOnly))
        .await
        .unwrap();
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let n = tokio::time::timeout(T, tcp.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&buf[..n], b"220 mail.lab.test ESMTP lab\n");

    let server = LabServer::start(Script::plain().with_hostile(Hostile::CloseMidReply))
        .await
        .unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    c.send("EHLO c").await;
    let mut rest = Vec::new();
    tokio::time::timeout(T, c.r.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert!(
        rest.starts_with(b"250-mail.lab.test\r\n") && !rest.ends_with(b"\n"),
        "{rest:?}"
    );

    let server = LabServer::start(Script::plain().with_hostile(Hostile::UnsolicitedReplies))
        .await
        .unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    assert_eq!(c.reply().await, "250 2.0.0 Unsolicited reply");
}

#[tokio::test]
async fn endless_line_is_long_and_has_no_line_end() {
    let server = LabServer::start(Script::plain().with_hostile(Hostile::EndlessLine))
        .await
        .unwrap();
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let mut total = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    while total < 2 * 1024 * 1024 {
        let n = tokio::time::timeout(T, tcp.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0);
        assert!(!buf[..n].contains(&b'\n'));
        total += n;
    }
    drop(tcp);
}

#[tokio::test]
async fn closed_port_refuses_and_drop_stops_the_server() {
    let port = closed_port();
    let err = TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);

    let server = LabServer::start(Script::plain()).await.unwrap();
    let addr = server.addr;
    let mut c = connect(&server).await;
    c.reply().await;
    drop(server);
    assert!(c.closed().await, "open connections end with the server");
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused);
}

#[tokio::test]
async fn start_on_ipv6_loopback_when_available() {
    let addr: std::net::SocketAddr = "[::1]:0".parse().unwrap();
    if std::net::TcpListener::bind(addr).is_err() {
        return; // no IPv6 loopback in this environment
    }
    let server = LabServer::start_on(addr, Script::plain()).await.unwrap();
    assert!(server.addr.is_ipv6() && server.port() != 0);
    let mut c = connect(&server).await;
    assert!(c.reply().await.starts_with("220"));
}

#[tokio::test]
async fn tls_mode_without_identity_is_an_error() {
    let script = Script {
        tls: TlsMode::Starttls,
        ..Script::plain()
    };
    assert!(matches!(
        LabServer::start(script).await,
        Err(LabError::MissingIdentity)
    ));
    assert!(matches!(
        Pki::new("x").unwrap().issue(&[], CertKind::Valid),
        Err(LabError::NoNames)
    ));
}

#[tokio::test]
async fn demo_lab_starts_every_service() {
    let demo = DemoLab::start().await.unwrap();
    assert_eq!(demo.host, "mail.demo.test");
    assert!(
        demo.servers.len() < 10,
        "at most 10 endpoints with the closed port"
    );
    let settings = demo.settings();
    assert_eq!(settings.target, "mail.demo.test");
    assert_eq!(settings.ports.len(), demo.servers.len() + 1);
    let services = demo.services();
    assert_eq!(
        services.last().map(|s| s.expected),
        Some(smtptui_engine::model::Class::Refused)
    );
    assert!(services.iter().filter(|s| s.expected.is_ok()).count() >= 2);
    for ((svc, server), spec) in demo.servers.iter().zip(&settings.ports) {
        assert_eq!((svc.port, svc.mode), (spec.port, spec.mode));
        assert_eq!(server.port(), svc.port);
        TcpStream::connect(server.addr).await.unwrap();
    }
    let last = settings.ports.last().unwrap();
    assert_eq!(last.port, demo.closed);
    assert!(
        TcpStream::connect(("127.0.0.1", demo.closed))
            .await
            .is_err()
    );
    assert_eq!(
        settings.resolve,
        [("mail.demo.test".to_string(), "127.0.0.1".parse().unwrap())]
    );
    assert_eq!(
        settings.tls.ca_file.as_deref(),
        Some(demo.ca_pem_path.as_path())
    );
    let auth = settings.auth.as_ref().unwrap();
    assert_eq!(
        (auth.user.as_str(), auth.secret.expose()),
        ("demo", "demo-password")
    );
    assert!(settings.timeouts.banner <= Duration::from_secs(5));
    let pem = std::fs::read_to_string(&demo.ca_pem_path).unwrap();
    assert_eq!(pem, demo.pki().ca_pem());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&demo.ca_pem_path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The good service works end to end with the demo credentials.
    let (_, good) = &demo.servers[0];
    let mut c = connect(good).await;
    assert!(c.reply().await.starts_with("220 mail.demo.test"));
    c.cmd("EHLO c").await;
    c.cmd("STARTTLS").await;
    let tls = tls_handshake(demo.pki(), c.into_inner(), "mail.demo.test")
        .await
        .unwrap();
    let mut c = Client::new(tls);
    c.cmd("EHLO c").await;
    assert!(
        c.cmd(&format!(
            "AUTH PLAIN {}",
            plain_b64("demo", "demo-password")
        ))
        .await
        .starts_with("235")
    );
    let path = demo.ca_pem_path.clone();
    drop(demo);
    assert!(!path.exists(), "CA file removed on drop");
}

#[tokio::test]
async fn two_demo_labs_do_not_share_a_directory() {
    let a = DemoLab::start().await.unwrap();
    let b = DemoLab::start().await.unwrap();
    assert_ne!(a.ca_pem_path, b.ca_pem_path);
    let b_path = b.ca_pem_path.clone();
    drop(a);
    assert!(b_path.exists());
}
