//! A TUI model holding N transcript lines for one endpoint, built only through the
//! public message API (`update` with `Msg::Probe`), as the engine would fill it. Shared
//! by the criterion bench (`benches/render.rs`) and `bench tui-rss`.

use std::net::{IpAddr, Ipv4Addr};

use smtptui::model::{Direction, Endpoint, EndpointId, Mode, ProbeEvent, RunId, TranscriptEntry};
use smtptui::settings::Settings;
use smtptui::tui::app::App;
use smtptui::tui::form::Form;
use smtptui::tui::theme::Theme;
use smtptui::tui::update::{Msg, start_run, update};

/// Directions cycled through, so every style of line is drawn.
const DIRS: [Direction; 6] = [
    Direction::Info,
    Direction::Server,
    Direction::Client,
    Direction::ServerTls,
    Direction::ClientTls,
    Direction::Error,
];

/// An app on the main screen, sized `w`×`h`, whose only endpoint has `n` lines.
pub fn app_with_lines(n: usize, w: u16, h: u16) -> App {
    let mut app = App::new(None, Theme::new(false), Form::new(Vec::new()));
    update(&mut app, Msg::Resize(w, h));
    start_run(&mut app, Settings::new("mail.bench.test"));
    let run: RunId = app.run().id();
    let mut apply = |ev| update(&mut app, Msg::Probe(ev));
    apply(ProbeEvent::RunStarted {
        run,
        target: "mail.bench.test".into(),
    });
    apply(ProbeEvent::Planned {
        run,
        endpoints: vec![Endpoint {
            id: EndpointId(0),
            host: "mail.bench.test".into(),
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 587,
            mode: Mode::Starttls,
        }],
    });
    for i in 0..n {
        let dir = DIRS[i % DIRS.len()];
        let text = format!("250-line {i} of the bench transcript: PIPELINING SIZE 35882577");
        apply(ProbeEvent::Line {
            run,
            endpoint: EndpointId(0),
            entry: TranscriptEntry::new(i as f64 * 0.5, dir, text),
        });
    }
    app
}
