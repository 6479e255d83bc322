//! What is wrong with a value, typed: the errors of [`super::validate`] and
//! [`super::ProxySettings::parse`]. The messages are the command line's words; the
//! target form shows them as they are, except the few it words for its own fields
//! (`crate::tui::form::FormError`).

use std::path::PathBuf;

/// A value the rules of [`super::validate`] refuse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValidationError {
    /// No target at all.
    #[error("a target is required (a host, a domain with --mx, or --preset NAME)")]
    NoTarget,
    /// A target with spaces, control characters, or longer than 253 bytes.
    #[error("invalid target `{}`", .0.escape_debug())]
    Target(String),
    /// A `--resolve` value without `:`.
    #[error("--resolve expects HOST:ADDR, got `{}`", .0.escape_debug())]
    ResolveSyntax(String),
    /// A `--resolve` address that is not an IP address.
    #[error("--resolve: `{}` is not an IP address", .0.escape_debug())]
    ResolveAddress(String),
    /// A `--resolve` value with nothing before the `:`.
    #[error("--resolve: empty host in `{}`", .0.escape_debug())]
    ResolveEmptyHost(String),
    /// A `--resolve` host that is not a valid target.
    #[error("--resolve: invalid target `{}`", .0.escape_debug())]
    ResolveHost(String),
    /// A `--dns-server` that is not `ADDR[:PORT]`.
    #[error("--dns-server expects ADDR[:PORT], got `{}`", .0.escape_debug())]
    DnsServer(String),
    /// A PEM file that does not exist.
    #[error("{option} {}: no such file", .path.display())]
    NoSuchFile {
        /// The option or field that named it (`--ca-file`, `client key`).
        option: &'static str,
        /// The path as given.
        path: PathBuf,
    },
    /// A client certificate without its key, or the other way round.
    #[error("--client-cert and --client-key go together")]
    ClientPair,
    /// An interface name that cannot be one.
    #[error("invalid --interface `{}`", .0.escape_debug())]
    Interface(String),
    /// An EHLO name with spaces or control characters, or empty.
    #[error("invalid --ehlo name `{}`", .0.escape_debug())]
    Ehlo(String),
    /// An envelope address with control characters or angle brackets, or too long.
    #[error("invalid address `{}`", .0.escape_debug())]
    Address(String),
    /// A port in a list of ports (the model's words).
    #[error("{0}")]
    Port(String),
    /// A list of ports with none in it.
    #[error("enter at least one port, e.g. 587")]
    NoPorts,
    /// The `--proxy` URL, or its password.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// A timeout outside (0, 3600] seconds.
    #[error("--{option} must be between 0 and 3600 seconds, got {secs}")]
    Timeout {
        /// The option without dashes (`connect-timeout`).
        option: &'static str,
        /// The value given.
        secs: f64,
    },
    /// `--concurrency` outside 1-4096.
    #[error("--concurrency must be between 1 and 4096")]
    Concurrency(usize),
    /// `--max-hops` outside 1-64.
    #[error("--max-hops must be between 1 and 64")]
    MaxHops(u8),
    /// A DNSBL zone that is not a domain name.
    #[error("--dnsbl: invalid zone `{}`", .0.escape_debug())]
    DnsblZone(String),
    /// A DKIM selector that is not a sequence of DNS labels.
    #[error("--dkim-selector `{}`: {reason}", .selector.escape_debug())]
    DkimSelector {
        /// The selector as given.
        selector: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An AUTH mechanism without a user.
    #[error("--auth needs --user")]
    MechWithoutUser,
    /// `--send` without a recipient.
    #[error("--send needs at least one --to")]
    SendWithoutRecipient,
    /// A provider preset in MX mode.
    #[error("--preset and --mx do not combine")]
    PresetWithMx,
}

/// A `--proxy` URL that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// Not `scheme://...`.
    #[error("--proxy `{0}`: expected socks5://[user@]host:port")]
    Url(String),
    /// A scheme other than socks5 / socks5h.
    #[error("--proxy: unsupported scheme `{0}` (socks5, socks5h)")]
    Scheme(String),
    /// `user:password@` in the URL: the password belongs in the environment.
    #[error("--proxy: put the password in SMTPTUI_PROXY_PASSWORD, not in the URL")]
    PasswordInUrl,
    /// No `:port`.
    #[error("--proxy `{0}`: missing :port")]
    NoPort(String),
    /// A port that is not 1-65535.
    #[error("--proxy `{url}`: bad port `{port}`")]
    Port {
        /// The URL.
        url: String,
        /// The port text.
        port: String,
    },
    /// Nothing before `:port`.
    #[error("--proxy `{0}`: empty host")]
    NoHost(String),
    /// The URL names a user but `SMTPTUI_PROXY_PASSWORD` is not set.
    #[error("--proxy names a user: set SMTPTUI_PROXY_PASSWORD")]
    NoPassword,
}
