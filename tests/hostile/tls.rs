//! TLS-level hostile cases: escape sequences in certificate fields, a 50-certificate
//! chain, a ~1 MB chain, and a real TLS-1.0-only peer (`openssl s_server`). Every
//! certificate comes from the lab's PKI ([`smtptui_lab::Pki::issue_with`]).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use smtptui::model::Mode;
use smtptui_lab::{CertKind, LeafOptions, Script, closed_port};

use super::check::{assert_within, clean_exports, rss_kib};
use super::support::{HOST, TestPki, class, pem, settings, start};
use super::{SLACK, T, exclusive, shared, timed};

/// A leaf for [`HOST`] whose chain has `n` certificates in all: the leaf, `n - 2`
/// intermediates (each padded with `padding` bytes) and the CA.
fn long_chain(pki: &TestPki, n: usize, padding: usize) -> smtptui_lab::Identity {
    pki.leaf_with(
        &[HOST],
        LeafOptions {
            intermediates: n - 2,
            padding,
            ..LeafOptions::default()
        },
    )
}

#[tokio::test]
async fn escape_sequences_in_certificate_fields() {
    let _g = shared().await;
    let pki = TestPki::with_ca("hostile \u{1b}[31mroot\u{1b}[0m CA");
    let id = pki.leaf_with(
        // SAN dNSNames are IA5String: ASCII only, so the bidi override goes in the CN.
        &[HOST, "evil\u{1b}[31m.lab.test"],
        LeafOptions {
            common_name: Some("mail.lab.test\u{1b}]0;pwned\u{7} \u{202e}txt"),
            ..LeafOptions::default()
        },
    );
    let srv = start(Script::starttls(id)).await;
    let (r, took) = timed(settings(&pki, srv.port(), Mode::Starttls)).await;
    // webpki parses only the SAN it matches, so the odd names do not stop verification:
    // the session is ok, and every field is escaped wherever it is shown.
    assert_eq!(class(&r), "ok", "{r:#?}");
    let tls = r.endpoints[0].tls.as_ref().expect("chain captured");
    let leaf = &tls.chain[0];
    assert!(
        leaf.subject.contains("\\x1b]0;pwned\\x07"),
        "{}",
        leaf.subject
    );
    assert!(
        leaf.sans.iter().any(|s| s == "evil\\x1b[31m.lab.test"),
        "{:?}",
        leaf.sans
    );
    assert!(leaf.subject.contains("\\u{202e}txt"), "{}", leaf.subject);
    assert!(leaf.issuer.contains("\\x1b[31mroot"), "{}", leaf.issuer);
    let (json, text) = clean_exports("cert fields", &r);
    assert!(
        json.contains("\\\\x1b]0;pwned\\\\x07"),
        "escaped form in JSON"
    );
    assert!(text.contains("evil\\x1b[31m.lab.test") || text.contains("\\x1b]0;pwned"));
    assert_within("cert fields", took, T + SLACK);
}

#[tokio::test]
async fn fifty_certificate_chain() {
    let _g = shared().await;
    let pki = TestPki::new();
    let id = long_chain(&pki, 50, 0);
    assert_eq!(id.chain_der.len(), 50);
    let total: usize = id.chain_der.iter().map(Vec::len).sum();
    let srv = start(Script::starttls(id)).await;
    let (r, took) = timed(settings(&pki, srv.port(), Mode::Starttls)).await;
    // ~50 × 400 B fits in one TLS handshake message (< 64 KiB), so the handshake
    // completes; webpki refuses paths deeper than 6 intermediates, so the chain does
    // not verify: a certificate failure with the whole chain captured.
    assert!(total < 60 * 1024, "chain is {total} bytes");
    let ep = &r.endpoints[0];
    assert_eq!(class(&r), "cert_untrusted", "{r:#?}");
    let tls = ep.tls.as_ref().expect("chain captured");
    assert!(!tls.verified);
    assert!(
        ep.evidence.contains("MaximumPathDepthExceeded"),
        "{}",
        ep.evidence
    );
    assert_eq!(tls.chain.len(), 50);
    assert_within("50-cert chain", took, T + SLACK);
    clean_exports("50-cert chain", &r);
}

#[tokio::test]
async fn megabyte_certificate_chain() {
    let _g = exclusive().await;
    // 16 intermediates padded with 64 KiB each: ~1 MiB of certificates.
    let pki = TestPki::new();
    let id = long_chain(&pki, 18, 64 * 1024);
    let total: usize = id.chain_der.iter().map(Vec::len).sum();
    assert!(total > 1024 * 1024, "chain is only {total} bytes");
    let srv = start(Script::starttls(id)).await;
    let before = rss_kib();
    let (r, took) = timed(settings(&pki, srv.port(), Mode::Starttls)).await;
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 16 * 1024, "RSS grew by {grown} KiB");
    // rustls refuses a handshake message over 64 KiB (its maximum handshake message
    // size) before any certificate is parsed: the handshake fails, nothing is captured.
    assert_eq!(class(&r), "tls_handshake_failed", "{r:#?}");
    assert!(
        r.endpoints[0].evidence.contains("HandshakePayloadTooLarge"),
        "{}",
        r.endpoints[0].evidence
    );
    assert!(r.endpoints[0].tls.is_none());
    assert_within("1 MB chain", took, T + SLACK);
    let (json, _) = clean_exports("1 MB chain", &r);
    assert!(json.len() < 256 * 1024, "JSON is {} bytes", json.len());
}

#[tokio::test]
async fn tls10_only_server() {
    let _g = shared().await;
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED tls10_only_server: openssl is not installed");
        return;
    }
    let pki = TestPki::with_ca("tls1.0 root");
    let id = pki.leaf(CertKind::Valid);
    let cert = pki.dir.path().join("leaf.pem");
    let key = pki.dir.path().join("leaf.key");
    std::fs::write(
        &cert,
        pem("CERTIFICATE", std::slice::from_ref(&id.leaf_der)),
    )
    .unwrap();
    std::fs::write(&key, pem("PRIVATE KEY", std::slice::from_ref(&id.key_der))).unwrap();
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let port = closed_port();
    let mut child = tokio::process::Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-tls1",
            "-cipher",
            "DEFAULT:@SECLEVEL=0",
        ])
        .args(["-accept", &format!("127.0.0.1:{port}")])
        .args(["-cert", &cert, "-key", &key])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Wait until it listens.
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            let out = child.wait_with_output().await.unwrap();
            panic!(
                "openssl s_server exited ({status}): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(Instant::now() < deadline, "openssl s_server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (r, took) = timed(settings(&pki, port, Mode::Tls)).await;
    let _ = child.start_kill();
    // rustls speaks TLS 1.2 and 1.3 only; the server answers the ClientHello with a
    // protocol_version alert.
    assert_eq!(class(&r), "tls_handshake_failed", "{r:#?}");
    assert!(
        r.endpoints[0].evidence.contains("protocol_version"),
        "{}",
        r.endpoints[0].evidence
    );
    assert!(
        r.endpoints[0].advice.contains("old TLS version"),
        "{:#?}",
        r.endpoints[0]
    );
    assert_within("tls1.0", took, T + SLACK);
    clean_exports("tls1.0", &r);
}
