//! The port matrix: one row per endpoint, under a header of matrix-level findings.
//!
//! ```text
//! ┌ Port matrix ─────────────────────────────────────────────────────────┐
//! │ ▲ Outbound port 25 is blocked on this network (port25_blocked)       │
//! │   Endpoint         Address      State    Connect Ban TLS  AUTH  Verdict│
//! │ ✔ v4 587/starttls  192.0.2.10   done        12ms 220 1.3  PLAIN ok     │
//! │ ⠋ v4 465/tls       192.0.2.10   TLS          8ms 220            │
//! └──────────────────────────────────────────────────────────────────────┘
//! ```
//! Wide layouts add the address column and spell TLS versions out. When the rows have
//! different hosts (MX mode: one row per MX host × address), a Host column comes first.

use ratatui::Frame;
use ratatui::layout::Constraint;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::{fmt_ms, multi_host, safe, short_label, spinner};
use crate::tui::app::{App, EndpointView, Pane, RowState};
use crate::tui::layout::{self, MainLayout};
use crate::tui::theme::{Tone, class_tone};

/// Draws the matrix block, its findings header and its table.
pub fn render(app: &App, frame: &mut Frame, lay: &MainLayout) {
    let t = app.theme;
    let (done, total) = app.progress();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(app.focus == Pane::Matrix))
        .title(Span::styled(" Port matrix ", t.heading()))
        .title(Line::from(Span::styled(format!(" {done}/{total} done "), t.dim())).right_aligned());
    frame.render_widget(block, lay.matrix);
    frame.render_widget(
        Paragraph::new(findings_lines(app, lay.findings.height)),
        lay.findings,
    );

    let wide = lay.matrix.width >= 100;
    let label_w = app
        .endpoints
        .iter()
        .map(|e| short_label(&e.endpoint).chars().count())
        .max()
        .unwrap_or(15)
        .clamp(15, 22) as u16;
    let multi = multi_host(app);
    let host_w = app
        .endpoints
        .iter()
        .map(|e| e.endpoint.host.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, if wide { 28 } else { 19 }) as u16;
    let mut header: Vec<&str> = if wide {
        vec![
            "", "Endpoint", "Address", "State", "Connect", "Ban", "TLS", "AUTH", "Verdict",
        ]
    } else {
        vec![
            "", "Endpoint", "State", "Conn", "Ban", "TLS", "AUTH", "Verdict",
        ]
    };
    let mut widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(1),
            Constraint::Length(label_w),
            Constraint::Length(22),
            Constraint::Length(10),
            Constraint::Length(7),
            Constraint::Length(3),
            Constraint::Length(7),
            Constraint::Length(18),
            Constraint::Min(10),
        ]
    } else {
        vec![
            Constraint::Length(1),
            Constraint::Length(label_w),
            Constraint::Length(9),
            Constraint::Length(6),
            Constraint::Length(3),
            Constraint::Length(3),
            Constraint::Length(11),
            Constraint::Min(8),
        ]
    };
    if multi {
        if !wide {
            // Room for the host names: port 25 rarely offers AUTH.
            widths[6] = Constraint::Length(6);
        }
        header.insert(1, "Host");
        widths.insert(1, Constraint::Length(host_w));
    }
    let rows_fit = lay.matrix_rows();
    let offset = layout::matrix_offset(app.selected, rows_fit);
    let rows: Vec<Row> = app
        .endpoints
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows_fit)
        .map(|(i, ep)| {
            let mut c = cells(app, ep, wide);
            if multi {
                c.insert(1, Cell::from(safe(&ep.endpoint.host).into_owned()));
            }
            let row = Row::new(c);
            if i == app.selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    let empty = app.endpoints.is_empty();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(t.heading().add_modifier(Modifier::UNDERLINED)))
        .column_spacing(1);
    frame.render_widget(table, lay.table);
    if empty && lay.table.height > 1 {
        let msg = if app.running {
            "resolving the target…"
        } else {
            "no endpoints"
        };
        let r = ratatui::layout::Rect {
            y: lay.table.y + 1,
            height: 1,
            ..lay.table
        };
        frame.render_widget(Paragraph::new(Span::styled(format!("  {msg}"), t.dim())), r);
    }
}

fn findings_lines(app: &App, height: u16) -> Vec<Line<'static>> {
    let t = app.theme;
    if app.findings.is_empty() {
        let text = if app.running {
            "probing… findings appear when the run is done".to_string()
        } else if app.duration_ms.is_some() {
            "✔ no matrix-level findings".to_string()
        } else {
            String::new()
        };
        return vec![Line::from(Span::styled(text, t.dim()))];
    }
    let n = app.findings.len();
    let h = height.max(1) as usize;
    app.findings
        .iter()
        .take(h)
        .enumerate()
        .map(|(i, f)| {
            let mut spans = vec![
                Span::styled("▲ ", t.tone(Tone::Warn)),
                Span::styled(safe(&f.summary).into_owned(), t.tone(Tone::Warn)),
                Span::styled(format!(" ({})", safe(&f.code)), t.dim()),
            ];
            if i + 1 == h && n > h {
                spans.push(Span::styled(format!("  +{} more", n - h), t.dim()));
            }
            Line::from(spans)
        })
        .collect()
}

fn cells<'a>(app: &App, ep: &'a EndpointView, wide: bool) -> Vec<Cell<'a>> {
    let t = app.theme;
    let verdict = ep.verdict();
    let (icon, icon_style) = match (&ep.state, verdict) {
        (RowState::Running(_), _) => (spinner(app.tick).to_string(), t.tone(Tone::Busy)),
        (RowState::Pending, _) => ("·".into(), t.dim()),
        (RowState::Cancelled, _) => ("⊘".into(), t.dim()),
        (RowState::Done, Some(v)) => {
            let tone = class_tone(v.class);
            let icon = match tone {
                Tone::Good => "✔",
                Tone::Warn => "▲",
                _ => "✘",
            };
            (icon.into(), t.tone(tone))
        }
        (RowState::Done, None) => ("•".into(), t.dim()),
    };
    let state = match &ep.state {
        RowState::Pending => Span::styled("queued", t.dim()),
        RowState::Running(p) => Span::styled(p.label(), t.tone(Tone::Busy)),
        RowState::Done => Span::styled("done", t.dim()),
        RowState::Cancelled => Span::styled("cancelled", t.dim()),
    };
    let connect = ep.connect_ms().map(fmt_ms).unwrap_or_default();
    let banner = ep.banner_code().unwrap_or_default();
    let tls = ep.tls.as_ref().map_or(String::new(), |i| {
        let v = safe(&i.version).into_owned();
        if wide {
            v
        } else {
            v.trim_start_matches("TLSv").to_string()
        }
    });
    let tls_style = match &ep.tls {
        Some(i) if !i.verified => t.tone(Tone::Warn),
        _ => t.text(),
    };
    let auth = match ep.auth() {
        Some([]) => "-".to_string(),
        Some(m) => safe(&m.join(",")).into_owned(),
        None => String::new(),
    };
    let verdict_cell = match verdict {
        Some(v) => {
            let mut spans = vec![Span::styled(v.class.code(), t.tone(class_tone(v.class)))];
            // The located verdict of the path check: where it stops.
            if let Some(tag) = ep.path.as_ref().and_then(super::path::matrix_tag) {
                spans.push(Span::styled(format!(" {tag}"), t.tone(Tone::Warn)));
            }
            Cell::from(Line::from(spans))
        }
        None => Cell::from(""),
    };
    let mut out = vec![
        Cell::from(Span::styled(icon, icon_style)),
        Cell::from(short_label(&ep.endpoint)),
    ];
    if wide {
        out.push(Cell::from(Span::styled(
            ep.endpoint.address.to_string(),
            t.dim(),
        )));
    }
    out.extend([
        Cell::from(state),
        Cell::from(Line::from(connect).right_aligned()),
        Cell::from(banner),
        Cell::from(Span::styled(tls, tls_style)),
        Cell::from(auth),
        verdict_cell,
    ]);
    out
}
