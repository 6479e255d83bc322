//! A small SOCKS5 proxy (RFC 1928 CONNECT, RFC 1929 user/password) on 127.0.0.1:0 for
//! tests: optional credentials and a deny rule, real TCP relaying both ways; it keeps
//! the CONNECT targets it was asked for.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the proxy behaves.
#[derive(Clone, Default)]
pub struct SocksConfig {
    /// Require these credentials.
    pub credentials: Option<(String, String)>,
    /// Refuse every CONNECT with "not allowed by ruleset" (reply 2).
    pub deny_all: bool,
    /// Names the proxy resolves itself (socks5h), to these addresses.
    pub names: Vec<(String, IpAddr)>,
}

/// A running proxy; stops when dropped.
pub struct SocksProxy {
    pub addr: SocketAddr,
    /// CONNECTs relayed.
    pub connects: Arc<AtomicUsize>,
    /// Every CONNECT target asked for (`ip:port` or `name:port`), refused ones too.
    pub targets: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SocksProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SocksProxy {
    pub async fn start(cfg: SocksConfig) -> SocksProxy {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let connects = Arc::new(AtomicUsize::new(0));
        let targets = Arc::new(Mutex::new(Vec::new()));
        let counter = connects.clone();
        let asked = targets.clone();
        let cfg = Arc::new(cfg);
        let task = tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                let cfg = cfg.clone();
                let counter = counter.clone();
                let asked = asked.clone();
                tokio::spawn(async move {
                    let _ = serve(s, &cfg, &counter, &asked).await;
                });
            }
        });
        SocksProxy {
            addr,
            connects,
            targets,
            task,
        }
    }

    /// The CONNECT targets asked for so far.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

async fn serve(
    mut s: TcpStream,
    cfg: &SocksConfig,
    counter: &AtomicUsize,
    asked: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut head = [0u8; 2];
    s.read_exact(&mut head).await?;
    let mut methods = vec![0u8; usize::from(head[1])];
    s.read_exact(&mut methods).await?;
    let want = if cfg.credentials.is_some() { 2 } else { 0 };
    if !methods.contains(&want) {
        s.write_all(&[5, 0xff]).await?;
        return Ok(());
    }
    s.write_all(&[5, want]).await?;
    if let Some((user, pass)) = &cfg.credentials {
        let mut v = [0u8; 2];
        s.read_exact(&mut v).await?;
        let mut u = vec![0u8; usize::from(v[1])];
        s.read_exact(&mut u).await?;
        let mut plen = [0u8; 1];
        s.read_exact(&mut plen).await?;
        let mut p = vec![0u8; usize::from(plen[0])];
        s.read_exact(&mut p).await?;
        let ok = u == user.as_bytes() && p == pass.as_bytes();
        s.write_all(&[1, u8::from(!ok)]).await?;
        if !ok {
            return Ok(());
        }
    }
    let mut req = [0u8; 4];
    s.read_exact(&mut req).await?;
    let target: SocketAddr = match req[3] {
        1 => {
            let mut b = [0u8; 6];
            s.read_exact(&mut b).await?;
            SocketAddr::new(
                IpAddr::from([b[0], b[1], b[2], b[3]]),
                u16::from_be_bytes([b[4], b[5]]),
            )
        }
        4 => {
            let mut b = [0u8; 18];
            s.read_exact(&mut b).await?;
            let mut ip = [0u8; 16];
            ip.copy_from_slice(&b[..16]);
            SocketAddr::new(IpAddr::from(ip), u16::from_be_bytes([b[16], b[17]]))
        }
        3 => {
            let mut len = [0u8; 1];
            s.read_exact(&mut len).await?;
            let mut b = vec![0u8; usize::from(len[0]) + 2];
            s.read_exact(&mut b).await?;
            let name = String::from_utf8_lossy(&b[..b.len() - 2]).to_string();
            let port = u16::from_be_bytes([b[b.len() - 2], b[b.len() - 1]]);
            asked.lock().unwrap().push(format!("{name}:{port}"));
            match cfg.names.iter().find(|(n, _)| *n == name) {
                Some((_, ip)) => SocketAddr::new(*ip, port),
                None => {
                    s.write_all(&[5, 4, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
                    return Ok(());
                }
            }
        }
        _ => return Ok(()),
    };
    if req[3] != 3 {
        asked.lock().unwrap().push(target.to_string());
    }
    if cfg.deny_all {
        s.write_all(&[5, 2, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
        return Ok(());
    }
    let mut up = match TcpStream::connect(target).await {
        Ok(u) => u,
        Err(_) => {
            s.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
            return Ok(());
        }
    };
    counter.fetch_add(1, Ordering::SeqCst);
    let local = up.local_addr()?;
    let mut reply = vec![5, 0, 0, 1];
    match local.ip() {
        IpAddr::V4(v4) => reply.extend_from_slice(&v4.octets()),
        IpAddr::V6(_) => reply.extend_from_slice(&[0, 0, 0, 0]),
    }
    reply.extend_from_slice(&local.port().to_be_bytes());
    s.write_all(&reply).await?;
    tokio::io::copy_bidirectional(&mut s, &mut up).await?;
    Ok(())
}
