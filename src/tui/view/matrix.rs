//! The port matrix: one row per endpoint, under a header of matrix-level findings.
//!
//! ```text
//! ┌ Port matrix ─────────────────────────────────────────────────────────┐
//! │ ▲ Outbound port 25 is blocked on this network (port25_blocked)       │
//! │   Endpoint         Address      State    Connect Banner TLS AUTH Verdict│
//! │ ✔ v4 587/starttls  192.0.2.10   done        12ms 220 1.3  PLAIN ok     │
//! │ ⠋ v4 465/tls       192.0.2.10   TLS          8ms 220            │
//! └──────────────────────────────────────────────────────────────────────┘
//! ```
//! Column widths come from the content (see [`columns`]): wide layouts add the address
//! column, spell TLS versions out and give spare width to the verdict in words. When the
//! rows have different hosts (MX mode: one row per MX host × address), a Host column
//! comes first; in the demo a Scenario column names what each row shows. The bottom
//! border carries the legend of the icons.

use ratatui::Frame;
use ratatui::layout::Constraint;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::{fmt_ms, multi_host, safe, short_label, spinner};
use crate::model::Severity;
use crate::tui::app::{App, EndpointView, Pane, RowState};
use crate::tui::layout::{self, MainLayout};
use crate::tui::theme::{Tone, class_tone};

/// Draws the matrix block, its findings header and its table.
pub fn render(app: &App, frame: &mut Frame, lay: &MainLayout) {
    let t = app.theme();
    let (done, total) = app.run().progress();
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(app.panes.focus == Pane::Matrix))
        .title(Span::styled(" Port matrix ", t.heading()))
        .title(Line::from(Span::styled(format!(" {done}/{total} done "), t.dim())).right_aligned());
    if lay.findings.height == 0 && !app.run().findings().is_empty() {
        // No room for the findings lines: say how many there are.
        block = block.title(Span::styled(
            format!(" ▲ {} finding(s) ", app.run().findings().len()),
            t.tone(Tone::Warn),
        ));
    }
    if lay.matrix.width >= 44 {
        block = block.title_bottom(legend(app));
    }
    frame.render_widget(block, lay.matrix);
    frame.render_widget(
        Paragraph::new(findings_lines(app, lay.findings.height)),
        lay.findings,
    );

    let wide = lay.matrix.width >= 100;
    let cols = columns(app, wide, lay.table.width);
    let header: Vec<Cell> = cols.iter().map(|c| Cell::from(c.head)).collect();
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|c| {
            if c.fill {
                Constraint::Min(c.width)
            } else {
                Constraint::Length(c.width)
            }
        })
        .collect();
    let rows_fit = lay.matrix_rows();
    let offset = layout::matrix_offset(app.panes.selected, rows_fit);
    let rows: Vec<Row> = app
        .run()
        .endpoints()
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows_fit)
        .map(|(i, ep)| {
            let all = cells(app, ep, wide);
            let c: Vec<Cell> = cols
                .iter()
                .map(|col| {
                    let (text, style) = &all[col.kind as usize];
                    let text = fit(text, col.width, col.fill);
                    let line = if col.kind == Col::Connect {
                        Line::from(text).right_aligned()
                    } else {
                        Line::from(text)
                    };
                    Cell::from(line.style(*style))
                })
                .collect();
            let row = Row::new(c);
            if i == app.panes.selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    let empty = app.run().endpoints().is_empty();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(t.heading().add_modifier(Modifier::UNDERLINED)))
        .column_spacing(1);
    frame.render_widget(table, lay.table);
    if empty && lay.table.height > 1 {
        let msg = if app.run().running() {
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
    let t = app.theme();
    if app.run().findings().is_empty() {
        let text = if app.run().running() {
            "probing… findings appear when the run is done".to_string()
        } else if app.run().duration_ms().is_some() && app.run().endpoints().is_empty() {
            return vec![Line::from(Span::styled(
                "✘ nothing was probed: the transcript says why",
                t.tone(Tone::Bad),
            ))];
        } else if app.run().duration_ms().is_some()
            && !app
                .run()
                .endpoints()
                .iter()
                .any(|e| e.verdict().is_some_and(|v| v.class.is_ok()))
        {
            "no matrix-level findings (but no endpoint works: see the verdicts)".to_string()
        } else if app.run().duration_ms().is_some() {
            "✔ no matrix-level findings".to_string()
        } else {
            String::new()
        };
        return vec![Line::from(Span::styled(text, t.dim()))];
    }
    let n = app.run().findings().len();
    let h = height.max(1) as usize;
    app.run()
        .findings()
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

/// The legend of the row icons, drawn into the matrix's bottom border.
pub fn legend(app: &App) -> Line<'static> {
    let t = app.theme();
    let style = |sev: Severity| t.tone(Tone::from(sev));
    Line::from(vec![
        Span::styled(format!(" {}", Severity::Ok.icon()), style(Severity::Ok)),
        Span::styled(" works ", t.dim()),
        Span::styled(Severity::Attention.icon(), style(Severity::Attention)),
        Span::styled(" warning ", t.dim()),
        Span::styled(Severity::Failure.icon(), style(Severity::Failure)),
        Span::styled(" fails ", t.dim()),
        Span::styled("⊘", t.dim()),
        Span::styled(" cancelled ", t.dim()),
    ])
}

/// The matrix columns, in display order; the discriminant indexes [`cells`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Icon,
    Host,
    Scenario,
    Endpoint,
    Address,
    State,
    Connect,
    Banner,
    Tls,
    Auth,
    Verdict,
    Summary,
}

/// One column as laid out: its kind, header, width and whether it takes the rest.
#[derive(Debug, Clone, Copy)]
struct Column {
    kind: Col,
    head: &'static str,
    width: u16,
    fill: bool,
}

/// Column widths from content: every column is as wide as its widest cell (header
/// included). When they do not fit, optional columns go first (Summary, Address, the
/// endpoint label next to a scenario name, State once done, Connect, Banner), then the
/// name columns shrink, and AUTH is cut last — only when nothing else has room left.
/// A spare width goes to the Summary column (the verdict in words) when it fits.
fn columns(app: &App, wide: bool, width: u16) -> Vec<Column> {
    let rows: Vec<Vec<(String, ratatui::style::Style)>> = app
        .run()
        .endpoints()
        .iter()
        .map(|e| cells(app, e, wide))
        .collect();
    let natural = |kind: Col, head: &str| -> u16 {
        rows.iter()
            .map(|r| r[kind as usize].0.chars().count())
            .chain(std::iter::once(head.chars().count()))
            .max()
            .unwrap_or(0) as u16
    };
    let multi = multi_host(app);
    let scenarios = app
        .run()
        .endpoints()
        .iter()
        .any(|e| app.scenario(&e.endpoint).is_some());
    let mut cols: Vec<Column> = Vec::new();
    let mut push = |kind: Col, head: &'static str| {
        cols.push(Column {
            kind,
            head,
            width: natural(kind, head),
            fill: false,
        });
    };
    push(Col::Icon, "");
    if multi {
        push(Col::Host, "Host");
    }
    if scenarios {
        push(Col::Scenario, "Scenario");
    }
    push(Col::Endpoint, "Endpoint");
    if wide {
        push(Col::Address, "Address");
    }
    push(Col::State, "State");
    push(Col::Connect, "Connect");
    push(Col::Banner, "Banner");
    push(Col::Tls, "TLS");
    push(Col::Auth, "AUTH");
    push(Col::Verdict, "Verdict");
    let total = |cols: &[Column]| -> u16 {
        cols.iter().map(|c| c.width).sum::<u16>() + cols.len().saturating_sub(1) as u16
    };
    let all_done = app
        .run()
        .endpoints()
        .iter()
        .all(|e| e.state != RowState::Pending)
        && !app.run().running();
    // Drop optional columns until the rest fits.
    let mut drops = vec![Col::Address];
    if all_done {
        drops.push(Col::State);
    }
    if scenarios {
        drops.push(Col::Endpoint);
    }
    drops.extend([Col::Connect, Col::Banner]);
    for d in drops {
        if total(&cols) <= width {
            break;
        }
        cols.retain(|c| c.kind != d);
    }
    // Then shrink the name columns, AUTH last, and the verdict only when nothing else can.
    for (kind, min) in [
        (Col::Scenario, 14),
        (Col::Host, 12),
        (Col::Endpoint, 12),
        (Col::State, 6),
        (Col::Auth, 8),
        (Col::Verdict, 8),
    ] {
        let over = total(&cols).saturating_sub(width);
        if over == 0 {
            break;
        }
        if let Some(c) = cols.iter_mut().find(|c| c.kind == kind) {
            c.width = c.width.saturating_sub(over).max(min.min(c.width));
        }
    }
    // Spare width: the verdict in words, when at least 20 columns are left for it.
    let left = width.saturating_sub(total(&cols) + 1);
    if left >= 20 {
        // Exactly the room left, so a long summary ends in an ellipsis.
        cols.push(Column {
            kind: Col::Summary,
            head: "Summary",
            width: left,
            fill: false,
        });
    } else if let Some(last) = cols.last_mut() {
        last.fill = true;
    }
    cols
}

/// `s` cut to `w` columns with an ellipsis (a fill column is cut by the table itself,
/// but gets the ellipsis too when it is wider than its minimum).
fn fit(s: &str, w: u16, fill: bool) -> String {
    let w = w as usize;
    if fill || s.chars().count() <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(w - 1).collect();
    out.push('…');
    out
}

/// Every cell of a row (text and style), indexed by [`Col`].
fn cells(app: &App, ep: &EndpointView, wide: bool) -> Vec<(String, ratatui::style::Style)> {
    let t = app.theme();
    let verdict = ep.verdict();
    let (icon, icon_style) = match (&ep.state, verdict) {
        (RowState::Running(_), _) => (spinner(app.tick()).to_string(), t.tone(Tone::Busy)),
        (RowState::Pending, _) => ("·".into(), t.dim()),
        (RowState::Cancelled, _) => ("⊘".into(), t.dim()),
        (RowState::Done, Some(v)) => (
            v.class.severity().icon().into(),
            t.tone(class_tone(v.class)),
        ),
        (RowState::Done, None) => ("•".into(), t.dim()),
    };
    let state = match &ep.state {
        RowState::Pending => ("queued".to_string(), t.dim()),
        RowState::Running(p) => (p.label().to_string(), t.tone(Tone::Busy)),
        RowState::Done => ("done".to_string(), t.dim()),
        RowState::Cancelled => ("cancelled".to_string(), t.dim()),
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
    let warnings = ep.warnings().len();
    let (code, summary, vstyle) = match (verdict, &ep.live_phase) {
        (Some(v), _) => (
            {
                let mut code = v.class.code().to_string();
                // The located verdict of the path check: where it stops.
                if let Some(tag) = ep.path.as_ref().and_then(super::path::matrix_tag) {
                    code = format!("{code} {tag}");
                }
                // The warnings marker: `!` and how many.
                if warnings > 0 {
                    code = format!("{code} !{warnings}");
                }
                code
            },
            safe(&v.summary).into_owned(),
            t.tone(class_tone(v.class)),
        ),
        // A running row says how long its phase has waited, and for how long it may.
        (None, Some((phase, since))) => {
            let elapsed = (app.run().now_ms().max(app.run().last_ms()) - since).max(0.0) / 1000.0;
            let limit = app
                .settings()
                .map(|s| format!(" of {:.0} s", s.timeouts.limit_for(*phase).as_secs_f64()))
                .unwrap_or_default();
            (
                format!("{elapsed:.1} s{limit}"),
                String::new(),
                t.tone(Tone::Busy),
            )
        }
        (None, None) => (String::new(), String::new(), t.text()),
    };
    let scenario = app
        .scenario(&ep.endpoint)
        .map(|s| safe(&s.name).into_owned())
        .unwrap_or_default();
    vec![
        (icon, icon_style),
        (safe(&ep.endpoint.host).into_owned(), t.text()),
        (scenario, t.text()),
        (short_label(&ep.endpoint), t.text()),
        (ep.endpoint.address.to_string(), t.dim()),
        state,
        (connect, t.text()),
        (banner, t.text()),
        (tls, tls_style),
        (auth, t.text()),
        (code, vstyle),
        (summary, t.dim()),
    ]
}
