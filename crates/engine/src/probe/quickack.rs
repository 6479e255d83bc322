//! No 40 ms delayed-ACK stalls: every TCP connection `probe::net` opens (direct,
//! through the proxy, the diagnosis's MTA-STS fetch, the DNS forwarder's upstream) is
//! a [`QuickAck`] stream.
//!
//! Why: a TLS 1.3 server writes its session tickets and then its reply (the EHLO reply
//! after STARTTLS, the greeting on implicit TLS) as two small segments. With Nagle on
//! the server, the reply waits until the tickets are acknowledged, and Linux delays that
//! ACK by up to 40 ms while the socket is in "interactive" (pingpong) mode, which it
//! enters whenever we send data shortly after receiving some. `TCP_QUICKACK` leaves
//! that mode; it is not sticky (the next write re-enters it), so [`QuickAck`] sets it
//! again before the first read after every write, and after every read that returned
//! data. With pingpong mode off, the kernel acknowledges a small segment as soon as
//! the application has read it, so the server's held reply leaves at once.
//!
//! `TCP_NODELAY` is set too (our own small writes never wait). On other systems than
//! Linux and Android both are what the OS offers: QUICKACK is a no-op there.
//!
//! `SMTPTUI_QUICKACK=0` in the environment leaves QUICKACK off: `bench/run.sh` uses it
//! to measure the stall this avoids (BENCHMARKS.md, real servers).

use std::io;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A TCP stream that keeps `TCP_QUICKACK` armed (Linux), with `TCP_NODELAY` set.
/// Derefs to the [`TcpStream`] for addresses and other options.
#[derive(Debug)]
pub struct QuickAck {
    inner: TcpStream,
    /// Set when the option must be armed again before the next read.
    rearm: bool,
}

impl QuickAck {
    /// Wraps `tcp`: sets `TCP_NODELAY` and arms `TCP_QUICKACK` (errors are ignored: the
    /// options only change timing, never what is exchanged).
    pub fn new(tcp: TcpStream) -> Self {
        let _ = tcp.set_nodelay(true);
        arm(&tcp);
        Self {
            inner: tcp,
            rearm: false,
        }
    }

    /// The wrapped stream.
    pub fn into_inner(self) -> TcpStream {
        self.inner
    }
}

/// Whether QUICKACK is wanted (not turned off with `SMTPTUI_QUICKACK=0`), read once.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn wanted() -> bool {
    static WANTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WANTED.get_or_init(|| std::env::var_os("SMTPTUI_QUICKACK").is_none_or(|v| v != "0"))
}

/// Arms `TCP_QUICKACK` on `tcp` (Linux and Android; a no-op elsewhere).
pub fn arm(tcp: &TcpStream) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if wanted() {
        let _ = socket2::SockRef::from(tcp).set_tcp_quickack(true);
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = tcp;
}

/// Whether `TCP_QUICKACK` is currently set on `tcp` (`None` where the OS has no such
/// option or the query failed). The kernel clears it on its own, so this is a snapshot.
pub fn armed(tcp: &TcpStream) -> Option<bool> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        socket2::SockRef::from(tcp).tcp_quickack().ok()
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = tcp;
        None
    }
}

impl Deref for QuickAck {
    type Target = TcpStream;
    fn deref(&self) -> &TcpStream {
        &self.inner
    }
}

impl DerefMut for QuickAck {
    fn deref_mut(&mut self) -> &mut TcpStream {
        &mut self.inner
    }
}

impl AsyncRead for QuickAck {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.rearm {
            arm(&this.inner);
            this.rearm = false;
        }
        let before = buf.filled().len();
        let res = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(res, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.rearm = true;
        }
        res
    }
}

impl AsyncWrite for QuickAck {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let res = Pin::new(&mut this.inner).poll_write(cx, data);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            this.rearm = true;
        }
        res
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let res = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            this.rearm = true;
        }
        res
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    /// A connected loopback pair: (client side wrapped, server side).
    async fn pair() -> (QuickAck, TcpStream) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let (c, s) = tokio::join!(TcpStream::connect(addr), l.accept());
        (QuickAck::new(c.unwrap()), s.unwrap().0)
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[tokio::test]
    async fn the_option_is_set_and_rearmed_after_writes_and_reads() {
        let (mut c, mut s) = pair().await;
        assert!(c.nodelay().unwrap(), "TCP_NODELAY kept");
        assert_eq!(armed(&c), Some(true), "armed when wrapped");
        // Clear it by hand (as the kernel does), then a write + read must re-arm it.
        socket2::SockRef::from(&*c).set_tcp_quickack(false).unwrap();
        assert_eq!(armed(&c), Some(false));
        c.write_all(b"EHLO x\r\n").await.unwrap();
        let mut buf = [0u8; 8];
        s.read_exact(&mut buf).await.unwrap();
        s.write_all(b"250 ok\r\n").await.unwrap();
        let mut got = [0u8; 8];
        c.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"250 ok\r\n");
        assert_eq!(armed(&c), Some(true), "re-armed before the read");
        // And after a read that returned data, before the next one.
        socket2::SockRef::from(&*c).set_tcp_quickack(false).unwrap();
        s.write_all(b"x").await.unwrap();
        let mut one = [0u8; 1];
        c.read_exact(&mut one).await.unwrap();
        assert_eq!(armed(&c), Some(true));
    }

    #[tokio::test]
    async fn bytes_pass_unchanged_both_ways() {
        let (mut c, mut s) = pair().await;
        c.write_all(b"hello").await.unwrap();
        c.flush().await.unwrap();
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello");
        s.write_all(b"world").await.unwrap();
        drop(s);
        let mut back = Vec::new();
        c.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, b"world");
        let _ = c.into_inner();
    }
}
