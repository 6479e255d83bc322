//! `bench labserver`: loopback lab servers for the whole-process benchmarks. It writes
//! the lab CA to a PEM file and prints `key=value` lines, then `ready`:
//!
//! - `auth=PORT`: STARTTLS with AUTH for user [`USER`] / [`PASSWORD`] (no added latency);
//! - `matrix=P25,P465,P587,P2525`: the four matrix styles (STARTTLS, implicit TLS,
//!   STARTTLS, STARTTLS), each behind a latency relay holding every chunk `delay` ms in
//!   each direction;
//! - `batch=PORT_STARTTLS,PORT_TLS` with `addrs=N` and `batch_addrs=A1,…,AN`: a
//!   STARTTLS and an implicit-TLS server on the same two ports of each of N loopback
//!   addresses high in 127/8, each checked before use ([`smtptui_lab::loopback`]).
//!
//! It serves until killed, until `lifetime` seconds pass, or (with `stdin_eof`) until
//! its standard input closes.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use smtptui_lab::{CertKind, LabServer, Pki, Script, loopback, relay};

/// The host name every lab certificate is issued for.
pub const HOST: &str = "mail.lab.test";
/// The AUTH user of every lab server.
pub const USER: &str = "bench";
/// Its password (a lab secret, not a real one).
pub const PASSWORD: &str = "bench-password";

/// What to start.
pub struct Plan<'a> {
    /// Where the CA PEM goes.
    pub ca: &'a Path,
    /// Added one-way delay of the matrix relays.
    pub delay: Duration,
    /// Batch servers on this many checked loopback addresses (0: none).
    pub addrs: u8,
    /// Serve at most this long.
    pub lifetime: Duration,
    /// Also stop when standard input closes.
    pub stdin_eof: bool,
}

/// Starts everything, prints the ports and serves.
pub async fn serve(plan: Plan<'_>) -> anyhow::Result<()> {
    let pki = Pki::new("smtptui bench CA")?;
    std::fs::write(plan.ca, pki.ca_pem())?;
    // The address too, so swaks and openssl can verify the name they connect to.
    let id = pki.issue(&[HOST, "127.0.0.1"], CertKind::Valid)?;
    let starttls = Script::starttls(id.clone()).with_user(USER, PASSWORD);
    let implicit = Script::implicit(id).with_user(USER, PASSWORD);
    let mut keep = Vec::new();
    let mut out = String::new();

    let auth = LabServer::start(starttls.clone()).await?;
    let _ = writeln!(out, "auth={}", auth.port());
    keep.push(auth);

    let mut relays = Vec::new();
    for script in [&starttls, &implicit, &starttls, &starttls] {
        let server = LabServer::start(script.clone()).await?;
        relays.push(
            relay::start(server.addr, plan.delay)
                .await?
                .port()
                .to_string(),
        );
        keep.push(server);
    }
    let _ = writeln!(out, "matrix={}", relays.join(","));

    if plan.addrs > 0 {
        let ips: Vec<IpAddr> = loopback::checked_addrs(usize::from(plan.addrs))
            .await?
            .into_iter()
            .map(IpAddr::V4)
            .collect();
        let mut ports = Vec::new();
        for script in [&starttls, &implicit] {
            let specs: Vec<(IpAddr, Script)> = ips.iter().map(|ip| (*ip, script.clone())).collect();
            let servers = loopback::on_one_port(&specs).await?;
            ports.push(servers[0].port());
            keep.extend(servers);
        }
        let list: Vec<String> = ips.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "batch={},{}\naddrs={}\nbatch_addrs={}",
            ports[0],
            ports[1],
            plan.addrs,
            list.join(",")
        );
    }
    out.push_str("ready\n");
    let mut stdout = std::io::stdout();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;

    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    if plan.stdin_eof {
        std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            let mut stdin = std::io::stdin();
            while stdin.read(&mut buf).unwrap_or(0) > 0 {}
            let _ = closed_tx.send(());
        });
    } else {
        // Never sent: only the lifetime (or a signal) ends the server.
        std::mem::forget(closed_tx);
    }
    let stdin_closed = async {
        let _ = closed_rx.await;
    };
    tokio::select! {
        () = tokio::time::sleep(plan.lifetime) => {}
        () = stdin_closed => {}
    }
    drop(keep);
    Ok(())
}
