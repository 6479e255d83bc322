//! A per-run caching DNS forwarder on 127.0.0.1 (UDP and TCP on one port) in front of the
//! validating resolver. hickory 0.26 caches *above* its DNSSEC handle, so every TLSA
//! validation asked the whole chain (DNSKEY, DS, NS of every parent) again; through this
//! forwarder each distinct question reaches the upstream server once per run. Only
//! NOERROR and NXDOMAIN answers are kept, at most [`MAX_ENTRIES`] of them; it lives as
//! long as its [`crate::dns::HickoryLookup`] (the tasks stop when it is dropped).

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::{TcpListener, UdpSocket};

use crate::probe::net;
use crate::probe::quickack::QuickAck;

/// Answers kept per run.
pub const MAX_ENTRIES: usize = 4096;

/// Largest UDP answer handed back; longer ones are sent truncated (TC) so the client
/// asks again over TCP (RFC 9210 / the 1232-byte EDNS default).
const UDP_MAX: usize = 1232;

/// Question bytes after the ID → the answer as the upstream sent it.
type Cache = Arc<Mutex<HashMap<Vec<u8>, Vec<u8>>>>;

/// A running forwarder.
pub struct Forwarder {
    /// Where it listens (UDP and TCP).
    pub addr: SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts a forwarder to `upstream` (each upstream exchange within `timeout`). Needs a
/// tokio runtime; `None` when there is none or no port could be bound.
pub fn start(upstream: SocketAddr, timeout: Duration) -> Option<Forwarder> {
    let handle = tokio::runtime::Handle::try_current().ok()?;
    let _guard = handle.enter();
    let (tcp, udp) = (0..16).find_map(|_| {
        let tcp = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).ok()?;
        let udp = std::net::UdpSocket::bind(tcp.local_addr().ok()?).ok()?;
        Some((tcp, udp))
    })?;
    tcp.set_nonblocking(true).ok()?;
    udp.set_nonblocking(true).ok()?;
    let addr = udp.local_addr().ok()?;
    let udp = Arc::new(UdpSocket::from_std(udp).ok()?);
    let tcp = TcpListener::from_std(tcp).ok()?;
    let cache: Cache = Arc::default();
    let c = cache.clone();
    let udp_task = handle.spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = udp.recv_from(&mut buf).await else {
                return;
            };
            let query = buf[..n].to_vec();
            let (udp, cache) = (udp.clone(), c.clone());
            tokio::spawn(async move {
                if let Some(mut answer) = resolve(&query, &cache, upstream, timeout).await {
                    if answer.len() > UDP_MAX {
                        truncate(&mut answer);
                    }
                    let _ = udp.send_to(&answer, peer).await;
                }
            });
        }
    });
    let tcp_task = handle.spawn(async move {
        while let Ok((stream, _)) = tcp.accept().await {
            let cache = cache.clone();
            tokio::spawn(serve_tcp(QuickAck::new(stream), cache, upstream, timeout));
        }
    });
    Some(Forwarder {
        addr,
        tasks: vec![udp_task, tcp_task],
    })
}

/// Answers the length-prefixed queries of one TCP client (RFC 1035 4.2.2).
async fn serve_tcp<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    cache: Cache,
    upstream: SocketAddr,
    timeout: Duration,
) {
    loop {
        let mut len = [0u8; 2];
        if s.read_exact(&mut len).await.is_err() {
            return;
        }
        let mut query = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if s.read_exact(&mut query).await.is_err() {
            return;
        }
        let Some(answer) = resolve(&query, &cache, upstream, timeout).await else {
            return;
        };
        let Ok(n) = u16::try_from(answer.len()) else {
            return;
        };
        let mut out = n.to_be_bytes().to_vec();
        out.extend_from_slice(&answer);
        if s.write_all(&out).await.is_err() {
            return;
        }
    }
}

/// The answer to `query`: from the cache (with the query's ID), else from upstream.
async fn resolve(
    query: &[u8],
    cache: &Cache,
    upstream: SocketAddr,
    timeout: Duration,
) -> Option<Vec<u8>> {
    if query.len() < 12 {
        return None;
    }
    // Case-folded: resolvers randomise the case of query names (the "0x20" defence).
    let key = query[2..].to_ascii_lowercase();
    let hit = cache.lock().ok().and_then(|c| c.get(&key).cloned());
    if let Some(mut answer) = hit {
        answer[..2].copy_from_slice(&query[..2]);
        return Some(answer);
    }
    let mut answer = ask_udp(query, upstream, timeout).await?;
    if answer.get(2).is_some_and(|b| b & 0x02 != 0) {
        answer = ask_tcp(query, upstream, timeout).await?;
    }
    let rcode = answer.get(3).map_or(2, |b| b & 0x0f);
    if (rcode == 0 || rcode == 3)
        && let Ok(mut c) = cache.lock()
        && c.len() < MAX_ENTRIES
    {
        c.insert(key, answer.clone());
    }
    Some(answer)
}

async fn ask_udp(query: &[u8], upstream: SocketAddr, timeout: Duration) -> Option<Vec<u8>> {
    let local: SocketAddr = if upstream.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let exchange = async {
        let sock = UdpSocket::bind(local).await.ok()?;
        sock.connect(upstream).await.ok()?;
        sock.send(query).await.ok()?;
        let mut buf = vec![0u8; 65_535];
        loop {
            let n = sock.recv(&mut buf).await.ok()?;
            if n >= 12 && buf[..2] == query[..2] {
                return Some(buf[..n].to_vec());
            }
        }
    };
    tokio::time::timeout(timeout, exchange).await.ok()?
}

/// Asks `upstream` over TCP, the connection opened by `probe::net` (TCP_QUICKACK).
async fn ask_tcp(query: &[u8], upstream: SocketAddr, timeout: Duration) -> Option<Vec<u8>> {
    let exchange = async {
        let mut s = net::plain(upstream).await.ok()?;
        let mut out = u16::try_from(query.len()).ok()?.to_be_bytes().to_vec();
        out.extend_from_slice(query);
        s.write_all(&out).await.ok()?;
        let mut len = [0u8; 2];
        s.read_exact(&mut len).await.ok()?;
        let mut answer = vec![0u8; usize::from(u16::from_be_bytes(len))];
        s.read_exact(&mut answer).await.ok()?;
        Some(answer)
    };
    tokio::time::timeout(timeout, exchange).await.ok()?
}

/// Sets TC and keeps only the header and the question (no records).
fn truncate(answer: &mut Vec<u8>) {
    let mut i = 12;
    while let Some(&len) = answer.get(i) {
        if len == 0 || len & 0xc0 != 0 {
            break;
        }
        i += usize::from(len) + 1;
    }
    let end = (i + 5).min(answer.len());
    answer.truncate(end);
    if answer.len() >= 12 {
        answer[2] |= 0x02;
        answer[4..6].copy_from_slice(&1u16.to_be_bytes());
        for b in &mut answer[6..12] {
            *b = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// An upstream on loopback that answers every query with its header echoed back
    /// (QR set, NOERROR) plus `pad` bytes, counting what it receives.
    async fn upstream(pad: usize) -> (SocketAddr, Arc<AtomicUsize>) {
        let sock = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = sock.local_addr().unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while let Ok((n, peer)) = sock.recv_from(&mut buf).await {
                c.fetch_add(1, Ordering::Relaxed);
                let mut answer = buf[..n].to_vec();
                answer[2] |= 0x80;
                answer.extend(std::iter::repeat_n(0u8, pad));
                let _ = sock.send_to(&answer, peer).await;
            }
        });
        (addr, count)
    }

    fn query(id: u16, name: &[u8]) -> Vec<u8> {
        let mut q = id.to_be_bytes().to_vec();
        q.extend([1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        q.push(name.len() as u8);
        q.extend_from_slice(name);
        q.extend([0, 0, 48, 0, 1]);
        q
    }

    #[tokio::test]
    async fn asks_upstream_once_per_question_and_keeps_ids() {
        let (up, count) = upstream(0).await;
        let fwd = start(up, Duration::from_secs(2)).unwrap();
        let client = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        client.connect(fwd.addr).await.unwrap();
        let mut buf = [0u8; 2048];
        // The same question (case differs, as with 0x20 randomisation), three IDs.
        for (id, name) in [(7u16, &b"test"[..]), (8, b"TeSt"), (9, b"test")] {
            client.send(&query(id, name)).await.unwrap();
            let n = client.recv(&mut buf).await.unwrap();
            assert_eq!(u16::from_be_bytes([buf[0], buf[1]]), id);
            assert!(n >= 12);
        }
        assert_eq!(count.load(Ordering::Relaxed), 1);
        client.send(&query(10, b"other")).await.unwrap();
        client.recv(&mut buf).await.unwrap();
        assert_eq!(count.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn long_answers_go_truncated_over_udp() {
        let (up, _) = upstream(2000).await;
        let fwd = start(up, Duration::from_secs(2)).unwrap();
        let client = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        client.connect(fwd.addr).await.unwrap();
        client.send(&query(1, b"big")).await.unwrap();
        let mut buf = [0u8; 4096];
        let n = client.recv(&mut buf).await.unwrap();
        assert!(n <= UDP_MAX, "{n}");
        assert_ne!(buf[2] & 0x02, 0, "TC must be set");
    }

    /// An upstream whose UDP answers are truncated (TC) and whose TCP side, on the same
    /// port, answers in full with `pad` bytes: the forwarder must ask again over TCP.
    async fn truncating_upstream(pad: usize) -> (SocketAddr, Arc<AtomicUsize>) {
        let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let udp = UdpSocket::bind(addr).await.unwrap();
        let over_tcp = Arc::new(AtomicUsize::new(0));
        let count = over_tcp.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
                let mut answer = buf[..n].to_vec();
                answer[2] |= 0x82;
                let _ = udp.send_to(&answer, peer).await;
            }
        });
        tokio::spawn(async move {
            while let Ok((mut s, _)) = tcp.accept().await {
                count.fetch_add(1, Ordering::Relaxed);
                let mut len = [0u8; 2];
                s.read_exact(&mut len).await.unwrap();
                let mut q = vec![0u8; usize::from(u16::from_be_bytes(len))];
                s.read_exact(&mut q).await.unwrap();
                q[2] |= 0x80;
                q.extend(std::iter::repeat_n(7u8, pad));
                let mut out = (q.len() as u16).to_be_bytes().to_vec();
                out.extend_from_slice(&q);
                s.write_all(&out).await.unwrap();
            }
        });
        (addr, over_tcp)
    }

    #[tokio::test]
    async fn truncated_upstream_answers_come_over_tcp_both_ways() {
        let (up, over_tcp) = truncating_upstream(3000).await;
        let fwd = start(up, Duration::from_secs(2)).unwrap();
        // A TCP client of the forwarder gets the whole answer the upstream gave over TCP.
        let mut client = net::plain(fwd.addr).await.unwrap();
        let q = query(3, b"big");
        let mut out = (q.len() as u16).to_be_bytes().to_vec();
        out.extend_from_slice(&q);
        client.write_all(&out).await.unwrap();
        let mut len = [0u8; 2];
        client.read_exact(&mut len).await.unwrap();
        let mut answer = vec![0u8; usize::from(u16::from_be_bytes(len))];
        client.read_exact(&mut answer).await.unwrap();
        assert_eq!(answer.len(), q.len() + 3000);
        assert_eq!(u16::from_be_bytes([answer[0], answer[1]]), 3);
        assert_eq!(answer[2] & 0x02, 0, "the TCP answer is whole");
        assert_eq!(over_tcp.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn no_runtime_no_forwarder() {
        assert!(start("127.0.0.1:9".parse().unwrap(), Duration::from_secs(1)).is_none());
    }
}
