//! The socket error queue: what an ICMP error said about a TCP probe. Linux queues a
//! `struct sock_extended_err` (origin, ICMP type and code, errno) plus the offender's
//! address on a socket with `IP_RECVERR` / `IPV6_RECVERR`; `recvmsg(MSG_ERRQUEUE)` reads
//! it. The parsing is pure and table-tested; only [`read`] touches a socket.

use std::net::IpAddr;

use crate::model::Icmp;

/// `SO_EE_ORIGIN_ICMP` (linux/errqueue.h).
pub const ORIGIN_ICMP: u8 = 2;
/// `SO_EE_ORIGIN_ICMP6`.
pub const ORIGIN_ICMP6: u8 = 3;

/// One ICMP error a probe received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpReport {
    /// Who sent it (the router, or the host).
    pub offender: Option<IpAddr>,
    /// What it said.
    pub icmp: Icmp,
    /// ICMP type and code as received.
    pub type_code: (u8, u8),
}

/// Maps an ICMP type/code of `origin` to what it means for a TCP probe. `None` for an
/// origin that is not ICMP (local errors, timestamps).
pub fn meaning(origin: u8, icmp_type: u8, code: u8) -> Option<Icmp> {
    Some(match origin {
        ORIGIN_ICMP => match (icmp_type, code) {
            (11, _) => Icmp::TimeExceeded,
            (3, 0 | 6 | 11) => Icmp::NetUnreachable,
            (3, 1 | 7 | 12) => Icmp::HostUnreachable,
            (3, 2) => Icmp::ProtocolUnreachable,
            (3, 3) => Icmp::PortUnreachable,
            (3, 4) => Icmp::PacketTooBig,
            (3, 9) => Icmp::NetProhibited,
            (3, 10) => Icmp::HostProhibited,
            (3, 13) => Icmp::AdminProhibited,
            _ => Icmp::Other,
        },
        ORIGIN_ICMP6 => match (icmp_type, code) {
            (3, _) => Icmp::TimeExceeded,
            (1, 0) => Icmp::NetUnreachable,
            (1, 1) => Icmp::AdminProhibited,
            (1, 3) => Icmp::HostUnreachable,
            (1, 4) => Icmp::PortUnreachable,
            (1, 5 | 6) => Icmp::PolicyReject,
            (2, _) => Icmp::PacketTooBig,
            _ => Icmp::Other,
        },
        _ => return None,
    })
}

/// The offender of an IPv4 error (`sockaddr_in`, address in network byte order).
pub fn offender_v4(s_addr_be: u32) -> IpAddr {
    IpAddr::from(u32::from_be(s_addr_be).to_be_bytes())
}

/// Parses one queued error: `None` when it is not an ICMP error.
pub fn parse(origin: u8, icmp_type: u8, code: u8, offender: Option<IpAddr>) -> Option<IcmpReport> {
    meaning(origin, icmp_type, code).map(|icmp| IcmpReport {
        offender: offender.filter(|a| !a.is_unspecified()),
        icmp,
        type_code: (icmp_type, code),
    })
}

/// Drains the error queue of a socket (non-blocking): every ICMP error queued on it.
#[cfg(target_os = "linux")]
pub fn read(fd: std::os::fd::RawFd) -> Vec<IcmpReport> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, SockaddrStorage, recvmsg};
    use std::io::IoSliceMut;

    let mut out = Vec::new();
    // A queued error carries the original packet's headers: 512 bytes are plenty.
    let mut data = [0u8; 512];
    let mut cmsg = nix::cmsg_space!(nix::libc::sock_extended_err, nix::libc::sockaddr_in6);
    // Bounded: the queue of one probe socket holds a handful of entries at most.
    for _ in 0..16 {
        let mut iov = [IoSliceMut::new(&mut data)];
        let Ok(msg) = recvmsg::<SockaddrStorage>(
            fd,
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_ERRQUEUE | MsgFlags::MSG_DONTWAIT,
        ) else {
            break;
        };
        let Ok(cmsgs) = msg.cmsgs() else { break };
        for c in cmsgs {
            let parsed = match c {
                ControlMessageOwned::Ipv4RecvErr(e, addr) => parse(
                    e.ee_origin,
                    e.ee_type,
                    e.ee_code,
                    addr.map(|a| offender_v4(a.sin_addr.s_addr)),
                ),
                ControlMessageOwned::Ipv6RecvErr(e, addr) => parse(
                    e.ee_origin,
                    e.ee_type,
                    e.ee_code,
                    addr.map(|a| {
                        let v6 = std::net::Ipv6Addr::from(a.sin6_addr.s6_addr);
                        // An IPv4 router seen through a v4-mapped socket.
                        v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
                    }),
                ),
                _ => None,
            };
            out.extend(parsed);
        }
    }
    out
}

/// A connect that an ICMP prohibited message failed: who sent it and what it said. The
/// normal connect path wraps its `io::Error` around this, so the verdict can name the hop.
#[derive(Debug)]
pub struct FilterReject {
    /// What came back.
    pub report: IcmpReport,
    /// The OS error in words.
    pub os_error: String,
}

impl std::fmt::Display for FilterReject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (t, c) = self.report.type_code;
        match self.report.offender {
            Some(o) => write!(
                f,
                "{}: ICMP {} from {o} (type {t} code {c})",
                self.os_error,
                self.report.icmp.as_str().replace('_', " ")
            ),
            None => write!(
                f,
                "{}: ICMP {} (type {t} code {c})",
                self.os_error,
                self.report.icmp.as_str().replace('_', " ")
            ),
        }
    }
}

impl std::error::Error for FilterReject {}

/// Turns on the error queue of a socket about to connect and keeps a second handle on
/// it, so the queue can still be read after the connect failed and closed its own
/// handle. `None` where the OS has no error queue.
#[cfg(target_os = "linux")]
pub fn watch<S: std::os::fd::AsFd>(sock: &S, v6: bool) -> Option<std::os::fd::OwnedFd> {
    use nix::sys::socket::{setsockopt, sockopt};
    let ok = if v6 {
        setsockopt(sock, sockopt::Ipv6RecvErr, &true)
    } else {
        setsockopt(sock, sockopt::Ipv4RecvErr, &true)
    };
    ok.ok()?;
    sock.as_fd().try_clone_to_owned().ok()
}

/// Turns the error queue off again once connected: with it on, Linux turns an ICMP
/// error on an established connection into a hard error instead of retrying.
#[cfg(target_os = "linux")]
pub fn unwatch<S: std::os::fd::AsFd>(sock: &S, v6: bool) {
    use nix::sys::socket::{setsockopt, sockopt};
    let _ = if v6 {
        setsockopt(sock, sockopt::Ipv6RecvErr, &false)
    } else {
        setsockopt(sock, sockopt::Ipv4RecvErr, &false)
    };
}

/// Elsewhere: nothing to undo.
#[cfg(not(target_os = "linux"))]
pub fn unwatch<S>(_sock: &S, _v6: bool) {}

/// Elsewhere: nothing to watch.
#[cfg(not(target_os = "linux"))]
pub fn watch<S>(_sock: &S, _v6: bool) -> Option<std::os::fd::OwnedFd> {
    None
}

/// A failed connect, explained by the error queue when a filter's ICMP reject caused
/// it (the error then carries a [`FilterReject`]); otherwise unchanged.
pub fn explain(e: std::io::Error, watched: Option<std::os::fd::OwnedFd>) -> std::io::Error {
    #[cfg(target_os = "linux")]
    if let Some(fd) = watched {
        use std::os::fd::AsRawFd;
        if let Some(report) = read(fd.as_raw_fd())
            .into_iter()
            .find(|r| r.icmp.is_prohibited())
        {
            let kind = e.kind();
            return std::io::Error::new(
                kind,
                FilterReject {
                    report,
                    os_error: e.to_string(),
                },
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = watched;
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icmp_table() {
        let rows = [
            (ORIGIN_ICMP, 11, 0, Some(Icmp::TimeExceeded)),
            (ORIGIN_ICMP, 3, 13, Some(Icmp::AdminProhibited)),
            (ORIGIN_ICMP, 3, 10, Some(Icmp::HostProhibited)),
            (ORIGIN_ICMP, 3, 9, Some(Icmp::NetProhibited)),
            (ORIGIN_ICMP, 3, 1, Some(Icmp::HostUnreachable)),
            (ORIGIN_ICMP, 3, 0, Some(Icmp::NetUnreachable)),
            (ORIGIN_ICMP, 3, 3, Some(Icmp::PortUnreachable)),
            (ORIGIN_ICMP, 3, 4, Some(Icmp::PacketTooBig)),
            (ORIGIN_ICMP, 12, 0, Some(Icmp::Other)),
            (ORIGIN_ICMP6, 3, 0, Some(Icmp::TimeExceeded)),
            (ORIGIN_ICMP6, 1, 1, Some(Icmp::AdminProhibited)),
            (ORIGIN_ICMP6, 1, 0, Some(Icmp::NetUnreachable)),
            (ORIGIN_ICMP6, 1, 3, Some(Icmp::HostUnreachable)),
            (ORIGIN_ICMP6, 1, 4, Some(Icmp::PortUnreachable)),
            (ORIGIN_ICMP6, 1, 5, Some(Icmp::PolicyReject)),
            (ORIGIN_ICMP6, 1, 6, Some(Icmp::PolicyReject)),
            (ORIGIN_ICMP6, 2, 0, Some(Icmp::PacketTooBig)),
            // SO_EE_ORIGIN_LOCAL and SO_EE_ORIGIN_NONE are not ICMP.
            (1, 0, 0, None),
            (0, 11, 0, None),
        ];
        for (origin, t, c, want) in rows {
            assert_eq!(meaning(origin, t, c), want, "origin {origin} {t}/{c}");
        }
        assert!(Icmp::AdminProhibited.is_prohibited());
        assert!(!Icmp::TimeExceeded.is_prohibited());
    }

    #[test]
    fn offender_addresses() {
        // sockaddr_in holds the address in network byte order.
        let be = u32::from_ne_bytes([100, 64, 7, 2]);
        assert_eq!(offender_v4(be), "100.64.7.2".parse::<IpAddr>().unwrap());
        let r = parse(ORIGIN_ICMP, 11, 0, Some("0.0.0.0".parse().unwrap())).unwrap();
        assert_eq!(r.offender, None, "an unspecified offender is no offender");
        let r = parse(ORIGIN_ICMP6, 1, 1, Some("2001:db8::1".parse().unwrap())).unwrap();
        assert_eq!(r.icmp, Icmp::AdminProhibited);
        assert_eq!(r.type_code, (1, 1));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn struct_fields_parse() {
        // The kernel's struct as nix hands it over, built field by field.
        let e = nix::libc::sock_extended_err {
            ee_errno: 113,
            ee_origin: ORIGIN_ICMP,
            ee_type: 3,
            ee_code: 13,
            ee_pad: 0,
            ee_info: 0,
            ee_data: 0,
        };
        let sin = nix::libc::sockaddr_in {
            sin_family: nix::libc::AF_INET as nix::libc::sa_family_t,
            sin_port: 0,
            sin_addr: nix::libc::in_addr {
                s_addr: u32::from_ne_bytes([198, 18, 4, 1]),
            },
            sin_zero: [0; 8],
        };
        let r = parse(
            e.ee_origin,
            e.ee_type,
            e.ee_code,
            Some(offender_v4(sin.sin_addr.s_addr)),
        )
        .unwrap();
        assert_eq!(r.icmp, Icmp::AdminProhibited);
        assert_eq!(r.offender, Some("198.18.4.1".parse().unwrap()));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn empty_queue_reads_nothing() {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        assert!(read(std::os::fd::AsRawFd::as_raw_fd(&s)).is_empty());
    }
}
