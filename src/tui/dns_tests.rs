//! MX mode and the preset picker, whole-app: an MX run with a DNS report (two MX hosts,
//! pass / warn / fail findings) rendered at 80×24 and 120×40, the side-pane cycle, and
//! the target form with a preset chosen.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::app::{App, Pane, Screen, SideView};
use super::fixtures::{render, text};
use super::fixtures::{report, run_finished, verdict};
use super::form::{Field, Form};
use super::theme::Theme;
use super::update::{Cmd, Msg, next_side, start_run, update};
use crate::model::{
    Class, DnsCheck, DnsFinding, DnsReport, DnsStatus, Endpoint, EndpointId, Finding, Mode, MxHost,
    ProbeEvent, RunId,
};
use crate::settings::Settings;

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (120, 40);

/// MX mode endpoints: mx1 (v4 + v6) and mx2 (v4), port 25 STARTTLS.
fn mx_endpoints() -> Vec<Endpoint> {
    [
        ("mx1.example.com", "192.0.2.25"),
        ("mx1.example.com", "2001:db8::25"),
        ("mx2.example.com", "192.0.2.26"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (host, addr))| Endpoint {
        id: EndpointId(i),
        host: host.into(),
        address: addr.parse().unwrap(),
        port: 25,
        mode: Mode::Starttls,
    })
    .collect()
}

fn finding(
    check: DnsCheck,
    subject: &str,
    status: DnsStatus,
    ev: &str,
    advice: &str,
) -> DnsFinding {
    DnsFinding {
        check,
        subject: subject.into(),
        status,
        evidence: ev.into(),
        advice: advice.into(),
    }
}

/// Two MX hosts; pass, warn and fail findings.
fn dns_report() -> DnsReport {
    use DnsStatus::{Fail, Pass, Warn};
    DnsReport {
        domain: "example.com".into(),
        mx: vec![
            MxHost {
                preference: 10,
                host: "mx1.example.com".into(),
                addresses: vec!["192.0.2.25".into(), "2001:db8::25".into()],
            },
            MxHost {
                preference: 20,
                host: "mx2.example.com".into(),
                addresses: vec!["192.0.2.26".into()],
            },
        ],
        findings: vec![
            finding(
                DnsCheck::Mx,
                "example.com",
                Pass,
                "2 MX hosts, 3 addresses",
                "",
            ),
            finding(
                DnsCheck::Spf,
                "example.com",
                Pass,
                "v=spf1 mx -all",
                "nothing to do",
            ),
            finding(
                DnsCheck::Dmarc,
                "example.com",
                Warn,
                "v=DMARC1; p=none",
                "move to p=quarantine once the reports look clean",
            ),
            finding(
                DnsCheck::MtaSts,
                "example.com",
                Warn,
                "no _mta-sts TXT record",
                "publish an MTA-STS policy in testing mode first",
            ),
            finding(
                DnsCheck::Dnsbl,
                "192.0.2.26",
                Fail,
                "listed in bl.test (127.0.0.2)",
                "ask the blocklist operator for delisting",
            ),
        ],
    }
}

/// An MX run's events, the DNS report `dns` last.
fn mx_run(dns: DnsReport) -> Vec<ProbeEvent> {
    let run = RunId(1);
    let eps = mx_endpoints();
    let mut v = vec![
        ProbeEvent::RunStarted {
            run,
            target: "example.com".into(),
        },
        ProbeEvent::Planned {
            run,
            endpoints: eps.clone(),
        },
    ];
    let ok = || {
        verdict(
            Class::Ok,
            "Works: STARTTLS, certificate verified",
            "250 STARTTLS",
            "nothing to do",
        )
    };
    v.push(report(&eps[0], ok(), None, &[]));
    v.push(report(
        &eps[1],
        verdict(
            Class::Timeout,
            "TCP connect timed out",
            "no answer within 10s",
            "IPv6 may be broken on this network",
        ),
        None,
        &[],
    ));
    v.push(report(&eps[2], ok(), None, &[]));
    v.push(ProbeEvent::DnsReport {
        run,
        report: Box::new(dns),
    });
    v
}

fn mx_app(size: (u16, u16)) -> App {
    mx_app_with(size, dns_report())
}

/// A finished MX run with the DNS report `dns` and one finding.
fn mx_app_with(size: (u16, u16), dns: DnsReport) -> App {
    let mut settings = Settings::new("example.com");
    settings.mx = true;
    let mut app = App::new(
        Some(settings.clone()),
        Theme::new(false),
        Form::new(Vec::new()),
    );
    update(&mut app, Msg::Resize(size.0, size.1));
    start_run(&mut app, settings);
    for ev in mx_run(dns) {
        update(&mut app, Msg::Probe(ev));
    }
    let findings = vec![Finding {
        code: "ipv6_broken".into(),
        summary: "IPv6 does not work from this network".into(),
        evidence: "mx1 v6".into(),
        advice: "use IPv4".into(),
    }];
    let done = run_finished(&app, findings);
    update(&mut app, done);
    app
}

fn press(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Cmd> {
    update(app, Msg::Key(KeyEvent::new(code, mods)))
}

fn key(app: &mut App, code: KeyCode) -> Vec<Cmd> {
    press(app, code, KeyModifiers::NONE)
}

fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// The foreground colour of the first cell of `needle` on screen.
fn fg_of(buf: &Buffer, needle: &str) -> Option<Color> {
    let w = buf.area.width;
    for y in 0..buf.area.height {
        let cells: Vec<&str> = (0..w).map(|x| buf[(x, y)].symbol()).collect();
        let line = cells.concat();
        if let Some(byte) = line.find(needle) {
            let mut acc = 0;
            for (x, s) in cells.iter().enumerate() {
                if acc == byte {
                    return Some(buf[(x as u16, y)].fg);
                }
                acc += s.len();
            }
        }
    }
    None
}

#[test]
fn dns_pane_small() {
    let mut app = mx_app(SMALL);
    assert!(app.run().dns().is_some());
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(
        (app.panes.side, app.panes.focus),
        (SideView::Dns, Pane::Dns)
    );
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.panes.dns.selected, 2);
    let buf = render(&app);
    let s = text(&buf);
    // The pane is small: the verdict bar shows the selected finding.
    assert!(s.contains("DNS finding"), "{s}");
    assert!(s.contains("move to p=quarantine"), "{s}");
    assert!(s.contains("mx1.example.com"), "{s}");
    assert_eq!(fg_of(&buf, "warn dmarc"), Some(Color::Yellow));
    insta::assert_snapshot!("dns_pane_80x24", s);
    // The last finding is a failure, drawn red.
    key(&mut app, KeyCode::End);
    let buf = render(&app);
    assert_eq!(fg_of(&buf, "fail dnsbl"), Some(Color::Red));
    assert!(text(&buf).contains("delisting"));
    // d again goes back to the certificate.
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(app.panes.side, SideView::Cert);
    assert_ne!(app.panes.focus, Pane::Dns);
}

#[test]
fn dns_pane_large() {
    let mut app = mx_app(LARGE);
    // Wide: t gives the timeline the larger share first, then shows the DNS report.
    key(&mut app, KeyCode::Char('t'));
    assert_eq!(app.panes.side, SideView::Timeline);
    key(&mut app, KeyCode::Char('t'));
    assert_eq!(app.panes.side, SideView::Dns);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.panes.focus, Pane::Dns);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    let buf = render(&app);
    let s = text(&buf);
    // Tall enough: the pane shows the advice itself; the verdict bar stays.
    assert!(s.contains("move to p=quarantine"), "{s}");
    assert!(!s.contains("DNS finding"), "{s}");
    assert!(s.contains("Host"), "the matrix names each row's host:\n{s}");
    assert!(s.contains("mx2.example.com v4 25/starttls"), "{s}");
    assert!(
        s.contains("Transcript — mx1.example.com v4 25/starttls"),
        "{s}"
    );
    assert_eq!(fg_of(&buf, "pass spf"), Some(Color::Green));
    assert_eq!(fg_of(&buf, "fail dnsbl"), Some(Color::Red));
    insta::assert_snapshot!("dns_pane_120x40", s);
    key(&mut app, KeyCode::Char('t'));
    assert_eq!(app.panes.side, SideView::Cert);
    assert!(!text(&render(&app)).contains("DNS — example.com"));
}

#[test]
fn side_cycle() {
    use SideView::{Cert, Dns, Timeline};
    let table = [
        (Cert, false, false, Timeline),
        (Timeline, false, false, Cert),
        (Cert, true, false, Timeline),
        (Timeline, true, false, Dns),
        (Dns, true, false, Cert),
        (Cert, true, true, Timeline),
        (Timeline, true, true, Dns),
        (Dns, true, true, Cert),
        (Cert, false, true, Timeline),
        (Dns, false, true, Cert),
    ];
    for (side, dns, wide, want) in table {
        assert_eq!(next_side(side, dns, wide), want, "{side:?} {dns} {wide}");
    }
    let mut app = mx_app(SMALL);
    for want in [Timeline, Dns, Cert] {
        key(&mut app, KeyCode::Char('t'));
        assert_eq!(app.panes.side, want);
    }
}

#[test]
fn export_carries_the_dns_report() {
    let mut app = mx_app(SMALL);
    assert_eq!(app.export_report().dns.as_ref(), app.run().dns());
    assert!(app.export_report().dns.is_some());
    // Before the report arrives, d says it is coming.
    let mut settings = Settings::new("example.com");
    settings.mx = true;
    start_run(&mut app, settings);
    key(&mut app, KeyCode::Char('d'));
    assert!(app.status.as_ref().unwrap().text.contains("comes when"));
}

#[test]
fn without_a_dns_report_d_explains() {
    let mut app = mx_app(SMALL);
    // A new run (not MX mode) forgets the report.
    let settings = Settings::new("mail.example.com");
    start_run(&mut app, settings);
    assert!(app.run().dns().is_none());
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(app.panes.side, SideView::Cert);
    assert!(app.status.as_ref().unwrap().text.contains("MX mode"));
    key(&mut app, KeyCode::Char('t'));
    key(&mut app, KeyCode::Char('t'));
    assert_eq!(app.panes.side, SideView::Cert);
}

#[test]
fn form_mx_prefix_starts_an_mx_run() {
    let mut app = App::new(None, Theme::new(false), Form::new(Vec::new()));
    typ(&mut app, "mx:example.com");
    let cmds = key(&mut app, KeyCode::Enter);
    match cmds.as_slice() {
        [Cmd::StartRun { settings, .. }] => {
            assert!(settings.mx);
            assert_eq!(settings.target, "example.com");
            let remembered = app.pending_recent().unwrap();
            assert_eq!(remembered.host, "mx:example.com");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn form_with_a_preset() {
    for size in [SMALL, LARGE] {
        let mut app = App::new(None, Theme::new(false), Form::new(Vec::new()));
        update(&mut app, Msg::Resize(size.0, size.1));
        key(&mut app, KeyCode::Tab);
        assert_eq!(app.form.focused(), Field::Preset);
        typ(&mut app, "gmail");
        assert_eq!(app.form.input(Field::Host).text(), "smtp.gmail.com");
        // Right cycles to the next provider; Left comes back.
        key(&mut app, KeyCode::Right);
        assert_ne!(app.form.input(Field::Preset).text(), "gmail");
        key(&mut app, KeyCode::Left);
        assert_eq!(app.form.input(Field::Preset).text(), "gmail");
        key(&mut app, KeyCode::Tab);
        key(&mut app, KeyCode::Tab);
        typ(&mut app, "me@gmail.com");
        let s = text(&render(&app));
        assert!(s.contains("smtp.gmail.com"), "{s}");
        assert!(s.contains("Preset AUTH PLAIN, LOGIN"), "{s}");
        assert!(s.contains("gmail  (Gmail"), "{s}");
        insta::assert_snapshot!(format!("form_preset_{}x{}", size.0, size.1), s);
        let cmds = key(&mut app, KeyCode::Enter);
        let Some(Cmd::StartRun { settings, .. }) = cmds.last() else {
            panic!("{cmds:?}");
        };
        assert_eq!(settings.target, "smtp.gmail.com");
        assert!(settings.preset.is_some());
        assert!(settings.auth.as_ref().unwrap().mech.is_some());
        assert_eq!(app.screen, Screen::Main);
    }
    // Ctrl-O cycles from any field.
    let mut app = App::new(None, Theme::new(false), Form::new(Vec::new()));
    press(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    assert!(!app.form.input(Field::Preset).text().is_empty());
    assert!(!app.form.input(Field::Host).text().is_empty());
}

#[test]
fn dns_pane_shows_dkim_inheritance_and_dane_blame() {
    use DnsStatus::{Pass, Warn};
    let mut report = dns_report();
    report.findings = vec![
        finding(
            DnsCheck::Dkim,
            "google._domainkey.example.com",
            Pass,
            "RSA 2048 bits",
            "A valid key.",
        ),
        finding(
            DnsCheck::Dkim,
            "example.com",
            Warn,
            "no good key: s1 (warn); selectors tried: google, s1",
            "Fix or rotate the keys above.",
        ),
        finding(
            DnsCheck::Dmarc,
            "sub.example.com",
            Pass,
            "policy reject (inherited from the organizational domain example.com)",
            "DMARC is enforced (inherited from the organizational domain) and reported.",
        ),
        finding(
            DnsCheck::Dane,
            "mx1.example.com",
            Warn,
            "DNSSEC: indeterminate (DNSKEY .: REFUSED)",
            "run again through a validating resolver (--dns-server ADDR)",
        ),
    ];
    let mut app = mx_app_with(LARGE, report);
    // `t` cycles the side column (certificate → timeline → DNS); Tab then focuses it.
    key(&mut app, KeyCode::Char('t'));
    key(&mut app, KeyCode::Char('t'));
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.panes.focus, Pane::Dns);
    key(&mut app, KeyCode::Down);
    let buf = render(&app);
    let s = text(&buf);
    assert!(s.contains("pass dkim"), "{s}");
    assert!(s.contains("warn dkim"), "{s}");
    assert!(s.contains("tried: google, s1"), "{s}");
    assert!(s.contains("pass dmarc") && s.contains("warn dane"), "{s}");
    assert_eq!(fg_of(&buf, "warn dkim"), Some(Color::Yellow));
}
