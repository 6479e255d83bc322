//! A lab server: a loopback listener that runs a [`Script`] for every connection,
//! concurrently, and records what the clients sent. Dropping the [`LabServer`] stops
//! the accept loop and every open connection.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use super::LabError;
use super::script::Script;
use super::session;
use super::tls::acceptor_for;

/// Most command lines kept per server (the first ones are kept, later ones dropped).
const MAX_LOG: usize = 10_000;
/// Most messages kept per server.
const MAX_MESSAGES: usize = 100;
/// Most message bytes kept per server, all messages together.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// One command line a client sent, with where it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabCommand {
    /// Connection number, counting from 1 in accept order.
    pub connection: usize,
    /// Whether the line arrived inside TLS.
    pub tls: bool,
    /// The line without its line end, escaped with [`smtptui_engine::model::escape_bytes`]
    /// (printable ASCII, as SMTP commands are, is unchanged). AUTH payloads are kept
    /// as sent: the lab's purpose is to verify the client.
    pub line: String,
}

/// What the sessions record, shared with the [`LabServer`] handle.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    log: Mutex<Vec<LabCommand>>,
    messages: Mutex<Vec<Vec<u8>>>,
    connections: AtomicUsize,
}

impl Shared {
    /// Records a received command line.
    pub(crate) fn record(&self, connection: usize, tls: bool, raw: &[u8]) {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        if log.len() < MAX_LOG {
            log.push(LabCommand {
                connection,
                tls,
                line: smtptui_engine::model::escape_bytes(raw),
            });
        }
    }

    /// Records a received message (DATA content, dot-unstuffed).
    pub(crate) fn record_message(&self, message: Vec<u8>) {
        let mut messages = self.messages.lock().unwrap_or_else(PoisonError::into_inner);
        let kept: usize = messages.iter().map(Vec::len).sum();
        if messages.len() < MAX_MESSAGES && kept + message.len() <= MAX_MESSAGE_BYTES {
            messages.push(message);
        }
    }
}

/// A running lab server. It serves until dropped.
#[derive(Debug)]
pub struct LabServer {
    /// The address it listens on (a loopback address with an ephemeral port).
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl LabServer {
    /// Binds `127.0.0.1:0` and serves `script` on every connection until dropped.
    pub async fn start(script: Script) -> Result<LabServer, LabError> {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), script).await
    }

    /// Binds `addr` (for example `[::1]:0`) and serves `script` until dropped.
    pub async fn start_on(addr: SocketAddr, script: Script) -> Result<LabServer, LabError> {
        let acceptor = acceptor_for(&script)?;
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let task = tokio::spawn(accept_loop(
            listener,
            Arc::new(script),
            acceptor,
            shared.clone(),
        ));
        Ok(LabServer { addr, shared, task })
    }

    /// Serves `script` on a listener bound elsewhere (for example inside another network
    /// namespace: a socket keeps the namespace it was created in). Needs a runtime.
    pub fn start_with(
        listener: std::net::TcpListener,
        script: Script,
    ) -> Result<LabServer, LabError> {
        let acceptor = acceptor_for(&script)?;
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let task = tokio::spawn(accept_loop(
            listener,
            Arc::new(script),
            acceptor,
            shared.clone(),
        ));
        Ok(LabServer { addr, shared, task })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every command line received so far, in order, over all connections (AUTH
    /// continuation lines included, message content excluded).
    pub fn commands(&self) -> Vec<String> {
        self.log().into_iter().map(|c| c.line).collect()
    }

    /// Every command line received so far, with its connection and whether it came
    /// inside TLS.
    pub fn log(&self) -> Vec<LabCommand> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The messages received through DATA (dot-unstuffed, without the final dot; the
    /// first 100 messages or 64 MiB are kept).
    pub fn messages(&self) -> Vec<Vec<u8>> {
        self.shared
            .messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for LabServer {
    fn drop(&mut self) {
        // Aborting the accept task drops the listener and its JoinSet, which aborts
        // every connection task.
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    script: Arc<Script>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    let n = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
                    sessions.spawn(session::serve(
                        stream,
                        n,
                        script.clone(),
                        acceptor.clone(),
                        shared.clone(),
                    ));
                }
                // Out of descriptors or similar: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
}

/// A port that refuses connections: binds a listener to `127.0.0.1:0`, takes its port
/// and drops it. (Another process could take the port in between; on loopback in a
/// test that is very unlikely.)
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        // Binding an ephemeral loopback port cannot fail on a working machine; port 1
        // (tcpmux) is the best-effort fallback, closed on every normal system.
        .map_or(1, |a| a.port())
}
