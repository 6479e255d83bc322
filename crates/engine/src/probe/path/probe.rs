//! One TTL-limited TCP probe: a non-blocking `connect()` with `IP_TTL` (IPv6:
//! `IPV6_UNICAST_HOPS`) set to k and the error queue enabled. The router at hop k answers
//! ICMP time-exceeded, which fails the connect at once; the error queue names it.
//! Unprivileged on Linux ≥ 5.8.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::time::Instant;

use super::errqueue::IcmpReport;

/// What one probe saw.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The connection opened (SYN-ACK) after `rtt`.
    Connected {
        /// Round trip.
        rtt: Duration,
        /// Who answered.
        from: IpAddr,
    },
    /// A TCP reset came back.
    Reset {
        /// Round trip.
        rtt: Duration,
        /// Who answered.
        from: IpAddr,
    },
    /// An ICMP error came back.
    Icmp {
        /// Round trip.
        rtt: Duration,
        /// What it said and who sent it.
        report: IcmpReport,
        /// Whether the offender is this machine's own address.
        local: bool,
    },
    /// Nothing within the probe timeout.
    Silent,
    /// The connect failed without ICMP detail (the OS does not say who or why).
    NoDetail(String),
    /// This machine refused to send it (routing, local firewall): error in words.
    Local(String),
}

impl Outcome {
    /// Whether the trace stops at this TTL (no higher TTL is worth probing).
    pub fn is_terminal(&self) -> bool {
        match self {
            Self::Connected { .. } | Self::Reset { .. } | Self::NoDetail(_) | Self::Local(_) => {
                true
            }
            Self::Icmp { report, .. } => report.icmp != crate::model::Icmp::TimeExceeded,
            Self::Silent => false,
        }
    }
}

/// Where probes leave from.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// `--bind`.
    pub bind: Option<IpAddr>,
    /// `--interface`.
    pub interface: Option<String>,
}

/// Sends one probe to `peer` with TTL `ttl` and waits up to `timeout`.
#[cfg(target_os = "linux")]
pub async fn once(peer: SocketAddr, ttl: u8, timeout: Duration, src: &Source) -> Outcome {
    use std::os::fd::AsRawFd;

    let sock = match socket(peer, ttl, src) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let start = Instant::now();
    match sock.connect(&peer.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(nix::libc::EINPROGRESS) => {}
        Err(e) => {
            // Refused before a packet left (route, local filter): read the queue anyway,
            // a locally generated ICMP error is queued too.
            if let Some(report) = super::errqueue::read(sock.as_raw_fd()).into_iter().next() {
                return icmp_outcome(start.elapsed(), report, &sock);
            }
            return Outcome::Local(e.to_string());
        }
    }
    let local = sock.local_addr().ok().and_then(|a| a.as_socket());
    let std: std::net::TcpStream = sock.into();
    let stream = match tokio::net::TcpStream::from_std(std) {
        Ok(s) => s,
        Err(e) => return Outcome::Local(e.to_string()),
    };
    if tokio::time::timeout(timeout, stream.writable())
        .await
        .is_err()
    {
        return Outcome::Silent;
    }
    let rtt = start.elapsed();
    match stream.take_error() {
        Ok(None) => match stream.peer_addr() {
            Ok(p) => Outcome::Connected { rtt, from: p.ip() },
            // writable() without a peer: the connect failed after all.
            Err(e) => classify_error(rtt, &e, &stream, local),
        },
        Ok(Some(e)) | Err(e) => classify_error(rtt, &e, &stream, local),
    }
}

#[cfg(target_os = "linux")]
fn classify_error(
    rtt: Duration,
    e: &std::io::Error,
    stream: &tokio::net::TcpStream,
    local: Option<SocketAddr>,
) -> Outcome {
    use std::os::fd::AsRawFd;
    if let Some(report) = super::errqueue::read(stream.as_raw_fd()).into_iter().next() {
        let is_local = report
            .offender
            .is_some_and(|o| local.is_some_and(|l| l.ip() == o));
        return Outcome::Icmp {
            rtt,
            report,
            local: is_local,
        };
    }
    if e.kind() == std::io::ErrorKind::ConnectionRefused {
        let from = stream
            .peer_addr()
            .map_or_else(|_| IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |p| p.ip());
        return Outcome::Reset { rtt, from };
    }
    Outcome::NoDetail(e.to_string())
}

#[cfg(target_os = "linux")]
fn icmp_outcome(rtt: Duration, report: IcmpReport, sock: &socket2::Socket) -> Outcome {
    let local = sock
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .is_some_and(|l| report.offender == Some(l.ip()));
    Outcome::Icmp { rtt, report, local }
}

/// A non-blocking TCP socket with the TTL set, the error queue on and a zero linger (a
/// probe that connects is reset, not left in TIME_WAIT).
#[cfg(target_os = "linux")]
fn socket(peer: SocketAddr, ttl: u8, src: &Source) -> Result<socket2::Socket, Outcome> {
    use nix::sys::socket::{setsockopt, sockopt};
    use socket2::{Domain, Protocol, Socket, Type};

    let local = |e: std::io::Error| Outcome::Local(e.to_string());
    let sock = Socket::new(
        Domain::for_address(peer),
        Type::STREAM.nonblocking(),
        Some(Protocol::TCP),
    )
    .map_err(local)?;
    // Without the error queue the OS says nothing about who answered: no guessing.
    let no_queue = |e: nix::Error| Outcome::NoDetail(format!("no socket error queue: {e}"));
    if peer.is_ipv4() {
        sock.set_ttl_v4(u32::from(ttl)).map_err(local)?;
        setsockopt(&sock, sockopt::Ipv4RecvErr, &true).map_err(no_queue)?;
    } else {
        sock.set_unicast_hops_v6(u32::from(ttl)).map_err(local)?;
        setsockopt(&sock, sockopt::Ipv6RecvErr, &true).map_err(no_queue)?;
    }
    sock.set_linger(Some(Duration::ZERO)).map_err(local)?;
    if let Some(addr) = src.bind {
        sock.bind(&SocketAddr::new(addr, 0).into()).map_err(local)?;
    }
    if let Some(dev) = &src.interface {
        sock.bind_device(Some(dev.as_bytes())).map_err(local)?;
    }
    Ok(sock)
}

/// Whether this OS can trace at all (`Err`: why not, in words).
pub fn supported() -> Result<(), String> {
    if cfg!(target_os = "linux") {
        Ok(())
    } else {
        Err("the TCP path check needs Linux (socket error queue)".into())
    }
}

/// Elsewhere: no error queue, nothing to say.
#[cfg(not(target_os = "linux"))]
pub async fn once(_peer: SocketAddr, _ttl: u8, _timeout: Duration, _src: &Source) -> Outcome {
    Outcome::NoDetail("the TCP path check needs Linux (socket error queue)".into())
}
