//! Transcript entries: every line on the wire, timestamped relative to the start of
//! the run and tagged with a direction. Text is stored already escaped and redacted.

use serde::{Deserialize, Serialize};

/// Who produced a transcript line, and whether it travelled inside TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Sent by us in plaintext.
    Client,
    /// Received in plaintext.
    Server,
    /// Sent by us inside TLS.
    ClientTls,
    /// Received inside TLS.
    ServerTls,
    /// A note from smtptui (connecting, TLS established, DNS answers ...).
    Info,
    /// An error observed by smtptui (timeout, reset, handshake failure ...).
    Error,
}

impl Direction {
    /// The swaks-like marker used by the text export and the TUI.
    pub fn marker(self) -> &'static str {
        match self {
            Self::Client => "->",
            Self::Server => "<-",
            Self::ClientTls => "~>",
            Self::ServerTls => "<~",
            Self::Info => "===",
            Self::Error => "***",
        }
    }

    /// The direction for a line we send, inside TLS or not.
    pub fn sent(tls: bool) -> Self {
        if tls { Self::ClientTls } else { Self::Client }
    }

    /// The direction for a line we receive, inside TLS or not.
    pub fn received(tls: bool) -> Self {
        if tls { Self::ServerTls } else { Self::Server }
    }
}

/// One line of the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    /// Milliseconds since the start of the run (monotonic clock).
    pub t_ms: f64,
    /// Direction marker.
    pub dir: Direction,
    /// The line, escaped (no control characters) and with secrets redacted.
    pub text: String,
}

impl TranscriptEntry {
    /// Builds an entry; `text` must already be escaped and redacted.
    pub fn new(t_ms: f64, dir: Direction, text: impl Into<String>) -> Self {
        Self {
            t_ms,
            dir,
            text: text.into(),
        }
    }
}

/// The run's monotonic clock: every timestamp in a run is relative to its start.
#[derive(Debug, Clone, Copy)]
pub struct RunClock(std::time::Instant);

impl RunClock {
    /// Starts the clock now.
    pub fn start() -> Self {
        Self(std::time::Instant::now())
    }

    /// A clock that started at `start` (a stepping session shares its run's clock, so
    /// its times continue the run's).
    pub fn since(start: std::time::Instant) -> Self {
        Self(start)
    }

    /// Milliseconds elapsed since the start, with microsecond resolution.
    pub fn ms(&self) -> f64 {
        (self.0.elapsed().as_micros() as f64) / 1000.0
    }
}
