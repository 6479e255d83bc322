//! Where on the network path an endpoint stops: the hops a TTL-limited trace saw and the
//! verdict drawn from them (the JSON contract `endpoints[].path`).

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// What the trace of one endpoint concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathVerdict {
    /// The server answered (SYN-ACK or its own reset); `distance` is its TTL.
    Reached,
    /// Probes went silent after `at` (the last hop that answered).
    DroppedAfter,
    /// `at` sent an ICMP unreachable (or a reset nearer than the server).
    RejectedBy,
    /// The port answered at a lower TTL (`at.hop`) than the control port (`distance`).
    InterceptedAt,
    /// This OS gives no ICMP detail: nothing can be said about the path.
    Unavailable,
}

impl PathVerdict {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reached => "reached",
            Self::DroppedAfter => "dropped_after",
            Self::RejectedBy => "rejected_by",
            Self::InterceptedAt => "intercepted_at",
            Self::Unavailable => "unavailable",
        }
    }
}

impl fmt::Display for PathVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The ICMP message a hop answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Icmp {
    /// TTL / hop limit exceeded in transit (a router on the way).
    TimeExceeded,
    /// Communication administratively prohibited (v4 type 3 code 13, v6 type 1 code 1).
    AdminProhibited,
    /// Host administratively prohibited (v4 type 3 code 10).
    HostProhibited,
    /// Network administratively prohibited (v4 type 3 code 9).
    NetProhibited,
    /// Host unreachable (v4 type 3 code 1, v6 type 1 code 3 "address unreachable").
    HostUnreachable,
    /// Network unreachable (v4 type 3 code 0, v6 type 1 code 0 "no route").
    NetUnreachable,
    /// Port unreachable (v4 type 3 code 3, v6 type 1 code 4).
    PortUnreachable,
    /// Protocol unreachable (v4 type 3 code 2).
    ProtocolUnreachable,
    /// Rejected by a source address policy (v6 type 1 codes 5 and 6).
    PolicyReject,
    /// Fragmentation needed / packet too big.
    PacketTooBig,
    /// Any other ICMP error.
    Other,
}

impl Icmp {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TimeExceeded => "time_exceeded",
            Self::AdminProhibited => "admin_prohibited",
            Self::HostProhibited => "host_prohibited",
            Self::NetProhibited => "net_prohibited",
            Self::HostUnreachable => "host_unreachable",
            Self::NetUnreachable => "net_unreachable",
            Self::PortUnreachable => "port_unreachable",
            Self::ProtocolUnreachable => "protocol_unreachable",
            Self::PolicyReject => "policy_reject",
            Self::PacketTooBig => "packet_too_big",
            Self::Other => "other",
        }
    }

    /// Whether the message is a filter's reject (administratively prohibited).
    pub fn is_prohibited(self) -> bool {
        matches!(
            self,
            Self::AdminProhibited | Self::HostProhibited | Self::NetProhibited | Self::PolicyReject
        )
    }
}

impl fmt::Display for Icmp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The TCP answer that ended a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TcpReply {
    /// The connection opened.
    SynAck,
    /// A reset came back.
    Rst,
}

/// One TTL of a trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hop {
    /// The TTL (hop limit) of the probe.
    pub ttl: u8,
    /// Who answered (the router, or the address that opened/reset the connection).
    pub addr: Option<String>,
    /// Its PTR name (escaped), when DNS is in use and the address has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Round-trip time of the fastest answer, milliseconds.
    pub rtt_ms: Option<f64>,
    /// The ICMP message, when the answer was one.
    pub icmp: Option<Icmp>,
    /// The TCP answer (`syn_ack` / `rst`), when the answer was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpReply>,
    /// Probes sent at this TTL.
    #[serde(default)]
    pub probes: u8,
}

/// A hop named by a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HopRef {
    /// Its hop number (TTL); 0 is this machine.
    pub hop: u8,
    /// Its address, when known.
    pub addr: Option<String>,
}

/// The path of one endpoint: the JSON `endpoints[].path`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathReport {
    /// The verdict.
    pub verdict: PathVerdict,
    /// The hop the verdict names (see [`PathVerdict`]).
    pub at: Option<HopRef>,
    /// The server's distance in hops (for `intercepted_at`: the control port's).
    pub distance: Option<u8>,
    /// Every TTL probed, in order.
    pub hops: Vec<Hop>,
    /// The working port of the same address this path was compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_port: Option<u16>,
    /// Why the verdict is `unavailable`, or what limited the trace (budget), in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl PathReport {
    /// The ICMP message of the hop named by `at`, or of the last hop that had one.
    pub fn stop_icmp(&self) -> Option<Icmp> {
        self.hops
            .iter()
            .rev()
            .find_map(|h| h.icmp.filter(|i| *i != Icmp::TimeExceeded))
    }

    /// The address of the hop at TTL `ttl`, if it answered.
    pub fn addr_at(&self, ttl: u8) -> Option<&str> {
        self.hops
            .iter()
            .find(|h| h.ttl == ttl)
            .and_then(|h| h.addr.as_deref())
    }

    /// One line in plain words: "dropped after hop 2 (100.64.1.2)".
    pub fn summary(&self) -> String {
        let at = |r: &HopRef| match &r.addr {
            Some(a) => format!("hop {} ({a})", r.hop),
            None => format!("hop {}", r.hop),
        };
        match (self.verdict, &self.at) {
            (PathVerdict::Reached, _) => match self.distance {
                Some(d) => format!("reached the server at hop {d}"),
                None => "reached the server".into(),
            },
            (PathVerdict::DroppedAfter, Some(r)) if r.hop > 0 => {
                format!("dropped after {}", at(r))
            }
            (PathVerdict::DroppedAfter, _) => "dropped before the first hop answered".into(),
            (PathVerdict::RejectedBy, Some(r)) if r.hop == 0 => {
                "rejected by this machine (its own firewall or routing)".into()
            }
            (PathVerdict::RejectedBy, Some(r)) => {
                let how = match self.stop_icmp() {
                    Some(i) => format!(" (ICMP {})", i.as_str().replace('_', " ")),
                    None => " (TCP reset)".into(),
                };
                format!("rejected by {}{how}", at(r))
            }
            (PathVerdict::RejectedBy, None) => "rejected on the way".into(),
            (PathVerdict::InterceptedAt, Some(r)) => {
                let d = self
                    .distance
                    .map(|d| format!(", the server is {d} hops away"))
                    .unwrap_or_default();
                format!("answered at {} instead of the server{d}", at(r))
            }
            (PathVerdict::InterceptedAt, None) => "answered nearer than the server".into(),
            (PathVerdict::Unavailable, _) => match &self.note {
                Some(n) => format!("path: not available here ({n})"),
                None => "path: not available here".into(),
            },
        }
    }
}

/// Where on the path an address sits, for the located findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// This machine.
    Local,
    /// A private address: this site's network (gateway, firewall).
    ThisNetwork,
    /// A public hop before the server's side: the ISP or its upstream.
    Upstream,
    /// The last hop(s) before the server: its provider or its own firewall.
    ServerSide,
}

impl Zone {
    /// In words.
    pub fn words(self) -> &'static str {
        match self {
            Self::Local => "this machine",
            Self::ThisNetwork => "this network",
            Self::Upstream => "the ISP / upstream",
            Self::ServerSide => "the server's side",
        }
    }
}

/// Whether an address is private to a site (RFC 1918, link-local, ULA, loopback).
/// Shared address space (100.64/10, carrier-grade NAT) belongs to the ISP: not private.
pub fn is_site_private(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => a.is_private() || a.is_link_local() || a.is_loopback(),
        IpAddr::V6(a) => {
            let first = a.segments()[0];
            a.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

/// The zone of hop `hop` with address `addr` on a path whose server is `distance` hops
/// away (when known): private hops are this network, the hop just before the server is
/// its side, the public hops in between are the ISP / upstream.
pub fn zone_of(hop: u8, addr: Option<IpAddr>, distance: Option<u8>) -> Zone {
    if hop == 0 {
        return Zone::Local;
    }
    if addr.is_some_and(is_site_private) {
        return Zone::ThisNetwork;
    }
    match distance {
        Some(d) if hop + 1 >= d && d > 2 => Zone::ServerSide,
        _ => Zone::Upstream,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones() {
        let a = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(zone_of(1, a("192.168.1.1"), Some(12)), Zone::ThisNetwork);
        assert_eq!(zone_of(2, a("100.64.0.1"), Some(12)), Zone::Upstream);
        assert_eq!(zone_of(3, a("203.0.113.1"), Some(12)), Zone::Upstream);
        assert_eq!(zone_of(11, a("203.0.113.9"), Some(12)), Zone::ServerSide);
        assert_eq!(zone_of(2, a("fd00::1"), None), Zone::ThisNetwork);
        assert_eq!(zone_of(2, a("2001:db8::1"), None), Zone::Upstream);
        assert_eq!(zone_of(0, None, None), Zone::Local);
        assert!(!is_site_private("100.64.1.1".parse().unwrap()));
        assert!(is_site_private("fe80::1".parse().unwrap()));
    }

    #[test]
    fn summaries_name_the_hop() {
        let p = PathReport {
            verdict: PathVerdict::RejectedBy,
            at: Some(HopRef {
                hop: 2,
                addr: Some("100.64.1.2".into()),
            }),
            distance: None,
            hops: vec![Hop {
                ttl: 3,
                addr: Some("100.64.1.2".into()),
                rtt_ms: Some(0.2),
                name: None,
                icmp: Some(Icmp::AdminProhibited),
                tcp: None,
                probes: 1,
            }],
            control_port: None,
            note: None,
        };
        assert_eq!(
            p.summary(),
            "rejected by hop 2 (100.64.1.2) (ICMP admin prohibited)"
        );
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["verdict"], "rejected_by");
        assert_eq!(json["at"]["hop"], 2);
        assert_eq!(json["hops"][0]["icmp"], "admin_prohibited");
    }
}
