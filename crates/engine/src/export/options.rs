//! The options a run used, in words, for the summary of exports and the HTML report.
//! Never a secret: a password or token shows only where it came from.

use crate::settings::{FamilyFilter, Settings};

/// One line per option that shapes the result (ports, family, resolve, timeouts, TLS,
/// AUTH, envelope, proxy, bind, MX mode, preset).
pub fn options_used(s: &Settings) -> Vec<String> {
    let mut o = Vec::new();
    let ports: Vec<String> = s.ports.iter().map(ToString::to_string).collect();
    if s.mx {
        o.push(format!(
            "mode: MX diagnosis, port {} on every MX",
            s.mx_port
        ));
    } else {
        o.push(format!("ports: {}", ports.join(", ")));
    }
    match s.family {
        FamilyFilter::Any => o.push("address family: IPv4 and IPv6".into()),
        FamilyFilter::V4 => o.push("address family: IPv4 only (-4)".into()),
        FamilyFilter::V6 => o.push("address family: IPv6 only (-6)".into()),
    }
    for (h, a) in &s.resolve {
        o.push(format!("resolve: {h} -> {a}"));
    }
    if let Some(d) = s.dns_server {
        o.push(format!("DNS server: {d}"));
    }
    let t = &s.timeouts;
    o.push(format!(
        "timeouts: connect {}s, banner {}s, command {}s, TLS {}s, endpoint {}s",
        t.connect.as_secs_f64(),
        t.banner.as_secs_f64(),
        t.command.as_secs_f64(),
        t.tls.as_secs_f64(),
        t.overall.as_secs_f64()
    ));
    if let Some(n) = &s.tls.server_name {
        o.push(format!("TLS server name: {n}"));
    }
    if let Some(ca) = &s.tls.ca_file {
        o.push(format!("extra CA file: {}", ca.display()));
    }
    if s.tls.no_system_roots {
        o.push("system trust store: not used".into());
    }
    if s.tls.insecure {
        o.push("insecure: continue after a certificate failure".into());
    }
    if s.tls.client_cert.is_some() {
        o.push("client certificate: yes (mutual TLS)".into());
    }
    match &s.auth {
        Some(a) => o.push(format!(
            "AUTH: user {} with {} (secret not recorded)",
            a.user,
            a.mech.map_or("the best offered mechanism", |m| m.as_str())
        )),
        None => o.push("AUTH: not tested (no user)".into()),
    }
    if s.opt_in.plaintext_auth {
        o.push("plaintext AUTH allowed".into());
    }
    if let Some(f) = &s.from {
        o.push(format!("MAIL FROM: {f}"));
    }
    if !s.to.is_empty() {
        o.push(format!("RCPT TO: {}", s.to.join(", ")));
    }
    if s.opt_in.send {
        o.push("send: a generated test message".into());
    }
    o.push(format!(
        "stop after: {}",
        format!("{:?}", s.effective_quit_after()).to_ascii_lowercase()
    ));
    o.push(format!("EHLO name: {}", s.ehlo_name));
    if let Some(p) = &s.proxy {
        o.push(format!(
            "proxy: socks5{}://{}:{}",
            if p.remote_dns { "h" } else { "" },
            p.host,
            p.port
        ));
    }
    if let Some(b) = s.bind {
        o.push(format!("bind: {b}"));
    }
    if let Some(i) = &s.interface {
        o.push(format!("interface: {i}"));
    }
    if let Some(p) = &s.preset {
        o.push(format!("preset: {}", p.name));
    }
    o
}
