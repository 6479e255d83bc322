//! A tiny authoritative DNS responder on 127.0.0.1:0 (UDP) for tests: answers A/AAAA
//! from a table, NXDOMAIN for unknown names, SERVFAIL for names listed as broken. It
//! lets tests exercise `--dns-server` without ever touching the system resolver.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use tokio::net::UdpSocket;

/// A running responder; stops when dropped.
pub struct TestDns {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestDns {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Zone data: name → addresses; names in `servfail` answer SERVFAIL.
#[derive(Default, Clone)]
pub struct Zone {
    pub records: HashMap<String, Vec<IpAddr>>,
    pub servfail: Vec<String>,
}

impl TestDns {
    pub async fn start(zone: Zone) -> TestDns {
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        let zone = Arc::new(zone);
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            loop {
                let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
                    return;
                };
                if let Some(resp) = answer(&buf[..n], &zone) {
                    let _ = sock.send_to(&resp, peer).await;
                }
            }
        });
        TestDns { addr, task }
    }
}

fn answer(q: &[u8], zone: &Zone) -> Option<Vec<u8>> {
    if q.len() < 12 {
        return None;
    }
    // Question name.
    let mut i = 12;
    let mut labels = Vec::new();
    loop {
        let len = *q.get(i)? as usize;
        i += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(q.get(i..i + len)?).to_ascii_lowercase());
        i += len;
    }
    let qtype = u16::from_be_bytes([*q.get(i)?, *q.get(i + 1)?]);
    let question_end = i + 4;
    let name = labels.join(".");
    let mut rcode = 0u16;
    let mut answers: Vec<IpAddr> = Vec::new();
    if zone.servfail.contains(&name) {
        rcode = 2;
    } else if let Some(addrs) = zone.records.get(&name) {
        answers = addrs
            .iter()
            .copied()
            .filter(|a| (qtype == 1 && a.is_ipv4()) || (qtype == 28 && a.is_ipv6()))
            .collect();
    } else {
        rcode = 3;
    }
    let mut r = Vec::with_capacity(512);
    r.extend_from_slice(&q[0..2]);
    let rd = q[2] & 1;
    r.push(0x84 | rd); // QR, AA, RD
    r.push(0x80 | rcode as u8); // RA + rcode
    r.extend_from_slice(&1u16.to_be_bytes());
    r.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    let has_soa = answers.is_empty() && rcode != 2;
    r.extend_from_slice(&u16::from(has_soa).to_be_bytes());
    r.extend_from_slice(&0u16.to_be_bytes());
    r.extend_from_slice(&q[12..question_end]);
    for a in &answers {
        r.extend_from_slice(&[0xc0, 0x0c]);
        let (t, data): (u16, Vec<u8>) = match a {
            IpAddr::V4(v4) => (1, v4.octets().to_vec()),
            IpAddr::V6(v6) => (28, v6.octets().to_vec()),
        };
        r.extend_from_slice(&t.to_be_bytes());
        r.extend_from_slice(&1u16.to_be_bytes());
        r.extend_from_slice(&60u32.to_be_bytes());
        r.extend_from_slice(&(data.len() as u16).to_be_bytes());
        r.extend_from_slice(&data);
    }
    if has_soa {
        // SOA for the root-ish zone "test." so negative answers are cacheable.
        r.extend_from_slice(&[4, b't', b'e', b's', b't', 0]);
        r.extend_from_slice(&6u16.to_be_bytes());
        r.extend_from_slice(&1u16.to_be_bytes());
        r.extend_from_slice(&60u32.to_be_bytes());
        let mut soa = Vec::new();
        soa.extend_from_slice(&[2, b'n', b's', 4, b't', b'e', b's', b't', 0]);
        soa.extend_from_slice(&[4, b'r', b'o', b'o', b't', 4, b't', b'e', b's', b't', 0]);
        for v in [1u32, 60, 60, 60, 60] {
            soa.extend_from_slice(&v.to_be_bytes());
        }
        r.extend_from_slice(&(soa.len() as u16).to_be_bytes());
        r.extend_from_slice(&soa);
    }
    Some(r)
}
