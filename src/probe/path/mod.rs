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

use crate::model::{Endpoint, PathReport};
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
