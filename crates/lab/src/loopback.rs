//! Loopback addresses beyond `127.0.0.1`, for servers that share one port on several
//! addresses (the 1,000-endpoint test, the MX hosts of the diagnosis tests, the bench's
//! batch) or a client bound to a source address of its own.
//!
//! A host firewall may filter parts of 127/8 (measured: a machine whose rules drop
//! 127.0.0.10, so the "refused" ports there timed out), so no address is hard-coded:
//! [`checked_addrs`] hands out addresses from a block high in 127/8, picked at random
//! per call so that concurrent test processes rarely meet, and checks each before use —
//! a listener on it accepts a connect, and once the listener is closed its port refuses
//! at once. An address that fails either check is skipped.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::LabError;
use super::script::Script;
use super::server::LabServer;

/// How long a loopback connect (or its refusal) may take before the address counts as
/// filtered. Loopback answers in microseconds; this only bounds the cost of a bad one.
const CHECK_TIMEOUT: Duration = Duration::from_millis(500);
/// Addresses checked at once (each check holds two sockets for a moment).
const PARALLEL_CHECKS: usize = 64;
/// Attempts at finding one port free on every address of [`on_one_port`].
const PORT_ATTEMPTS: usize = 20;

/// `n` distinct loopback addresses high in 127/8 (127.96.0.0 – 127.223.255.254), each
/// checked to accept a connection and to refuse one on a closed port, in the order they
/// were tried.
pub async fn checked_addrs(n: usize) -> Result<Vec<Ipv4Addr>, LabError> {
    let seed = RandomState::new().hash_one(std::process::id());
    // Every address of the block is tried at most once; a few bad ones are expected,
    // a block where most fail is a machine where this cannot work.
    let budget = 4 * n + 64;
    let mut good = Vec::with_capacity(n);
    let mut tried = 0;
    while good.len() < n && tried < budget {
        let batch = (n - good.len()).min(budget - tried).min(PARALLEL_CHECKS);
        let mut checks = JoinSet::new();
        for k in tried..tried + batch {
            let ip = candidate(seed, k);
            checks.spawn(async move { (k, ip, usable(ip).await) });
        }
        tried += batch;
        let mut passed = Vec::with_capacity(batch);
        while let Some(done) = checks.join_next().await {
            if let Ok((k, ip, true)) = done {
                passed.push((k, ip));
            }
        }
        passed.sort_unstable();
        good.extend(passed.into_iter().map(|(_, ip)| ip));
    }
    if good.len() < n {
        return Err(LabError::Loopback {
            wanted: n,
            found: good.len(),
            tried,
        });
    }
    good.truncate(n);
    Ok(good)
}

/// The `i`-th address of the block the seed picks: `127.S.T.H`, `S` in 96..=223, `H`
/// in 1..=254 (never a .0 or .255 host), `T` counting up from a random start.
fn candidate(seed: u64, i: usize) -> Ipv4Addr {
    let second = 96 + (seed % 128) as u8;
    let third = ((seed >> 8) as usize).wrapping_add(i / 254) as u8;
    let fourth = (1 + i % 254) as u8;
    Ipv4Addr::new(127, second, third, fourth)
}

/// Whether `ip` answers here: a listener on it accepts a connect within
/// [`CHECK_TIMEOUT`], and after it closed, a connect to its port is refused within the
/// same time (a filtered address times out instead).
async fn usable(ip: Ipv4Addr) -> bool {
    let Ok(listener) = TcpListener::bind((ip, 0)).await else {
        return false;
    };
    let Ok(addr) = listener.local_addr() else {
        return false;
    };
    let connected = matches!(
        tokio::time::timeout(CHECK_TIMEOUT, TcpStream::connect(addr)).await,
        Ok(Ok(_))
    );
    drop(listener);
    if !connected {
        return false;
    }
    matches!(
        tokio::time::timeout(CHECK_TIMEOUT, TcpStream::connect(addr)).await,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused
    )
}

/// Starts each script on its address, all on one port (picked on the first address; a
/// clash with a port already taken on another address starts over on a new port).
/// Returns the servers in the order given.
pub async fn on_one_port(specs: &[(IpAddr, Script)]) -> Result<Vec<LabServer>, LabError> {
    let Some((first_ip, first_script)) = specs.first() else {
        return Ok(Vec::new());
    };
    let mut last = None;
    'attempt: for _ in 0..PORT_ATTEMPTS {
        let first =
            LabServer::start_on(SocketAddr::new(*first_ip, 0), first_script.clone()).await?;
        let port = first.port();
        let mut servers = vec![first];
        for (ip, script) in &specs[1..] {
            match LabServer::start_on(SocketAddr::new(*ip, port), script.clone()).await {
                Ok(server) => servers.push(server),
                Err(e) => {
                    last = Some(e);
                    continue 'attempt;
                }
            }
        }
        return Ok(servers);
    }
    Err(last.unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::AddrInUse).into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_high_in_127_and_never_network_or_broadcast_hosts() {
        for seed in [0, 1, 255, u64::MAX, 0x1234_5678_9abc_def0] {
            for i in (0..2000).step_by(7) {
                let ip = candidate(seed, i);
                let [a, b, _, d] = ip.octets();
                assert_eq!(a, 127, "{ip}");
                assert!((96..=223).contains(&b), "{ip}");
                assert!((1..=254).contains(&d), "{ip}");
            }
        }
        let all: std::collections::HashSet<_> = (0..1000).map(|i| candidate(7, i)).collect();
        assert_eq!(all.len(), 1000, "distinct within a call");
    }

    #[tokio::test]
    async fn checked_addresses_accept_and_refuse() {
        let addrs = checked_addrs(3).await.unwrap();
        assert_eq!(addrs.len(), 3);
        for ip in &addrs {
            assert!(ip.octets()[1] >= 96, "{ip}");
            assert!(usable(*ip).await, "{ip}");
        }
    }

    #[tokio::test]
    async fn an_address_that_is_not_local_is_not_usable() {
        // TEST-NET-1 is never assigned to this host: binding it fails.
        assert!(!usable(Ipv4Addr::new(192, 0, 2, 1)).await);
    }

    #[tokio::test]
    async fn servers_share_one_port() {
        let ips = checked_addrs(3).await.unwrap();
        let specs: Vec<(IpAddr, Script)> = ips
            .iter()
            .map(|ip| (IpAddr::V4(*ip), Script::plain()))
            .collect();
        let servers = on_one_port(&specs).await.unwrap();
        assert_eq!(servers.len(), 3);
        let port = servers[0].port();
        for (srv, ip) in servers.iter().zip(&ips) {
            assert_eq!(srv.addr, SocketAddr::new(IpAddr::V4(*ip), port));
        }
        assert!(on_one_port(&[]).await.unwrap().is_empty());
    }
}
