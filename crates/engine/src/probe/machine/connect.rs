//! The TCP step of a session: direct or through the SOCKS5 proxy, bounded by the
//! connect timeout, with failures kept apart (a proxy failure is the proxy's, never the
//! target's); and reading the greeting.

use std::net::SocketAddr;

use super::{Machine, StepResult, seen_reply};
use crate::classify::{Command, Stop};
use crate::model::{Direction, Mode, Phase};
use crate::probe::net::{self, OpenError, ProxyError, Target};
use crate::probe::quickack::QuickAck;
use crate::smtp::ehlo::banner_looks_masked;

/// Why dialing failed.
pub(super) enum DialError {
    /// The connect timeout passed.
    Timeout,
    /// The OS refused (refused, unreachable ...).
    Io(std::io::Error),
    /// The proxy failed.
    Proxy(ProxyError),
}

impl Machine {
    /// Opens the TCP connection (directly or via the proxy) without recording anything
    /// but the proxy's steps.
    pub(super) async fn dial(&self, notes: &mut Vec<String>) -> Result<QuickAck, DialError> {
        let s = &self.ctx.settings;
        let wait = self.remaining(s.timeouts.connect);
        let ep = &self.endpoint;
        let target = if ep.address.is_unspecified() {
            // socks5h: the proxy resolves the name.
            Target::Name(ep.host.clone(), ep.port)
        } else {
            Target::Addr(SocketAddr::new(ep.address, ep.port))
        };
        let fut = async {
            net::open(&target, s, notes).await.map_err(|e| match e {
                OpenError::Io(e) => DialError::Io(e),
                OpenError::Proxy(e) => DialError::Proxy(e),
            })
        };
        match tokio::time::timeout(wait, fut).await {
            Err(_) => Err(DialError::Timeout),
            Ok(r) => r,
        }
    }

    /// Opens the TCP connection and records it; a failure is the step's stop.
    pub(super) async fn open_tcp(&mut self) -> Result<QuickAck, Box<Stop>> {
        let mut notes = Vec::new();
        let result = self.dial(&mut notes).await;
        for n in &notes {
            self.note(Direction::Info, n).await;
        }
        let stop = match result {
            Ok(tcp) => return Ok(tcp),
            Err(DialError::Timeout) => {
                let secs = self.ctx.settings.timeouts.connect.as_secs_f64();
                let via = if self.ctx.settings.proxy.is_some() {
                    " (via the proxy)"
                } else {
                    ""
                };
                self.note(
                    Direction::Error,
                    &format!("connect timed out after {secs:.1} s{via}"),
                )
                .await;
                Stop::ConnectTimeout { secs }
            }
            Err(DialError::Io(e)) => {
                let error = e.to_string();
                self.note(Direction::Error, &format!("connect failed: {error}"))
                    .await;
                let queued = e
                    .get_ref()
                    .and_then(|i| i.downcast_ref::<crate::probe::path::errqueue::FilterReject>());
                match queued {
                    Some(r) => Stop::FilterRejected {
                        error,
                        by: r.report.offender.map(|o| o.to_string()),
                    },
                    None => Stop::ConnectFailed {
                        kind: e.kind(),
                        os_error: e.raw_os_error(),
                        error,
                    },
                }
            }
            Err(DialError::Proxy(e)) => {
                let error = e.to_string();
                self.note(Direction::Error, &error).await;
                Stop::ProxyFailed {
                    target_refused: e.target_refused(),
                    error,
                }
            }
        };
        Err(Box::new(stop))
    }

    pub(super) async fn read_banner(&mut self) -> StepResult {
        let t = self.ctx.settings.timeouts;
        let wait = self.remaining(t.banner);
        let sess = self.session()?;
        match tokio::time::timeout(wait, sess.read_reply()).await {
            Err(_) => {
                let partial = sess.buffered().to_vec();
                if !partial.is_empty() {
                    // A greeting that started: plaintext SMTP, just too slow.
                    let shown = crate::model::escape_bytes(&partial[..partial.len().min(60)]);
                    let shown = if partial.len() > 60 {
                        format!("{shown}…")
                    } else {
                        shown
                    };
                    let waited = wait.as_secs_f64();
                    self.note(
                        Direction::Error,
                        &format!("greeting incomplete after {waited:.1} s: `{shown}`"),
                    )
                    .await;
                    // A stalled greeting will not answer QUIT either.
                    self.close_session();
                    return Err(Box::new(Stop::PartialGreeting {
                        partial: shown,
                        secs: waited,
                    }));
                }
                self.note(
                    Direction::Error,
                    &format!("no greeting within {:.1} s", wait.as_secs_f64()),
                )
                .await;
                if matches!(
                    self.endpoint.mode,
                    Mode::Plain | Mode::Starttls | Mode::Auto
                ) {
                    self.close_phase(false).await;
                    return Err(self.detect_implicit_tls(wait).await);
                }
                Err(Box::new(Stop::NoReply {
                    phase: Phase::Banner,
                    secs: wait.as_secs_f64(),
                    raw: None,
                }))
            }
            Ok(Err(e)) => Err(self.smtp_error(Phase::Banner, &e).await),
            Ok(Ok(reply)) => {
                self.banner = Some(reply.lines.join(" / "));
                self.note_lf_only(&reply).await;
                if reply.code != 220 {
                    let seen = seen_reply(Command::Banner, &reply);
                    return Err(Box::new(Stop::Greeting(seen)));
                }
                if banner_looks_masked(&reply) {
                    self.seen.greeting_masked = true;
                    self.note(
                        Direction::Info,
                        "the greeting looks masked by a middlebox (asterisks)",
                    )
                    .await;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
#[cfg(any(target_os = "linux", target_os = "android"))]
mod tests {
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpListener;

    use super::Machine;
    use crate::model::transcript::RunClock;
    use crate::model::{Endpoint, EndpointId, Mode, RunId};
    use crate::probe::Ctx;
    use crate::probe::quickack::armed;
    use crate::settings::{ProxySettings, Settings};
    use crate::tls::TlsClient;

    fn machine(port: u16, proxy: Option<u16>) -> Machine {
        let mut s = Settings::new("127.0.0.1");
        s.tls.no_system_roots = true;
        s.proxy = proxy.map(|port| ProxySettings {
            host: "127.0.0.1".into(),
            port,
            remote_dns: false,
            user: None,
            password: None,
        });
        let tls = TlsClient::new(&s.tls).unwrap();
        let ctx = Arc::new(Ctx {
            settings: Arc::new(s),
            tls,
            clock: RunClock::start(),
            run: RunId(1),
            tx: None,
        });
        let endpoint = Endpoint {
            id: EndpointId(0),
            host: "127.0.0.1".into(),
            address: "127.0.0.1".parse().unwrap(),
            port,
            mode: Mode::Starttls,
        };
        Machine::new(ctx, endpoint, None)
    }

    /// A greeting, then EHLO and its reply: after we send data that soon after
    /// receiving some, Linux enters its delayed-ACK ("pingpong") mode.
    async fn exchange<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(s: &mut S) {
        let mut banner = [0u8; 7];
        s.read_exact(&mut banner).await.unwrap();
        s.write_all(b"EHLO x\r\n").await.unwrap();
        let mut reply = [0u8; 8];
        s.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"250 ok\r\n");
    }

    /// A server that greets, answers one EHLO and then holds the connection.
    async fn smtpish() -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut c, _)) = l.accept().await {
                tokio::spawn(async move {
                    c.write_all(b"220 x\r\n").await.unwrap();
                    let mut line = [0u8; 8];
                    c.read_exact(&mut line).await.unwrap();
                    c.write_all(b"250 ok\r\n").await.unwrap();
                    let mut rest = Vec::new();
                    let _ = c.read_to_end(&mut rest).await;
                });
            }
        });
        port
    }

    /// The socket a probe dials has TCP_NODELAY set and TCP_QUICKACK armed again after
    /// an exchange, where a plain socket has fallen back to delayed ACKs; directly and
    /// through a SOCKS5 proxy (a minimal one here: no auth, CONNECT accepted).
    #[tokio::test]
    async fn probe_sockets_keep_quickack_armed() {
        let port = smtpish().await;
        // Control: without the option the kernel is in delayed-ACK mode after the
        // exchange (so the assertions below can fail).
        let mut plain = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        plain.set_nodelay(true).unwrap();
        exchange(&mut plain).await;
        assert_eq!(armed(&plain), Some(false), "control: delayed ACKs");

        let mut tcp = machine(port, None)
            .dial(&mut Vec::new())
            .await
            .ok()
            .unwrap();
        assert!(tcp.nodelay().unwrap(), "direct: TCP_NODELAY");
        exchange(&mut tcp).await;
        assert_eq!(armed(&tcp), Some(true), "direct: TCP_QUICKACK");

        let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_port = proxy.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut c, _) = proxy.accept().await.unwrap();
            let mut hello = [0u8; 3];
            c.read_exact(&mut hello).await.unwrap();
            c.write_all(&[5, 0]).await.unwrap();
            let mut req = [0u8; 10];
            c.read_exact(&mut req).await.unwrap();
            let mut up =
                tokio::net::TcpStream::connect(("127.0.0.1", u16::from_be_bytes([req[8], req[9]])))
                    .await
                    .unwrap();
            c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])
                .await
                .unwrap();
            let _ = tokio::io::copy_bidirectional(&mut c, &mut up).await;
        });
        let mut notes = Vec::new();
        let mut tcp = machine(port, Some(proxy_port))
            .dial(&mut notes)
            .await
            .ok()
            .unwrap();
        assert!(notes.iter().any(|n| n.contains("CONNECT")), "{notes:?}");
        assert!(tcp.nodelay().unwrap(), "proxy: TCP_NODELAY");
        exchange(&mut tcp).await;
        assert_eq!(armed(&tcp), Some(true), "proxy: TCP_QUICKACK");
    }
}
