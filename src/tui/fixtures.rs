//! Hand-built, fixed probe data for the TUI tests: a dual-stack target with the four
//! default ports, one verified STARTTLS session, an expired implicit-TLS certificate,
//! a blocked port 25, a refused port and IPv6 endpoints still running.

use std::net::IpAddr;

use crate::model::{
    CertProblem, CertSummary, Class, Direction, Endpoint, EndpointId, EndpointReport, Finding,
    Mode, NextStep, Phase, PhaseTiming, ProbeEvent, RunId, TlsInfo, TranscriptEntry, Verdict,
};

/// The target name.
pub const HOST: &str = "mail.example.com";

/// The planned matrix: v4 then v6, ports 25, 465, 587, 2525.
pub fn endpoints() -> Vec<Endpoint> {
    let v4: IpAddr = "192.0.2.10".parse().unwrap();
    let v6: IpAddr = "2001:db8::10".parse().unwrap();
    let mut out = Vec::new();
    for addr in [v4, v6] {
        for (port, mode) in [
            (25, Mode::Starttls),
            (465, Mode::Tls),
            (587, Mode::Starttls),
            (2525, Mode::Starttls),
        ] {
            out.push(Endpoint {
                id: EndpointId(out.len()),
                host: HOST.into(),
                address: addr,
                port,
                mode,
            });
        }
    }
    out
}

fn cert(subject: &str, issuer: &str, days_left: i64, ca: bool) -> CertSummary {
    CertSummary {
        subject: subject.into(),
        issuer: issuer.into(),
        sans: if ca { Vec::new() } else { vec![HOST.into(), "smtp.example.com".into()] },
        not_before: "2026-09-01T00:00:00Z".into(),
        not_after: if days_left < 0 { "2026-11-10T00:00:00Z".into() } else { "2027-02-20T00:00:00Z".into() },
        days_left,
        key: if ca { "RSA 4096".into() } else { "EC P-256".into() },
        signature: "sha256WithRSAEncryption".into(),
        serial: "04:A1:9C:3E:77:10:5B:02".into(),
        sha256: "5E:1F:9A:20:C4:7D:88:13:0B:6E:F2:41:9C:AA:07:3D:E5:12:68:BF:90:4C:D1:7A:33:E8:5F:06:B9:21:CC:48"
            .into(),
        self_signed: subject == issuer,
        is_ca: ca,
    }
}

/// A verified chain (leaf, intermediate, root).
pub fn tls_verified() -> TlsInfo {
    TlsInfo {
        version: "TLSv1.3".into(),
        cipher: "TLS13_AES_256_GCM_SHA384".into(),
        group: Some("X25519".into()),
        verified: true,
        error: None,
        problem: None,
        checked_name: HOST.into(),
        chain: vec![
            cert(
                "CN=mail.example.com",
                "CN=Example Issuing CA R1, O=Example Trust",
                89,
                false,
            ),
            cert(
                "CN=Example Issuing CA R1, O=Example Trust",
                "CN=Example Root X1, O=Example Trust",
                900,
                true,
            ),
            cert(
                "CN=Example Root X1, O=Example Trust",
                "CN=Example Root X1, O=Example Trust",
                3000,
                true,
            ),
        ],
        client_cert_requested: false,
        ..TlsInfo::default()
    }
}

/// An expired, self-signed certificate on 465.
pub fn tls_expired() -> TlsInfo {
    TlsInfo {
        version: "TLSv1.2".into(),
        cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into(),
        group: Some("secp256r1".into()),
        verified: false,
        error: Some("certificate expired: notAfter 2026-11-10T00:00:00Z".into()),
        problem: Some(CertProblem::Expired),
        checked_name: HOST.into(),
        chain: vec![cert(
            "CN=mail.example.com",
            "CN=mail.example.com",
            -12,
            false,
        )],
        client_cert_requested: false,
        ..TlsInfo::default()
    }
}

fn line(run: RunId, ep: usize, t_ms: f64, dir: Direction, text: &str) -> ProbeEvent {
    ProbeEvent::Line {
        run,
        endpoint: EndpointId(ep),
        entry: TranscriptEntry::new(t_ms, dir, text),
    }
}

fn phase(run: RunId, ep: usize, phase: Phase, start: f64, dur: f64, ok: bool) -> [ProbeEvent; 2] {
    [
        ProbeEvent::PhaseStarted {
            run,
            endpoint: EndpointId(ep),
            phase,
            at_ms: start,
        },
        ProbeEvent::PhaseDone {
            run,
            endpoint: EndpointId(ep),
            timing: PhaseTiming {
                phase,
                start_ms: start,
                dur_ms: dur,
                ok,
            },
        },
    ]
}

pub fn verdict(class: Class, summary: &str, evidence: &str, advice: &str) -> Verdict {
    Verdict {
        class,
        summary: summary.into(),
        evidence: evidence.into(),
        advice: advice.into(),
    }
}

/// The STARTTLS session on v4 587, as lines and phases.
fn session_587(run: RunId, ep: usize) -> Vec<ProbeEvent> {
    use Direction::{Client, ClientTls, Info, Server, ServerTls};
    let mut v = Vec::new();
    v.extend(phase(run, ep, Phase::Connect, 21.0, 11.6, true));
    v.push(line(
        run,
        ep,
        32.6,
        Info,
        "connected to 192.0.2.10:587 from 198.51.100.7:50312",
    ));
    v.extend(phase(run, ep, Phase::Banner, 32.6, 30.9, true));
    v.push(line(
        run,
        ep,
        63.5,
        Server,
        "220 mail.example.com ESMTP Postfix",
    ));
    v.push(line(run, ep, 63.9, Client, "EHLO smtptui.invalid"));
    v.extend(phase(run, ep, Phase::Ehlo, 63.9, 12.2, true));
    for l in [
        "250-mail.example.com",
        "250-PIPELINING",
        "250-SIZE 52428800",
        "250-STARTTLS",
        "250-ENHANCEDSTATUSCODES",
        "250 CHUNKING",
    ] {
        v.push(line(run, ep, 76.1, Server, l));
    }
    v.push(line(run, ep, 76.4, Client, "STARTTLS"));
    v.extend(phase(run, ep, Phase::Starttls, 76.4, 10.1, true));
    v.push(line(run, ep, 86.5, Server, "220 2.0.0 Ready to start TLS"));
    v.extend(phase(run, ep, Phase::TlsHandshake, 86.5, 48.3, true));
    v.push(ProbeEvent::Tls {
        run,
        endpoint: EndpointId(ep),
        info: Box::new(tls_verified()),
    });
    v.push(line(
        run,
        ep,
        134.8,
        Info,
        "TLSv1.3 TLS13_AES_256_GCM_SHA384, certificate verified for mail.example.com",
    ));
    v.push(line(run, ep, 135.0, ClientTls, "EHLO smtptui.invalid"));
    v.extend(phase(run, ep, Phase::EhloTls, 135.0, 13.4, true));
    for l in [
        "250-mail.example.com",
        "250-PIPELINING",
        "250-SIZE 52428800",
        "250-AUTH PLAIN LOGIN",
        "250-ENHANCEDSTATUSCODES",
        "250 CHUNKING",
    ] {
        v.push(line(run, ep, 148.4, ServerTls, l));
    }
    v
}

pub fn report(ep: &Endpoint, v: Verdict, tls: Option<TlsInfo>, auth: &[&str]) -> ProbeEvent {
    ProbeEvent::EndpointDone {
        run: RunId(1),
        report: Box::new(EndpointReport {
            endpoint: ep.clone(),
            verdict: v,
            timings: Vec::new(),
            local_addr: Some("198.51.100.7:50312".into()),
            banner: (tls.is_some() || !auth.is_empty())
                .then(|| "220 mail.example.com ESMTP Postfix".into()),
            ehlo: Vec::new(),
            capabilities: Vec::new(),
            auth_mechanisms: auth.iter().map(|s| (*s).to_string()).collect(),
            auth_mech: None,
            tls,
            transcript: Vec::new(),
            provider: None,
            warnings: Vec::new(),
        }),
    }
}

/// The first part of the run (run id 1): DNS, the plan, v4 mostly done, v6 running.
pub fn mid_run() -> Vec<ProbeEvent> {
    let run = RunId(1);
    let eps = endpoints();
    let mut v = dns_and_plan(run, &eps);
    v.extend(v4_587_ok(run, &eps[2]));
    v.extend(v4_465_expired(run, &eps[1]));
    v.extend(v4_25_connecting_and_2525_refused(run, &eps[3]));
    v.extend(v6_running(run));
    v.push(line(run, 2, 170.0, Direction::Info, "session closed"));
    v
}

/// The run starts, resolves the host (A and AAAA) and plans the matrix.
fn dns_and_plan(run: RunId, eps: &[Endpoint]) -> Vec<ProbeEvent> {
    let run_line = |t_ms: f64, text: &str| ProbeEvent::RunLine {
        run,
        entry: TranscriptEntry::new(t_ms, Direction::Info, text),
    };
    vec![
        ProbeEvent::RunStarted {
            run,
            target: HOST.into(),
        },
        run_line(0.4, "resolving mail.example.com (A, AAAA)"),
        run_line(18.2, "mail.example.com A 192.0.2.10"),
        run_line(19.7, "mail.example.com AAAA 2001:db8::10"),
        ProbeEvent::Planned {
            run,
            endpoints: eps.to_vec(),
        },
    ]
}

/// v4 587: the full STARTTLS session, ok.
fn v4_587_ok(run: RunId, ep: &Endpoint) -> Vec<ProbeEvent> {
    let mut v = session_587(run, ep.id.0);
    v.push(line(run, ep.id.0, 148.9, Direction::ClientTls, "QUIT"));
    v.push(line(
        run,
        ep.id.0,
        160.2,
        Direction::ServerTls,
        "221 2.0.0 Bye",
    ));
    v.push(report(
        ep,
        verdict(
            Class::Ok,
            "Works: STARTTLS, certificate verified, AUTH offered",
            "250-AUTH PLAIN LOGIN (after STARTTLS)",
            "use 587 with STARTTLS",
        ),
        Some(tls_verified()),
        &["PLAIN", "LOGIN"],
    ));
    v
}

/// v4 465: implicit TLS, an expired certificate.
fn v4_465_expired(run: RunId, ep: &Endpoint) -> Vec<ProbeEvent> {
    let i = ep.id.0;
    let mut v = Vec::new();
    v.extend(phase(run, i, Phase::Connect, 20.5, 12.1, true));
    v.push(line(
        run,
        i,
        32.6,
        Direction::Info,
        "connected to 192.0.2.10:465",
    ));
    v.extend(phase(run, i, Phase::TlsHandshake, 32.6, 41.0, false));
    v.push(ProbeEvent::Tls {
        run,
        endpoint: ep.id,
        info: Box::new(tls_expired()),
    });
    v.push(line(
        run,
        i,
        73.6,
        Direction::Error,
        "certificate expired: notAfter 2026-11-10T00:00:00Z (continuing for inspection)",
    ));
    v.push(line(
        run,
        i,
        95.0,
        Direction::ServerTls,
        "220 mail.example.com ESMTP Postfix",
    ));
    v.push(report(
        ep,
        verdict(
            Class::CertExpired,
            "The certificate has expired",
            "notAfter 2026-11-10T00:00:00Z (12 days ago)",
            "renew the certificate; until then clients will refuse 465",
        ),
        Some(tls_expired()),
        &[],
    ));
    v
}

/// v4 25 still connecting (it times out in [`finish`]); v4 2525 refused.
fn v4_25_connecting_and_2525_refused(run: RunId, ep_2525: &Endpoint) -> Vec<ProbeEvent> {
    let mut v = vec![ProbeEvent::PhaseStarted {
        run,
        endpoint: EndpointId(0),
        phase: Phase::Connect,
        at_ms: 20.1,
    }];
    v.push(line(
        run,
        0,
        20.1,
        Direction::Info,
        "connecting to 192.0.2.10:25",
    ));
    let i = ep_2525.id.0;
    v.extend(phase(run, i, Phase::Connect, 20.8, 1.2, false));
    v.push(line(
        run,
        i,
        22.0,
        Direction::Error,
        "connect: connection refused (RST)",
    ));
    v.push(report(
        ep_2525,
        verdict(
            Class::Refused,
            "TCP connection refused",
            "RST after 1.2ms",
            "nothing listens on 2525; use 587",
        ),
        None,
        &[],
    ));
    v
}

/// v6: 25 connecting, 587 in EHLO, 465 handshaking, 2525 queued.
fn v6_running(run: RunId) -> Vec<ProbeEvent> {
    let started = |ep: usize, phase: Phase, at_ms: f64| ProbeEvent::PhaseStarted {
        run,
        endpoint: EndpointId(ep),
        phase,
        at_ms,
    };
    let mut v = vec![started(4, Phase::Connect, 21.3)];
    v.extend(phase(run, 6, Phase::Connect, 21.5, 14.0, true));
    v.extend(phase(run, 6, Phase::Banner, 35.5, 33.0, true));
    v.push(line(
        run,
        6,
        68.5,
        Direction::Server,
        "220 mail.example.com ESMTP Postfix",
    ));
    v.push(line(
        run,
        6,
        68.9,
        Direction::Client,
        "EHLO smtptui.invalid",
    ));
    v.push(started(6, Phase::Ehlo, 68.9));
    v.extend(phase(run, 5, Phase::Connect, 21.4, 15.2, true));
    v.push(started(5, Phase::TlsHandshake, 36.6));
    v
}

/// A phase that ended (only its end: it started in [`mid_run`]).
fn phase_done(
    run: RunId,
    ep: usize,
    phase: Phase,
    start_ms: f64,
    dur_ms: f64,
    ok: bool,
) -> ProbeEvent {
    ProbeEvent::PhaseDone {
        run,
        endpoint: EndpointId(ep),
        timing: PhaseTiming {
            phase,
            start_ms,
            dur_ms,
            ok,
        },
    }
}

/// The rest of the run's endpoints (its findings come with the engine's report:
/// [`findings`], [`run_finished`]).
pub fn finish() -> Vec<ProbeEvent> {
    let run = RunId(1);
    let eps = endpoints();
    let mut v = port_25_timeouts(run, &eps);
    v.extend(v6_finish(run, &eps));
    v
}

/// Port 25 times out on v4 and v6.
fn port_25_timeouts(run: RunId, eps: &[Endpoint]) -> Vec<ProbeEvent> {
    vec![
        phase_done(run, 0, Phase::Connect, 20.1, 10_000.0, false),
        line(
            run,
            0,
            10_020.1,
            Direction::Error,
            "connect timed out after 10s (no SYN-ACK, no RST)",
        ),
        report(
            &eps[0],
            verdict(
                Class::Timeout,
                "TCP connect timed out (packets silently dropped)",
                "no answer to SYN within 10s on 192.0.2.10:25",
                "this network blocks outbound port 25; submit on 587 or 465",
            ),
            None,
            &[],
        ),
        phase_done(run, 4, Phase::Connect, 21.3, 10_000.0, false),
        report(
            &eps[4],
            verdict(
                Class::Timeout,
                "TCP connect timed out (packets silently dropped)",
                "no answer to SYN within 10s",
                "submit on 587 or 465",
            ),
            None,
            &[],
        ),
    ]
}

/// v6 465 expired, 587 with STARTTLS stripped, 2525 refused.
fn v6_finish(run: RunId, eps: &[Endpoint]) -> Vec<ProbeEvent> {
    let mut v = vec![
        phase_done(run, 5, Phase::TlsHandshake, 36.6, 40.0, false),
        ProbeEvent::Tls {
            run,
            endpoint: EndpointId(5),
            info: Box::new(tls_expired()),
        },
        report(
            &eps[5],
            verdict(
                Class::CertExpired,
                "The certificate has expired",
                "notAfter 2026-11-10T00:00:00Z",
                "renew the certificate",
            ),
            Some(tls_expired()),
            &[],
        ),
        phase_done(run, 6, Phase::Ehlo, 68.9, 11.0, true),
        line(run, 6, 79.9, Direction::Server, "250-mail.example.com"),
        line(run, 6, 79.9, Direction::Server, "250 AUTH PLAIN LOGIN"),
        report(
            &eps[6],
            verdict(
                Class::StarttlsStripped,
                "A middlebox masked STARTTLS",
                "EHLO over IPv6 lacks STARTTLS while IPv4 offers it",
                "use another network or port 465",
            ),
            None,
            &["PLAIN", "LOGIN"],
        ),
    ];
    v.extend(phase(run, 7, Phase::Connect, 22.0, 1.0, false));
    v.push(report(
        &eps[7],
        verdict(
            Class::Refused,
            "TCP connection refused",
            "RST",
            "nothing listens on 2525",
        ),
        None,
        &[],
    ));
    v
}

/// The run's matrix-level findings.
pub fn findings() -> Vec<Finding> {
    vec![
        Finding {
            code: "port25_blocked".into(),
            summary: "Outbound port 25 is blocked on this network".into(),
            evidence: "25 timed out on v4 and v6; other ports connect".into(),
            advice: "submit on 587 or 465".into(),
        },
        Finding {
            code: "starttls_stripped_v6".into(),
            summary: "STARTTLS is stripped on the IPv6 path".into(),
            evidence: "v6 587".into(),
            advice: "prefer IPv4 or 465".into(),
        },
    ]
}

/// The end of `app`'s run as the engine ends it: its report — what the app saw (the
/// endpoints, their lines, the DNS report), `findings`, the duration up to the last
/// event — in `Msg::RunFinished`.
pub fn run_finished(app: &super::app::App, findings: Vec<Finding>) -> super::update::Msg {
    let mut report = app.export_report();
    report.findings = findings;
    super::update::Msg::RunFinished(app.run().id(), Box::new(report))
}

/// The next step the engine proposes after the greeting.
pub fn next_ehlo() -> NextStep {
    NextStep {
        phase: Phase::Ehlo,
        label: "send EHLO".into(),
        command: "EHLO smtptui.invalid".into(),
        editable: true,
    }
}

/// Renders `app` at its size into a buffer.
pub fn render(app: &super::app::App) -> ratatui::buffer::Buffer {
    let (w, h) = app.size();
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    term.draw(|f| super::view::view(app, f)).unwrap();
    term.backend().buffer().clone()
}

/// The buffer's text, one line per row, trailing blanks trimmed.
pub fn text(buf: &ratatui::buffer::Buffer) -> String {
    let w = buf.area.width as usize;
    let mut out = String::new();
    for row in buf.content().chunks(w) {
        let line: String = row.iter().map(ratatui::buffer::Cell::symbol).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
