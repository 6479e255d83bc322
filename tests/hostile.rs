//! Hostile servers against the real probe engine, over loopback TCP and real TLS: every
//! case must end without a panic, within its timeout plus a second, with bounded memory,
//! with the right classification, and with every exported byte escaped (no C0/C1
//! control, DEL, bidi or zero-width character in the JSON or text export).
//!
//! Tests that measure the whole process (resident memory, open sockets) take the
//! [`GATE`] exclusively; every other test holds it shared, so they still run in
//! parallel with each other.

#[path = "hostile/check.rs"]
mod check;
mod support;
#[path = "hostile/tls.rs"]
mod tls;

use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use check::{assert_within, clean_exports, fds, rss_kib, transcript_text};
use smtptui::model::{Mode, PortSpec, ProbeEvent, RunReport};
use smtptui::settings::{AuthMech, Settings};
use smtptui_lab::{Banner, CertKind, Hostile, LabServer, Script, closed_port, loopback};
use support::*;
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Serialises the tests that measure process-wide resources.
static GATE: RwLock<()> = RwLock::const_new(());

/// The per-phase timeout of these tests.
const T: Duration = Duration::from_secs(2);
/// The slack allowed on top of a timeout.
const SLACK: Duration = Duration::from_secs(1);

async fn shared() -> RwLockReadGuard<'static, ()> {
    GATE.read().await
}

async fn exclusive() -> RwLockWriteGuard<'static, ()> {
    GATE.write().await
}

/// Runs a probe and measures it.
async fn timed(s: Settings) -> (RunReport, Duration) {
    let t = Instant::now();
    let r = probe(s).await;
    (r, t.elapsed())
}

#[tokio::test]
async fn endless_line_without_crlf() {
    // Exclusive: the memory measurement must not see other tests' allocations.
    let _g = exclusive().await;
    let pki = TestPki::new();
    let srv =
        start(Script::starttls(pki.leaf(CertKind::Valid)).with_hostile(Hostile::EndlessLine)).await;
    let before = rss_kib();
    let (r, took) = timed(settings(&pki, srv.port(), Mode::Starttls)).await;
    let grown = rss_kib().saturating_sub(before);
    assert_eq!(class(&r), "protocol_violation", "{r:#?}");
    assert!(
        r.endpoints[0].evidence.contains("longer than 4096"),
        "{}",
        r.endpoints[0].evidence
    );
    // The server writes 50 MB; reading stops at the 4096-byte line limit, so neither the
    // run nor the report grows with it.
    assert_within("endless line", took, T + SLACK);
    assert!(grown < 16 * 1024, "RSS grew by {grown} KiB");
    let (json, _) = clean_exports("endless line", &r);
    assert!(json.len() < 64 * 1024, "JSON is {} bytes", json.len());
}

#[tokio::test]
async fn hundred_thousand_continuation_lines() {
    let _g = exclusive().await;
    let pki = TestPki::new();
    let srv = start(
        Script::starttls(pki.leaf(CertKind::Valid))
            .with_hostile(Hostile::ManyContinuationLines(100_000)),
    )
    .await;
    let before = rss_kib();
    let (r, took) = timed(settings(&pki, srv.port(), Mode::Starttls)).await;
    let grown = rss_kib().saturating_sub(before);
    // The server sends ~700 KB; the reply is cut at 256 lines.
    assert!(grown < 16 * 1024, "RSS grew by {grown} KiB");
    assert_eq!(class(&r), "protocol_violation", "{r:#?}");
    assert!(
        r.endpoints[0].evidence.contains("256 lines"),
        "{}",
        r.endpoints[0].evidence
    );
    assert_within("100k lines", took, T + SLACK);
    // The reply is cut at 256 lines; the transcript stays near that.
    let lines = r.endpoints[0].transcript.len();
    assert!(lines < 300, "{lines} transcript entries");
    clean_exports("100k lines", &r);
}

#[tokio::test]
async fn reply_code_out_of_range() {
    let _g = shared().await;
    let pki = TestPki::new();
    // In the greeting, in a single-line reply, and inside a multi-line reply.
    let banner =
        start(Script::plain().with_banner(Banner::Custom(b"999 mail.lab.test ESMTP\r\n".to_vec())))
            .await;
    let ehlo = start(Script::plain().with_reply("EHLO", "999 hello")).await;
    let multi =
        start(Script::plain().with_reply("EHLO", "250-mail.lab.test\r\n999 PIPELINING")).await;
    for (what, srv) in [("banner", banner), ("ehlo", ehlo), ("multi", multi)] {
        let (r, took) = timed(settings(&pki, srv.port(), Mode::Plain)).await;
        assert_eq!(class(&r), "protocol_violation", "{what}: {r:#?}");
        assert!(
            r.endpoints[0].evidence.contains("999"),
            "{what}: {}",
            r.endpoints[0].evidence
        );
        assert_within(what, took, T + SLACK);
        clean_exports(what, &r);
    }
}

#[tokio::test]
async fn malformed_reply_lines() {
    let _g = shared().await;
    let pki = TestPki::new();
    let cases: Vec<(&str, Script)> = vec![
        (
            "2x0 banner",
            Script::plain().with_banner(Banner::Custom(b"2x0 hi\r\n".to_vec())),
        ),
        ("2x0 ehlo", Script::plain().with_reply("EHLO", "2x0 hi")),
        (
            "no separator",
            Script::plain().with_reply("EHLO", "250mail.lab.test"),
        ),
        (
            "code changes mid-reply",
            Script::plain().with_reply("EHLO", "250-mail.lab.test\r\n251 PIPELINING"),
        ),
        (
            "empty line",
            Script::plain().with_banner(Banner::Custom(b"\r\n".to_vec())),
        ),
    ];
    for (what, script) in cases {
        let srv = start(script).await;
        let (r, took) = timed(settings(&pki, srv.port(), Mode::Plain)).await;
        assert_eq!(class(&r), "protocol_violation", "{what}: {r:#?}");
        assert_within(what, took, T + SLACK);
        clean_exports(what, &r);
    }
}

#[tokio::test]
async fn bare_250_is_accepted() {
    // RFC 5321 §4.2: `Reply-line = *( Reply-code "-" [ textstring ] CRLF )
    // Reply-code [ SP textstring ] CRLF`: the text of the last line is optional.
    let _g = shared().await;
    let pki = TestPki::new();
    let srv = start(
        Script::plain()
            .with_reply("EHLO", "250")
            .with_reply("MAIL", "250")
            .with_reply("RCPT", "250"),
    )
    .await;
    let mut s = settings(&pki, srv.port(), Mode::Plain);
    s.from = Some("alice@lab.test".into());
    s.to = vec!["bob@lab.test".into()];
    let (r, took) = timed(s).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
    assert_eq!(r.endpoints[0].ehlo, ["250"]);
    assert!(r.endpoints[0].capabilities.is_empty());
    let cmds = srv.commands();
    assert!(cmds.iter().any(|c| c.starts_with("RCPT TO:")), "{cmds:?}");
    assert_within("bare 250", took, T + SLACK);
}

#[tokio::test]
async fn lf_only_line_endings_are_tolerated() {
    let _g = shared().await;
    let pki = TestPki::new();
    let srv = start(
        Script::starttls(pki.leaf(CertKind::Valid))
            .with_user("alice", PASSWORD)
            .with_hostile(Hostile::LfOnly),
    )
    .await;
    let (r, took) = timed(with_auth(
        settings(&pki, srv.port(), Mode::Starttls),
        "alice",
        PASSWORD,
    ))
    .await;
    // Bare LF is tolerated (and noted), through STARTTLS and AUTH.
    assert_eq!(class(&r), "ok", "{r:#?}");
    assert!(r.endpoints[0].tls.is_some());
    let (_, text) = clean_exports("lf only", &r);
    assert!(text.contains("bare LF"), "{text}");
    assert_within("lf only", took, T + SLACK);
}

#[tokio::test]
async fn invalid_utf8_and_nul_bytes_are_escaped() {
    let _g = shared().await;
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(CertKind::Valid)).with_banner(Banner::Custom(
        b"220 mail\0.lab.test \xff\xfe\xc3\x28 ESMTP \xe2\x82\r\n".to_vec(),
    ));
    script.ehlo_extra = vec!["X-NUL\0BYTE".into(), "X-DEL\u{7f}\u{9b}31m".into()];
    let srv = start(script).await;
    let (r, _) = timed(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
    let ep = &r.endpoints[0];
    let banner = ep.banner.clone().unwrap_or_default();
    assert_eq!(
        banner,
        "220 mail\\0.lab.test \\xff\\xfe\\xc3( ESMTP \\xe2\\x82"
    );
    // The pre-TLS EHLO lines are in the transcript (the report keeps the TLS ones).
    let (json, text) = clean_exports("utf8/nul", &r);
    for out in [&json, &text] {
        assert!(out.contains("X-NUL\\\\0BYTE") || out.contains("X-NUL\\0BYTE"));
        assert!(out.contains("\\x7f") && out.contains("\\u{009b}"));
    }
}

#[tokio::test]
async fn escape_and_osc_sequences_in_banner_and_ehlo() {
    let _g = shared().await;
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(CertKind::Valid)).with_banner(Banner::Custom(
        b"220 mail.lab.test \x1b]0;pwned\x07 \x1b[2J\x1b[31mESMTP\x1b[0m \xe2\x80\xae evil\r\n"
            .to_vec(),
    ));
    script.ehlo_extra = vec![
        "X-\u{1b}[31mRED\u{1b}[0m".into(),
        "X-OSC \u{1b}]8;;http://evil.test\u{7}link\u{1b}]8;;\u{7}".into(),
        "X-BIDI \u{2066}\u{202e}txt".into(),
    ];
    let srv = start(script).await;
    let (r, _) = timed(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
    let ep = &r.endpoints[0];
    let banner = ep.banner.clone().unwrap_or_default();
    assert!(banner.contains("\\x1b]0;pwned\\x07"), "{banner}");
    assert!(banner.contains("\\u{202e}"), "{banner}");
    let ehlo = ep.ehlo.join("\n");
    assert!(ehlo.contains("X-\\x1b[31mRED\\x1b[0m"), "{ehlo}");
    assert!(
        ehlo.contains("\\x1b]8;;http://evil.test\\x07link"),
        "{ehlo}"
    );
    assert!(ehlo.contains("\\u{2066}\\u{202e}txt"), "{ehlo}");
    clean_exports("escapes", &r);
}

#[tokio::test]
async fn html_in_banner_and_ehlo_is_shown_not_run() {
    let _g = shared().await;
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(CertKind::Valid)).with_banner(Banner::Custom(
        b"220 mail.lab.test <script>alert(1)</script><img src=x onerror=alert(2)> \x1b[31m\"'&amp; ESMTP\r\n"
            .to_vec(),
    ));
    script.ehlo_extra = vec!["X-<style>body{display:none}</style>".into()];
    let srv = start(script).await;
    let (r, _) = timed(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "ok", "{r:#?}");
    clean_exports("html", &r);
    let html = smtptui::export::to_html(&r);
    let lower = html.to_ascii_lowercase();
    for bad in ["<script", "<img", "onerror=alert(2)>", "<style>body"] {
        assert!(!lower.contains(bad), "raw `{bad}` in the HTML report");
    }
    // Shown escaped: as text in the banner row and the transcript.
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; \\x1b[31m&quot;&#39;&amp;amp; ESMTP"),
        "{html}"
    );
    assert!(html.contains("X-&lt;style&gt;body{display:none}&lt;/style&gt;"));
    assert_eq!(
        lower.matches("<style>").count(),
        1,
        "only the report's own style"
    );
}

#[tokio::test]
async fn slowloris_banner() {
    let _g = shared().await;
    let pki = TestPki::new();
    let srv = start(Script::plain().with_banner(Banner::Slow { bytes_per_sec: 1 })).await;
    let (r, took) = timed(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "banner_timeout", "{r:#?}");
    // The banner wait (2 s); what dribbled in is plaintext SMTP, so no reconnect to
    // probe for implicit TLS, and the evidence quotes the partial greeting.
    assert!(took >= T, "gave up early: {took:?}");
    assert_within("slowloris", took, T + SLACK);
    assert_eq!(
        srv.connections(),
        1,
        "no reconnect for a greeting that started"
    );
    let ev = &r.endpoints[0].evidence;
    assert!(ev.starts_with("partial greeting `2"), "{ev}");
    let (_, text) = clean_exports("slowloris", &r);
    assert!(text.contains("greeting incomplete"), "{text}");
}

#[tokio::test]
async fn close_in_the_middle_of_a_multiline_reply() {
    let _g = shared().await;
    let pki = TestPki::new();
    let srv =
        start(Script::starttls(pki.leaf(CertKind::Valid)).with_hostile(Hostile::CloseMidReply))
            .await;
    let (r, took) = timed(settings(&pki, srv.port(), Mode::Starttls)).await;
    assert_eq!(class(&r), "connection_reset", "{r:#?}");
    assert!(
        r.endpoints[0].evidence.contains("middle of a reply"),
        "{}",
        r.endpoints[0].evidence
    );
    // The partial line is kept in the transcript.
    let t = transcript_text(&r);
    assert!(t.contains("250-mail.lab.test"), "{t}");
    assert_within("close mid reply", took, T + SLACK);
    clean_exports("close mid reply", &r);
}

#[tokio::test]
async fn unsolicited_extra_replies() {
    let _g = shared().await;
    let pki = TestPki::new();
    let srv = start(
        Script::starttls(pki.leaf(CertKind::Valid)).with_hostile(Hostile::UnsolicitedReplies),
    )
    .await;
    let (r, took) = timed(settings(&pki, srv.port(), Mode::Starttls)).await;
    // The extra `250` after the greeting is read as the EHLO reply, and every later
    // reply answers the previous command: a desynchronised session must not be taken
    // for a server without STARTTLS. The desync shows for certain at QUIT, which gets
    // the real (multi-line) EHLO reply instead of 221; `Machine::finish` then turns the
    // verdict into protocol_violation.
    assert_eq!(class(&r), "protocol_violation", "{r:#?}");
    assert_within("unsolicited", took, T + SLACK);
    clean_exports("unsolicited", &r);
}

#[tokio::test]
async fn garbage_after_starttls_220() {
    let _g = shared().await;
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(CertKind::Valid)).with_user("alice", PASSWORD);
    script.garbage_after_starttls = Some(b"\x16\x03\x01\x1b]0;pwned\x07\xff250 ok\r\n".to_vec());
    let srv = start(script).await;
    let (r, took) = timed(with_auth(
        settings(&pki, srv.port(), Mode::Starttls),
        "alice",
        PASSWORD,
    ))
    .await;
    assert_eq!(class(&r), "protocol_violation", "{r:#?}");
    let ev = &r.endpoints[0].evidence;
    assert!(ev.contains("after its STARTTLS 220"), "{ev}");
    assert!(ev.contains("\\x1b]0;pwned\\x07"), "{ev}");
    // Nothing was sent after STARTTLS: no handshake, no credentials.
    assert!(!srv.commands().iter().any(|c| c.starts_with("AUTH")));
    assert!(r.endpoints[0].tls.is_none());
    assert_within("garbage after 220", took, T + SLACK);
    clean_exports("garbage after 220", &r);
}

#[tokio::test]
async fn credentials_echoed_in_535_never_leak() {
    let _g = shared().await;
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(CertKind::Valid)).with_user("alice", "other");
    script.echo_credentials_in_failure = true;
    for mech in [AuthMech::Plain, AuthMech::Login, AuthMech::CramMd5] {
        let srv = start(script.clone()).await;
        let mut s = with_auth(
            settings(&pki, srv.port(), Mode::Starttls),
            "alice",
            PASSWORD,
        );
        s.auth.as_mut().unwrap().mech = Some(mech);
        // Watch the live event stream too: the TUI shows these.
        let (r, all) = probe_events(s).await;
        let mut events = String::new();
        for ev in all {
            if matches!(
                ev,
                ProbeEvent::Line { .. } | ProbeEvent::EndpointDone { .. }
            ) {
                let _ = writeln!(events, "{ev:?}");
            }
        }
        let what = mech.as_str();
        assert_eq!(class(&r), "auth_failed", "{what}: {r:#?}");
        assert!(!events.is_empty(), "{what}: no events");
        // The server did echo the payload (so the test can fail).
        let log = srv.commands().join("\n");
        assert!(log.contains("AUTH"), "{what}: {log}");
        let (json, text) = clean_exports(what, &r);
        assert!(json.contains("535"), "{what}");
        for (kind, out) in [("json", &json), ("text", &text), ("events", &events)] {
            assert_no_secret(&format!("{what} {kind}"), out, "alice", PASSWORD);
        }
    }
}

/// `n` lab servers on as many checked loopback addresses high in 127/8, all on the same
/// port: an address a host firewall filters is never used (a dropped one would turn
/// the expected refusals into timeouts).
async fn same_port_servers(script: &Script, n: usize) -> Vec<LabServer> {
    let specs: Vec<(IpAddr, Script)> = loopback_addrs(n)
        .await
        .into_iter()
        .map(|ip| (IpAddr::V4(ip), script.clone()))
        .collect();
    loopback::on_one_port(&specs).await.unwrap()
}

#[tokio::test]
async fn thousand_endpoints_with_bounded_descriptors() {
    let _g = exclusive().await;
    let pki = TestPki::new();
    let script = Script::starttls(pki.leaf(CertKind::Valid));
    let servers = same_port_servers(&script, 100).await;
    let open = servers[0].port();
    // 1 open port + 9 closed ones per address, 100 addresses: 1,000 endpoints.
    let mut ports = vec![PortSpec {
        port: open,
        mode: Mode::Starttls,
    }];
    while ports.len() < 10 {
        let p = closed_port();
        if ports.iter().all(|s| s.port != p) {
            ports.push(PortSpec {
                port: p,
                mode: Mode::Starttls,
            });
        }
    }
    let mut s = settings(&pki, open, Mode::Starttls);
    s.ports = ports;
    s.resolve = servers
        .iter()
        .map(|srv| (HOST.to_string(), srv.addr.ip()))
        .collect();
    s.concurrency = 64;
    s.timeouts = smtptui::settings::Timeouts::uniform(Duration::from_secs(5));

    let (base_all, base_sockets) = fds();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut peak = (0, 0);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (a, so) = fds();
                peak = (peak.0.max(a), peak.1.max(so));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let (r, took) = timed(s).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (peak_all, peak_sockets) = sampler.join().unwrap();

    eprintln!(
        "1,000 endpoints in {took:?}; fds base {base_all} peak {peak_all}; \
         sockets base {base_sockets} peak {peak_sockets}"
    );
    assert_eq!(r.endpoints.len(), 1000);
    let ok = r.endpoints.iter().filter(|e| e.class.is_ok()).count();
    let refused = r
        .endpoints
        .iter()
        .filter(|e| e.class.code() == "refused")
        .count();
    assert_eq!((ok, refused), (100, 900), "{:#?}", &r.endpoints[..3]);
    assert!(
        r.endpoints
            .iter()
            .all(|e| e.port == open || e.class.code() == "refused")
    );
    assert_within("1,000 endpoints", took, Duration::from_secs(60));
    // At most 64 probes at a time, each with one client socket and (the lab runs in
    // this process) one server socket; the reconnect case does not occur here.
    let bound = 2 * 64 + 16;
    assert!(
        peak_sockets - base_sockets <= bound,
        "sockets: base {base_sockets}, peak {peak_sockets} (all fds: base {base_all}, peak {peak_all})"
    );
    assert!(
        peak_all - base_all < 64 + 200,
        "fds: base {base_all}, peak {peak_all}"
    );
    // After the run every client socket is closed; the lab closes its side once it
    // sees QUIT or EOF.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, now) = fds();
        if now <= base_sockets {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sockets did not return to baseline: base {base_sockets}, now {now}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(servers);
}
