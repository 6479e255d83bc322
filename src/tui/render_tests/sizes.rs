//! The main screen at four terminal sizes (40×12, 80×24, 120×40, 200×60) with the
//! demo's scenario names, plus the promises of the layout: a matrix row even at 40×12,
//! `Banner` spelt out, the legend, AUTH never cut while a column has room, the
//! certificate essentials without cuts and one day count, the Summary column using the
//! width at 200×60, the form scrolling to its focused field, the working-settings popup.

use super::*;
use crate::tui::Scenario;

const SIZES: [(u16, u16); 4] = [(40, 12), (80, 24), (120, 40), (200, 60)];

/// The finished fixture run, each row named like a demo scenario, the run's report
/// (with its recommendation) in place.
fn demo(size: (u16, u16)) -> App {
    let mut app = all_done(false, size);
    let names = [
        (
            25,
            crate::model::Mode::Starttls,
            "relay port",
            "port 25, blocked here",
        ),
        (
            465,
            crate::model::Mode::Tls,
            "implicit TLS (SMTPS)",
            "SMTPS with an expired certificate",
        ),
        (
            587,
            crate::model::Mode::Starttls,
            "healthy submission",
            "STARTTLS + AUTH, all well",
        ),
        (
            2525,
            crate::model::Mode::Starttls,
            "alternative port",
            "a second submission port",
        ),
    ];
    let scenarios = names
        .iter()
        .map(|(port, mode, name, about)| Scenario {
            port: *port,
            mode: *mode,
            name: (*name).into(),
            about: (*about).into(),
        })
        .collect();
    app.set_demo(None, scenarios);
    let mut report = app.export_report();
    report.findings = fixtures::findings();
    let mut s = Settings::new(HOST);
    s.auth = Some(crate::settings::AuthSettings {
        user: "alice@example.com".into(),
        secret: crate::model::Secret::new("pw"),
        mech: None,
    });
    report.recommended = crate::recommend::recommend(&report, &s);
    let run = app.run().id();
    update(&mut app, Msg::RunFinished(run, Box::new(report)));
    app
}

fn select(app: &mut App, port: u16) {
    app.panes.selected = app
        .run()
        .endpoints()
        .iter()
        .position(|e| e.endpoint.port == port)
        .unwrap();
}

#[test]
fn main_screen_at_four_sizes() {
    for (w, h) in SIZES {
        let mut app = demo((w, h));
        select(&mut app, 465);
        let s = screen(&app);
        insta::assert_snapshot!(format!("main_{w}x{h}"), s);
        // At least one matrix row, named for its scenario, at every size.
        assert!(
            s.contains("relay port") || s.contains("relay po…"),
            "{w}x{h}: no matrix row\n{s}"
        );
        if w >= 44 {
            assert!(
                s.contains("✔ works") && s.contains("⊘ cancelled"),
                "{w}x{h}: legend\n{s}"
            );
        }
        if w >= 120 {
            assert!(s.contains(" Banner "), "{w}x{h}\n{s}");
            assert!(!s.contains(" Ban "), "{w}x{h}\n{s}");
        }
    }
}

#[test]
fn auth_is_not_cut_while_another_column_has_room() {
    for (w, h) in [(120, 40), (200, 60)] {
        let app = demo((w, h));
        let s = screen(&app);
        let offered = app
            .run()
            .endpoints()
            .iter()
            .filter_map(|e| e.auth())
            .map(|m| m.join(","))
            .max_by_key(String::len)
            .unwrap();
        assert!(s.contains(&offered), "{w}x{h}: AUTH `{offered}` cut\n{s}");
        assert!(
            !s.contains("cert_expir…") && s.contains("cert_expired"),
            "{s}"
        );
    }
    // 200 columns: the spare width shows the verdict in words.
    let s = screen(&demo((200, 60)));
    assert!(s.contains("Summary"), "{s}");
}

#[test]
fn certificate_essentials_and_one_day_count_at_120x40() {
    let mut app = demo((120, 40));
    select(&mut app, 465);
    let buf = render(&app);
    let s = text(&buf);
    let lay = layout::main_layout(buf.area, &app);
    let cert = lay.cert.unwrap();
    let pane: String = s
        .lines()
        .skip(cert.y as usize)
        .take(cert.height as usize)
        .map(|l| {
            l.chars()
                .skip(cert.x as usize)
                .take(cert.width as usize)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n");
    let tls = crate::tui::fixtures::tls_expired();
    let leaf = &tls.chain[0];
    for essential in ["Subject", "SANs", "Until", "SHA-256", "Issuer"] {
        assert!(pane.contains(essential), "{essential} missing\n{pane}");
    }
    // The fingerprint is all there (wrapped at colons, never cut).
    let shown: String = pane
        .lines()
        .filter(|l| l.contains(':') && l.chars().filter(|c| *c == ':').count() > 4)
        .flat_map(|l| {
            l.split_whitespace()
                .filter(|w| w.contains(':'))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .concat();
    assert!(shown.contains(&leaf.sha256), "fingerprint cut:\n{pane}");
    // One day count: the pane and the verdict say the same number.
    let days = -leaf.days_left;
    assert!(pane.contains(&format!("expired {days} days ago")), "{pane}");
    assert!(s.contains(&format!("({days} days ago)")), "{s}");
}

#[test]
fn t_changes_the_wide_screen_and_the_timeline_shows_every_phase() {
    let mut app = demo((120, 40));
    select(&mut app, 587);
    let before = screen(&app);
    key(&mut app, KeyCode::Char('t'));
    let after = screen(&app);
    assert_ne!(before, after, "`t` changed nothing visible");
    let phases: Vec<&str> = app.run().endpoints()[app.panes.selected]
        .timings
        .iter()
        .map(|t| t.phase.label())
        .collect();
    // Both the tall and the short timeline show every phase.
    for s in [&before, &after] {
        for p in &phases {
            assert!(s.contains(p), "phase {p} missing\n{s}");
        }
    }
}

#[test]
fn the_form_scrolls_to_its_focused_field_at_40x12() {
    let mut app = App::new(None, Theme::new(false), Form::new(Vec::new()));
    update(&mut app, Msg::Resize(40, 12));
    assert_eq!(app.screen, Screen::Form);
    for _ in 0..Field::ALL.len() - 1 {
        key(&mut app, KeyCode::Tab);
    }
    let s = screen(&app);
    let last = Field::ALL[Field::ALL.len() - 1].label();
    assert!(s.contains(&format!("▸ {last}")), "{s}");
    assert!(s.contains("more"), "{s}");
    insta::assert_snapshot!("form_40x12_last_field", s);
}

#[test]
fn working_settings_popup() {
    let mut app = demo((100, 30));
    key(&mut app, KeyCode::Char('W'));
    assert_eq!(app.context(), crate::tui::keys::Context::Settings);
    let s = screen(&app);
    insta::assert_snapshot!("settings_popup", s);
    assert!(s.contains("Use mail.example.com:587"), "{s}");
    key(&mut app, KeyCode::Tab);
    let py = screen(&app);
    assert!(py.contains("smtp.starttls(context=context)"), "{py}");
    assert!(!py.contains("\"pw\""), "{py}");
    // `y` copies the tab shown (OSC 52 in the runtime), never a secret.
    let cmds = key(&mut app, KeyCode::Char('y'));
    match cmds.as_slice() {
        [Cmd::Copy(text)] => {
            assert!(text.contains("import smtplib") && text.contains("SMTP_PASSWORD"));
            assert!(!text.contains("\"pw\""));
        }
        other => panic!("{other:?}"),
    }
    assert!(screen(&app).contains("copied"), "status line");
    key(&mut app, KeyCode::Esc);
    assert!(app.popup.is_none());
}
