//! A latency relay: a loopback TCP proxy that holds every chunk for a fixed delay in
//! each direction before passing it on (this kernel has no netem qdisc). Chunks are
//! queued with their release time, so pipelined data is not serialised: the relay adds
//! latency, not a bandwidth limit. The TCP handshake itself is not delayed (the client
//! connects to the relay on loopback), so a relayed round trip costs 2 × delay only for
//! data — which lets a test tell the phases apart (`tests/timings.rs`). The bench
//! (`examples/bench`) puts it in front of its matrix servers and calibrates it.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Starts a relay on `127.0.0.1:0` in front of `upstream`; returns its address. It
/// serves until the runtime ends.
pub async fn start(upstream: SocketAddr, delay: Duration) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pump(cr, sw, delay));
                tokio::spawn(pump(sr, cw, delay));
            });
        }
    });
    Ok(addr)
}

/// Copies `from` to `to`, each chunk released `delay` after it was read. End of stream
/// is passed on (as a shutdown) after the same delay.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, delay: Duration) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((at, chunk)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            if chunk.is_empty() {
                break;
            }
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = from.read(&mut buf).await.unwrap_or(0);
        let at = Instant::now() + delay;
        // An empty chunk marks the end of the stream.
        if tx.send((at, buf[..n].to_vec())).is_err() || n == 0 {
            break;
        }
    }
    let _ = writer.await;
}

/// Calibrates a relay: `trips` sequential one-byte round trips through a relay with
/// `delay` in front of a loopback echo server. Returns the measured time of each round
/// trip (nominally 2 × `delay`).
pub async fn calibrate(delay: Duration, trips: usize) -> std::io::Result<Vec<Duration>> {
    let echo = TcpListener::bind("127.0.0.1:0").await?;
    let echo_addr = echo.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = echo.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let relay = start(echo_addr, delay).await?;
    let mut s = TcpStream::connect(relay).await?;
    s.set_nodelay(true)?;
    let mut out = Vec::with_capacity(trips);
    for i in 0..trips {
        let byte = [i as u8];
        let t = Instant::now();
        s.write_all(&byte).await?;
        let mut back = [0u8; 1];
        s.read_exact(&mut back).await?;
        out.push(t.elapsed());
        if back != byte {
            return Err(std::io::Error::other("the relay changed the data"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn relay_passes_data_unchanged_and_holds_it_each_way() {
        let delay = Duration::from_millis(20);
        let trips = calibrate(delay, 3).await.unwrap();
        assert_eq!(trips.len(), 3);
        for t in trips {
            // A lower bound only: the relay never releases early.
            assert!(t >= 2 * delay, "{t:?}");
        }
    }

    #[tokio::test]
    async fn relay_passes_end_of_stream_on() {
        let up = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let up_addr = up.local_addr().unwrap();
        let relay = start(up_addr, Duration::from_millis(5)).await.unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = up.accept().await.unwrap();
            s.write_all(b"220 hello\r\n").await.unwrap();
            s.shutdown().await.unwrap();
        });
        let mut c = TcpStream::connect(relay).await.unwrap();
        let mut got = Vec::new();
        c.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"220 hello\r\n");
        server.await.unwrap();
    }
}
