//! The TLS layer against real loopback TLS servers with certificates generated at test
//! time: verification verdicts, chain capture, failure kinds, escaping, CA-file errors.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    SerialNumber,
};
use rustls::crypto::ring;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, SupportedProtocolVersion};
use smtptui::model::{CertProblem, TlsInfo};
use smtptui::settings::TlsSettings;
use smtptui::tls::{
    FailureKind, HandshakeFailure, TlsClient, TlsError, classify_io_error, summarize,
};
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

const BANNER: &[u8] = b"220 mail.test ESMTP ready\r\n";
const BOTH: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13, &rustls::version::TLS12];

struct Ca {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
    pem: String,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Ca {
        der: cert.der().clone(),
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

struct Leaf {
    der: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn leaf_params(names: &[&str], cn: &str) -> CertificateParams {
    let names: Vec<String> = names.iter().map(ToString::to_string).collect();
    let mut params = CertificateParams::new(names).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params
}

fn signed(params: &CertificateParams, ca: &Ca) -> Leaf {
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    Leaf {
        der: cert.der().clone(),
        key: pkcs8(&key),
    }
}

fn self_signed(params: &CertificateParams) -> Leaf {
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Leaf {
        der: cert.der().clone(),
        key: pkcs8(&key),
    }
}

fn pkcs8(key: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    versions: &[&'static SupportedProtocolVersion],
) -> ServerConfig {
    ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap()
}

/// A TLS server on 127.0.0.1:0 that sends a banner after the handshake and then
/// waits for the client to go away.
async fn serve_tls(config: ServerConfig) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let _ = tls.write_all(BANNER).await;
                    let mut buf = [0u8; 64];
                    let _ = tls.read(&mut buf).await;
                }
            });
        }
    });
    addr
}

/// A plain TCP server on 127.0.0.1:0 that writes `reply` after reading the first
/// bytes (or at once, with `greet_first`), then holds the connection a moment.
async fn serve_raw(reply: &'static [u8], greet_first: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                if !greet_first {
                    let _ = tcp.read(&mut buf).await;
                }
                if !reply.is_empty() {
                    let _ = tcp.write_all(reply).await;
                    let _ = tcp.read(&mut buf).await;
                }
            });
        }
    });
    addr
}

fn ca_file(pems: &[&str]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    for pem in pems {
        f.write_all(pem.as_bytes()).unwrap();
    }
    f.flush().unwrap();
    f
}

fn client(ca_file: Option<&tempfile::NamedTempFile>) -> TlsClient {
    let settings = TlsSettings {
        ca_file: ca_file.map(|f| f.path().to_path_buf()),
        no_system_roots: true,
        ..TlsSettings::default()
    };
    TlsClient::new(&settings).unwrap()
}

/// Handshake must succeed and the stream must carry the banner.
async fn probe_ok(client: &TlsClient, addr: SocketAddr, name: &str) -> TlsInfo {
    let tcp = TcpStream::connect(addr).await.unwrap();
    // Spawned, so the handshake future is proven `Send` (the probe engine spawns it).
    let (client, name) = (client.clone(), name.to_string());
    let handshake = tokio::spawn(async move { client.handshake(tcp, &name).await });
    let (mut tls, info) = match handshake.await.unwrap() {
        Ok(ok) => ok,
        Err(f) => panic!("handshake failed: {f:?}"),
    };
    let mut got = vec![0u8; BANNER.len()];
    tls.read_exact(&mut got).await.unwrap();
    assert_eq!(got, BANNER);
    tls.write_all(b"QUIT\r\n").await.unwrap();
    info
}

async fn probe_err(client: &TlsClient, addr: SocketAddr, name: &str) -> HandshakeFailure {
    let tcp = TcpStream::connect(addr).await.unwrap();
    match client.handshake(tcp, name).await {
        Ok((_, info)) => panic!("handshake unexpectedly succeeded: {info:?}"),
        Err(f) => f,
    }
}

fn fingerprint(der: &[u8]) -> String {
    let d = ::ring::digest::digest(&::ring::digest::SHA256, der);
    d.as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn assert_unverified(info: &TlsInfo, problem: &CertProblem) {
    assert!(!info.verified, "{info:#?}");
    assert_eq!(info.problem.as_ref(), Some(problem), "{info:#?}");
    assert!(
        info.error.as_deref().is_some_and(|e| !e.is_empty()),
        "{info:#?}"
    );
    assert!(!info.chain.is_empty(), "chain must be captured: {info:#?}");
    assert_eq!(info.version, "TLSv1.3");
}

#[tokio::test]
async fn valid_chain_from_private_ca() {
    let ca = ca("Test Private CA");
    let mut params = leaf_params(&["mail.test", "www.mail.test"], "mail.test");
    params.not_after = OffsetDateTime::now_utc() + Duration::days(30) + Duration::hours(12);
    params.serial_number = Some(SerialNumber::from(vec![0x01, 0x02, 0xab]));
    let leaf = signed(&params, &ca);
    let config = server_config(vec![leaf.der.clone(), ca.der.clone()], leaf.key, BOTH);
    let addr = serve_tls(config).await;
    let file = ca_file(&[&ca.pem]);
    let client = client(Some(&file));
    assert_eq!(
        client.roots_description(),
        format!(
            "webpki {} + system off + ca-file 1",
            webpki_roots::TLS_SERVER_ROOTS.len()
        )
    );

    let info = probe_ok(&client, addr, "mail.test").await;
    assert!(info.verified, "{info:#?}");
    assert_eq!(info.error, None);
    assert_eq!(info.problem, None);
    assert_eq!(info.checked_name, "mail.test");
    assert_eq!(info.version, "TLSv1.3");
    assert!(info.cipher.starts_with("TLS13_"), "{}", info.cipher);
    assert!(info.group.as_deref().is_some_and(|g| !g.is_empty()));
    assert!(!info.client_cert_requested);
    assert_eq!(info.chain.len(), 2);
    let l = &info.chain[0];
    assert_eq!(l.sans, ["mail.test", "www.mail.test"]);
    assert_eq!(l.subject, "CN=mail.test");
    assert_eq!(l.issuer, "CN=Test Private CA");
    assert_eq!(l.days_left, 30);
    assert_eq!(l.sha256, fingerprint(&leaf.der));
    assert_eq!(l.serial, "01:02:ab");
    assert_eq!(l.key, "EC P-256");
    assert_eq!(l.signature, "ecdsa-with-SHA256");
    assert!(!l.self_signed && !l.is_ca);
    let c = &info.chain[1];
    assert_eq!(c.sha256, fingerprint(&ca.der));
    assert!(c.self_signed && c.is_ca);
}

#[tokio::test]
async fn tls12_and_ip_literal() {
    let ca = ca("Test Private CA");
    let leaf = signed(&leaf_params(&["127.0.0.1"], "loopback"), &ca);
    let config = server_config(vec![leaf.der], leaf.key, &[&rustls::version::TLS12]);
    let addr = serve_tls(config).await;
    let file = ca_file(&[&ca.pem]);
    let info = probe_ok(&client(Some(&file)), addr, "127.0.0.1").await;
    assert!(info.verified, "{info:#?}");
    assert_eq!(info.version, "TLSv1.2");
    assert!(info.cipher.starts_with("TLS_ECDHE_"), "{}", info.cipher);
    assert_eq!(info.chain.len(), 1);
    assert_eq!(info.chain[0].sans, ["IP:127.0.0.1"]);
}

#[tokio::test]
async fn expired_leaf() {
    let ca = ca("Test Private CA");
    let mut params = leaf_params(&["mail.test"], "mail.test");
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2024, 1, 1);
    let leaf = signed(&params, &ca);
    let addr = serve_tls(server_config(vec![leaf.der], leaf.key, BOTH)).await;
    let file = ca_file(&[&ca.pem]);
    let info = probe_ok(&client(Some(&file)), addr, "mail.test").await;
    assert_unverified(&info, &CertProblem::Expired);
    let err = info.error.unwrap();
    assert!(
        err.starts_with("certificate expired 2024-01-01T00:00:00Z ("),
        "{err}"
    );
    assert!(err.ends_with(" days ago)"), "{err}");
    assert!(info.chain[0].days_left < 0);
    assert_eq!(info.chain[0].not_after, "2024-01-01T00:00:00Z");
}

#[tokio::test]
async fn not_yet_valid_leaf() {
    let ca = ca("Test Private CA");
    let mut params = leaf_params(&["mail.test"], "mail.test");
    params.not_before = OffsetDateTime::now_utc() + Duration::days(10) + Duration::hours(12);
    params.not_after = OffsetDateTime::now_utc() + Duration::days(100);
    let leaf = signed(&params, &ca);
    let addr = serve_tls(server_config(vec![leaf.der], leaf.key, BOTH)).await;
    let file = ca_file(&[&ca.pem]);
    let info = probe_ok(&client(Some(&file)), addr, "mail.test").await;
    assert_unverified(&info, &CertProblem::NotYetValid);
    let err = info.error.unwrap();
    assert!(
        err.contains("not valid before") && err.contains("(in 10 days)"),
        "{err}"
    );
}

#[tokio::test]
async fn wrong_name() {
    let ca = ca("Test Private CA");
    let leaf = signed(
        &leaf_params(&["mail.other.test", "www.other.test"], "other"),
        &ca,
    );
    let addr = serve_tls(server_config(vec![leaf.der], leaf.key, BOTH)).await;
    let file = ca_file(&[&ca.pem]);
    let info = probe_ok(&client(Some(&file)), addr, "mail.test").await;
    assert_unverified(&info, &CertProblem::HostnameMismatch);
    assert_eq!(
        info.error.as_deref(),
        Some("certificate is for mail.other.test, www.other.test; checked name: mail.test")
    );
}

#[tokio::test]
async fn self_signed_leaf() {
    let leaf = self_signed(&leaf_params(&["mail.test"], "mail.test"));
    let addr = serve_tls(server_config(vec![leaf.der.clone()], leaf.key, BOTH)).await;
    let info = probe_ok(&client(None), addr, "mail.test").await;
    assert_unverified(&info, &CertProblem::SelfSigned);
    assert_eq!(info.chain.len(), 1);
    assert!(info.chain[0].self_signed);
    assert_eq!(info.chain[0].sha256, fingerprint(&leaf.der));
}

/// The system store is read only when a chain needs it: not for a chain the CA file
/// verifies, but for one it does not (whatever that store then says).
#[tokio::test]
async fn system_store_is_read_only_when_a_chain_needs_it() {
    let (trusted, other) = (ca("Test Private CA"), ca("Untrusted CA"));
    let leaf = signed(&leaf_params(&["mail.test"], "mail.test"), &trusted);
    let good = serve_tls(server_config(
        vec![leaf.der, trusted.der.clone()],
        leaf.key,
        BOTH,
    ))
    .await;
    let stranger = signed(&leaf_params(&["mail.test"], "mail.test"), &other);
    let bad = serve_tls(server_config(vec![stranger.der], stranger.key, BOTH)).await;
    let file = ca_file(&[&trusted.pem]);
    let client = TlsClient::new(&TlsSettings {
        ca_file: Some(file.path().to_path_buf()),
        ..TlsSettings::default()
    })
    .unwrap();
    let webpki = webpki_roots::TLS_SERVER_ROOTS.len();
    let lazy = format!("webpki {webpki} + system when needed + ca-file 1");
    assert_eq!(client.roots_description(), lazy);
    assert!(probe_ok(&client, good, "mail.test").await.verified);
    assert_eq!(
        client.roots_description(),
        lazy,
        "not read for a verified chain"
    );
    let info = probe_ok(&client, bad, "mail.test").await;
    assert_unverified(&info, &CertProblem::UnknownIssuer);
    let read = client.roots_description();
    assert!(
        read.starts_with(&format!("webpki {webpki} + system "))
            && !read.contains("when needed")
            && read.ends_with(" + ca-file 1"),
        "read for the unverified chain: {read}"
    );
}

#[tokio::test]
async fn unknown_ca() {
    let ca = ca("Untrusted CA");
    let leaf = signed(&leaf_params(&["mail.test"], "mail.test"), &ca);
    let addr = serve_tls(server_config(vec![leaf.der], leaf.key, BOTH)).await;
    let info = probe_ok(&client(None), addr, "mail.test").await;
    assert_unverified(&info, &CertProblem::UnknownIssuer);
    assert!(!info.chain[0].self_signed);
    assert!(info.error.unwrap().contains("CN=Untrusted CA"));
}

#[tokio::test]
async fn hostile_subject_is_escaped() {
    let params = leaf_params(&["mail.test", "evil\x1b[31m.test"], "evil\x1b]0;pwned\x07");
    let leaf = self_signed(&params);
    let addr = serve_tls(server_config(vec![leaf.der], leaf.key, BOTH)).await;
    let info = probe_ok(&client(None), addr, "mail.test").await;
    let l = &info.chain[0];
    assert_eq!(l.subject, "CN=evil\\x1b]0;pwned\\x07");
    assert_eq!(l.issuer, l.subject);
    assert_eq!(l.sans, ["mail.test", "evil\\x1b[31m.test"]);
    let json = serde_json::to_string(&info).unwrap();
    assert!(
        !json.contains('\x1b') && !json.contains("\\u001b"),
        "{json}"
    );
    for s in [&l.subject, &l.issuer, info.error.as_ref().unwrap()] {
        assert!(!s.chars().any(char::is_control), "{s:?}");
    }
}

#[tokio::test]
async fn client_certificate_request_is_recorded() {
    let ca = ca("Test Private CA");
    let leaf = signed(&leaf_params(&["mail.test"], "mail.test"), &ca);
    let mut roots = RootCertStore::empty();
    roots.add(ca.der.clone()).unwrap();
    let provider = Arc::new(ring::default_provider());
    let optional =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots.clone()), provider.clone())
            .allow_unauthenticated()
            .build()
            .unwrap();
    let config = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(BOTH)
        .unwrap()
        .with_client_cert_verifier(optional)
        .with_single_cert(vec![leaf.der.clone()], leaf.key.clone_key())
        .unwrap();
    let file = ca_file(&[&ca.pem]);
    let client = client(Some(&file));
    let info = probe_ok(&client, serve_tls(config).await, "mail.test").await;
    assert!(info.verified);
    assert!(info.client_cert_requested);

    // TLS 1.2 with a mandatory client certificate: the server aborts the handshake,
    // and the failure still carries the chain.
    let required = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_client_cert_verifier(required)
        .with_single_cert(vec![leaf.der], leaf.key)
        .unwrap();
    let f = probe_err(&client, serve_tls(config).await, "mail.test").await;
    assert!(matches!(f.kind, FailureKind::Alert(_)), "{f:?}");
    let info = f.info.expect("chain captured before the failure");
    assert!(info.verified && info.client_cert_requested, "{info:#?}");
    assert_eq!(info.chain.len(), 1);
}

#[tokio::test]
async fn tls13_required_client_cert_fails_on_first_read() {
    let ca = ca("Test Private CA");
    let leaf = signed(&leaf_params(&["mail.test"], "mail.test"), &ca);
    let mut roots = RootCertStore::empty();
    roots.add(ca.der.clone()).unwrap();
    let provider = Arc::new(ring::default_provider());
    let required = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_client_cert_verifier(required)
        .with_single_cert(vec![leaf.der], leaf.key)
        .unwrap();
    let addr = serve_tls(config).await;
    let file = ca_file(&[&ca.pem]);
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut tls, info) = client(Some(&file))
        .handshake(tcp, "mail.test")
        .await
        .unwrap();
    assert!(info.verified && info.client_cert_requested, "{info:#?}");
    let mut buf = [0u8; 64];
    let err = tls.read(&mut buf).await.unwrap_err();
    let (kind, text) = classify_io_error(&err);
    assert_eq!(
        kind,
        FailureKind::Alert("certificate_required".into()),
        "{text}"
    );
}

#[tokio::test]
async fn stalled_handshake_times_out_with_first_bytes() {
    // A handshake record header promising 80 bytes, then nothing.
    let addr = serve_raw(b"\x16\x03\x03\x00\x50\x02\x00", false).await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let limit = std::time::Duration::from_millis(300);
    let Err(f) = client(None).handshake_within(tcp, "mail.test", limit).await else {
        panic!("handshake cannot succeed");
    };
    assert_eq!(
        f.kind,
        FailureKind::Io(std::io::ErrorKind::TimedOut),
        "{f:?}"
    );
    assert_eq!(f.first_bytes, b"\x16\x03\x03\x00\x50\x02\x00");
    assert!(f.error.contains("0.3 s"), "{}", f.error);
}

#[tokio::test]
async fn plaintext_server() {
    let addr = serve_raw(b"220 mail.test ESMTP\r\n", true).await;
    let f = probe_err(&client(None), addr, "mail.test").await;
    assert_eq!(f.kind, FailureKind::Plaintext, "{f:?}");
    assert!(f.first_bytes.starts_with(b"220"), "{f:?}");
    assert!(f.info.is_none());
}

#[tokio::test]
async fn server_closes_immediately() {
    let addr = serve_raw(b"", true).await;
    let f = probe_err(&client(None), addr, "mail.test").await;
    assert_eq!(f.kind, FailureKind::Closed, "{f:?}");
    assert!(f.first_bytes.is_empty());
}

#[tokio::test]
async fn alerts_are_named() {
    let addr = serve_raw(b"\x15\x03\x03\x00\x02\x02\x28", false).await;
    let f = probe_err(&client(None), addr, "mail.test").await;
    assert_eq!(
        f.kind,
        FailureKind::Alert("handshake_failure".into()),
        "{f:?}"
    );
    assert_eq!(f.first_bytes, b"\x15\x03\x03\x00\x02\x02\x28");

    let addr = serve_raw(b"\x15\x03\x01\x00\x02\x02\x46", false).await;
    let f = probe_err(&client(None), addr, "mail.test").await;
    assert_eq!(f.kind, FailureKind::ProtocolVersion, "{f:?}");
}

#[test]
fn ca_file_errors() {
    let missing = TlsSettings {
        ca_file: Some("/nonexistent/smtptui-test-ca.pem".into()),
        no_system_roots: true,
        ..TlsSettings::default()
    };
    match TlsClient::new(&missing) {
        Err(TlsError::CaFile { path, reason }) => {
            assert!(path.contains("smtptui-test-ca.pem"));
            assert!(reason.contains("cannot read"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    for garbage in [
        "just some text\n",
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    ] {
        let file = ca_file(&[garbage]);
        let settings = TlsSettings {
            ca_file: Some(file.path().to_path_buf()),
            no_system_roots: true,
            ..TlsSettings::default()
        };
        match TlsClient::new(&settings) {
            Err(e @ TlsError::CaFile { .. }) => assert!(!e.to_string().is_empty()),
            other => panic!("{garbage:?}: {other:?}"),
        }
    }
}

#[test]
fn ca_file_with_several_certs_and_system_roots() {
    let (a, b) = (ca("A"), ca("B"));
    let file = ca_file(&[&a.pem, &b.pem]);
    let settings = TlsSettings {
        ca_file: Some(file.path().to_path_buf()),
        ..TlsSettings::default()
    };
    let desc = TlsClient::new(&settings).unwrap().roots_description();
    assert!(
        desc.starts_with("webpki ")
            && desc.contains(" + system ")
            && desc.ends_with(" + ca-file 2"),
        "{desc}"
    );
}

#[test]
fn summarize_ed25519() {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let cert = leaf_params(&["a.test"], "a.test")
        .self_signed(&key)
        .unwrap();
    let s = summarize(cert.der()).unwrap();
    assert_eq!(s.key, "Ed25519");
    assert_eq!(s.signature, "ed25519");
    assert!(s.self_signed);
}

fn sample_der() -> &'static [u8] {
    static DER: OnceLock<Vec<u8>> = OnceLock::new();
    DER.get_or_init(|| {
        let ca = ca("Fuzz CA");
        signed(&leaf_params(&["mail.test", "127.0.0.1"], "mail.test"), &ca)
            .der
            .to_vec()
    })
}

proptest! {
    #[test]
    fn summarize_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = summarize(&bytes);
    }

    #[test]
    fn summarize_never_panics_on_mutated_certs(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut der = sample_der().to_vec();
        for (pos, byte) in edits {
            let i = pos % der.len();
            der[i] = byte;
        }
        let _ = summarize(&der);
        der.truncate(cut % (der.len() + 1));
        let _ = summarize(&der);
    }
}
