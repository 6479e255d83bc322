//! Endpoints (address × port × mode), connection modes, handshake phases and timings.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Identifies one run; events of an older run are dropped by their consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct RunId(pub u64);

/// Index of an endpoint within its run (position in the planned matrix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EndpointId(pub usize);

/// How to talk to a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Plaintext SMTP, no TLS.
    Plain,
    /// Plaintext then STARTTLS, which is required.
    Starttls,
    /// Implicit TLS from the first byte (SMTPS, port 465).
    Tls,
    /// Read the banner; use STARTTLS if offered.
    Auto,
}

impl Mode {
    /// All modes, in the order they are listed in help texts.
    pub const ALL: [Mode; 4] = [Mode::Plain, Mode::Starttls, Mode::Tls, Mode::Auto];

    /// The name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::Starttls => "starttls",
            Self::Tls => "tls",
            Self::Auto => "auto",
        }
    }

    /// The usual mode for a port: 465 is implicit TLS, the rest use STARTTLS.
    pub fn default_for_port(port: u16) -> Self {
        if port == 465 {
            Self::Tls
        } else {
            Self::Starttls
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "plain" | "none" => Ok(Self::Plain),
            "starttls" | "start-tls" => Ok(Self::Starttls),
            "tls" | "ssl" | "smtps" | "implicit" => Ok(Self::Tls),
            "auto" => Ok(Self::Auto),
            other => Err(format!(
                "unknown mode `{other}` (expected plain, starttls, tls or auto)"
            )),
        }
    }
}

/// A port with the mode to use on it (`587/starttls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortSpec {
    /// TCP port.
    pub port: u16,
    /// Connection mode.
    pub mode: Mode,
}

impl PortSpec {
    /// The default matrix: 25, 465, 587, 2525 with their usual modes.
    pub fn defaults() -> Vec<PortSpec> {
        [25, 465, 587, 2525]
            .into_iter()
            .map(|port| PortSpec {
                port,
                mode: Mode::default_for_port(port),
            })
            .collect()
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.port, self.mode)
    }
}

impl PortSpec {
    /// The mode the endpoint is probed in: `auto` on 465 is implicit TLS (the port's
    /// registered use, RFC 8314); elsewhere `auto` stays STARTTLS-when-offered.
    pub fn planned_mode(self) -> Mode {
        match (self.mode, self.port) {
            (Mode::Auto, 465) => Mode::Tls,
            (m, _) => m,
        }
    }
}

impl FromStr for PortSpec {
    type Err = String;
    /// Parses `PORT` or `PORT/MODE`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (port, mode) = match s.split_once('/') {
            Some((p, m)) => (p, Some(m)),
            None => (s, None),
        };
        let port: u16 = port
            .trim()
            .parse()
            .map_err(|_| format!("invalid port `{port}` (expected 1-65535)"))?;
        if port == 0 {
            return Err("port 0 is not a valid destination port".into());
        }
        let mode = match mode {
            Some(m) => m.trim().parse()?,
            None => Mode::default_for_port(port),
        };
        Ok(PortSpec { port, mode })
    }
}

/// Address family of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Family {
    /// The family of an address.
    pub fn of(addr: IpAddr) -> Self {
        if addr.is_ipv4() { Self::V4 } else { Self::V6 }
    }
}

/// One cell of the port matrix: an address, a port and a mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Position in the matrix.
    pub id: EndpointId,
    /// The host name the user gave (or the address literal).
    pub host: String,
    /// The resolved address.
    pub address: IpAddr,
    /// TCP port.
    pub port: u16,
    /// Connection mode.
    pub mode: Mode,
}

impl Endpoint {
    /// Address family.
    pub fn family(&self) -> Family {
        Family::of(self.address)
    }

    /// `[2001:db8::1]:587/starttls` or `192.0.2.1:465/tls`.
    pub fn label(&self) -> String {
        if self.address.is_unspecified() {
            // socks5h: the proxy resolves the name.
            return format!("{}:{}/{}", self.host, self.port, self.mode);
        }
        match self.address {
            IpAddr::V4(a) => format!("{a}:{}/{}", self.port, self.mode),
            IpAddr::V6(a) => format!("[{a}]:{}/{}", self.port, self.mode),
        }
    }
}

/// A phase of the handshake, for timings and the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Name resolution.
    Dns,
    /// TCP connect.
    Connect,
    /// Waiting for the 220 greeting.
    Banner,
    /// EHLO (or HELO) before TLS.
    Ehlo,
    /// The STARTTLS command and its reply.
    Starttls,
    /// The TLS handshake (STARTTLS or implicit).
    TlsHandshake,
    /// EHLO again inside TLS.
    EhloTls,
    /// SMTP AUTH.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// DATA and the message.
    Data,
    /// QUIT.
    Quit,
    /// Probing what the port really speaks after a mismatch.
    Detect,
}

impl Phase {
    /// Snake-case name, as used in JSON `timings_ms`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dns => "dns",
            Self::Connect => "connect",
            Self::Banner => "banner",
            Self::Ehlo => "ehlo",
            Self::Starttls => "starttls",
            Self::TlsHandshake => "tls_handshake",
            Self::EhloTls => "ehlo_tls",
            Self::Auth => "auth",
            Self::Mail => "mail",
            Self::Rcpt => "rcpt",
            Self::Data => "data",
            Self::Quit => "quit",
            Self::Detect => "detect",
        }
    }

    /// Short label for the timeline.
    pub fn label(self) -> &'static str {
        match self {
            Self::Dns => "DNS",
            Self::Connect => "connect",
            Self::Banner => "banner",
            Self::Ehlo => "EHLO",
            Self::Starttls => "STARTTLS",
            Self::TlsHandshake => "TLS",
            Self::EhloTls => "EHLO/TLS",
            Self::Auth => "AUTH",
            Self::Mail => "MAIL",
            Self::Rcpt => "RCPT",
            Self::Data => "DATA",
            Self::Quit => "QUIT",
            Self::Detect => "detect",
        }
    }
}

/// When a phase started (relative to the run) and how long it took.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhaseTiming {
    /// The phase.
    pub phase: Phase,
    /// Start, milliseconds since the run started.
    pub start_ms: f64,
    /// Duration in milliseconds.
    pub dur_ms: f64,
    /// Whether the phase ended well.
    pub ok: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_spec_parsing() {
        let ok = [
            ("587", 587, Mode::Starttls),
            ("465", 465, Mode::Tls),
            ("25/plain", 25, Mode::Plain),
            ("2525/auto", 2525, Mode::Auto),
            ("465/starttls", 465, Mode::Starttls),
            ("10025/TLS", 10025, Mode::Tls),
        ];
        for (s, port, mode) in ok {
            assert_eq!(s.parse::<PortSpec>(), Ok(PortSpec { port, mode }), "{s}");
        }
        for bad in ["", "0", "70000", "25/ssl3", "x/tls", "25/"] {
            assert!(bad.parse::<PortSpec>().is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn auto_on_465_is_implicit_tls() {
        let mode = |s: &str| s.parse::<PortSpec>().unwrap().planned_mode();
        assert_eq!(mode("465/auto"), Mode::Tls);
        assert_eq!(mode("2525/auto"), Mode::Auto);
        assert_eq!(mode("465/starttls"), Mode::Starttls);
    }

    #[test]
    fn labels() {
        let ep = Endpoint {
            id: EndpointId(0),
            host: "h".into(),
            address: "2001:db8::1".parse().unwrap(),
            port: 587,
            mode: Mode::Starttls,
        };
        assert_eq!(ep.label(), "[2001:db8::1]:587/starttls");
        assert_eq!(ep.family(), Family::V6);
    }
}
