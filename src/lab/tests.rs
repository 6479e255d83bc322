//! Tests of the lab over real loopback TCP and real TLS: a plain tokio client and a
//! tokio-rustls client that trusts the lab CA.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::Mac as _;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::*;

const T: Duration = Duration::from_secs(5);

/// A minimal SMTP client for the tests.
struct Client<S> {
    r: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    fn new(s: S) -> Self {
        Self {
            r: BufReader::new(s),
        }
    }

    /// Reads one (possibly multi-line) reply, lines joined with `\n`.
    async fn reply(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut buf = Vec::new();
            let n = tokio::time::timeout(T, self.r.read_until(b'\n', &mut buf))
                .await
                .expect("reply timed out")
                .expect("read failed");
            assert!(n > 0, "connection closed after {lines:?}");
            let line = String::from_utf8_lossy(&buf)
                .trim_end_matches(['\r', '\n'])
                .to_string();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines.join("\n");
            }
        }
    }

    async fn send(&mut self, line: &str) {
        let s = self.r.get_mut();
        s.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
        s.flush().await.unwrap();
    }

    async fn cmd(&mut self, line: &str) -> String {
        self.send(line).await;
        self.reply().await
    }

    /// Whether the server closed the connection (EOF or reset) within the timeout.
    async fn closed(&mut self) -> bool {
        let mut buf = [0u8; 64];
        matches!(
            tokio::time::timeout(T, self.r.read(&mut buf)).await,
            Ok(Ok(0) | Err(_))
        )
    }

    fn into_inner(self) -> S {
        assert!(self.r.buffer().is_empty(), "unexpected bytes before TLS");
        self.r.into_inner()
    }
}

async fn connect(server: &LabServer) -> Client<TcpStream> {
    Client::new(TcpStream::connect(server.addr).await.unwrap())
}

fn connector(pki: &Pki) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(pki.ca_der())).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn tls_handshake(
    pki: &Pki,
    tcp: TcpStream,
    name: &str,
) -> Result<TlsStream<TcpStream>, std::io::Error> {
    let name = ServerName::try_from(name.to_string()).unwrap();
    tokio::time::timeout(T, connector(pki).connect(name, tcp))
        .await
        .expect("handshake timed out")
}

fn plain_b64(user: &str, password: &str) -> String {
    B64.encode(format!("\0{user}\0{password}"))
}

#[tokio::test]
async fn plain_banner_ehlo_and_quit() {
    let server = LabServer::start(Script::plain()).await.unwrap();
    let mut c = connect(&server).await;
    assert_eq!(c.reply().await, "220 mail.lab.test ESMTP lab");
    let ehlo = c.cmd("EHLO client.test").await;
    assert!(ehlo.starts_with("250-mail.lab.test\n"), "{ehlo}");
    assert!(ehlo.contains("250-AUTH PLAIN LOGIN CRAM-MD5"), "{ehlo}");
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    assert!(ehlo.lines().last().unwrap().starts_with("250 "), "{ehlo}");
    assert!(c.cmd("STARTTLS").await.starts_with("502"));
    assert!(c.cmd("NOOP").await.starts_with("250"));
    assert!(c.cmd("VRFY x").await.starts_with("252"));
    assert!(c.cmd("HELP").await.starts_with("214"));
    assert!(c.cmd("FROB").await.starts_with("502"));
    assert_eq!(c.cmd("QUIT").await, "221 2.0.0 Bye");
    assert!(c.closed().await);
    assert_eq!(
        server.commands(),
        [
            "EHLO client.test",
            "STARTTLS",
            "NOOP",
            "VRFY x",
            "HELP",
            "FROB",
            "QUIT"
        ]
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn starttls_upgrade_discards_state_then_auth_plain() {
    let pki = Pki::new("Test CA").unwrap();
    let id = pki.issue(&["mail.lab.test"], CertKind::Valid).unwrap();
    let server = LabServer::start(Script::starttls(id).with_user("alice", "s3cret"))
        .await
        .unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    let ehlo = c.cmd("EHLO client.test").await;
    assert!(ehlo.contains("250-STARTTLS"), "{ehlo}");
    assert!(!ehlo.contains("AUTH"), "AUTH only after TLS: {ehlo}");
    assert!(c.cmd("AUTH PLAIN x").await.starts_with("503"));
    assert_eq!(c.cmd("STARTTLS").await, "220 2.0.0 Ready to start TLS");
    let tls = tls_handshake(&pki, c.into_inner(), "mail.lab.test")
        .await
        .unwrap();
    let mut c = Client::new(tls);
    // State from before TLS is gone: EHLO is required again.
    assert!(c.cmd("MAIL FROM:<a@lab.test>").await.starts_with("503"));
    let ehlo = c.cmd("EHLO client.test").await;
    assert!(ehlo.contains("AUTH PLAIN LOGIN CRAM-MD5"), "{ehlo}");
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    assert!(c.cmd("STARTTLS").await.starts_with("554"));
    let ok = c
        .cmd(&format!("AUTH PLAIN {}", plain_b64("alice", "s3cret")))
        .await;
    assert_eq!(ok, "235 2.7.0 Authentication successful");
    assert!(
        c.cmd("AUTH PLAIN x").await.starts_with("503"),
        "already authenticated"
    );
    c.cmd("QUIT").await;
    let log = server.log();
    assert!(!log[0].tls && log[0].line == "EHLO client.test");
    let auth = log
        .iter()
        .find(|l| l.line.starts_with("AUTH PLAIN A"))
        .unwrap();
    assert!(auth.tls);
    assert!(log.iter().all(|l| l.connection == 1));
}

#[tokio::test]
async fn auth_plain_failure_continuation_and_abort() {
    let server = LabServer::start(Script::plain().with_user("bob", "right"))
        .await
        .unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    assert!(c.cmd("AUTH PLAIN").await.starts_with("503"), "EHLO first");
    c.cmd("EHLO c").await;
    let wrong = c
        .cmd(&format!("AUTH PLAIN {}", plain_b64("bob", "wrong")))
        .await;
    assert_eq!(wrong, "535 5.7.8 Authentication credentials invalid");
    assert_eq!(c.cmd("AUTH PLAIN").await, "334 ");
    assert!(c.cmd(&plain_b64("bob", "right")).await.starts_with("235"));
    let mut c = connect(&server).await;
    c.reply().await;
    c.cmd("EHLO c").await;
    assert_eq!(c.cmd("AUTH PLAIN").await, "334 ");
    assert!(c.cmd("*").await.starts_with("501"));
    assert!(c.cmd("AUTH PLAIN !!!notbase64").await.starts_with("501"));
    assert!(c.cmd("AUTH XOAUTH2 abc").await.starts_with("504"));
    assert_eq!(server.connections(), 2);
    assert!(server.commands().contains(&plain_b64("bob", "right")));
}

#[tokio::test]
async fn auth_login_and_cram_md5_are_verified() {
    let server = LabServer::start(Script::plain().with_user("carol", "pw"))
        .await
        .unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    c.cmd("EHLO c").await;
    assert_eq!(
        c.cmd("AUTH LOGIN").await,
        format!("334 {}", B64.encode("Username:"))
    );
    assert_eq!(
        c.cmd(&B64.encode("carol")).await,
        format!("334 {}", B64.encode("Password:"))
    );
    assert!(c.cmd(&B64.encode("nope")).await.starts_with("535"));
    let r = c.cmd(&format!("AUTH LOGIN {}", B64.encode("carol"))).await;
    assert!(r.starts_with("334 "));
    assert!(c.cmd(&B64.encode("pw")).await.starts_with("235"));

    for (password, want) in [("bad", "535"), ("pw", "235")] {
        let mut c = connect(&server).await;
        c.reply().await;
        c.cmd("EHLO c").await;
        let challenge = c.cmd("AUTH CRAM-MD5").await;
        let challenge = B64.decode(challenge.strip_prefix("334 ").unwrap()).unwrap();
        assert!(challenge.starts_with(b"<") && challenge.ends_with(b"@mail.lab.test>"));
        let mut mac = hmac::Hmac::<md5::Md5>::new_from_slice(password.as_bytes()).unwrap();
        mac.update(&challenge);
        let hex = mac
            .finalize()
            .into_bytes()
            .iter()
            .fold(String::new(), |mut h, b| {
                let _ = std::fmt::Write::write_fmt(&mut h, format_args!("{b:02x}"));
                h
            });
        let r = c.cmd(&B64.encode(format!("carol {hex}"))).await;
        assert!(r.starts_with(want), "{password}: {r}");
    }
}

#[tokio::test]
async fn auth_failure_can_echo_credentials() {
    let mut script = Script::plain().with_user("u", "p");
    script.echo_credentials_in_failure = true;
    let server = LabServer::start(script).await.unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    c.cmd("EHLO c").await;
    let r = c
        .cmd(&format!("AUTH PLAIN {}", plain_b64("u", "hunter2")))
        .await;
    assert!(r.starts_with("535 5.7.8"), "{r}");
    assert!(
        r.contains("password=hunter2") && r.contains(&plain_b64("u", "hunter2")),
        "{r}"
    );
}

#[tokio::test]
async fn relay_is_denied_without_auth_and_data_is_kept() {
    let server = LabServer::start(Script::plain().with_user("u", "p"))
        .await
        .unwrap();
    let mut c = connect(&server).await;
    c.reply().await;
    assert!(
        c.cmd("MAIL FROM:<a@lab.test>").await.starts_with("503"),
        "EHLO first"
    );
    c.cmd("EHLO c").await;
    assert!(
        c.cmd("RCPT TO:<x@lab.test>").await.starts_with("503"),
        "MAIL first"
    );
    assert!(c.cmd("DATA").await.starts_with("503"));
    assert!(c.cmd("MAIL <a@lab.test>").await.starts_with("501"));
    assert_eq!(c.cmd("MAIL FROM:<a@lab.test>").await, "250 2.1.0 Ok");
    assert!(
        c.cmd("MAIL FROM:<a@lab.test>").await.starts_with("503"),
        "nested"
    );
    assert!(c.cmd("DATA").await.starts_with("503"), "RCPT first");
    assert_eq!(
        c.cmd("RCPT TO:<someone@example.com>").await,
        "554 5.7.1 <someone@example.com>: Relay access denied"
    );
    assert!(
        c.cmd("RCPT TO:<postmaster@DEMO.test> NOTIFY=NEVER")
            .await
            .starts_with("250")
    );
    assert!(c.cmd("DATA").await.starts_with("354"));
    c.send("Subject: hi\r\n\r\n..dot\r\nend\r\n.").await;
    assert!(c.reply().await.starts_with("250 2.0.0 Ok: queued"));
    assert_eq!(
        server.messages(),
        [b"Subject: hi\r\n\r\n.dot\r\nend\r\n".to_vec()]
    );
    assert!(
        c.cmd("RCPT TO:<x@lab.test>").await.starts_with("503"),
        "transaction reset"
    );
    // After AUTH, relaying is allowed.
    assert!(
        c.cmd(&format!("AUTH PLAIN {}", plain_b64("u", "p")))
            .await
            .starts_with("235")
    );
    c.cmd("MAIL FROM:<a@lab.test>").await;
    assert!(
        c.cmd("RCPT TO:<someone@example.com>")
            .await
            .starts_with("250")
    );
    assert_eq!(c.cmd("RSET").await, "250 2.0.0 Ok");
    assert!(
        !server.commands().iter().any(|l| l.contains("Subject")),
        "message is not a command"
    );
}

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
    script.require_client_cert = true;
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
        Some(crate::model::Class::Refused)
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
