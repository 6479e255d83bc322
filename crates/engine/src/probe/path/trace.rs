//! The trace of one address:port: TTL-limited probes k = 1…max, paced and windowed so
//! that routers' ICMP rate limits (Linux: a burst of 6, then one per second per
//! destination) are not spent in one go, stopping at the first terminal answer
//! (connect, reset, unreachable), with a second probe for every TTL that stayed silent.
//!
//! Scheduling: probes go out in increasing TTL, at least `gap` apart, with at most
//! `window` outstanding; a probe older than a few RTTs (`presume`) no longer holds its
//! window slot but still waits for its answer until `probe_timeout`. So a path that
//! answers is walked about one RTT per `window` hops, a silent one does not wait a full
//! timeout per TTL, and a reject at hop k is seen before many probes beyond k left.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;

use super::probe::{self, Outcome, Source};

/// How a trace is run.
#[derive(Debug, Clone)]
pub struct TraceConfig {
    /// Highest TTL.
    pub max_hops: u8,
    /// Probes per TTL at most (the second only when the first got no answer).
    pub probes_per_ttl: u8,
    /// How long one probe waits for its answer.
    pub probe_timeout: Duration,
    /// Outstanding (recent) probes at most.
    pub window: usize,
    /// Least time between two launches.
    pub gap: Duration,
    /// The whole run's trace budget.
    pub budget: Duration,
    /// Where probes leave from.
    pub source: Source,
}

impl Default for TraceConfig {
    fn default() -> Self {
        Self {
            max_hops: 20,
            probes_per_ttl: 2,
            probe_timeout: Duration::from_secs(1),
            window: 3,
            gap: Duration::from_millis(10),
            budget: Duration::from_secs(6),
            source: Source::default(),
        }
    }
}

/// What one TTL saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TtlResult {
    /// Probes sent.
    pub probes: u8,
    /// The first answer (None: every probe was silent).
    pub answer: Option<Outcome>,
}

/// A finished trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The destination.
    pub peer: SocketAddr,
    /// Index `ttl - 1`.
    pub ttls: Vec<TtlResult>,
    /// The TTL where it stopped, with the terminal answer.
    pub stop: Option<(u8, Outcome)>,
    /// The run's budget ended it early.
    pub budget_hit: bool,
}

impl Trace {
    /// The highest TTL that got a time-exceeded answer (a router that answered).
    pub fn last_answering(&self) -> Option<u8> {
        self.ttls
            .iter()
            .enumerate()
            .rev()
            .find(|(_, t)| matches!(t.answer, Some(Outcome::Icmp { .. })))
            .map(|(i, _)| i as u8 + 1)
    }
}

/// How long a probe holds its window slot: a few typical RTTs. The median of the
/// answers so far, so that one late answer (a neighbour-discovery retry, a slow router)
/// does not throttle the walk to one window per timeout.
fn presume_after(rtts: &[Duration], cfg: &TraceConfig) -> Duration {
    if rtts.is_empty() {
        return Duration::from_millis(250).min(cfg.probe_timeout);
    }
    let mut sorted = rtts.to_vec();
    sorted.sort_unstable();
    let median = sorted[sorted.len() / 2];
    (median * 3 + Duration::from_millis(30)).clamp(Duration::from_millis(60), cfg.probe_timeout)
}

fn rtt_of(o: &Outcome) -> Option<Duration> {
    match o {
        Outcome::Connected { rtt, .. } | Outcome::Reset { rtt, .. } | Outcome::Icmp { rtt, .. } => {
            Some(*rtt)
        }
        _ => None,
    }
}

/// Traces `peer` until a terminal answer, `cfg.max_hops`, or `deadline`. `limit` bounds
/// the probes in flight across every trace of the run.
pub async fn run(
    peer: SocketAddr,
    cfg: &TraceConfig,
    deadline: Instant,
    limit: Arc<Semaphore>,
) -> Trace {
    let max = cfg.max_hops.max(1);
    let mut trace = Trace {
        peer,
        ttls: vec![TtlResult::default(); usize::from(max)],
        stop: None,
        budget_hit: false,
    };
    let mut stop_ttl = max;
    let mut rtts: Vec<Duration> = Vec::new();
    for _round in 0..cfg.probes_per_ttl.max(1) {
        let todo: Vec<u8> = (1..=stop_ttl)
            .filter(|t| trace.ttls[usize::from(*t) - 1].answer.is_none())
            .collect();
        if todo.is_empty() || trace.budget_hit {
            break;
        }
        let mut next = 0;
        let mut set: JoinSet<(u8, Outcome)> = JoinSet::new();
        let mut flying: HashMap<tokio::task::Id, (u8, Instant, AbortHandle)> = HashMap::new();
        let mut last_launch: Option<Instant> = None;
        loop {
            let now = Instant::now();
            if now >= deadline {
                set.abort_all();
                trace.budget_hit = true;
                break;
            }
            let presume = presume_after(&rtts, cfg);
            let live = flying
                .values()
                .filter(|(_, at, _)| now < *at + presume)
                .count();
            let more = next < todo.len() && todo[next] <= stop_ttl;
            let gap_ok = last_launch.is_none_or(|l| now >= l + cfg.gap);
            if more && live < cfg.window && gap_ok {
                let ttl = todo[next];
                next += 1;
                trace.ttls[usize::from(ttl) - 1].probes += 1;
                let (src, timeout, limit) = (cfg.source.clone(), cfg.probe_timeout, limit.clone());
                let handle = set.spawn(async move {
                    // The semaphore is never closed: acquire cannot fail.
                    let _permit = limit.acquire_owned().await;
                    (ttl, probe::once(peer, ttl, timeout, &src).await)
                });
                flying.insert(handle.id(), (ttl, now, handle));
                last_launch = Some(now);
                continue;
            }
            if set.is_empty() && !more {
                break;
            }
            // Wake for the next possible launch: the gap, or a slot freed by presumption.
            let mut wake = deadline;
            if more {
                if let Some(l) = last_launch {
                    wake = wake.min(l + cfg.gap);
                }
                if live >= cfg.window
                    && let Some(first) = flying
                        .values()
                        .map(|(_, at, _)| *at + presume)
                        .filter(|t| *t > now)
                        .min()
                {
                    wake = wake.min(first);
                }
            }
            tokio::select! {
                joined = set.join_next_with_id(), if !set.is_empty() => match joined {
                    Some(Ok((id, (ttl, outcome)))) => {
                        flying.remove(&id);
                        rtts.extend(rtt_of(&outcome));
                        let terminal = outcome.is_terminal();
                        let slot = &mut trace.ttls[usize::from(ttl) - 1];
                        if slot.answer.is_none() && outcome != Outcome::Silent {
                            slot.answer = Some(outcome.clone());
                        }
                        if terminal && ttl <= stop_ttl {
                            stop_ttl = ttl;
                            trace.stop = Some((ttl, outcome));
                            // Probes beyond the stop are pointless: cancel them.
                            for (t, _, h) in flying.values() {
                                if *t > stop_ttl {
                                    h.abort();
                                }
                            }
                        }
                    }
                    Some(Err(e)) => {
                        flying.remove(&e.id());
                    }
                    None => {}
                },
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }
    // Answers above the stop (probes that raced it) say nothing.
    trace.ttls.truncate(usize::from(stop_ttl));
    trace
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_late_answer_does_not_throttle_the_walk() {
        let cfg = TraceConfig::default();
        let ms = Duration::from_millis;
        assert_eq!(presume_after(&[], &cfg), ms(250));
        assert_eq!(presume_after(&[ms(1)], &cfg), ms(60));
        assert_eq!(presume_after(&[ms(1), ms(1000), ms(2)], &cfg), ms(60));
        assert_eq!(presume_after(&[ms(100), ms(120), ms(90)], &cfg), ms(330));
        assert_eq!(presume_after(&[ms(900)], &cfg), cfg.probe_timeout);
    }
}
