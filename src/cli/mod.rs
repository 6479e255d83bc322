//! The command line (clap derive) and its conversion into validated [`Settings`].
//! Clap stays here; the engine never sees it.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::{PortSpec, Secret};
use crate::settings::{
    AuthMech, AuthSettings, FamilyFilter, Settings, Stage, Timeouts, TlsSettings, validate,
};

const EXAMPLES: &str = "\
Examples:
  smtptui --demo                                   open the TUI against the built-in lab
  smtptui smtp.example.com                         TUI: probe 25, 465, 587 and 2525
  smtptui check smtp.example.com -p 587 -p 465     headless check of two ports
  SMTPTUI_PASSWORD=... smtptui check smtp.example.com -p 587 --user me@example.com
  smtptui check mail.test --resolve mail.test:127.0.0.1 -p 2525/starttls --ca-file ca.pem --format json";

const CHECK_EXAMPLES: &str = "\
Examples:
  smtptui check smtp.gmail.com -p 587 -p 465
  smtptui check mx.example.com -p 25 --from me@example.com --to postmaster@example.com
  SMTPTUI_PASSWORD=secret smtptui check smtp.example.com -p 587 --user alice --format json
  smtptui check 192.0.2.10 -p 2525/auto --export run.txt
  smtptui check mail.example.com -p 587 --user me@example.com --export report.html
  smtptui check example.com --mx --dnsbl zen.spamhaus.org   every MX + DNS mail-security report
  smtptui check --preset gmail --user me@gmail.com          provider preset (see `smtptui presets`)
Exit status: 0 when at least one endpoint is ok, 1 when none is, 2 on usage errors.";

/// smtptui: why does mail submission from here to there work or fail? Probes the SMTP
/// port matrix, shows the live transcript, inspects certificates, classifies failures.
#[derive(Debug, Parser)]
#[command(name = "smtptui", version, about, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to run (default: the interactive TUI).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Host name or IP address of the mail server (TUI; omit to open the target form).
    pub target: Option<String>,
    /// Start the embedded loopback lab and open the TUI against it (no network needed).
    #[arg(long)]
    pub demo: bool,
    /// Directory for `e`/`E` exports from the TUI.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub export_dir: PathBuf,
    /// Probe options.
    #[command(flatten)]
    pub probe: ProbeArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe headless: stream the transcript, then print the matrix and verdicts (or JSON).
    #[command(after_help = CHECK_EXAMPLES)]
    Check(Box<CheckArgs>),
    /// Print shell completions.
    #[command(after_help = "Example:\n  smtptui completions bash > /etc/bash_completion.d/smtptui")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  smtptui man > smtptui.1 && man ./smtptui.1")]
    Man,
    /// List the provider presets for `--preset` (host, ports, AUTH, notes).
    #[command(
        after_help = "Example:\n  smtptui presets && smtptui check --preset ses:eu-west-1 --user AKIA..."
    )]
    Presets,
}

/// `smtptui check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Host name or IP address of the mail server; with --mx the mail domain; may be
    /// omitted with --preset.
    #[arg(default_value = "", hide_default_value = true)]
    pub target: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write the report to FILE: `.json` the JSON document, `.html` the self-contained
    /// HTML report, anything else the text report; a directory gets
    /// `smtptui-TARGET-DATE.txt`. Never overwrites.
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    /// Do not stream the transcript while running (text format).
    #[arg(short, long)]
    pub quiet: bool,
    /// Exit with status 3 when any endpoint has a warning (and none failed outright).
    #[arg(long)]
    pub fail_on_warning: bool,
    /// Probe options.
    #[command(flatten)]
    pub probe: ProbeArgs,
}

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable.
    Text,
    /// One JSON document (schema_version 1, see README).
    Json,
}

/// Options shared by the TUI and `check`.
#[derive(Debug, Args, Default)]
pub struct ProbeArgs {
    /// Port and mode, PORT[/MODE] with MODE plain|starttls|tls|auto; repeatable or
    /// comma-separated [default: 25, 465/tls, 587, 2525].
    #[arg(
        short,
        long = "port",
        value_name = "PORT[/MODE]",
        value_delimiter = ','
    )]
    pub ports: Vec<PortSpec>,
    /// IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,
    /// Use ADDR for HOST instead of DNS (curl style HOST:ADDR); repeatable.
    #[arg(long, value_name = "HOST:ADDR")]
    pub resolve: Vec<String>,
    /// DNS server to ask instead of the system's, ADDR[:PORT].
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub dns_server: Option<String>,
    /// Set every phase timeout (connect, banner, command, TLS) to SECS.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// TCP connect timeout [default: 10].
    #[arg(long, value_name = "SECS")]
    pub connect_timeout: Option<f64>,
    /// Greeting timeout [default: 15].
    #[arg(long, value_name = "SECS")]
    pub banner_timeout: Option<f64>,
    /// Per-command reply timeout [default: 15].
    #[arg(long, value_name = "SECS")]
    pub command_timeout: Option<f64>,
    /// TLS handshake timeout [default: 10].
    #[arg(long, value_name = "SECS")]
    pub tls_timeout: Option<f64>,
    /// Overall deadline per endpoint [default: 60, or 4 × --timeout].
    #[arg(long, value_name = "SECS")]
    pub overall_timeout: Option<f64>,
    /// Name for SNI and certificate checking (default: the target).
    #[arg(long, value_name = "NAME")]
    pub tls_server_name: Option<String>,
    /// Extra trust anchors (PEM file).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Do not load the system trust store (webpki roots and --ca-file only).
    #[arg(long)]
    pub no_system_roots: bool,
    /// Client certificate chain (PEM) for mutual TLS.
    #[arg(long, value_name = "PEM", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// Private key (PEM) for --client-cert.
    #[arg(long, value_name = "PEM", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Connect through a SOCKS5 proxy: socks5://[user@]host:port (socks5h:// resolves
    /// names at the proxy); the proxy password comes from SMTPTUI_PROXY_PASSWORD.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Local address to connect from (compare two uplinks).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<IpAddr>,
    /// Network interface to connect through (Linux, needs CAP_NET_RAW).
    #[arg(long, value_name = "NAME")]
    pub interface: Option<String>,
    /// Trace where on the path each port stops and whether a box answers in the
    /// server's place (TTL-limited connects, Linux, no root). On by default.
    #[arg(long, overrides_with = "no_trace")]
    pub trace: bool,
    /// Skip the path check.
    #[arg(long, overrides_with = "trace")]
    pub no_trace: bool,
    /// Highest TTL the path check tries (1-64).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_hops: u8,
    /// Go on (AUTH, envelope) after a certificate failure; the verdict still names it.
    #[arg(long)]
    pub insecure: bool,
    /// Name to send in EHLO [default: this machine's fully qualified name, else the
    /// address literal of the local address, e.g. [192.0.2.7]].
    #[arg(long, value_name = "NAME")]
    pub ehlo: Option<String>,
    /// User name for AUTH. The password comes from SMTPTUI_PASSWORD, --password-file, or
    /// a prompt (never the command line).
    #[arg(short, long, value_name = "USER")]
    pub user: Option<String>,
    /// Read the password (or XOAUTH2 token) from the first line of FILE.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// AUTH mechanism: PLAIN, LOGIN, CRAM-MD5, XOAUTH2 (token from SMTPTUI_OAUTH_TOKEN)
    /// [default: chosen from EHLO].
    #[arg(long, value_name = "MECH")]
    pub auth: Option<String>,
    /// Allow sending credentials without TLS.
    #[arg(long)]
    pub allow_plaintext_auth: bool,
    /// Envelope sender (MAIL FROM).
    #[arg(long, value_name = "ADDR")]
    pub from: Option<String>,
    /// Envelope recipient (RCPT TO); repeatable.
    #[arg(long, value_name = "ADDR")]
    pub to: Vec<String>,
    /// Send a small generated test message through DATA.
    #[arg(long)]
    pub send: bool,
    /// Open-relay test: without AUTH, MAIL FROM and RCPT TO outside documentation
    /// domains (relay-test@example.com → relay-test@example.net), then RSET; never DATA.
    #[arg(long)]
    pub relay_test: bool,
    /// Stop after connect|banner|ehlo|starttls|auth|mail|rcpt|data.
    #[arg(long, value_name = "STAGE")]
    pub quit_after: Option<String>,
    /// Endpoints probed at once.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,
    /// Write diagnostics (tracing) to FILE.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    // --- domain diagnosis and presets ---
    /// Treat the target as a mail domain: probe every MX host and address on port 25
    /// with STARTTLS and report MX, PTR, SPF, DMARC, MTA-STS, TLS-RPT, DANE, DNSBL.
    #[arg(long)]
    pub mx: bool,
    /// DNSBL zone to check MX addresses against; repeatable (given: only these zones)
    /// [default: zen.spamhaus.org, bl.spamcop.net].
    #[arg(long, value_name = "ZONE")]
    pub dnsbl: Vec<String>,
    /// DKIM selector to check at SELECTOR._domainkey.DOMAIN; repeatable (given: only
    /// these) [default: discovery over the selectors common senders publish].
    #[arg(long, value_name = "SEL")]
    pub dkim_selector: Vec<String>,
    /// Provider preset: fills host, ports and AUTH mechanism, adds provider hints to the
    /// advice (`smtptui presets` lists them; `ses:REGION` picks a region).
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Port to probe MX hosts on (test hook: feature `testing`, never in a release build).
    #[cfg(feature = "testing")]
    #[arg(long, value_name = "PORT", hide = true)]
    pub mx_port: Option<u16>,
    /// HTTPS port of the MTA-STS policy host (test hook: feature `testing`).
    #[cfg(feature = "testing")]
    #[arg(long, value_name = "PORT", hide = true)]
    pub mta_sts_port: Option<u16>,
    /// DNSSEC trust anchors (DNSKEY records, zone-file form) instead of the IANA root
    /// anchors (testing aid).
    #[arg(long, value_name = "FILE", hide = true)]
    pub dnssec_anchor: Option<PathBuf>,
}

/// A usage error with a clear message (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn secs(name: &str, v: f64) -> Result<Duration, UsageError> {
    if !v.is_finite() || v <= 0.0 || v > 3600.0 {
        return Err(UsageError(format!(
            "--{name} must be between 0 and 3600 seconds, got {v}"
        )));
    }
    Ok(Duration::from_secs_f64(v))
}

/// Parses `HOST:ADDR` (ADDR may be an IPv6 literal, bracketed or not).
pub fn parse_resolve(s: &str) -> Result<(String, IpAddr), UsageError> {
    validate::parse_resolve(s).map_err(UsageError)
}

/// Parses `ADDR[:PORT]` for --dns-server (port 53 by default).
pub fn parse_dns_server(s: &str) -> Result<SocketAddr, UsageError> {
    validate::parse_dns_server(s).map_err(UsageError)
}

/// Where the secret comes from, resolved by the binary (env, file, prompt).
pub trait SecretSource {
    /// An environment variable.
    fn env(&self, name: &str) -> Option<String>;
    /// Prompt on the terminal without echo (None when not a TTY).
    fn prompt(&self, prompt: &str) -> Option<String>;
}

impl ProbeArgs {
    /// The test hooks `--mx-port` / `--mta-sts-port` (feature `testing`).
    #[cfg(feature = "testing")]
    fn apply_test_ports(&self, s: &mut Settings) -> Result<(), UsageError> {
        for (name, port) in [
            ("mx-port", self.mx_port),
            ("mta-sts-port", self.mta_sts_port),
        ] {
            if port == Some(0) {
                return Err(UsageError(format!("--{name} must be 1-65535")));
            }
        }
        if let Some(p) = self.mx_port {
            s.mx_port = p;
        }
        if let Some(p) = self.mta_sts_port {
            s.mta_sts_port = p;
        }
        Ok(())
    }

    /// Validates and converts into settings for `target` (`mx:DOMAIN` is MX mode, as
    /// `--mx DOMAIN`).
    pub fn to_settings(
        &self,
        target: &str,
        secrets: &dyn SecretSource,
    ) -> Result<Settings, UsageError> {
        let preset = self.find_preset()?;
        let (target, mx_prefix) = validate::split_mx(target);
        let target = match (target, &preset) {
            ("", Some(p)) => p.host.as_str(),
            (t, _) => t,
        };
        validate::validate_target(target).map_err(UsageError)?;
        let mut s = self.fill(Settings::new(target), preset, secrets)?;
        s.mx |= mx_prefix;
        if s.mx && s.preset.is_some() {
            return Err(UsageError("--preset and --mx do not combine".into()));
        }
        Ok(s)
    }

    /// Validates every option without a target: the settings the TUI's target form
    /// starts from when no target was given (the target is empty, or the preset's host).
    pub fn to_form_settings(&self, secrets: &dyn SecretSource) -> Result<Settings, UsageError> {
        let preset = self.find_preset()?;
        let host = preset.as_ref().map(|p| p.host.clone()).unwrap_or_default();
        self.fill(Settings::new(host), preset, secrets)
    }

    fn find_preset(&self) -> Result<Option<crate::presets::Preset>, UsageError> {
        self.preset
            .as_deref()
            .map(crate::presets::find)
            .transpose()
            .map_err(|e| UsageError(e.to_string()))
    }

    /// Every option except the target into `s`.
    fn fill(
        &self,
        mut s: Settings,
        preset: Option<crate::presets::Preset>,
        secrets: &dyn SecretSource,
    ) -> Result<Settings, UsageError> {
        if !self.ports.is_empty() {
            s.ports = dedup(&self.ports);
        }
        s.family = match (self.ipv4, self.ipv6) {
            (true, _) => FamilyFilter::V4,
            (_, true) => FamilyFilter::V6,
            _ => FamilyFilter::Any,
        };
        s.resolve = self
            .resolve
            .iter()
            .map(|r| parse_resolve(r))
            .collect::<Result<_, _>>()?;
        s.dns_server = self
            .dns_server
            .as_deref()
            .map(parse_dns_server)
            .transpose()?;
        let mut t = match self.timeout {
            Some(v) => Timeouts::uniform(secs("timeout", v)?),
            None => Timeouts::default(),
        };
        if let Some(v) = self.connect_timeout {
            t.connect = secs("connect-timeout", v)?;
        }
        if let Some(v) = self.banner_timeout {
            t.banner = secs("banner-timeout", v)?;
        }
        if let Some(v) = self.command_timeout {
            t.command = secs("command-timeout", v)?;
        }
        if let Some(v) = self.tls_timeout {
            t.tls = secs("tls-timeout", v)?;
        }
        if let Some(v) = self.overall_timeout {
            t.overall = secs("overall-timeout", v)?;
        }
        s.timeouts = t;
        s.tls = TlsSettings {
            ca_file: self.ca_file.clone(),
            server_name: self.tls_server_name.clone(),
            insecure: self.insecure,
            no_system_roots: self.no_system_roots,
            client_cert: self.client_cert.clone(),
            client_key: self.client_key.clone(),
        };
        validate::validate_client_pair(self.client_cert.as_deref(), self.client_key.as_deref())
            .map_err(UsageError)?;
        if let Some(url) = &self.proxy {
            let mut p = crate::settings::ProxySettings::parse(url).map_err(UsageError)?;
            if p.user.is_some() {
                p.password = secrets
                    .env("SMTPTUI_PROXY_PASSWORD")
                    .filter(|v| !v.is_empty())
                    .map(Secret::new);
                if p.password.is_none() {
                    return Err(UsageError(
                        "--proxy names a user: set SMTPTUI_PROXY_PASSWORD".into(),
                    ));
                }
            }
            s.proxy = Some(p);
        }
        s.bind = self.bind;
        if let Some(i) = &self.interface {
            validate::validate_interface(i).map_err(UsageError)?;
            s.interface = Some(i.clone());
        }
        for (option, path) in [
            ("--ca-file", &self.ca_file),
            ("--client-cert", &self.client_cert),
            ("--client-key", &self.client_key),
        ] {
            if let Some(path) = path {
                validate::validate_pem_file(option, path).map_err(UsageError)?;
            }
        }
        if let Some(e) = &self.ehlo {
            validate::validate_ehlo(e).map_err(UsageError)?;
            s.ehlo_name.clone_from(e);
        }
        let mech = match &self.auth {
            Some(m) => Some(AuthMech::parse(m).ok_or_else(|| {
                UsageError(format!(
                    "unknown --auth `{m}` (PLAIN, LOGIN, CRAM-MD5, XOAUTH2)"
                ))
            })?),
            None => None,
        };
        if let Some(user) = &self.user {
            let secret = self.secret(mech, secrets)?;
            s.auth = Some(AuthSettings {
                user: user.clone(),
                secret,
                mech,
            });
        } else if mech.is_some() {
            return Err(UsageError("--auth needs --user".into()));
        }
        s.allow_plaintext_auth = self.allow_plaintext_auth;
        s.relay_test = self.relay_test;
        for addr in self.from.iter().chain(&self.to) {
            validate::validate_address(addr).map_err(UsageError)?;
        }
        s.from.clone_from(&self.from);
        s.to.clone_from(&self.to);
        s.send = self.send;
        if self.send && self.to.is_empty() {
            return Err(UsageError("--send needs at least one --to".into()));
        }
        s.quit_after = match &self.quit_after {
            Some(q) => Some(Stage::parse(q).ok_or_else(|| {
                UsageError(format!("--quit-after: unknown stage `{q}` (connect, banner, ehlo, starttls, auth, mail, rcpt, data)"))
            })?),
            None => None,
        };
        if self.concurrency == 0 || self.concurrency > 4096 {
            return Err(UsageError(
                "--concurrency must be between 1 and 4096".into(),
            ));
        }
        s.concurrency = self.concurrency;
        s.trace = !self.no_trace;
        if self.max_hops == 0 || self.max_hops > 64 {
            return Err(UsageError("--max-hops must be between 1 and 64".into()));
        }
        s.max_hops = self.max_hops;
        self.apply_domain_options(&mut s, preset)?;
        Ok(s)
    }

    /// `--mx`, `--dnsbl`, the hidden test ports and `--preset` (ports when none were
    /// given, the AUTH mechanism when `--user` came without `--auth`, the hints).
    fn apply_domain_options(
        &self,
        s: &mut Settings,
        preset: Option<crate::presets::Preset>,
    ) -> Result<(), UsageError> {
        s.mx = self.mx;
        s.dnssec_anchor.clone_from(&self.dnssec_anchor);
        for zone in &self.dnsbl {
            let z = zone.trim().trim_matches('.').to_ascii_lowercase();
            if z.is_empty()
                || !z
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
            {
                return Err(UsageError(format!(
                    "--dnsbl: invalid zone `{}`",
                    zone.escape_debug()
                )));
            }
            if !s.dnsbl.contains(&z) {
                s.dnsbl.push(z);
            }
        }
        #[cfg(feature = "testing")]
        self.apply_test_ports(s)?;
        for sel in &self.dkim_selector {
            let v = crate::diagnose::dkim::valid_selector(sel).map_err(|e| {
                UsageError(format!("--dkim-selector `{}`: {e}", sel.escape_debug()))
            })?;
            if !s.dkim_selectors.contains(&v) {
                s.dkim_selectors.push(v);
            }
        }
        if let Some(p) = preset {
            if self.mx {
                return Err(UsageError("--preset and --mx do not combine".into()));
            }
            p.apply_to(s, self.ports.is_empty());
        }
        Ok(())
    }

    fn secret(&self, mech: Option<AuthMech>, src: &dyn SecretSource) -> Result<Secret, UsageError> {
        if let Some(path) = &self.password_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("--password-file {}: {e}", path.display())))?;
            let line = text.lines().next().unwrap_or("").to_string();
            if line.is_empty() {
                return Err(UsageError(format!(
                    "--password-file {}: empty",
                    path.display()
                )));
            }
            return Ok(Secret::new(line));
        }
        let var = if matches!(mech, Some(AuthMech::XOAuth2 | AuthMech::OAuthBearer)) {
            "SMTPTUI_OAUTH_TOKEN"
        } else {
            "SMTPTUI_PASSWORD"
        };
        if let Some(v) = src.env(var).filter(|v| !v.is_empty()) {
            return Ok(Secret::new(v));
        }
        src.prompt(&format!("Password for {}: ", self.user.as_deref().unwrap_or("")))
            .filter(|p| !p.is_empty())
            .map(Secret::new)
            .ok_or_else(|| {
                UsageError(format!(
                    "--user given but no password: set {var}, use --password-file, or run on a terminal to be prompted"
                ))
            })
    }
}

fn dedup(ports: &[PortSpec]) -> Vec<PortSpec> {
    let mut out: Vec<PortSpec> = Vec::new();
    for p in ports {
        if !out.contains(p) {
            out.push(*p);
        }
    }
    out
}

#[cfg(test)]
mod tests;
