//! A latency relay: a loopback TCP proxy that holds every chunk for a fixed delay in
//! each direction before passing it on (this kernel has no netem qdisc). Chunks are
//! queued with their release time, so pipelined data is not serialised: the relay adds
//! latency, not a bandwidth limit. The TCP handshake itself is not delayed (the client
//! connects to the relay on loopback), so a relayed round trip costs 2 × delay only for
//! data.

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
