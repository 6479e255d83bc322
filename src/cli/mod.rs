//! The command line (clap derive). Clap stays here; the engine never sees it.
//! [`convert`] turns the options into validated [`crate::settings::Settings`] with the
//! rules of [`crate::settings::validate`]; [`error`] holds the usage errors (exit 2).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::{PortSpec, Secret};

mod convert;
mod error;

pub use error::UsageError;

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
Exit status: 0 when at least one endpoint is ok, 1 when none is, 2 on usage errors,
3 with --fail-on-warning when an endpoint is ok but any endpoint has a warning.";

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
    /// Directory for `e`/`E`/`H` exports from the TUI.
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
    /// Exit with status 3 when some endpoint works but any endpoint has a warning (status 1,
    /// no endpoint works, comes first).
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

/// Options shared by the TUI and `check`. Groups of related options are flattened in
/// from small structs (the flags and the help are the same as one flat list).
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
    /// `-4` / `-6`.
    #[command(flatten)]
    pub family: FamilyArgs,
    /// Use ADDR for HOST instead of DNS (curl style HOST:ADDR); repeatable.
    #[arg(long, value_name = "HOST:ADDR")]
    pub resolve: Vec<String>,
    /// DNS server to ask instead of the system's, ADDR[:PORT].
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub dns_server: Option<String>,
    /// The timeouts.
    #[command(flatten)]
    pub timeouts: TimeoutArgs,
    /// Trust anchors, TLS name and client certificate.
    #[command(flatten)]
    pub tls: TlsArgs,
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
    /// The path check.
    #[command(flatten)]
    pub path: PathArgs,
    /// Go on (AUTH, envelope) after a certificate failure; the verdict still names it.
    #[arg(long)]
    pub insecure: bool,
    /// EHLO name, AUTH and envelope.
    #[command(flatten)]
    pub session: SessionArgs,
    /// Endpoints probed at once.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,
    /// Write diagnostics (tracing) to FILE.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Domain diagnosis and presets.
    #[command(flatten)]
    pub domain: DomainArgs,
}

/// `-4` / `-6`: which address families to probe (a choice; see [`FamilyArgs::filter`]).
#[derive(Debug, Args, Default)]
pub struct FamilyArgs {
    /// IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,
}

/// The per-phase timeouts, in seconds.
#[derive(Debug, Args, Default)]
pub struct TimeoutArgs {
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
}

/// Trust anchors, the TLS name and the client certificate.
#[derive(Debug, Args, Default)]
pub struct TlsArgs {
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
}

/// `--trace` / `--no-trace` (the last one given wins) and `--max-hops`.
#[derive(Debug, Args, Default)]
pub struct PathArgs {
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
}

/// The SMTP session: EHLO name, AUTH, the envelope, how far to go.
#[derive(Debug, Args, Default)]
pub struct SessionArgs {
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
    /// AUTH mechanism: PLAIN, LOGIN, CRAM-MD5, XOAUTH2 or OAUTHBEARER (token from
    /// SMTPTUI_OAUTH_TOKEN) [default: chosen from EHLO].
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
}

/// Domain diagnosis (MX mode) and provider presets.
#[derive(Debug, Args, Default)]
pub struct DomainArgs {
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

/// Where a secret comes from, resolved by the binary (environment, terminal prompt).
/// The password for AUTH and the proxy password are read only through it.
pub trait SecretSource {
    /// An environment variable.
    fn env(&self, name: &str) -> Option<String>;
    /// Prompt on the terminal without echo (None when not a TTY).
    fn prompt(&self, prompt: &str) -> Option<String>;
    /// The SOCKS5 proxy password: `SMTPTUI_PROXY_PASSWORD` when set and not empty (never
    /// the command line, never the URL). The one path the CLI and, handed the result,
    /// the TUI's target form take.
    fn proxy_password(&self) -> Option<Secret> {
        self.env(PROXY_PASSWORD_VAR)
            .filter(|v| !v.is_empty())
            .map(Secret::new)
    }
}

/// The environment variable that holds the SOCKS5 proxy password.
pub const PROXY_PASSWORD_VAR: &str = "SMTPTUI_PROXY_PASSWORD";

/// Whether colours are off by the value of the `NO_COLOR` variable
/// (<https://no-color.org>): set and not empty. The binary reads the variable once and
/// hands the decision to the headless printer and the TUI.
pub fn no_color(var: Option<&std::ffi::OsStr>) -> bool {
    var.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests;
