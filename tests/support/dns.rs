//! A tiny authoritative DNS responder on 127.0.0.1 (UDP and TCP on the same port) for
//! tests: A/AAAA, MX, TXT, PTR and TLSA from a table, NXDOMAIN for unknown names,
//! SERVFAIL for names listed as broken, and the AD bit for names listed as secure. With
//! [`Zone::signing`] set, answers are DNSSEC-signed (see [`super::signed_dns`]). It
//! lets tests exercise `--dns-server` without ever touching the system resolver.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

use super::signed_dns::{self, Signing};

/// A running responder; stops when dropped.
pub struct TestDns {
    /// Where it listens (UDP and TCP).
    pub addr: SocketAddr,
    /// Queries received so far (UDP and TCP).
    pub queries: Arc<AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for TestDns {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A TLSA record: usage, selector, matching type, data.
pub type Tlsa = (u8, u8, u8, Vec<u8>);

/// Zone data. Names are lower case without the trailing dot.
#[derive(Default, Clone)]
pub struct Zone {
    /// name → addresses (A and AAAA).
    pub records: HashMap<String, Vec<IpAddr>>,
    /// Names answering SERVFAIL.
    pub servfail: Vec<String>,
    /// name → (preference, exchange); exchange "." is a null MX.
    pub mx: HashMap<String, Vec<(u16, String)>>,
    /// name → TXT records (each one string, split into 255-byte chunks).
    pub txt: HashMap<String, Vec<String>>,
    /// reverse name (`4.3.2.1.in-addr.arpa`) → PTR names.
    pub ptr: HashMap<String, Vec<String>>,
    /// name → TLSA (usage, selector, matching, data).
    pub tlsa: HashMap<String, Vec<Tlsa>>,
    /// Names whose answers carry the AD (authentic data) bit.
    pub secure: Vec<String>,
    /// DNSSEC signing of `test.` (None: nothing is signed).
    pub signing: Option<Arc<Signing>>,
    /// name → CNAME target; answers carry the chain and the target's records, the way
    /// a recursive resolver returns them.
    pub cname: HashMap<String, String>,
    /// Query types answered REFUSED for every name (a resolver that refuses the
    /// DNSSEC chain: 48 DNSKEY, 43 DS).
    pub refused_types: Vec<u16>,
    /// Names whose A answer is malformed (an A record of 3 bytes).
    pub malformed: Vec<String>,
    /// Names never answered (the query is dropped).
    pub silent: Vec<String>,
}

impl Zone {
    pub fn a(&mut self, name: &str, addr: &str) -> &mut Self {
        self.records
            .entry(name.into())
            .or_default()
            .push(addr.parse().unwrap());
        self
    }
    pub fn mx(&mut self, name: &str, pref: u16, exchange: &str) -> &mut Self {
        self.mx
            .entry(name.into())
            .or_default()
            .push((pref, exchange.into()));
        self
    }
    pub fn txt(&mut self, name: &str, text: &str) -> &mut Self {
        self.txt.entry(name.into()).or_default().push(text.into());
        self
    }
    pub fn ptr(&mut self, addr: &str, name: &str) -> &mut Self {
        let rev = smtptui::dns::reverse_name(addr.parse().unwrap());
        self.ptr.entry(rev).or_default().push(name.into());
        self
    }
    pub fn tlsa(&mut self, name: &str, rec: Tlsa, secure: bool) -> &mut Self {
        self.tlsa.entry(name.into()).or_default().push(rec);
        if secure {
            self.secure.push(name.into());
        }
        self
    }
    pub fn cname(&mut self, name: &str, target: &str) -> &mut Self {
        self.cname.insert(name.into(), target.into());
        self
    }
    fn known(&self, name: &str) -> bool {
        self.malformed.iter().any(|m| m == name)
            || self.cname.contains_key(name)
            || self.records.contains_key(name)
            || self.mx.contains_key(name)
            || self.txt.contains_key(name)
            || self.ptr.contains_key(name)
            || self.tlsa.contains_key(name)
    }
}

impl TestDns {
    pub async fn start(zone: Zone) -> TestDns {
        // UDP and TCP on the same port: bind TCP to port 0, then UDP to its port.
        let (tcp, udp) = loop {
            let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
            if let Ok(udp) = UdpSocket::bind(tcp.local_addr().unwrap()).await {
                break (tcp, udp);
            }
        };
        let addr = udp.local_addr().unwrap();
        let zone = Arc::new(zone);
        let z = zone.clone();
        let queries = Arc::new(AtomicUsize::new(0));
        let (qu, qt) = (queries.clone(), queries.clone());
        let udp_task = tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            loop {
                let Ok((n, peer)) = udp.recv_from(&mut buf).await else {
                    return;
                };
                qu.fetch_add(1, Ordering::Relaxed);
                if let Some(mut resp) = answer(&buf[..n], &z) {
                    if resp.len() > 1232 {
                        truncate(&mut resp);
                    }
                    let _ = udp.send_to(&resp, peer).await;
                }
            }
        });
        let tcp_task = tokio::spawn(async move {
            while let Ok((mut s, _)) = tcp.accept().await {
                let z = zone.clone();
                let qt = qt.clone();
                tokio::spawn(async move {
                    loop {
                        let mut len = [0u8; 2];
                        if s.read_exact(&mut len).await.is_err() {
                            return;
                        }
                        let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
                        if s.read_exact(&mut q).await.is_err() {
                            return;
                        }
                        qt.fetch_add(1, Ordering::Relaxed);
                        let Some(resp) = answer(&q, &z) else { return };
                        let mut out = (resp.len() as u16).to_be_bytes().to_vec();
                        out.extend_from_slice(&resp);
                        if s.write_all(&out).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        TestDns {
            addr,
            queries,
            tasks: vec![udp_task, tcp_task],
        }
    }
}

/// Sets TC and drops every record after the question.
fn truncate(resp: &mut Vec<u8>) {
    let mut i = 12;
    while resp[i] != 0 {
        i += resp[i] as usize + 1;
    }
    resp.truncate(i + 5);
    resp[2] |= 0x02;
    for b in &mut resp[6..12] {
        *b = 0;
    }
}

fn encode_name(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

fn answer(q: &[u8], zone: &Zone) -> Option<Vec<u8>> {
    let plain = plain_answer(q, zone)?;
    // A refused query stays refused (the signer would answer DNSKEY/DS itself).
    let refused = plain.get(3).is_some_and(|b| b & 0x0f == 5);
    Some(match &zone.signing {
        Some(s) if !refused => signed_dns::sign(q, plain, s),
        _ => plain,
    })
}

/// The records of type `qtype` that `name` holds itself.
fn records_at(zone: &Zone, name: &str, qtype: u16) -> Vec<(u16, Vec<u8>)> {
    let mut answers = Vec::new();
    match qtype {
        1 | 28 => {
            for a in zone.records.get(name).into_iter().flatten() {
                match a {
                    IpAddr::V4(v4) if qtype == 1 => answers.push((1, v4.octets().to_vec())),
                    IpAddr::V6(v6) if qtype == 28 => answers.push((28, v6.octets().to_vec())),
                    _ => {}
                }
            }
        }
        15 => {
            for (pref, ex) in zone.mx.get(name).into_iter().flatten() {
                let mut d = pref.to_be_bytes().to_vec();
                d.extend(encode_name(ex));
                answers.push((15, d));
            }
        }
        16 => {
            for t in zone.txt.get(name).into_iter().flatten() {
                let mut d = Vec::new();
                for chunk in t.as_bytes().chunks(255) {
                    d.push(chunk.len() as u8);
                    d.extend_from_slice(chunk);
                }
                if t.is_empty() {
                    d.push(0);
                }
                answers.push((16, d));
            }
        }
        12 => {
            for p in zone.ptr.get(name).into_iter().flatten() {
                answers.push((12, encode_name(p)));
            }
        }
        52 => {
            for (u, s, m, data) in zone.tlsa.get(name).into_iter().flatten() {
                let mut d = vec![*u, *s, *m];
                d.extend_from_slice(data);
                answers.push((52, d));
            }
        }
        _ => {}
    }
    answers
}

fn plain_answer(q: &[u8], zone: &Zone) -> Option<Vec<u8>> {
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
    if zone.silent.contains(&name) {
        return None;
    }
    let mut rcode = 0u16;
    // (owner: None = the question name, type, data)
    let mut answers: Vec<(Option<String>, u16, Vec<u8>)> = Vec::new();
    if zone.refused_types.contains(&qtype) {
        rcode = 5;
    } else if zone.servfail.contains(&name) {
        rcode = 2;
    } else if zone.known(&name) {
        let mut owner = name.clone();
        let mut hops = 0;
        while let Some(target) = zone.cname.get(&owner).filter(|_| qtype != 5) {
            let tag = (owner != name).then(|| owner.clone());
            answers.push((tag, 5, encode_name(target)));
            owner = target.clone();
            hops += 1;
            if hops > 16 {
                break;
            }
        }
        let tag = (owner != name).then(|| owner.clone());
        for (t, d) in records_at(zone, &owner, qtype) {
            answers.push((tag.clone(), t, d));
        }
        if qtype == 1 && zone.malformed.contains(&owner) {
            answers.push((tag.clone(), 1, vec![127, 0, 0]));
        }
        if !zone.known(&owner) {
            rcode = 3;
        }
    } else {
        rcode = 3;
    }
    let mut r = Vec::with_capacity(512);
    r.extend_from_slice(&q[0..2]);
    let rd = q[2] & 1;
    r.push(0x84 | rd); // QR, AA, RD
    let ad = if zone.secure.contains(&name) { 0x20 } else { 0 };
    r.push(0x80 | ad | rcode as u8); // RA + AD + rcode
    r.extend_from_slice(&1u16.to_be_bytes());
    r.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    let has_soa = answers.is_empty() && rcode != 2 && rcode != 5;
    r.extend_from_slice(&u16::from(has_soa).to_be_bytes());
    r.extend_from_slice(&0u16.to_be_bytes());
    r.extend_from_slice(&q[12..question_end]);
    for (owner, t, data) in &answers {
        match owner {
            Some(o) => r.extend(encode_name(o)),
            None => r.extend_from_slice(&[0xc0, 0x0c]),
        }
        r.extend_from_slice(&t.to_be_bytes());
        r.extend_from_slice(&1u16.to_be_bytes());
        r.extend_from_slice(&60u32.to_be_bytes());
        r.extend_from_slice(&(data.len() as u16).to_be_bytes());
        r.extend_from_slice(data);
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
