//! The target form: host (or `mx:DOMAIN` for MX mode), provider preset, ports/modes,
//! credentials, envelope, TLS name and CA file. It turns into [`Settings`] in
//! [`super::form_submit`] (by the command line's rules) and remembers recent targets
//! through [`super::recent`]. The password is masked on screen and never written
//! anywhere. The preset picker lives in [`super::preset_pick`].

use std::path::PathBuf;

use crate::model::{PortSpec, Secret};
use crate::presets::PresetError;
use crate::settings::{AuthMech, ProxyError, Settings, ValidationError, validate};

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

/// Why the form cannot start a run. Values are checked by the command line's rules
/// ([`crate::settings::validate`]); most errors read as the CLI's, a few are worded for
/// the form's fields (see the `From<ValidationError>` impl).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormError {
    /// No host.
    #[error("enter a host name or address")]
    NoHost,
    /// The AUTH field names no known mechanism.
    #[error("AUTH: unknown mechanism `{0}` (auto, PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER)")]
    Auth(String),
    /// The Ports field does not parse.
    #[error("ports: {0}")]
    Ports(ValidationError),
    /// Password without user.
    #[error("a password needs a user")]
    PasswordWithoutUser,
    /// An AUTH mechanism without user.
    #[error("an AUTH mechanism needs a user")]
    MechWithoutUser,
    /// The Source field is neither an IP address nor an interface name.
    #[error("`{}` is neither an IP address nor an interface name", .0.escape_debug())]
    Source(String),
    /// A client certificate without key, or the other way round.
    #[error("client certificate and key go together")]
    ClientPair,
    /// The proxy URL names a user but no proxy password was handed to the form.
    #[error("the proxy names a user: set SMTPTUI_PROXY_PASSWORD")]
    ProxyPassword,
    /// The preset is unknown.
    #[error("preset: {0}")]
    Preset(PresetError),
    /// A preset in MX mode.
    #[error("preset: a preset and MX mode (mx:) do not combine")]
    PresetWithMx,
    /// A DKIM selector is not a valid DNS label sequence.
    #[error("DKIM selector: `{}`: {reason}", .selector.escape_debug())]
    Dkim {
        /// The selector as typed.
        selector: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The trust anchors or the client certificate do not load (the check `smtptui
    /// check` makes before probing, in the words of [`super::engine::check_tls`]).
    #[error("{0}")]
    Tls(String),
    /// A value the command line would refuse too, in the same words.
    #[error(transparent)]
    Invalid(ValidationError),
}

impl From<ValidationError> for FormError {
    /// The rules' errors, reworded where the CLI's words name a flag the form has as a
    /// field.
    fn from(e: ValidationError) -> Self {
        match e {
            ValidationError::MechWithoutUser => Self::MechWithoutUser,
            // The form's Source field takes an address or, failing that, an interface.
            ValidationError::Interface(name) => Self::Source(name),
            ValidationError::ClientPair => Self::ClientPair,
            ValidationError::Proxy(ProxyError::NoPassword) => Self::ProxyPassword,
            ValidationError::PresetWithMx => Self::PresetWithMx,
            ValidationError::DkimSelector { selector, reason } => Self::Dkim { selector, reason },
            e => Self::Invalid(e),
        }
    }
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
    /// The proxy password the binary obtained ([`super::TuiOptions::proxy_password`]);
    /// never shown, never remembered.
    pub proxy_password: Option<Secret>,
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
            proxy_password: None,
        }
    }

    /// The form with the proxy password a proxy URL with a user needs.
    #[must_use]
    pub fn with_proxy_password(mut self, password: Option<Secret>) -> Self {
        self.proxy_password = password;
        self
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

    /// A field's text without surrounding blanks.
    pub(super) fn text(&self, f: Field) -> &str {
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
}

pub use crate::settings::validate::{MX_PREFIX, parse_ports, split_mx};

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
