//! Validated settings for a run, independent of clap. The CLI, the TUI's target form
//! and the demo build a [`Settings`]; the probe engine reads it.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::model::{PortSpec, Secret};

mod error;
pub mod validate;

pub use error::{ProxyError, ValidationError};

/// Which address families to probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FamilyFilter {
    /// IPv4 and IPv6.
    #[default]
    Any,
    /// IPv4 only (`-4`).
    V4,
    /// IPv6 only (`-6`).
    V6,
}

/// Per-phase timeouts plus an overall deadline per endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect.
    pub connect: Duration,
    /// Waiting for the 220 greeting.
    pub banner: Duration,
    /// Each command's reply.
    pub command: Duration,
    /// The TLS handshake.
    pub tls: Duration,
    /// The whole endpoint, all phases together.
    pub overall: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            banner: Duration::from_secs(15),
            command: Duration::from_secs(15),
            tls: Duration::from_secs(10),
            overall: Duration::from_secs(60),
        }
    }
}

impl Timeouts {
    /// How long the engine waits in `phase` (the overall deadline may cut it shorter):
    /// what a running row shows as its limit.
    pub fn limit_for(&self, phase: crate::model::Phase) -> Duration {
        use crate::model::Phase;
        match phase {
            Phase::Connect => self.connect,
            Phase::Banner => self.banner,
            Phase::TlsHandshake | Phase::Detect => self.tls,
            // AUTH exchanges and DATA (message + reply) get twice the command timeout.
            Phase::Auth | Phase::Data => self.command * 2,
            Phase::Dns => self.connect * 3,
            Phase::Ehlo | Phase::Starttls | Phase::EhloTls | Phase::Mail | Phase::Rcpt => {
                self.command
            }
            Phase::Quit => self.command.min(Duration::from_secs(5)),
        }
        .min(self.overall)
    }

    /// Every phase set to `d`; the overall deadline becomes 4 × `d`.
    pub fn uniform(d: Duration) -> Self {
        Self {
            connect: d,
            banner: d,
            command: d,
            tls: d,
            overall: d * 4,
        }
    }
}

/// AUTH mechanism to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMech {
    /// RFC 4616.
    Plain,
    /// The de-facto LOGIN mechanism.
    Login,
    /// RFC 2195.
    CramMd5,
    /// Google/Microsoft XOAUTH2 (bearer token).
    XOAuth2,
    /// RFC 7628 OAUTHBEARER (bearer token).
    OAuthBearer,
}

impl AuthMech {
    /// Name as in EHLO.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::Login => "LOGIN",
            Self::CramMd5 => "CRAM-MD5",
            Self::XOAuth2 => "XOAUTH2",
            Self::OAuthBearer => "OAUTHBEARER",
        }
    }

    /// Parses a mechanism name (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "PLAIN" => Some(Self::Plain),
            "LOGIN" => Some(Self::Login),
            "CRAM-MD5" => Some(Self::CramMd5),
            "XOAUTH2" => Some(Self::XOAuth2),
            "OAUTHBEARER" => Some(Self::OAuthBearer),
            _ => None,
        }
    }
}

/// Credentials for SMTP AUTH.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// User name.
    pub user: String,
    /// Password, or the OAuth token for XOAUTH2.
    pub secret: Secret,
    /// Forced mechanism (`--auth`), otherwise chosen from EHLO.
    pub mech: Option<AuthMech>,
}

/// Where to stop the session (`--quit-after`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// After the TCP connect.
    Connect,
    /// After the greeting.
    Banner,
    /// After the (last) EHLO.
    Ehlo,
    /// After the TLS handshake.
    Starttls,
    /// After AUTH.
    Auth,
    /// After MAIL FROM.
    Mail,
    /// After RCPT TO.
    Rcpt,
    /// After DATA (the message is sent only with `--send`).
    Data,
}

impl Stage {
    /// Parses a `--quit-after` value.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "connect" => Self::Connect,
            "banner" => Self::Banner,
            "ehlo" | "helo" => Self::Ehlo,
            "starttls" | "tls" => Self::Starttls,
            "auth" => Self::Auth,
            "mail" | "from" => Self::Mail,
            "rcpt" | "to" => Self::Rcpt,
            "data" => Self::Data,
            _ => return None,
        })
    }
}

/// TLS options.
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// Extra trust anchors (PEM).
    pub ca_file: Option<PathBuf>,
    /// Name to send in SNI and check the certificate against (default: the host).
    pub server_name: Option<String>,
    /// Proceed (AUTH, envelope) even when the certificate failed verification.
    pub insecure: bool,
    /// Do not load the system trust store (webpki roots + `ca_file` only).
    pub no_system_roots: bool,
    /// Client certificate chain (PEM) for mutual TLS.
    pub client_cert: Option<PathBuf>,
    /// Private key (PEM) of the client certificate.
    pub client_key: Option<PathBuf>,
}

/// A SOCKS5 proxy every connection goes through (`--proxy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySettings {
    /// Proxy host name or address.
    pub host: String,
    /// Proxy port.
    pub port: u16,
    /// `socks5h`: names are resolved by the proxy, not locally.
    pub remote_dns: bool,
    /// User for RFC 1929 authentication.
    pub user: Option<String>,
    /// Password for RFC 1929 authentication (from `SMTPTUI_PROXY_PASSWORD`).
    pub password: Option<Secret>,
}

impl ProxySettings {
    /// `socks5://[user@]host:port` or `socks5h://...` (no password in the URL). The
    /// password, when the URL names a user, is added by
    /// [`validate::parse_proxy`](crate::settings::validate::parse_proxy).
    pub fn parse(url: &str) -> Result<Self, ProxyError> {
        let Some((scheme, rest)) = url.split_once("://") else {
            // Never echo a password typed into the URL.
            return Err(if has_password(url) {
                ProxyError::PasswordInUrl
            } else {
                ProxyError::Url(url.to_string())
            });
        };
        let remote_dns = match scheme.to_ascii_lowercase().as_str() {
            "socks5" => false,
            "socks5h" => true,
            other => return Err(ProxyError::Scheme(other.to_string())),
        };
        let rest = rest.trim_end_matches('/');
        let (user, hostport) = match rest.rsplit_once('@') {
            Some((u, _)) if u.contains(':') => return Err(ProxyError::PasswordInUrl),
            Some((u, h)) => (Some(u.to_string()), h),
            None => (None, rest),
        };
        let (host, port) = hostport
            .rsplit_once(':')
            .ok_or_else(|| ProxyError::NoPort(url.to_string()))?;
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| ProxyError::Port {
                url: url.to_string(),
                port: port.to_string(),
            })?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(ProxyError::NoHost(url.to_string()));
        }
        Ok(Self {
            host: host.to_string(),
            port,
            remote_dns,
            user,
            password: None,
        })
    }
}

/// Whether a URL without a scheme carries `user:password@`.
fn has_password(url: &str) -> bool {
    url.rsplit_once('@').is_some_and(|(u, _)| u.contains(':'))
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Host name or IP literal.
    pub target: String,
    /// Ports and modes.
    pub ports: Vec<PortSpec>,
    /// Address family filter.
    pub family: FamilyFilter,
    /// Static name → address overrides (`--resolve HOST:ADDR`).
    pub resolve: Vec<(String, IpAddr)>,
    /// DNS server to ask instead of the system's.
    pub dns_server: Option<SocketAddr>,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// TLS options.
    pub tls: TlsSettings,
    /// Name sent in EHLO.
    pub ehlo_name: String,
    /// Credentials.
    pub auth: Option<AuthSettings>,
    /// What the session does only when asked: plaintext AUTH, sending a message, the
    /// open-relay test.
    pub opt_in: OptIns,
    /// Envelope sender.
    pub from: Option<String>,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// Where to stop (None: the default for the given options).
    pub quit_after: Option<Stage>,
    /// Maximum endpoints probed at once.
    pub concurrency: usize,
    /// SOCKS5 proxy for every connection.
    pub proxy: Option<ProxySettings>,
    /// Local address to connect from (`--bind`).
    pub bind: Option<IpAddr>,
    /// Network interface to connect through (`--interface`, Linux).
    pub interface: Option<String>,
    /// Trace the network path of every endpoint (`--trace` / `--no-trace`): see
    /// `crate::probe::path`.
    pub trace: bool,
    /// Highest TTL the path trace tries (`--max-hops`, 1-64).
    pub max_hops: u8,
    // --- domain diagnosis (MX mode) and provider presets ---
    /// MX mode (`--mx`): the target is a mail domain; probe every MX host and address
    /// on [`Settings::mx_port`] with STARTTLS and build the DNS mail-security report.
    pub mx: bool,
    /// The port MX hosts are probed on (25; tests point it at a lab server).
    pub mx_port: u16,
    /// DNSBL zones to query (`--dnsbl`); empty means [`DEFAULT_DNSBL_ZONES`].
    pub dnsbl: Vec<String>,
    /// DKIM selectors to check (`--dkim-selector`); empty means discovery over the
    /// selectors common senders publish.
    pub dkim_selectors: Vec<String>,
    /// The HTTPS port of the MTA-STS policy host (443; tests use a loopback port).
    pub mta_sts_port: u16,
    /// The provider preset in use (`--preset`), whose hints extend verdict advice.
    pub preset: Option<PresetHints>,
    /// DNSSEC trust anchors for the TLSA validation (`--dnssec-anchor`, DNSKEY records
    /// in zone-file form); `None` means the IANA root anchors.
    pub dnssec_anchor: Option<std::path::PathBuf>,
}

/// What a session does only when asked, each an independent opt-in that is off by
/// default (`--allow-plaintext-auth`, `--send`, `--relay-test`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OptIns {
    /// Send credentials over an unencrypted connection.
    pub plaintext_auth: bool,
    /// Send a generated test message through DATA.
    pub send: bool,
    /// Without AUTH, MAIL and RCPT to documentation domains, RSET before DATA (never
    /// sends a message); a 2xx to RCPT is an open relay.
    pub relay_test: bool,
}

/// DNSBL zones queried when `--dnsbl` is not given.
pub const DEFAULT_DNSBL_ZONES: &[&str] = &["zen.spamhaus.org", "bl.spamcop.net"];

/// A provider preset's advice, keyed by verdict class code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PresetHints {
    /// Provider name, e.g. `Gmail / Google Workspace`.
    pub name: String,
    /// `(class code, hint)` pairs; the class `*` applies to every failing class.
    pub hints: Vec<(String, String)>,
}

impl PresetHints {
    /// The hints that apply to `class` (its own, then the `*` ones).
    pub fn for_class(&self, class: &str) -> Vec<&str> {
        let own = self.hints.iter().filter(|(c, _)| c == class);
        let any = self.hints.iter().filter(|(c, _)| c == "*");
        own.chain(any).map(|(_, h)| h.as_str()).collect()
    }
}

impl Settings {
    /// Settings for `target` with every default.
    pub fn new(target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            ports: PortSpec::defaults(),
            family: FamilyFilter::Any,
            resolve: Vec::new(),
            dns_server: None,
            timeouts: Timeouts::default(),
            tls: TlsSettings::default(),
            ehlo_name: default_ehlo_name(),
            auth: None,
            opt_in: OptIns::default(),
            from: None,
            to: Vec::new(),
            quit_after: None,
            concurrency: 32,
            proxy: None,
            bind: None,
            interface: None,
            trace: true,
            max_hops: 20,
            mx: false,
            mx_port: 25,
            dnsbl: Vec::new(),
            dkim_selectors: Vec::new(),
            mta_sts_port: 443,
            preset: None,
            dnssec_anchor: None,
        }
    }

    /// The stage where the session stops: `--quit-after`, else the furthest the given
    /// options reach (DATA with `--send`, RCPT with `--to`, MAIL with `--from`, AUTH
    /// with credentials, otherwise the EHLO after TLS).
    pub fn effective_quit_after(&self) -> Stage {
        if let Some(s) = self.quit_after {
            return s;
        }
        if self.opt_in.send {
            Stage::Data
        } else if !self.to.is_empty() {
            Stage::Rcpt
        } else if self.from.is_some() {
            Stage::Mail
        } else if self.auth.is_some() {
            Stage::Auth
        } else {
            Stage::Ehlo
        }
    }
}

/// The default EHLO name: this machine's fully qualified name when it has one (read
/// from the kernel and `/etc/hostname`, never from DNS), else empty — the address
/// literal of each connection's local address is used then ([`ehlo_name_for`]).
pub fn default_ehlo_name() -> String {
    machine_fqdn().unwrap_or_default()
}

/// This machine's host name, when it is fully qualified (contains a dot).
pub fn machine_fqdn() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().trim_end_matches('.').to_ascii_lowercase())
        .find(|s| is_fqdn(s))
}

fn is_fqdn(s: &str) -> bool {
    s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// The EHLO argument for one connection: the configured name, or (when none) the
/// RFC 5321 4.1.3 address literal of the local address (`[192.0.2.7]`,
/// `[IPv6:2001:db8::7]`).
pub fn ehlo_name_for(configured: &str, local: Option<SocketAddr>) -> String {
    if !configured.is_empty() {
        return configured.to_string();
    }
    match local.map(|a| a.ip()) {
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("[{v4}]"),
            None => format!("[IPv6:{v6}]"),
        },
        Some(IpAddr::V4(v4)) => format!("[{v4}]"),
        None => "[127.0.0.1]".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ehlo_names() {
        let v4: SocketAddr = "192.0.2.7:40000".parse().unwrap();
        let v6: SocketAddr = "[2001:db8::7]:40000".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:192.0.2.9]:1".parse().unwrap();
        assert_eq!(ehlo_name_for("", Some(v4)), "[192.0.2.7]");
        assert_eq!(ehlo_name_for("", Some(v6)), "[IPv6:2001:db8::7]");
        assert_eq!(ehlo_name_for("", Some(mapped)), "[192.0.2.9]");
        assert_eq!(ehlo_name_for("mx.example.org", Some(v4)), "mx.example.org");
        assert!(is_fqdn("host.example.org"));
        for bad in ["localhost", "", "a..b", "-a.b", "a b.c", "x.-y"] {
            assert!(!is_fqdn(bad), "{bad}");
        }
        let d = default_ehlo_name();
        assert!(d.is_empty() || is_fqdn(&d), "{d}");
    }

    #[test]
    fn proxy_urls() {
        let p = ProxySettings::parse("socks5://127.0.0.1:1080").unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.remote_dns, p.user),
            ("127.0.0.1", 1080, false, None)
        );
        let p = ProxySettings::parse("socks5h://bob@[::1]:9050/").unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.remote_dns, p.user.as_deref()),
            ("::1", 9050, true, Some("bob"))
        );
        for bad in [
            "http://x:1",
            "socks5://x",
            "socks5://x:0",
            "socks5://u:pw@x:1",
            "socks5://:1",
            "x:1",
        ] {
            assert!(ProxySettings::parse(bad).is_err(), "{bad}");
        }
    }
}
