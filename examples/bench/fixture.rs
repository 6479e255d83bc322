//! A TUI model holding N transcript lines for one endpoint, built only through the
//! public event API (`App::apply_event`), as the engine would fill it. Shared by the
//! criterion bench (`benches/render.rs`) and `bench tui-rss`.

use std::net::{IpAddr, Ipv4Addr};

use smtptui::model::{Direction, Endpoint, EndpointId, Mode, ProbeEvent, RunId, TranscriptEntry};
use smtptui::tui::app::{App, Screen};
use smtptui::tui::form::Form;
use smtptui::tui::theme::Theme;

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
    app.screen = Screen::Main;
    app.size = (w, h);
    let run: RunId = app.begin_run("mail.bench.test".into());
    app.apply_event(ProbeEvent::RunStarted {
        run,
        target: "mail.bench.test".into(),
    });
    app.apply_event(ProbeEvent::Planned {
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
        app.apply_event(ProbeEvent::Line {
            run,
            endpoint: EndpointId(0),
            entry: TranscriptEntry::new(i as f64 * 0.5, dir, text),
        });
    }
    app
}
