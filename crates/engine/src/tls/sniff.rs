//! [`Sniff`]: a transparent stream wrapper that keeps a copy of the first bytes the
//! peer sent, so that a failed handshake can tell what the port really speaks
//! (a `220` banner, an HTTP response, a TLS alert …).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How many received bytes [`Sniff`] keeps.
pub const SNIFF_LIMIT: usize = 512;

/// Wraps a stream and keeps a copy of the first [`SNIFF_LIMIT`] (512) bytes the peer
/// sent. Reads and writes pass through unchanged.
#[derive(Debug)]
pub struct Sniff<S> {
    inner: S,
    first: Vec<u8>,
    /// A second copy that outlives the wrapper (for a handshake that is cancelled by a
    /// timeout, which drops the stream).
    shared: Option<Arc<Mutex<Vec<u8>>>>,
}

impl<S> Sniff<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            first: Vec::new(),
            shared: None,
        }
    }

    /// Wraps `inner` and also appends the first bytes to `shared`.
    pub(crate) fn with_shared(inner: S, shared: Arc<Mutex<Vec<u8>>>) -> Self {
        Self {
            inner,
            first: Vec::new(),
            shared: Some(shared),
        }
    }

    /// The first bytes received (at most [`SNIFF_LIMIT`]), raw.
    pub fn first_bytes(&self) -> &[u8] {
        &self.first
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped stream, mutably (reads made through it are not recorded).
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Sniff<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            let room = SNIFF_LIMIT.saturating_sub(this.first.len());
            if room > 0 {
                let new = &buf.filled()[before..];
                let kept = &new[..new.len().min(room)];
                this.first.extend_from_slice(kept);
                if let Some(shared) = &this.shared {
                    shared
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .extend_from_slice(kept);
                }
            }
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Sniff<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn keeps_only_the_first_bytes() {
        let (mut a, b) = tokio::io::duplex(4096);
        let mut s = Sniff::new(b);
        let payload: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        a.write_all(&payload).await.unwrap();
        drop(a);
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, payload);
        assert_eq!(s.first_bytes(), &payload[..SNIFF_LIMIT]);
    }

    #[tokio::test]
    async fn writes_pass_through() {
        let (mut a, b) = tokio::io::duplex(64);
        let mut s = Sniff::new(b);
        s.write_all(b"EHLO x\r\n").await.unwrap();
        let mut buf = [0u8; 8];
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"EHLO x\r\n");
        assert!(s.first_bytes().is_empty());
    }
}
