//! One connection of a lab server: a minimal but real ESMTP state machine (greeting,
//! EHLO/HELO, STARTTLS upgrade in place, AUTH, MAIL/RCPT/DATA, RSET, NOOP, HELP, VRFY,
//! QUIT) driven by a [`Script`], with bounded line lengths and bounded memory.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::envelope::MAX_MESSAGE;
use super::script::{AuthOffer, Banner, Hostile, Script, TlsMode};
use super::server::Shared;

/// The hostile behaviours that need code of their own (feature `hostile`).
#[cfg(feature = "hostile")]
mod hostile;

/// Longest command line accepted (without its line end).
pub(super) const MAX_LINE: usize = 4096;
/// How long a client may take to complete a TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// The socket, before or after TLS.
enum Conn {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// The socket was handed to a TLS handshake that failed.
    Gone,
}

impl Conn {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf).await,
            Conn::Tls(s) => s.read(buf).await,
            Conn::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Conn::Plain(s) => {
                s.write_all(data).await?;
                s.flush().await
            }
            Conn::Tls(s) => {
                s.write_all(data).await?;
                s.flush().await
            }
            Conn::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    async fn shutdown(&mut self) {
        let _ = match self {
            Conn::Plain(s) => s.shutdown().await,
            Conn::Tls(s) => s.shutdown().await,
            Conn::Gone => Ok(()),
        };
    }
}

/// A line read from the client.
pub(super) enum Line {
    /// A line without its line end.
    Got(Vec<u8>),
    /// The client closed the connection.
    Eof,
    /// The line exceeded the limit.
    TooLong,
}

/// What to do after a command.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Flow {
    Continue,
    Close,
}

/// Whether the server serves commands at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    /// The normal case.
    Open,
    /// The greeting was a 554: every command but QUIT gets a 503 (RFC 5321 §3.1).
    Refused,
}

/// The state of one connection.
pub(super) struct Session {
    conn: Conn,
    inbuf: Vec<u8>,
    pub(super) id: usize,
    pub(super) script: Arc<Script>,
    acceptor: Option<TlsAcceptor>,
    pub(super) shared: Arc<Shared>,
    /// EHLO or HELO was accepted (since the last TLS upgrade).
    pub(super) greeted: bool,
    /// AUTH succeeded.
    pub(super) authed: bool,
    /// A MAIL transaction is open.
    pub(super) mail: bool,
    pub(super) rcpts: usize,
    service: Service,
    pub(super) queued: u64,
}

/// Serves one accepted connection until it ends.
pub(crate) async fn serve(
    stream: TcpStream,
    id: usize,
    script: Arc<Script>,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
) {
    let mut session = Session {
        conn: Conn::Plain(stream),
        inbuf: Vec::new(),
        id,
        script,
        acceptor,
        shared,
        greeted: false,
        authed: false,
        mail: false,
        rcpts: 0,
        service: Service::Open,
        queued: 0,
    };
    if let Ok(Flow::Close) = session.run().await {
        session.conn.shutdown().await;
    }
}

impl Session {
    /// Whether the connection is inside TLS.
    pub(super) fn tls(&self) -> bool {
        matches!(self.conn, Conn::Tls(_))
    }

    async fn run(&mut self) -> io::Result<Flow> {
        if self.script.tls == TlsMode::Implicit && !self.upgrade().await {
            return Ok(Flow::Continue);
        }
        if self.greet().await? == Flow::Close {
            return Ok(Flow::Close);
        }
        loop {
            let line = match self.read_line(MAX_LINE).await? {
                Line::Got(line) => line,
                Line::Eof => return Ok(Flow::Continue),
                Line::TooLong => {
                    self.reply("500 5.5.0 Error: line too long").await?;
                    return Ok(Flow::Close);
                }
            };
            self.shared.record(self.id, self.tls(), &line);
            if self.command(&line).await? == Flow::Close {
                return Ok(Flow::Close);
            }
        }
    }

    /// Sends the greeting (or withholds it, dribbles it, or abuses the client).
    async fn greet(&mut self) -> io::Result<Flow> {
        let normal = format!("220 {} ESMTP lab", self.script.hostname);
        #[cfg(feature = "hostile")]
        if let Some(flow) = self.hostile_greeting().await? {
            return Ok(flow);
        }
        match self.script.banner.clone() {
            Banner::Normal => self.send_greeting(self.eol(&normal).as_bytes()).await,
            Banner::None => {
                // Keep the socket open and swallow whatever arrives until the client
                // gives up.
                let mut sink = [0u8; 4096];
                while self.conn.read(&mut sink).await? > 0 {}
                Ok(Flow::Continue)
            }
            Banner::Custom(bytes) => {
                if bytes.starts_with(b"554") {
                    self.service = Service::Refused;
                }
                let flow = self.send_greeting(&bytes).await?;
                if bytes.starts_with(b"421") {
                    Ok(Flow::Close)
                } else {
                    Ok(flow)
                }
            }
            Banner::Slow { bytes_per_sec } => {
                let pause = Duration::from_secs(1) / bytes_per_sec.max(1);
                for b in self.eol(&normal).into_bytes() {
                    self.conn.write_all(&[b]).await?;
                    tokio::time::sleep(pause).await;
                }
                self.unsolicited().await?;
                Ok(Flow::Continue)
            }
            Banner::Delay(d) => {
                tokio::time::sleep(d).await;
                self.send_greeting(self.eol(&normal).as_bytes()).await
            }
        }
    }

    async fn send_greeting(&mut self, bytes: &[u8]) -> io::Result<Flow> {
        self.conn.write_all(bytes).await?;
        self.unsolicited().await?;
        Ok(Flow::Continue)
    }

    /// Sends the extra reply of the hostile `UnsolicitedReplies` (feature `hostile`).
    async fn unsolicited(&mut self) -> io::Result<()> {
        if self.hostile_is(Hostile::UnsolicitedReplies) {
            let extra = self.eol("250 2.0.0 Unsolicited reply");
            self.conn.write_all(extra.as_bytes()).await?;
        }
        Ok(())
    }

    /// Whether the script asks for hostile behaviour `h` (never without the feature
    /// `hostile`).
    #[cfg_attr(not(feature = "hostile"), allow(clippy::unused_self))]
    fn hostile_is(&self, h: Hostile) -> bool {
        #[cfg(feature = "hostile")]
        {
            self.script.hostile == Some(h)
        }
        #[cfg(not(feature = "hostile"))]
        {
            let _ = h;
            false
        }
    }

    /// The extra `250-x` lines of the hostile `ManyContinuationLines` (else 0).
    #[cfg_attr(not(feature = "hostile"), allow(clippy::unused_self))]
    fn extra_ehlo_lines(&self) -> usize {
        #[cfg(feature = "hostile")]
        if let Some(Hostile::ManyContinuationLines(n)) = self.script.hostile {
            return n;
        }
        0
    }

    /// Terminates every line of `reply` with CRLF (or LF with the hostile `LfOnly`).
    fn eol(&self, reply: &str) -> String {
        let eol = if self.hostile_is(Hostile::LfOnly) {
            "\n"
        } else {
            "\r\n"
        };
        let mut out = String::with_capacity(reply.len() + 2);
        for line in reply.trim_end_matches(['\r', '\n']).split('\n') {
            out.push_str(line.trim_end_matches('\r'));
            out.push_str(eol);
        }
        out
    }

    /// Sends a reply (one or more lines) after the script's reply delay.
    pub(super) async fn reply(&mut self, reply: &str) -> io::Result<()> {
        self.reply_with(reply, &[]).await
    }

    /// Sends a reply followed by `extra` raw bytes in the same write.
    async fn reply_with(&mut self, reply: &str, extra: &[u8]) -> io::Result<()> {
        if !self.script.reply_delay.is_zero() {
            tokio::time::sleep(self.script.reply_delay).await;
        }
        let mut bytes = self.eol(reply).into_bytes();
        bytes.extend_from_slice(extra);
        self.conn.write_all(&bytes).await?;
        self.unsolicited().await
    }

    /// Reads one line, bounded by `max` bytes.
    pub(super) async fn read_line(&mut self, max: usize) -> io::Result<Line> {
        loop {
            if let Some(pos) = self.inbuf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.inbuf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(if line.len() > max {
                    Line::TooLong
                } else {
                    Line::Got(line)
                });
            }
            if self.inbuf.len() > max {
                return Ok(Line::TooLong);
            }
            let mut chunk = [0u8; 4096];
            let n = self.conn.read(&mut chunk).await?;
            if n == 0 {
                return Ok(Line::Eof);
            }
            self.inbuf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Records a line read inside a command (an AUTH continuation).
    pub(super) fn record(&self, line: &[u8]) {
        self.shared.record(self.id, self.tls(), line);
    }

    /// Runs the TLS handshake on the plaintext socket; false when it failed.
    async fn upgrade(&mut self) -> bool {
        let Some(acceptor) = self.acceptor.clone() else {
            return false;
        };
        let Conn::Plain(tcp) = std::mem::replace(&mut self.conn, Conn::Gone) else {
            return false;
        };
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
            Ok(Ok(tls)) => {
                self.conn = Conn::Tls(Box::new(tls));
                true
            }
            _ => false,
        }
    }

    /// Forgets the mail transaction.
    pub(super) fn reset_transaction(&mut self) {
        self.mail = false;
        self.rcpts = 0;
    }

    /// Handles one command line.
    async fn command(&mut self, line: &[u8]) -> io::Result<Flow> {
        let text = String::from_utf8_lossy(line).into_owned();
        let (verb, arg) = match text.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_string()),
            None => (text.trim().to_ascii_uppercase(), String::new()),
        };
        if self
            .script
            .close_after
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case(&verb))
        {
            return Ok(Flow::Close);
        }
        if self.service == Service::Refused && verb != "QUIT" {
            self.reply("503 5.5.1 Error: no SMTP service here").await?;
            return Ok(Flow::Continue);
        }
        if verb == "STARTTLS" {
            return self.starttls(&arg).await;
        }
        if let Some(over) = self.script.reply_for(&verb).map(str::to_string) {
            return self.overridden(&verb, &over).await;
        }
        match verb.as_str() {
            "EHLO" => self.ehlo(&arg).await,
            "HELO" => {
                if arg.is_empty() {
                    self.reply("501 5.5.4 Syntax: HELO hostname").await?;
                } else {
                    self.greeted = true;
                    self.reset_transaction();
                    let r = format!("250 {}", self.script.hostname);
                    self.reply(&r).await?;
                }
                Ok(Flow::Continue)
            }
            "AUTH" => self.auth(&arg).await,
            "MAIL" => self.mail_from(&arg).await,
            "RCPT" => self.rcpt_to(&arg).await,
            "DATA" => self.data(&arg).await,
            "RSET" => {
                self.reset_transaction();
                self.reply("250 2.0.0 Ok").await?;
                Ok(Flow::Continue)
            }
            "NOOP" => {
                self.reply("250 2.0.0 Ok").await?;
                Ok(Flow::Continue)
            }
            "HELP" => {
                self.reply("214 2.0.0 Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP VRFY HELP QUIT").await?;
                Ok(Flow::Continue)
            }
            "VRFY" => {
                self.reply("252 2.0.0 Cannot VRFY user, but will accept message")
                    .await?;
                Ok(Flow::Continue)
            }
            "QUIT" => {
                self.reply("221 2.0.0 Bye").await?;
                Ok(Flow::Close)
            }
            "" => {
                self.reply("500 5.5.2 Error: bad syntax").await?;
                Ok(Flow::Continue)
            }
            _ => {
                self.reply("502 5.5.2 Error: command not recognized")
                    .await?;
                Ok(Flow::Continue)
            }
        }
    }

    /// Sends a scripted reply instead of the normal one, advancing the state when the
    /// reply is a success.
    async fn overridden(&mut self, verb: &str, reply: &str) -> io::Result<Flow> {
        let ok = reply.starts_with('2');
        match verb {
            "EHLO" | "HELO" if ok => self.greeted = true,
            "MAIL" if ok => self.mail = true,
            "RCPT" if ok => self.rcpts += 1,
            "AUTH" if ok => self.authed = true,
            _ => {}
        }
        self.reply(reply).await?;
        if verb == "QUIT" {
            return Ok(Flow::Close);
        }
        if verb == "DATA" && reply.starts_with("354") {
            return self.read_message().await;
        }
        Ok(Flow::Continue)
    }

    /// Whether AUTH is available on this connection now.
    pub(super) fn auth_available(&self) -> bool {
        !self.script.auth_mechs.is_empty()
            && (self.tls()
                || self.script.tls == TlsMode::Plain
                || self.script.auth_offer == AuthOffer::BeforeTls)
    }

    async fn ehlo(&mut self, arg: &str) -> io::Result<Flow> {
        if arg.is_empty() {
            self.reply("501 5.5.4 Syntax: EHLO hostname").await?;
            return Ok(Flow::Continue);
        }
        self.greeted = true;
        self.reset_transaction();
        let script = self.script.clone();
        let mut lines = vec![script.hostname.clone()];
        lines.extend(std::iter::repeat_n(
            "x".to_string(),
            self.extra_ehlo_lines(),
        ));
        if let Some(over) = &script.ehlo_override {
            lines.extend(over.iter().cloned());
        } else {
            lines.push("PIPELINING".into());
            lines.push(format!("SIZE {MAX_MESSAGE}"));
            if script.tls == TlsMode::Starttls && script.offer_starttls && !self.tls() {
                lines.push("STARTTLS".into());
            }
            if self.auth_available() {
                lines.push(format!("AUTH {}", script.auth_mechs.join(" ")));
            }
            lines.push("ENHANCEDSTATUSCODES".into());
            lines.push("8BITMIME".into());
        }
        lines.extend(script.ehlo_extra.iter().cloned());
        let last = lines.len() - 1;
        let reply: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| format!("250{}{l}", if i == last { ' ' } else { '-' }))
            .collect();
        let reply = reply.join("\r\n");
        #[cfg(feature = "hostile")]
        if self.hostile_is(Hostile::CloseMidReply) {
            return self.close_mid_reply(&reply).await;
        }
        self.reply(&reply).await?;
        Ok(Flow::Continue)
    }

    async fn starttls(&mut self, arg: &str) -> io::Result<Flow> {
        let scripted = self
            .script
            .starttls_reply
            .clone()
            .or_else(|| self.script.reply_for("STARTTLS").map(str::to_string));
        let reply = if let Some(r) = scripted {
            r
        } else if !arg.is_empty() {
            "501 5.5.4 Syntax: STARTTLS".to_string()
        } else if self.tls() {
            "554 5.5.1 Error: TLS already active".to_string()
        } else if self.script.tls != TlsMode::Starttls
            || !self.script.offer_starttls
            || self.acceptor.is_none()
        {
            "502 5.5.1 Error: command not implemented".to_string()
        } else {
            "220 2.0.0 Ready to start TLS".to_string()
        };
        if !reply.starts_with("220") {
            self.reply(&reply).await?;
            return Ok(Flow::Continue);
        }
        let garbage = self
            .script
            .garbage_after_starttls
            .clone()
            .unwrap_or_default();
        self.reply_with(&reply, &garbage).await?;
        // RFC 3207: discard anything the client pipelined after STARTTLS and every
        // piece of state learnt before TLS.
        self.inbuf.clear();
        if !self.upgrade().await {
            return Ok(Flow::Close);
        }
        self.greeted = false;
        self.authed = false;
        self.reset_transaction();
        Ok(Flow::Continue)
    }
}
