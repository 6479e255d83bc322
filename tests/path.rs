//! The path check in a real multi-hop network: the test builds its own topology with
//! `ip netns` (client → router 1 → router 2 → server; routers forward), filters with nft
//! (a drop at hop 2 for one port, a reject with ICMP admin-prohibited at hop 2 for
//! another, a redirect at hop 1 to a local SMTP listener with its own certificate for a
//! third, one port healthy) and runs the real `smtptui check` inside the client
//! namespace, for IPv4 and IPv6, once with the routers' ICMP rate limit off and once
//! with the kernel's default.
//!
//! Needs root, `ip` and `nft`. Elsewhere it prints a `SKIPPED` line; with
//! `SMTPTUI_NETNS_REQUIRED=1` (set by `.ci/run` as root) a missing piece fails instead.
//! Namespaces carry the test process id; `unreachable` guard routes keep the test
//! prefixes off the host's real network; a Drop guard removes everything, panics included.
#![cfg(target_os = "linux")]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use smtptui_lab::{CertKind, LabServer, Pki, Script};
use support::{HOST, TestPki};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Runs a command; `Err` with its stderr when it fails.
fn run(args: &[&str]) -> Result<String, String> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .map_err(|e| format!("{}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Whether this machine can run the tests; `Err` says why not.
fn available() -> Result<(), String> {
    let uid = run(&["id", "-u"])?;
    if uid.trim() != "0" {
        return Err("needs root (ip netns, nft)".into());
    }
    run(&["ip", "-V"]).map_err(|e| format!("iproute2 missing: {e}"))?;
    run(&["nft", "--version"])
        .map_err(|e| format!("nft missing (apt-get install nftables): {e}"))?;
    Ok(())
}

/// `true` when the test may go on; prints `SKIPPED` (or fails when required) otherwise.
fn may_run(name: &str) -> bool {
    match available() {
        Ok(()) => true,
        Err(why) => {
            assert!(
                std::env::var("SMTPTUI_NETNS_REQUIRED").as_deref() != Ok("1"),
                "SMTPTUI_NETNS_REQUIRED=1 but the netns test {name} cannot run: {why}"
            );
            println!("SKIPPED: netns path test {name}: {why}");
            false
        }
    }
}

/// The four namespaces, their addresses, and what to remove.
struct Net {
    client: String,
    r1: String,
    r2: String,
    server: String,
    x: u8,
    guards: Vec<Vec<String>>,
}

impl Net {
    fn v4(&self, net: u8, host: u8) -> String {
        match net {
            1 => format!("10.{}.1.{host}", self.x),
            2 => format!("100.64.{}.{host}", self.x),
            _ => format!("198.18.{}.{host}", self.x),
        }
    }

    fn v6(&self, net: u8, host: u8) -> String {
        match net {
            1 => format!("fd00:{:x}:1::{host}", self.x),
            n => format!("2001:db8:{:x}:{n}::{host}", self.x),
        }
    }

    fn ns(ns: &str, args: &[&str]) -> Result<String, String> {
        let mut full = vec!["ip", "netns", "exec", ns];
        full.extend_from_slice(args);
        run(&full)
    }

    /// client — r1 — r2 — server, forwarding on; `ratelimit_off` sets the routers' ICMP
    /// rate limits to 0 (v4 and v6). On an error the half-built network is removed.
    fn build(ratelimit_off: bool) -> Result<Net, String> {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let x = ((pid.wrapping_mul(7) + n * 37) % 200 + 20) as u8;
        let name = |role: &str| format!("st13-{pid}-{n}-{role}");
        let mut net = Net {
            client: name("c"),
            r1: name("r1"),
            r2: name("r2"),
            server: name("s"),
            x,
            guards: Vec::new(),
        };
        // Guard routes first: should anything below leak into the host namespace, the
        // test prefixes go nowhere.
        net.guard_routes();
        net.namespaces_and_links()?;
        net.addresses()?;
        net.links_up()?;
        net.routes()?;
        net.forwarding(ratelimit_off)?;
        Ok(net)
    }

    /// `unreachable` routes in the host namespace for every test prefix (removed on
    /// drop).
    fn guard_routes(&mut self) {
        let x = self.x;
        for prefix in [
            format!("10.{x}.1.0/24"),
            format!("100.64.{x}.0/24"),
            format!("198.18.{x}.0/24"),
        ] {
            if run(&["ip", "route", "add", "unreachable", &prefix]).is_ok() {
                self.guards.push(vec![
                    "ip".into(),
                    "route".into(),
                    "del".into(),
                    "unreachable".into(),
                    prefix,
                ]);
            }
        }
        for prefix in [format!("fd00:{x:x}:1::/64"), format!("2001:db8:{x:x}::/48")] {
            if run(&["ip", "-6", "route", "add", "unreachable", &prefix]).is_ok() {
                self.guards.push(vec![
                    "ip".into(),
                    "-6".into(),
                    "route".into(),
                    "del".into(),
                    "unreachable".into(),
                    prefix,
                ]);
            }
        }
    }

    /// The four namespaces and the veth pairs between them (`wan` towards the server,
    /// `lan` towards the client).
    fn namespaces_and_links(&self) -> Result<(), String> {
        for ns in [&self.client, &self.r1, &self.r2, &self.server] {
            run(&["ip", "netns", "add", ns])?;
        }
        for (a, b) in [
            (&self.client, &self.r1),
            (&self.r1, &self.r2),
            (&self.r2, &self.server),
        ] {
            run(&[
                "ip", "-n", a, "link", "add", "name", "wan", "type", "veth", "peer", "name", "lan",
                "netns", b,
            ])?;
        }
        Ok(())
    }

    /// One IPv4 and one IPv6 address per link end.
    fn addresses(&self) -> Result<(), String> {
        let addr = |ns: &str, dev: &str, a: String, len: &str, v6: bool| -> Result<(), String> {
            let cidr = format!("{a}/{len}");
            if v6 {
                run(&[
                    "ip", "-n", ns, "-6", "addr", "add", &cidr, "dev", dev, "nodad",
                ])
                .map(|_| ())
            } else {
                run(&["ip", "-n", ns, "addr", "add", &cidr, "dev", dev]).map(|_| ())
            }
        };
        let (c, r1, r2, s) = (&self.client, &self.r1, &self.r2, &self.server);
        for (ns, dev, net, host) in [
            (c, "wan", 1, 2),
            (r1, "lan", 1, 1),
            (r1, "wan", 2, 1),
            (r2, "lan", 2, 2),
            (r2, "wan", 3, 1),
            (s, "lan", 3, 2),
        ] {
            addr(ns, dev, self.v4(net, host), "24", false)?;
            addr(ns, dev, self.v6(net, host), "64", true)?;
        }
        Ok(())
    }

    fn links_up(&self) -> Result<(), String> {
        for (ns, devs) in [
            (&self.client, &["lo", "wan"][..]),
            (&self.r1, &["lo", "wan", "lan"][..]),
            (&self.r2, &["lo", "wan", "lan"][..]),
            (&self.server, &["lo", "lan"][..]),
        ] {
            for d in devs {
                run(&["ip", "-n", ns, "link", "set", d, "up"])?;
            }
        }
        Ok(())
    }

    /// Default routes towards the server, and r2's route back to the client's network.
    fn routes(&self) -> Result<(), String> {
        let route = |ns: &str, v6: bool, to: &str, via: String| -> Result<(), String> {
            let fam = if v6 { "-6" } else { "-4" };
            run(&["ip", "-n", ns, fam, "route", "add", to, "via", &via]).map(|_| ())
        };
        let x = self.x;
        route(&self.client, false, "default", self.v4(1, 1))?;
        route(&self.client, true, "default", self.v6(1, 1))?;
        route(&self.r1, false, "default", self.v4(2, 2))?;
        route(&self.r1, true, "default", self.v6(2, 2))?;
        route(&self.r2, false, &format!("10.{x}.1.0/24"), self.v4(2, 1))?;
        route(&self.r2, true, &format!("fd00:{x:x}:1::/64"), self.v6(2, 1))?;
        route(&self.server, false, "default", self.v4(3, 1))?;
        route(&self.server, true, "default", self.v6(3, 1))?;
        Ok(())
    }

    /// The routers forward; with `ratelimit_off` their ICMP rate limits are 0.
    fn forwarding(&self, ratelimit_off: bool) -> Result<(), String> {
        for r in [&self.r1, &self.r2] {
            Net::ns(r, &["sysctl", "-qw", "net.ipv4.ip_forward=1"])?;
            Net::ns(r, &["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"])?;
            if ratelimit_off {
                Net::ns(r, &["sysctl", "-qw", "net.ipv4.icmp_ratelimit=0"])?;
                Net::ns(r, &["sysctl", "-qw", "net.ipv6.icmp.ratelimit=0"])?;
            }
        }
        Ok(())
    }

    /// Loads an nft ruleset into `ns`.
    fn nft(ns: &str, rules: &str) -> Result<(), String> {
        let file = std::env::temp_dir().join(format!("{ns}.nft"));
        std::fs::write(&file, rules).map_err(|e| e.to_string())?;
        let r = Net::ns(ns, &["nft", "-f", &file.to_string_lossy()]);
        let _ = std::fs::remove_file(&file);
        r.map(|_| ())
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in [&self.client, &self.r1, &self.r2, &self.server] {
            let _ = run(&["ip", "netns", "del", ns]);
        }
        for g in &self.guards {
            let args: Vec<&str> = g.iter().map(String::as_str).collect();
            let _ = run(&args);
        }
    }
}

/// A listener on `[::]:0` (both families) created inside namespace `ns`: a dedicated
/// thread enters it with setns(2); the socket stays there.
fn listen_in(ns: &str) -> std::net::TcpListener {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        let f = std::fs::File::open(&path).expect("netns handle");
        nix::sched::setns(&f, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        std::net::TcpListener::bind("[::]:0").expect("bind in the namespace")
    })
    .join()
    .expect("listener thread")
}

/// Connects from namespace `ns` to each address on `port` (a thread in the namespace).
fn warm_up(ns: &str, addrs: &[String], port: u16) {
    let path = format!("/run/netns/{ns}");
    let addrs: Vec<std::net::SocketAddr> = addrs
        .iter()
        .map(|a| std::net::SocketAddr::new(a.parse().unwrap(), port))
        .collect();
    std::thread::spawn(move || {
        let f = std::fs::File::open(&path).expect("netns handle");
        nix::sched::setns(&f, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        for a in addrs {
            let _ = std::net::TcpStream::connect_timeout(&a, Duration::from_secs(3));
        }
    })
    .join()
    .expect("warm-up thread");
}

struct World {
    net: Net,
    pki: TestPki,
    _servers: Vec<LabServer>,
    healthy: u16,
    dropped: u16,
    rejected: u16,
    intercepted: u16,
    proxy_ca: String,
}

fn world(ratelimit_off: bool) -> World {
    let net = Net::build(ratelimit_off).unwrap_or_else(|e| panic!("topology: {e}"));
    let pki = TestPki::new();
    let mut servers = Vec::new();
    let mut port = || {
        let srv = LabServer::start_with(
            listen_in(&net.server),
            Script::starttls(pki.leaf(CertKind::Valid)),
        )
        .unwrap();
        let p = srv.port();
        servers.push(srv);
        p
    };
    let (healthy, dropped, rejected, intercepted) = (port(), port(), port(), port());
    // The box on hop 1 answers with its own certificate (an AV / ISP SMTP proxy).
    let proxy_ca = "Proxy Antivirus CA";
    let proxy_pki = Pki::new(proxy_ca).unwrap();
    let proxy = LabServer::start_with(
        listen_in(&net.r1),
        Script::starttls(proxy_pki.issue(&[HOST], CertKind::Valid).unwrap())
            .with_hostname("av-proxy.lab.test"),
    )
    .unwrap();
    let proxy_port = proxy.port();
    servers.push(proxy);
    Net::nft(
        &net.r2,
        &format!(
            "table inet st13 {{\n chain forward_path {{\n  type filter hook forward priority 0; policy accept;\n  tcp dport {dropped} drop\n  meta nfproto ipv4 tcp dport {rejected} reject with icmp type admin-prohibited\n  meta nfproto ipv6 tcp dport {rejected} reject with icmpv6 type admin-prohibited\n }}\n}}\n"
        ),
    )
    .unwrap();
    Net::nft(
        &net.r1,
        &format!(
            "table ip st13nat {{\n chain pre {{\n  type nat hook prerouting priority -100;\n  tcp dport {intercepted} redirect to :{proxy_port}\n }}\n}}\ntable ip6 st13nat6 {{\n chain pre {{\n  type nat hook prerouting priority -100;\n  tcp dport {intercepted} redirect to :{proxy_port}\n }}\n}}\n"
        ),
    )
    .unwrap();
    // A real network's neighbour caches are warm; in fresh namespaces the first IPv6
    // packet is lost to neighbour discovery (measured: the first v6 connect takes 1 s, the
    // SYN retry). One connect per family from the client warms every hop.
    warm_up(&net.client, &[net.v4(3, 2), net.v6(3, 2)], healthy);
    World {
        net,
        pki,
        _servers: servers,
        healthy,
        dropped,
        rejected,
        intercepted,
        proxy_ca: proxy_ca.into(),
    }
}

const CONNECT_TIMEOUT_S: f64 = 3.0;

/// Runs `smtptui check` inside the client namespace in `format` (json or text): output
/// and wall time.
fn check(w: &World, format: &str, extra: &[&str]) -> (String, Duration) {
    check_as(w, format, extra, &[])
}

/// [`check`] with a prefix before the binary (e.g. `setpriv` to drop root).
fn check_as(w: &World, format: &str, extra: &[&str], prefix: &[&str]) -> (String, Duration) {
    let bin = env!("CARGO_BIN_EXE_smtptui");
    let ports: Vec<String> = [w.healthy, w.dropped, w.rejected, w.intercepted]
        .iter()
        .map(|p| format!("{p}/starttls"))
        .collect();
    let v4 = format!("{HOST}:{}", w.net.v4(3, 2));
    let v6 = format!("{HOST}:[{}]", w.net.v6(3, 2));
    let ca = w.pki.ca_file.to_string_lossy().into_owned();
    let timeout = CONNECT_TIMEOUT_S.to_string();
    let mut args: Vec<&str> = vec!["netns", "exec", &w.net.client];
    args.extend_from_slice(prefix);
    args.extend_from_slice(&[
        bin,
        "check",
        HOST,
        "--resolve",
        &v4,
        "--resolve",
        &v6,
        "--ca-file",
        &ca,
        "--no-system-roots",
        "--connect-timeout",
        &timeout,
    ]);
    for p in &ports {
        args.push("-p");
        args.push(p);
    }
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--format", format]);
    let start = Instant::now();
    let out = Command::new("ip")
        .args(&args)
        .output()
        .expect("ip netns exec");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        start.elapsed(),
    )
}

fn check_json(w: &World, extra: &[&str]) -> (Value, Duration) {
    let (json, took) = check(w, "json", extra);
    let v: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    (v, took)
}

fn endpoint<'a>(v: &'a Value, port: u16, family: &str) -> &'a Value {
    v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["port"] == port && e["family"] == family)
        .unwrap_or_else(|| panic!("no {family} endpoint {port}"))
}

fn assert_world(w: &World, v: &Value, took: Duration) {
    let all = serde_json::to_string_pretty(v).unwrap();
    for (family, net) in [("ipv4", 4), ("ipv6", 6)] {
        let (r1, r2) = if net == 4 {
            (w.net.v4(1, 1), w.net.v4(2, 2))
        } else {
            (w.net.v6(1, 1), w.net.v6(2, 2))
        };
        let healthy = &endpoint(v, w.healthy, family)["path"];
        assert_eq!(
            healthy["verdict"], "reached",
            "{family} healthy: {healthy:#}"
        );
        assert_eq!(healthy["distance"], 3, "{family} healthy: {healthy:#}");
        assert_eq!(healthy["hops"][0]["addr"], r1.as_str(), "{healthy:#}");
        assert_eq!(healthy["hops"][0]["icmp"], "time_exceeded", "{healthy:#}");

        let dropped = &endpoint(v, w.dropped, family)["path"];
        assert_eq!(
            dropped["verdict"], "dropped_after",
            "{family} dropped: {dropped:#}"
        );
        let hop = dropped["at"]["hop"].as_u64().unwrap();
        assert!(hop == 1 || hop == 2, "{dropped:#}");
        let want = if hop == 1 { &r1 } else { &r2 };
        assert_eq!(
            dropped["at"]["addr"],
            want.as_str(),
            "{family} dropped: {dropped:#}"
        );

        let rejected_ep = endpoint(v, w.rejected, family);
        let rejected = &rejected_ep["path"];
        assert_eq!(
            rejected["verdict"], "rejected_by",
            "{family} rejected: {rejected:#}"
        );
        assert_eq!(rejected["at"]["hop"], 2, "{rejected:#}");
        assert_eq!(rejected["at"]["addr"], r2.as_str(), "{rejected:#}");
        let last = rejected["hops"].as_array().unwrap().last().unwrap();
        assert_eq!(last["icmp"], "admin_prohibited", "{rejected:#}");
        assert_eq!(
            rejected_ep["class"], "firewall_rejected",
            "{family}: a router's reject is not `refused`: {rejected_ep:#}"
        );

        let icp = &endpoint(v, w.intercepted, family)["path"];
        assert_eq!(
            icp["verdict"], "intercepted_at",
            "{family} intercepted: {icp:#}"
        );
        assert_eq!(icp["at"]["hop"], 1, "{icp:#}");
        assert_eq!(icp["at"]["addr"], r1.as_str(), "{icp:#}");
        assert_eq!(icp["distance"], 3, "{icp:#}");
    }
    let findings = v["findings"].as_array().unwrap();
    let intercepted: Vec<&Value> = findings
        .iter()
        .filter(|f| f["code"] == "intercepted")
        .collect();
    assert_eq!(intercepted.len(), 2, "one per family: {all}");
    for f in &intercepted {
        let ev = f["evidence"].as_str().unwrap();
        assert!(
            ev.contains(&w.proxy_ca),
            "the proxy's certificate as evidence: {ev}"
        );
        assert!(ev.contains("av-proxy.lab.test"), "its banner/EHLO: {ev}");
    }
    assert!(
        findings.iter().any(|f| f["code"] == "blocked_on_path"
            && f["summary"]
                .as_str()
                .unwrap()
                .contains(&w.dropped.to_string())),
        "{all}"
    );
    println!(
        "netns path check: {took:?} wall, duration_ms {} (connect timeout {CONNECT_TIMEOUT_S} s)",
        v["duration_ms"]
    );
    // Traces finish within 3 s of the connect timeouts.
    let limit = Duration::from_secs_f64(CONNECT_TIMEOUT_S + 3.0);
    assert!(took < limit, "took {took:?} (limit {limit:?}): {all}");
    let ms = v["duration_ms"].as_f64().unwrap();
    assert!(ms < (CONNECT_TIMEOUT_S + 3.0) * 1000.0, "duration_ms {ms}");
}

/// Headless text lists the hops of the blocked and intercepted endpoints.
fn assert_text(w: &World, text: &str) {
    for needle in [
        format!(
            "path {}:{}/starttls: dropped after",
            w.net.v4(3, 2),
            w.dropped
        ),
        format!(
            "path {}:{}/starttls: rejected by hop 2",
            w.net.v4(3, 2),
            w.rejected
        ),
        format!(
            "path {}:{}/starttls: answered at hop 1",
            w.net.v4(3, 2),
            w.intercepted
        ),
        format!("[{}]:{}/starttls: dropped after", w.net.v6(3, 2), w.dropped),
        w.net.v4(2, 2),
        w.net.v6(2, 2),
        "admin_prohibited".into(),
    ] {
        assert!(text.contains(&needle), "text lacks {needle}:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_located_without_icmp_rate_limit() {
    if !may_run("path_located_without_icmp_rate_limit") {
        return;
    }
    let w = world(true);
    let (v, took) = check_json(&w, &[]);
    assert_world(&w, &v, took);
    let (text, _) = check(&w, "text", &[]);
    if std::env::var_os("SMTPTUI_SHOW").is_some() {
        println!("{text}");
    }
    assert_text(&w, &text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_located_with_default_icmp_rate_limit() {
    if !may_run("path_located_with_default_icmp_rate_limit") {
        return;
    }
    // One run only: the routers' ICMP budget (a burst of 6, then 1/s) is the point.
    let w = world(false);
    let (v, took) = check_json(&w, &[]);
    assert_world(&w, &v, took);
}

/// The path check needs no privileges: the same answers as an unprivileged user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_located_without_root() {
    if !may_run("path_located_without_root") {
        return;
    }
    if run(&["setpriv", "--version"]).is_err() {
        println!("SKIPPED: path_located_without_root: no setpriv (util-linux)");
        return;
    }
    let w = world(true);
    // The CA file lives in a private temporary directory: let the user read it.
    let dir = w.pki.ca_file.parent().unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&w.pki.ca_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
    ];
    let mut probe_exec: Vec<&str> = nobody.to_vec();
    probe_exec.extend_from_slice(&[env!("CARGO_BIN_EXE_smtptui"), "--version"]);
    if let Err(e) = run(&probe_exec) {
        // A checkout under a private directory (e.g. /root) is not executable by nobody.
        println!("SKIPPED: path_located_without_root: the binary is not reachable as nobody: {e}");
        return;
    }
    let (json, took) = check_as(&w, "json", &[], &nobody);
    let v: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_world(&w, &v, took);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_trace_leaves_path_out() {
    if !may_run("no_trace_leaves_path_out") {
        return;
    }
    let w = world(true);
    let (v, _) = check_json(&w, &["--no-trace"]);
    for e in v["endpoints"].as_array().unwrap() {
        assert!(e.get("path").is_none_or(Value::is_null), "{e:#}");
    }
    // Without the trace the normal connect still reads the error queue: the reject is a
    // router's, named, for both families.
    for family in ["ipv4", "ipv6"] {
        let ep = endpoint(&v, w.rejected, family);
        assert_eq!(ep["class"], "firewall_rejected", "{ep:#}");
        let r2 = if family == "ipv4" {
            w.net.v4(2, 2)
        } else {
            w.net.v6(2, 2)
        };
        assert!(ep["summary"].as_str().unwrap().contains(&r2), "{ep:#}");
    }
}

/// The TUI's Path view over a real run in the test network: the engine runs inside the
/// client namespace (a thread that entered it, with its own runtime), its events drive
/// the real `App`, rendered at 120×40.
#[cfg(feature = "tui")]
#[test]
fn tui_path_view_in_the_test_network() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use smtptui::model::{PortSpec, RunId};
    use smtptui::settings::{Settings, Timeouts};
    use smtptui::tui::app::App;
    use smtptui::tui::form::Form;
    use smtptui::tui::theme::Theme;
    use smtptui::tui::update::{Msg, start_run, update};

    if !may_run("tui_path_view_in_the_test_network") {
        return;
    }
    let servers_rt = tokio::runtime::Runtime::new().unwrap();
    let _enter = servers_rt.enter();
    let w = world(true);
    let mut s = Settings::new(HOST);
    s.resolve = vec![(HOST.into(), w.net.v4(3, 2).parse().unwrap())];
    s.ports = [w.healthy, w.dropped, w.rejected, w.intercepted]
        .into_iter()
        .map(|port| PortSpec {
            port,
            mode: smtptui::model::Mode::Starttls,
        })
        .collect();
    s.timeouts = Timeouts::uniform(Duration::from_secs_f64(CONNECT_TIMEOUT_S));
    s.tls.ca_file = Some(w.pki.ca_file.clone());
    s.tls.no_system_roots = true;
    let mut app = App::new(Some(s.clone()), Theme::new(true), Form::new(Vec::new()));
    update(&mut app, Msg::Resize(120, 40));
    start_run(&mut app, s.clone());
    let run: RunId = app.run().id();
    let path = format!("/run/netns/{}", w.net.client);
    let events = std::thread::spawn(move || {
        let f = std::fs::File::open(&path).expect("netns handle");
        nix::sched::setns(&f, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (tx, mut rx) = tokio::sync::mpsc::channel(4096);
            let probe = tokio::spawn(smtptui::probe::run(std::sync::Arc::new(s), run, tx));
            let mut events = Vec::new();
            while let Some(ev) = rx.recv().await {
                events.push(ev);
            }
            (events, probe.await.expect("the probe task"))
        })
    })
    .join()
    .expect("engine thread");
    let (events, report) = events;
    for ev in events {
        update(&mut app, Msg::Probe(ev));
    }
    update(&mut app, Msg::RunFinished(run, Box::new(report)));
    let screen = |app: &App| {
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        term.draw(|f| smtptui::tui::view::view(app, f)).unwrap();
        let buf = term.backend().buffer().clone();
        buf.content()
            .chunks(120)
            .map(|row| {
                row.iter()
                    .map(ratatui::buffer::Cell::symbol)
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('P'), KeyModifiers::NONE)),
    );
    let r2 = w.net.v4(2, 2);
    for (row, want) in [
        (1, format!("dropped after hop 2 ({r2})")),
        (2, format!("rejected by hop 2 ({r2})")),
        (3, format!("answered at hop 1 ({})", w.net.v4(1, 1))),
        (0, "reached the server at hop 3".to_string()),
    ] {
        app.panes.selected = row;
        let text = screen(&app);
        assert!(text.contains(&want), "row {row}: {want}\n{text}");
        if row != 0 {
            assert!(
                text.contains(&format!("control {}", w.healthy)),
                "the control port beside it:\n{text}"
            );
        }
    }
}
