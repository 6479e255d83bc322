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

mod tls_and_hostile;
