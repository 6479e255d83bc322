//! The target form: host (or `mx:DOMAIN` for MX mode), provider preset, ports/modes,
//! credentials, envelope, TLS name and CA file. It turns into [`Settings`] (validated
//! here) and remembers recent targets through [`super::recent`]. The password is masked
//! on screen and never written anywhere. The preset picker lives in
//! [`super::preset_pick`].

use std::path::{Path, PathBuf};

use crate::model::{PortSpec, Secret};
use crate::settings::{AuthMech, AuthSettings, Settings, validate};

use super::form_auth::explicit_mech;
pub use super::form_auth::{AUTH_CHOICES, parse_mech};

use super::input::LineInput;
use super::recent::RecentTarget;

/// The form's fields, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Host name or address; `mx:DOMAIN` for MX mode.
    Host,
    /// Provider preset (`gmail`, `ses:eu-west-1`); ←/→ cycle.
    Preset,
    /// Ports and modes, `25,465/tls,587,2525`.
    Ports,
    /// AUTH user.
    User,
    /// AUTH mechanism: empty (auto) or a name; ←/→ cycle through [`AUTH_CHOICES`].
    Auth,
    /// AUTH password or OAuth token (masked).
    Password,
    /// Envelope sender.
    From,
    /// Envelope recipients, comma-separated.
    To,
    /// TLS server name (SNI and certificate check).
    ServerName,
    /// Extra CA file (PEM).
    CaFile,
    /// Static name → address overrides (`--resolve`), `HOST:ADDR, ...`.
    Resolve,
    /// The DNS server to ask instead of the system's (`--dns-server`).
    DnsServer,
    /// SOCKS5 proxy URL.
    Proxy,
    /// Local address to connect from.
    Bind,
    /// Client certificate (PEM) for mutual TLS.
    ClientCert,
    /// Its private key (PEM).
    ClientKey,
    /// DKIM selectors for MX mode, comma-separated (empty: discovery).
    DkimSelectors,
}

impl Field {
    /// Every field, in order.
    pub const ALL: [Field; 17] = [
        Field::Host,
        Field::Preset,
        Field::Ports,
        Field::User,
        Field::Auth,
        Field::Password,
        Field::From,
        Field::To,
        Field::ServerName,
        Field::CaFile,
        Field::Resolve,
        Field::DnsServer,
        Field::Proxy,
        Field::Bind,
        Field::ClientCert,
        Field::ClientKey,
        Field::DkimSelectors,
    ];

    /// The label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Host => "Host",
            Self::Preset => "Preset",
            Self::Ports => "Ports/modes",
            Self::User => "User",
            Self::Auth => "AUTH",
            Self::Password => "Password",
            Self::From => "Mail from",
            Self::To => "Rcpt to",
            Self::ServerName => "TLS name",
            Self::CaFile => "CA file",
            Self::Resolve => "Resolve",
            Self::DnsServer => "DNS server",
            Self::Proxy => "Proxy",
            Self::Bind => "Source",
            Self::ClientCert => "Client cert",
            Self::ClientKey => "Client key",
            Self::DkimSelectors => "DKIM sel.",
        }
    }

    /// A hint shown when the field is empty.
    pub fn placeholder(self) -> &'static str {
        match self {
            Self::Host => "mail.example.com, or mx:example.com for a domain's MX hosts",
            Self::Preset => "(optional) ←/→ or Ctrl-O: gmail, microsoft365, ses:REGION …",
            Self::Ports => "25,465/tls,587,2525",
            Self::User => "(optional) user for AUTH",
            Self::Auth => "auto  (←/→: PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER)",
            Self::Password => "(optional) never stored",
            Self::From => "(optional) sender@example.com",
            Self::To => "(optional) rcpt@example.net, ...",
            Self::ServerName => "(optional) name to check the certificate against",
            Self::CaFile => "(optional) extra trust anchors, PEM",
            Self::Resolve => "(optional) HOST:ADDR, ... used instead of DNS",
            Self::DnsServer => "(optional) ADDR[:PORT], the only DNS server asked",
            Self::Proxy => "(optional) socks5://[user@]host:port (password: env)",
            Self::Bind => "(optional) local address or interface to connect from",
            Self::ClientCert => "(optional) client certificate, PEM",
            Self::ClientKey => "(optional) client key, PEM",
            Self::DkimSelectors => "(optional, mx:) DKIM selectors, e.g. s1, corp2026",
        }
    }
}

/// Why the form cannot start a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// No host.
    #[error("enter a host name or address")]
    NoHost,
    /// The AUTH field names no known mechanism.
    #[error("AUTH: unknown mechanism `{0}` (auto, PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER)")]
    Auth(String),
    /// A port spec did not parse.
    #[error("ports: {0}")]
    Ports(String),
    /// Password without user.
    #[error("a password needs a user")]
    PasswordWithoutUser,
    /// An AUTH mechanism without user.
    #[error("an AUTH mechanism needs a user")]
    MechWithoutUser,
    /// The proxy URL, bind address or client certificate is unusable.
    #[error("{0}")]
    Reach(String),
    /// A value the command line would refuse too (same rules, same words:
    /// [`crate::settings::validate`]).
    #[error("{0}")]
    Invalid(String),
    /// The preset is unknown, or combined with MX mode.
    #[error("preset: {0}")]
    Preset(String),
    /// A DKIM selector is not a valid DNS label sequence.
    #[error("DKIM selector: {0}")]
    Dkim(String),
}

/// The form state.
#[derive(Debug, Clone)]
pub struct Form {
    /// One input per field (the password's text is only in memory, masked on screen).
    pub inputs: [LineInput; 17],
    /// The focused field.
    pub focus: usize,
    /// Recent targets, newest first.
    pub recent: Vec<RecentTarget>,
    /// Which recent target was last filled in.
    pub recent_index: Option<usize>,
    /// The last validation error.
    pub error: Option<String>,
    /// Settings to start from (timeouts, resolve overrides ... of the CLI).
    pub base: Option<Settings>,
    /// The preset spec whose host and ports were last filled in (so typing in the
    /// Preset field fills the form once per preset).
    pub preset_applied: Option<String>,
}

impl Form {
    /// An empty form with the default ports.
    pub fn new(recent: Vec<RecentTarget>) -> Self {
        let mut inputs: [LineInput; 17] = Default::default();
        inputs[Field::Ports as usize] = LineInput::new(ports_text(&PortSpec::defaults()));
        Self {
            inputs,
            focus: 0,
            recent,
            recent_index: None,
            error: None,
            base: None,
            preset_applied: None,
        }
    }

    /// The input of a field.
    pub fn input(&self, f: Field) -> &LineInput {
        &self.inputs[f as usize]
    }

    /// Whether an empty password field keeps a password given earlier (CLI or form).
    pub fn keeps_secret(&self) -> bool {
        self.input(Field::Password).text().is_empty()
            && self
                .base
                .as_ref()
                .and_then(|b| b.auth.as_ref())
                .is_some_and(|a| !a.secret.is_empty())
    }

    /// The focused field.
    pub fn focused(&self) -> Field {
        Field::ALL[self.focus]
    }

    /// The focused input.
    pub fn focused_input(&mut self) -> &mut LineInput {
        &mut self.inputs[self.focus]
    }

    /// Moves focus by `delta` fields, wrapping.
    pub fn move_focus(&mut self, delta: isize) {
        let n = Field::ALL.len() as isize;
        self.focus = (self.focus as isize + delta).rem_euclid(n) as usize;
    }

    /// Fills the form from settings (the password is not copied: an empty password
    /// field keeps the one the settings already have).
    pub fn load_settings(&mut self, s: &Settings) {
        let set = |f: &mut Self, field: Field, v: String| f.inputs[field as usize].set(v);
        // `--mx` without a target leaves `mx:` in the Host field, ready for the domain.
        let host = if s.mx {
            format!("{MX_PREFIX}{}", s.target)
        } else {
            s.target.clone()
        };
        set(self, Field::Host, host);
        let preset = super::preset_pick::preset_id(s).unwrap_or_default();
        self.preset_applied = (!preset.is_empty()).then(|| preset.clone());
        set(self, Field::Preset, preset);
        set(self, Field::Ports, ports_text(&s.ports));
        set(
            self,
            Field::User,
            s.auth.as_ref().map(|a| a.user.clone()).unwrap_or_default(),
        );
        set(self, Field::Auth, explicit_mech(s).unwrap_or_default());
        set(self, Field::Password, String::new());
        set(self, Field::From, s.from.clone().unwrap_or_default());
        set(self, Field::To, s.to.join(", "));
        set(
            self,
            Field::ServerName,
            s.tls.server_name.clone().unwrap_or_default(),
        );
        set(
            self,
            Field::CaFile,
            s.tls
                .ca_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        );
        set(self, Field::Resolve, validate::resolve_text(&s.resolve));
        set(
            self,
            Field::DnsServer,
            s.dns_server
                .map(validate::dns_server_text)
                .unwrap_or_default(),
        );
        let proxy = s.proxy.as_ref().map(|p| {
            let scheme = if p.remote_dns { "socks5h" } else { "socks5" };
            let user = p.user.as_ref().map(|u| format!("{u}@")).unwrap_or_default();
            format!("{scheme}://{user}{}:{}", p.host, p.port)
        });
        set(self, Field::Proxy, proxy.unwrap_or_default());
        set(
            self,
            Field::Bind,
            s.bind
                .map(|b| b.to_string())
                .or_else(|| s.interface.clone())
                .unwrap_or_default(),
        );
        let path = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        set(self, Field::ClientCert, path(&s.tls.client_cert));
        set(self, Field::ClientKey, path(&s.tls.client_key));
        set(self, Field::DkimSelectors, s.dkim_selectors.join(", "));
        self.base = Some(s.clone());
        self.error = None;
    }

    /// Fills the form from a remembered target.
    pub fn load_recent(&mut self, r: &RecentTarget) {
        let set = |f: &mut Self, field: Field, v: &str| f.inputs[field as usize].set(v);
        set(self, Field::Host, &r.host);
        set(self, Field::Preset, &r.preset);
        self.preset_applied = (!r.preset.is_empty()).then(|| r.preset.clone());
        set(self, Field::Ports, &r.ports);
        set(self, Field::User, &r.user);
        set(self, Field::Auth, &r.auth);
        set(self, Field::Password, "");
        set(self, Field::From, &r.from);
        set(self, Field::To, &r.to);
        set(self, Field::ServerName, &r.server_name);
        set(self, Field::CaFile, &r.ca_file);
        set(self, Field::Resolve, &r.resolve);
        set(self, Field::DnsServer, &r.dns_server);
        set(self, Field::Proxy, &r.proxy);
        set(self, Field::Bind, &r.bind);
        set(self, Field::ClientCert, &r.client_cert);
        set(self, Field::ClientKey, &r.client_key);
        self.error = None;
    }

    /// Steps through the recent targets (+1 older, -1 newer) and fills the form.
    pub fn cycle_recent(&mut self, delta: isize) {
        if self.recent.is_empty() {
            return;
        }
        let n = self.recent.len() as isize;
        let next = match self.recent_index {
            None if delta >= 0 => 0,
            None => n - 1,
            Some(i) => (i as isize + delta).rem_euclid(n),
        } as usize;
        self.recent_index = Some(next);
        let r = self.recent[next].clone();
        self.load_recent(&r);
    }

    fn text(&self, f: Field) -> &str {
        self.input(f).text().trim()
    }

    /// What the form would remember (never the password).
    pub fn to_recent(&self) -> RecentTarget {
        RecentTarget {
            host: self.text(Field::Host).to_string(),
            preset: self.text(Field::Preset).to_string(),
            ports: self.text(Field::Ports).to_string(),
            user: self.text(Field::User).to_string(),
            auth: self
                .mech()
                .ok()
                .flatten()
                .map_or("", AuthMech::as_str)
                .to_string(),
            from: self.text(Field::From).to_string(),
            to: self.text(Field::To).to_string(),
            server_name: self.text(Field::ServerName).to_string(),
            ca_file: self.text(Field::CaFile).to_string(),
            resolve: self.text(Field::Resolve).to_string(),
            dns_server: self.text(Field::DnsServer).to_string(),
            proxy: self.text(Field::Proxy).to_string(),
            bind: self.text(Field::Bind).to_string(),
            client_cert: self.text(Field::ClientCert).to_string(),
            client_key: self.text(Field::ClientKey).to_string(),
        }
    }

    /// Validates the form into settings. The password field is cleared afterwards
    /// (the secret lives on only inside the returned settings).
    pub fn submit(&mut self) -> Result<Settings, FormError> {
        let (host, mx) = split_mx(self.text(Field::Host));
        if host.is_empty() {
            return Err(FormError::NoHost);
        }
        validate::validate_target(host).map_err(FormError::Invalid)?;
        let ports = parse_ports(self.text(Field::Ports)).map_err(FormError::Ports)?;
        let mech = self.mech()?;
        let mut s = match &self.base {
            Some(b) => Settings {
                target: host.to_string(),
                ..b.clone()
            },
            None => Settings::new(host),
        };
        s.ports = ports;
        s.mx = mx;
        let user = self.text(Field::User);
        let password = self.input(Field::Password).text();
        if user.is_empty() {
            if !password.is_empty() {
                return Err(FormError::PasswordWithoutUser);
            }
            if mech.is_some() {
                return Err(FormError::MechWithoutUser);
            }
            s.auth = None;
        } else {
            let previous = s.auth.take();
            let secret = if password.is_empty() {
                previous
                    .as_ref()
                    .map(|a| a.secret.clone())
                    .unwrap_or_default()
            } else {
                Secret::new(password)
            };
            // Auto leaves the choice to the preset (below) or to the server's EHLO.
            s.auth = Some(AuthSettings {
                user: user.to_string(),
                secret,
                mech: None,
            });
        }
        let from = self.text(Field::From);
        s.from = (!from.is_empty()).then(|| from.to_string());
        s.to = self
            .text(Field::To)
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect();
        let sn = self.text(Field::ServerName);
        s.tls.server_name = (!sn.is_empty()).then(|| sn.to_string());
        let ca = self.text(Field::CaFile);
        s.tls.ca_file = (!ca.is_empty())
            .then(|| validate::validate_pem_file("CA file", Path::new(ca)))
            .transpose()
            .map_err(FormError::Invalid)?;
        for addr in s.from.iter().chain(&s.to) {
            validate::validate_address(addr).map_err(FormError::Invalid)?;
        }
        s.resolve =
            validate::parse_resolve_list(self.text(Field::Resolve)).map_err(FormError::Invalid)?;
        let dns = self.text(Field::DnsServer);
        s.dns_server = (!dns.is_empty())
            .then(|| validate::parse_dns_server(dns))
            .transpose()
            .map_err(FormError::Invalid)?;
        s.dkim_selectors = Vec::new();
        for sel in self
            .text(Field::DkimSelectors)
            .split([',', ' '])
            .filter(|t| !t.trim().is_empty())
        {
            let v = crate::diagnose::dkim::valid_selector(sel)
                .map_err(|e| FormError::Dkim(format!("`{}`: {e}", sel.escape_debug())))?;
            if !s.dkim_selectors.contains(&v) {
                s.dkim_selectors.push(v);
            }
        }
        self.apply_reach(&mut s)?;
        self.apply_preset(&mut s)?;
        // The same check `check` makes before probing: the trust anchors and the client
        // certificate must load.
        super::engine::check_tls(&s.tls).map_err(FormError::Invalid)?;
        if let (Some(m), Some(auth)) = (mech, s.auth.as_mut()) {
            auth.mech = Some(m);
        }
        self.inputs[Field::Password as usize].clear();
        self.base = Some(s.clone());
        self.error = None;
        Ok(s)
    }
}

impl Form {
    /// Proxy, bind address and client certificate fields into the settings.
    fn apply_reach(&self, s: &mut Settings) -> Result<(), FormError> {
        let proxy = self.text(Field::Proxy);
        s.proxy = if proxy.is_empty() {
            None
        } else {
            let mut p = crate::settings::ProxySettings::parse(proxy).map_err(FormError::Reach)?;
            if p.user.is_some() {
                let pw = std::env::var("SMTPTUI_PROXY_PASSWORD").unwrap_or_default();
                if pw.is_empty() {
                    return Err(FormError::Reach(
                        "the proxy names a user: set SMTPTUI_PROXY_PASSWORD".into(),
                    ));
                }
                p.password = Some(Secret::new(pw));
            }
            Some(p)
        };
        // An IP address binds the source address; anything else names an interface.
        let bind = self.text(Field::Bind);
        s.bind = None;
        s.interface = None;
        if let Ok(ip) = bind.parse() {
            s.bind = Some(ip);
        } else if !bind.is_empty() {
            if validate::validate_interface(bind).is_err() {
                return Err(FormError::Reach(format!(
                    "`{}` is neither an IP address nor an interface name",
                    bind.escape_debug()
                )));
            }
            s.interface = Some(bind.to_string());
        }
        let (cert, key) = (self.text(Field::ClientCert), self.text(Field::ClientKey));
        if cert.is_empty() != key.is_empty() {
            return Err(FormError::Reach(
                "client certificate and key go together".into(),
            ));
        }
        let pem = |option: &str, text: &str| {
            (!text.is_empty())
                .then(|| validate::validate_pem_file(option, Path::new(text)))
                .transpose()
                .map_err(FormError::Reach)
        };
        s.tls.client_cert = pem("client certificate", cert)?;
        s.tls.client_key = pem("client key", key)?;
        Ok(())
    }
}

pub use crate::settings::validate::{MX_PREFIX, split_mx};

/// `25,465/tls,587` → port specs (at least one, no duplicates).
pub fn parse_ports(text: &str) -> Result<Vec<PortSpec>, String> {
    let mut out: Vec<PortSpec> = Vec::new();
    for part in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let spec: PortSpec = part.parse()?;
        if !out.contains(&spec) {
            out.push(spec);
        }
    }
    if out.is_empty() {
        return Err("enter at least one port, e.g. 587".into());
    }
    Ok(out)
}

/// Port specs → the form's text; the default mode of a port is left implicit.
pub fn ports_text(ports: &[PortSpec]) -> String {
    ports
        .iter()
        .map(|p| {
            if p.mode == crate::model::Mode::default_for_port(p.port) {
                p.port.to_string()
            } else {
                p.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod option_tests;
