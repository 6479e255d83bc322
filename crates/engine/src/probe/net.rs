//! Opening the TCP connection of an endpoint: directly, or through a SOCKS5 proxy
//! (RFC 1928, with RFC 1929 user/password authentication), from a chosen local address
//! or interface. Proxy failures are reported as such, never as the target's failure.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

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

/// Connects to the proxy at `proxy_addr` and asks it to CONNECT to `target`.
/// `notes` receives human-readable steps for the transcript.
pub async fn via_socks5(
    proxy_addr: SocketAddr,
    proxy: &ProxySettings,
    target: &Target,
    settings: &Settings,
    notes: &mut Vec<String>,
) -> Result<TcpStream, ProxyError> {
    let label = format!("{}:{}", proxy.host, proxy.port);
    let mut s = match socket_for(&proxy_addr, settings) {
        Ok(sock) => sock.connect(proxy_addr).await,
        Err(e) => Err(e),
    }
    .map_err(|source| ProxyError::Unreachable {
        proxy: label.clone(),
        source,
    })
    .map(super::quickack::QuickAck::new)?;
    notes.push(format!("connected to SOCKS5 proxy {label} ({proxy_addr})"));
    let proto = |e: io::Error| ProxyError::Protocol(e.to_string());
    let creds = proxy.user.as_ref().zip(proxy.password.as_ref());
    let methods: &[u8] = if creds.is_some() {
        &[5, 2, 0, 2]
    } else {
        &[5, 1, 0]
    };
    s.write_all(methods).await.map_err(proto)?;
    let mut choice = [0u8; 2];
    s.read_exact(&mut choice).await.map_err(proto)?;
    if choice[0] != 5 {
        return Err(ProxyError::Protocol(format!(
            "not a SOCKS5 proxy (version byte {})",
            choice[0]
        )));
    }
    match (choice[1], creds) {
        (0, _) => notes.push("proxy: no authentication required".into()),
        (2, Some((user, pass))) => {
            let (u, p) = (user.as_bytes(), pass.expose().as_bytes());
            if u.len() > 255 || p.len() > 255 {
                return Err(ProxyError::Auth(
                    "user or password longer than 255 bytes".into(),
                ));
            }
            let mut msg = vec![1, u.len() as u8];
            msg.extend_from_slice(u);
            msg.push(p.len() as u8);
            msg.extend_from_slice(p);
            s.write_all(&msg).await.map_err(proto)?;
            let mut status = [0u8; 2];
            s.read_exact(&mut status).await.map_err(proto)?;
            if status[1] != 0 {
                return Err(ProxyError::Auth(format!("the proxy rejected user {user}")));
            }
            notes.push(format!("proxy: authenticated as {user}"));
        }
        (0xff, _) => {
            return Err(ProxyError::Auth(if creds.is_some() {
                "no acceptable authentication method".into()
            } else {
                "the proxy requires authentication (give socks5://user@host:port)".into()
            }));
        }
        (m, _) => return Err(ProxyError::Protocol(format!("unexpected method {m}"))),
    }
    let mut req = vec![5, 1, 0];
    match target {
        Target::Addr(SocketAddr::V4(a)) => {
            req.push(1);
            req.extend_from_slice(&a.ip().octets());
            req.extend_from_slice(&a.port().to_be_bytes());
        }
        Target::Addr(SocketAddr::V6(a)) => {
            req.push(4);
            req.extend_from_slice(&a.ip().octets());
            req.extend_from_slice(&a.port().to_be_bytes());
        }
        Target::Name(name, port) => {
            if name.len() > 255 {
                return Err(ProxyError::Protocol(
                    "host name longer than 255 bytes".into(),
                ));
            }
            req.push(3);
            req.push(name.len() as u8);
            req.extend_from_slice(name.as_bytes());
            req.extend_from_slice(&port.to_be_bytes());
        }
    }
    s.write_all(&req).await.map_err(proto)?;
    let mut head = [0u8; 4];
    s.read_exact(&mut head).await.map_err(proto)?;
    if head[1] != 0 {
        return Err(ProxyError::Reply {
            code: head[1],
            meaning: reply_meaning(head[1]),
        });
    }
    let bound = match head[3] {
        1 => {
            let mut b = [0u8; 6];
            s.read_exact(&mut b).await.map_err(proto)?;
            SocketAddr::new(
                IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])),
                u16::from_be_bytes([b[4], b[5]]),
            )
            .to_string()
        }
        4 => {
            let mut b = [0u8; 18];
            s.read_exact(&mut b).await.map_err(proto)?;
            let mut ip = [0u8; 16];
            ip.copy_from_slice(&b[..16]);
            SocketAddr::new(IpAddr::from(ip), u16::from_be_bytes([b[16], b[17]])).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            s.read_exact(&mut len).await.map_err(proto)?;
            let mut b = vec![0u8; usize::from(len[0]) + 2];
            s.read_exact(&mut b).await.map_err(proto)?;
            crate::model::escape_bytes(&b[..b.len() - 2])
        }
        t => {
            return Err(ProxyError::Protocol(format!(
                "unknown address type {t} in reply"
            )));
        }
    };
    let shown = match target {
        Target::Addr(a) => a.to_string(),
        Target::Name(n, p) => format!("{n}:{p}"),
    };
    notes.push(format!(
        "proxy: CONNECT {shown} succeeded (proxy's side {bound})"
    ));
    Ok(s.into_inner())
}
