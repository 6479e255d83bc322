//! The path check: where on the network path a port is dropped or rejected, and whether
//! a box nearer than the server answers in its place (interception).
//!
//! Unprivileged on Linux ≥ 5.8: a non-blocking TCP `connect()` with the TTL set to k
//! fails at once when the router at hop k answers ICMP time-exceeded, and the socket's
//! error queue (`IP_RECVERR` / `IPV6_RECVERR`, `recvmsg(MSG_ERRQUEUE)`) names that router.
//!
//! - [`probe`]: one TTL-limited connect and what came back.
//! - [`errqueue`]: the `sock_extended_err` parsing (pure, table-tested) and the read.
//! - [`trace`]: the paced, windowed walk over TTL 1…max for one address:port.
//! - [`judge`]: the verdict per endpoint, comparing ports of the same address (the
//!   control port: the one that reached farthest).
//!
//! Where the OS gives no ICMP detail the verdict is `unavailable` — never a guess.

pub mod errqueue;
pub mod judge;
pub mod probe;
pub mod trace;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::dns::Lookup;
use crate::model::{Endpoint, PathReport, PathVerdict, escape_str};
use crate::settings::Settings;

pub use judge::judge;
pub use probe::{Outcome, Source};
pub use trace::{Trace, TraceConfig};

/// Probes in flight at most, over every trace of a run.
pub const MAX_IN_FLIGHT: usize = 48;

/// The trace configuration for a run's settings.
pub fn config(settings: &Settings) -> TraceConfig {
    TraceConfig {
        max_hops: settings.max_hops.clamp(1, 64),
        source: Source {
            bind: settings.bind,
            interface: settings.interface.clone(),
        },
        ..TraceConfig::default()
    }
}

/// Whether an endpoint's path is traced: direct connections (no proxy) to a real
/// address. Loopback has no path to locate anything on.
pub fn traceable(settings: &Settings, ep: &Endpoint) -> bool {
    settings.trace && settings.proxy.is_none() && worth_tracing(ep.address)
}

fn worth_tracing(addr: IpAddr) -> bool {
    !(addr.is_unspecified() || addr.is_loopback() || addr.is_multicast())
}

/// Traces every endpoint concurrently (one trace per endpoint, probes bounded by
/// [`MAX_IN_FLIGHT`], the whole set bounded by the config's budget) and judges them:
/// `(endpoint index, path)` for each traced endpoint.
pub async fn trace_endpoints(
    endpoints: &[Endpoint],
    cfg: &TraceConfig,
) -> Vec<(usize, PathReport)> {
    if endpoints.is_empty() {
        return Vec::new();
    }
    if let Err(why) = probe::supported() {
        return endpoints
            .iter()
            .map(|e| (e.id.0, judge::unavailable(&why)))
            .collect();
    }
    let deadline = Instant::now() + cfg.budget;
    let limit = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut set = tokio::task::JoinSet::new();
    for ep in endpoints {
        let peer = SocketAddr::new(ep.address, ep.port);
        let (cfg, limit, id) = (cfg.clone(), limit.clone(), ep.id.0);
        set.spawn(async move { (id, trace::run(peer, &cfg, deadline, limit).await) });
    }
    let mut traces = Vec::new();
    while let Some(done) = set.join_next().await {
        if let Ok(t) = done {
            traces.push(t);
        }
    }
    traces.sort_by_key(|(id, _)| *id);
    judge(&traces)
}

/// Whether hop names may be looked up: DNS is in use for this run (no `--resolve`, and
/// not an address literal unless `--dns-server` names a server). Tests always use
/// `--resolve` or literals, so they never reach the system resolver.
pub fn ptr_allowed(settings: &Settings) -> bool {
    let literal = settings
        .target
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok();
    settings.resolve.is_empty()
        && settings.proxy.is_none()
        && (!literal || settings.dns_server.is_some())
}

/// Names the hops of the paths that did not simply reach their server (blocked,
/// intercepted) by their PTR records, escaped. Sequential, bounded by `cap` in total.
pub async fn name_hops<L: Lookup>(
    paths: &mut [(usize, PathReport)],
    lookup: &L,
    cap: std::time::Duration,
) {
    let deadline = Instant::now() + cap;
    let mut names: std::collections::HashMap<IpAddr, Option<String>> =
        std::collections::HashMap::new();
    for (_, p) in paths.iter_mut() {
        if matches!(p.verdict, PathVerdict::Reached | PathVerdict::Unavailable) {
            continue;
        }
        for hop in &mut p.hops {
            let Some(addr) = hop.addr.as_deref().and_then(|a| a.parse::<IpAddr>().ok()) else {
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(addr) {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return;
                }
                let found = tokio::time::timeout(left, lookup.lookup_ptr(addr))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .and_then(|n| n.into_iter().next())
                    .map(|n| escape_str(&n));
                slot.insert(found);
            }
            hop.name = names.get(&addr).cloned().flatten();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::FixedLookup;
    use crate::model::{Hop, HopRef};

    #[tokio::test]
    async fn blocked_paths_get_hop_names() {
        let hop = |ttl: u8, addr: &str| Hop {
            ttl,
            addr: Some(addr.into()),
            name: None,
            rtt_ms: Some(1.0),
            icmp: Some(crate::model::Icmp::TimeExceeded),
            tcp: None,
            probes: 1,
        };
        let path = |verdict| PathReport {
            verdict,
            at: Some(HopRef {
                hop: 2,
                addr: Some("203.0.113.1".into()),
            }),
            distance: None,
            hops: vec![hop(1, "192.0.2.1"), hop(2, "203.0.113.1")],
            control_port: None,
            note: None,
        };
        let mut paths = vec![
            (0, path(PathVerdict::DroppedAfter)),
            (1, path(PathVerdict::Reached)),
        ];
        let zone = FixedLookup::new().ptr("203.0.113.1".parse().unwrap(), "core1.isp.example");
        name_hops(&mut paths, &zone, std::time::Duration::from_secs(1)).await;
        assert_eq!(
            paths[0].1.hops[1].name.as_deref(),
            Some("core1.isp.example")
        );
        assert_eq!(paths[0].1.hops[0].name, None, "no PTR, no name");
        assert_eq!(
            paths[1].1.hops[1].name, None,
            "reached paths are not looked up"
        );
        let mut s = Settings::new("192.0.2.9");
        assert!(!ptr_allowed(&s), "a literal: no DNS");
        s.target = "mail.example.com".into();
        assert!(ptr_allowed(&s));
        s.resolve = vec![("mail.example.com".into(), "192.0.2.9".parse().unwrap())];
        assert!(!ptr_allowed(&s), "--resolve: no DNS");
    }
}
