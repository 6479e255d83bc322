//! From traces to verdicts (pure). Ports of the same address are compared: the one that
//! reached farthest is the control; a port answered at a lower TTL than the control was
//! answered by a box on the way (intercepted), a reject names the hop whose address sent
//! it, a silent stop names the last hop that answered.

use std::collections::HashMap;
use std::net::IpAddr;

use super::probe::Outcome;
use super::trace::Trace;
use crate::model::{Hop, HopRef, Icmp, PathReport, PathVerdict, TcpReply};

/// The report for a trace that could not run.
pub fn unavailable(why: &str) -> PathReport {
    PathReport {
        verdict: PathVerdict::Unavailable,
        at: None,
        distance: None,
        hops: Vec::new(),
        control_port: None,
        note: Some(why.to_string()),
    }
}

/// The hops of a trace as reported.
pub fn hops(t: &Trace) -> Vec<Hop> {
    t.ttls
        .iter()
        .enumerate()
        .filter(|(_, r)| r.probes > 0)
        .map(|(i, r)| {
            let ttl = i as u8 + 1;
            let mut hop = Hop {
                ttl,
                addr: None,
                name: None,
                rtt_ms: None,
                icmp: None,
                tcp: None,
                probes: r.probes,
            };
            let ms = |d: std::time::Duration| (d.as_secs_f64() * 10_000.0).round() / 10.0;
            match &r.answer {
                Some(Outcome::Connected { rtt, from }) => {
                    hop.addr = Some(from.to_string());
                    hop.rtt_ms = Some(ms(*rtt));
                    hop.tcp = Some(TcpReply::SynAck);
                }
                Some(Outcome::Reset { rtt, from }) => {
                    hop.addr = Some(from.to_string());
                    hop.rtt_ms = Some(ms(*rtt));
                    hop.tcp = Some(TcpReply::Rst);
                }
                Some(Outcome::Icmp { rtt, report, .. }) => {
                    hop.addr = report.offender.map(|a| a.to_string());
                    hop.rtt_ms = Some(ms(*rtt));
                    hop.icmp = Some(report.icmp);
                }
                _ => {}
            }
            hop
        })
        .collect()
}

/// The TTL at which a trace reached a TCP answer (connect or reset).
fn reach(t: &Trace) -> Option<u8> {
    match &t.stop {
        Some((ttl, Outcome::Connected { .. } | Outcome::Reset { .. })) => Some(*ttl),
        _ => None,
    }
}

fn router_at(t: &Trace, ttl: u8) -> Option<IpAddr> {
    match t
        .ttls
        .get(usize::from(ttl).checked_sub(1)?)?
        .answer
        .as_ref()?
    {
        Outcome::Icmp { report, .. } if report.icmp == Icmp::TimeExceeded => report.offender,
        _ => None,
    }
}

/// The hop number of router `addr` as seen at time-exceeded TTLs of any trace given.
fn hop_of(addr: IpAddr, traces: &[&Trace]) -> Option<u8> {
    traces
        .iter()
        .filter_map(|t| (1..=t.ttls.len() as u8).find(|k| router_at(t, *k) == Some(addr)))
        .min()
}

/// Judges every trace: `(endpoint index, path)`, in the order given.
pub fn judge(traces: &[(usize, Trace)]) -> Vec<(usize, PathReport)> {
    // The control per address: the port that reached farthest (ties: the lowest index).
    let mut control: HashMap<IpAddr, (u8, usize)> = HashMap::new();
    for (i, (_, t)) in traces.iter().enumerate() {
        if let Some(d) = reach(t) {
            let e = control.entry(t.peer.ip()).or_insert((d, i));
            if d > e.0 {
                *e = (d, i);
            }
        }
    }
    traces
        .iter()
        .map(|(id, t)| {
            let ctl = control.get(&t.peer.ip()).map(|(d, i)| (*d, &traces[*i].1));
            // Every port of the same address saw the same routers: one lost
            // time-exceeded on this trace is filled in from the others.
            let mut same: Vec<&Trace> = vec![t];
            same.extend(ctl.map(|(_, c)| c));
            same.extend(
                traces
                    .iter()
                    .map(|(_, o)| o)
                    .filter(|o| o.peer.ip() == t.peer.ip()),
            );
            (*id, judge_one(t, ctl, &same))
        })
        .collect()
}

fn judge_one(t: &Trace, control: Option<(u8, &Trace)>, same: &[&Trace]) -> PathReport {
    let mut report = PathReport {
        verdict: PathVerdict::DroppedAfter,
        at: None,
        distance: control.map(|(d, _)| d),
        hops: hops(t),
        control_port: control
            .map(|(_, c)| c.peer.port())
            .filter(|p| *p != t.peer.port()),
        note: t
            .budget_hit
            .then(|| "the trace budget ran out before every TTL was answered".into()),
    };
    let addr_of = |ttl: u8| {
        same.iter()
            .find_map(|o| router_at(o, ttl))
            .map(|a| a.to_string())
    };
    match &t.stop {
        Some((ttl, Outcome::NoDetail(why))) => {
            return PathReport {
                note: Some(format!("the OS gives no ICMP detail at TTL {ttl}: {why}")),
                ..unavailable("")
            };
        }
        Some((_, Outcome::Local(why))) => {
            report.verdict = PathVerdict::RejectedBy;
            report.at = Some(HopRef { hop: 0, addr: None });
            report.note = Some(format!("this machine refused to send the probe: {why}"));
        }
        Some((
            ttl,
            Outcome::Icmp {
                report: icmp,
                local,
                ..
            },
        )) => {
            report.verdict = PathVerdict::RejectedBy;
            let hop = if *local {
                0
            } else {
                icmp.offender
                    .filter(|o| *o != t.peer.ip())
                    .and_then(|o| hop_of(o, same))
                    .unwrap_or(*ttl)
            };
            report.at = Some(HopRef {
                hop,
                addr: icmp.offender.map(|a| a.to_string()),
            });
        }
        Some((ttl, outcome @ (Outcome::Connected { .. } | Outcome::Reset { .. }))) => {
            let d = control.map_or(*ttl, |(d, _)| d);
            let reset = matches!(outcome, Outcome::Reset { .. });
            if *ttl < d {
                report.verdict = if reset {
                    PathVerdict::RejectedBy
                } else {
                    PathVerdict::InterceptedAt
                };
                report.at = Some(HopRef {
                    hop: *ttl,
                    addr: addr_of(*ttl),
                });
                report.distance = Some(d);
            } else {
                report.verdict = PathVerdict::Reached;
                report.distance = Some(*ttl);
                report.control_port = None;
            }
        }
        Some((_, Outcome::Silent)) | None => {
            report.at = t.last_answering().map(|hop| HopRef {
                hop,
                addr: addr_of(hop),
            });
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use super::*;
    use crate::probe::path::errqueue::IcmpReport;
    use crate::probe::path::trace::TtlResult;

    const SERVER: &str = "198.18.7.2";
    const R1: &str = "10.7.1.1";
    const R2: &str = "100.64.7.2";

    #[allow(clippy::unnecessary_wraps)] // rows of Option<Outcome>
    fn te(from: &str) -> Option<Outcome> {
        Some(Outcome::Icmp {
            rtt: Duration::from_micros(150),
            report: IcmpReport {
                offender: Some(from.parse().unwrap()),
                icmp: Icmp::TimeExceeded,
                type_code: (11, 0),
            },
            local: false,
        })
    }

    fn trace(port: u16, answers: Vec<Option<Outcome>>) -> Trace {
        let peer = SocketAddr::new(SERVER.parse().unwrap(), port);
        let ttls: Vec<TtlResult> = answers
            .into_iter()
            .map(|answer| TtlResult {
                probes: if answer.is_some() { 1 } else { 2 },
                answer,
            })
            .collect();
        let stop = ttls.iter().enumerate().find_map(|(i, r)| {
            r.answer
                .as_ref()
                .filter(|o| o.is_terminal())
                .map(|o| (i as u8 + 1, o.clone()))
        });
        Trace {
            peer,
            ttls,
            stop,
            budget_hit: false,
        }
    }

    #[allow(clippy::unnecessary_wraps)]
    fn connected() -> Option<Outcome> {
        Some(Outcome::Connected {
            rtt: Duration::from_micros(300),
            from: SERVER.parse().unwrap(),
        })
    }

    #[test]
    fn the_four_cases_of_the_test_network() {
        let healthy = trace(587, vec![te(R1), te(R2), connected()]);
        let dropped = trace(25, vec![te(R1), te(R2), None, None, None]);
        let rejected = trace(
            2525,
            vec![
                te(R1),
                te(R2),
                Some(Outcome::Icmp {
                    rtt: Duration::from_micros(200),
                    report: IcmpReport {
                        offender: Some(R2.parse().unwrap()),
                        icmp: Icmp::AdminProhibited,
                        type_code: (3, 13),
                    },
                    local: false,
                }),
            ],
        );
        let intercepted = trace(465, vec![connected()]);
        let out = judge(&[(0, healthy), (1, dropped), (2, rejected), (3, intercepted)]);
        let p = |i: usize| &out[i].1;
        assert_eq!(p(0).verdict, PathVerdict::Reached);
        assert_eq!(p(0).distance, Some(3));
        assert_eq!(p(1).verdict, PathVerdict::DroppedAfter);
        assert_eq!(
            p(1).at,
            Some(HopRef {
                hop: 2,
                addr: Some(R2.into())
            })
        );
        assert_eq!(p(1).control_port, Some(587));
        assert_eq!(p(2).verdict, PathVerdict::RejectedBy);
        assert_eq!(p(2).at.as_ref().unwrap().hop, 2, "the offender's own hop");
        assert_eq!(p(2).stop_icmp(), Some(Icmp::AdminProhibited));
        assert_eq!(p(3).verdict, PathVerdict::InterceptedAt);
        assert_eq!(
            p(3).at,
            Some(HopRef {
                hop: 1,
                addr: Some(R1.into())
            }),
            "the router the control port saw at that TTL"
        );
        assert_eq!(p(3).distance, Some(3));
        assert_eq!(p(3).hops.len(), 1);
    }

    #[test]
    fn no_detail_is_unavailable_never_a_guess() {
        let t = trace(25, vec![Some(Outcome::NoDetail("No route to host".into()))]);
        let out = judge(&[(0, t)]);
        assert_eq!(out[0].1.verdict, PathVerdict::Unavailable);
        assert!(out[0].1.summary().starts_with("path: not available here"));
    }

    #[test]
    fn nothing_answered_is_dropped_before_hop_one() {
        let out = judge(&[(0, trace(25, vec![None, None, None]))]);
        assert_eq!(out[0].1.verdict, PathVerdict::DroppedAfter);
        assert_eq!(out[0].1.at, None);
        assert_eq!(out[0].1.distance, None);
    }

    #[test]
    fn a_reset_nearer_than_the_server_is_a_reject() {
        let rst = Some(Outcome::Reset {
            rtt: Duration::from_micros(100),
            from: SERVER.parse().unwrap(),
        });
        let out = judge(&[
            (0, trace(587, vec![te(R1), te(R2), connected()])),
            (1, trace(25, vec![te(R1), rst.clone()])),
            (2, trace(26, vec![te(R1), te(R2), rst])),
        ]);
        assert_eq!(out[1].1.verdict, PathVerdict::RejectedBy);
        assert_eq!(out[1].1.at.as_ref().unwrap().hop, 2);
        assert_eq!(
            out[2].1.verdict,
            PathVerdict::Reached,
            "the server's own reset"
        );
    }
}
