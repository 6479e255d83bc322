//! The demo lab behind `smtptui --demo`: a set of loopback servers for the name
//! `mail.demo.test`, one per scenario (each with a short name for the matrix and a
//! one-line description for the verdict pane), that together show every feature (a working submission port,
//! implicit TLS, STARTTLS refused and stripped, certificate problems, a silent server,
//! a closed port, plaintext where TLS was expected, failed AUTH, a working port with a
//! warning), with no network.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::LabError;
use super::pki::{CertKind, Pki};
use super::script::{Banner, Script};
use super::server::{LabServer, closed_port};
use smtptui_engine::model::{Class, Mode, PortSpec, Secret};
use smtptui_engine::settings::{AuthSettings, FamilyFilter, Settings, Timeouts};

/// The host name every demo service answers for.
pub const DEMO_HOST: &str = "mail.demo.test";
/// The demo user.
pub const DEMO_USER: &str = "demo";
/// The demo user's password.
pub const DEMO_PASSWORD: &str = "demo-password";
/// A small delay before each reply so that the live transcript visibly streams.
const DEMO_REPLY_DELAY: Duration = Duration::from_millis(30);
/// The per-phase timeout of the demo settings.
const DEMO_TIMEOUT: Duration = Duration::from_secs(3);

/// One demo service: where it listens, the mode to probe it with and what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoService {
    /// Loopback port.
    pub port: u16,
    /// The mode the demo probes it with.
    pub mode: Mode,
    /// The scenario's short name, shown in the matrix (`expired certificate`).
    pub name: &'static str,
    /// What the service demonstrates, in plain words (one line, the verdict pane).
    pub title: &'static str,
    /// The classification a correct probe with [`DemoLab::settings`] arrives at.
    pub expected: Class,
}

/// A running demo lab. Dropping it stops the servers and removes the CA file.
#[derive(Debug)]
pub struct DemoLab {
    /// The services with their servers, in matrix order.
    pub servers: Vec<(DemoService, LabServer)>,
    /// The lab CA, PEM, in a private temporary directory.
    pub ca_pem_path: PathBuf,
    /// The host name of the demo (`mail.demo.test`).
    pub host: String,
    /// A loopback port that refuses connections.
    pub closed: u16,
    /// The directory holding the CA file (removed on drop).
    dir: PathBuf,
    /// The CA, kept for callers that want more certificates.
    pki: Pki,
}

impl DemoLab {
    /// Starts every demo service on `127.0.0.1` and writes the CA file.
    pub async fn start() -> Result<DemoLab, LabError> {
        let pki = Pki::new("smtptui Demo CA")?;
        let specs = scenarios(&pki)?;
        let mut servers = Vec::with_capacity(specs.len());
        for (mode, name, title, expected, script) in specs {
            let server = LabServer::start(script).await?;
            servers.push((
                DemoService {
                    port: server.port(),
                    mode,
                    name,
                    title,
                    expected,
                },
                server,
            ));
        }
        let dir = private_dir()?;
        let ca_pem_path = dir.join("ca.pem");
        if let Err(e) = write_private(&ca_pem_path, pki.ca_pem().as_bytes()) {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e.into());
        }
        Ok(DemoLab {
            servers,
            ca_pem_path,
            host: DEMO_HOST.into(),
            closed: closed_port(),
            dir,
            pki,
        })
    }

    /// The services in matrix order, the closed port last.
    pub fn services(&self) -> Vec<DemoService> {
        let mut all: Vec<DemoService> = self.servers.iter().map(|(s, _)| s.clone()).collect();
        all.push(DemoService {
            port: self.closed,
            mode: Mode::Starttls,
            name: "closed port",
            title: "closed port: nothing listens (connection refused)",
            expected: Class::Refused,
        });
        all
    }

    /// The lab CA.
    pub fn pki(&self) -> &Pki {
        &self.pki
    }

    /// Settings that probe every demo service: target `mail.demo.test` resolved to
    /// `127.0.0.1`, the lab CA as extra trust anchor (no system roots), the demo user
    /// and 3-second timeouts.
    pub fn settings(&self) -> Settings {
        let mut s = Settings::new(self.host.clone());
        s.ports = self
            .services()
            .iter()
            .map(|d| PortSpec {
                port: d.port,
                mode: d.mode,
            })
            .collect();
        s.family = FamilyFilter::V4;
        s.resolve = vec![(self.host.clone(), IpAddr::V4(Ipv4Addr::LOCALHOST))];
        s.timeouts = Timeouts::uniform(DEMO_TIMEOUT);
        // The silent server costs a banner wait plus a TLS probe on a reconnect: keep
        // both short so the whole demo matrix is done in about 4 s.
        s.timeouts.banner = Duration::from_secs(2);
        s.timeouts.tls = Duration::from_secs(2);
        s.tls.ca_file = Some(self.ca_pem_path.clone());
        s.tls.no_system_roots = true;
        s.auth = Some(AuthSettings {
            user: DEMO_USER.into(),
            secret: Secret::new(DEMO_PASSWORD),
            mech: None,
        });
        s.quit_after = None;
        s
    }
}

/// One demo scenario before its server starts: the mode to probe it with, its short
/// name, its one-line title, the class a correct probe arrives at, and its script.
type Scenario = (Mode, &'static str, &'static str, Class, Script);

/// The scenarios in matrix order (the closed port, which needs no server, comes last in
/// [`DemoLab::services`]).
fn scenarios(pki: &Pki) -> Result<Vec<Scenario>, LabError> {
    let good = pki.issue(&[DEMO_HOST], CertKind::Valid)?;
    let expired = pki.issue(&[DEMO_HOST], CertKind::Expired)?;
    let expiring = pki.issue(&[DEMO_HOST], CertKind::ExpiresSoon)?;
    let wrong_name = pki.issue(&["mx.elsewhere.test"], CertKind::Valid)?;
    let base = |s: Script| {
        s.with_hostname(DEMO_HOST)
            .with_user(DEMO_USER, DEMO_PASSWORD)
            .with_reply_delay(DEMO_REPLY_DELAY)
    };
    Ok(vec![
        (
            Mode::Starttls,
            "healthy submission",
            "a healthy submission server: STARTTLS, a valid certificate, AUTH as user demo",
            Class::Ok,
            base(Script::starttls(good.clone())),
        ),
        (
            Mode::Tls,
            "implicit TLS, cert expires soon",
            "implicit TLS (SMTPS, 465-style) with AUTH; works, with a warning: the certificate expires in 10 days",
            Class::Ok,
            base(Script::implicit(expiring)),
        ),
        (
            Mode::Starttls,
            "STARTTLS refused",
            "STARTTLS refused by the server (454)",
            Class::StarttlsRejected,
            base(Script::starttls(good.clone()))
                .with_starttls_reply("454 4.7.0 TLS not available due to local problem"),
        ),
        (
            Mode::Starttls,
            "expired certificate",
            "STARTTLS with an expired certificate",
            Class::CertExpired,
            base(Script::starttls(expired)),
        ),
        (
            Mode::Starttls,
            "silent server",
            "connects, but never sends a greeting",
            Class::BannerTimeout,
            base(Script::starttls(good.clone())).with_banner(Banner::None),
        ),
        (
            Mode::Starttls,
            "certificate for another name",
            "certificate issued for another name",
            Class::CertHostnameMismatch,
            base(Script::starttls(wrong_name)),
        ),
        (
            Mode::Starttls,
            "STARTTLS stripped (middlebox)",
            "a middlebox masks STARTTLS (EHLO shows XXXXXXXA)",
            Class::StarttlsStripped,
            base(Script::starttls(good.clone())).with_ehlo_override(&[
                "PIPELINING",
                "SIZE 10485760",
                "XXXXXXXA",
                "ENHANCEDSTATUSCODES",
                "8BITMIME",
            ]),
        ),
        (
            Mode::Tls,
            "plaintext on a TLS port",
            "plaintext SMTP where implicit TLS was expected",
            Class::StarttlsExpected,
            base(Script::plain()),
        ),
        (
            Mode::Starttls,
            "wrong password",
            "AUTH refused: the password is not accepted (535)",
            Class::AuthFailed,
            base(Script::starttls(good)).with_user(DEMO_USER, "another-password"),
        ),
    ])
}

impl Drop for DemoLab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Creates a fresh directory only we can read: `smtptui-demo-<pid>` under the temp
/// dir, or `smtptui-demo-<pid>-<n>` when that exists (never reusing a directory).
fn private_dir() -> std::io::Result<PathBuf> {
    let pid = std::process::id();
    let tmp = std::env::temp_dir();
    let mut last = None;
    for n in 0..100 {
        let name = if n == 0 {
            format!("smtptui-demo-{pid}")
        } else {
            format!("smtptui-demo-{pid}-{n}")
        };
        let path = tmp.join(name);
        match create_private_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::ErrorKind::AlreadyExists.into()))
}

#[cfg(unix)]
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new().mode(0o700).create(path)
}

#[cfg(not(unix))]
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().create(path)
}

/// Writes a new file readable only by us (0600 on Unix).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
