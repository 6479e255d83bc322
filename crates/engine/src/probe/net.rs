//! Opening TCP connections, the one place that does (with `probe::path` for its
//! TTL-limited connects): an endpoint's, the MX diagnosis's MTA-STS fetch and the DNS
//! forwarder's upstream. Directly, or through a SOCKS5 proxy (RFC 1928 with RFC 1929
//! user/password authentication, by tokio-socks over a socket opened here), from a
//! chosen local address or interface; TCP_QUICKACK armed on each ([`QuickAck`]).
//! Proxy failures are reported as such, never as the target's failure.

use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpSocket, TcpStream};
use tokio_socks::tcp::Socks5Stream;
use tokio_socks::{self as socks, TargetAddr};

use super::quickack::QuickAck;
use crate::dns::{StaticTable, resolve};
use crate::settings::{ProxySettings, Settings};

/// Where to connect: an address, or a name the proxy resolves (`socks5h`).
#[derive(Debug, Clone)]
pub enum Target {
    /// An address.
    Addr(SocketAddr),
    /// A host name and port, resolved by the proxy.
    Name(String, u16),
}

/// Why a connection through the proxy failed.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The proxy itself could not be reached.
    #[error("cannot reach the SOCKS5 proxy {proxy}: {source}")]
    Unreachable {
        /// `host:port` of the proxy.
        proxy: String,
        /// The error.
        source: io::Error,
    },
    /// The proxy refused our authentication methods or credentials.
    #[error("SOCKS5 proxy authentication failed: {0}")]
    Auth(String),
    /// The proxy answered CONNECT with an error code.
    #[error("SOCKS5 proxy refused CONNECT: {meaning} (reply {code})")]
    Reply {
        /// The SOCKS reply code.
        code: u8,
        /// Its meaning.
        meaning: &'static str,
    },
    /// The proxy broke the protocol or closed the connection.
    #[error("SOCKS5 protocol error: {0}")]
    Protocol(String),
}

impl ProxyError {
    /// Whether the proxy says the destination itself refused the connection (reply 5):
    /// that is the target's answer seen through the proxy.
    pub fn target_refused(&self) -> bool {
        matches!(self, ProxyError::Reply { code: 5, .. })
    }
}

/// Meaning of a SOCKS5 reply code (RFC 1928 §6).
pub fn reply_meaning(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable (from the proxy)",
        4 => "host unreachable (from the proxy)",
        5 => "connection refused by the destination",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unassigned reply code",
    }
}

/// A socket for `peer`, bound to `--bind` / `--interface` when given.
fn socket_for(peer: &SocketAddr, settings: &Settings) -> io::Result<TcpSocket> {
    let sock = if peer.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(local) = settings.bind {
        if local.is_ipv4() != peer.is_ipv4() {
            return Err(io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                format!("--bind {local} is not of the same address family as {peer}"),
            ));
        }
        sock.bind(SocketAddr::new(local, 0))?;
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some(dev) = &settings.interface {
        sock.bind_device(Some(dev.as_bytes()))?;
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    if settings.interface.is_some() {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "--interface is only supported on Linux",
        ));
    }
    Ok(sock)
}

/// A direct TCP connection.
pub async fn direct(peer: SocketAddr, settings: &Settings) -> io::Result<TcpStream> {
    let sock = socket_for(&peer, settings)?;
    // A router's ICMP reject names itself on the error queue (see probe::path).
    let watched = crate::probe::path::errqueue::watch(&sock, peer.is_ipv6());
    let stream = sock
        .connect(peer)
        .await
        .map_err(|e| crate::probe::path::errqueue::explain(e, watched))?;
    crate::probe::path::errqueue::unwatch(&stream, peer.is_ipv6());
    Ok(stream)
}

/// Why [`open`] failed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The direct connection failed (refused, unreachable, `--bind` ...).
    #[error("{0}")]
    Io(io::Error),
    /// The proxy failed, or answered CONNECT with an error.
    #[error("{0}")]
    Proxy(ProxyError),
}

/// Opens a TCP connection to `target` the way the probe opens every connection:
/// through `--proxy` when set (its host resolved by `--resolve`, `--dns-server` or the
/// system), else directly; from `--bind` / `--interface`; TCP_NODELAY and
/// TCP_QUICKACK set. Not bounded in time: the caller applies its timeout.
pub async fn open(
    target: &Target,
    settings: &Settings,
    notes: &mut Vec<String>,
) -> Result<QuickAck, OpenError> {
    let Some(proxy) = &settings.proxy else {
        return match target {
            Target::Addr(peer) => direct(*peer, settings).await.map(QuickAck::new),
            Target::Name(name, _) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name} is a name, and only a socks5h proxy resolves names"),
            )),
        }
        .map_err(OpenError::Io);
    };
    let table = StaticTable::new(&settings.resolve);
    let timeout = settings.timeouts.connect;
    let (addrs, _) = resolve(&proxy.host, &table, settings.dns_server, timeout)
        .await
        .map_err(|e| {
            OpenError::Proxy(ProxyError::Unreachable {
                proxy: format!("{}:{}", proxy.host, proxy.port),
                source: io::Error::other(e.to_string()),
            })
        })?;
    let Some(first) = addrs.first() else {
        return Err(OpenError::Proxy(ProxyError::Unreachable {
            proxy: format!("{}:{}", proxy.host, proxy.port),
            source: io::Error::other("no address"),
        }));
    };
    let proxy_addr = SocketAddr::new(*first, proxy.port);
    via_socks5(proxy_addr, proxy, target, settings, notes)
        .await
        .map(QuickAck::new)
        .map_err(OpenError::Proxy)
}

/// A plain TCP connection to `peer` from the system's choice of local address, with
/// TCP_NODELAY and TCP_QUICKACK: the per-run DNS forwarder's upstream exchange
/// (`dns::cache`), which like the resolver's own sockets ignores `--bind` and `--proxy`.
pub async fn plain(peer: SocketAddr) -> io::Result<QuickAck> {
    TcpStream::connect(peer).await.map(QuickAck::new)
}

/// Connects to the proxy at `proxy_addr` (from `--bind` / `--interface`, with
/// TCP_QUICKACK armed) and asks it to CONNECT to `target` (tokio-socks speaks RFC 1928
/// and RFC 1929 over that socket). `notes` receives human-readable steps for the
/// transcript.
pub async fn via_socks5(
    proxy_addr: SocketAddr,
    proxy: &ProxySettings,
    target: &Target,
    settings: &Settings,
    notes: &mut Vec<String>,
) -> Result<TcpStream, ProxyError> {
    let label = format!("{}:{}", proxy.host, proxy.port);
    let tcp = match socket_for(&proxy_addr, settings) {
        Ok(sock) => sock.connect(proxy_addr).await,
        Err(e) => Err(e),
    }
    .map_err(|source| ProxyError::Unreachable {
        proxy: label.clone(),
        source,
    })
    .map(QuickAck::new)?;
    notes.push(format!("connected to SOCKS5 proxy {label} ({proxy_addr})"));
    let dest = match target {
        Target::Addr(a) => TargetAddr::Ip(*a),
        Target::Name(name, port) => TargetAddr::Domain(name.as_str().into(), *port),
    };
    let creds = proxy.user.as_deref().zip(proxy.password.as_ref());
    let stream = if let Some((user, pass)) = creds {
        notes.push(format!(
            "proxy: offering no authentication or user/password as {user}"
        ));
        Socks5Stream::connect_with_password_and_socket(tcp, dest, user, pass.expose()).await
    } else {
        notes.push("proxy: offering no authentication".into());
        Socks5Stream::connect_with_socket(tcp, dest).await
    }
    .map_err(|e| proxy_error(e, proxy.user.as_deref()))?;
    let bound = match stream.target_addr() {
        TargetAddr::Ip(a) => a.to_string(),
        TargetAddr::Domain(name, port) => {
            format!("{}:{port}", crate::model::escape_str(&name))
        }
    };
    let shown = match target {
        Target::Addr(a) => a.to_string(),
        Target::Name(n, p) => format!("{n}:{p}"),
    };
    notes.push(format!(
        "proxy: CONNECT {shown} succeeded (proxy's side {bound})"
    ));
    Ok(stream.into_inner().into_inner())
}

/// Our words for a tokio-socks error; a CONNECT refusal keeps its RFC 1928 reply code
/// (code 5 is the destination's own refusal, see [`ProxyError::target_refused`]).
fn proxy_error(e: socks::Error, user: Option<&str>) -> ProxyError {
    use socks::Error as E;
    let reply = |code: u8| ProxyError::Reply {
        code,
        meaning: reply_meaning(code),
    };
    match e {
        E::GeneralSocksServerFailure => reply(1),
        E::ConnectionNotAllowedByRuleset => reply(2),
        E::NetworkUnreachable => reply(3),
        E::HostUnreachable => reply(4),
        E::ConnectionRefused => reply(5),
        E::TtlExpired => reply(6),
        E::CommandNotSupported => reply(7),
        E::AddressTypeNotSupported => reply(8),
        E::NoAcceptableAuthMethods | E::AuthorizationRequired if user.is_none() => {
            ProxyError::Auth(
                "the proxy requires authentication (give socks5://user@host:port)".into(),
            )
        }
        E::NoAcceptableAuthMethods | E::AuthorizationRequired => {
            ProxyError::Auth("no acceptable authentication method".into())
        }
        E::PasswordAuthFailure(_) => ProxyError::Auth(format!(
            "the proxy rejected user {}",
            user.unwrap_or_default()
        )),
        E::InvalidAuthValues(why) => ProxyError::Auth(why.into()),
        E::InvalidResponseVersion => {
            ProxyError::Protocol("not a SOCKS5 proxy (wrong version byte)".into())
        }
        // tokio-socks also reports an unassigned CONNECT reply code this way.
        E::UnknownAuthMethod => {
            ProxyError::Protocol("unexpected authentication method or unassigned reply code".into())
        }
        other => ProxyError::Protocol(other.to_string()),
    }
}
