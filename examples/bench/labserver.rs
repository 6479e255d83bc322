//! `bench labserver`: loopback lab servers for the whole-process benchmarks. It writes
//! the lab CA to a PEM file and prints `key=value` lines, then `ready`:
//!
//! - `auth=PORT`: STARTTLS with AUTH for user [`USER`] / [`PASSWORD`] (no added latency);
//! - `matrix=P25,P465,P587,P2525`: the four matrix styles (STARTTLS, implicit TLS,
//!   STARTTLS, STARTTLS), each behind a latency relay holding every chunk `delay` ms in
//!   each direction;
//! - `batch=PORT_STARTTLS,PORT_TLS` with `addrs=N`: a STARTTLS and an implicit-TLS
//!   server on the same two ports of each of 127.0.0.1 … 127.0.0.N.
//!
//! It serves until killed, until `lifetime` seconds pass, or (with `stdin_eof`) until
//! its standard input closes.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use smtptui_lab::{CertKind, LabServer, Pki, Script};

use super::relay;

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
    /// Batch servers on 127.0.0.1 … 127.0.0.`addrs` (0: none).
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
        let (ports, servers) = same_ports(plan.addrs, &[&starttls, &implicit]).await?;
        let _ = writeln!(out, "batch={},{}\naddrs={}", ports[0], ports[1], plan.addrs);
        keep.extend(servers);
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

/// One server per script on the same port of each of 127.0.0.1 … 127.0.0.`addrs`
/// (the port is picked on 127.0.0.1; a clash on another address retries).
async fn same_ports(addrs: u8, scripts: &[&Script]) -> anyhow::Result<(Vec<u16>, Vec<LabServer>)> {
    let mut ports = Vec::new();
    let mut servers = Vec::new();
    for script in scripts {
        let mut tries = 0;
        'pick: loop {
            tries += 1;
            let first = LabServer::start((*script).clone()).await?;
            let port = first.port();
            let mut these = vec![first];
            for i in 2..=addrs {
                let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, i)), port);
                match LabServer::start_on(addr, (*script).clone()).await {
                    Ok(s) => these.push(s),
                    Err(e) if tries < 10 => {
                        eprintln!("port {port} busy on {addr} ({e}), picking another");
                        continue 'pick;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            ports.push(port);
            servers.extend(these);
            break;
        }
    }
    Ok((ports, servers))
}
