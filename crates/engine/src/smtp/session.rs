//! The session driver: reads bounded replies and sends commands over any
//! `AsyncRead + AsyncWrite` stream (TCP, TLS, or `tokio::io::duplex` in tests),
//! recording every line as it goes.
//!
//! Reads use an own buffer filled in fixed chunks, and the line-length limit is checked
//! while scanning, so an endless line without CRLF or an endless multi-line reply costs
//! at most [`Limits::max_line_len`] + [`CHUNK`] bytes of buffer. Timeouts are the
//! caller's: wrap these calls in `tokio::time::timeout`, and abandon the session when one
//! fires.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::record::Recorder;
use super::reply::{Limits, Reply, ReplyError, ReplyParser};
use crate::model::Direction;

/// Bytes asked of the stream per read.
pub const CHUNK: usize = 4096;

/// How many bytes of an over-long line the transcript shows.
const TOO_LONG_SHOWN: usize = 256;

/// What can go wrong in a session.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// The server's reply broke the protocol or a bound.
    #[error(transparent)]
    Reply(#[from] ReplyError),
    /// The server closed the connection; `partial` when that happened in the middle of
    /// a line or of a multi-line reply.
    #[error("connection closed by the server{}", if *partial { " in the middle of a reply" } else { "" })]
    Closed {
        /// Whether part of a line or reply had arrived.
        partial: bool,
    },
    /// The stream failed (reset, broken pipe ...). A command line containing CR or LF
    /// is refused with [`std::io::ErrorKind::InvalidInput`] before anything is sent.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// An SMTP session over a stream.
#[derive(Debug)]
pub struct Session<S> {
    stream: S,
    in_tls: bool,
    recorder: Recorder,
    limits: Limits,
    parser: ReplyParser,
    /// Received bytes not yet split into lines; never more than
    /// `limits.max_line_len + CHUNK + 1` bytes.
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Session<S> {
    /// A session over `stream`; `in_tls` selects the transcript's TLS directions.
    pub fn new(stream: S, in_tls: bool, recorder: Recorder, limits: Limits) -> Self {
        Self {
            stream,
            in_tls,
            recorder,
            limits,
            parser: ReplyParser::new(limits),
            buf: Vec::new(),
        }
    }

    /// The recorder (to add notes or secrets).
    pub fn recorder(&mut self) -> &mut Recorder {
        &mut self.recorder
    }

    /// Whether the stream is TLS (as told to [`Session::new`]).
    pub fn in_tls(&self) -> bool {
        self.in_tls
    }

    /// The bounds in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The stream, e.g. to inspect a TLS connection.
    pub fn stream(&self) -> &S {
        &self.stream
    }

    /// Reads one line: its bytes without CR/LF and whether it ended in a bare LF.
    async fn read_line(&mut self) -> Result<(Vec<u8>, bool), SmtpError> {
        let mut scanned = 0;
        loop {
            if let Some(pos) = self.buf[scanned..].iter().position(|&b| b == b'\n') {
                let end = scanned + pos;
                let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                line.pop();
                let lf_only = line.pop_if(|b| *b == b'\r').is_none();
                if line.len() > self.limits.max_line_len {
                    return Err(self.too_long(&line).await);
                }
                return Ok((line, lf_only));
            }
            scanned = self.buf.len();
            let pending = self.buf.strip_suffix(b"\r").unwrap_or(&self.buf);
            if pending.len() > self.limits.max_line_len {
                let head = self.buf.clone();
                return Err(self.too_long(&head).await);
            }
            let mut chunk = [0u8; CHUNK];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                let partial = !self.buf.is_empty() || self.parser.in_progress();
                if !self.buf.is_empty() {
                    let rest = std::mem::take(&mut self.buf);
                    self.recorder
                        .line(Direction::received(self.in_tls), &rest)
                        .await;
                }
                return Err(SmtpError::Closed { partial });
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Records the start of an over-long line and builds the error.
    async fn too_long(&mut self, line: &[u8]) -> SmtpError {
        let limit = self.limits.max_line_len;
        // Redact the whole line before cutting it, so no secret is cut in half.
        let redacted = self.recorder.redact(line);
        let mut shown = redacted[..redacted.len().min(TOO_LONG_SHOWN)].to_vec();
        shown.extend_from_slice(
            format!(" [... line longer than {limit} bytes, reading stopped]").as_bytes(),
        );
        self.recorder
            .line(Direction::received(self.in_tls), &shown)
            .await;
        SmtpError::Reply(ReplyError::LineTooLong { limit })
    }

    /// Reads one reply; every line is recorded as soon as it arrives. Bounded: a line
    /// longer than [`Limits::max_line_len`] is an error as soon as the limit is passed,
    /// a reply of more than [`Limits::max_reply_lines`] lines too. LF-only line endings
    /// are accepted (and flagged in [`Reply::lf_only`]).
    pub async fn read_reply(&mut self) -> Result<Reply, SmtpError> {
        loop {
            let (line, lf_only) = self.read_line().await?;
            let redacted = self.recorder.redact(&line);
            self.recorder
                .line(Direction::received(self.in_tls), &line)
                .await;
            if let Some(reply) = self.parser.push_line(&redacted, lf_only)? {
                return Ok(reply);
            }
        }
    }

    async fn write_line(&mut self, line: &str) -> Result<(), SmtpError> {
        if line.contains(['\r', '\n']) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a command line may not contain CR or LF",
            )
            .into());
        }
        let mut wire = Vec::with_capacity(line.len() + 2);
        wire.extend_from_slice(line.as_bytes());
        wire.extend_from_slice(b"\r\n");
        self.stream.write_all(&wire).await?;
        self.stream.flush().await?;
        Ok(())
    }

    /// Sends `line` + CRLF and records it.
    pub async fn send(&mut self, line: &str) -> Result<(), SmtpError> {
        self.send_redacted(line, line).await
    }

    /// Sends `line` + CRLF but records `shown` instead (for AUTH payloads).
    pub async fn send_redacted(&mut self, line: &str, shown: &str) -> Result<(), SmtpError> {
        self.write_line(line).await?;
        self.recorder
            .line(Direction::sent(self.in_tls), shown.as_bytes())
            .await;
        Ok(())
    }

    /// Sends a command and reads its reply.
    pub async fn command(&mut self, line: &str) -> Result<Reply, SmtpError> {
        self.send(line).await?;
        self.read_reply().await
    }

    /// Sends a message body after DATA's 354: line endings normalised to CRLF (a bare
    /// LF or CR ends a line too), leading dots doubled (RFC 5321 §4.5.2), then the
    /// final `.`; each line is recorded as sent. Returns the server's reply.
    pub async fn send_message(&mut self, body: &str) -> Result<Reply, SmtpError> {
        let dir = Direction::sent(self.in_tls);
        let normalised = body.replace("\r\n", "\n").replace('\r', "\n");
        let text = normalised.strip_suffix('\n').unwrap_or(&normalised);
        let mut wire = Vec::with_capacity(text.len() + 16);
        if !text.is_empty() || !normalised.is_empty() {
            for line in text.split('\n') {
                let start = wire.len();
                if line.starts_with('.') {
                    wire.push(b'.');
                }
                wire.extend_from_slice(line.as_bytes());
                self.recorder.line(dir, &wire[start..]).await;
                wire.extend_from_slice(b"\r\n");
                if wire.len() >= 64 * 1024 {
                    self.stream.write_all(&wire).await?;
                    wire.clear();
                }
            }
        }
        wire.extend_from_slice(b".\r\n");
        self.recorder.line(dir, b".").await;
        self.stream.write_all(&wire).await?;
        self.stream.flush().await?;
        self.read_reply().await
    }

    /// Bytes already received but not consumed. Right after STARTTLS's 220 this must be
    /// empty; anything here was sent before the handshake (a STARTTLS injection, or
    /// garbage) and the caller classifies it.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// Takes the stream back (for the TLS upgrade) with the unconsumed bytes and the
    /// recorder.
    pub fn into_parts(self) -> (S, Vec<u8>, Recorder) {
        (self.stream, self.buf, self.recorder)
    }
}

#[cfg(test)]
mod tests;
