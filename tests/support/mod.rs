//! Shared helpers for the integration tests, one per shape of set-up: a PKI written to
//! a temporary directory, a lab server started with a script, settings for it, a probe
//! run (its report, or its report and events), checked loopback addresses, secrets
//! searched in every output, and small raw servers for cases the lab does not script (a
//! TLS alert, a full accept queue). Running the built binary is [`binary`].
#![allow(dead_code, clippy::pedantic)]

pub mod binary;
pub mod dns;
pub mod signed_dns;
pub mod socks;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use smtptui::model::{Mode, PortSpec, ProbeEvent, RunId, RunReport, Secret};
use smtptui::settings::{AuthSettings, Settings, Timeouts};
use smtptui_lab::{CertKind, Identity, LabServer, LeafOptions, Pki, Script};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The host name every lab certificate is issued for.
pub const HOST: &str = "mail.lab.test";
/// The lab user.
pub const USER: &str = "alice";
/// The lab user's password: tests grep every output for it.
pub const PASSWORD: &str = "s3cret-Pa55word!";

/// A CA whose PEM lives in a temporary directory.
pub struct TestPki {
    pub pki: Pki,
    pub dir: tempfile::TempDir,
    pub ca_file: PathBuf,
}

impl TestPki {
    pub fn new() -> TestPki {
        TestPki::with_ca("smtptui test CA")
    }

    /// A CA whose subject common name is `name` (any string, hostile ones included).
    pub fn with_ca(name: &str) -> TestPki {
        let pki = Pki::new(name).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, pki.ca_pem()).unwrap();
        TestPki { pki, dir, ca_file }
    }

    pub fn leaf(&self, kind: CertKind) -> Identity {
        self.pki.issue(&[HOST], kind).unwrap()
    }

    pub fn leaf_for(&self, name: &str, kind: CertKind) -> Identity {
        self.pki.issue(&[name], kind).unwrap()
    }

    /// A valid leaf for `names` with its own options (common name, intermediates).
    pub fn leaf_with(&self, names: &[&str], options: LeafOptions<'_>) -> Identity {
        self.pki
            .issue_with(names, CertKind::Valid, options)
            .unwrap()
    }

    /// The usual submission server: STARTTLS with a valid certificate, [`USER`] with
    /// [`PASSWORD`].
    pub fn starttls(&self) -> Script {
        Script::starttls(self.leaf(CertKind::Valid)).with_user(USER, PASSWORD)
    }
}

/// Starts a lab server on `127.0.0.1:0`.
pub async fn start(script: Script) -> LabServer {
    LabServer::start(script).await.unwrap()
}

/// `n` loopback addresses high in 127/8, each checked to answer here
/// ([`smtptui_lab::loopback`]): never a fixed 127.0.0.x a host firewall may filter.
pub async fn loopback_addrs(n: usize) -> Vec<Ipv4Addr> {
    smtptui_lab::loopback::checked_addrs(n)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Settings for one port on 127.0.0.1 named `HOST`, short timeouts, lab CA trusted,
/// no system roots.
pub fn settings(pki: &TestPki, port: u16, mode: Mode) -> Settings {
    let mut s = Settings::new(HOST);
    s.ports = vec![PortSpec { port, mode }];
    s.resolve = vec![(HOST.to_string(), "127.0.0.1".parse().unwrap())];
    s.timeouts = Timeouts::uniform(Duration::from_secs(2));
    s.tls.ca_file = Some(pki.ca_file.clone());
    s.tls.no_system_roots = true;
    s
}

/// [`settings`] with the lab user's credentials ([`USER`], [`PASSWORD`]).
pub fn auth_settings(pki: &TestPki, port: u16, mode: Mode) -> Settings {
    with_auth(settings(pki, port, mode), USER, PASSWORD)
}

/// `settings` plus credentials for `user` with `password`.
pub fn with_auth(mut s: Settings, user: &str, password: &str) -> Settings {
    s.auth = Some(AuthSettings {
        user: user.into(),
        secret: Secret::new(password),
        mech: None,
    });
    s
}

/// Runs a probe without a channel and returns the report.
pub async fn probe(s: Settings) -> RunReport {
    smtptui::probe::run_with(Arc::new(s), RunId(1), None).await
}

/// Runs a probe with a channel, as the TUI does: the report and every event, in order.
pub async fn probe_events(s: Settings) -> (RunReport, Vec<ProbeEvent>) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let run = tokio::spawn(smtptui::probe::run(Arc::new(s), RunId(7), tx));
    let mut events = Vec::new();
    while let Some(ev) = rx.recv().await {
        events.push(ev);
    }
    (run.await.unwrap(), events)
}

/// The class code of the only endpoint.
pub fn class(r: &RunReport) -> &'static str {
    assert_eq!(r.endpoints.len(), 1, "{r:#?}");
    r.endpoints[0].class.code()
}

/// A server that answers the TLS ClientHello with a fatal handshake_failure alert.
pub async fn alert_server() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let h = tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf).await;
                // TLS record: alert, TLS 1.2, length 2, fatal(2) handshake_failure(40).
                let _ = s
                    .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])
                    .await;
                let _ = s.shutdown().await;
            });
        }
    });
    (addr, h)
}

/// A listener whose accept queue is full, so further SYNs are dropped (Linux drops SYNs
/// when the accept queue overflows): connects to it time out like behind a firewall.
pub struct Blackhole {
    pub port: u16,
    _listener: tokio::net::TcpListener,
    _fillers: Vec<tokio::net::TcpStream>,
}

pub async fn blackhole() -> Blackhole {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = sock.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => fillers.push(s),
            _ => break,
        }
    }
    Blackhole {
        port: addr.port(),
        _listener: listener,
        _fillers: fillers,
    }
}

/// Every string a password leaks as: itself and its base64 forms (LOGIN, PLAIN with
/// and without an authorization identity, XOAUTH2).
pub fn secret_forms(user: &str, password: &str) -> Vec<String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        password.to_string(),
        b64.encode(password),
        b64.encode(format!("\0{user}\0{password}")),
        b64.encode(format!("{user}\0{user}\0{password}")),
        b64.encode(format!("user={user}\x01auth=Bearer {password}\x01\x01")),
    ]
}

/// Asserts that none of the secret forms occurs in `haystack`.
pub fn assert_no_secret(what: &str, haystack: &str, user: &str, password: &str) {
    for form in secret_forms(user, password) {
        assert!(
            !haystack.contains(&form),
            "{what} leaks a secret form `{form}`"
        );
    }
}

/// PEM text of DER items (`label` is CERTIFICATE or PRIVATE KEY).
pub fn pem(label: &str, ders: &[Vec<u8>]) -> String {
    use base64::Engine as _;
    let mut out = String::new();
    for der in ders {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        out.push_str(&format!("-----BEGIN {label}-----\n"));
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(chunk).unwrap());
            out.push('\n');
        }
        out.push_str(&format!("-----END {label}-----\n"));
    }
    out
}
